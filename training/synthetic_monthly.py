"""A synthetic counts-only world at monthly cadence, for tests and the monthly benchmark.

Districts are 1° squares on a grid (so they have neighbours, centroids and an outline);
each has a latent AR(1) driver and a fixed propensity, and its political-violence events
in month t+1 are Poisson with a rate rising with its driver and with its neighbours' events
in month t (violence spreads). Deaths are Poisson per event. A few UN-like partner sites
come and go. Only the ``counts`` table holds violence (as ACLED's HDX aggregate would): no
events at all. Not the demo world (forecast.demo).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import polars as pl
import shapely

from forecast.core.cadence import MONTH
from forecast.core.schema import (
    COUNTS,
    DEPLOYMENTS,
    DISTRICTS,
    EVENTS,
    PARTNER_PRESENCE,
    CanonicalTables,
)


def _grid(districts: int) -> pl.DataFrame:
    side = math.ceil(math.sqrt(districts))
    rows = []
    for i in range(districts):
        x0, y0 = -12.0 + i % side, 10.0 + i // side
        rows.append(
            {
                "code": f"ML{i:04d}",
                "name": f"Cercle {i}",
                "admin1": f"Region {i // side}",
                "country": "MLI",
                "geometry": shapely.to_wkb(shapely.box(x0, y0, x0 + 1, y0 + 1)),
                "centroid_lat": y0 + 0.5,
                "centroid_lon": x0 + 0.5,
                "area_km2": 12000.0,
            }
        )
    return DISTRICTS.conform(pl.DataFrame(rows))


def monthly_world(
    districts: int = 53,
    months: int = 350,
    *,
    first_month: date = date(1997, 1, 1),
    signal: float = 1.2,
    spread: float = 0.35,
    base_rate: float = -2.2,
    seed: int = 0,
) -> CanonicalTables:
    """The canonical tables of the world: districts, counts and partner sites."""
    rng = np.random.default_rng(seed)
    frame = _grid(districts)
    side = math.ceil(math.sqrt(districts))
    col, row = np.arange(districts) % side, np.arange(districts) // side
    adjacent = (np.abs(col[:, None] - col[None]) <= 1) & (np.abs(row[:, None] - row[None]) <= 1)
    np.fill_diagonal(adjacent, False)
    driver = np.zeros((months, districts))
    propensity = rng.normal(0.0, 0.8, size=districts)
    events = np.zeros((months, districts), dtype=np.int64)
    for t in range(1, months):
        driver[t] = 0.85 * driver[t - 1] + rng.normal(0.0, 0.4, size=districts)
        neighbours = np.log1p(adjacent @ events[t - 1])
        rate = np.exp(base_rate + propensity + signal * driver[t - 1] + spread * neighbours)
        events[t] = rng.poisson(np.minimum(rate, 40.0))
    deaths = rng.poisson(1.5 * events)
    month_dates = [MONTH.shift(first_month, m) for m in range(months)]
    counts = COUNTS.conform(
        pl.DataFrame(
            {
                "source": "acled",
                "district_code": np.tile(frame["code"].to_numpy(), months),
                "month": np.repeat(np.array(month_dates, dtype="datetime64[D]"), districts),
                "events": events.ravel().astype(np.int32),
                "fatalities": deaths.ravel().astype(np.int32),
                "matched": "pcode",
                "units": 1,
            }
        ).with_columns(pl.col("month").cast(pl.Date))
    )
    sites = []
    for i in range(6):
        start = first_month + timedelta(days=int(rng.integers(0, 30 * months)))
        stay = int(rng.integers(200, 3000))
        code = frame["code"][int(rng.integers(0, districts))]
        sites.append(
            {
                "presence_id": f"s{i}",
                "name": f"camp {i}",
                "partner": "un",
                "district_code": code,
                "start_date": start,
                "end_date": start + timedelta(days=stay) if i % 2 else None,
            }
        )
    return CanonicalTables(
        districts=frame,
        events=EVENTS.empty(),
        deployments=DEPLOYMENTS.empty(),
        partners=PARTNER_PRESENCE.conform(pl.DataFrame(sites)),
        counts=counts,
    )
