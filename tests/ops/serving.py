"""A small demo home served by a real `forecast serve`, and a client that keeps asking it.

Shared by tests/ops/test_serving_during_job.py and benchmarks/bench_serving.py: both run
the weekly job's commands as processes beside a running server on the same home, the way
cron and the API share a machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.ops.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
FORECAST = [sys.executable, "-c", "from forecast.cli import app; app()"]
# A short job: one risk pair and one count pair, a one-year backtest, one process.
JOB_SETTINGS = {
    "FORECAST_TARGETS": '["any"]',
    "FORECAST_HORIZONS": "[4]",
    "FORECAST_COUNT_TARGETS": '["events"]',
    "FORECAST_BACKTEST_YEARS": "1",
    "FORECAST_GATE_RESAMPLES": "500",
    "FORECAST_TRAIN_JOBS": "1",
    # The client asks far faster than a person; the limit is not what is measured.
    "FORECAST_RATE_LIMIT_PER_MINUTE": str(10**9),
}
START_TIMEOUT = 90.0
# Exit codes of a retrain that did its work: 0 promoted, 10 trained but kept the champions.
RETRAIN_DONE = (0, 10)


def terminate(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM (uvicorn's graceful stop), then SIGKILL if it has not ended in ``timeout`` s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def job_env(home: Path) -> dict[str, str]:
    """This process's environment without any FORECAST_/MLFLOW_ setting, plus the home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORECAST_", "MLFLOW_"))}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env | JOB_SETTINGS | {"FORECAST_HOME": str(home), "PYTHONPATH": str(ROOT)}


def forecast(home: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run one `forecast` command against ``home`` in its own process."""
    return subprocess.run(
        [*FORECAST, *args], env=job_env(home), capture_output=True, text=True, timeout=timeout
    )


def _checked(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = forecast(home, *args)
    if done.returncode != 0:
        raise RuntimeError(f"forecast {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done


def build_home(home: Path) -> Path:
    """The demo world up to two weeks ago, its panel, one training and one scoring: what a
    server can start on. Of the two newest weeks, the older is returned as a file for
    `forecast ingest` and the newer is left in the drop folder for `forecast retrain`, as
    two weekly deliveries would arrive."""
    from forecast.demo.holdback import hold_back

    home.mkdir(parents=True, exist_ok=True)
    _checked(home, "demo", "--hold-back-weeks", "2")
    (dropped,) = (home / "drop" / "acled").glob("*.csv")
    incoming = home / "incoming" / "last-week.csv"
    incoming.parent.mkdir()
    dropped.rename(incoming)
    hold_back(incoming, dropped, weeks=1)
    _checked(home, "features", "build")
    _checked(home, "train")
    _checked(home, "score")
    return incoming


def create_key(home: Path, scope: str = "read") -> str:
    """A key made by `forecast keys create`, as an operator would; its token."""
    done = _checked(home, "keys", "create", f"serving-{scope}", "--scope", scope)
    return done.stdout.strip().splitlines()[-1].strip()


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def serving(home: Path, log: Path, reload_poll: float = 0.2) -> Iterator[Server]:
    """`forecast serve` with one worker on ``home``, ready (its snapshot loaded)."""
    port = free_port()
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    args += ["--reload-poll", str(reload_poll), "--json-logs"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*FORECAST, *args], env=job_env(home), stdout=sink, stderr=subprocess.STDOUT
        )
    server = Server(port, process, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        terminate(process)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"forecast serve exited {server.process.returncode}; {server.log}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"forecast serve not ready after {START_TIMEOUT:.0f} s; {server.log}")


@dataclass(frozen=True)
class Answer:
    """What one answer showed: status, the issue week, and per (week, horizon, target) how
    many rows it carried and how many of them had intensity (expected events)."""

    path: str
    status: int
    seconds: float
    week: str | None = None
    rows: dict[tuple[str, int, str], int] = field(default_factory=dict)
    with_intensity: dict[tuple[str, int, str], int] = field(default_factory=dict)
    total: int | None = None
    versions: frozenset[str] = frozenset()
    error: str | None = None


def read_answer(path: str, response: httpx.Response, seconds: float) -> Answer:
    if response.status_code // 100 != 2:
        return Answer(path, response.status_code, seconds, error=response.text[:300])
    body: dict[str, Any] = response.json()
    week = body.get("issue_week")
    items = body.get("items", body.get("forecasts", []))
    rows: Counter[tuple[str, int, str]] = Counter()
    intense: Counter[tuple[str, int, str]] = Counter()
    for item in items:
        key = (item.get("issue_week", week), item["horizon"], item["target"])
        rows[key] += 1
        intense[key] += item.get("expected_events") is not None
    return Answer(
        path,
        response.status_code,
        seconds,
        week=week,
        rows=dict(rows),
        with_intensity=dict(intense),
        total=body.get("total"),
        versions=frozenset(item["model_version"] for item in items),
    )


class Client(threading.Thread):
    """Asks ``paths`` in turn, as fast as the server answers, until :meth:`stop`; keeps
    every answer. A connection error is kept as status 0, never raised."""

    def __init__(self, url: str, token: str, paths: list[str], keep: bool = True) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.token = token
        self.paths = paths
        self.keep = keep
        self.answers: list[Answer] = []
        self._halt = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers={"X-API-Key": self.token}) as http:
            turn = 0
            while not self._halt.is_set():
                path = self.paths[turn % len(self.paths)]
                turn += 1
                began = time.perf_counter()
                try:
                    response = http.get(path, timeout=30)
                except httpx.HTTPError as error:
                    seconds = time.perf_counter() - began
                    self.answers.append(Answer(path, 0, seconds, error=repr(error)))
                    continue
                seconds = time.perf_counter() - began
                if self.keep:
                    self.answers.append(read_answer(path, response, seconds))
                else:
                    self.answers.append(Answer(path, response.status_code, seconds))

    def stop(self) -> list[Answer]:
        self._halt.set()
        self.join(timeout=60)
        return self.answers


class Reloader(threading.Thread):
    """POST /v1/admin/reload every ``pause`` seconds until :meth:`stop`, as several replicas
    polling one store would: each reload opens the store read-only for a moment, so the
    job's commands meet the server's read lock. Keeps (status, problem type, Retry-After)."""

    def __init__(self, url: str, token: str, pause: float) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.token = token
        self.pause = pause
        self.answers: list[tuple[int, str | None, str | None]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers={"X-API-Key": self.token}) as http:
            while not self._halt.wait(self.pause):
                try:
                    response = http.post("/v1/admin/reload", timeout=30)
                except httpx.HTTPError as error:
                    self.answers.append((0, repr(error), None))
                    continue
                kind = None
                if response.status_code != 200:
                    kind = str(response.json().get("type", response.text[:200]))
                self.answers.append(
                    (response.status_code, kind, response.headers.get("retry-after"))
                )

    def stop(self) -> list[tuple[int, str | None, str | None]]:
        self._halt.set()
        self.join(timeout=60)
        return self.answers
