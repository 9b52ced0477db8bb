"""The real data sets in ../shared/data load cleanly through the production path.

Skipped with the missing path named when ../shared/data is absent (licences forbid copying
ACLED and GADM files into the repo).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from forecast.core.store import Store
from forecast.ingest import ingest_districts, ingest_events, ingest_partners
from tests.conftest import shared_data

pytestmark = pytest.mark.realdata


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "store.duckdb") as opened:
        yield opened


def test_acled_mali_exports_land_in_gadm_cercles(store: Store) -> None:
    cercles = shared_data("gadm36_mali_niger", "gadm36_MLI_2.shp")
    hdx = shared_data("acled_hdx_sahel_2020", "acled_mli_1997_2020.csv.gz")
    dyadic = shared_data("acled_mali_2017_2020_dyadic", "acled_mali_2017_2020_dyadic.csv.gz")
    assert ingest_districts(store, cercles).rows_read == 50
    first = ingest_events(store, hdx)
    assert first.rows_read == 3990
    assert first.placed_share is not None and first.placed_share >= 0.99
    second = ingest_events(store, dyadic)
    assert second.rows_read == 3314  # one event per event_id_cnty, not one per actor row
    assert second.placed_share is not None and second.placed_share >= 0.99
    # The two exports overlap in 2017-2020: an event id present in both is stored once.
    ids = set(pl.read_csv(hdx, columns=["event_id_cnty"])["event_id_cnty"])
    ids |= set(pl.read_csv(dyadic, columns=["event_id_cnty"])["event_id_cnty"])
    assert store.count("events") == len(ids)


def test_ucdp_car_lands_in_ocha_subprefectures(store: Store) -> None:
    subprefectures = shared_data(
        "ocha_car_admin2", "caf_admbnda_adm2_200k_sigcaf_reach_itos_v2.shp"
    )
    ged = shared_data("ucdp_ged_v23_1_car", "ged_v23_1_car.csv.gz")
    assert ingest_districts(store, subprefectures).rows_read == 72
    report = ingest_events(store, ged, "ucdp")
    assert report.rows_read == 1848
    # The unplaced ~6% are UCDP region-level records (where_prec >= 4) with no adm_2: correct.
    assert report.placed_share is not None and report.placed_share >= 0.94
    best = store.con.execute("SELECT sum(fatalities) FROM events").fetchone()[0]
    assert best == 14948


def test_geopko_minusma_becomes_un_presence_in_mali(store: Store) -> None:
    cercles = shared_data("gadm36_mali_niger", "gadm36_MLI_2.shp")
    table = shared_data("geo_pko", "geo_pko_v2_1_location_map.csv.gz")
    ingest_districts(store, cercles)
    ingest_partners(store, table, "geopko")
    rows = store.con.execute(
        "SELECT count(DISTINCT name), min(start_date), count(district_code) = count(*) "
        "FROM partner_presence WHERE force = 'MINUSMA'"
    ).fetchone()
    assert rows[0] == 15
    assert rows[1].year in (2013, 2014)
    assert rows[2], "every MINUSMA location falls in a cercle"


def test_geopko_mission_filter_is_its_own_ingest(store: Store) -> None:
    table = shared_data("geo_pko", "FrontMap_v2_3.csv")
    only_mali = ingest_partners(store, table, "geopko", missions=["MINUSMA"])
    assert only_mali.rows_read > 0
    assert store.con.execute("SELECT DISTINCT force FROM partner_presence").fetchall() == [
        ("MINUSMA",)
    ]
    # The same file without the filter is not "already ingested": it adds the other missions.
    everything = ingest_partners(store, table, "geopko")
    assert not everything.skipped and everything.rows_changed > 0
    assert ingest_partners(store, table, "geopko", missions=["MINUSMA"]).skipped
