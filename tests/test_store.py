"""The store: schema creation and versioning, transactional and idempotent upserts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from forecast.core.schema import CANONICAL, COUNTS, EVENTS, SCHEMA_VERSION
from forecast.core.store import SchemaTooNewError, Store


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


def _version_1_store(path: Path) -> None:
    """A store as version 1 of the program wrote it: no counts table, one event stored."""
    con = duckdb.connect(str(path))
    for table in CANONICAL:
        if table is not COUNTS:
            con.execute(table.ddl())
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    con.execute("INSERT INTO schema_version VALUES (1)")
    con.register("_events", _events().head(1).to_arrow())
    con.execute("INSERT INTO events SELECT * FROM _events")
    con.close()


def test_version_1_store_opens_and_gains_the_counts_table(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _version_1_store(path)
    # Read-only (the API, backfills) does not migrate; the tables still load, counts empty.
    with Store(path, read_only=True) as old:
        assert not old.has_table("counts")
        assert old.load_tables().counts.columns == COUNTS.names
    with Store(path) as store:
        assert store.read("counts").columns == COUNTS.names
        assert store.count("events") == 1  # nothing already stored is lost
        versions = store.con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        assert versions == [(1,), (SCHEMA_VERSION,)]
        assert store.load_tables().counts.is_empty()
    with Store(path) as again:  # migrating twice is a no-op
        assert again.con.execute("SELECT count(*) FROM schema_version").fetchone() == (2,)


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
