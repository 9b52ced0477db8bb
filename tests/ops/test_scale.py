"""Serving scales out: two API processes on one store and one PostgreSQL service DB give the
same answers, and both pick up a new champion's forecasts by themselves.

Each process runs the code of `forecast serve` (uvicorn with the ``api.main:serve_app``
factory), as two replicas of the Kubernetes Deployment or two compose containers would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from forecast.core import servicedb
from tests.api.world import label, write_store
from tests.ops.postgres import free_port

START_TIMEOUT = 60.0


def _get(port: int, path: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        request.add_header("X-API-Key", token)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def replicas(tmp_path: Path, pg_url: str) -> Iterator[tuple[list[int], Path, str]]:
    """Two API processes sharing FORECAST_HOME and the service DB; their ports, the store
    and a read token."""
    home = tmp_path / "home"
    home.mkdir()
    store = write_store(home / "forecast.duckdb", "v1")
    _, token = servicedb.create_key(servicedb.connect(pg_url), "reader", ["read"])
    env = {
        **os.environ,
        "FORECAST_HOME": str(home),
        "FORECAST_SERVICE_DB_URL": pg_url,
        "FORECAST_RATE_LIMIT_PER_MINUTE": "100000",
    }
    ports = [free_port(), free_port()]
    processes = []
    for port in ports:
        code = (
            "from forecast.commands.serve import serve; "
            f"serve(host='127.0.0.1', port={port}, workers=1, reload_poll=0.2, json_logs=True)"
        )
        log = (tmp_path / f"api-{port}.log").open("wb")
        processes.append(
            subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=log)
        )
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_for(
                lambda p=port, proc=process: proc.poll() is None and _get(p, "/readyz")[0] == 200,
                START_TIMEOUT,
                f"the API on port {port} to be ready (log: {tmp_path}/api-{port}.log)",
            )
        yield ports, store, token
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


PATHS = (
    "/v1/forecasts?horizon=4&target=fatal",
    "/v1/districts/ML0101",
    "/v1/districts/ML0101/history",
    "/v1/map?horizon=1",
)


def test_two_processes_answer_alike_and_both_take_a_new_champion(replicas):
    ports, store, token = replicas
    first, second = ([_get(port, path, token) for path in PATHS] for port in ports)
    assert [status for status, _ in first] == [200] * len(PATHS)
    assert first == second
    assert first[0][1]["model_version"] == "v1-fatal"  # only the model behind the rows

    # A retrain elsewhere writes the next generation; the store file is swapped whole.
    staged = write_store(store.with_name("staged.duckdb"), "v2")
    os.replace(staged, store)
    for port in ports:
        _wait_for(
            lambda p=port: _get(p, "/readyz")[1].get("model_version") == label("v2"),
            15,
            f"the API on port {port} to load the new champion",
        )
    first, second = ([_get(port, path, token) for path in PATHS] for port in ports)
    assert first == second
    assert {status for status, _ in first} == {200}
    body = first[0][1]
    assert body["model_version"] == "v2-fatal"
    assert {item["model_version"] for item in body["items"]} == {"v2-fatal"}


def _healthz_count(text: str) -> float:
    """forecast_api_requests_total for GET /healthz answered 200, in Prometheus text."""
    wanted = ("forecast_api_requests_total{", 'route="/healthz"', 'status="200"')
    for line in text.splitlines():
        if line.startswith(wanted[0]) and all(part in line for part in wanted[1:]):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        return answer.read().decode()


def test_one_serve_with_two_workers_reports_every_workers_requests(tmp_path: Path) -> None:
    """Whichever worker answers the scrape, the counters hold both workers' requests."""
    from concurrent.futures import ThreadPoolExecutor

    home = tmp_path / "home"
    home.mkdir()
    write_store(home / "forecast.duckdb", "v1")
    port = free_port()
    env = {**os.environ, "FORECAST_HOME": str(home)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    code = (
        "from forecast.commands.serve import serve; "
        f"serve(host='127.0.0.1', port={port}, workers=2, reload_poll=0, json_logs=True)"
    )
    log = (tmp_path / "api.log").open("wb")
    process = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=log)
    try:
        _wait_for(
            lambda: process.poll() is None and _get(port, "/readyz")[0] == 200,
            START_TIMEOUT,
            f"the API to be ready (log: {tmp_path}/api.log)",
        )
        sent = 300
        # Concurrent connections, so both workers accept some of them and answer scrapes.
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda _: _get(port, "/healthz")[0], range(sent)))
            scrapes = list(pool.map(lambda _: _scrape(port), range(40)))
        assert statuses == [200] * sent
        assert {_healthz_count(text) for text in scrapes} == {sent}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
