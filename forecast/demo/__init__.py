"""The embedded demo world: a synthetic, deterministic Mali to run the service without data.

``build_demo(folder, params)`` writes districts.geojson, acled_events.csv, deployments.csv,
partners.csv and truth.parquet; docs/DEMO.md tells its story and lists its parameters.
"""

from forecast.demo.build import DemoFiles, DemoWorld, build_demo, build_world
from forecast.demo.params import DemoParams, ForceEffect, Front, PerType, Withdrawal

__all__ = [
    "DemoFiles",
    "DemoParams",
    "DemoWorld",
    "ForceEffect",
    "Front",
    "PerType",
    "Withdrawal",
    "build_demo",
    "build_world",
]
