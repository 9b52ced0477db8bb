"""The monthly counts on the real Mali data: events to 2020, ACLED's HDX counts after."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

import features
from forecast.core.store import Store
from forecast.ingest import ingest_counts, ingest_districts, ingest_events
from tests.conftest import shared_data

TODAY = date(2026, 12, 7)


@pytest.mark.realdata
def test_mali_months_come_from_the_events_to_2020_and_the_counts_after(tmp_path: Path) -> None:
    files = [
        shared_data("gadm36_mali_niger", "gadm36_MLI_2.shp"),
        shared_data("acled_hdx_sahel_2020", "acled_mli_1997_2020.csv.gz"),
        shared_data("acled_mali_2017_2020_dyadic", "acled_mali_2017_2020_dyadic.csv.gz"),
        shared_data("acled_hdx_mali_admin2_monthly", "acled_mali_admin2_monthly_1997_2026.csv"),
    ]
    with Store(tmp_path / "store.duckdb") as store:
        ingest_districts(store, files[0])
        for path in files[1:3]:
            ingest_events(store, path)
        ingest_counts(store, files[3], today=TODAY)
        tables = store.load_tables()
    monthly = features.monthly_counts(tables.events, tables.counts, tables.districts)
    by_source = monthly.group_by("source").agg(
        pl.col("month").min().alias("first"), pl.col("month").max().alias("last"), pl.len()
    )
    spans = {row[0]: row[1:] for row in by_source.iter_rows()}
    assert spans == {
        "events": (date(1997, 1, 1), date(2020, 12, 1), 50 * 288),
        "counts": (date(2021, 1, 1), date(2026, 4, 1), 50 * 64),
    }
    # Where both say something they agree within 2%: 2020's events against the HDX counts.
    year = pl.col("month").dt.year() == 2020
    counted = tables.counts.filter(year)["events"].sum()
    from_events = monthly.filter(year)["events"].sum()
    assert abs(from_events - counted) <= 0.02 * counted
    panel = features.build_monthly_panel(tables)
    assert panel.height == 50 * 352 and panel.width == 2 + len(features.monthly_catalogue())
