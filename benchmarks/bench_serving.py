"""Throughput of GET /v1/forecasts on an idle server and while `forecast retrain` runs on
the same home, in the same run: requests/s, p50 and p95 latency, and the ratio of the two.

The home is the demo world (53 districts) scored by the baseline, with its newest week in
the drop folder, so the retrain ingests it, extends the panel, backtests, trains, gates and
scores: the whole weekly job. `forecast serve` runs with one worker; the load is a small
asyncio HTTP/1.1 keep-alive client with a few connections on the same machine, so the
server, the retrain and the client share the cores (on 2 cores the ratio says how much of
the machine the job takes from serving, not a property of the API alone).

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_serving.py [--seconds S
--connections C]``. About 2 minutes on 2 cores. The server is measured idle before the
retrain and again after it, on the new snapshot, and beside a process that only burns a
core (a control: on a virtual machine a busy machine can answer faster than an idle one,
whose cores wake slowly); the ratios are to the first idle case.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.ops.serving import (  # noqa: E402
    FORECAST,
    RETRAIN_DONE,
    create_key,
    forecast,
    job_env,
    serving,
)

PATH = "/v1/forecasts"


def build(home: Path) -> None:
    """The demo world up to last week, its panel and the baseline's forecasts."""
    for args in (("demo", "--hold-back-weeks", "1"), ("features", "build"), ("score",)):
        done = forecast(home, *args)
        if done.returncode != 0:
            raise RuntimeError(
                f"forecast {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
            )


async def _load(port: int, token: str, connections: int, done: Callable[[], bool]) -> dict:
    """GET ``PATH`` on ``connections`` keep-alive connections until ``done()``."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    request = f"GET {PATH} HTTP/1.1\r\nHost: bench\r\nX-API-Key: {token}\r\n\r\n".encode()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not done():
            began = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - began)
            status = int(head.split(b" ", 2)[1])
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - began
    ms = np.array(latencies) * 1000
    return {
        "requests": len(ms),
        "seconds": elapsed,
        "rps": len(ms) / elapsed,
        "p50": float(np.percentile(ms, 50)),
        "p95": float(np.percentile(ms, 95)),
        "statuses": statuses,
    }


def for_seconds(seconds: float) -> Callable[[], bool]:
    deadline = time.perf_counter() + seconds
    return lambda: time.perf_counter() >= deadline


def during_retrain(home: Path, port: int, token: str, connections: int) -> tuple[dict, int, float]:
    """Load the server for as long as `forecast retrain` runs; its figures, exit code and
    duration."""
    finished = threading.Event()
    outcome: dict[str, object] = {}

    def job() -> None:
        began = time.perf_counter()
        run = subprocess.run(
            [*FORECAST, "retrain"], env=job_env(home), capture_output=True, text=True
        )
        outcome.update(code=run.returncode, seconds=time.perf_counter() - began, err=run.stderr)
        finished.set()

    thread = threading.Thread(target=job)
    thread.start()
    figures = asyncio.run(_load(port, token, connections, finished.is_set))
    thread.join()
    if outcome["code"] not in RETRAIN_DONE:
        raise RuntimeError(f"forecast retrain exited {outcome['code']}:\n{outcome['err']}")
    return figures, int(outcome["code"]), float(outcome["seconds"])  # type: ignore[arg-type]


def beside_busy_loop(port: int, token: str, connections: int, seconds: float) -> dict:
    """The control: the same load beside one process that only burns a core. On a virtual
    machine an idle core wakes slowly, so this can be faster than the idle case."""
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        return asyncio.run(_load(port, token, connections, for_seconds(seconds)))
    finally:
        burner.kill()
        burner.wait()


def served_week(url: str) -> str:
    return str(httpx.get(f"{url}/readyz", timeout=5).json()["issue_week"])


def wait_for_reload(url: str, before: str, timeout: float = 60.0) -> None:
    """Until the server serves a week after ``before``: the retrain's (its poll reloads)."""
    deadline = time.monotonic() + timeout
    while served_week(url) <= before:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not reload within {timeout:.0f} s")
        time.sleep(0.2)


def row(name: str, r: dict, base: dict) -> str:
    errors = sum(n for status, n in r["statuses"].items() if status // 100 != 2)
    return (
        f"{name:<28}{r['requests']:>9d}{r['seconds']:>8.1f}{r['rps']:>9.0f}{r['p50']:>9.2f}"
        f"{r['p95']:>9.2f}{errors:>8d}{r['rps'] / base['rps']:>8.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each fixed case")
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-serving-") as folder:
        home = Path(folder) / "home"
        home.mkdir()
        began = time.perf_counter()
        build(home)
        token = create_key(home)
        print(f"demo home built and scored in {time.perf_counter() - began:.1f} s")
        with serving(home, Path(folder) / "serve.log", reload_poll=1.0) as server:
            asyncio.run(_load(server.port, token, args.connections, for_seconds(2.0)))  # warm
            idle = asyncio.run(
                _load(server.port, token, args.connections, for_seconds(args.seconds))
            )
            burning = beside_busy_loop(server.port, token, args.connections, args.seconds)
            week = served_week(server.url)
            busy, code, seconds = during_retrain(home, server.port, token, args.connections)
            # Idle again, on the retrain's snapshot: on a shared machine the two idle cases
            # bracket what the neighbours' load did to the figures meanwhile.
            wait_for_reload(server.url, week)
            after = asyncio.run(
                _load(server.port, token, args.connections, for_seconds(args.seconds))
            )
    print(
        f"\nGET {PATH} (100 rows), forecast serve with 1 worker, {args.connections} "
        f"connections, {os.cpu_count()} cores, python asyncio client; forecast retrain "
        f"exited {code} after {seconds:.1f} s"
    )
    print(
        f"{'case':<28}{'requests':>9}{'s':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'non-2xx':>8}{'ratio':>8}"
    )
    print(row("idle server", idle, idle))
    print(row("beside a busy-loop process", burning, idle))
    print(row("during forecast retrain", busy, idle))
    print(row("idle again, new snapshot", after, idle))


if __name__ == "__main__":
    main()
