"""The labelled baseline served for pairs without a champion."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.base import clone

from forecast.core.settings import Settings
from forecast.core.store import Store
from forecast.scoring import NoChampionError, score_week
from forecast.status import render_status, store_status
from training.baselines import HistoryLogit, logistic_columns
from training.dataset import Dataset
from training.fallback import HistoryForecaster, fallback_version, fit_fallback
from training.served import is_fallback
from training.synthetic import World

from .conftest import fill_store, promote_fast


def _labelled(ds: Dataset, target: str, horizon: int) -> tuple[pd.DataFrame, np.ndarray]:
    labels = ds.labels(target, horizon)
    rows = labels.is_not_null().to_numpy()
    columns = logistic_columns(target)
    X = pd.DataFrame(ds.matrix(columns, rows), columns=columns)
    return X, labels.filter(labels.is_not_null()).to_numpy()


@pytest.mark.parametrize("target", ["any", "fatal"])
def test_the_fallback_is_the_backtests_logistic_baseline(world_ds: Dataset, target: str) -> None:
    labelled = world_ds.labels(target, 4).is_not_null()
    frame = world_ds.frame.filter(labelled)
    y = world_ds.labels(target, 4).filter(labelled).to_numpy()
    baseline = HistoryLogit(target=target, horizon=4).fit(frame, y).predict_proba(frame)[:, 1]

    served = fit_fallback(world_ds, target, 4)
    X, _ = _labelled(world_ds, target, 4)
    np.testing.assert_allclose(served.predict_proba(X)[:, 1], baseline, atol=1e-5)
    assert list(served.feature_names_in_) == logistic_columns(target)


def test_contributions_sum_to_the_logit_and_name_the_history(world_ds: Dataset) -> None:
    served = fit_fallback(world_ds, "any", 4)
    X, _ = _labelled(world_ds, "any", 4)
    terms = served.contributions(X)
    p = served.predict_proba(X)[:, 1]
    assert terms.shape == (len(X), len(logistic_columns("any")) + 1)
    np.testing.assert_allclose(terms.sum(axis=1), np.log(p / (1 - p)), atol=1e-9)
    # More recent violence raises the risk: the 4-week count's term grows with the count.
    four = logistic_columns("any").index("hist_any_4w")
    order = np.argsort(X["hist_any_4w"].to_numpy())
    assert terms[order[-1], four] > terms[order[0], four]


def test_a_single_class_gives_its_smoothed_rate() -> None:
    columns = logistic_columns("abduction")
    X = pd.DataFrame(np.zeros((9, len(columns))), columns=columns)
    served = HistoryForecaster(target="abduction").fit(X, np.zeros(9))
    assert served.predict_proba(X)[:, 1] == pytest.approx([0.05] * 9)
    assert clone(served).get_params() == {"target": "abduction", "C": 1.0}


def test_labels_mark_the_baseline() -> None:
    assert fallback_version("any", 12) == "risk-any-h12/baseline-logistic"
    assert is_fallback("risk-any-h12/baseline-logistic")
    assert not is_fallback("risk-any-h12/3")


@pytest.fixture(scope="module")
def served_home(world: World, tracking, tmp_path_factory: pytest.TempPathFactory):
    uri, _, client = tracking
    root = tmp_path_factory.mktemp("home")
    settings = Settings(home=root, mlflow_tracking_uri=uri, targets=["any"], horizons=[1, 4])
    settings.artifact_root.mkdir(parents=True)
    fill_store(settings.db_path, world)
    return settings, client


def test_without_any_champion_every_pair_gets_the_labelled_baseline(served_home) -> None:
    settings, _ = served_home
    with Store(settings.db_path) as store:
        frame = score_week(store, settings=settings)
    assert sorted(frame["model_version"].unique().to_list()) == [
        "risk-any-h1/baseline-logistic",
        "risk-any-h4/baseline-logistic",
    ]
    drivers = json.loads(frame["top_drivers"][0])
    assert {d["feature"] for d in drivers} <= set(logistic_columns("any"))
    with Store(settings.db_path) as store:
        status = render_status(store_status(store))
    assert "2 (target, horizon) pairs, 0 by champion models, 2 by the logistic baseline" in status
    assert all(0 < p < 1 for p in frame["probability"])

    from fastapi.testclient import TestClient

    from api import create_app
    from forecast.core import servicedb

    app = create_app(settings.model_copy(update={"reload_poll_seconds": 0}))
    token = servicedb.create_key(app.state.engine, "reader", ["read"])[1]
    with TestClient(app) as client:
        body = client.get("/v1/model", headers={"X-API-Key": token}).json()
    assert body["champions"] == []
    assert [(s["horizon"], s["by"]) for s in body["served"]] == [(1, "baseline"), (4, "baseline")]
    assert all(is_fallback(s["model_version"]) for s in body["served"])


def test_the_fallback_can_be_switched_off(served_home) -> None:
    settings, _ = served_home
    off = settings.model_copy(update={"baseline_fallback": False})
    with Store(settings.db_path) as store, pytest.raises(NoChampionError):
        score_week(store, settings=off)


def test_a_champion_replaces_the_baseline_for_its_pair_only(served_home, world: World) -> None:
    settings, client = served_home
    outcome = promote_fast(world, client)
    with Store(settings.db_path) as store:
        score_week(store, settings=settings)
        stored = store.read("forecasts")
    versions = dict(stored.group_by("horizon").agg(pl.col("model_version").unique()).iter_rows())
    assert versions == {1: ["risk-any-h1/baseline-logistic"], 4: [f"risk-any-h4/{outcome.version}"]}
    p = stored.filter(pl.col("horizon") == 1)["probability"]
    assert all(math.isfinite(v) for v in p)
