"""A tiny store for the API tests: four districts, three issue weeks, hand-set numbers.

Probabilities in the latest week (2024-06-03) are base[district] + 0.05 * horizon index
- 0.01 * target index (horizons 1, 4, 12; targets any, fatal, civilians, abduction).
The week before (2024-05-27) is 0.1 lower for ML0101, equal for ML0102 and BF0101, and
missing for ML0201, so its change is null. ML0101 alone has a forecast for 2024-05-13,
whose 1-week window (2024-05-20..26) is over by data_as_of 2024-06-02.

Intensity (:data:`INTENSITY_ROWS`), latest week, horizons 1 and 4 only (12 has no count
model, so its fields are null): ML0101 escalating, ML0102 usual, ML0201 easing at h=4
with no fatalities row and no normal at h=1 (a new district: escalation null); BF0101 has
none. ML0101 also has an h=4 row the week before, and a monthly row (cadence month) the
weekly service must not show.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import polars as pl
import shapely

from forecast.core.schema import CHAMPIONS, DISTRICTS, EVENTS, FORECASTS, INTENSITY
from forecast.core.store import Store

W0, W1, W2 = date(2024, 5, 13), date(2024, 5, 27), date(2024, 6, 3)
DATA_AS_OF = date(2024, 6, 2)
HORIZONS = (1, 4, 12)
TARGETS = ("any", "fatal", "civilians", "abduction")
BASE = {"ML0101": 0.60, "ML0102": 0.30, "ML0201": 0.12, "BF0101": 0.05}
DRIVERS = json.dumps(
    [
        {"feature": "events_50km_4w", "value": 3, "contribution": 0.42},
        {"feature": "hist_any_12w", "value": 2.0, "contribution": 0.2},
        {"feature": "dist_partner_km", "value": 12.5, "contribution": -0.1},
    ]
)


def probability(code: str, horizon: int, target: str) -> float:
    return BASE[code] + 0.05 * HORIZONS.index(horizon) - 0.01 * TARGETS.index(target)


def version(generation: str, target: str) -> str:
    return f"{generation}-{target}"


def label(generation: str) -> str:
    return ",".join(sorted(version(generation, t) for t in TARGETS))


def _square(x0: float, y0: float) -> bytes:
    return shapely.to_wkb(shapely.box(x0, y0, x0 + 1, y0 + 1))


def districts() -> pl.DataFrame:
    rows = [
        ("ML0101", "Alpha", "Alpha Region", "MLI", _square(-5, 14), 14.5, -4.5),
        ("ML0102", "Beta", "Alpha Region", "MLI", _square(-4, 14), 14.5, -3.5),
        ("ML0201", "Gamma", "Gao", "MLI", _square(-3, 15), 15.5, -2.5),
        ("BF0101", "Delta", "Sahel", "BFA", None, 14.0, -1.0),
    ]
    frame = pl.DataFrame(
        rows,
        schema=["code", "name", "admin1", "country", "geometry", "centroid_lat", "centroid_lon"],
        orient="row",
    )
    return DISTRICTS.conform(frame.with_columns(area_km2=pl.lit(12000.0), source=pl.lit("test")))


def events() -> pl.DataFrame:
    rows = [
        ("e1", date(2024, 6, 2), "battle", 2, "ML0101"),
        ("e2", date(2024, 5, 30), "protest", 0, "ML0101"),
        ("e3", date(2024, 5, 20), "abduction", 0, "ML0101"),
        ("e4", date(2024, 3, 20), "civilian_violence", 1, "ML0101"),
        ("e5", date(2023, 8, 1), "battle", 0, "ML0101"),
        ("e6", date(2023, 1, 10), "battle", 5, "ML0101"),
        ("e7", date(2024, 5, 28), "remote_violence", 3, "ML0102"),
    ]
    frame = pl.DataFrame(
        rows,
        schema=["source_id", "event_date", "event_type", "fatalities", "district_code"],
        orient="row",
    ).with_columns(
        source=pl.lit("acled"),
        violent=pl.col("event_type") != "protest",
        placement=pl.lit("point"),
        source_version=pl.lit(1),
        location=pl.lit("Somewhere"),
        latitude=pl.lit(14.5),
        longitude=pl.lit(-4.5),
    )
    return EVENTS.conform(frame)


def forecasts(generation: str = "v1") -> pl.DataFrame:
    rows = []
    for code in BASE:
        for h in HORIZONS:
            for t in TARGETS:
                p = probability(code, h, t)
                common = (code, h, t, version(generation, t), DRIVERS)
                rows.append((W2, p, DATA_AS_OF, *common))
                if code != "ML0201":
                    previous = p - 0.1 if code == "ML0101" else p
                    rows.append((W1, previous, date(2024, 5, 26), *common))
                if code == "ML0101":
                    rows.append((W0, 0.5, date(2024, 5, 12), *common))
    frame = pl.DataFrame(
        rows,
        schema=[
            "issue_week",
            "probability",
            "data_as_of",
            "district_code",
            "horizon",
            "target",
            "model_version",
            "top_drivers",
        ],
        orient="row",
    )
    # The API recomputes bands from its thresholds; the stored value must not leak through.
    return FORECASTS.conform(frame.with_columns(band=pl.lit("stored")))


def champions(generation: str = "v1") -> pl.DataFrame:
    backtest = json.dumps(
        {
            "model": {"average_precision": 0.41, "brier": 0.08},
            "baselines": {"climatology": {"average_precision": 0.12, "brier": 0.11}},
        }
    )
    rows = [
        (
            t,
            h,
            f"sahel-{t}-h{h}",
            version(generation, t),
            "run1",
            date(2018, 1, 1),
            date(2024, 1, 1),
            backtest,
            datetime(2024, 6, 3, 6, 0),
        )
        for t in TARGETS
        for h in HORIZONS
    ]
    # Weekly champions: the cadence column (schema 3) takes its default when conformed.
    names = [n for n in CHAMPIONS.names if n != "cadence"]
    frame = pl.DataFrame(rows, schema=names, orient="row")
    return CHAMPIONS.conform(frame).with_columns(cadence=pl.lit("week"))


# (week, code, horizon, target): expected, lower80, upper80, normal, ratio, percentile, label
INTENSITY_ROWS: dict[tuple[date, str, int, str], tuple] = {
    (W2, "ML0101", 4, "events"): (7.2, 3, 12, 2.5, 2.88, 0.962, "escalating"),
    (W2, "ML0101", 4, "fatalities"): (15.4, 4, 40, 6.1, 2.52, 0.9, "escalating"),
    (W2, "ML0101", 1, "events"): (1.8, 0, 4, 0.6, 3.0, 0.9, "escalating"),
    (W2, "ML0101", 1, "fatalities"): (3.9, 0, 10, 1.5, 2.6, 0.85, "escalating"),
    (W2, "ML0102", 4, "events"): (2.0, 0, 5, 2.1, 0.95, 0.5, "usual"),
    (W2, "ML0102", 4, "fatalities"): (1.1, 0, 3, 1.0, 1.0, 0.5, "usual"),
    (W2, "ML0102", 1, "events"): (0.5, 0, 2, 0.5, 1.0, 0.5, "usual"),
    (W2, "ML0102", 1, "fatalities"): (0.3, 0, 1, 0.2, 1.0, 0.5, "usual"),
    (W2, "ML0201", 4, "events"): (0.3, 0, 1, 1.2, 0.42, 0.2, "easing"),
    (W2, "ML0201", 1, "events"): (0.1, 0, 1, None, None, None, None),
    (W1, "ML0101", 4, "events"): (5.0, 2, 9, 2.4, 2.08, 0.92, "escalating"),
    (W1, "ML0101", 4, "fatalities"): (9.0, 2, 25, 6.0, 1.5, 0.8, "escalating"),
}


def intensity(generation: str = "v1") -> pl.DataFrame:
    columns = ("expected", "lower80", "upper80", "normal", "ratio", "percentile", "escalation")
    rows = [
        {
            "district_code": code,
            "issue_week": week,
            "horizon": horizon,
            "target": target,
            **dict(zip(columns, values, strict=True)),
            # the 50% and 95% ends around the 80% ones, as a calibrated law would give
            "lower50": values[1] + 1 if values[2] > values[1] + 1 else values[1],
            "upper50": values[2] - 1 if values[2] > values[1] + 1 else values[2],
            "lower95": max(values[1] - 1, 0),
            "upper95": values[2] + 3,
            "model_version": f"count-{target}-h{horizon}/1",
            "data_as_of": DATA_AS_OF,
            "cadence": "week",
        }
        for (week, code, horizon, target), values in INTENSITY_ROWS.items()
    ]
    # A monthly row of the same key: a weekly service must not serve it.
    rows.append({**rows[0], "expected": 99.0, "cadence": "month"})
    return INTENSITY.conform(pl.DataFrame(rows))


def write_store(
    path: Path,
    generation: str = "v1",
    *,
    with_forecasts: bool = True,
    with_intensity: bool = True,
) -> Path:
    """The world's store; ``with_intensity=False`` leaves the intensity table out (a store
    written before it existed, or with intensity disabled)."""
    with Store(path) as store:
        with store.transaction():
            store.upsert(DISTRICTS, districts())
            store.upsert(EVENTS, events())
        if with_forecasts:
            store.replace("forecasts", forecasts(generation))
            store.replace("champions", champions(generation))
        if with_forecasts and with_intensity:
            store.con.execute(INTENSITY.ddl())
            store.append("intensity", intensity(generation))
    return path
