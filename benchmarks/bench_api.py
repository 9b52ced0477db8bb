"""API throughput and latency on loopback, beside a constant FastAPI endpoint in the same run.

Target (issue 5): >= 2,000 requests/s with p99 < 25 ms on 2 cores for
``GET /v1/forecasts?admin1=...`` and ``GET /v1/districts/{code}`` over 5,000 districts.
The figure that counts is the ratio to a minimal FastAPI app returning a constant, served
by the same uvicorn settings on the same machine in the same run.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_api.py [--districts N
--seconds S --connections C --workers W]``. The load generator is wrk (``apt-get install
wrk``) when on PATH, else a small asyncio HTTP/1.1 keep-alive client (slower: it competes
with the server for the same cores, so its figures are a lower bound).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecast.core import servicedb  # noqa: E402
from forecast.core.schema import CHAMPIONS, DISTRICTS, EVENTS, FORECASTS  # noqa: E402
from forecast.core.store import Store  # noqa: E402

HORIZONS = (1, 4, 12)
TARGETS = ("any", "fatal", "civilians", "abduction")
REGIONS = 50
LATEST = date(2024, 6, 3)
EVENT_TYPES = ("battle", "remote_violence", "civilian_violence", "abduction", "protest")


def constant_app():  # uvicorn factory for the baseline
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/constant")
    async def constant() -> dict[str, str]:
        return {"status": "ok"}

    return app


def synthetic_store(path: Path, n_districts: int, seed: int = 7) -> list[str]:
    """Districts on a grid over the Sahel, two weeks of forecasts, a year of events."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_districts)))
    i = np.arange(n_districts)
    x0 = -12.0 + (i % side) * (28.0 / side)
    y0 = 10.0 + (i // side) * (14.0 / side)
    size = min(28.0, 14.0) / side
    codes = [f"D{k:05d}" for k in i]
    districts = pl.DataFrame(
        {
            "code": codes,
            "name": [f"District {k}" for k in i],
            "admin1": [f"Region {k % REGIONS:02d}" for k in i],
            "country": "MLI",
            "geometry": shapely.to_wkb(shapely.box(x0, y0, x0 + size, y0 + size)).tolist(),
            "centroid_lat": y0 + size / 2,
            "centroid_lon": x0 + size / 2,
            "area_km2": 1000.0,
            "source": "bench",
        }
    )
    drivers = json.dumps(
        [
            {"feature": "hist_any_4w", "value": 3, "contribution": 0.4},
            {"feature": "hist_any_52w", "value": 12, "contribution": 0.2},
            {"feature": "hist_fatal_since", "value": 6, "contribution": -0.1},
        ]
    )
    grid = pl.DataFrame({"district_code": codes}).join(
        pl.DataFrame(
            {
                "issue_week": [LATEST - timedelta(days=7), LATEST],
                "data_as_of": [LATEST - timedelta(days=8), LATEST - timedelta(days=1)],
            }
        ),
        how="cross",
    )
    grid = grid.join(pl.DataFrame({"horizon": list(HORIZONS)}), how="cross").join(
        pl.DataFrame({"target": list(TARGETS)}), how="cross"
    )
    forecasts = FORECASTS.conform(
        grid.with_columns(
            probability=pl.Series(rng.beta(0.6, 4.0, grid.height)),
            band=pl.lit("x"),
            model_version=pl.format("bench-{}/1", pl.col("target")),
            top_drivers=pl.lit(drivers),
        )
    )
    n_events = 20 * n_districts
    events = EVENTS.conform(
        pl.DataFrame(
            {
                "source": "acled",
                "source_id": [f"E{k}" for k in range(n_events)],
                "event_date": [
                    LATEST - timedelta(days=int(d)) for d in rng.integers(1, 720, n_events)
                ],
                "event_type": rng.choice(EVENT_TYPES, n_events),
                "violent": True,
                "fatalities": rng.poisson(1.0, n_events),
                "source_version": 1,
                "district_code": rng.choice(codes, n_events),
                "placement": "point",
                "location": "Somewhere",
                "notes": "A synthetic event for the benchmark.",
            }
        )
    )
    champions = CHAMPIONS.conform(
        pl.DataFrame(
            [
                (t, h, f"bench-{t}", "1", "run", date(2015, 1, 5), LATEST, "{}", datetime.now())
                for t in TARGETS
                for h in HORIZONS
            ],
            schema=CHAMPIONS.names,
            orient="row",
        )
    )
    with Store(path) as store:
        with store.transaction():
            store.upsert(DISTRICTS, DISTRICTS.conform(districts))
            store.upsert(EVENTS, events)
        store.replace("forecasts", forecasts)
        store.replace("champions", champions)
    return codes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(port: int, path: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                if b" 200 " in sock.recv(200):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} never answered {path}")


def wait_loaded(log: Path, workers: int, timeout: float = 180.0) -> None:
    """Every worker logs "snapshot loaded" once; until then it does not serve."""
    deadline = time.monotonic() + timeout
    while log.read_text(errors="replace").count("snapshot loaded") < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"not every worker loaded its snapshot; see {log}")
        time.sleep(0.2)


