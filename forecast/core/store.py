"""The DuckDB store: canonical tables, migrations, transactional upserts, derived tables.

One file (``<home>/forecast.duckdb``) holds everything. Canonical tables are created from
``forecast.core.schema``; derived tables (the feature panel, forecasts) are written whole by the
package that owns them with :meth:`Store.replace` or :meth:`Store.append`.

One process writes the file at a time (DuckDB's lock); :mod:`forecast.core.storelock` decides
what a second one does: wait for the lock (the command line), or read a copy
(:func:`reading`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import duckdb
import polars as pl

from forecast.core import storelock
from forecast.core.schema import (
    CANONICAL,
    COUNTS,
    DEPLOYMENTS,
    DISTRICTS,
    EVENTS,
    PARTNER_PRESENCE,
    SCHEMA_VERSION,
    CanonicalTables,
    Table,
)
from forecast.core.storelock import LockWait, StoreBusyError


def _add_counts(con: duckdb.DuckDBPyConnection) -> None:
    """1 -> 2: the ``counts`` table (district x month aggregates); nothing else changed."""
    con.execute(COUNTS.ddl())


# The derived tables that carry a cadence since schema version 3.
CADENCE_TABLES = ("forecasts", "champions")


def add_cadence_column(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """``cadence`` in a forecasts or champions table written before it existed: its rows
    are weekly, the only cadence there was. No-op when the table or the column exists."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchone()
    if exists and exists[0]:
        con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS cadence VARCHAR DEFAULT 'week'")
        con.execute(f"UPDATE {table} SET cadence = 'week' WHERE cadence IS NULL")


def _add_cadence(con: duckdb.DuckDBPyConnection) -> None:
    """2 -> 3: forecasts and champions get ``cadence`` (existing rows are weekly)."""
    for table in CADENCE_TABLES:
        add_cadence_column(con, table)


# Migrations from version N to N+1, applied in order to an older file. Each takes an open
# connection inside the migration transaction. Version 1 is the first released schema.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _add_counts,
    2: _add_cadence,
}


class SchemaTooNewError(RuntimeError):
    """The store was written by a newer version of this program."""


