"""National deployments and partner-force presence on the scenario (see conftest.py)."""

from __future__ import annotations

from datetime import date

import polars as pl
from pytest import approx

from tests.features import world
from tests.features.conftest import at, haversine_km

C = world.CENTROIDS
# b1 opened in the week of Monday 2023-05-29: 31 weeks before W0 (2024-01-01).
B1_AGE_AT_W0 = (date(2024, 1, 1) - date(2023, 5, 29)).days // 7


def test_bases_in_and_near_the_district(panel: pl.DataFrame) -> None:
    assert B1_AGE_AT_W0 == 31
    assert at(panel, 2, "bases_in_district")["A1"] == 1  # b1 until its last week, W2
    assert at(panel, 2, "bases_100km")["A1"] == 1
    assert at(panel, 2, "bases_100km")["A2"] == 0  # 107.65 km away
    assert at(panel, 3, "bases_in_district")["A1"] == 0  # closed
    assert at(panel, 4, "bases_in_district")["B3"] == 1  # b2 opened in W4


def test_distance_to_the_nearest_base(panel: pl.DataFrame) -> None:
    assert at(panel, 2, "base_nearest_km")["A2"] == approx(haversine_km(C["A2"], C["A1"]), 1e-6)
    assert at(panel, 3, "base_nearest_km")["A2"] is None  # no base anywhere in W3
    assert at(panel, 4, "base_nearest_km")["A1"] == approx(haversine_km(C["A1"], C["B3"]), 1e-6)
    assert at(panel, 4, "base_nearest_km")["B3"] == 0


def test_weeks_since_bases_opened_and_closed(panel: pl.DataFrame) -> None:
    assert at(panel, 2, "base_nearest_weeks_open")["C3"] == B1_AGE_AT_W0 + 2
    assert at(panel, 5, "base_nearest_weeks_open")["C3"] == 1  # now b2, opened W4
    assert at(panel, 3, "base_nearest_weeks_open")["C3"] is None
    # Opened within 100 km: b1's opening before the panel still counts in W5.
    assert at(panel, 5, "base_weeks_since_opened_100km")["A1"] == B1_AGE_AT_W0 + 5
    assert at(panel, 5, "base_weeks_since_opened_100km")["B3"] == 1
    assert at(panel, 5, "base_weeks_since_opened_100km")["C1"] is None
    closed = at(panel, 2, "base_weeks_since_closed_100km")
    assert closed["A1"] == 0  # the week of b1's last day
    assert closed["B1"] is None  # b1 is 111 km from B1
    assert at(panel, 6, "base_weeks_since_closed_100km")["A1"] == 4


def test_partner_presence_arrival_and_withdrawal(panel: pl.DataFrame) -> None:
    # p1: Wagner in B2 from W1 to W6.
    assert at(panel, 0, "partner_russia_wagner_in_district")["B2"] == 0
    assert at(panel, 1, "partner_russia_wagner_in_district")["B2"] == 1
    assert at(panel, 1, "partner_russia_wagner_100km")["A2"] == 0  # 111 km
    assert at(panel, 1, "partner_russia_wagner_nearest_km")["A2"] == approx(
        haversine_km(C["A2"], C["B2"]), 1e-6
    )
    assert at(panel, 5, "partner_russia_wagner_weeks_since_arrival_100km")["B2"] == 4
    assert at(panel, 6, "partner_russia_wagner_weeks_since_withdrawal_100km")["B2"] == 0
    assert at(panel, 7, "partner_russia_wagner_in_district")["B2"] == 0
    assert at(panel, 7, "partner_russia_wagner_nearest_km")["B2"] is None
    assert at(panel, 9, "partner_russia_wagner_weeks_since_withdrawal_100km")["B2"] == 3
    assert at(panel, 9, "partner_russia_wagner_weeks_since_arrival_100km")["B2"] == 8


