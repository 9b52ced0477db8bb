"""The champion gate, pure and against a local MLflow registry, both ways."""

from __future__ import annotations

import math

import mlflow
import polars as pl
import pytest

from training.backtest import BacktestResult, Window
from training.dataset import Dataset
from training.tracking import CHALLENGER, CHAMPION, champion_version, gate, model_name
from training.train import TrainConfig, promote, train_candidates

from .conftest import FAST


def result_with(model: float, **baselines: float) -> BacktestResult:
    values = {"climatology": 0.2, "persistence": 0.3, "conflictology": 0.35, "logistic": 0.4}
    values.update(baselines)
    overall = {
        "all": {name: {"average_precision": v} for name, v in {"model": model, **values}.items()}
    }
    return BacktestResult("any", 4, pl.DataFrame(), pl.DataFrame(), overall)


def test_gate_promotes_only_above_every_baseline_and_the_champion() -> None:
    assert gate(result_with(0.5), "average_precision").promote
    above = gate(result_with(0.5), "average_precision", champion_value=0.45)
    assert above.promote and above.reason.endswith("and the champion (0.4500)")
    # A tie with the champion (same recipe, newer data) is promoted, and said to be a tie.
    tie = gate(result_with(0.5), "average_precision", champion_value=0.5)
    assert tie.promote and "ties the champion (0.5000): the newer fit wins" in tie.reason

    below_champion = gate(result_with(0.5), "average_precision", champion_value=0.55)
    assert not below_champion.promote and "champion" in below_champion.reason

    below_baseline = gate(result_with(0.5, conflictology=0.52), "average_precision")
    assert not below_baseline.promote and "conflictology 0.5200" in below_baseline.reason

    undefined = gate(result_with(math.nan), "average_precision")
    assert not undefined.promote


def test_gate_respects_lower_is_better() -> None:
    overall = {"all": {"model": {"brier": 0.10}, "climatology": {"brier": 0.12}}}
    result = BacktestResult("any", 4, pl.DataFrame(), pl.DataFrame(), overall)
    assert gate(result, "brier").promote
    assert not gate(result, "brier", champion_value=0.09).promote


def test_registry_gate_both_ways(world_ds: Dataset, tracking) -> None:
    _, _, client = tracking
    name = model_name("any", 4)
    window = Window(step=26, default_years=2)
    good = TrainConfig("average_precision", 1, window, params={("any", 4): FAST})

    _, (first,) = train_candidates(world_ds, [("any", 4)], good, client)
    promote(client, first)
    assert first.promoted
    assert str(champion_version(client, name).version) == first.version

    # A crippled recipe: one stump. It loses, stays challenger, and says why.
    bad = TrainConfig(
        "average_precision",
        1,
        window,
        params={("any", 4): {**FAST, "n_estimators": 1, "num_leaves": 2}},
    )
    _, (second,) = train_candidates(world_ds, [("any", 4)], bad, client)
    promote(client, second)
    assert not second.promoted
    assert str(champion_version(client, name).version) == first.version
    assert str(client.get_model_version_by_alias(name, CHALLENGER).version) == second.version
    run = mlflow.get_run(second.run_id)
    assert run.data.tags["gate_decision"] == "challenger"
    assert (
        "does not beat" in run.data.tags["gate_reason"]
        or "below the champion" in run.data.tags["gate_reason"]
    )
    assert client.get_model_version(name, second.version).tags["gate_decision"] == "challenger"

    # The champion's own recipe again (newer data would win the tie): promoted.
    candidates, (third,) = train_candidates(world_ds, [("any", 4)], good, client)
    promote(client, third)
    assert third.promoted and "same recipe" in candidates[0].champion_note
    assert str(client.get_model_version_by_alias(name, CHAMPION).version) == third.version

    # The run holds what the issue asks for.
    run = mlflow.get_run(third.run_id)
    assert run.data.params["data_hash"] and run.data.params["data_last_week"]
    assert "all/model/average_precision" in run.data.metrics
    artifacts = {a.path for a in client.list_artifacts(third.run_id)}
    assert {"plots", "backtest", "recipe.json", "feature_importance.csv"} <= artifacts
    plots = {a.path for a in client.list_artifacts(third.run_id, "plots")}
    assert plots == {"plots/reliability.png", "plots/precision_recall.png"}
    history = client.get_metric_history(third.run_id, "fold/all/model/average_precision")
    assert len(history) >= 3 and sorted(m.step for m in history) == list(range(len(history)))


def test_logged_model_loads_with_signature(tracking) -> None:
    _, _, client = tracking
    name = model_name("any", 4)
    info = mlflow.models.get_model_info(f"models:/{name}@{CHAMPION}")
    assert info.signature is not None
    assert "driver" in [c.name for c in info.signature.inputs.inputs]
    model = mlflow.sklearn.load_model(f"models:/{name}@{CHAMPION}")
    assert model.contribution_scale_ in {"calibrated_log_odds", "raw_log_odds"}
    pyfunc = mlflow.pyfunc.load_model(f"models:/{name}@{CHAMPION}")
    import pandas as pd

    example = pd.DataFrame(
        [[0.0] * len(model.feature_names_in_)], columns=model.feature_names_in_, dtype="float32"
    )
    assert pyfunc.predict(example).shape == (1, 2)
    del client
    pytest.importorskip("skops")
