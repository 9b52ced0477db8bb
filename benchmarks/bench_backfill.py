"""Backfill on a LocalCluster vs the single-machine builder, on the feature benchmark's world.

Run: .venv/bin/python bench_backfill.py [--districts N --weeks N --events N --workers N
--block-weeks 52,156]. Each measurement runs in a fresh child process; peak memory is the
child's own (ru_maxrss) and, for the cluster, each worker process's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from child import run_child  # noqa: E402  (benchmarks/ is on the path from here on)


def cpu_s() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def load(folder: Path):
    from forecast.core.schema import CanonicalTables

    return CanonicalTables(
        districts=pl.read_parquet(folder / "districts.parquet"),
        events=pl.read_parquet(folder / "events.parquet"),
        deployments=pl.read_parquet(folder / "deployments.parquet"),
        partners=pl.read_parquet(folder / "partners.parquet"),
    )


def child(folder: Path, mode: str, block_weeks: int, workers: int) -> dict:
    tables = load(folder)
    loaded = rss_gib()
    if mode == "single":
        import features

        t0, c0 = time.perf_counter(), cpu_s()
        panel = features.build_panel(tables)
        seconds, cpu = time.perf_counter() - t0, cpu_s() - c0
        panel.slice(0, 1000).write_parquet(folder / "single_head.parquet")
        panel.slice(panel.height - 1000).write_parquet(folder / "single_tail.parquet")
        return {
            "mode": mode,
            "s": seconds,
            "cpu_s": cpu,
            "rows": panel.height,
            "loaded_gib": loaded,
            "peak_gib": rss_gib(),
        }
    from forecast import backfill

    client = backfill.local_cluster_client(workers)
    try:
        client.run(lambda: __import__("features"))
        w0 = sum(client.run(cpu_s).values())
        t0, c0 = time.perf_counter(), cpu_s()
        if mode == "panel":
            panel = backfill.backfill_panel(tables, block_weeks=block_weeks, client=client)
            rows = panel.height
            head, tail = panel.slice(0, 1000), panel.slice(panel.height - 1000)
        else:
            out = folder / f"out-{block_weeks}"
            paths = backfill.backfill_to_parquet(
                tables, out, block_weeks=block_weeks, client=client, overwrite=True
            )
            rows = sum(pl.scan_parquet(p).select(pl.len()).collect().item() for p in paths)
            head = pl.read_parquet(paths[0]).slice(0, 1000)
            last = pl.read_parquet(paths[-1])
            tail = last.slice(last.height - 1000)
        seconds, cpu = time.perf_counter() - t0, cpu_s() - c0
        worker_cpu = sum(client.run(cpu_s).values()) - w0
        worker_peaks = client.run(rss_gib)
    finally:
        backfill.close_client(client)
    same = head.equals(pl.read_parquet(folder / "single_head.parquet")) and tail.equals(
        pl.read_parquet(folder / "single_tail.parquet")
    )
    return {
        "mode": mode,
        "block_weeks": block_weeks,
        "workers": workers,
        "s": seconds,
        "client_cpu_s": cpu,
        "worker_cpu_s": worker_cpu,
        "rows": rows,
        "loaded_gib": loaded,
        "peak_gib": rss_gib(),
        "worker_peak_gib": sorted(worker_peaks.values()),
        "head_tail_equal_single": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--districts", type=int, default=5000)
    parser.add_argument("--weeks", type=int, default=780)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--block-weeks", default="52,156")
    parser.add_argument("--modes", default="single,panel,parquet")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        folder, mode, bw, workers = args.child
        print(json.dumps(child(Path(folder), mode, int(bw), int(workers))))
        return
    import bench_features as bf

    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        districts = bf.make_districts(args.districts, rng)
        districts.write_parquet(folder / "districts.parquet")
        bf.make_events(districts, args.events, args.weeks, rng).write_parquet(
            folder / "events.parquet"
        )
        bf.make_sites(districts, 2000, args.weeks, rng, False).write_parquet(
            folder / "deployments.parquet"
        )
        bf.make_sites(districts, 300, args.weeks, rng, True).write_parquet(
            folder / "partners.parquet"
        )
        runs = [("single", 0)]
        for mode in args.modes.split(","):
            if mode != "single":
                runs += [(mode, int(b)) for b in args.block_weeks.split(",")]
        for mode, bw in runs:
            figures = run_child(__file__, folder, mode, bw, args.workers)
            figures["load"] = os.getloadavg()[0]
            print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
