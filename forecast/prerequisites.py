"""What a command needs from the home before it can run, and the one line that says so.

Each ``require_*`` raises :class:`NotReady` naming the missing piece and the command that
makes it; a command wrapped in :func:`refusing` (and any command of ``forecast``, whose
group catches it too) prints that line and exits :data:`EXIT_NOT_READY` without a
traceback (docs/OPERATIONS.md, "When a command refuses"). The checks run in the order a
home is built: store, districts, events, panel, history long enough, forecasts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer

if TYPE_CHECKING:  # the training stack loads lazily: `forecast --help` stays quick
    from forecast.core.cadence import Cadence
    from forecast.core.store import Store
    from training.backtest import Window
    from training.dataset import Dataset

# The code every "not ready" refusal exits with; the same as the commands' long-standing
# "no data" exits (features build, backfill, bulletin), so scripts need no new case.
EXIT_NOT_READY = 1

INGEST_DISTRICTS = "run `forecast ingest districts FILE` (or `forecast demo` for the demo world)"
INGEST_EVENTS = "run `forecast ingest events FILE` or `forecast pull acled`"
INGEST_COUNTS = "run `forecast ingest counts FILE` or `forecast ingest events FILE`"


class NotReady(Exception):
    """A step this command needs has not run on this home yet."""

    def __init__(self, missing: str, remedy: str) -> None:
        self.missing = missing
        self.remedy = remedy
        super().__init__(f"{missing}: {remedy}")


P = ParamSpec("P")
R = TypeVar("R")


def report_not_ready(error: NotReady) -> typer.Exit:
    """Print the refusal's one line on stderr; the exit to raise."""
    typer.secho(f"Not ready: {error}", fg=typer.colors.RED, err=True)
    return typer.Exit(EXIT_NOT_READY)


def refusing(command: Callable[P, R]) -> Callable[P, R]:
    """The command, ending with its NotReady line and EXIT_NOT_READY instead of a
    traceback on whichever Typer app it is registered (tests build their own)."""

    @functools.wraps(command)  # Typer reads the options from the wrapped signature
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except NotReady as error:
            raise report_not_ready(error) from None

    return run


def require_store(db_path: Path) -> None:
    """The store file exists (opening one for reading does not create it)."""
    if not db_path.exists():
        raise NotReady(f"No store at {db_path}", INGEST_DISTRICTS)


def _rows(store: Store, table: str) -> int:
    return store.count(table) if store.has_table(table) else 0


def require_districts(store: Store) -> None:
    if _rows(store, "districts") == 0:
        raise NotReady("No districts in the store", INGEST_DISTRICTS)


def require_events(store: Store, cadence: Cadence) -> None:
    """Something to build the panel from: events, or at monthly cadence monthly counts."""
    if _rows(store, "events") > 0:
        return
    if cadence.name == "week":
        raise NotReady("No events in the store", INGEST_EVENTS)
    if _rows(store, "counts") == 0:
        raise NotReady("No events or monthly counts in the store", INGEST_COUNTS)


def require_inputs(store: Store, cadence: Cadence) -> None:
    """What a data set for a backtest or a score is read from: the cadence's stored panel,
    or districts and then events to build it from."""
    if _rows(store, cadence.panel_table) > 0:
        return
    require_districts(store)
    require_events(store, cadence)


def require_panel(store: Store, cadence: Cadence) -> None:
    """The cadence's stored panel (the weekly one is built on demand; the monthly one not)."""
    if not store.has_table(cadence.panel_table):
        raise NotReady(
            f"No {cadence.name}ly panel in the store",
            f"run `forecast features build --cadence {cadence.name}`",
        )


def shortest_history(horizon: int, window: Window) -> int:
    """Periods of panel a backtest of ``horizon`` needs for its first fold: the training
    span, the embargo of ``horizon`` periods, then one issue period whose label of
    ``horizon`` periods lies inside the panel (training.backtest.origins)."""
    return window.min_train_weeks + 2 * horizon + 1


def _has_fold(ds: Dataset, target: str, horizon: int, window: Window) -> bool:
    from training.backtest import origins

    labelled = ds.labels(target, horizon).is_not_null().to_numpy()
    return bool(origins(ds.week_idx, labelled, horizon, window)[0])


def require_history(ds: Dataset, pairs: Sequence[tuple[str, int]], window: Window) -> None:
    """Every (target, horizon) has at least one backtest fold. The longest horizon without
    one is named, with how long the panel is and must be, and the asked horizons that fit.

    Only the data's length is judged: an explicit --start/--end that selects no issue
    period is the caller's choice (the backtest then writes no rows), not a missing step.
    """
    window = replace(window, start=None, end=None)
    short = [(t, h) for t, h in pairs if not _has_fold(ds, t, h, window)]
    if not short:
        return
    target, horizon = max(short, key=lambda pair: pair[1])
    fits = sorted({h for _, h in pairs} - {h for _, h in short})
    cadence = ds.cadence
    if not ds.week_idx.size:
        raise NotReady(f"No {cadence.name}ly panel rows to backtest", INGEST_EVENTS)
    first, last = int(ds.week_idx.min()), int(ds.week_idx.max())
    remedy = "ingest a longer history (`forecast ingest events FILE`)"
    if fits:
        remedy += " or keep to " + " ".join(f"--horizon {h}" for h in fits)
    raise NotReady(
        f"Too little history for a backtest of {target} at {horizon} {cadence.units}: the "
        f"panel has {last - first + 1} {cadence.units} ({cadence.start(first)} .. "
        f"{cadence.start(last)}) and needs at least {shortest_history(horizon, window)}",
        remedy,
    )


def require_forecasts(store: Store) -> None:
    """Forecasts to publish or serve (their cadence is checked where it is chosen)."""
    if _rows(store, "forecasts") == 0:
        raise NotReady("No forecasts in the store", "run `forecast retrain` (or `forecast score`)")
