"""Monthly cadence: the backtest of a counts-only world of 53 cercles x 350 months.

Target (issue 13), on 2 cores: < 30 s for the monthly backtest of three horizons (1, 3 and
6 months) and both monthly targets (any, fatal): six pairs, each model beside the four
baselines over three yearly folds (the default window), on training.synthetic_monthly's
world (53 districts, 350 months of HDX-style counts, spread between neighbours, UN sites).
The timed figure is the panel build (features.build_monthly_panel), the training frame
(training.dataset.build_dataset) and the six backtests, as ``forecast features build
--cadence month`` then ``forecast backtest --cadence month --no-log`` run them.
Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_monthly.py [--jobs N]``. The
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

BUDGET_S = 30.0
DISTRICTS, MONTHS = 53, 350
HORIZONS = (1, 3, 6)
TARGETS = ("any", "fatal")


def child(jobs: int) -> None:
    """Build the world, its panel and training frame, backtest; print JSON figures."""
    import features
    from forecast.core.cadence import MONTH
    from forecast.core.settings import Settings
    from training.dataset import build_dataset
    from training.plan import model_params, settings_window
    from training.synthetic_monthly import monthly_world
    from training.train import run_backtests

    settings = Settings(home=Path(tempfile.mkdtemp()), mlflow_tracking_uri=None)
    tables = monthly_world(DISTRICTS, MONTHS, seed=settings.seed)
    pairs = [(t, h) for t in TARGETS for h in HORIZONS]
    t0 = time.perf_counter()
    panel = features.build_monthly_panel(tables)
    panel_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ds = build_dataset(
        panel,
        tables.events,
        HORIZONS,
        TARGETS,
        cadence=MONTH,
        counts=tables.counts,
        district_countries=dict.fromkeys(tables.districts["code"], "MLI"),
    )
    dataset_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = run_backtests(
        ds,
        pairs,
        window=settings_window(settings, MONTH),
        seed=settings.seed,
        params=model_params(settings, pairs, MONTH),
        jobs=jobs,
        k=settings.top_k,
    )
    backtest_s = time.perf_counter() - t0
    main_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _stop_workers()
    workers_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "districts": panel["district_code"].n_unique(),
                "months": panel["month"].n_unique(),
                "features": panel.width - 2,
                "rows": ds.frame.height,
                "panel_s": panel_s,
                "dataset_s": dataset_s,
                "backtest_s": backtest_s,
                "main_rss_kib": main_rss,
                "workers_rss_kib": workers_rss,
                "log_loss": {f"{r.target} m{r.horizon}": r.metric("log_loss") for r in results},
                "best_baseline": {
                    f"{r.target} m{r.horizon}": min(
                        r.metric("log_loss", name) for name in r.forecasters[1:]
                    )
                    for r in results
                },
                "predictions": sum(r.predictions.height for r in results),
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
    timed = figures["panel_s"] + figures["dataset_s"] + figures["backtest_s"]
    verdict = "ok" if timed < BUDGET_S else "OVER"
    mib = 1024
    print(
        f"monthly world: {figures['districts']} districts x {figures['months']} months, "
        f"{figures['features']} features, {figures['rows']:,} rows, counts only"
    )
    print(f"panel build (features.build_monthly_panel):  {figures['panel_s']:6.1f} s")
    print(f"training frame (build_dataset, cadence month): {figures['dataset_s']:6.1f} s")
    print(
        f"backtests, horizons {HORIZONS} months x {TARGETS}, {args.jobs} jobs: "
        f"{figures['backtest_s']:6.1f} s ({figures['predictions']:,} predictions)"
    )
    print(f"monthly backtest in all: {timed:6.1f} s  [budget {BUDGET_S:.0f} s: {verdict}]")
    print(f"whole child process: {wall:.1f} s wall")
    print(
        f"peak RSS: main {figures['main_rss_kib'] / mib:,.0f} MiB, "
        f"largest worker {figures['workers_rss_kib'] / mib:,.0f} MiB"
    )
    pairs = ", ".join(
        f"{k} {v:.4f} (best baseline {figures['best_baseline'][k]:.4f})"
        for k, v in figures["log_loss"].items()
    )
    print(f"model log loss: {pairs}")
    return 0 if timed < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
