"""Count backtest: the embargo, the prediction columns, the metrics and the CRPS gate."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import numpy as np
import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from training import count_backtest as cb
from training.backtest import Window, to_index
from training.count_distributions import NegBinomial
from training.count_metrics import central_interval
from training.counts import with_counts
from training.dataset import Dataset, build_dataset
from training.gate import Bootstrap
from training.synthetic import World

from .conftest import fill_store

FAST = {"n_estimators": 40, "learning_rate": 0.1, "min_child_samples": 20}
WINDOW = Window(step=26, default_years=1)


@pytest.fixture(scope="module")
def count_ds(world: World) -> Dataset:
    return with_counts(build_dataset(world.panel, world.events, [4]), world.events, [4])


@pytest.fixture(scope="module")
def events_result(count_ds: Dataset) -> cb.CountBacktestResult:
    return cb.count_backtest(count_ds, "events", 4, params=FAST, window=WINDOW)


class Spy:
    """Stands in for the count model; records the weeks it was trained on."""

    seen: ClassVar[list[np.ndarray]] = []

    def fit(self, X, y, *, week: np.ndarray) -> Spy:
        Spy.seen.append(np.asarray(week))
        return self

    def predict_distribution(self, X) -> NegBinomial:
        return NegBinomial(np.ones(len(X)))

    def predict_intervals(self, X, coverages):
        dist = self.predict_distribution(X)
        return {c: central_interval(dist, c) for c in coverages}


def test_never_trains_on_a_label_window_reaching_the_test_block(
    count_ds: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    Spy.seen = []
    monkeypatch.setattr(cb, "make_count_model", lambda params, target, horizon, seed: Spy())
    h = 4
    result = cb.count_backtest(count_ds, "fatalities", h, window=Window(step=9))
    folds = result.predictions.group_by("fold").agg(pl.col("issue_week").min()).sort("fold")
    assert folds.height == len(Spy.seen) >= 5
    for first_test, trained in zip(folds["issue_week"], Spy.seen, strict=True):
        assert trained.max() + h < to_index(first_test)
    assert result.predictions.select(
        pl.struct("district_code", "issue_week").is_unique().all()
    ).item()


def test_prediction_columns_and_nested_intervals(
    events_result: cb.CountBacktestResult, count_ds: Dataset
) -> None:
    p = events_result.predictions
    assert p.columns[: len(cb.PREDICTION_COLUMNS)] == list(cb.PREDICTION_COLUMNS)
    assert p["target"].unique().to_list() == ["events"] and p["horizon"].unique().to_list() == [4]
    nested = (
        (pl.col("lower95") <= pl.col("lower80"))
        & (pl.col("lower80") <= pl.col("lower50"))
        & (pl.col("lower50") <= pl.col("upper50"))
        & (pl.col("upper50") <= pl.col("upper80"))
        & (pl.col("upper80") <= pl.col("upper95"))
    )
    assert p.select(nested.all()).item()
    truth = count_ds.frame.select(
        pl.col("district_code"), pl.col("week").alias("issue_week"), pl.col("y_events_h4")
    )
    joined = p.join(truth, on=["district_code", "issue_week"])
    assert (joined["observed"] == joined["y_events_h4"]).all()
    assert (p["zero"] == 0).all() and (p["expected"] > 0).all()


def test_metrics_table_and_the_crps_gate(events_result: cb.CountBacktestResult) -> None:
    table = events_result.metrics
    assert set(table["forecaster"]) == {"model", "zero", "recent_mean", "mean_52w", "empirical"}
    assert set(table["subset"]) == {"all", "onset"}
    for column in ("crps", "pinball", "mse_log1p", "cover50", "cover80", "cover95", "width80"):
        assert column in table.columns
    rows = events_result.predictions.height
    assert events_result.metric("rows") == rows
    assert events_result.metric("crps") < events_result.metric("crps", "zero")
    assert 0.0 <= events_result.metric("cover80") <= events_result.metric("cover95") <= 1.0
    decisions = cb.gate(events_result)
    assert set(decisions) == {"zero", "recent_mean", "mean_52w", "empirical"}
    assert all(isinstance(b, Bootstrap) for b in decisions.values())
    assert decisions["zero"].confident(0.9)
    # The gate's difference is the difference of mean CRPS on the same rows.
    gap = events_result.metric("crps") - events_result.metric("crps", "zero")
    assert decisions["zero"].difference == pytest.approx(gap)


def test_recipes_are_the_default_and_keep_the_embargo() -> None:
    fatalities = cb.make_count_model(None, "fatalities", 12, seed=3)
    assert fatalities.hurdle and fatalities.blend_history and fatalities.objective == "tweedie"
    assert fatalities.history_columns[0] == "cnt_fatalities_past_h12_00"
    assert fatalities.embargo_weeks == 12 and fatalities.random_state == 3
    plain = cb.make_count_model({"embargo_weeks": 0}, "events", 4, seed=0)
    assert not plain.blend_history and plain.embargo_weeks == 4  # the embargo always wins


def test_blend_and_hurdle_recipes_run(count_ds: Dataset) -> None:
    params = {**FAST, "hurdle": True, "blend_history": True}
    result = cb.count_backtest(
        count_ds, "fatalities", 4, params=params, window=WINDOW, baselines=False
    )
    assert "empirical" not in result.predictions.columns
    assert all(0 <= m.blend_weight_ <= 1 for m in result.models)
    assert result.predictions["expected"].is_finite().all()
    with pytest.raises(ValueError, match="count target"):
        cb.count_backtest(count_ds, "any", 4)


def test_command_line(world: World, tmp_path: Path) -> None:
    fill_store(tmp_path / "forecast.duckdb", world)
    app = typer.Typer()
    app.command()(cb.main)
    out = tmp_path / "preds.csv"
    args = ["--home", str(tmp_path), "--target", "events", "--horizon", "4", "--step", "52"]
    args += ["--params", '{"n_estimators": 20}', "--out", str(out), "--markdown"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "events h=4" in result.output and "crps vs mean_52w" in result.output
    assert "| target | h | rows | forecaster |" in result.output
    written = pl.read_csv(out)
    assert written.columns[: len(cb.PREDICTION_COLUMNS)] == list(cb.PREDICTION_COLUMNS)


def test_variants_on_the_recipe_and_an_inner_validation_by_country(world: World) -> None:
    from training import count_variants as cv

    codes = world.panel["district_code"].unique().sort().to_list()
    countries = {code: ("MLI" if i % 2 else "NER") for i, code in enumerate(codes)}
    built = build_dataset(world.panel, world.events, [4], district_countries=countries)
    ds = with_counts(built, world.events, [4])
    no_blend = cv.on_recipe(cv.VARIANTS["no_blend"], "fatalities")
    assert no_blend.params == {**cb.RECIPES["fatalities"], "blend_history": False}
    assert cv.on_recipe(cv.VARIANTS["no_intensity"], "events").intensity is False

    inner = cv.inner_validation_data(ds, "events", 4)
    until = inner.frame["week"].max()
    assert inner.frame.height < ds.frame.height and inner.country is not None
    # The rows keep their countries through training.tune's cut.
    assert len(inner.country) == inner.frame.height
    assert [countries[c] for c in inner.frame["district_code"]] == inner.country.tolist()
    labelled = inner.frame.filter(pl.col("y_events_h4").is_not_null())
    assert labelled["week"].max() + timedelta(weeks=4) <= until
    variant = cv.Variant({**FAST, "blend_history": True})
    short = Window(step=26, default_years=1, min_train_weeks=40)
    result = cv.variant_backtest(inner, "events", 4, variant, short, 0, ["MLI"])
    mali = {code for code, country in countries.items() if country == "MLI"}
    assert set(result.predictions["district_code"]) == mali
    assert cv.summary_row(result)["best_baseline"] in {
        "zero",
        "recent_mean",
        "mean_52w",
        "empirical",
    }
