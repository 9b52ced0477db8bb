"""The training commands: options, the backtest's output columns, help texts."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from forecast.commands.training import register
from forecast.core.settings import get_settings
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
    # After the table, the gate's verdict against the baselines, one line per pair.
    gate_lines = [line for line in result.output.splitlines() if line.startswith("gate ")]
    assert [line.split(":")[0] for line in gate_lines] == ["gate any h=4", "gate abduction h=4"]
    assert all(", best baseline " in line and ", P " in line for line in gate_lines)
    assert gate_lines[0].startswith("gate any h=4: log_loss ")


def test_train_registers_and_gates_with_the_bootstrap_reasons(
    app: typer.Typer, home: Path, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A registry of its own: MLflow exports the last tracking URI set by another module.
    monkeypatch.setenv("FORECAST_MLFLOW_TRACKING_URI", f"sqlite:///{home.parent / 'mlflow.db'}")
    get_settings.cache_clear()
    fill_store(get_settings().db_path, world)
    fast_params(home, [("any", 4)])
    args = ["train", "--target", "any", "--horizon", "4", "--start", "2016-01-04"]
    args += ["--step", "52", "--jobs", "1"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "risk-any-h4 v1: champion — log_loss " in first.output
    assert "beats every baseline with 90% confidence (" in first.output
    # The same recipe again: the newer fit replaces the champion, compared with the
    # baselines only.
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "risk-any-h4 v2: champion — log_loss " in second.output
    assert "the champion has the same recipe, so the newer fit replaces it" in second.output


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
    monkeypatch.setattr(
        training.train, "run_backtests", lambda *a, **kw: asked.append(kw["k"]) or []
    )
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
