"""A small store at both cadences for the monthly API tests: the weekly world of world.py
plus monthly forecasts for 2025-10 and 2025-11 and the counts of 2025.

Monthly probabilities are 0.5 + 0.1 * horizon index - 0.05 * target index for ML0101 in
November (one row per horizon 1, 3, 6 and target any, fatal), 0.1 lower in October; the
other districts 0.2 flat. Counts (ACLED HDX): ML0101 has 2 events (3 deaths) in every month
of 2025 but August (0) and December (4 events, 0 deaths); ML0102 1 event in December.
Events (event-level) stop in 2024, so 2025 comes from the counts and data_as_of is the
last day of the last counted month, 2025-12-31.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl

from forecast.core.schema import CHAMPIONS, COUNTS, FORECASTS
from forecast.core.store import Store
from tests.api import world

OCT, NOV = date(2025, 10, 1), date(2025, 11, 1)
DATA_AS_OF = date(2025, 12, 31)
HORIZONS = (1, 3, 6)
TARGETS = ("any", "fatal")
DRIVERS = json.dumps(
    [
        {"feature": "events_pv_3m", "value": 6, "contribution": 0.4},
        {"feature": "months_since_event", "value": 1, "contribution": 0.2},
        {"feature": "partner_un_months_since_arrival_100km", "value": 5, "contribution": -0.1},
    ]
)


def probability(code: str, month: date, horizon: int, target: str) -> float:
    if code != "ML0101":
        return 0.2
    p = 0.5 + 0.1 * HORIZONS.index(horizon) - 0.05 * TARGETS.index(target)
    return p if month == NOV else p - 0.1


def counts() -> pl.DataFrame:
    rows = []
    for m in range(1, 13):
        month = date(2025, m, 1)
        events, deaths = (0, 0) if m == 8 else (4, 0) if m == 12 else (2, 3)
        rows.append(("ML0101", month, events, deaths))
        rows.append(("ML0102", month, 1 if m == 12 else 0, 0))
        rows.append(("ML0201", month, 0, 0))
    return COUNTS.conform(
        pl.DataFrame(
            rows, schema=["district_code", "month", "events", "fatalities"], orient="row"
        ).with_columns(source=pl.lit("acled"), matched=pl.lit("pcode"), units=pl.lit(1))
    )


def monthly_forecasts() -> pl.DataFrame:
    rows = [
        (code, month, h, t, probability(code, month, h, t), f"risk-{t}-m{h}/1")
        for code in ("ML0101", "ML0102", "ML0201", "BF0101")
        for month in (OCT, NOV)
        for h in HORIZONS
        for t in TARGETS
    ]
    frame = pl.DataFrame(
        rows,
        schema=["district_code", "issue_week", "horizon", "target", "probability", "model_version"],
        orient="row",
    )
    return FORECASTS.conform(
        frame.with_columns(
            band=pl.lit("stored"),
            top_drivers=pl.lit(DRIVERS),
            data_as_of=pl.lit(DATA_AS_OF),
            cadence=pl.lit("month"),
        )
    )


def monthly_champion() -> pl.DataFrame:
    return CHAMPIONS.conform(
        pl.DataFrame(
            {
                "target": ["any"],
                "horizon": [3],
                "model_name": ["risk-any-m3"],
                "model_version": ["1"],
                "cadence": ["month"],
                "backtest": [json.dumps({"model": {"log_loss": 0.38}, "baselines": {}})],
            }
        )
    )


def write_store(path: Path) -> Path:
    world.write_store(path)
    with Store(path) as store:
        with store.transaction():
            store.upsert(COUNTS, counts())
        both = pl.concat([store.read("forecasts"), monthly_forecasts()], how="diagonal_relaxed")
        store.replace("forecasts", FORECASTS.conform(both))
        champions = pl.concat(
            [CHAMPIONS.conform(store.read("champions")), monthly_champion()], how="vertical"
        )
        store.replace("champions", champions)
    return path
