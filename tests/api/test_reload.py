"""Loading, atomic swaps under load, failed reloads, polling and the not-ready state."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
from fastapi.testclient import TestClient

from api import create_app
from api.snapshot import build_snapshot, read_store
from forecast.core import servicedb
from tests.api.conftest import TEST_BANDS, make_settings
from tests.api.world import TARGETS, label, write_store


def test_not_ready_without_a_store(api_home):
    app = create_app(make_settings(api_home))
    token = servicedb.create_key(app.state.engine, "k", ["read"])[1]
    with TestClient(app) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.headers["content-type"] == "application/problem+json"
        assert "no store at" in ready.json()["detail"]
        data = client.get("/v1/forecasts", headers={"X-API-Key": token})
        assert data.status_code == 503
        assert "run `forecast demo`" in data.json()["detail"]
        assert client.get("/healthz").status_code == 200


def test_not_ready_without_forecasts(api_home):
    write_store(api_home / "forecast.duckdb", with_forecasts=False)
    app = create_app(make_settings(api_home))
    token = servicedb.create_key(app.state.engine, "k", ["read"])[1]
    with TestClient(app) as client:
        assert "no forecasts yet" in client.get("/readyz").json()["detail"]
        data = client.get("/v1/districts/ML0101", headers={"X-API-Key": token})
        assert data.status_code == 503
        assert "run the retraining and scoring job" in data.json()["detail"]


def test_the_store_is_not_held_open(client, world):
    # A writer (the retraining job) can open the store while the API serves it.
    con = duckdb.connect(str(world))
    con.execute("CREATE TABLE IF NOT EXISTS scratch (x INTEGER)")
    con.close()


def test_admin_reload_swaps_the_model(client, tokens, world):
    reader = {"X-API-Key": tokens["read"]}
    admin = {"X-API-Key": tokens["admin"]}
    assert client.get("/v1/forecasts", headers=reader).json()["model_version"] == label("v1")
    world.unlink()
    write_store(world, "v2")
    reloaded = client.post("/v1/admin/reload", headers=admin)
    assert reloaded.status_code == 200
    assert reloaded.json()["model_version"] == label("v2")
    assert reloaded.json()["previous_model_version"] == label("v1")
    body = client.get("/v1/forecasts", headers=reader).json()
    assert body["model_version"] == label("v2")
    assert {i["model_version"] for i in body["items"]} == {f"v2-{t}" for t in TARGETS}


def test_failed_reload_keeps_serving_the_old_snapshot(client, tokens, world):
    reader = {"X-API-Key": tokens["read"]}
    con = duckdb.connect(str(world))
    con.execute("DELETE FROM forecasts")  # a retrain that failed halfway
    con.close()
    failed = client.post("/v1/admin/reload", headers={"X-API-Key": tokens["admin"]})
    assert failed.status_code == 503
    assert failed.json()["detail"].startswith("reload failed: the store has no forecasts yet")
    assert failed.json()["detail"].endswith(f"still serving {label('v1')}")
    assert client.get("/readyz").status_code == 200
    body = client.get("/v1/forecasts", headers=reader).json()
    assert body["model_version"] == label("v1") and body["total"] == 48


def test_reload_waits_for_a_writer_then_fails_cleanly(world, api_home):
    app = create_app(make_settings(api_home, store_lock_retries=2))
    with TestClient(app) as client:
        writer_done = threading.Event()

        def hold_lock() -> None:
            # Another process would hold the write lock; in-process, a read-write
            # connection makes read-only opens fail the same way.
            con = duckdb.connect(str(world))
            writer_done.wait(5)
            con.close()

        thread = threading.Thread(target=hold_lock)
        thread.start()
        time.sleep(0.2)
        try:
            holder = app.state.holder
            from api.lifecycle import reload_snapshot

            assert not reload_snapshot(app)
            assert holder.current is not None and holder.current.model_version == label("v1")
        finally:
            writer_done.set()
            thread.join()
        assert client.get("/readyz").status_code == 200


def test_poll_picks_up_a_new_champion(world, api_home):
    app = create_app(make_settings(api_home, reload_poll_seconds=0.05))
    with TestClient(app) as client:
        assert client.get("/readyz").json()["model_version"] == label("v1")
        world.unlink()
        write_store(world, "v2")
        deadline = time.monotonic() + 10
        while client.get("/readyz").json()["model_version"] != label("v2"):
            assert time.monotonic() < deadline, "the poll never reloaded"
            time.sleep(0.05)


def _snapshot(path: Path):
    return build_snapshot(read_store(path), TEST_BANDS)


def test_answers_never_mix_two_models_under_concurrent_swaps(client, tokens, tmp_path):
    reader = {"X-API-Key": tokens["read"]}
    snapshots = [_snapshot(write_store(tmp_path / f"{g}.duckdb", g)) for g in ("v1", "v2", "v3")]
    holder = client.app.state.holder
    stop = threading.Event()
    errors: list[str] = []
    answers = {"count": 0}
    urls = [
        "/v1/forecasts?limit=48",
        "/v1/forecasts?horizon=4&admin1=Alpha%20Region",
        "/v1/districts/ML0101",
        "/v1/map",
    ]

    def hammer(url: str) -> None:
        while not stop.is_set():
            response = client.get(url, headers=reader)
            if response.status_code != 200:
                errors.append(f"{url}: {response.status_code}")
                continue
            body = response.json()
            generation = body["model_version"].split("-")[0]
            # The answer names the models behind its rows (the map: one target), all of one
            # generation.
            named = set(body["model_version"].split(","))
            if not named or not named <= set(label(generation).split(",")):
                errors.append(f"{url}: {body['model_version']}")
            rows = body.get("items") or body.get("forecasts") or []
            versions = {row["model_version"] for row in rows}
            if not versions <= {f"{generation}-{t}" for t in TARGETS}:
                errors.append(f"{url}: {body['model_version']} with rows {versions}")
            answers["count"] += 1

    threads = [threading.Thread(target=hammer, args=(url,)) for url in urls * 2]
    for thread in threads:
        thread.start()
    swaps = 0
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        holder.swap(snapshots[swaps % 3])
        swaps += 1
        time.sleep(0.002)
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors, errors[:5]
    assert answers["count"] > 50 and swaps > 50


def test_forecasts_without_data_as_of_fall_back_to_the_latest_event(world, api_home):
    # forecast.scoring writes no data_as_of column; the latest incident date stands in.
    con = duckdb.connect(str(world))
    con.execute("ALTER TABLE forecasts DROP COLUMN data_as_of")
    con.close()
    app = create_app(make_settings(api_home))
    token = servicedb.create_key(app.state.engine, "k", ["read"])[1]
    with TestClient(app) as client:
        headers = {"X-API-Key": token}
        assert client.get("/v1/forecasts", headers=headers).json()["data_as_of"] == "2024-06-02"
        detail = client.get("/v1/districts/ML0101", headers=headers).json()
        assert detail["data_as_of"] == "2024-06-02"


class _Writer:
    """Another process writing the store (tests.store_holder), as `forecast retrain` does."""

    def __init__(self, path: Path) -> None:
        root = Path(__file__).resolve().parents[2]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.store_holder", str(path), "store"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(30)


def test_reload_beside_a_writer_answers_503_with_retry_after_at_once(world, api_home):
    # The default retries (about 15 s of back-off) are for the poll, not for a caller.
    app = create_app(make_settings(api_home))
    admin = {"X-API-Key": servicedb.create_key(app.state.engine, "a", ["admin"])[1]}
    with TestClient(app) as client:
        writer = _Writer(world)
        try:
            began = time.monotonic()
            busy = client.post("/v1/admin/reload", headers=admin)
            took = time.monotonic() - began
        finally:
            writer.release()
        assert took < 1.0, f"took {took:.1f} s"
        assert busy.status_code == 503
        assert busy.headers["content-type"] == "application/problem+json"
        assert int(busy.headers["Retry-After"]) >= 1
        body = busy.json()
        assert body["type"] == "/problems/store-busy"
        assert "store_holder.py" in body["detail"]
        assert body["detail"].endswith(f"still serving {label('v1')}")
        assert client.get("/readyz").status_code == 200
        # Once the writer is gone the same call reloads.
        assert client.post("/v1/admin/reload", headers=admin).status_code == 200


def test_reload_while_the_poll_retries_answers_at_once(world, api_home):
    app = create_app(make_settings(api_home, reload_poll_seconds=0.05))
    admin = {"X-API-Key": servicedb.create_key(app.state.engine, "a", ["admin"])[1]}
    with TestClient(app) as client:
        writer = _Writer(world)  # its write changes the store: the poll starts retrying
        try:
            time.sleep(0.5)
            began = time.monotonic()
            busy = client.post("/v1/admin/reload", headers=admin)
            took = time.monotonic() - began
        finally:
            writer.release()
        assert took < 1.0, f"took {took:.1f} s"
        assert busy.status_code == 503 and "Retry-After" in busy.headers
        assert client.get("/readyz").status_code == 200


def test_the_api_does_not_take_the_command_lines_lock_wait(world, api_home):
    # `forecast serve` runs the API inside the command line, whose policy waits minutes for
    # the store (FORECAST_STORE_LOCK_TIMEOUT_SECONDS); the API keeps its own (no wait).
    from forecast.core.storelock import LockWait, waiting_for_lock

    app = create_app(make_settings(api_home))
    admin = {"X-API-Key": servicedb.create_key(app.state.engine, "a", ["admin"])[1]}
    with waiting_for_lock(LockWait(timeout=5.0)), TestClient(app) as client:
        writer = _Writer(world)
        try:
            began = time.monotonic()
            busy = client.post("/v1/admin/reload", headers=admin)
            took = time.monotonic() - began
        finally:
            writer.release()
    assert took < 1.0, f"took {took:.1f} s"
    assert busy.status_code == 503 and "Retry-After" in busy.headers
