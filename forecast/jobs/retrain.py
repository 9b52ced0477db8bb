"""The weekly retraining job: ingest, refresh the panel, backtest, train, gate, promote, score.

Before the panel is rebuilt, files in the drop folder and pending field reports from the
service DB are ingested. Safe to run from cron or a Kubernetes CronJob:

- a file lock (``<home>/retrain.lock``) lets one job run at a time; a second one exits
  at once with :attr:`ExitCode.LOCKED`;
- nothing served changes until the end: new versions are registered without moving any
  alias, the latest week is scored in memory (new champions where the gate promoted,
  current champions elsewhere), and only then are the forecasts and the ``champions``
  table written, in one store transaction; if anything fails before its commit, the
  champion and its forecasts stay as they were. The store is the source of truth: the
  ``champion`` aliases are moved after the commit, and every run (and every scoring)
  first puts back an alias that a killed or failed run left behind, so a ``kill -9``
  anywhere leaves the store before or after and the registry follows at the next run
  (tests/ops/test_crash_safety.py);
- the exit code tells what happened (:class:`ExitCode`).
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

import polars as pl
from filelock import FileLock, Timeout

from forecast.core.cadence import WEEK, Cadence
from forecast.core.cadence import get as get_cadence
from forecast.core.schema import EVENTS
from forecast.core.settings import Settings
from forecast.core.store import Store
from forecast.prerequisites import NotReady, require_history, require_inputs
from training.backtest import Window
from training.dataset import dataset_from_store, load_panel
from training.plan import cadence_pairs, champion_rows, model_params, onset_window, settings_window
from training.train import Outcome, TrainConfig, train_candidates

LOCK_FILE = "retrain.lock"


class ExitCode(IntEnum):
    """``forecast retrain`` exit codes."""

    PROMOTED = 0  # at least one new champion; forecasts of the latest week written
    FAILED = 1  # something failed; champion aliases and forecasts unchanged
    NOT_PROMOTED = 10  # trained and registered, but no candidate passed the gate
    NOTHING_NEW = 20  # no new data since the champions were trained; nothing done
    LOCKED = 75  # another retrain holds the lock (EX_TEMPFAIL: try again later)


@dataclass
class RetrainReport:
    code: ExitCode
    lines: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)


def retrain(
    settings: Settings,
    *,
    drop: Path | None = None,
    force: bool = False,
    window: Window | None = None,
    jobs: int | None = None,
    cadence: str | None = None,
) -> RetrainReport:
    """Run the whole job under the lock; never raises, the report's code says how it went.

    ``window`` and ``jobs`` default to the settings' backtest_step, backtest_years and
    train_jobs; ``cadence`` to settings.cadence (monthly: the monthly panel, models
    ``risk-<target>-m<h>``, forecasts and champions rows of cadence ``month``).
    """
    cad = get_cadence(cadence or settings.cadence)
    settings.home.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.home / LOCK_FILE), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return RetrainReport(ExitCode.LOCKED, [f"another retrain holds {lock.lock_file}"])
    report = RetrainReport(ExitCode.FAILED)
    try:
        window = window or settings_window(settings, cad)
        jobs = jobs or settings.train_jobs
        _run(settings, report, drop=drop, force=force, window=window, jobs=jobs, cadence=cad)
    except NotReady as error:  # a half-built home: one line naming the step to run
        report.code = ExitCode.FAILED
        report.say(f"not ready: {error}")
    except Exception as error:  # the job's contract: report and exit 1, state untouched
        report.code = ExitCode.FAILED
        report.say(f"failed: {type(error).__name__}: {error}")
        report.say(traceback.format_exc())
    finally:
        lock.release()
    return report


def _ingest(store: Store, folder: Path, report: RetrainReport) -> int:
    from forecast.ingest import ingest_drop_folder

    if not folder.is_dir():
        report.say(f"no drop folder at {folder}")
        return 0
    reports = ingest_drop_folder(store, folder)
    for r in reports:
        report.say(r.summary())
    return sum(r.rows_changed for r in reports if not r.skipped)


def _pull(store: Store, settings: Settings, report: RetrainReport) -> int:
    """ACLED's new and revised events when credentials are set; rows changed.

    A failed pull stores nothing and does not stop the job: the week is still forecast
    from the stored data, whose date the forecasts carry (``data_as_of``, ``stale``).
    """
    from forecast.core.errors import InputError
    from forecast.sources.acled_api import pull_if_configured
    from forecast.sources.acled_wire import AcledError

    try:
        pulled = pull_if_configured(store, settings)
    except (AcledError, InputError) as error:
        report.say(f"ACLED pull failed, nothing stored; forecasting from stored data: {error}")
        return 0
    if pulled is None:
        return 0
    for line in pulled.lines():
        report.say(line)
    return pulled.rows_changed


def ingest_field_reports(store: Store, settings: Settings, report: RetrainReport) -> int:
    """Place the service DB's pending field reports and upsert them into ``events``.

    Marked ingested only once the store committed them; if marking fails they are
    upserted again next time, which changes nothing (same source_id, same content).
    """
    from forecast.core import servicedb
    from forecast.core.schema import EVENTS
    from forecast.ingest import place_events

    engine = servicedb.connect(settings.service_db)
    try:
        pending = servicedb.pending_field_reports(engine)
        if pending.is_empty():
            return 0
        placed = place_events(pending, store, settings.nearest_centroid_max_km)
        with store.transaction():
            changed = store.upsert(EVENTS, placed)
        servicedb.mark_field_reports_ingested(engine, placed["source_id"].to_list())
    finally:
        engine.dispose()
    unplaced = placed["district_code"].null_count()
    report.say(f"field reports: {placed.height} ingested ({changed} changed, {unplaced} unplaced)")
    return changed


def _promoted(candidates: Sequence[Any], outcomes: Sequence[Outcome]) -> dict[tuple[str, int], Any]:
    """The promoted candidates' models, ready to score, by (target, horizon)."""
    from training.served import ScoringModel

    return {
        (c.target, c.horizon): ScoringModel(c.model, f"{o.name}/{o.version}")
        for c, o in zip(candidates, outcomes, strict=True)
        if o.promoted
    }


