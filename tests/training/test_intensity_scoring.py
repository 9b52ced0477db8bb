"""Scoring intensity: expected counts and escalation beside the probabilities, and the
bands that combine both (forecast.intensity)."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from forecast.core.bands import DEFAULT, band_expr
from forecast.core.settings import Settings
from forecast.core.store import Store
from forecast.escalation import LABELS
from forecast.intensity import combine_bands
from forecast.scoring import score_week
from training.backtest import Window
from training.count_backtest import RECIPES
from training.count_train import prepare_count, record_count
from training.counts import with_counts
from training.dataset import build_dataset
from training.gate import GateRule
from training.synthetic import World

from .conftest import FAST, fill_store, promote_fast

WEEK = date(2024, 1, 1)


def _forecasts(probabilities: list[float], horizon: int = 4) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "district_code": [f"D{i}" for i in range(len(probabilities))],
            "issue_week": WEEK,
            "horizon": horizon,
            "target": "any",
            "probability": probabilities,
            "cadence": "week",
        }
    ).with_columns(band_expr(pl.col("probability"), DEFAULT).alias("band"))


def _intensity(expected: list[float], horizon: int = 4, target: str = "events") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "district_code": [f"D{i}" for i in range(len(expected))],
            "issue_week": WEEK,
            "horizon": horizon,
            "target": target,
            "cadence": "week",
            "expected": expected,
        }
    )


def test_the_top_band_needs_the_expected_events_too() -> None:
    forecasts = _forecasts([0.95, 0.95, 0.7, 0.4])
    combined = combine_bands(forecasts, _intensity([9.0, 3.9, 4.0, 20.0]), DEFAULT, 1.0)
    # 4 weeks x 1 event a week: 3.9 expected events is one band down; a high probability
    # with many expected events stays where its probability puts it.
    assert combined["band"].to_list() == ["very_high", "high", "very_high", "high"]


def test_without_an_events_model_the_bands_stay_by_probability() -> None:
    forecasts = _forecasts([0.95, 0.7])
    for intensity, minimum in (
        (_intensity([0.1, 0.1]), 0.0),  # the rule off
        (_intensity([0.1, 0.1], target="fatalities"), 1.0),  # no events rows
        (_intensity([0.1, 0.1], horizon=12), 1.0),  # not this horizon
    ):
        assert combine_bands(forecasts, intensity, DEFAULT, minimum)["band"].to_list() == [
            "very_high",
            "very_high",
        ]


@pytest.fixture(scope="module")
def scored(world: World, tracking, tmp_path_factory: pytest.TempPathFactory):
    """A store scored with a risk champion (any, h=4) and a count champion (events, h=4)."""
    from training.train import promote

    uri, _, client = tracking
    home = tmp_path_factory.mktemp("home")
    settings = Settings(
        home=home,
        mlflow_tracking_uri=uri,
        targets=["any"],
        horizons=[4],
        count_targets=["events"],
        top_band_min_weekly_events=0.5,
        seed=1,
    )
    settings.artifact_root.mkdir(parents=True)
    fill_store(settings.db_path, world)
    promote_fast(world, client)
    ds = with_counts(build_dataset(world.panel, world.events, [4]), world.events, [4])
    candidate = prepare_count(
        ds,
        "events",
        4,
        window=Window(step=52, default_years=1),
        seed=1,
        rule=GateRule(metric="crps", resamples=500, seed=1),
        params={**RECIPES["events"], **FAST},
    )
    outcome = record_count(candidate, {"data_hash": "x"})
    promote(client, outcome)
    with Store(settings.db_path) as store:
        frame = score_week(store, settings=settings)
        intensity = store.read("intensity")
    return settings, frame, intensity, ds, outcome


def test_every_district_gets_its_expected_events(scored, world: World) -> None:
    _, frame, intensity, _, outcome = scored
    assert intensity.height == world.panel["district_code"].n_unique()
    assert set(intensity["issue_week"]) == set(frame["issue_week"])
    assert set(intensity["model_version"]) == {f"count-events-h4/{outcome.version}"}
    assert (intensity["target"] == "events").all() and (intensity["horizon"] == 4).all()
    assert intensity["data_as_of"].max() == world.events["event_date"].max()


def test_intervals_nest_around_the_expected_count(scored) -> None:
    _, _, rows, _, _ = scored
    lo95, lo80, lo50 = (rows[c].to_numpy() for c in ("lower95", "lower80", "lower50"))
    up50, up80, up95 = (rows[c].to_numpy() for c in ("upper50", "upper80", "upper95"))
    assert ((lo95 <= lo80) & (lo80 <= lo50) & (lo50 <= up50) & (up50 <= up80)).all()
    assert (up80 <= up95).all() and (lo95 >= 0).all()
    expected = rows["expected"].to_numpy()
    assert ((lo95 <= expected) & (expected <= up95)).all()


def test_escalation_is_against_the_district_normal(scored) -> None:
    settings, _, rows, ds, _ = scored
    last = ds.frame.filter(pl.col("week") == ds.last_week).select(
        "district_code", "cnt_events_h4_past_mean"
    )
    joined = rows.join(last, on="district_code")
    np.testing.assert_allclose(joined["normal"], joined["cnt_events_h4_past_mean"], rtol=1e-5)
    assert set(rows["escalation"].drop_nulls()) <= set(LABELS)
    floor = settings.escalation_floor * 4  # per week of the horizon
    ratio = np.maximum(rows["expected"], floor) / np.maximum(rows["normal"], floor)
    np.testing.assert_allclose(rows["ratio"], ratio)
    up = rows.filter(pl.col("ratio") >= settings.escalation_up)
    assert (up["escalation"] == "escalating").all()
    assert rows["percentile"].is_between(0, 1).all()


def test_the_stored_bands_combine_probability_and_intensity(scored) -> None:
    settings, frame, intensity, _, _ = scored
    joined = frame.join(intensity.select("district_code", "expected"), on="district_code")
    minimum = settings.top_band_min_weekly_events * 4
    top = joined.filter(pl.col("band") == "very_high")
    assert (top["expected"] >= minimum).all() and (top["probability"] >= 0.6).all()
    demoted = joined.filter((pl.col("probability") >= 0.6) & (pl.col("expected") < minimum))
    assert (demoted["band"] == "high").all()


def test_rescoring_replaces_the_intensity_rows(scored) -> None:
    settings, _, before, _, _ = scored
    with Store(settings.db_path) as store:
        score_week(store, settings=settings)
        after = store.read("intensity")
    assert after.height == before.height
    assert after.sort("district_code")["expected"].to_list() == pytest.approx(
        before.sort("district_code")["expected"].to_list()
    )
