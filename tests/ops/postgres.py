"""A throwaway PostgreSQL server for the integration tests: Debian's binaries, initdb in a
temporary folder, a free port on 127.0.0.1, trust authentication, no durability.

initdb and postgres refuse to run as root, so as root the server runs as the ``postgres``
user (or ``nobody``) through ``runuser``, in a folder that user owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEBIAN_BINARIES = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
# Durability off: a test server that loses everything on a crash is fine, and much faster.
FAST = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")


def _major(folder: Path) -> int:
    match = re.match(r"(\d+)", folder.parent.name)
    return int(match.group(1)) if match else 0


def find_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: $FORECAST_TEST_PG_BIN, then the one
    on PATH, then Debian's newest /usr/lib/postgresql/<major>/bin."""
    candidates: list[Path] = []
    if os.environ.get("FORECAST_TEST_PG_BIN"):
        candidates.append(Path(os.environ["FORECAST_TEST_PG_BIN"]))
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    candidates += sorted(DEBIAN_BINARIES.glob("*/bin"), key=_major, reverse=True)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_user() -> str | None:
    """Who runs the server: None for the current user, else an unprivileged account."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and neither 'postgres' nor 'nobody' exists")


class StartError(RuntimeError):
    """The server could not be set up or started; the message carries its log."""


@dataclass
class PostgresServer:
    """A running server; :meth:`create_database` gives each test a database of its own."""

    host: str
    port: int
    user: str = SUPERUSER
    password: str = ""

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        auth = f"{self.user}:{self.password}" if self.password else self.user
        return f"{driver}://{auth}@{self.host}:{self.port}/{database}"

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        conninfo = self.url("postgres", driver="postgresql")
        with psycopg.connect(conninfo, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _run(command: list[str], user: str | None, log: Path) -> None:
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    with log.open("ab") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, timeout=60)
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise StartError(f"{' '.join(command)} exited {result.returncode}:\n{tail}")


@contextlib.contextmanager
def running_server(bindir: Path) -> Iterator[PostgresServer]:
    """initdb, start, yield, stop and delete everything."""
    user = _server_user()
    folder = Path(tempfile.mkdtemp(prefix="forecast-pg-"))
    data, log = folder / "data", folder / "server.log"
    log.touch()
    if user is not None:
        entry = pwd.getpwnam(user)
        for path in (folder, log):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    port = free_port()
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-w"]
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust"]
    options = ["-p", str(port), "-k", str(folder), "-c", "listen_addresses=127.0.0.1", *FAST]
    started = False
    try:
        _run([*initdb, "--encoding=UTF8", "--no-locale", "--no-sync"], user, log)
        _run([*pg_ctl, "-l", str(log), "-t", "30", "-o", " ".join(options), "start"], user, log)
        started = True
        yield PostgresServer("127.0.0.1", port)
    finally:
        if started:
            with contextlib.suppress(StartError, subprocess.TimeoutExpired):
                _run([*pg_ctl, "-m", "fast", "stop"], user, log)
        shutil.rmtree(folder, ignore_errors=True)
