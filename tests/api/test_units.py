"""Pure pieces: driver wording, token buckets, the key cache, bands, outcomes."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from api.answers import event_counts, is_stale
from api.security import KeyCache, RateLimiter, has_scope
from api.snapshot import explain_drivers, observed_outcomes
from forecast.bulletin import drivers
from forecast.core import servicedb
from forecast.core.bands import band_expr
from forecast.core.settings import Settings
from tests.api.conftest import TEST_BANDS


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_drivers_are_the_bulletins_with_their_points():
    top = (
        '[{"feature": "events_50km_4w", "value": 3, "contribution": 0.42},'
        ' {"feature": "hist_abduction_since", "value": 14, "contribution": -0.3},'
        ' {"feature": "hist_fatal_1w", "value": 0, "contribution": 0.0}]'
    )
    explained = explain_drivers(top, 0.5)
    assert [d["text"] for d in explained] == [
        "3 attacks within 50 km in the last 4 weeks",
        "last kidnapping 14 weeks ago",
    ]  # a driver that moves nothing is not shown
    assert [d["effect"] for d in explained] == ["raises", "lowers"]
    assert [d["points"] for d in explained] == [10, -7]
    # The same drivers as the bulletin, driver for driver.
    assert [d["text"] for d in explained] == [d.text for d in drivers.shown(top, 0.5, limit=None)]


def test_an_attack_count_is_never_shown_as_holding_the_risk_down():
    top = (
        '[{"feature": "events_50km_4w", "value": 1, "contribution": -0.4},'
        ' {"feature": "events_50km_12w", "value": 2, "contribution": 0.1},'
        ' {"feature": "area_km2", "value": 12000, "contribution": 0.5}]'
    )
    # The two windows merge (-0.3 in all) and an attack count pulling down is dropped; the
    # district's area is nothing to act on.
    assert explain_drivers(top, 0.4) == []


def test_explain_tolerates_bad_json_and_nan():
    assert explain_drivers(None, 0.5) == []
    assert explain_drivers("not json", 0.5) == []
    assert explain_drivers('{"feature": "x"}', 0.5) == []  # not a list
    assert explain_drivers('[{"feature": "x", "value": 1, "contribution": 0.5}]', None) == []
    parsed = explain_drivers(
        '[{"feature": "x", "value": NaN, "contribution": "bad"}, {"n": 1}]', 0.5
    )
    assert parsed == []  # no contribution, nothing moved


def test_token_bucket_refills_at_the_configured_rate():
    clock = FakeClock()
    limiter = RateLimiter(60, clock=clock)  # one a second, bursts of 60
    assert all(limiter.take(1) is None for _ in range(60))
    assert limiter.take(1) == pytest.approx(1.0)
    assert limiter.take(2) is None  # buckets are per key
    clock.now += 0.5
    assert limiter.take(1) == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.take(1) is None
    clock.now += 3600
    assert sum(limiter.take(1) is None for _ in range(100)) == 60  # capped at the burst


def test_key_cache_sees_new_keys_at_once_and_revocations_after_ttl(tmp_path):
    engine = servicedb.connect(f"sqlite:///{tmp_path / 's.db'}")
    clock = FakeClock()
    cache = KeyCache(engine, ttl_seconds=10, clock=clock)
    assert cache.lookup("fk_nothing") is None
    key, token = servicedb.create_key(engine, "new", ["read"])
    assert cache.lookup(token) == key  # at once, though the set was read a moment ago
    servicedb.revoke_key(engine, key.id)
    clock.now += 5
    assert cache.lookup(token) is not None  # cached until the TTL runs out
    clock.now += 6
    assert cache.lookup(token) is None


def test_scopes():
    key = servicedb.ApiKey(1, "k", ("read",), None, None)  # type: ignore[arg-type]
    admin = servicedb.ApiKey(2, "a", ("admin",), None, None)  # type: ignore[arg-type]
    assert has_scope(key, "read") and not has_scope(key, "report")
    assert has_scope(admin, "read") and has_scope(admin, "report")


def test_bands_assignment_and_settings():
    probabilities = pl.Series([0.0, 0.0999, 0.1, 0.2499, 0.25, 0.5, 1.0])
    banded = pl.select(band_expr(pl.lit(probabilities), TEST_BANDS)).to_series()
    assert banded.to_list() == [
        "low",
        "low",
        "elevated",
        "elevated",
        "high",
        "very_high",
        "very_high",
    ]
    settings = Settings(bands=[("high", 0.5), ("low", 0.0)])
    assert settings.bands == [("low", 0.0), ("high", 0.5)]
    with pytest.raises(ValueError, match="lowest band must start at probability 0"):
        Settings(bands=[("some", 0.2)])


def test_default_bands_are_the_scoring_ones():
    # One definition (forecast.core.bands): the API serves what scoring writes.
    assert Settings().bands == [("low", 0.0), ("elevated", 0.1), ("high", 0.3), ("very_high", 0.6)]


def test_bands_from_the_environment(monkeypatch):
    monkeypatch.setenv("FORECAST_BANDS", '[["calm", 0], ["Alert", 0.3]]')
    assert Settings().bands == [("calm", 0.0), ("alert", 0.3)]


def test_stale():
    assert is_stale(date(2024, 6, 1), date(2024, 6, 22), 21) is False
    assert is_stale(date(2024, 6, 1), date(2024, 6, 23), 21) is True
    assert is_stale(None, date(2024, 6, 23), 21) is True


def test_observed_outcomes_count_the_forward_window_only_once_it_is_over():
    forecasts = pl.DataFrame(
        {
            "district_code": ["A", "A", "A"],
            "issue_week": [date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 8)],
            "horizon": [1, 2, 1],
            "target": ["any", "any", "fatal"],
        },
        schema_overrides={"horizon": pl.Int32},
    )
    events = pl.DataFrame(
        {
            "district_code": ["A", "A", "A"],
            "event_date": [date(2024, 1, 3), date(2024, 1, 9), date(2024, 1, 16)],
            "event_type": ["battle", "battle", "battle"],
            "fatalities": [1, 0, 4],
        }
    )
    # Week of 01-01 itself does not count; 01-09 is in t+1 for the first row; 01-16 in t+2.
    out = observed_outcomes(forecasts, events, date(2024, 1, 21)).sort("issue_week", "horizon")
    assert out["observed_events"].to_list() == [1, 2, 1]
    # With data only to 01-20, the windows ending 01-21 are not over yet.
    early = observed_outcomes(forecasts, events, date(2024, 1, 20)).sort("issue_week", "horizon")
    assert early["observed_events"].to_list() == [1, None, None]


def test_event_counts_hand_computed():
    events = pl.DataFrame(
        {
            "event_date": [date(2024, 6, 1), date(2024, 5, 1), date(2024, 5, 2)],
            "event_type": ["battle", "abduction", "protest"],
            "fatalities": [3, None, 0],
        }
    )
    assert event_counts(events, date(2024, 6, 2)) == {
        "last_4_weeks": 1,
        "last_12_weeks": 2,
        "last_52_weeks": 2,
        "fatalities_last_52_weeks": 3,
    }