def start(
    command: list[str],
    env: dict[str, str],
    port: int,
    ready_path: str,
    log: Path,
    workers: int = 0,
):
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=sink, cwd=ROOT
        )
    try:
        wait_ready(port, ready_path)
        if workers:
            wait_loaded(log, workers)
    except BaseException:
        process.terminate()
        raise
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["X-API-Key"] = "%s"})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%f %%f %%f %%f %%d\\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def run_wrk(
    port: int, paths: list[str], token: str, seconds: float, connections: int
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % (", ".join(json.dumps(p) for p in paths), token))
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(x for x in output.splitlines() if x.startswith("RESULT"))
    n, duration, p50, p95, p99, errors = line.split()[1:]
    return {
        "rps": int(n) / float(duration),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": int(errors),
    }


async def _python_load(
    port: int, paths: list[str], token: str, seconds: float, connections: int
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        k = offset
        while time.perf_counter() < deadline:
            path = paths[k % len(paths)]
            k += 1
            began = time.perf_counter()
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: bench\r\nX-API-Key: {token}\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - began)
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
        writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(connections)))
    elapsed = time.perf_counter() - began
    ms = np.array(latencies) * 1000
    return {
        "rps": len(ms) / elapsed,
        "p50": float(np.percentile(ms, 50)),
        "p95": float(np.percentile(ms, 95)),
        "p99": float(np.percentile(ms, 99)),
        "errors": errors,
    }


def load(
    port: int, paths: list[str], token: str, seconds: float, connections: int
) -> dict[str, float]:
    if shutil.which("wrk"):
        run_wrk(port, paths, token, min(2.0, seconds), connections)  # warm up
        return run_wrk(port, paths, token, seconds, connections)
    asyncio.run(_python_load(port, paths, token, min(2.0, seconds), connections))
    return asyncio.run(_python_load(port, paths, token, seconds, connections))


def serve_command(port: int, workers: int) -> list[str]:
    """`forecast serve` when the command line has it, else the same call made directly."""
    from forecast.cli import app

    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if "serve" in names:
        return [sys.executable, "-c", "from forecast.cli import app; app()", *args]
    bootstrap = (
        "import typer; from forecast.commands.serve import register; "
        "app = typer.Typer(); app.command('noop')(lambda: None); register(app); app()"
    )
    return [sys.executable, "-c", bootstrap, *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--districts", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-api-") as folder:
        home = Path(folder)
        began = time.perf_counter()
        codes = synthetic_store(home / "forecast.duckdb", args.districts)
        print(f"synthetic store: {args.districts} districts in {time.perf_counter() - began:.1f} s")
        engine = servicedb.connect(f"sqlite:///{home / 'service.db'}")
        token = servicedb.create_key(engine, "bench", ["read"])[1]
        engine.dispose()
        env = {
            **os.environ,
            "FORECAST_HOME": str(home),
            "FORECAST_RATE_LIMIT_PER_MINUTE": str(10**9),
            "FORECAST_RELOAD_POLL_SECONDS": "0",
            "PYTHONPATH": str(ROOT),
        }
        rng = np.random.default_rng(3)
        admin1 = [f"/v1/forecasts?admin1=Region%20{k:02d}" for k in range(REGIONS)]
        district = [f"/v1/districts/{c}" for c in rng.choice(codes, 500, replace=False)]
        cases = []

        port = free_port()
        baseline = start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(ROOT / "benchmarks"),
                "bench_api:constant_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env,
            port,
            "/constant",
            home / "constant.log",
        )
        try:
            cases.append(
                (
                    "constant FastAPI endpoint",
                    load(port, ["/constant"], token, args.seconds, args.connections),
                )
            )
        finally:
            stop(baseline)

        port = free_port()
        began = time.perf_counter()
        server = start(
            serve_command(port, args.workers),
            env,
            port,
            "/readyz",
            home / "serve.log",
            workers=args.workers,
        )
        print(f"forecast serve ready in {time.perf_counter() - began:.1f} s")
        try:
            for name, paths in (
                ("GET /v1/forecasts?admin1=...", admin1),
                ("GET /v1/districts/{code}", district),
            ):
                cases.append((name, load(port, paths, token, args.seconds, args.connections)))
        finally:
            stop(server)

    tool = "wrk" if shutil.which("wrk") else "python asyncio client"
    print(
        f"\n{args.connections} connections, {args.workers} workers, {os.cpu_count()} cores, "
        f"{tool}, {args.seconds:.0f} s per case"
    )
    print(
        f"{'case':<32}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'ratio':>8}"
    )
    base = cases[0][1]["rps"]
    for name, r in cases:
        print(
            f"{name:<32}{r['rps']:>10.0f}{r['p50']:>9.2f}{r['p95']:>9.2f}{r['p99']:>9.2f}"
            f"{r['errors']:>8d}{r['rps'] / base:>8.2f}"
        )
    print("target: >= 2,000 req/s and p99 < 25 ms for the two API cases")


if __name__ == "__main__":
    main()
