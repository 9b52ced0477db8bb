"""`forecast backtest` with count targets: options, output columns and values, the gate lines."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from forecast.commands.training import register
from forecast.core import vocab
from forecast.core.settings import get_settings
from training.synthetic import World

from .conftest import fast_params, fill_store

COUNT_COLUMNS = [
    "district_code",
    "issue_week",
    "horizon",
    "target",
    "expected",
    "lower50",
    "upper50",
    "lower80",
    "upper80",
    "lower95",
    "upper95",
    "observed",
    "zero",
    "recent_mean",
    "mean_52w",
    "empirical",
    "onset",
]
# One year of issue weeks in two folds: enough rows to score, quick to fit.
WINDOW = ["--start", "2017-01-02", "--end", "2017-12-25", "--step", "26", "--jobs", "1"]


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture
def stored(home: Path, world: World) -> World:
    fill_store(get_settings().db_path, world)
    return world


def weekly_truth(world: World) -> pl.DataFrame:
    """Political-violence events and their deaths per district and week, counted here from
    the raw events (protests left out), not through training.counts."""
    return (
        world.events.filter(pl.col("event_type").is_in(sorted(vocab.POLITICAL_VIOLENCE)))
        .with_columns(pl.col("event_date").dt.truncate("1w").alias("week"))
        .group_by("district_code", "week")
        .agg(
            pl.len().alias("n_events"),
            pl.col("fatalities").fill_null(0).sum().alias("n_fatalities"),
        )
    )


def window_sum(
    preds: pl.DataFrame, truth: pl.DataFrame, column: str, first: int, last: int
) -> pl.Series:
    """Per prediction row, ``column`` summed over weeks issue_week + first .. + last."""
    rows = preds.select("district_code", "issue_week").with_row_index("row")
    joined = rows.join(truth, on="district_code", how="left").filter(
        (pl.col("week") >= pl.col("issue_week") + pl.duration(weeks=first))
        & (pl.col("week") <= pl.col("issue_week") + pl.duration(weeks=last))
    )
    sums = joined.group_by("row").agg(pl.col(column).sum())
    return (
        rows.join(sums, on="row", how="left")
        .sort("row")[column]
        .fill_null(0)
        .cast(pl.Float64)
        .rename(column)
    )


def nested(frame: pl.DataFrame) -> bool:
    order = ["lower95", "lower80", "lower50", "upper50", "upper80", "upper95"]
    return all((frame[a] <= frame[b]).all() for a, b in itertools.pairwise(order))


def test_events_backtest_writes_the_documented_columns_and_true_counts(
    app: typer.Typer, stored: World, tmp_path: Path
) -> None:
    out = tmp_path / "counts.csv"
    args = ["backtest", "--target", "events", "--horizon", "4", *WINDOW, "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--no-log"])
    assert result.exit_code == 0, result.output
    preds = pl.read_csv(out, try_parse_dates=True)
    assert preds.columns == COUNT_COLUMNS
    assert set(preds["target"]) == {"events"} and set(preds["horizon"]) == {4}
    assert preds["issue_week"].min() == date(2017, 1, 2)
    assert preds.height == 15 * preds["issue_week"].n_unique()
    truth = weekly_truth(stored)
    # observed: the events of weeks t+1 .. t+4; recent_mean: those of t-3 .. t.
    assert (preds["observed"] == window_sum(preds, truth, "n_events", 1, 4)).all()
    assert (preds["recent_mean"] == window_sum(preds, truth, "n_events", -3, 0)).all()
    yearly = window_sum(preds, truth, "n_events", -51, 0) * 4 / 52
    assert (preds["mean_52w"] - yearly).abs().max() < 1e-4
    assert (preds["zero"] == 0).all()
    assert nested(preds) and (preds["expected"] > 0).all()
    # The 95% interval holds most counts; the model's expected count tracks them.
    inside = (preds["lower95"] <= preds["observed"]) & (preds["observed"] <= preds["upper95"])
    assert inside.mean() > 0.85
    assert np.corrcoef(preds["expected"], preds["observed"])[0, 1] > 0.3

    lines = result.output.splitlines()
    assert "evaluated on all; trained on all" in lines
    header = next(line for line in lines if "forecaster" in line and "crps" in line)
    for column in ("mse_log1p", "cover50", "cover80", "cover95", "width80", "width95"):
        assert column in header
    for name in ("model", "zero", "recent_mean", "mean_52w", "empirical"):
        assert any(f"| {name} " in line for line in lines)
    gate = [line for line in lines if line.startswith("gate events h=4:")]
    assert len(gate) == 1 and "crps " in gate[0] and ", P " in gate[0]
    assert "best baseline " in gate[0] and "confidence)" in gate[0]
    versus = [line.strip() for line in lines if line.startswith("  vs ")]
    assert [v.split(":")[0] for v in versus] == [
        "vs zero",
        "vs recent_mean",
        "vs mean_52w",
        "vs empirical",
    ]
    assert all("gain " in v and "%), P " in v and "confident)" in v for v in versus)
    assert "gain " in next(v for v in versus if v.startswith("vs zero"))


def test_mixed_targets_write_both_files_and_log_count_runs(
    app: typer.Typer,
    home: Path,
    stored: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mlflow

    # A registry of its own: MLflow exports the last tracking URI set by another module.
    uri = f"sqlite:///{home.parent / 'mlflow.db'}"
    monkeypatch.setenv("FORECAST_MLFLOW_TRACKING_URI", uri)
    get_settings.cache_clear()
    fast_params(home, [("any", 4)])
    out = tmp_path / "preds.csv"
    args = ["backtest", "--target", "any", "--target", "fatalities", "--horizon", "4"]
    result = CliRunner().invoke(app, [*args, *WINDOW, "--out", str(out)])
    assert result.exit_code == 0, result.output
    binary = pl.read_csv(out)
    assert "probability" in binary.columns and set(binary["target"]) == {"any"}
    counts = pl.read_csv(tmp_path / "preds.counts.csv", try_parse_dates=True)
    assert counts.columns == COUNT_COLUMNS and set(counts["target"]) == {"fatalities"}
    truth = weekly_truth(stored)
    assert (counts["observed"] == window_sum(counts, truth, "n_fatalities", 1, 4)).all()
    assert nested(counts)
    assert "preds.counts.csv" in result.output
    assert any(line.startswith("gate any h=4: log_loss ") for line in result.output.splitlines())
    assert any(line.startswith("gate fatalities h=4: crps ") for line in result.output.splitlines())

    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(search_all_experiments=True, output_format="list")
    names = {r.info.run_name: r for r in runs}
    assert {"backtest risk-any-h4", "backtest count-fatalities-h4"} <= set(names)
    run = names["backtest count-fatalities-h4"]
    assert run.data.tags["kind"] == "backtest-count"
    assert run.data.params["window.step"] == "26" and run.data.params["model.hurdle"] == "True"
    metrics = run.data.metrics
    assert metrics["all/model/rows"] == counts.height
    crps_model = metrics["all/model/crps"]
    assert metrics["gate/model"] == pytest.approx(crps_model)
    for name in ("zero", "recent_mean", "mean_52w", "empirical"):
        assert f"gate/{name}/p_better" in metrics
        gain = metrics[f"gate/{name}"] - crps_model
        assert metrics[f"gate/{name}/gain"] == pytest.approx(gain, abs=1e-9)
    for key in ("all/model/cover80", "onset/empirical/crps", "all/mean_52w/mse_log1p"):
        assert key in metrics
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id, "backtest")}
    assert artifacts == {"backtest/predictions.parquet", "backtest/coverage_by_expected.csv"}


def test_count_targets_are_weekly_only(app: typer.Typer, stored: World) -> None:
    args = ["backtest", "--target", "events", "--cadence", "month", "--no-log"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    message = result.output.strip().splitlines()
    assert len(message) == 1 and "weekly only" in message[0]
    assert "Traceback" not in result.output


def test_unknown_targets_name_the_allowed_ones(app: typer.Typer, stored: World) -> None:
    result = CliRunner().invoke(app, ["backtest", "--target", "riots", "--target", "events"])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "Unknown target(s): riots" in result.output
    for name in (*vocab.TARGETS, "events", "fatalities"):
        assert name in result.output


def test_counts_need_whole_horizons(app: typer.Typer, stored: World) -> None:
    result = CliRunner().invoke(app, ["backtest", "--target", "events", "--horizon", "0"])
    assert result.exit_code == 2 and "Horizons are whole weeks" in result.output


def test_a_window_without_rows_writes_an_empty_file(
    app: typer.Typer, stored: World, tmp_path: Path
) -> None:
    out = tmp_path / "none.csv"
    args = ["backtest", "--target", "events", "--horizon", "4", "--start", "2030-01-07"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--no-log"])
    assert result.exit_code == 0, result.output
    assert pl.read_csv(out).columns == COUNT_COLUMNS
    assert "0 count predictions written" in result.output
