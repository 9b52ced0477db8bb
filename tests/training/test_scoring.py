"""Scoring with the champion: bands, drivers, and the forecasts table."""

from __future__ import annotations

import json
import math

import pandas as pd
import polars as pl
import pytest

from forecast.core.bands import DEFAULT_BANDS, Bands, band_expr, classify
from forecast.core.settings import Settings
from forecast.core.store import Store
from forecast.scoring import forecast_frame, score_week
from training.synthetic import World

from .conftest import fill_store, promote_fast


def test_bands_follow_the_documented_thresholds() -> None:
    p = pl.Series([0.0, 0.099, 0.1, 0.29, 0.3, 0.59, 0.6, 1.0])
    got = pl.select(band_expr(pl.lit(p))).to_series().to_list()
    assert got == ["low", "low", "elevated", "elevated", "high", "high", "very_high", "very_high"]
    assert [name for name, _ in DEFAULT_BANDS] == ["low", "elevated", "high", "very_high"]
    # numpy and polars agree; NaN has no band.
    assert classify([0.0, 0.099, 0.1, 0.3, 0.6, float("nan")]).tolist() == [0, 0, 1, 2, 3, -1]


def test_bands_are_configured_through_settings() -> None:
    settings = Settings(bands=[("High", 0.5), ("low", 0.0)])
    assert settings.bands == [("low", 0.0), ("high", 0.5)]
    bands = Bands.from_pairs(settings.bands)
    assert (bands.names, bands.high_from, bands.high_threshold) == (("low", "high"), 1, 0.5)
    with pytest.raises(ValueError, match="lowest band must start at probability 0"):
        Settings(bands=[("some", 0.2)])


@pytest.fixture(scope="module")
def scored(world: World, tracking, tmp_path_factory: pytest.TempPathFactory):
    uri, _, client = tracking
    home = tmp_path_factory.mktemp("home")
    settings = Settings(home=home, mlflow_tracking_uri=uri, targets=["any"], horizons=[4], seed=1)
    settings.artifact_root.mkdir(parents=True)
    fill_store(settings.db_path, world)
    outcome = promote_fast(world, client)
    with Store(settings.db_path) as store:
        frame = score_week(store, settings=settings)
        stored = store.read("forecasts")
    return settings, frame, stored, outcome


def test_score_week_writes_every_district(scored, world: World) -> None:
    _, _, stored, outcome = scored
    last = world.panel["week"].max()
    assert stored.height == world.panel["district_code"].n_unique()
    assert stored["issue_week"].unique().to_list() == [last]
    assert stored["model_version"].unique().to_list() == [f"risk-any-h4/{outcome.version}"]
    assert stored["horizon"].unique().to_list() == [4]
    expected = pl.select(band_expr(pl.lit(stored["probability"]))).to_series()
    assert stored["band"].to_list() == expected.to_list()
    # data_as_of: the latest event date in the store when scored.
    assert stored["data_as_of"].unique().to_list() == [world.events["event_date"].max()]


def test_top_drivers_are_json_with_the_planted_driver_on_top(scored) -> None:
    _, frame, _, _ = scored
    drivers = [json.loads(s) for s in frame["top_drivers"]]
    assert all(len(d) == 5 and set(d[0]) == {"feature", "value", "contribution"} for d in drivers)
    for row in drivers:
        sizes = [abs(item["contribution"]) for item in row]
        assert sizes == sorted(sizes, reverse=True)
    top = [d[0]["feature"] for d in drivers]
    assert top.count("driver") > len(top) / 2


def test_rescoring_replaces_the_week(scored, world: World) -> None:
    settings, _, _, _ = scored
    with Store(settings.db_path) as store:
        score_week(store, world.panel["week"].max(), settings=settings)
        assert store.count("forecasts") == world.panel["district_code"].n_unique()


def test_contributions_reconstruct_the_probability(scored, world: World) -> None:
    import mlflow

    from training.dataset import build_dataset
    from training.served import ScoringModel

    _, _, _, outcome = scored
    model = mlflow.sklearn.load_model(f"models:/risk-any-h4/{outcome.version}")
    ds = build_dataset(world.panel, world.events, [4])
    week = ds.last_week
    again = forecast_frame(
        ds, week, {("any", 4): ScoringModel(model, "x")}, top=len(model.feature_names_in_)
    )
    full = json.loads(again["top_drivers"][0])
    rows = (ds.frame["week"] == week).to_numpy()

    X = pd.DataFrame(
        ds.matrix(list(model.feature_names_in_), rows), columns=model.feature_names_in_
    )
    bias = model.contributions(X)[0, -1]
    p = again["probability"][0]
    assert sum(d["contribution"] for d in full) + bias == pytest.approx(
        math.log(p / (1 - p)), abs=1e-4
    )
