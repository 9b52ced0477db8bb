"""Two commands at once, for real: another process holds the store's write lock while the
``forecast`` command line runs beside it (issue 18).

A writer waits for the lock with a message and gives up after
FORECAST_STORE_LOCK_TIMEOUT_SECONDS with one line naming the holder; ``forecast status``
reads a copy as of the writer's last checkpoint and never fails because of it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from forecast.core import storelock as store_module
from forecast.core.store import Store
from forecast.core.storelock import LockWait, StoreBusyError, lock_info_path, waiting_for_lock

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FORECAST = Path(sys.executable).with_name("forecast")
EXIT_BUSY = 75


def run(home: Path, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "FORECAST_HOME": str(home), **env}
    return subprocess.run(
        [str(FORECAST), *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=home.parent,  # no .env of the repository
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("lock-template") / "home"
    for kind, name in (
        ("districts", "districts_geoboundaries.geojson"),
        ("events", "acled_hdx_31col.csv"),
    ):
        done = run(home, "ingest", kind, str(FIXTURES / name))
        assert done.returncode == 0, done.stderr
    return home / "forecast.duckdb"


@pytest.fixture
def home(tmp_path: Path, template: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "forecast.duckdb").write_bytes(template.read_bytes())
    return home


class Holder:
    """Another process with the store open for writing."""

    def __init__(self, path: Path, how: str, seconds: float | None = None) -> None:
        args = [sys.executable, "-m", "tests.store_holder", str(path), how]
        if seconds is not None:
            args.append(str(seconds))
        self.process = subprocess.Popen(
            args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"
        self.pid = self.process.pid

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
        self.process.wait(30)


@pytest.fixture
def holder(home: Path) -> Iterator[Holder]:
    held = Holder(home / "forecast.duckdb", "store")
    yield held
    held.release()


def test_status_beside_a_writer_reads_a_copy_and_names_the_writer(home, holder):
    began = time.monotonic()
    done = run(home, "status", FORECAST_STORE_LOCK_TIMEOUT_SECONDS="30")
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - began < 20  # it did not wait for the writer
    assert "Traceback" not in done.stderr
    assert "Events (acled): 7 from 2020-07-25 to 2020-07-31" in done.stdout
    assert "Districts: 4 in MLI" in done.stdout
    # Where the answer comes from, and who is writing.
    assert "store_holder.py" in done.stderr and f"pid {holder.pid}" in done.stderr
    assert "last checkpoint" in done.stderr


def test_a_writer_gives_up_with_one_line_naming_the_other_command(home, holder):
    done = run(
        home,
        "ingest",
        "events",
        str(FIXTURES / "acled_hdx_31col.csv"),
        FORECAST_STORE_LOCK_TIMEOUT_SECONDS="1.5",
    )
    assert done.returncode == EXIT_BUSY, done.stderr
    assert "Traceback" not in done.stderr and "IOException" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("Waiting for the store")
    assert "store_holder.py" in lines[0] and f"pid {holder.pid}" in lines[0]
    error = lines[-1]
    assert len(lines) == 2, lines
    assert error.startswith("Error: the store ") and "is busy" in error
    assert "store_holder.py" in error and f"pid {holder.pid}" in error
    assert "FORECAST_STORE_LOCK_TIMEOUT_SECONDS" in error


def test_a_writer_waits_for_the_lock_then_runs(home):
    held = Holder(home / "forecast.duckdb", "store", seconds=2.0)
    try:
        done = run(
            home,
            "ingest",
            "districts",
            str(FIXTURES / "districts_geoboundaries.geojson"),
            "--force",
            FORECAST_STORE_LOCK_TIMEOUT_SECONDS="60",
        )
    finally:
        held.release()
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("Waiting for the store")
    assert "4 districts read" in done.stdout
    assert not lock_info_path(home / "forecast.duckdb").exists()


def test_a_holder_that_records_nothing_is_named_from_its_process(home):
    # A bare DuckDB connection (another program) writes no lock info; a stale info file of
    # a process that has died must not be taken for it.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = home / "forecast.duckdb"
    lock_info_path(path).write_text(
        json.dumps({"pid": dead.pid, "host": os.uname().nodename, "command": "forecast ghost"})
    )
    held = Holder(path, "duckdb")
    try:
        done = run(
            home,
            "ingest",
            "events",
            str(FIXTURES / "acled_hdx_31col.csv"),
            FORECAST_STORE_LOCK_TIMEOUT_SECONDS="0.5",
        )
        status = run(home, "status")
    finally:
        held.release()
    assert done.returncode == EXIT_BUSY, done.stderr
    assert "ghost" not in done.stderr
    assert f"pid {held.pid}" in done.stderr.splitlines()[-1]
    assert "store_holder" in done.stderr.splitlines()[-1]
    assert status.returncode == 0, status.stderr
    assert "Districts: 4 in MLI" in status.stdout


def test_two_readers_at_once_beside_a_writer(home, holder):
    # Each reads its own copy; the bulletin, backtest and tune read through the same path
    # (forecast.core.store.reading).
    first = subprocess.Popen(
        [str(FORECAST), "status"],
        env={**os.environ, "FORECAST_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=home.parent,
    )
    second = run(home, "status")
    out, _ = first.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert "Districts: 4 in MLI" in out and "Districts: 4 in MLI" in second.stdout


# --- in-process: the lock-info file and the wait ------------------------------------------


def test_a_writer_records_itself_while_open_and_removes_the_record_on_close(tmp_path):
    path = tmp_path / "forecast.duckdb"
    with Store(path):
        info = json.loads(lock_info_path(path).read_text())
        assert info["pid"] == os.getpid()
        assert info["command"]
        assert info["since"]
    assert not lock_info_path(path).exists()
    with Store(path, read_only=True):
        assert not lock_info_path(path).exists()  # readers record nothing


def test_a_busy_store_without_waiting_fails_at_once_naming_the_holder(home, holder):
    began = time.monotonic()
    with pytest.raises(StoreBusyError) as raised:
        Store(home / "forecast.duckdb", read_only=True)
    assert time.monotonic() - began < 1.0
    assert "store_holder.py" in str(raised.value) and f"pid {holder.pid}" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_waiting_announces_once_and_gives_up_after_the_timeout(home, holder):
    said: list[str] = []
    began = time.monotonic()
    with (
        waiting_for_lock(LockWait(timeout=1.0, announce=said.append)),
        pytest.raises(StoreBusyError) as raised,
    ):
        Store(home / "forecast.duckdb")
    took = time.monotonic() - began
    assert 1.0 <= took < 3.0
    assert len(said) == 1 and "store_holder.py" in said[0]
    assert "gave up after 1 s" in str(raised.value)
    assert store_module.current_wait().timeout == 0  # restored