def _nothing_new(client: Any, names: Sequence[str], data_hash: str) -> bool:
    """Every registered model's last successful run (its newest aliased version) used
    exactly this data.

    A successful run leaves each model's new version aliased ``champion`` or
    ``challenger``; a failed one leaves the aliases where they were, so it is retried.
    """
    from training.tracking import CHALLENGER, CHAMPION

    for name in names:
        versions = [_alias_version(client, name, alias) for alias in (CHAMPION, CHALLENGER)]
        known = [int(v) for v in versions if v is not None]
        if not known:
            return False
        newest = client.get_model_version(name, str(max(known)))
        if newest.tags.get("data_hash") != data_hash:
            return False
    return True


def _run(
    settings: Settings,
    report: RetrainReport,
    *,
    drop: Path | None,
    force: bool,
    window: Window,
    jobs: int,
    cadence: Cadence = WEEK,
) -> None:
    from forecast.intensity import load_count_champions
    from forecast.scoring import data_as_of, load_champions, scored_frames, with_fallbacks
    from training.count_train import (
        count_champion_rows,
        count_dataset,
        count_model_name,
        count_pairs,
        train_count_candidates,
    )
    from training.tracking import configure, data_hash, data_params, model_name, reconcile_aliases

    pairs = cadence_pairs(settings, cadence)
    with Store(settings.db_path) as store:
        changed = _pull(store, settings, report)
        changed += _ingest(store, Path(drop or settings.drop_folder), report)
        changed += ingest_field_reports(store, settings, report)
        require_inputs(store, cadence)
        panel = load_panel(store, refresh=changed > 0, cadence=cadence)
        ds = dataset_from_store(
            store,
            settings.horizons_for(cadence.name),
            list(dict.fromkeys(t for t, _ in pairs)),
            onset_weeks=onset_window(settings, cadence),
            panel=panel,
            countries=settings.countries,
            pool=settings.pool_countries,
            cadence=cadence,
        )
        require_history(ds, pairs, window)
        client = configure(settings.mlflow_uri, settings.artifact_root)
        for line in reconcile_aliases(client, store):
            report.say(line)
        digest = data_hash(ds)
        counted = count_pairs(settings, cadence)
        names = [model_name(t, h, cadence.name) for t, h in pairs]
        names += [count_model_name(t, h) for t, h in counted]
        if not force and _nothing_new(client, names, digest):
            report.code = ExitCode.NOTHING_NEW
            report.say(f"nothing new: every model was last trained on this data ({digest})")
            return
        config = TrainConfig(
            metric=settings.gate_metric,
            seed=settings.seed,
            window=window,
            jobs=jobs,
            params=model_params(settings, pairs, cadence),
            k=settings.top_k,
            gate_resamples=settings.gate_resamples,
            gate_confidence=settings.gate_confidence,
            gate_block_weeks=settings.gate_block_weeks,
        )
        candidates, outcomes = train_candidates(ds, pairs, config, client)
        if counted:
            data = data_params(ds)
            ds = count_dataset(ds, EVENTS.conform(store.read("events")))
            count_candidates, count_outcomes = train_count_candidates(
                ds,
                counted,
                window=window,
                seed=settings.seed,
                rule=config.rule,
                client=client,
                countries=settings.countries,
                pool=settings.pool_countries,
                jobs=jobs,
                data=data,
            )
        else:
            count_candidates, count_outcomes = [], []
        report.outcomes = outcomes + count_outcomes
        for o in report.outcomes:
            verdict = "champion" if o.promoted else "challenger"
            report.say(f"{o.name} v{o.version}: {verdict} ({o.reason})")
        models = _promoted(candidates, outcomes)
        models.update(load_champions(client, [p for p in pairs if p not in models], cadence.name))
        models = with_fallbacks(models, pairs, ds, enabled=settings.baseline_fallback)
        count_models = _promoted(count_candidates, count_outcomes)
        kept = [p for p in counted if p not in count_models]
        count_models.update(load_count_champions(client, kept))
        frame, intensity = (
            scored_frames(
                ds,
                ds.last_week,
                models,
                count_models,
                settings,
                data_as_of=data_as_of(store, cadence),
            )
            if models
            else (None, None)
        )
        champions = pl.concat(
            [
                champion_rows(ds, candidates, outcomes),
                count_champion_rows(ds, count_candidates, count_outcomes),
            ]
        )
        _commit(store, client, report.outcomes, frame, champions, intensity)
        if frame is not None:
            report.say(f"scored issue {cadence.unit} {ds.last_week}: {frame.height} forecasts")
            if intensity is not None and intensity.height:
                report.say(f"intensity: {intensity.height} expected counts")
        promoted = any(o.promoted for o in outcomes)
        report.code = ExitCode.PROMOTED if promoted else ExitCode.NOT_PROMOTED


def _commit(
    store: Store,
    client: Any,
    outcomes: list[Outcome],
    frame: Any,
    champions: pl.DataFrame,
    intensity: pl.DataFrame | None = None,
) -> None:
    """Write the forecasts, their intensity and the champions table in one transaction,
    then move the aliases.

    The store is the source of truth and the registry follows it: a process killed
    between the commit and the last alias leaves aliases behind, which the next run puts
    back first (:func:`training.tracking.reconcile_aliases`). Moving them inside the
    transaction instead would let a kill leave the registry ahead of a store that rolled
    back, with nothing to tell which was meant.
    """
    from forecast.intensity import replace_intensity
    from forecast.scoring import replace_champions, replace_forecasts
    from training import tracking

    with store.transaction() as con:
        if frame is not None:
            replace_forecasts(con, frame)
        if intensity is not None:
            replace_intensity(con, intensity)
        if not champions.is_empty():
            replace_champions(con, champions)
    for o in outcomes:
        alias = tracking.CHAMPION if o.promoted else tracking.CHALLENGER
        tracking.set_alias(client, o.name, o.version, alias)


def _alias_version(client: Any, name: str, alias: str) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None
