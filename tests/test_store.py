"""The store: schema creation and versioning, transactional and idempotent upserts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from forecast.schema import CANONICAL, EVENTS, SCHEMA_VERSION
from forecast.store import SchemaTooNewError, Store


def _events(**overrides: list) -> pl.DataFrame:
    base: dict[str, list] = {
        "source": ["acled", "acled"],
        "source_id": ["MLI1", "MLI2"],
        "event_date": [date(2020, 1, 6), date(2020, 1, 7)],
        "event_type": ["battle", "abduction"],
        "violent": [True, True],
        "fatalities": [3, 0],
        "source_version": [100, 100],
        "placement": ["unplaced", "unplaced"],
        "file": ["a.csv", "a.csv"],
    }
    base.update(overrides)
    return EVENTS.conform(pl.DataFrame(base))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "store.duckdb") as opened:
        yield opened


def test_new_store_has_every_canonical_table_at_current_version(store: Store) -> None:
    for table in CANONICAL:
        assert store.has_table(table.name)
        assert store.read(table.name).columns == table.names
    assert store.con.execute("SELECT max(version) FROM schema_version").fetchone() == (
        SCHEMA_VERSION,
    )


def test_store_written_by_newer_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(SchemaTooNewError, match="newer"):
        Store(path)


def test_upsert_inserts_then_same_rows_change_nothing(store: Store) -> None:
    with store.transaction():
        assert store.upsert(EVENTS, _events(), version="source_version") == 2
    with store.transaction():
        assert store.upsert(EVENTS, _events(), version="source_version") == 0
    # The same content read from a renamed file is still the same content.
    with store.transaction():
        renamed = _events(file=["b.csv", "b.csv"])
        assert store.upsert(EVENTS, renamed, version="source_version") == 0
    assert store.count("events") == 2


def test_newer_version_replaces_and_older_version_is_ignored(store: Store) -> None:
    with store.transaction():
        store.upsert(EVENTS, _events(), version="source_version")
    revised = _events(fatalities=[5, 0], source_version=[200, 100])
    with store.transaction():
        assert store.upsert(EVENTS, revised, version="source_version") == 1
    stale = _events(fatalities=[1, 1], source_version=[150, 50])
    with store.transaction():
        assert store.upsert(EVENTS, stale, version="source_version") == 0
    stored = store.read("events").sort("source_id")
    assert stored["fatalities"].to_list() == [5, 0]
    assert stored["source_version"].to_list() == [200, 100]


def test_failed_transaction_keeps_what_was_stored(store: Store) -> None:
    with store.transaction():
        store.upsert(EVENTS, _events(), version="source_version")
    with pytest.raises(RuntimeError), store.transaction():
        store.upsert(EVENTS, _events(fatalities=[9, 9], source_version=[300, 300]))
        raise RuntimeError("reader failed half-way")
    assert store.read("events").sort("source_id")["fatalities"].to_list() == [3, 0]


def test_replace_and_append_derived_tables(store: Store) -> None:
    first = pl.DataFrame({"district_code": ["A"], "week": [date(2020, 1, 6)], "x": [1.0]})
    store.replace("panel", first)
    store.append("panel", first.with_columns(pl.lit(date(2020, 1, 13)).alias("week")))
    assert store.read("panel")["week"].to_list() == [date(2020, 1, 6), date(2020, 1, 13)]
    store.replace("panel", first)
    assert store.count("panel") == 1
