"""Build the demo world: simulate, then write its files into a folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from forecast.demo import writers
from forecast.demo.export import acled_table
from forecast.demo.exposure import exposures
from forecast.demo.forces import DEPLOYMENTS, PARTNERS
from forecast.demo.gazetteer import FOREIGN_SITE_KINDS
from forecast.demo.geography import Geography, build_geography
from forecast.demo.incidents import base_changes, incidents
from forecast.demo.params import DemoParams
from forecast.demo.process import simulate, window_mondays
from forecast.demo.villages import make_villages

# Independent random streams, so that changing one part leaves the others' draws alone.
_PROCESS, _VILLAGES, _INCIDENTS, _EXPORT = range(4)


@dataclass(frozen=True)
class DemoFiles:
    """Paths of the files one build wrote."""

    folder: Path
    districts: Path  # districts.geojson
    events: Path  # acled_events.csv
    deployments: Path  # deployments.csv
    partners: Path  # partners.csv
    truth: Path  # truth.parquet


@dataclass(frozen=True)
class DemoWorld:
    """The built world in memory (what the files hold)."""

    geography: Geography
    events: pl.DataFrame  # ACLED layout
    truth: pl.DataFrame


def build_world(params: DemoParams) -> DemoWorld:
    """Simulate the whole world in memory."""
    geography = build_geography()
    records = PARTNERS + DEPLOYMENTS
    sites = _site_districts(geography)
    exposure = exposures(records, geography, params, window_mondays(params), sites)
    sim = simulate(geography, params, exposure, _stream(params, _PROCESS))
    villages = make_villages(geography, _stream(params, _VILLAGES))
    rows = incidents(sim, geography, villages, exposure, params, _stream(params, _INCIDENTS))
    scripted = base_changes(PARTNERS, geography, params)
    if scripted.height:
        rows = pl.concat([rows, scripted.select(rows.columns).cast(rows.schema)])
    events = acled_table(rows, _stream(params, _EXPORT))
    truth = writers.truth_table(sim, geography, exposure, params.burn_in_weeks)
    return DemoWorld(geography, events, truth)


def build_demo(folder: Path, params: DemoParams | None = None) -> DemoFiles:
    """Write the demo world's five files into ``folder`` (created if needed)."""
    params = params or DemoParams()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    world = build_world(params)
    records = PARTNERS + DEPLOYMENTS
    return DemoFiles(
        folder=folder,
        districts=writers.write_districts(folder / "districts.geojson", world.geography),
        events=writers.write_events(folder / "acled_events.csv", world.events),
        deployments=writers.write_deployments(folder / "deployments.csv", records, world.geography),
        partners=writers.write_partners(folder / "partners.csv", records, world.geography),
        truth=writers.write_truth(folder / "truth.parquet", world.truth),
    )


def _stream(params: DemoParams, part: int) -> np.random.Generator:
    return np.random.default_rng([params.seed, part])


def _site_districts(geography: Geography) -> np.ndarray:
    """1.0 for districts holding a mine or plant that employs foreigners."""
    sites = np.isin(geography.place_kinds, list(FOREIGN_SITE_KINDS))
    return np.isin(np.arange(geography.size), geography.place_district[sites]).astype(float)
