"""A tiny hand-checkable world for the feature tests: nine 1° squares and one gazetteer district.

    lat 16-17   C1 C2 C3
    lat 15-16   B1 B2 B3
    lat 14-15   A1 A2 A3      (lon 0-1, 1-2, 2-3), all in MLI; centroids at the centres
    Z: no polygon, centroid (13.5, 10.0), country NER

Neighbouring centroids are 107.65 km apart east-west on row A (1° of longitude at 14.5°N),
107.15 km on row B, and 111.19 km north-south (1° of latitude).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import shapely

from forecast.core.schema import DEPLOYMENTS, DISTRICTS, EVENTS, PARTNER_PRESENCE, CanonicalTables

GRID = {f"{row}{col + 1}": (col, 14 + r) for r, row in enumerate("ABC") for col in range(3)}
CODES = sorted([*GRID, "Z"])
CENTROIDS = {code: (y0 + 0.5, x0 + 0.5) for code, (x0, y0) in GRID.items()} | {"Z": (13.5, 10.0)}


def districts() -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for code, (x0, y0) in GRID.items():
        rows.append(
            {
                "code": code,
                "name": code,
                "country": "MLI",
                "geometry": shapely.to_wkb(shapely.box(x0, y0, x0 + 1, y0 + 1)),
                "centroid_lat": y0 + 0.5,
                "centroid_lon": x0 + 0.5,
                "area_km2": 12000.0,
                "population": 1000.0 if code == "A1" else None,
            }
        )
    rows.append(
        {"code": "Z", "name": "Z", "country": "NER", "centroid_lat": 13.5, "centroid_lon": 10.0}
    )
    return DISTRICTS.conform(pl.DataFrame(rows, infer_schema_length=None))


def event(
    source_id: str,
    day: date,
    district: str | None,
    *,
    event_type: str = "battle",
    fatalities: int = 0,
    lat: float | None = None,
    lon: float | None = None,
    **kw: Any,
) -> dict[str, Any]:
    row = {
        "source": "acled",
        "source_id": source_id,
        "event_date": day,
        "latitude": lat,
        "longitude": lon,
        "event_type": event_type,
        "violent": event_type not in ("protest", "strategic"),
        "fatalities": fatalities,
        "source_version": 1,
        "district_code": district,
        "placement": "point" if district else "unplaced",
        "country": "MLI",
    }
    row.update(kw)
    return row


def events(rows: list[dict[str, Any]]) -> pl.DataFrame:
    if not rows:
        return EVENTS.empty()
    return EVENTS.conform(pl.DataFrame(rows, infer_schema_length=None))


def deployments(rows: list[dict[str, Any]]) -> pl.DataFrame:
    if not rows:
        return DEPLOYMENTS.empty()
    base = {"name": "camp", "force": "FAMa"}
    return DEPLOYMENTS.conform(
        pl.DataFrame([{**base, **r} for r in rows], infer_schema_length=None)
    )


def partners(rows: list[dict[str, Any]]) -> pl.DataFrame:
    if not rows:
        return PARTNER_PRESENCE.empty()
    base = {"name": "camp"}
    return PARTNER_PRESENCE.conform(
        pl.DataFrame([{**base, **r} for r in rows], infer_schema_length=None)
    )


def tables(
    event_rows: list[dict[str, Any]] | None = None,
    deployment_rows: list[dict[str, Any]] | None = None,
    partner_rows: list[dict[str, Any]] | None = None,
) -> CanonicalTables:
    return CanonicalTables(
        districts=districts(),
        events=events(event_rows or []),
        deployments=deployments(deployment_rows or []),
        partners=partners(partner_rows or []),
    )


def with_district_values(
    tables: CanonicalTables, values: dict[str, dict[str, Any]]
) -> CanonicalTables:
    """The tables with some districts' columns changed: {code: {column: value}}."""
    districts = tables.districts
    for code, columns in values.items():
        districts = districts.with_columns(
            pl.when(pl.col("code") == code)
            .then(pl.lit(value, dtype=districts.schema[name]))
            .otherwise(pl.col(name))
            .alias(name)
            for name, value in columns.items()
        )
    return CanonicalTables(
        districts=districts,
        events=tables.events,
        deployments=tables.deployments,
        partners=tables.partners,
    )
