"""A small synthetic world with a planted signal, for tests and the training benchmark.

Each district has a latent ``driver`` (an AR(1) series, published in the panel) and a
fixed propensity; the chance of events in week t+1 rises with the driver at week t, so a
model that reads the panel can beat the conflict-history baselines. Two pure-noise panel
columns keep it honest. Not the demo world (forecast.demo): no geography, no actors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from forecast.core import vocab
from forecast.core.schema import EVENTS

TYPES = (
    vocab.BATTLE,
    vocab.REMOTE_VIOLENCE,
    vocab.CIVILIAN_VIOLENCE,
    vocab.ABDUCTION,
    vocab.PROTEST,
)
TYPE_SHARES = (0.4, 0.2, 0.25, 0.1, 0.05)


@dataclass(frozen=True)
class World:
    panel: pl.DataFrame
    events: pl.DataFrame


def synthetic_world(
    districts: int = 20,
    weeks: int = 300,
    *,
    first_week: date = date(2013, 1, 7),
    signal: float = 2.0,
    base_rate: float = -3.0,
    seed: int = 0,
) -> World:
    """Panel (district_code, week, driver, noise_a, noise_b) and matching events."""
    rng = np.random.default_rng(seed)
    driver = np.zeros((districts, weeks))
    shocks = rng.normal(0.0, 0.45, size=(districts, weeks))
    for w in range(1, weeks):
        driver[:, w] = 0.9 * driver[:, w - 1] + shocks[:, w]
    propensity = rng.normal(0.0, 0.7, size=(districts, 1))
    # Events of week w+1 depend on the driver of week w; week 0 on its own value.
    lagged = np.concatenate([driver[:, :1], driver[:, :-1]], axis=1)
    rate = np.exp(base_rate + propensity + signal * lagged)
    counts = rng.poisson(np.minimum(rate, 20.0))
    codes = np.array([f"D{i:03d}" for i in range(districts)])
    week_dates = [first_week + timedelta(weeks=w) for w in range(weeks)]
    panel = pl.DataFrame(
        {
            "district_code": np.repeat(codes, weeks),
            "week": week_dates * districts,
            "driver": driver.ravel().astype(np.float32),
            "noise_a": rng.normal(size=districts * weeks).astype(np.float32),
            "noise_b": rng.integers(0, 5, size=districts * weeks),
        }
    ).with_columns(pl.col("week").cast(pl.Date))
    return World(panel=panel, events=_events(counts, codes, first_week, rng))


def _events(
    counts: np.ndarray, codes: np.ndarray, first_week: date, rng: np.random.Generator
) -> pl.DataFrame:
    district_idx, week_idx = np.nonzero(counts)
    reps = counts[district_idx, week_idx]
    district_idx = np.repeat(district_idx, reps)
    week_idx = np.repeat(week_idx, reps)
    n = len(week_idx)
    days = week_idx * 7 + rng.integers(0, 7, size=n)
    types = rng.choice(np.array(TYPES), size=n, p=TYPE_SHARES)
    fatalities = np.where(rng.random(n) < 0.5, 0, rng.integers(1, 30, size=n))
    frame = pl.DataFrame(
        {
            "source": "synthetic",
            "source_id": [f"S{i}" for i in range(n)],
            "event_date": np.datetime64(first_week, "D") + days.astype("timedelta64[D]"),
            "event_type": types,
            "violent": types != vocab.PROTEST,
            "fatalities": fatalities.astype(np.int32),
            "source_version": 1,
            "district_code": codes[district_idx],
            "placement": vocab.PLACED_POINT,
        }
    )
    return EVENTS.conform(frame)
