"""A full-sized bulletin for layout tests: every list at its longest, long driver sentences.

``n`` districts on a grid over southern Mali; this week's probabilities spread from 0.97
down, last week's lower for every third district (so five risers of 5 points and more and
several districts newly high), five drivers each from a rotating set of real feature names,
escalating intensity rows for eight districts, and a year of events. ``variant`` shifts the
probabilities and driver order, so the pages break in different places.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl
import shapely

from forecast.core.schema import CHAMPIONS, DISTRICTS, EVENTS, FORECASTS, INTENSITY
from tests.bulletin.world import BACKTEST, BANDS, LAST, WEEK, band_of

NAMES = (
    "Gourma-Rharous", "Niafunké", "Tombouctou", "Bourem", "Ansongo", "Ménaka", "Tessalit",
    "Abeïbara", "Douentza", "Bandiagara", "Bankass", "Koro", "Djenné", "Ténenkou", "Youwarou",
    "Macina", "Niono", "Ségou", "San", "Tominian", "Barouéli", "Bla", "Kati", "Kolokani",
    "Nara", "Banamba", "Dioïla", "Diéma", "Nioro", "Yélimané",
)  # fmt: skip
REGIONS = ("Mopti", "Ségou", "Koulikoro", "Kayes", "Gao")
DRIVERS = (
    ("events_pv_4w", 6, 0.9),
    ("nb_events_pv_12w", 14, 0.6),
    ("partner_russia_wagner_weeks_since_arrival_100km", 20, 0.5),
    ("army_attacked_100km_12w", 3, 0.4),
    ("jihadist_100km_52w", 11, 0.35),
    ("partner_un_weeks_since_withdrawal_100km", 30, 0.3),
    ("cross_border_events_pv_200km_12w", 9, 0.25),
    ("foreign_victim_100km_52w", 2, 0.2),
    ("nb_events_pv_4w", 0, -0.3),
    ("base_nearest_km", 140, -0.2),
)


def districts(n: int = 30) -> pl.DataFrame:
    corners = [(-11 + i % 6, 11 + i // 6) for i in range(n)]
    boxes = [shapely.box(x, y, x + 1, y + 1) for x, y in corners]
    return DISTRICTS.conform(
        pl.DataFrame(
            {
                "code": [f"B{i:02d}" for i in range(n)],
                "name": list(NAMES[:n]),
                "admin1": [REGIONS[i % len(REGIONS)] for i in range(n)],
                "country": ["MLI"] * n,
                "geometry": shapely.to_wkb(boxes).tolist(),
                "centroid_lat": [b.centroid.y for b in boxes],
                "centroid_lon": [b.centroid.x for b in boxes],
            }
        )
    )


def _drivers(i: int, variant: int) -> str:
    start = (i + variant) % len(DRIVERS)
    picked = [DRIVERS[(start + k) % len(DRIVERS)] for k in range(5)]
    return json.dumps([{"feature": f, "value": v, "contribution": c} for f, v, c in picked])


def forecasts(n: int = 30, variant: int = 0) -> pl.DataFrame:
    rows = []
    for i in range(n):
        now = max(0.02, 0.97 - (0.03 + 0.002 * variant) * i)
        before = now - 0.12 if i % 3 == 1 else now - 0.01
        for week, p in ((WEEK, now), (LAST, before)):
            for target, scale in (("any", 1.0), ("abduction", 0.4)):
                q = max(0.01, p * scale)
                rows.append(
                    {
                        "district_code": f"B{i:02d}",
                        "issue_week": week,
                        "horizon": 4,
                        "target": target,
                        "probability": q,
                        "band": band_of(q),
                        "model_version": f"risk-{target}-h4/3",
                        "top_drivers": _drivers(i, variant),
                        "data_as_of": week + timedelta(days=6),
                    }
                )
        rows.append({**rows[-4], "issue_week": LAST, "horizon": 1, "probability": now - 0.1})
    return FORECASTS.conform(pl.DataFrame(rows))


def events(n: int = 30) -> pl.DataFrame:
    # every other district had violence this year; the others are "untouched"
    days = [WEEK - timedelta(days=3 + 9 * k) for k in range(20)]
    rows = [(f"B{i:02d}", day) for i in range(0, n, 2) for day in days[: 2 + i % 5]]
    return EVENTS.conform(
        pl.DataFrame(
            {
                "source": ["acled"] * len(rows),
                "source_id": [f"E{k}" for k in range(len(rows))],
                "district_code": [r[0] for r in rows],
                "event_date": [r[1] for r in rows],
                "event_type": ["battle"] * len(rows),
                "fatalities": [2] * len(rows),
                "violent": [True] * len(rows),
                "source_version": [1] * len(rows),
                "placement": ["point"] * len(rows),
            }
        )
    )


def intensity(n: int = 30) -> pl.DataFrame:
    rows = []
    for i in range(n):
        escalating = i < 8
        normal = 2.0 + i % 4
        expected = normal * (2.5 if escalating else 1.0)
        for target, scale in (("events", 1.0), ("fatalities", 3.0)):
            rows.append(
                {
                    "district_code": f"B{i:02d}",
                    "issue_week": WEEK,
                    "horizon": 4,
                    "cadence": "week",
                    "target": target,
                    "expected": expected * scale,
                    "lower80": expected * scale / 3,
                    "upper80": expected * scale * 2,
                    "lower95": 0.0,
                    "upper95": expected * scale * 3,
                    "normal": normal * scale,
                    "ratio": expected / normal if target == "events" else None,
                    "percentile": 0.97 if escalating else 0.5,
                    "escalation": ("escalating" if escalating else "usual")
                    if target == "events"
                    else None,
                    "model_version": f"count-{target}-h4/1",
                }
            )
    return INTENSITY.conform(pl.DataFrame(rows))


def champions() -> pl.DataFrame:
    return CHAMPIONS.conform(
        pl.DataFrame(
            [{"target": "any", "horizon": 4, "model_name": "risk-any-h4", "model_version": "3",
              "backtest": json.dumps(BACKTEST)}]
        )
    )  # fmt: skip


__all__ = ["BANDS", "WEEK", "champions", "date", "districts", "events", "forecasts", "intensity"]
