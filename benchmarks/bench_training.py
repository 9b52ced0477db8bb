"""Training: full retrain and backtest of a Mali-sized world, tuning excluded.

Target (issue 4), on 2 cores: < 120 s for ~55 districts x 12 years weekly, horizons 1, 4
and 12, the four targets (12 models, each backtested beside the four baselines, fitted,
logged to MLflow, registered and gated), then the latest week scored.
Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_training.py [--jobs N]
[--synthetic]``. By default the world is the embedded demo (forecast.demo: 53 cercles,
2014-2026) ingested through the production readers, with the panel built by
``features.build_panel``; ``--synthetic`` uses training.synthetic's planted-signal panel
(55 districts x 626 weeks, 3 features) instead. The timed figure is the retrain job
(``forecast.jobs.retrain.retrain``: backtest, train, log, register, gate, score); the panel
build is reported beside it.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecast.core.settings import Settings
from forecast.core.store import Store

BUDGET_S = 120.0


def demo_store(settings: Settings) -> tuple[float, str]:
    """The demo world ingested and its panel stored; seconds spent on the panel."""
    import features
    from forecast.demo import DemoParams, build_demo
    from forecast.ingest import ingest_demo_files
    from training.dataset import PANEL_TABLE

    files = build_demo(settings.home / "demo", DemoParams(seed=settings.seed))
    with Store(settings.db_path) as store:
        ingest_demo_files(store, files)
        start = time.perf_counter()
        panel = features.build_panel(store.load_tables())
        store.replace(PANEL_TABLE, panel)
        seconds = time.perf_counter() - start
    return seconds, f"demo world: {panel.height:,} panel rows x {panel.width - 2} features"


def synthetic_store(settings: Settings) -> tuple[float, str]:
    from forecast.core.schema import EVENTS
    from training.dataset import PANEL_TABLE
    from training.synthetic import synthetic_world

    world = synthetic_world(districts=55, weeks=626, seed=settings.seed)
    with Store(settings.db_path) as store:
        with store.transaction():
            store.upsert(EVENTS, world.events)
        store.replace(PANEL_TABLE, world.panel)
    return 0.0, f"synthetic world: {world.panel.height:,} panel rows x 3 features"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--synthetic", action="store_true", help="planted-signal world")
    args = parser.parse_args()

    from forecast.jobs.retrain import retrain

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp) / "home", mlflow_tracking_uri=None)
        settings.home.mkdir(parents=True)
        make = synthetic_store if args.synthetic else demo_store
        panel_s, what = make(settings)
        start = time.perf_counter()
        report = retrain(settings, jobs=args.jobs)
        retrain_s = time.perf_counter() - start
        with Store(settings.db_path) as store:
            scored = store.count("forecasts") if store.has_table("forecasts") else 0

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(what)
    print(f"panel build (features.build_panel): {panel_s:6.1f} s")
    print(
        f"retrain (12 backtests + fits + MLflow + gate + scoring, {args.jobs} jobs): "
        f"{retrain_s:6.1f} s  [budget {BUDGET_S:.0f} s: {'ok' if retrain_s < BUDGET_S else 'OVER'}]"
    )
    print(f"exit code {int(report.code)} ({report.code.name}); {scored} forecasts written")
    print(f"peak RSS: main {own:,.0f} MiB, largest worker {children:,.0f} MiB")
    for line in report.lines:
        if line.startswith("risk-") or line.startswith("failed"):
            print("  " + line)
    return 0 if report.code in (0, 10) else 1


if __name__ == "__main__":
    sys.exit(main())
