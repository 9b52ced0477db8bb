"""Holds the store's write lock from another process, as a running ingest or retrain would.

``python -m tests.store_holder PATH store|duckdb [SECONDS]``: ``store`` opens it through
``forecast.core.store.Store`` (which records itself in the lock-info file), ``duckdb`` with a bare
DuckDB connection (records nothing, like a program outside this project). Prints ``ready``
once the lock is held, then holds it for SECONDS or until its standard input closes.
"""

from __future__ import annotations

import sys
import threading

import duckdb

from forecast.core.store import Store


def main(argv: list[str]) -> None:
    path, how = argv[0], argv[1]
    seconds = float(argv[2]) if len(argv) > 2 else None
    held: Store | duckdb.DuckDBPyConnection
    if how == "store":
        held = Store(path)
        held.con.execute("CREATE TABLE IF NOT EXISTS holder_scratch (x INTEGER)")
        held.con.execute("INSERT INTO holder_scratch VALUES (1)")  # a write in the WAL
    else:
        held = duckdb.connect(path)
    print("ready", flush=True)
    # Whichever comes first: the time is up, or the test closed our standard input.
    closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), closed.set()), daemon=True).start()
    closed.wait(seconds)
    held.close()


if __name__ == "__main__":
    main(sys.argv[1:])
