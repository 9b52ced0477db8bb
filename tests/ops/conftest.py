"""Fixtures of the operations tests: one PostgreSQL server per session, a database per test.

Where no server can start the PostgreSQL tests skip, saying why; with
FORECAST_REQUIRE_POSTGRES=1 (CI) they fail instead, so a missing server cannot pass
unnoticed. FORECAST_TEST_POSTGRES_URL (``postgresql+psycopg://user:password@host:port``)
uses a server that is already running instead of starting one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.ops.postgres import PostgresServer, StartError, find_bindir, running_server


def _unavailable(reason: str) -> None:
    if os.environ.get("FORECAST_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (FORECAST_REQUIRE_POSTGRES=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed: pip install -e '.[postgres]'")
    external = os.environ.get("FORECAST_TEST_POSTGRES_URL")
    if external:
        parts = urlsplit(external)
        yield PostgresServer(
            parts.hostname or "127.0.0.1",
            parts.port or 5432,
            parts.username or "postgres",
            parts.password or "",
        )
        return
    bindir = find_bindir()
    if bindir is None:
        _unavailable(
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin); "
            "Debian: apt-get install postgresql"
        )
    try:
        with running_server(bindir) as server:
            yield server
    except StartError as error:
        _unavailable(f"PostgreSQL did not start: {error}")


@pytest.fixture
def pg_url(postgres: PostgresServer) -> str:
    """The SQLAlchemy URL of a new, empty database."""
    return postgres.create_database()
