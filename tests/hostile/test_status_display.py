"""`forecast status` does not print a stored value in full: a 100,000-character district code
(stored before the readers had length limits) is cut short in the listing."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from forecast.core.schema import DISTRICTS
from forecast.core.store import Store
from forecast.status import render_status, store_status


def test_a_huge_stored_code_is_cut_in_the_status(tmp_path: Path) -> None:
    code, name = "C" * 100_000, "N" * 2_000_000
    with Store(tmp_path / "store.duckdb") as store:
        row = pl.DataFrame(
            {
                "code": [code],
                "name": [name],
                "country": ["MLI"],
                "centroid_lat": [14.5],
                "centroid_lon": [-4.5],
                "source": ["old.geojson"],
            }
        )
        store.upsert(DISTRICTS, DISTRICTS.conform(row))
        text = render_status(store_status(store))
    assert "Districts without any event: 1" in text
    assert code not in text and name not in text
    assert max(map(len, text.splitlines())) < 200
