"""Pooled training: backtest of one model over Mali and Niger with Burkina Faso's events.

Target (pooled Sahel training), on 2 cores: < 180 s for the pooled backtest at h=4 of the
four targets (three yearly folds, each model beside the four baselines), on real data:
Mali's GADM cercles and Niger's departments, ACLED events of Mali (HDX and the dyadic
export), Niger and Burkina Faso (HDX; no Burkinabe districts, so those events count only
by distance), and Geo-PKO's UN sites; evaluated on Mali's rows, as docs/EVALUATION.md's
"Pooling" section does (run b). Ingest and panel build are reported beside it.
Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_pooled.py [--jobs N]``. The data
are read from ../shared/data; without them the script says what is missing and exits 0.
The measured part runs in a child process, so the peak memory is its own.
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

BUDGET_S = 180.0
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DISTRICTS = ("gadm36_mali_niger/gadm36_MLI_2.shp", "gadm36_mali_niger/gadm36_NER_2.shp")
EVENTS = (
    "acled_hdx_sahel_2020/acled_mli_1997_2020.csv.gz",
    "acled_mali_2017_2020_dyadic/acled_mali_2017_2020_dyadic.csv.gz",
    "acled_hdx_sahel_2020/acled_ner_1997_2020.csv.gz",
    "acled_hdx_sahel_2020/acled_bfa_1997_2020.csv.gz",
)
PARTNERS = "geo_pko/geo_pko_v2_1_location_map.csv.gz"
TARGETS = ("any", "fatal", "civilians", "abduction")
HORIZON = 4


def missing_files(shared: Path) -> list[Path]:
    return [
        shared / name for name in (*DISTRICTS, *EVENTS, PARTNERS) if not (shared / name).exists()
    ]


def child(home: Path, shared: Path, jobs: int) -> None:
    """Ingest, build the panel, backtest pooled on Mali's rows; print JSON figures."""
    import features
    from forecast.core.settings import Settings
    from forecast.core.store import Store
    from forecast.ingest import ingest_districts, ingest_events, ingest_partners
    from training.dataset import PANEL_TABLE, dataset_from_store
    from training.plan import model_params, settings_window
    from training.train import run_backtests

    settings = Settings(home=home, mlflow_tracking_uri=None)
    home.mkdir(parents=True, exist_ok=True)
    pairs = [(t, HORIZON) for t in TARGETS]
    t0 = time.perf_counter()
    with Store(settings.db_path) as store:
        for name in DISTRICTS:
            ingest_districts(store, shared / name)
        for name in EVENTS:
            ingest_events(store, shared / name)
        ingest_partners(store, shared / PARTNERS, "geopko")
        ingest_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        panel = features.build_panel(store.load_tables())
        store.replace(PANEL_TABLE, panel)
        panel_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        ds = dataset_from_store(
            store, [HORIZON], list(TARGETS), panel=panel, countries=["MLI"], pool=True
        )
    results = run_backtests(
        ds,
        pairs,
        window=settings_window(settings),
        seed=settings.seed,
        params=model_params(settings, pairs),
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
                "weeks": panel["week"].n_unique(),
                "features": panel.width - 2,
                "training_rows": ds.frame.height,
                "ingest_s": ingest_s,
                "panel_s": panel_s,
                "backtest_s": backtest_s,
                "main_rss_kib": main_rss,
                "workers_rss_kib": workers_rss,
                "log_loss": {r.target: r.metric("log_loss") for r in results},
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
    parser.add_argument("--data", type=Path, default=SHARED, help="the shared data folder")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.jobs)
        return 0
    missing = missing_files(args.data)
    if missing:
        print(f"bench_pooled: skipped, real data not present: {', '.join(map(str, missing))}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        figures = run_child(__file__, Path(tmp) / "home", "--data", args.data, "--jobs", args.jobs)
        wall = time.perf_counter() - start
    mib = 1024
    backtest_s = figures["backtest_s"]
    verdict = "ok" if backtest_s < BUDGET_S else "OVER"
    print(
        f"pooled world: {figures['districts']} districts (Mali + Niger) x {figures['weeks']} "
        f"weeks, {figures['features']} features, {figures['training_rows']:,} training rows"
    )
    print(f"ingest (4 ACLED files, 2 boundary files, Geo-PKO): {figures['ingest_s']:6.1f} s")
    print(f"panel build (features.build_panel):                {figures['panel_s']:6.1f} s")
    print(
        f"pooled backtest h={HORIZON}, {len(TARGETS)} targets, Mali's rows, {args.jobs} jobs: "
        f"{backtest_s:6.1f} s  [budget {BUDGET_S:.0f} s: {verdict}]"
    )
    print(f"whole child process: {wall:.1f} s wall")
    print(
        f"peak RSS: main {figures['main_rss_kib'] / mib:,.0f} MiB, "
        f"largest worker {figures['workers_rss_kib'] / mib:,.0f} MiB"
    )
    losses = ", ".join(f"{t} {v:.4f}" for t, v in figures["log_loss"].items())
    print(f"model log loss on Mali's rows: {losses}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
