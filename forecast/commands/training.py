"""Commands of the training stage: backtest, train, tune, score, retrain.

Every one takes ``--cadence week|month`` (default settings.cadence): the weekly panel and
``risk-<target>-h<h>`` models, or the monthly panel (``features build --cadence month``),
horizons in months and ``risk-<target>-m<h>`` models; at monthly cadence the targets are
any and fatal (counts have no event types).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import typer

from forecast.core import vocab
from forecast.core.schema import CHAMPIONS
from forecast.core.settings import get_settings
from forecast.prerequisites import (
    NotReady,
    refusing,
    require_history,
    require_inputs,
    require_panel,
    require_store,
)

if TYPE_CHECKING:  # the training stack loads lazily: `forecast --help` stays quick
    from forecast.core.cadence import Cadence
    from forecast.core.store import Store
    from training.backtest import Window
    from training.count_backtest import CountBacktestResult
    from training.dataset import Dataset

EXIT_BAD_OPTION = 2

TargetOpt = typer.Option(
    None,
    "--target",
    "-t",
    help="any, fatal, civilians or abduction; repeat for several (default: all).",
)
HorizonOpt = typer.Option(
    None,
    "--horizon",
    "-h",
    help="Horizon in periods (weeks, or months); repeat for several (default: settings, "
    "else the cadence's: 1, 4, 12 weeks; 1, 3, 6 months).",
)
StartOpt = typer.Option(
    None,
    formats=["%Y-%m-%d"],
    help="First issue period predicted (default: 3 years before the end).",
)
EndOpt = typer.Option(
    None, formats=["%Y-%m-%d"], help="Last issue period predicted (default: last labelled)."
)
StepOpt = typer.Option(
    None,
    min=1,
    help="Periods between origins: the model is refitted every step (default: backtest_step "
    "weeks; 12 months at monthly cadence).",
)
CadenceOpt = typer.Option(
    None,
    "--cadence",
    help="week or month (default: settings.cadence). Monthly: the district x month panel, "
    "horizons in months, targets any and fatal.",
)
JobsOpt = typer.Option(
    None, min=1, help="Processes for the (target, horizon) pairs (default: train_jobs)."
)
CountryOpt = typer.Option(
    None,
    "--country",
    help="ISO3 code of a country to evaluate (its rows only are predicted and scored); "
    "repeat for several (default: settings.countries; none = every loaded country).",
)
PoolOpt = typer.Option(
    None,
    "--pool/--no-pool",
    help="Train on every loaded country's districts, or only on the evaluated countries' "
    "(default: settings.pool_countries).",
)
WithoutOpt = typer.Option(
    None,
    "--without",
    help="Leave a feature family out of the model's columns (a catalogue family: history, "
    "spread, actors, partners, ...; or a glob of feature names such as 'cross_border_*'); "
    "repeat for several. The baselines do not change.",
)


def _cadence(name: str | None):  # -> Cadence
    from forecast.core.cadence import get

    try:
        return get(name or get_settings().cadence)
    except ValueError as error:
        typer.secho(str(error), err=True)
        raise typer.Exit(EXIT_BAD_OPTION) from None


def _pairs(
    targets: list[str] | None, horizons: list[int] | None, cadence=None
) -> list[tuple[str, int]]:
    from forecast.core.cadence import WEEK, check_targets

    settings = get_settings()
    cadence = cadence or WEEK
    asked = targets
    targets = targets or list(settings.targets)
    unknown = [t for t in targets if t not in vocab.TARGETS]
    if unknown:
        typer.secho(
            f"Unknown target(s): {', '.join(unknown)}; use {', '.join(vocab.TARGETS)}", err=True
        )
        raise typer.Exit(EXIT_BAD_OPTION)
    if asked:
        try:
            check_targets(cadence, targets)
        except ValueError as error:
            typer.secho(str(error), err=True)
            raise typer.Exit(EXIT_BAD_OPTION) from None
    else:  # the settings' targets that this cadence can label
        targets = [t for t in targets if t in cadence.targets]
    horizons = horizons or settings.horizons_for(cadence.name)
    if any(h < 1 for h in horizons):
        typer.secho(f"Horizons are whole {cadence.units} >= 1", err=True)
        raise typer.Exit(EXIT_BAD_OPTION)
    return [(t, h) for t in targets for h in horizons]


def _window(
    start: datetime | None, end: datetime | None, step: int | None, cadence=None
):  # -> Window
    from forecast.core.cadence import WEEK
    from training.backtest import Window

    settings = get_settings()
    cadence = cadence or WEEK
    if cadence is WEEK:
        return Window(
            start=start.date() if start else None,
            end=end.date() if end else None,
            step=step or settings.backtest_step,
            default_years=settings.backtest_years,
        )
    # backtest_step counts weeks: the monthly window steps 12 months unless --step says.
    return Window.of(
        cadence,
        start=cadence.truncate(start.date()) if start else None,
        end=cadence.truncate(end.date()) if end else None,
        step=step,
        default_years=settings.backtest_years,
    )


def _jobs(jobs: int | None) -> int:
    return jobs or get_settings().train_jobs


def _dataset(
    store,
    pairs: list[tuple[str, int]],
    countries: list[str] | None = None,
    pool: bool | None = None,
    cadence=None,
):  # -> Dataset
    """The training frame for these pairs; countries and pooling default to the settings."""
    from forecast.core.cadence import WEEK
    from training.dataset import dataset_from_store
    from training.plan import onset_window

    settings = get_settings()
    cadence = cadence or WEEK
    if not pairs:
        typer.secho(f"No target to run at {cadence.name}ly cadence", err=True)
        raise typer.Exit(EXIT_BAD_OPTION)
    if cadence is not WEEK:
        require_panel(store, cadence)
    try:
        return dataset_from_store(
            store,
            sorted({h for _, h in pairs}),
            sorted({t for t, _ in pairs}, key=vocab.TARGETS.index),
            onset_weeks=onset_window(settings, cadence),
            countries=settings.countries if countries is None else countries,
            pool=settings.pool_countries if pool is None else pool,
            cadence=cadence,
        )
    except ValueError as error:  # a country without districts
        typer.secho(str(error), err=True)
        raise typer.Exit(EXIT_BAD_OPTION) from None


def _without(ds, names: list[str] | None):  # -> Dataset
    """The dataset with the named feature families (or globs) left out of the model."""
    if not names:
        return ds
    import features
    from forecast.commands.features import load_config
    from training.dataset import ablation_columns

    config = load_config(get_settings().features_config)
    monthly = ds.cadence.name == "month"
    specs = features.monthly_catalogue(config) if monthly else features.catalogue(config)
    try:
        dropped = ablation_columns(ds.panel_features, names, {s.name: s.family for s in specs})
    except ValueError as error:
        typer.secho(str(error), err=True)
        raise typer.Exit(EXIT_BAD_OPTION) from None
    return ds.without(dropped)


def _scope(ds, pool: bool) -> dict[str, str]:
    """Which countries a run evaluated and trained on, for MLflow and the reader."""
    evaluated = ",".join(ds.countries) or "all"
    trained = ",".join(c for c in ds.loaded_countries if c) or "all"
    return {"countries": evaluated, "trained_on": trained if pool else evaluated}


def _params(pairs: list[tuple[str, int]], cadence=None) -> dict:
    from forecast.core.cadence import WEEK
    from training.plan import model_params

    return model_params(get_settings(), pairs, cadence or WEEK)


def print_table(frame: pl.DataFrame) -> None:
    numeric = [c for c, d in frame.schema.items() if d.is_float()]
    shown = frame.with_columns(pl.col(numeric).round(4))
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_width_chars=250,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_formatting="MARKDOWN",
    ):
        typer.echo(str(shown))


def _open_store() -> Store:
    from forecast.core.store import Store

    return Store(get_settings().db_path)


@contextmanager
def _reading(cadence: Cadence) -> Iterator[Store]:
    """The store for reading a data set, which must hold districts and events
    (forecast.prerequisites). Beside a writer this is a copy as of the writer's
    last checkpoint, so a backtest does not wait for an ingest to finish; without a stored
    panel the store is opened for writing instead (waiting for the lock), since building
    the data set then stores the panel it builds (training.dataset.load_panel)."""
    from forecast.core.store import reading

    require_store(get_settings().db_path)
    with reading(get_settings().db_path) as store:
        require_inputs(store, cadence)
        if store.has_table(cadence.panel_table):
            yield store
            return
    with _open_store() as store:
        yield store


BacktestTargetOpt = typer.Option(
    None,
    "--target",
    "-t",
    help="any, fatal, civilians or abduction (probabilities), events or fatalities "
    "(expected counts with 50/80/95% intervals, weekly only); repeat for several "
    "(default: every probability target of the settings).",
)


def _split_targets(targets: list[str] | None) -> tuple[list[str] | None, list[str]]:
    """The asked probability targets (None: the settings') and count targets, in the
    order asked; an unknown name exits with the allowed ones."""
    from training.counts import COUNT_TARGETS

    if not targets:
        return None, []
    allowed = (*vocab.TARGETS, *COUNT_TARGETS)
    unknown = [t for t in targets if t not in allowed]
    if unknown:
        names = ", ".join(unknown)
        typer.secho(f"Unknown target(s): {names}; use {', '.join(allowed)}", err=True)
        raise typer.Exit(EXIT_BAD_OPTION)
    asked = list(dict.fromkeys(targets))
    return [t for t in asked if t in vocab.TARGETS], [t for t in asked if t in COUNT_TARGETS]


def _write(frame: pl.DataFrame, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        frame.write_parquet(out)
    else:
        frame.write_csv(out)


def counts_path(out: Path) -> Path:
    """Where the count predictions go when probability targets share ``--out``: beside
    it, ``preds.csv`` -> ``preds.counts.csv`` (their columns differ)."""
    return out.with_name(f"{out.stem}.counts{out.suffix}")


def backtest_cmd(
    target: list[str] | None = BacktestTargetOpt,
    horizon: list[int] | None = HorizonOpt,
    start: datetime | None = StartOpt,
    end: datetime | None = EndOpt,
    step: int | None = StepOpt,
    out: Path | None = typer.Option(
        None, help="Write every out-of-sample prediction here (.csv, or .parquet by ending)."
    ),
    log: bool = typer.Option(True, help="Record each backtest as an MLflow run."),
    jobs: int | None = JobsOpt,
    country: list[str] | None = CountryOpt,
    pool: bool | None = PoolOpt,
    without: list[str] | None = WithoutOpt,
    cadence: str | None = CadenceOpt,
) -> None:
    """Rolling-origin backtest of the model beside the baselines; prints a comparison table.

    At each origin the model and baselines are fitted on rows whose label window ends
    before it (embargo of h periods) and predict the next STEP issue periods. Output
    columns: district_code, issue_week, horizon, target, probability, observed,
    climatology, persistence, conflictology, logistic, onset; at --cadence month,
    issue_month (the month's first day) in place of issue_week. With --country only that
    country's rows are predicted and scored; folds are cut by issue period for all
    countries at once.

    Count targets (--target events, --target fatalities; weekly cadence): the count model
    beside the zero, recent-mean, 52-week-mean and empirical-history baselines on the same
    folds, scored by CRPS, MSE of log(1 + count) and interval coverage, with the CRPS gate
    against each baseline. Their output columns: district_code, issue_week, horizon,
    target, expected, lower50, upper50, lower80, upper80, lower95, upper95, observed,
    zero, recent_mean, mean_52w, empirical, onset; beside probability targets they go to
    OUT with .counts before the suffix (preds.csv -> preds.counts.csv).
    """
    from dataclasses import replace

    from forecast.core.cadence import WEEK
    from training.backtest import comparison_table, prediction_columns
    from training.gate import GateRule
    from training.tracking import configure, data_params, gate_line
    from training.train import log_backtest_run, run_backtests

    settings = get_settings()
    cad = _cadence(cadence)
    binary, counts = _split_targets(target)
    if counts and cad is not WEEK:
        typer.secho(
            f"Count targets ({', '.join(counts)}) are weekly only: drop --cadence {cad.name} "
            "or run them in a separate backtest",
            err=True,
        )
        raise typer.Exit(EXIT_BAD_OPTION)
    # An empty list would mean "the settings' targets" to _pairs: only counts were asked.
    pairs = _pairs(binary, horizon, cad) if binary is None or binary else []
    count_horizons = [h for _, h in _pairs(["any"], horizon, cad)] if counts else []
    count_pairs = [(t, h) for t in counts for h in count_horizons]
    window = _window(start, end, step, cad)
    pool = settings.pool_countries if pool is None else pool
    # The count model reads any's history beside the panel (training.count_backtest).
    wanted = list(dict.fromkeys([*pairs, *(("any", h) for h in count_horizons)]))
    with _reading(cad) as store:
        ds = _without(_dataset(store, wanted, country or None, pool, cad), without)
        events = _stored_events(store) if counts else None
    require_history(ds, wanted, window)
    results = (
        run_backtests(
            ds,
            pairs,
            window=window,
            seed=settings.seed,
            params=_params(pairs, cad),
            jobs=_jobs(jobs),
            k=settings.top_k,
        )
        if pairs
        else []
    )
    count_results = _count_backtests(ds, events, count_pairs, window, settings.seed, _jobs(jobs))
    rule = GateRule.from_settings(settings)
    count_rule = replace(rule, metric="crps")
    if log:
        from training.count_backtest import log_count_backtest_run

        configure(settings.mlflow_uri, settings.artifact_root)
        data = {**data_params(ds), **_scope(ds, pool), "without": ",".join(without or [])}
        for result in results:
            log_backtest_run(result, data, window)
        for result in count_results:
            log_count_backtest_run(result, data, window, count_rule)
    if out is not None and results:
        predictions = pl.concat(
            [r.predictions.select(*prediction_columns(cad), "onset") for r in results]
        )
        _write(predictions, out)
        typer.echo(f"{predictions.height} predictions written to {out}")
    if out is not None and count_results:
        from training.count_backtest import OUTPUT_COLUMNS

        written = [r.predictions.select(OUTPUT_COLUMNS) for r in count_results if r.scores.height]
        predictions = pl.concat(written) if written else pl.DataFrame(schema=list(OUTPUT_COLUMNS))
        path = counts_path(out) if results else out
        _write(predictions, path)
        typer.echo(f"{predictions.height} count predictions written to {path}")
    scope = _scope(ds, pool)
    dropped = f"; without {', '.join(without)}" if without else ""
    typer.echo(f"evaluated on {scope['countries']}; trained on {scope['trained_on']}{dropped}")
    if results:
        print_table(comparison_table(results))
        # What the champion gate would say against the baselines (no champion here).
        for result in results:
            typer.echo(gate_line(result, rule))
    if count_results:
        from training.count_backtest import comparison_table as count_table
        from training.count_backtest import gate_lines

        typer.echo("Counts: CRPS and MSE of log(1 + count) (lower is better), interval coverage")
        print_table(count_table(count_results))
        for result in count_results:
            for line in gate_lines(result, count_rule):
                typer.echo(line)


def _stored_events(store: Store) -> pl.DataFrame:
    from forecast.core.schema import EVENTS

    return EVENTS.conform(store.read("events"))


def _count_backtests(
    ds: Dataset,
    events: pl.DataFrame | None,
    pairs: list[tuple[str, int]],
    window: Window,
    seed: int,
    jobs: int,
) -> list[CountBacktestResult]:
    """The count backtests of ``pairs`` on ``ds`` with the count columns joined."""
    if not pairs:
        return []
    from training.count_backtest import run_count_backtests
    from training.counts import with_counts

    counted = with_counts(ds, events, sorted({h for _, h in pairs}))
    return run_count_backtests(counted, pairs, window=window, seed=seed, jobs=jobs)


def train_cmd(
    target: list[str] | None = TargetOpt,
    horizon: list[int] | None = HorizonOpt,
    start: datetime | None = StartOpt,
    end: datetime | None = EndOpt,
    step: int | None = StepOpt,
    jobs: int | None = JobsOpt,
    cadence: str | None = CadenceOpt,
) -> None:
    """Backtest, fit on all labelled periods, register, and promote through the champion gate.

    A version becomes `champion` only if it beats every baseline and the current champion
    (re-run on the same folds) on settings.gate_metric, with the confidence of a paired
    block bootstrap over issue weeks (gate_confidence); otherwise `challenger`. Promoted
    versions are recorded in the store's champions table (GET /v1/model). Without
    --target, the count models of settings.count_targets (count-<target>-h<h>, weekly
    cadence) are trained beside them and gated on CRPS the same way.
    """
    from forecast.scoring import replace_champions
    from training.backtest import comparison_table
    from training.plan import champion_rows
    from training.tracking import configure, reconcile_aliases
    from training.train import TrainConfig, promote, train_candidates

    settings = get_settings()
    cad = _cadence(cadence)
    pairs = _pairs(target, horizon, cad)
    window = _window(start, end, step, cad)
    with _reading(cad) as store:
        ds = _dataset(store, pairs, cadence=cad)
        require_history(ds, pairs, window)  # before MLflow makes a registry for nothing
        client = configure(settings.mlflow_uri, settings.artifact_root)
        reconcile_aliases(client, store)  # before the gate reads the champions
    config = TrainConfig(
        metric=settings.gate_metric,
        seed=settings.seed,
        window=window,
        jobs=_jobs(jobs),
        params=_params(pairs, cad),
        k=settings.top_k,
        gate_resamples=settings.gate_resamples,
        gate_confidence=settings.gate_confidence,
        gate_block_weeks=settings.gate_block_weeks,
    )
    candidates, outcomes = train_candidates(ds, pairs, config, client)
    champions = champion_rows(ds, candidates, outcomes)
    if target is None and cad.name == "week":
        count_outcomes, count_rows = _train_counts(ds, horizon, config, client)
        outcomes += count_outcomes
        champions = pl.concat([champions, count_rows])
    with _open_store() as store, store.transaction() as con:
        if not champions.is_empty():
            replace_champions(con, champions)
    # The store first, then the registry follows it (forecast.jobs.retrain._commit says why).
    for outcome in outcomes:
        promote(client, outcome)
    for outcome in outcomes:
        verdict = "champion" if outcome.promoted else "challenger"
        typer.echo(f"{outcome.name} v{outcome.version}: {verdict} — {outcome.reason}")
    for outcome in outcomes:
        if not outcome.promoted:
            typer.echo(serving_line(client, outcome.name, settings.baseline_fallback))
    print_table(comparison_table([c.result for c in candidates]))


def serving_line(client: object, name: str, fallback: bool) -> str:
    """What serves a model whose new version was not promoted: the champion it keeps, or,
    when it has none, the labelled baseline (or nothing) the scoring puts in its place.

    Asked after the aliases moved: a version not promoted leaves ``champion`` where it was.
    """
    from training.count_train import PREFIX as COUNT_PREFIX
    from training.tracking import champion_version

    kept = champion_version(client, name)
    if kept is not None:
        return f"{name}: not promoted; champion v{kept.version} keeps serving"
    head = f"{name}: not promoted, and there is no champion to keep"
    if name.startswith(f"{COUNT_PREFIX}-"):
        return f"{head}: no expected counts are served for it"
    if fallback:
        baseline = f"{name}/baseline-logistic"
        return f"{head}: its forecasts come from the logistic history baseline ({baseline})"
    return f"{head}: it is left unscored (FORECAST_BASELINE_FALLBACK=false)"


def _train_counts(ds, horizons: list[int] | None, config, client) -> tuple[list, pl.DataFrame]:
    """The count models (settings.count_targets) beside the risk models of `forecast
    train`: backtest, CRPS gate, registration; their outcomes and champions rows."""
    from forecast.core.schema import EVENTS
    from training.count_train import (
        count_champion_rows,
        count_dataset,
        count_pairs,
        train_count_candidates,
    )
    from training.tracking import data_params

    settings = get_settings()
    counted = [(t, h) for t, h in count_pairs(settings) if not horizons or h in horizons]
    if not counted:
        return [], CHAMPIONS.empty()
    data = data_params(ds)
    with _open_store() as store:
        counts_ds = count_dataset(ds, EVENTS.conform(store.read("events")))
    candidates, outcomes = train_count_candidates(
        counts_ds,
        counted,
        window=config.window,
        seed=config.seed,
        rule=config.rule,
        client=client,
        countries=settings.countries,
        pool=settings.pool_countries,
        jobs=config.jobs,
        data=data,
    )
    return outcomes, count_champion_rows(counts_ds, candidates, outcomes)


def tune_cmd(
    target: list[str] | None = TargetOpt,
    horizon: list[int] | None = HorizonOpt,
    trials: int | None = typer.Option(
        None, min=1, help="Trials per (target, horizon) (default: tune_trials)."
    ),
    timeout: float | None = typer.Option(None, help="Seconds per (target, horizon), at most."),
    until: datetime | None = typer.Option(
        None,
        formats=["%Y-%m-%d"],
        help="Use rows whose labels end before this period (default: backtest start).",
    ),
    cadence: str | None = CadenceOpt,
) -> None:
    """Search LightGBM hyperparameters with optuna inside the training window; store the best.

    The best set goes to <home>/tuning/best_params.json and is used by train and retrain.
    """
    import mlflow

    from training.tracking import configure, model_name
    from training.tune import save_params, tune

    settings = get_settings()
    cad = _cadence(cadence)
    pairs = _pairs(target, horizon, cad)
    with _reading(cad) as store:
        ds = _dataset(store, pairs, cadence=cad)
    require_history(ds, pairs, _window(None, None, None, cad))
    configure(settings.mlflow_uri, settings.artifact_root)
    for t, h in pairs:
        name = model_name(t, h, cad)
        with mlflow.start_run(run_name=f"tune {name}"):
            mlflow.set_tags({"kind": "tune", "target": t, "horizon": h, "cadence": cad.name})
            try:
                entry = tune(
                    ds,
                    t,
                    h,
                    metric=settings.gate_metric,
                    n_trials=trials or settings.tune_trials,
                    timeout=timeout,
                    until=until.date() if until else None,
                    seed=settings.seed,
                )
            except ValueError as error:  # the inner backtest's window is too short
                raise NotReady(
                    f"Cannot tune {name}: {error}",
                    "ingest a longer history (`forecast ingest events FILE`) or pass a later "
                    "--until",
                ) from None
            mlflow.log_params({f"best.{k}": v for k, v in entry["params"].items()})
            mlflow.log_metric(f"best_{entry['metric']}", entry["value"])
        path = save_params(settings.home, t, h, entry, cad)
        typer.echo(f"{name}: best {entry['metric']} {entry['value']:.4f} -> {path}")


def score_cmd(
    week: datetime | None = typer.Option(
        None,
        formats=["%Y-%m-%d"],
        help="Issue period (any day of it; default: the latest panel week, or month).",
    ),
    cadence: str | None = CadenceOpt,
) -> None:
    """Write the forecasts table for one issue period with the champion models.

    Pairs without a champion get the logistic history baseline, labelled
    <model>/baseline-logistic (FORECAST_BASELINE_FALLBACK=false: left unscored).
    """
    from forecast.scoring import NoChampionError, score_week
    from training.plan import cadence_pairs

    cad = _cadence(cadence)
    require_store(get_settings().db_path)  # opening the store would create an empty one
    with _open_store() as store:
        require_inputs(store, cad)
        if cad.name != "week":  # the weekly panel is built on demand, the monthly one not
            require_panel(store, cad)
        ds = _dataset(store, cadence_pairs(get_settings(), cad), cadence=cad)
        day = cad.truncate(week.date()) if week else None
        if day is not None:
            _check_in_panel(ds, day)
        try:
            frame = score_week(store, day, cadence=cad.name, ds=ds)
        except NoChampionError:
            raise NotReady(
                "No champion model registered yet and FORECAST_BASELINE_FALLBACK is off",
                "run `forecast train` (or `forecast retrain`)",
            ) from None
    summary = frame.group_by("target", "horizon", "band").len().sort("target", "horizon", "band")
    typer.echo(f"{frame.height} forecasts for issue {cad.unit} {frame['issue_week'][0]}")
    print_table(summary)


def _check_in_panel(ds: Dataset, day: date) -> None:
    """The issue period asked for is one of the panel's; else exit 2 with the panel's range."""
    periods = ds.frame[ds.key]
    if (periods == day).any():
        return
    cad = ds.cadence
    typer.secho(
        f"No panel rows for issue {cad.unit} {day}: the panel covers {periods.min()} .. "
        f"{periods.max()}; pick a {cad.unit} inside it, or ingest newer events and run "
        f"`forecast features build{'' if cad.name == 'week' else ' --cadence ' + cad.name}`",
        err=True,
    )
    raise typer.Exit(EXIT_BAD_OPTION)


@contextmanager
def _store_for_retrain(home: Path) -> Iterator[None]:
    """Hold the store open for the retrain: opening here waits for another process's lock
    with the command line's message and timeout (the job's own open inside
    forecast.jobs.retrain then shares this process's database). When another retrain holds the
    job lock nothing is opened, so the job reports that at once (exit 75)."""
    from filelock import FileLock, Timeout

    from forecast.jobs.retrain import LOCK_FILE

    home.mkdir(parents=True, exist_ok=True)
    probe = FileLock(str(home / LOCK_FILE), timeout=0)
    try:
        probe.acquire()
    except Timeout:
        yield
        return
    probe.release()
    with _open_store():
        yield


def retrain_cmd(
    drop: Path | None = typer.Option(None, help="Drop folder (default: <home>/drop)."),
    force: bool = typer.Option(False, help="Retrain even if no new data arrived."),
    step: int | None = StepOpt,
    jobs: int | None = JobsOpt,
    cadence: str | None = CadenceOpt,
) -> None:
    """The weekly job: ingest, extend the panel, backtest, train, gate, promote, score.

    New files in the drop folder and pending field reports are ingested first; the latest
    week is scored last.
    Exit codes: 0 a new champion was promoted and the latest week scored; 10 trained but
    nothing promoted (latest week scored with the current champions); 20 nothing new;
    75 another retrain is running; 1 failure (champions and forecasts unchanged).
    """
    from forecast.jobs.retrain import retrain

    cad = _cadence(cadence)
    settings = get_settings()
    with _store_for_retrain(settings.home):
        report = retrain(
            settings,
            drop=drop,
            force=force,
            window=_window(None, None, step, cad),
            jobs=_jobs(jobs),
            cadence=cad.name,
        )
    for line in report.lines:
        typer.echo(line)
    kept = [o for o in report.outcomes if not o.promoted]
    if kept:
        from training.tracking import configure

        client = configure(settings.mlflow_uri, settings.artifact_root)
        for outcome in kept:
            typer.echo(serving_line(client, outcome.name, settings.baseline_fallback))
    raise typer.Exit(int(report.code))


def register(app: typer.Typer) -> None:
    """Add backtest, train, tune, score and retrain to the ``forecast`` command."""
    app.command("backtest")(refusing(backtest_cmd))
    app.command("train")(refusing(train_cmd))
    app.command("tune")(refusing(tune_cmd))
    app.command("score")(refusing(score_cmd))
    app.command("retrain")(retrain_cmd)  # the job reports its own refusals (exit 1)
