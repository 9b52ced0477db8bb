"""Writing the demo world's files, byte for byte the same for the same inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import polars.selectors as cs
import shapely

from forecast.core.vocab import EVENT_TYPES
from forecast.demo.exposure import Exposure
from forecast.demo.forces import FAMA, Presence
from forecast.demo.gazetteer import COUNTRY_NAME, COUNTRY_PCODE
from forecast.demo.geography import Geography, locate
from forecast.demo.process import COMPONENTS, Simulation
from forecast.sources.presence import DEPLOYMENT_COLUMNS, PARTNER_COLUMNS

_DIGITS = 5  # about a metre


def write_districts(path: Path, geography: Geography) -> Path:
    """GeoJSON FeatureCollection with OCHA COD-AB admin-2 properties."""
    features = [
        {
            "type": "Feature",
            "properties": {
                "admin0Name_en": COUNTRY_NAME,
                "admin0Pcode": COUNTRY_PCODE,
                "admin1Name_en": str(geography.region_names[i]),
                "admin1Pcode": str(geography.region_codes[i]),
                "admin2Name_en": str(geography.names[i]),
                "admin2Pcode": str(geography.codes[i]),
            },
            "geometry": _rounded(shapely.geometry.mapping(geography.polygons[i])),
        }
        for i in range(geography.size)
    ]
    document = {"type": "FeatureCollection", "name": "demo_mali_admin2", "features": features}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=None) + "\n", encoding="utf-8")
    return path


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, _DIGITS)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def write_events(path: Path, table: pl.DataFrame) -> Path:
    table.write_csv(path, date_format="%Y-%m-%d")
    return path


def presence_table(
    records: tuple[Presence, ...], geography: Geography, prefix: str
) -> pl.DataFrame:
    """Presence records as the project's CSV columns, with the district each lies in."""
    lat = np.array([r.lat for r in records])
    lon = np.array([r.lon for r in records])
    district = geography.codes[locate(lat, lon, geography.polygons)]
    return pl.DataFrame(
        {
            "id": [f"{prefix}{i + 1:03d}" for i in range(len(records))],
            "name": [r.name for r in records],
            "partner": [r.partner for r in records],
            "force": [r.force for r in records],
            "kind": [r.kind for r in records],
            "latitude": lat,
            "longitude": lon,
            "district_code": district,
            "start": [r.start.isoformat() for r in records],
            "end": [r.end.isoformat() if r.end else None for r in records],
            "strength": pl.Series([r.strength for r in records], dtype=pl.Int64),
            "source": [r.source for r in records],
        },
        schema_overrides={"end": pl.Utf8},
    )


def write_deployments(path: Path, records: tuple[Presence, ...], geography: Geography) -> Path:
    national = tuple(r for r in records if r.partner == FAMA)
    presence_table(national, geography, "DEP").select(DEPLOYMENT_COLUMNS).write_csv(path)
    return path


def write_partners(path: Path, records: tuple[Presence, ...], geography: Geography) -> Path:
    foreign = tuple(r for r in records if r.partner != FAMA)
    # The world's dates are its own, so they are exact to the day.
    table = presence_table(foreign, geography, "PRT").with_columns(date_precision=pl.lit("day"))
    table.select(PARTNER_COLUMNS).write_csv(path)
    return path


def truth_table(
    sim: Simulation, geography: Geography, exposure: Exposure, burn_in: int
) -> pl.DataFrame:
    """One row per district and week: intensities, counts, log components and exposures."""
    n_weeks, n_districts = sim.counts.shape[:2]
    columns: dict[str, Any] = {
        "district_code": np.tile(geography.codes, n_weeks),
        "week": np.repeat(sim.mondays.astype("datetime64[D]"), n_districts),
    }
    flat = n_weeks * n_districts
    for k, kind in enumerate(EVENT_TYPES):
        columns[f"lambda_{kind}"] = sim.intensity[:, :, k].reshape(flat)
        columns[f"count_{kind}"] = sim.counts[:, :, k].reshape(flat).astype(np.int32)
    for k, kind in enumerate(EVENT_TYPES):
        for c, part in enumerate(COMPONENTS):
            columns[f"log_{part}_{kind}"] = sim.components[:, :, k, c].reshape(flat)
    columns["log_noise"] = sim.noise.reshape(flat)
    for e, name in enumerate(exposure.names):
        columns[f"exposure_{name}"] = exposure.values[burn_in:, :, e].reshape(flat)
    frame = pl.DataFrame(columns).with_columns(pl.col("week").cast(pl.Date))
    return frame.with_columns(cs.float().cast(pl.Float32))


def write_truth(path: Path, frame: pl.DataFrame) -> Path:
    frame.write_parquet(path, compression="zstd", statistics=False)
    return path
