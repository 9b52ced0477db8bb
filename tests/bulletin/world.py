"""A six-district world with hand-made forecasts whose bulletin is known in advance.

Week W = 2025-06-09 (ISO 2025-W24); last week = 2025-06-02. Main forecasts (h=4, any):

    code name     admin1 before  now   band now    violence in the past year
    D1   Alpha    North  0.70    0.80  very_high   yes
    D2   Beta     North  0.20    0.55  very_high   yes (first day of the 52-week window)
    D3   Gamma    South  0.04    0.40  high        no (a protest only)
    D4   Delta    South  0.30    0.28  high        no, but already high last week
    D5   Epsilon  South  0.10    0.12  elevated    yes
    D6   Zeta     North  -       0.35  high        no (its event is one day too old)

Expected: top = Alpha, Beta, Gamma, Zeta, Delta, Epsilon; risers (>= 5 pts) = Gamma
(+36), Beta (+35), Alpha (+10); new areas = Gamma, Zeta.

Last week's h=1 forecasts against events in week W (2025-06-09 .. 06-15): Alpha warned,
battle -> hit; Beta warned, its event falls on 06-16 -> false alarm; Gamma not warned,
a protest only (not violence) -> quiet; Delta not warned, event on 06-08 (before) -> quiet;
Epsilon not warned, abduction -> miss; Zeta warned, nothing -> false alarm.

Intensity at h=4 (:func:`intensity`): Gamma (ratio 6.8) and Alpha (2.88) escalating, Epsilon
(1.25) and Beta (1.11) usual, Delta (0.4) easing without a fatalities row, Zeta without a
normal (no label, left out). The section lists Alpha (4.7 events above normal), Gamma
(3.0), then Epsilon and Beta by ratio to fill up to four.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl
import shapely

from forecast.core.bands import Bands
from forecast.core.schema import CHAMPIONS, DISTRICTS, EVENTS, FORECASTS, INTENSITY

WEEK = date(2025, 6, 9)
LAST = date(2025, 6, 2)
BANDS = Bands(("low", "elevated", "high", "very_high"), (0.0, 0.1, 0.25, 0.5), 2)
CODES = ("D1", "D2", "D3", "D4", "D5", "D6")
NAMES = ("Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta")
ADMIN1 = ("North", "North", "South", "South", "South", "North")
GAMMA_DRIVERS = [
    {"feature": "pv_within_50km_4w", "value": 3, "contribution": 0.8},
    {"feature": "partner_un_weeks_since_withdrawal", "value": 14, "contribution": 0.5},
    {"feature": "hist_any_52w", "value": 0, "contribution": -0.3},
]
BACKTEST = {
    "model": {"average_precision": 0.41, "brier_skill": 0.12, "brier": 0.080},
    "baselines": {
        "conflictology": {"average_precision": 0.33, "brier": 0.085},
        "persistence": {"average_precision": 0.29, "brier": 0.090},
        "climatology": {"average_precision": 0.10, "brier": 0.095},
    },
}


def band_of(p: float) -> str:
    return BANDS.names[int(BANDS.classify([p])[0])]


def districts() -> pl.DataFrame:
    """Two rows of three 2x2-degree squares over Mali's south."""
    squares = [
        shapely.box(-10 + 2 * (i % 3), 12 + 2 * (i // 3), -8 + 2 * (i % 3), 14 + 2 * (i // 3))
        for i in range(6)
    ]
    return DISTRICTS.conform(
        pl.DataFrame(
            {
                "code": CODES,
                "name": NAMES,
                "admin1": ADMIN1,
                "country": ["MLI"] * 6,
                "geometry": shapely.to_wkb(squares).tolist(),
                "centroid_lat": [s.centroid.y for s in squares],
                "centroid_lon": [s.centroid.x for s in squares],
            }
        )
    )


def _rows(week: date, horizon: int, target: str, probs: dict[str, float]) -> list[dict]:
    return [
        {
            "district_code": code,
            "issue_week": week,
            "horizon": horizon,
            "target": target,
            "probability": p,
            "band": band_of(p),
            "model_version": f"risk-{target}-h{horizon}/7",
            "top_drivers": json.dumps(GAMMA_DRIVERS if code == "D3" else GAMMA_DRIVERS[2:]),
            "data_as_of": date(2025, 6, 15) if week == WEEK else date(2025, 6, 8),
        }
        for code, p in probs.items()
    ]


def forecasts() -> pl.DataFrame:
    rows = (
        _rows(
            WEEK, 4, "any", {"D1": 0.80, "D2": 0.55, "D3": 0.40, "D4": 0.28, "D5": 0.12, "D6": 0.35}
        )
        + _rows(LAST, 4, "any", {"D1": 0.70, "D2": 0.20, "D3": 0.04, "D4": 0.30, "D5": 0.10})
        + _rows(
            LAST, 1, "any", {"D1": 0.6, "D2": 0.3, "D3": 0.05, "D4": 0.2, "D5": 0.02, "D6": 0.27}
        )
        + _rows(WEEK, 1, "any", {c: 0.05 for c in CODES})
        + _rows(WEEK, 4, "abduction", {"D3": 0.20, "D1": 0.15, "D5": 0.05})
    )
    return FORECASTS.conform(pl.DataFrame(rows))


def events() -> pl.DataFrame:
    first_day = WEEK - timedelta(weeks=51)  # first day of the 52 weeks up to week W
    rows = [
        ("D1", date(2025, 6, 10), "battle", 2),
        ("D1", date(2025, 3, 1), "battle", 0),
        ("D2", first_day, "remote_violence", 0),
        ("D2", date(2025, 6, 16), "battle", 1),
        ("D3", date(2025, 5, 30), "protest", 0),
        ("D4", date(2025, 6, 8), "civilian_violence", 1),
        ("D5", date(2025, 6, 12), "abduction", 0),
        ("D5", date(2025, 6, 13), "protest", 0),
        ("D5", date(2024, 12, 1), "battle", 0),
        ("D6", first_day - timedelta(days=1), "battle", 3),
    ]
    frame = pl.DataFrame(
        {
            "source": ["acled"] * len(rows),
            "source_id": [f"E{i}" for i in range(len(rows))],
            "district_code": [r[0] for r in rows],
            "event_date": [r[1] for r in rows],
            "event_type": [r[2] for r in rows],
            "fatalities": [r[3] for r in rows],
            "violent": [r[2] != "protest" for r in rows],
            "source_version": [1] * len(rows),
            "placement": ["point"] * len(rows),
        }
    )
    return EVENTS.conform(frame)


def champions() -> pl.DataFrame:
    return CHAMPIONS.conform(
        pl.DataFrame(
            [
                {
                    "target": "any",
                    "horizon": 4,
                    "model_name": "risk-any-h4",
                    "model_version": "7",
                    "backtest": json.dumps(BACKTEST),
                }
            ]
        )
    )


# code: (events expected, lower80, upper80, lower95, upper95, normal, ratio, percentile,
# label), then fatalities (expected, lower80, upper80, lower95, upper95, normal) or None.
INTENSITY_H4: dict[str, tuple[tuple, tuple | None]] = {
    "D1": ((7.2, 3, 12, 2, 16, 2.5, 2.88, 0.96, "escalating"), (15.4, 4, 40, 1, 60, 6.1)),
    "D2": ((2.0, 0, 5, 0, 7, 1.8, 1.11, 0.55, "usual"), (0.9, 0, 3, 0, 5, 1.0)),
    "D3": ((3.4, 1, 7, 0, 9, 0.4, 6.8, 0.99, "escalating"), (1.2, 0, 4, 0, 6, 0.3)),
    "D4": ((0.6, 0, 2, 0, 3, 1.5, 0.4, 0.2, "easing"), None),
    "D5": ((1.0, 0, 3, 0, 4, 0.8, 1.25, 0.6, "usual"), (0.96, 0, 2, 0, 4, 0.5)),
    "D6": ((0.2, 0, 1, 0, 2, None, None, None, None), None),
}


def intensity() -> pl.DataFrame:
    """The intensity table of week W at h=4 (and one h=1 row the section must ignore)."""
    ends = ("expected", "lower80", "upper80", "lower95", "upper95", "normal")
    rows = []
    for code, (events, deaths) in INTENSITY_H4.items():
        common = {"district_code": code, "issue_week": WEEK, "horizon": 4, "cadence": "week"}
        rows.append(
            {
                **common,
                "target": "events",
                **dict(zip(ends, events[:6], strict=True)),
                "ratio": events[6],
                "percentile": events[7],
                "escalation": events[8],
                "model_version": "count-events-h4/1",
            }
        )
        if deaths is not None:
            rows.append(
                {
                    **common,
                    "target": "fatalities",
                    **dict(zip(ends, deaths, strict=True)),
                    "model_version": "count-fatalities-h4/1",
                }
            )
    rows.append({**rows[0], "horizon": 1, "ratio": 50.0, "expected": 99.0})
    return INTENSITY.conform(pl.DataFrame(rows))
