"""The training commands: options, the backtest's output columns, help texts."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from forecast.commands.training import register
from forecast.settings import get_settings
from training.synthetic import World

from .conftest import fast_params, fill_store

COMMANDS = ("backtest", "train", "tune", "score", "retrain")


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(app: typer.Typer, command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_backtest_writes_the_documented_columns(
    app: typer.Typer, home: Path, world: World, tmp_path: Path
) -> None:
    fill_store(get_settings().db_path, world)
    fast_params(home, [("any", 4), ("abduction", 4)])
    out = tmp_path / "preds.csv"
    args = ["backtest", "--horizon", "4", "--target", "any", "--target", "abduction"]
    args += ["--start", "2016-01-04", "--end", "2017-12-25", "--step", "52", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--no-log", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    preds = pl.read_csv(out, try_parse_dates=True)
    assert preds.columns == [
        "district_code",
        "issue_week",
        "horizon",
        "target",
        "probability",
        "observed",
        "climatology",
        "persistence",
        "conflictology",
        "logistic",
        "onset",
    ]
    assert set(preds["target"]) == {"any", "abduction"}
    assert preds["issue_week"].min().isoformat() == "2016-01-04"
    assert preds["issue_week"].max().isoformat() <= "2017-12-25"
    assert "conflictology" in result.output and "average_precision" in result.output


def test_unknown_target_is_refused(app: typer.Typer, home: Path) -> None:
    result = CliRunner().invoke(app, ["backtest", "--target", "riots"])
    assert result.exit_code == 2


def test_backtest_and_train_use_the_configured_top_k(
    app: typer.Typer, home: Path, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import training.train
    from training.backtest import backtest
    from training.dataset import build_dataset
    from training.metrics import top_k_precision

    fill_store(get_settings().db_path, world)
    monkeypatch.setenv("FORECAST_TOP_K", "2")
    get_settings.cache_clear()
    asked: list[int] = []
    monkeypatch.setattr(training.train, "run_backtests", lambda *a, **kw: asked.append(kw["k"]))
    monkeypatch.setattr("training.backtest.comparison_table", lambda results: pl.DataFrame())
    result = CliRunner().invoke(app, ["backtest", "--target", "any", "--horizon", "4", "--no-log"])
    assert result.exit_code == 0, result.output
    assert asked == [2]

    # And k reaches the metric: top-2 precision, recomputed from the predictions.
    ds = build_dataset(world.panel, world.events, [4])
    out = backtest(ds, "any", 4, params={"n_estimators": 10}, k=2)
    p = out.predictions
    expected = top_k_precision(
        p["observed"].to_numpy(), p["probability"].to_numpy(), p["issue_week"].to_numpy(), 2
    )
    assert out.metric("top_k_precision") == pytest.approx(expected)
