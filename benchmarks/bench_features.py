"""Feature panel build: 5,000 districts x 780 weeks with 2,000,000 events.

Targets (issue 3), on 2 cores: full build < 60 s and < 4 GiB peak memory; one incremental
week (``extend_panel``) < 5 s.
Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_features.py [--districts N
--weeks N --events N]``. The world is synthetic (a jittered-grid Voronoi over the Sahel's
bounding box, events clustered around hot districts, bases and partner sites with random
periods); it is written to Parquet and the build runs in a child process, so the peak
memory reported is the build's own (it includes holding the input tables).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from child import run_child

from forecast.core import vocab
from forecast.core.schema import DEPLOYMENTS, DISTRICTS, EVENTS, PARTNER_PRESENCE

BBOX = (-12.0, 8.0, 16.0, 24.0)
COUNTRIES = ("MLI", "BFA", "NER", "CAF")
FIRST_MONDAY = date(2010, 1, 4)
ACTORS1 = (
    "JNIM: Group for Support of Islam and Muslims",
    "Islamic State (Sahel)",
    "Military Forces of Mali (2021-)",
    "Wagner Group",
    "Dozo Communal Militia",
    "Unidentified Armed Group (Mali)",
    "Military Forces of France (2017-2022)",
    "Rioters (Mali)",
)
ACTORS2 = ("Civilians (Mali)", "Civilians (China)", "Military Forces of Mali (2021-)", None, None)
NOTES = (
    "Armed men attacked a village; casualties reported.",
    "Gunmen abducted two Chinese nationals working at a mine.",
    "Clashes between the army and militants near the town.",
    "An IED struck a convoy on the road.",
    None,
)


def make_districts(n: int, rng: np.random.Generator) -> pl.DataFrame:
    side_x = int(np.ceil(np.sqrt(n * (BBOX[2] - BBOX[0]) / (BBOX[3] - BBOX[1]))))
    side_y = int(np.ceil(n / side_x))
    xs, ys = np.meshgrid(
        np.linspace(BBOX[0], BBOX[2], side_x), np.linspace(BBOX[1], BBOX[3], side_y)
    )
    pts = np.column_stack([xs.ravel(), ys.ravel()])[:n]
    pts += rng.normal(0, 0.03, pts.shape)
    box = shapely.box(*BBOX)
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box, ordered=True)
    polys = shapely.intersection(shapely.get_parts(cells), box)
    inner = shapely.point_on_surface(polys)
    lat, lon = shapely.get_y(inner), shapely.get_x(inner)
    area = shapely.area(polys) * 111.32**2 * np.cos(np.radians(lat))
    country_cut = np.quantile(lon, [0.25, 0.5, 0.75])
    country = np.array(COUNTRIES)[np.searchsorted(country_cut, lon)]
    frame = pl.DataFrame(
        {
            "code": [f"D{i:05d}" for i in range(len(polys))],
            "name": [f"District {i}" for i in range(len(polys))],
            "country": country,
            "geometry": shapely.to_wkb(polys),
            "centroid_lat": lat,
            "centroid_lon": lon,
            "area_km2": area,
            "population": rng.lognormal(11, 1, len(polys)),
        }
    )
    return DISTRICTS.conform(frame)


def make_events(
    districts: pl.DataFrame, n: int, weeks: int, rng: np.random.Generator
) -> pl.DataFrame:
    d = districts.height
    intensity = rng.gamma(0.3, 1.0, d)
    which = rng.choice(d, size=n, p=intensity / intensity.sum())
    lat = districts["centroid_lat"].to_numpy()[which] + rng.normal(0, 0.08, n)
    lon = districts["centroid_lon"].to_numpy()[which] + rng.normal(0, 0.08, n)
    day = rng.integers(0, weeks * 7, n)
    unplaced = rng.random(n) < 0.03
    codes = districts["code"].gather(which).scatter(np.flatnonzero(unplaced), None)
    types = np.array(vocab.EVENT_TYPES)[
        rng.choice(7, size=n, p=[0.3, 0.15, 0.25, 0.08, 0.05, 0.1, 0.07])
    ]
    fatalities = np.where(rng.random(n) < 0.4, rng.poisson(3, n), 0)
    frame = pl.DataFrame(
        {
            "source": "acled",
            "source_id": np.arange(n).astype(str),
            "event_date": pl.Series(day + (FIRST_MONDAY - date(1970, 1, 1)).days)
            .cast(pl.Int32)
            .cast(pl.Date),
            "latitude": lat,
            "longitude": lon,
            "event_type": types,
            "violent": ~np.isin(types, ["protest", "strategic"]),
            "actor1": np.array(ACTORS1)[rng.integers(0, len(ACTORS1), n)],
            "actor2": pl.Series(ACTORS2, dtype=pl.String).gather(rng.integers(0, len(ACTORS2), n)),
            "notes": pl.Series(NOTES, dtype=pl.String).gather(rng.integers(0, len(NOTES), n)),
            "country": np.array(districts["country"].to_list())[which],
            "fatalities": fatalities,
            "source_version": 1,
            "district_code": codes,
            "placement": np.where(unplaced, "unplaced", "point"),
        }
    )
    return EVENTS.conform(frame)


def make_sites(
    districts: pl.DataFrame, n: int, weeks: int, rng: np.random.Generator, partner: bool
) -> pl.DataFrame:
    which = rng.integers(0, districts.height, n)
    start = rng.integers(-200, weeks * 7, n)
    end = start + rng.integers(30, 2000, n)
    open_ended = rng.random(n) < 0.3
    base = pl.date(FIRST_MONDAY.year, FIRST_MONDAY.month, FIRST_MONDAY.day)
    frame = pl.DataFrame(
        {
            "id": [f"S{i}" for i in range(n)],
            "name": [f"site {i}" for i in range(n)],
            "district_code": np.array(districts["code"].to_list())[which],
            "latitude": np.where(
                rng.random(n) < 0.8, districts["centroid_lat"].to_numpy()[which], np.nan
            ),
            "longitude": districts["centroid_lon"].to_numpy()[which],
            "start": start,
            "end": np.where(open_ended, -(10**6), end),
            "partner": np.array(vocab.PARTNER_KINDS)[rng.integers(0, 5, n)],
        }
    ).with_columns(
        pl.col("latitude").fill_nan(None),
        (base + pl.duration(days=pl.col("start"))).alias("start_date"),
        pl.when(pl.col("end") > -(10**6))
        .then(base + pl.duration(days=pl.col("end")))
        .alias("end_date"),
        pl.lit("FAMa").alias("force"),
    )
    if partner:
        return PARTNER_PRESENCE.conform(frame.rename({"id": "presence_id"}))
    return DEPLOYMENTS.conform(frame.rename({"id": "deployment_id"}))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(folder: Path) -> None:
    """Load the world, build in full, then extend by one week; print JSON figures."""
    import features
    from features.weeks import monday, week_of
    from forecast.core.schema import CanonicalTables

    tables = CanonicalTables(
        districts=pl.read_parquet(folder / "districts.parquet"),
        events=pl.read_parquet(folder / "events.parquet"),
        deployments=pl.read_parquet(folder / "deployments.parquet"),
        partners=pl.read_parquet(folder / "partners.parquet"),
    )
    loaded_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0, c0 = time.perf_counter(), cpu_seconds()
    panel = features.build_panel(tables)
    full_s, full_cpu = time.perf_counter() - t0, cpu_seconds() - c0
    full_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    n_districts = tables.districts.height
    last = week_of(panel["week"][-1])
    previous = panel.slice(0, panel.height - n_districts)  # the panel as built a week ago
    t0, c0 = time.perf_counter(), cpu_seconds()
    extended = features.extend_panel(previous, tables, end=monday(last))
    incremental_s, incremental_cpu = time.perf_counter() - t0, cpu_seconds() - c0
    tail = 5 * n_districts
    same = extended.height == panel.height and extended.slice(extended.height - tail).equals(
        panel.slice(panel.height - tail)
    )
    print(
        json.dumps(
            {
                "rows": panel.height,
                "features": panel.width - 2,
                "weeks": panel["week"].n_unique(),
                "full_s": full_s,
                "full_cpu_s": full_cpu,
                "incremental_s": incremental_s,
                "incremental_cpu_s": incremental_cpu,
                "loaded_rss_kib": loaded_rss,
                "full_peak_rss_kib": full_rss,
                "panel_mib": panel.estimated_size("mb"),
                "incremental_equals_full": same,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=5000)
    parser.add_argument("--weeks", type=int, default=780)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--deployments", type=int, default=2000)
    parser.add_argument("--partners", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        districts = make_districts(args.districts, rng)
        districts.write_parquet(folder / "districts.parquet")
        make_events(districts, args.events, args.weeks, rng).write_parquet(
            folder / "events.parquet"
        )
        make_sites(districts, args.deployments, args.weeks, rng, False).write_parquet(
            folder / "deployments.parquet"
        )
        make_sites(districts, args.partners, args.weeks, rng, True).write_parquet(
            folder / "partners.parquet"
        )
        print(f"world: {args.districts} districts, {args.events:,} events over {args.weeks} weeks")
        print(f"generated in {time.perf_counter() - t0:.1f} s")
        figures = run_child(__file__, folder)
    gib = 1024**2
    print(
        f"panel: {figures['rows']:,} rows ({figures['weeks']} weeks), "
        f"{figures['features']} features, {figures['panel_mib']:.0f} MB"
    )
    print(
        f"full build:       {figures['full_s']:6.1f} s wall, {figures['full_cpu_s']:5.1f} s CPU "
        "(target < 60 s)"
    )
    print(
        f"peak memory:      {figures['full_peak_rss_kib'] / gib:6.2f} GiB (target < 4 GiB; "
        f"{figures['loaded_rss_kib'] / gib:.2f} GiB after loading the tables)"
    )
    print(
        f"incremental week: {figures['incremental_s']:6.1f} s wall, "
        f"{figures['incremental_cpu_s']:5.1f} s CPU (target < 5 s; last 4 weeks refreshed too)"
    )
    print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"incremental == full rebuild on the refreshed weeks: {figures['incremental_equals_full']}"
    )


if __name__ == "__main__":
    main()
