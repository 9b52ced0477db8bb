"""The full demo world, built once per test session (about a second)."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import shapely

from forecast.demo import DemoFiles, DemoParams, build_demo

# A short world for tests that build several times.
SMALL = DemoParams(start=date(2021, 1, 4), end=date(2021, 12, 27), burn_in_weeks=4)


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def events(demo_files: DemoFiles) -> pl.DataFrame:
    text = {c: pl.Utf8 for c in ("actor2", "assoc_actor_1", "assoc_actor_2", "admin3")}
    return pl.read_csv(demo_files.events, try_parse_dates=True, schema_overrides=text)


@pytest.fixture(scope="session")
def polygons(demo_files: DemoFiles) -> dict[str, shapely.Geometry]:
    """District polygons keyed by ASCII name (ACLED's admin2 spelling)."""
    features = json.loads(Path(demo_files.districts).read_text(encoding="utf-8"))["features"]
    return {
        ascii(f["properties"]["admin2Name_en"]): shapely.geometry.shape(f["geometry"])
        for f in features
    }


def ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def political_violence(events: pl.DataFrame) -> pl.DataFrame:
    return events.filter(
        pl.col("event_type").is_in(
            ["Battles", "Explosions/Remote violence", "Violence against civilians"]
        )
    )


def count_between(frame: pl.DataFrame, first: date, last: date) -> int:
    """Rows with first <= event_date <= last."""
    return frame.filter(pl.col("event_date").is_between(first, last)).height