class Store:
    """A connection to the store file; use as a context manager.

    Opening waits for another process's lock as ``wait`` says (default: the process's
    policy, :func:`forecast.core.storelock.waiting_for_lock`), then raises StoreBusyError. A
    writer records itself in ``<store>.lock-info`` until it closes, so others can name it.
    """

    def __init__(
        self, path: Path | str, *, read_only: bool = False, wait: LockWait | None = None
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        # The store this one copies, when it is a snapshot read beside a writer (reading()).
        self.copy_of: Path | None = None
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        policy = wait if wait is not None else storelock.current_wait()
        self.con = storelock.connect(self.path, read_only=read_only, wait=policy)
        self._recorded = False
        try:
            # Bulk upserts write in parallel when DuckDB need not keep the input's row
            # order; nothing here relies on it (readers sort what they need sorted).
            self.con.execute("SET preserve_insertion_order = false")
            if not read_only:
                storelock.record_writer(self.path)
                self._recorded = True
                migrate(self.con)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()
        if self._recorded:
            self._recorded = False
            storelock.forget_writer(self.path)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: everything inside commits together or not at all."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def has_table(self, name: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
        return bool(row and row[0])

    def read(self, name: str, where: str | None = None, params: list | None = None) -> pl.DataFrame:
        """A whole table (or the rows matching ``where``) as a polars frame."""
        sql = f'SELECT * FROM "{name}"' + (f" WHERE {where}" if where else "")
        return pl.from_arrow(self.con.execute(sql, params or []).to_arrow_table())  # type: ignore[return-value]

    def load_tables(self) -> CanonicalTables:
        """The canonical tables, typed as in ``forecast.core.schema``."""
        return CanonicalTables(
            districts=DISTRICTS.conform(self.read("districts")),
            events=EVENTS.conform(self.read("events")),
            deployments=DEPLOYMENTS.conform(self.read("deployments")),
            partners=PARTNER_PRESENCE.conform(self.read("partner_presence")),
            # A read-only store is not migrated: a version-1 file has no counts table yet.
            counts=COUNTS.conform(self.read("counts"))
            if self.has_table("counts")
            else COUNTS.empty(),
        )

    def count(self, name: str) -> int:
        row = self.con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        return int(row[0]) if row else 0

    def upsert(self, table: Table, frame: pl.DataFrame, *, version: str | None = None) -> int:
        """Insert new keys and replace stored rows whose content changed.

        With ``version``, an incoming row replaces a stored one only when its version is at
        least the stored one, so an older export cannot undo a newer revision. Rows identical
        to what is stored (ignoring the ``file`` column) are left alone, which makes
        re-ingesting a file a no-op. Returns how many rows were inserted or replaced. Call
        inside :meth:`transaction`.
        """
        frame = table.conform(frame)
        if frame.select(table.key).is_duplicated().any():
            raise ValueError(f"rows for {table.name} repeat a key {table.key}; readers must dedupe")
        on = " AND ".join(f'i."{k}" = t."{k}"' for k in table.key)
        differs = " OR ".join(
            f'i."{c}" IS DISTINCT FROM t."{c}"' for c in table.names if c != "file"
        )
        newer = f'i."{version}" >= t."{version}"' if version else "TRUE"
        keys = ", ".join(f'"{k}"' for k in table.key)
        self.con.register("_incoming", frame.to_arrow())
        try:
            # Stored rows this frame revises, found before new rows are added.
            self.con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE _changed AS
                SELECT i.* FROM _incoming i JOIN "{table.name}" t ON {on}
                WHERE {newer} AND ({differs})
                """
            )
            revised = self.count("_changed")
            inserted = self.con.execute(
                f'INSERT INTO "{table.name}" SELECT * FROM _incoming ANTI JOIN "{table.name}" '
                f"USING ({keys})"
            ).fetchone()
            if revised:
                matches = " AND ".join(f't."{k}" = c."{k}"' for k in table.key)
                self.con.execute(f'DELETE FROM "{table.name}" t USING _changed c WHERE {matches}')
                self.con.execute(f'INSERT INTO "{table.name}" SELECT * FROM _changed')
            self.con.execute("DROP TABLE _changed")
        finally:
            self.con.unregister("_incoming")
        return revised + (int(inserted[0]) if inserted else 0)

    def replace(self, name: str, frame: pl.DataFrame) -> None:
        """Write a derived table whole (e.g. the feature panel)."""
        self.con.register("_frame", frame.to_arrow())
        try:
            self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _frame')
        finally:
            self.con.unregister("_frame")

    def append(self, name: str, frame: pl.DataFrame) -> None:
        """Append rows to a derived table, creating it from the frame when missing."""
        if not self.has_table(name):
            self.replace(name, frame)
            return
        self.con.register("_frame", frame.to_arrow())
        try:
            self.con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM _frame')
        finally:
            self.con.unregister("_frame")


@contextmanager
def reading(path: Path | str) -> Iterator[Store]:
    """The store opened read-only; while another process writes it, a private copy as of
    the writer's last checkpoint instead, so a read-only command never fails or waits
    because a writer is running. The process's lock policy is told which it got (its
    ``announce``: the command line's standard error).

    Only when no consistent copy can be taken (a writer checkpointing without pause, or a
    store being created) does it wait for the lock like any other opener.
    """
    path = Path(path)
    policy = storelock.current_wait()
    busy: StoreBusyError | None = None
    try:
        store = Store(path, read_only=True, wait=storelock.NO_WAIT)
    except StoreBusyError as error:
        busy = error
    if busy is None:
        with store:
            yield store
        return
    with storelock.consistent_copy(path) as copy:
        snapshot = _open_copy(copy) if copy is not None else None
        if snapshot is None:
            store = Store(path, read_only=True, wait=policy)
        else:
            stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            policy.say(
                f"{busy.holder} is writing the store {path}; reading a copy as of its last "
                f"checkpoint (file written {stamp:%Y-%m-%d %H:%M:%S} UTC)"
            )
            snapshot.copy_of = path
            store = snapshot
        with store:
            yield store


def _open_copy(copy: Path) -> Store | None:
    try:
        return Store(copy, read_only=True, wait=storelock.NO_WAIT)
    except duckdb.Error:
        return None  # caught mid-creation: not a database file yet


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create a new store at the current version, or bring an older one up to it."""
    con.execute("BEGIN TRANSACTION")
    try:
        current = schema_version(con)
        if current > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"store schema version {current} is newer than this program's {SCHEMA_VERSION}"
            )
        if current == 0:
            for table in CANONICAL:
                con.execute(table.ddl())
        else:
            for version in range(current, SCHEMA_VERSION):
                MIGRATIONS[version](con)
        if current != SCHEMA_VERSION:
            con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION])
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
