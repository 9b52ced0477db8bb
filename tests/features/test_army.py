"""Army activity features on a small hand-made world (see world.py for the map).

Events (W_n is the week starting Monday 2024-01-01 + n weeks; every event on its Wednesday)
  t1  W1 A1 battle at (14.7, 0.5)   JNIM vs Military Forces of Mali: army, attacked
  t2  W2 A2 strategic               Police Forces of Mali ... Gendarmerie: army
  t3  W2 A3 battle                  Military Forces of Mali vs JNIM: army, the army attacked
  t4  W3 C1 remote violence         JNIM vs MINUSMA: a partner attacked, not the army
  t5  W3 C2 battle                  Military Forces of France vs JNIM: neither
  t6  W3 C3 battle                  Dan Na Ambassagou vs a Fulani militia: neither
  t7  W3 Z (NER) battle             Islamic State vs Military Forces of Niger: army, attacked
  t8  W3 Z (NER) battle             Military Forces of Nigeria (+ Mali's army): not Niger's
  t9  W4 B2 UCDP battle             Government of Mali vs JNIM: army (UCDP's state side)
  t10 W4 B3 violence vs civilians   JNIM vs Government of Mali (2013-): officials, not army
  t11 W5 C2 at (16.0, 1.5)          Wagner Group with Military Forces of Mali: army, Russian
  t12 W5 unplaced (MLI) (17.8, 1.5) JNIM vs Military Forces of Mali: attacked, nationally
  t13 W6 A1 battle                  Military Forces of France vs Military Forces of Mali:
                                    army, but no attack (both sides are state forces)
Points without coordinates sit at their district's centroid.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from pytest import approx

from features import FeatureConfig, build_panel, extend_panel
from tests.features import world
from tests.features.conftest import END, W0, at, haversine_km, week

C = world.CENTROIDS
FAMA = "Military Forces of Mali (2021-)"
JNIM = "JNIM: Group for Support of Islam and Muslims"
MINUSMA = "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali"


def ev(name: str, n: int, district: str | None, **kw: Any) -> dict[str, Any]:
    return world.event(name, week(n) + timedelta(days=2), district, **kw)


def army_rows() -> list[dict[str, Any]]:
    return [
        ev("t1", 1, "A1", lat=14.7, lon=0.5, actor1=JNIM, actor2=FAMA),
        ev(
            "t2",
            2,
            "A2",
            event_type="strategic",
            actor1="Police Forces of Mali (2021-) Gendarmerie",
        ),
        ev("t3", 2, "A3", actor1=FAMA, actor2=JNIM),
        ev(
            "t4",
            3,
            "C1",
            event_type="remote_violence",
            actor1=JNIM,
            actor2=MINUSMA,
        ),
        ev("t5", 3, "C2", actor1="Military Forces of France (2017-2022)", actor2=JNIM),
        ev("t6", 3, "C3", actor1="Dan Na Ambassagou", actor2="Fulani Ethnic Militia (Mali)"),
        ev(
            "t7",
            3,
            "Z",
            country="NER",
            actor1="Islamic State (Sahel)",
            actor2="Military Forces of Niger (2021-)",
        ),
        ev(
            "t8",
            3,
            "Z",
            country="NER",
            actor1="Military Forces of Nigeria (2015-)",
            actor2="Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad",
            assoc_actors=FAMA,
        ),
        ev("t9", 4, "B2", source="ucdp", actor1="Government of Mali", actor2="JNIM"),
        ev(
            "t10",
            4,
            "B3",
            event_type="civilian_violence",
            actor1=JNIM,
            actor2="Government of Mali (2013-)",
        ),
        ev(
            "t11",
            5,
            "C2",
            event_type="civilian_violence",
            lat=16.0,
            lon=1.5,
            actor1="Wagner Group",
            assoc_actors=FAMA,
            actor2="Civilians (Mali)",
        ),
        ev("t12", 5, None, lat=17.8, lon=1.5, actor1=JNIM, actor2=FAMA),
        ev("t13", 6, "A1", actor1="Military Forces of France (2017-2022)", actor2=FAMA),
    ]


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return build_panel(world.tables(army_rows()), start=W0, end=END)


def test_national_forces_in_the_district(panel: pl.DataFrame) -> None:
    assert at(panel, 2, "army_events_4w") == {
        "A1": 1, "A2": 1, "A3": 1, "B1": 0, "B2": 0, "B3": 0, "C1": 0, "C2": 0, "C3": 0, "Z": 0,
    }  # fmt: skip
    w3 = at(panel, 3, "army_events_4w")
    assert w3["C1"] == 0  # MINUSMA is a partner force, not the national army
    assert w3["C2"] == 0  # nor are French forces
    assert w3["C3"] == 0  # nor pro-government militias
    assert w3["Z"] == 1  # t7: Niger's army in Niger; t8: Nigeria's and Mali's armies do not count
    w5 = at(panel, 5, "army_events_4w")
    assert w5["B2"] == 1  # t9: UCDP's "Government of Mali"
    assert w5["B3"] == 0  # t10: ACLED's "Government of Mali (2013-)" names officials
    assert w5["C2"] == 1  # t11: the army as an associated actor of Wagner
    assert at(panel, 6, "army_events_12w")["A1"] == 2  # t1 and t13


def test_national_forces_within_near_km(panel: pl.DataFrame) -> None:
    assert haversine_km(C["B1"], (14.7, 0.5)) == approx(88.96, abs=0.01)
    near = at(panel, 2, "army_events_100km_4w")
    assert near["B1"] == 1  # t1, 89 km away
    assert near["A1"] == 1  # t1 at 22 km; t2 is 108 km away
    assert near["A2"] == 1  # t2 at its centroid; t1 is 110 km away and t3 108 km
    assert near["B2"] == 0
    assert at(panel, 5, "army_events_100km_4w")["B2"] == 2  # t9, and t11 56 km away


def test_attacks_on_army_or_partner_positions(panel: pl.DataFrame) -> None:
    w3 = at(panel, 3, "army_attacked_4w")
    assert w3["A1"] == 1  # t1: JNIM attacked the army
    assert w3["A3"] == 0  # t3: the army attacked JNIM
    assert w3["C1"] == 1  # t4: MINUSMA attacked
    assert w3["C2"] == 0  # t5: French forces acted first
    assert w3["Z"] == 1  # t7
    assert at(panel, 3, "army_attacked_100km_4w")["B1"] == 1  # t1, 89 km away
    assert at(panel, 3, "army_attacked_100km_4w")["A2"] == 0
    assert at(panel, 6, "army_attacked_4w")["A1"] == 0  # t13: state forces on both sides
    assert at(panel, 6, "army_events_4w")["A1"] == 1
    assert at(panel, 5, "army_attacked_4w")["C2"] == 0  # t12 is unplaced


def test_nearest_army_event(panel: pl.DataFrame) -> None:
    assert set(at(panel, 0, "army_nearest_km_4w").values()) == {None}  # none anywhere yet
    nearest = at(panel, 2, "army_nearest_km_4w")
    assert nearest["A3"] == 0  # t3 at its centroid
    assert nearest["C3"] == approx(haversine_km(C["C3"], C["A3"]), rel=1e-6)  # t3, 222 km
    assert nearest["Z"] == approx(haversine_km(C["Z"], C["A3"]), rel=1e-6)
    # W12: the last army event (t13, W6) is 6 weeks old: out of 4 weeks, inside 12.
    assert at(panel, 12, "army_nearest_km_4w")["A1"] is None
    assert at(panel, 12, "army_nearest_km_12w")["A1"] == 0


def test_the_armys_national_stretch(panel: pl.DataFrame) -> None:
    w2 = at(panel, 2, "army_districts_national_4w")
    assert w2["A1"] == 3 and w2["C3"] == 3  # A1, A2, A3, the same for every Malian district
    assert w2["Z"] == 0
    assert at(panel, 2, "army_districts_share_4w")["B2"] == approx(3 / 9)
    assert at(panel, 3, "army_districts_share_4w")["Z"] == 1.0  # Niger's only district
    # W5, weeks W2..W5: A2, A3, B2, C2; t1 (W1) has left the window, t12 has no district.
    assert at(panel, 5, "army_districts_national_4w")["A1"] == 4
    assert at(panel, 5, "army_districts_national_12w")["A1"] == 5
    national = at(panel, 5, "army_attacked_national_4w")
    assert national["A1"] == 2  # t4 and the unplaced t12; t1 is older than 4 weeks
    assert national["Z"] == 1  # t7
    assert at(panel, 5, "army_attacked_national_12w")["A1"] == 3


def test_russian_forces_near_and_weeks_since(panel: pl.DataFrame) -> None:
    # t11 at (16.0, 1.5): 55.6 km from B2 and C2, 119 km from C1.
    assert haversine_km(C["C1"], (16.0, 1.5)) > 100
    near = at(panel, 5, "partner_force_russia_100km_12w")
    assert (near["B2"], near["C2"], near["C1"], near["B1"]) == (1, 1, 0, 0)
    assert at(panel, 12, "partner_force_russia_100km_12w")["C2"] == 1  # W1..W12
    assert at(panel, 4, "partner_force_russia_weeks_since_100km")["B2"] is None  # not yet
    assert at(panel, 5, "partner_force_russia_weeks_since_100km")["B2"] == 0
    assert at(panel, 8, "partner_force_russia_weeks_since_100km")["C2"] == 3
    assert set(at(panel, 12, "partner_force_russia_weeks_since_100km").values()) == {None, 7}
    assert at(panel, 12, "partner_force_russia_weeks_since_100km")["C1"] is None


def test_weeks_since_reaches_back_beyond_the_windows() -> None:
    """A Russian-force event 83 weeks before the panel: older than every window, still seen,
    and the same whether the panel was built in one go or extended week by week."""
    old = world.event("r0", date(2022, 6, 1), "B2", actor1="Wagner Group")
    tables = world.tables([old, *army_rows()])
    full = build_panel(tables, start=W0, end=END)
    gap = (W0 - date(2022, 5, 30)).days // 7
    assert gap == 83
    assert at(full, 0, "partner_force_russia_weeks_since_100km")["B2"] == gap
    assert at(full, 0, "partner_force_russia_100km_52w")["B2"] == 0
    assert at(full, 5, "partner_force_russia_weeks_since_100km")["B2"] == 0  # t11
    assert at(full, 0, "partner_force_russia_weeks_since_100km")["C1"] is None
    for built_to in (0, 4, 9):
        start = build_panel(tables, start=W0, end=week(built_to))
        assert extend_panel(start, tables, end=END).equals(full), built_to


def test_keyword_lists_are_editable() -> None:
    tables = world.tables(army_rows())
    config = FeatureConfig(
        national_force_keywords={"mli": ("Dan Na Ambassagou",)},  # keys are upper-cased
        national_force_names={},
        russian_force_keywords=(),
    )
    panel = build_panel(tables, start=W0, end=END, config=config)
    assert at(panel, 3, "army_events_4w")["C3"] == 1  # t6 now counts
    assert at(panel, 2, "army_events_4w")["A1"] == 0  # t1's army no longer does
    assert at(panel, 5, "army_events_4w")["B2"] == 0  # nor UCDP's side name
    assert at(panel, 3, "army_attacked_4w")["C1"] == 1  # partners are still attacked
    assert at(panel, 5, "partner_force_russia_100km_12w")["C2"] == 0
