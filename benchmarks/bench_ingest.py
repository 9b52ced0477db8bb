"""Ingest throughput: 1,000,000 ACLED-format rows against 5,000 districts.

Target (issue 2): >= 200,000 rows/s including district assignment, on 2 cores.
Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_ingest.py [--rows N --districts N]``.
The world is synthetic (a jittered-grid Voronoi over the Sahel's bounding box) and written in
the real formats; the ingest runs in a child process so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import shapely
from child import run_child

from forecast.sources.acled import EXPORT_COLUMNS

ACLED_COLUMNS = list(EXPORT_COLUMNS)
TYPES = [
    ("Battles", "Armed clash"),
    ("Violence against civilians", "Attack"),
    ("Violence against civilians", "Abduction/forced disappearance"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Protests", "Peaceful protest"),
    ("Riots", "Violent demonstration"),
    ("Strategic developments", "Looting/property destruction"),
]
BBOX = (-12.0, 8.0, 16.0, 24.0)


def write_districts(path: Path, n: int, rng: np.random.Generator) -> list[str]:
    side = int(np.ceil(np.sqrt(n)))
    xs, ys = np.meshgrid(np.linspace(BBOX[0], BBOX[2], side), np.linspace(BBOX[1], BBOX[3], side))
    pts = np.column_stack([xs.ravel(), ys.ravel()])[:n]
    pts += rng.normal(0, 0.05, pts.shape)
    box = shapely.box(*BBOX)
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box)
    polys = shapely.intersection(shapely.get_parts(cells), box)
    names = [f"District {i:05d}" for i in range(len(polys))]
    features = [
        {
            "type": "Feature",
            "properties": {
                "admin2Pcode": f"XX{i:05d}",
                "admin2Name_en": names[i],
                "admin1Name_en": f"Region {i // 100:03d}",
                "admin0Pcode": "ML",
            },
            "geometry": json.loads(shapely.to_geojson(poly)),
        }
        for i, poly in enumerate(polys)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return names


def write_events(path: Path, rows: int, names: list[str], rng: np.random.Generator) -> None:
    kinds = rng.integers(0, len(TYPES), rows)
    days = rng.integers(0, 15 * 365, rows)
    start = date(2010, 1, 4)
    frame = pl.DataFrame(
        {
            "data_id": np.arange(rows) + 1_000_000,
            "iso": 466,
            "event_id_cnty": [f"MLI{i}" for i in range(rows)],
            "event_id_no_cnty": np.arange(rows),
            "event_date": pl.Series([start + timedelta(days=int(d)) for d in days]).dt.strftime(
                "%Y-%m-%d"
            ),
            "year": 2010 + days // 365,
            "time_precision": 1,
            "event_type": [TYPES[k][0] for k in kinds],
            "sub_event_type": [TYPES[k][1] for k in kinds],
            "actor1": "JNIM: Group for Support of Islam and Muslims",
            "assoc_actor_1": "",
            "inter1": 2,
            "actor2": "Military Forces of Mali (2021-)",
            "assoc_actor_2": "",
            "inter2": 1,
            "interaction": 12,
            "region": "Western Africa",
            "country": "Mali",
            "admin1": "Region",
            "admin2": [names[i] for i in rng.integers(0, len(names), rows)],
            "admin3": "",
            "location": "Somewhere",
            "latitude": np.round(rng.uniform(BBOX[1], BBOX[3], rows), 4),
            "longitude": np.round(rng.uniform(BBOX[0], BBOX[2], rows), 4),
            "geo_precision": rng.choice([1, 1, 1, 2, 3], rows),
            "source": "Bench",
            "source_scale": "National",
            "notes": "On a day, something happened.",
            "fatalities": rng.poisson(1.0, rows),
            "timestamp": 1_600_000_000,
            "iso3": "MLI",
        }
    ).select(ACLED_COLUMNS)
    frame.write_csv(path)


def measure(folder: Path) -> dict[str, float]:
    """Runs in the child process: ingest districts then events into a fresh store."""
    from forecast.core.store import Store
    from forecast.ingest import EventFormat, ingest_districts, ingest_events

    with Store(folder / "bench.duckdb") as store:
        t0 = time.perf_counter()
        ingest_districts(store, folder / "districts.geojson")
        t1 = time.perf_counter()
        report = ingest_events(store, folder / "events.csv", EventFormat.acled)
        t2 = time.perf_counter()
    return {
        "districts_s": t1 - t0,
        "events_s": t2 - t1,
        "rows": report.rows_read,
        "placed_share": report.placed_share or 0.0,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--districts", type=int, default=5_000)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = write_districts(folder / "districts.geojson", args.districts, rng)
        write_events(folder / "events.csv", args.rows, names, rng)
        size_mib = (folder / "events.csv").stat().st_size / 2**20
        figures = run_child(__file__, folder)
    rate = figures["rows"] / figures["events_s"]
    print(
        f"ingest benchmark: {args.rows:,} ACLED rows ({size_mib:.0f} MiB CSV), "
        f"{args.districts:,} districts"
    )
    print(f"  districts ingest        {figures['districts_s']:8.2f} s")
    print(
        f"  events ingest           {figures['events_s']:8.2f} s  -> {rate:,.0f} rows/s"
        " (target >= 200,000)"
    )
    print(f"  placed in a district    {figures['placed_share']:8.1%}")
    print(f"  peak memory (ingest)    {figures['peak_rss_mib']:8.0f} MiB")


if __name__ == "__main__":
    main()
