"""Intensity: the count backtest of a Mali-sized world, both count targets, three horizons.

Target (issue 14), on 2 cores: < 60 s for ``forecast backtest --target events --target
fatalities`` at horizons 1, 4 and 12 weeks on the embedded demo world (forecast.demo: 53
cercles, twelve years weekly, ingested through the production readers, the panel built
by ``features.build_panel``): six count models (each with its recipe from
training.count_backtest.RECIPES: Poisson prior, trees, NB spread, the history blend, the
hurdle for fatalities), each refitted at every yearly origin of the default three-year
window and scored beside the four count baselines (CRPS, coverage, the CRPS bootstrap).
The timed figure is the training frame with the count columns (dataset_from_store, then
training.counts.with_counts) and the six backtests with their gates, as the command runs
them with ``--no-log``; building the demo world is not timed.
Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_counts.py [--jobs N]``. The
measured part runs in a child process, so the peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from child import run_child

BUDGET_S = 60.0
HORIZONS = (1, 4, 12)
TARGETS = ("events", "fatalities")


def _demo_store(home: Path, seed: int) -> Path:
    """The demo world ingested and its panel stored, as `forecast demo` + `features build`."""
    import features
    from forecast.core.store import Store
    from forecast.demo import DemoParams, build_demo
    from forecast.ingest import ingest_demo_files
    from training.dataset import PANEL_TABLE

    db = home / "forecast.duckdb"
    files = build_demo(home / "demo", DemoParams(seed=seed))
    with Store(db) as store:
        ingest_demo_files(store, files)
        store.replace(PANEL_TABLE, features.build_panel(store.load_tables()))
    return db


def child(jobs: int) -> None:
    """Build the demo store, then time the frame and the six count backtests; print JSON."""
    from forecast.core.schema import EVENTS
    from forecast.core.settings import Settings
    from forecast.core.store import Store
    from training.backtest import Window
    from training.count_backtest import gate, run_count_backtests
    from training.counts import with_counts
    from training.dataset import dataset_from_store
    from training.gate import GateRule

    settings = Settings(home=Path(tempfile.mkdtemp()), mlflow_tracking_uri=None)
    t0 = time.perf_counter()
    db = _demo_store(settings.home, settings.seed)
    demo_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with Store(db) as store:
        ds = dataset_from_store(store, HORIZONS, ["any"])
        events = EVENTS.conform(store.read("events"))
    ds = with_counts(ds, events, HORIZONS)
    dataset_s = time.perf_counter() - t0
    window = Window(step=settings.backtest_step, default_years=settings.backtest_years)
    pairs = [(t, h) for t in TARGETS for h in HORIZONS]
    t0 = time.perf_counter()
    results = run_count_backtests(ds, pairs, window=window, seed=settings.seed, jobs=jobs)
    rule = GateRule.from_settings(settings)
    gates = {f"{r.target} h{r.horizon}": gate(r, rule) for r in results}
    backtest_s = time.perf_counter() - t0
    main_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _stop_workers()
    workers_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scores = {}
    for r in results:
        key = f"{r.target} h{r.horizon}"
        best = min(gates[key], key=lambda name, r=r: r.metric("crps", name))
        scores[key] = {
            "crps": r.metric("crps"),
            "best": best,
            "best_crps": r.metric("crps", best),
            "p": gates[key][best].p_better,
            "cover80": r.metric("cover80"),
            "cover95": r.metric("cover95"),
        }
    print(
        json.dumps(
            {
                "districts": ds.frame["district_code"].n_unique(),
                "weeks": ds.frame["week"].n_unique(),
                "features": len(ds.panel_features),
                "rows": ds.frame.height,
                "demo_s": demo_s,
                "dataset_s": dataset_s,
                "backtest_s": backtest_s,
                "main_rss_kib": main_rss,
                "workers_rss_kib": workers_rss,
                "predictions": sum(r.predictions.height for r in results),
                "scores": scores,
            }
        )
    )


def _stop_workers() -> None:
    """Shut joblib's worker processes so their peak memory is counted (RUSAGE_CHILDREN)."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.jobs)
        return 0
    start = time.perf_counter()
    figures = run_child(__file__, "--jobs", args.jobs)
    wall = time.perf_counter() - start
    timed = figures["dataset_s"] + figures["backtest_s"]
    verdict = "ok" if timed < BUDGET_S else "OVER"
    mib = 1024
    print(
        f"demo world: {figures['districts']} districts x {figures['weeks']} weeks, "
        f"{figures['features']} panel features, {figures['rows']:,} rows "
        f"(built and ingested in {figures['demo_s']:.1f} s, not timed)"
    )
    print(f"training frame with the count columns: {figures['dataset_s']:6.1f} s")
    print(
        f"count backtests, horizons {HORIZONS} weeks x {TARGETS}, {args.jobs} jobs: "
        f"{figures['backtest_s']:6.1f} s ({figures['predictions']:,} predictions)"
    )
    print(f"count backtest in all: {timed:6.1f} s  [budget {BUDGET_S:.0f} s: {verdict}]")
    print(f"whole child process: {wall:.1f} s wall")
    print(
        f"peak RSS: main {figures['main_rss_kib'] / mib:,.0f} MiB, "
        f"largest worker {figures['workers_rss_kib'] / mib:,.0f} MiB"
    )
    for key, s in figures["scores"].items():
        print(
            f"  {key}: crps {s['crps']:.4f} (best baseline {s['best']} {s['best_crps']:.4f}, "
            f"P {s['p']:.2f}), cover80 {s['cover80']:.3f}, cover95 {s['cover95']:.3f}"
        )
    return 0 if timed < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
