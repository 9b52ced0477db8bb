"""Incident history of the district itself, checked by hand on the scenario (conftest.py)."""

from __future__ import annotations

import polars as pl
from pytest import approx

from tests.features.conftest import at


def test_windowed_counts_by_type(panel: pl.DataFrame) -> None:
    # W2: A1 has e1 (battle, W0) and e3 (civilian violence, W2); A2 has e2 (abduction, W1).
    assert at(panel, 2, "events_battle_1w")["A1"] == 0
    assert at(panel, 2, "events_battle_4w")["A1"] == 1
    assert at(panel, 2, "events_civilian_violence_1w")["A1"] == 1
    assert at(panel, 2, "events_abduction_1w")["A2"] == 0
    assert at(panel, 2, "events_abduction_4w")["A2"] == 1
    # W4: e1 (W0) has left the 4-week window W1..W4 but not the 12-week one.
    assert at(panel, 4, "events_battle_4w")["A1"] == 0
    assert at(panel, 4, "events_battle_12w")["A1"] == 1
    # The protest e4 (W3, B2) counts as a protest, not as political violence.
    assert at(panel, 3, "events_protest_1w")["B2"] == 1
    assert at(panel, 3, "events_pv_1w")["B2"] == 0


def test_political_violence_fatal_events_and_deaths(panel: pl.DataFrame) -> None:
    assert at(panel, 2, "events_pv_4w") == {
        "A1": 2, "A2": 1, "A3": 0, "B1": 0, "B2": 0, "B3": 0, "C1": 0, "C2": 0, "C3": 0, "Z": 0,
    }  # fmt: skip
    assert at(panel, 2, "fatal_events_4w")["A1"] == 2  # e1 (2 deaths) and e3 (1 death)
    assert at(panel, 2, "fatalities_1w")["A1"] == 1
    assert at(panel, 2, "fatalities_4w")["A1"] == 3
    assert at(panel, 6, "fatalities_1w")["Z"] == 5
    # The event dated after the panel (e8, 9 deaths in A1) never counts.
    assert at(panel, 12, "fatalities_52w")["A1"] == 3


def test_decayed_sums(panel: pl.DataFrame) -> None:
    # W2, half-life 2: e3 this week weighs 1, e1 two weeks old weighs 0.5.
    assert at(panel, 2, "events_pv_hl2")["A1"] == approx(1.5)
    assert at(panel, 2, "fatalities_hl2")["A1"] == approx(1 * 1 + 2 * 0.5)
    # W2, half-life 8: e2 (A2) is one week old.
    assert at(panel, 2, "events_pv_hl8")["A2"] == approx(0.5 ** (1 / 8))
    # W6, half-life 26: A1's events are 6 and 4 weeks old.
    assert at(panel, 6, "events_pv_hl26")["A1"] == approx(0.5 ** (6 / 26) + 0.5 ** (4 / 26))


def test_weeks_since_last_event_and_fatal_event(panel: pl.DataFrame) -> None:
    since = at(panel, 6, "weeks_since_event")
    assert since["A1"] == 4  # e3 in W2
    assert since["A2"] == 5  # e2 in W1
    assert since["Z"] == 0  # e6 this week
    assert since["B2"] is None  # only a protest: not political violence
    assert since["C3"] is None  # e7 comes in W12
    fatal = at(panel, 6, "weeks_since_fatal_event")
    assert fatal["A1"] == 4
    assert fatal["A2"] is None  # the abduction had no deaths
    assert at(panel, 12, "weeks_since_event")["C3"] == 0


def test_trend_compares_weekly_rates(panel: pl.DataFrame) -> None:
    # W2, A1: 2 events in 4 weeks and in 52 weeks -> 2/4 - 2/52.
    assert at(panel, 2, "trend_4v52")["A1"] == approx(2 / 4 - 2 / 52)
    assert at(panel, 2, "trend_12v52")["A1"] == approx(2 / 12 - 2 / 52)
    # W6: nothing in the last 4 weeks -> negative trend.
    assert at(panel, 6, "trend_4v52")["A1"] == approx(0 / 4 - 2 / 52)