def test_partner_that_left_before_the_panel(panel: pl.DataFrame) -> None:
    # p2: the UN at A2 from Monday 2013-07-01 to Sunday 2023-12-31 (the week before W0).
    assert at(panel, 0, "partner_un_in_district")["A2"] == 0
    assert at(panel, 0, "partner_un_nearest_km")["A2"] is None
    assert at(panel, 0, "partner_un_weeks_since_withdrawal_100km")["A2"] == 1
    assert at(panel, 0, "partner_un_weeks_since_arrival_100km")["A2"] == 548
    assert at(panel, 0, "partner_un_weeks_since_arrival_100km")["A1"] is None  # 108 km


def test_unknown_partner_kinds_count_as_other(panel: pl.DataFrame) -> None:
    assert at(panel, 4, "partner_other_in_district")["C1"] == 1
    assert at(panel, 4, "partner_other_nearest_km")["C2"] == approx(
        haversine_km(C["C2"], C["C1"]), 1e-6
    )
    assert at(panel, 3, "partner_other_in_district")["C1"] == 0
    assert at(panel, 4, "partner_france_nearest_km")["C1"] is None  # never any


def test_one_camp_from_two_sources_counts_once() -> None:
    """Geo-PKO v2.1 (monthly) and v2.3 (yearly) give the same camp different periods."""
    import features
    from tests.features.conftest import END, W0

    camp = {"partner": "un", "latitude": 14.5, "longitude": 1.5, "district_code": "A2"}
    rows = [
        {**camp, "presence_id": "v21", "start_date": date(2013, 8, 1), "end_date": None},
        {**camp, "presence_id": "v23", "start_date": date(2013, 1, 1), "end_date": None},
        # 500 m away: the same place, merged into the open stay.
        {
            **camp,
            "presence_id": "near",
            "latitude": 14.5045,
            "start_date": date(2020, 1, 1),
            "end_date": date(2023, 12, 31),
        },
        {**camp, "presence_id": "other", "partner": "france", "start_date": date(2013, 1, 1)},
    ]
    panel = features.build_panel(world.tables(None, None, rows), start=W0, end=END)
    assert at(panel, 0, "partner_un_in_district")["A2"] == 1
    assert at(panel, 0, "partner_france_in_district")["A2"] == 1  # another kind: its own site
    # Arrived with the earliest of the merged stays (week of 2013-01-01), never withdrew.
    assert at(panel, 0, "partner_un_weeks_since_arrival_100km")["A2"] == (
        (date(2024, 1, 1) - date(2012, 12, 31)).days // 7
    )
    assert at(panel, 0, "partner_un_weeks_since_withdrawal_100km")["A2"] is None

    gap = [
        {
            **camp,
            "presence_id": "first",
            "start_date": date(2020, 1, 6),
            "end_date": date(2020, 6, 28),
        },
        {**camp, "presence_id": "again", "start_date": date(2023, 12, 4), "end_date": None},
    ]
    panel = features.build_panel(world.tables(None, None, gap), start=W0, end=END)
    assert at(panel, 0, "partner_un_in_district")["A2"] == 1
    assert at(panel, 0, "partner_un_weeks_since_arrival_100km")["A2"] == 4
    assert at(panel, 0, "partner_un_weeks_since_withdrawal_100km")["A2"] == (
        (date(2024, 1, 1) - date(2020, 6, 22)).days // 7
    )


def test_a_stay_starting_after_a_withdrawal_leaves_the_withdrawal_seen() -> None:
    """Merging it would let a later record erase what row t already knew (lookahead)."""
    import features
    from tests.features.conftest import END, W0

    camp = {"partner": "un", "latitude": 14.5, "longitude": 1.5, "district_code": "A2"}
    last_day = date(2023, 12, 31)  # a Sunday; b starts the next Monday
    rows = [
        {**camp, "presence_id": "a", "start_date": date(2020, 1, 6), "end_date": last_day},
        {**camp, "presence_id": "b", "start_date": date(2024, 1, 1), "end_date": None},
    ]
    panel = features.build_panel(world.tables(None, None, rows), start=W0, end=END)
    assert at(panel, 0, "partner_un_in_district")["A2"] == 1
    assert at(panel, 0, "partner_un_weeks_since_withdrawal_100km")["A2"] == 1
    assert at(panel, 0, "partner_un_weeks_since_arrival_100km")["A2"] == 0
