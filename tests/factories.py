"""Tiny files in the real formats' exact columns, written by tests into tmp_path."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from forecast.sources.acled import EXPORT_COLUMNS

ACLED_COLUMNS = list(EXPORT_COLUMNS)


def acled_row(event_id: str, event_date: str, lat: float | str, lon: float | str, **kw: Any):
    row: dict[str, Any] = dict.fromkeys(ACLED_COLUMNS, "")
    row.update(
        data_id=abs(hash(event_id)) % 10**7,
        iso=466,
        event_id_cnty=event_id,
        event_id_no_cnty=event_id[3:],
        event_date=event_date,
        year=event_date[:4],
        time_precision=1,
        event_type="Battles",
        sub_event_type="Armed clash",
        actor1="JNIM: Group for Support of Islam and Muslims",
        inter1=2,
        actor2="Military Forces of Mali (2021-)",
        inter2=1,
        interaction=12,
        region="Western Africa",
        country="Mali",
        admin1="Alpha Region",
        admin2="Alpha",
        location="Somewhere",
        latitude=lat,
        longitude=lon,
        geo_precision=1,
        source="Test",
        source_scale="National",
        notes="On a day, something happened.",
        fatalities=1,
        timestamp=1_600_000_000,
        iso3="MLI",
    )
    row.update(kw)
    return row


def write_acled(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ACLED_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def square(x0: float, y0: float, size: float) -> list[list[list[float]]]:
    return [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]


def write_two_districts(path: Path) -> Path:
    """Two 1-degree squares in OCHA COD naming: Alpha (ML0101) west of Beta (ML0102)."""
    features = [
        {
            "type": "Feature",
            "properties": {
                "admin2Pcode": code,
                "admin2Name_en": name,
                "admin1Name_en": "Alpha Region",
                "admin0Pcode": "ML",
            },
            "geometry": {"type": "Polygon", "coordinates": square(x0, 14.0, 1.0)},
        }
        for code, name, x0 in (("ML0101", "Alpha", -5.0), ("ML0102", "Beta", -4.0))
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


DEPLOYMENT_COLUMNS = [
    "id", "name", "force", "kind", "latitude", "longitude", "district_code", "start", "end",
    "strength", "source",
]  # fmt: skip
PARTNER_COLUMNS = [
    "id", "name", "partner", "force", "kind", "latitude", "longitude", "district_code", "start",
    "end", "strength", "source",
]  # fmt: skip


def write_rows(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows([{c: r.get(c, "") for c in columns} for r in rows])
    return path


def counts_row(code: str, name: str, month: str, **kw: object) -> dict[str, object]:
    """One row of ACLED's HDX admin-2 monthly counts (the ``Year``, ``Events`` ... in ``kw``)."""
    row: dict[str, object] = {
        "Country": "Mali",
        "Admin1": "Alpha Region",
        "Admin2": name,
        "ISO3": "MLI",
        "Admin2 Pcode": code,
        "Admin1 Pcode": "ML01",
        "Month": month,
        "Year": 2020,
        "Events": 3,
        "Fatalities": 1,
    }
    row.update(kw)
    return row
