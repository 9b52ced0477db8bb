"""Pure pieces: driver wording, token buckets, the key cache, bands, outcomes."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from datetime import date

import polars as pl
import pytest

from api.answers import event_counts, is_stale
from api.drivers import Wording, explain, sentence
from api.security import KeyCache, RateLimiter, has_scope
from api.settings import DEFAULT_BANDS, ApiSettings, default_bands, parse_bands
from api.snapshot import assign_bands, observed_outcomes
from forecast import servicedb
from tests.api.conftest import REAL_LOAD_CATALOGUE, TEST_BANDS


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sentence_from_catalogue_history_names_and_raw_names():
    catalogue = {"events_50km_4w": Wording("events within 50 km", "last 4 weeks")}
    assert (
        sentence("events_50km_4w", 3.0, 0.2, catalogue)
        == "events within 50 km, last 4 weeks: 3 (raises risk)"
    )
    assert (
        sentence("hist_abduction_since", 14, -0.3, {})
        == "weeks since the last of the district's abductions: 14 (lowers risk)"
    )
    from_features = {"events_battle_4w": Wording("battle events in the district", "last 4 weeks")}
    assert sentence("events_battle_4w", 2, 0.1, from_features) == (
        "battle events in the district, last 4 weeks: 2 (raises risk)"
    )
    assert sentence("hist_fatal_1w", 0, 0.0, {}) == (
        "fatal events in the district, this week: 0 (does not change risk)"
    )
    assert sentence("mystery", 0.123456, 0.1, {}) == "mystery: 0.123 (raises risk)"


def test_explain_tolerates_bad_json_and_nan():
    assert explain(None, {}) == []
    assert explain("not json", {}) == []
    assert explain('{"feature": "x"}', {}) == []  # not a list
    parsed = explain('[{"feature": "x", "value": NaN, "contribution": "bad"}, {"nope": 1}]', {})
    assert parsed == [
        {
            "feature": "x",
            "value": None,
            "contribution": 0.0,
            "effect": "none",
            "text": parsed[0]["text"],
        }
    ]
    assert parsed[0]["text"] == "x: unknown (does not change risk)"


def test_catalogue_read_from_the_features_package(monkeypatch):
    @dataclass(frozen=True)
    class FeatureSpec:
        name: str
        family: str
        meaning: str
        window: str

    module = types.ModuleType("features")
    module.catalogue = lambda: [  # type: ignore[attr-defined]
        FeatureSpec("events_50km_4w", "spread", "events within 50 km", "4 weeks"),
        FeatureSpec("area", "static", "district area in km2", "static"),
        FeatureSpec("pv_decay", "history", "decayed events", "all history, half-life 8 weeks"),
    ]
    monkeypatch.setitem(sys.modules, "features", module)
    catalogue = REAL_LOAD_CATALOGUE()
    assert catalogue == {
        "events_50km_4w": Wording("events within 50 km", "last 4 weeks"),
        "area": Wording("district area in km2", None),
        "pv_decay": Wording("decayed events", "all history, half-life 8 weeks"),
    }


def test_catalogue_missing_falls_back_to_empty(monkeypatch):
    broken = types.ModuleType("features")
    monkeypatch.setitem(sys.modules, "features", broken)  # no catalogue() yet
    assert REAL_LOAD_CATALOGUE() == {}


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
    assert cache.lookup(token) is None  # an unknown key re-reads at most once a second
    clock.now += 1.5
    assert cache.lookup(token) == key
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
    banded = pl.select(assign_bands(pl.lit(probabilities), TEST_BANDS)).to_series()
    assert banded.to_list() == [
        "low",
        "low",
        "elevated",
        "elevated",
        "high",
        "very_high",
        "very_high",
    ]
    settings = ApiSettings(bands=[("high", 0.5), ("low", 0.0)])
    assert settings.bands == [("low", 0.0), ("high", 0.5)]
    with pytest.raises(ValueError, match="lowest band must start at probability 0"):
        ApiSettings(bands=[("some", 0.2)])


def test_bands_follow_scoring_thresholds():
    # forecast.scoring states upper bounds: (0.1, "low"), (0.3, "elevated"), ...
    scoring = [(0.1, "low"), (0.3, "elevated"), (0.6, "high"), (float("inf"), "very high")]
    assert parse_bands(scoring) == [
        ("low", 0.0),
        ("elevated", 0.1),
        ("high", 0.3),
        ("very high", 0.6),
    ]
    assert parse_bands({"calm": 0.0, "alert": 0.3}) == [("calm", 0.0), ("alert", 0.3)]
    assert parse_bands("nonsense") is None
    assert default_bands() == list(DEFAULT_BANDS)  # what forecast.scoring says today


def test_bands_from_a_bands_module_when_present(monkeypatch):
    module = types.ModuleType("forecast.bands")
    module.BANDS = {"calm": 0.0, "alert": 0.3}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "forecast.bands", module)
    assert default_bands() == [("calm", 0.0), ("alert", 0.3)]


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
