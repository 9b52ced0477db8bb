"""Actor-group features: keyword matching and the counts built on it."""

from __future__ import annotations

from datetime import date

import polars as pl

from features import FeatureConfig, build_panel
from tests.features import world
from tests.features.conftest import at


def test_jihadist_events_in_district_near_and_national(panel: pl.DataFrame) -> None:
    # e3 (W2, A1 at (14.7, 0.5)) has actor1 "JNIM: ...".
    assert at(panel, 2, "jihadist_4w")["A1"] == 1
    assert at(panel, 2, "jihadist_4w")["B1"] == 0
    assert at(panel, 2, "jihadist_100km_4w")["B1"] == 1  # 89 km away
    assert at(panel, 2, "jihadist_100km_4w")["A2"] == 0  # 110 km away
    assert at(panel, 2, "jihadist_national_12w")["C3"] == 1
    assert at(panel, 2, "jihadist_national_12w")["Z"] == 0  # other country
    assert at(panel, 1, "jihadist_4w")["A1"] == 0  # not yet


def test_foreign_victims_need_a_violent_event(panel: pl.DataFrame) -> None:
    # e2: an abduction whose notes name Chinese nationals; e4: a protest naming a foreigner.
    assert at(panel, 1, "foreign_victim_4w")["A2"] == 1
    assert at(panel, 3, "foreign_victim_4w")["B2"] == 0
    assert at(panel, 3, "foreign_victim_national_12w")["A1"] == 1


def test_partner_forces_counted_nationally_when_unplaced(panel: pl.DataFrame) -> None:
    # e5 (W5) is unplaced, 145 km from C2, with actor2 "Military Forces of France".
    assert at(panel, 5, "partner_force_national_12w")["A1"] == 1
    assert at(panel, 5, "partner_force_4w")["C2"] == 0
    assert at(panel, 5, "partner_force_100km_4w")["C2"] == 0
    assert at(panel, 4, "partner_force_national_12w")["A1"] == 0


def test_keyword_lists_are_editable_and_case_insensitive() -> None:
    rows = [
        world.event("k1", date(2024, 1, 3), "B2", actor1="katiba MACINA"),
        world.event("k2", date(2024, 1, 3), "B2", assoc_actors="Militia X; Wagner Group"),
        world.event("k3", date(2024, 1, 3), "B2", event_type="strategic", notes="aid worker"),
    ]
    tables = world.tables(rows)
    day = date(2024, 1, 1)
    default = build_panel(tables, start=day, end=day)
    assert at(default, 0, "jihadist_4w")["B2"] == 1  # case-insensitive match
    assert at(default, 0, "partner_force_4w")["B2"] == 1  # found in assoc_actors
    assert at(default, 0, "foreign_victim_4w")["B2"] == 0  # strategic: not violent
    edited = FeatureConfig(jihadist_keywords=("Militia X",), partner_force_keywords=())
    custom = build_panel(tables, start=day, end=day, config=edited)
    assert at(custom, 0, "jihadist_4w")["B2"] == 1  # now k2, no longer k1
    assert at(custom, 0, "partner_force_4w")["B2"] == 0
