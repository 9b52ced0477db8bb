"""The hand-checked scenario shared by the family tests (see world.py for the map).

Weeks (Mondays): W0 = 2024-01-01 ... W12 = 2024-03-25; the panel covers W0..W12.

events
  e1  W0 2024-01-03  A1 battle            2 deaths  at A1's centroid (14.5, 0.5)
  e2  W1 2024-01-10  A2 abduction         0 deaths  no coordinates (-> A2's centroid);
                                                    notes: two Chinese nationals abducted
  e3  W2 2024-01-17  A1 civilian_violence 1 death   at (14.7, 0.5); actor1 JNIM
  e4  W3 2024-01-24  B2 protest           0 deaths  notes mention a foreigner (non-violent)
  e5  W5 2024-02-07  unplaced battle (MLI) at (17.8, 1.5); actor2 French forces
  e6  W6 2024-02-14  Z  battle            5 deaths  (NER)
  e7  W12 2024-03-27 C3 remote_violence   0 deaths  at C3's centroid
  e8  2024-04-10 (after the panel) A1 battle, 9 deaths: must never show up
deployments
  b1  base at A1's centroid, 2023-06-01 .. 2024-01-20 (opened week of 2023-05-29, closed W2)
  b2  base in B3 (no coordinates -> centroid), 2024-01-31 (W4) .. open
partners
  p1  russia_wagner in B2 (no coordinates), 2024-01-08 (W1) .. 2024-02-15 (W6)
  p2  un at A2's centroid, 2013-07-01 .. 2023-12-31 (left the week before W0)
  p3  "turkey" (an unknown kind -> other) in C1, 2024-02-01 (W4) .. open
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import polars as pl
import pytest

import features
from tests.features import world

W0 = date(2024, 1, 1)
END = date(2024, 3, 25)


def week(n: int) -> date:
    return W0 + timedelta(weeks=n)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Independent great-circle distance for expected values (R = 6371.0088 km)."""
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def scenario_tables() -> world.CanonicalTables:
    e = world.event
    events = [
        e("e1", date(2024, 1, 3), "A1", fatalities=2, lat=14.5, lon=0.5),
        e(
            "e2",
            date(2024, 1, 10),
            "A2",
            event_type="abduction",
            notes="Gunmen abducted two Chinese nationals working at a mine.",
            actor2="Civilians (Mali)",
        ),
        e(
            "e3",
            date(2024, 1, 17),
            "A1",
            event_type="civilian_violence",
            fatalities=1,
            lat=14.7,
            lon=0.5,
            actor1="JNIM: Group for Support of Islam and Muslims",
        ),
        e(
            "e4",
            date(2024, 1, 24),
            "B2",
            event_type="protest",
            actor1="Protesters (Mali)",
            notes="Protest against the arrest of a foreigner.",
        ),
        e(
            "e5",
            date(2024, 2, 7),
            None,
            lat=17.8,
            lon=1.5,
            actor2="Military Forces of France (2017-2022)",
        ),
        e("e6", date(2024, 2, 14), "Z", fatalities=5, country="NER"),
        e("e7", date(2024, 3, 27), "C3", event_type="remote_violence", lat=16.5, lon=2.5),
        e("e8", date(2024, 4, 10), "A1", fatalities=9, lat=14.5, lon=0.5),
    ]
    deployments = [
        {
            "deployment_id": "b1",
            "latitude": 14.5,
            "longitude": 0.5,
            "district_code": "A1",
            "start_date": date(2023, 6, 1),
            "end_date": date(2024, 1, 20),
        },
        {"deployment_id": "b2", "district_code": "B3", "start_date": date(2024, 1, 31)},
    ]
    partners = [
        {
            "presence_id": "p1",
            "partner": "russia_wagner",
            "district_code": "B2",
            "start_date": date(2024, 1, 8),
            "end_date": date(2024, 2, 15),
        },
        {
            "presence_id": "p2",
            "partner": "un",
            "latitude": 14.5,
            "longitude": 1.5,
            "district_code": "A2",
            "start_date": date(2013, 7, 1),
            "end_date": date(2023, 12, 31),
        },
        {
            "presence_id": "p3",
            "partner": "turkey",
            "district_code": "C1",
            "start_date": date(2024, 2, 1),
        },
    ]
    return world.tables(events, deployments, partners)


@pytest.fixture(scope="session")
def scenario() -> world.CanonicalTables:
    return scenario_tables()


@pytest.fixture(scope="session")
def panel(scenario: world.CanonicalTables) -> pl.DataFrame:
    return features.build_panel(scenario, start=W0, end=END)


def at(panel: pl.DataFrame, n: int, column: str) -> dict[str, float | None]:
    """{district: value} of one column in week Wn."""
    rows = panel.filter(pl.col("week") == week(n))
    return dict(zip(rows["district_code"].to_list(), rows[column].to_list(), strict=True))
