"""``forecast backfill``: the feature panel computed on a Dask cluster (docs/SCALING.md).

Call :func:`register` on the main Typer app. The tables come from the store; the panel
goes to Parquet files (``--out``) or, without it, to the store's panel table like
``forecast features build --full``.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from forecast.commands.features import PANEL_TABLE, ConfigOpt, load_config
from forecast.prerequisites import refusing

if TYPE_CHECKING:
    from distributed import Client

    from forecast.core.schema import CanonicalTables

EXIT_NO_DATA = 1
EXIT_NO_DASK = 3


def register(app: typer.Typer) -> None:
    """Add the ``backfill`` command to the ``forecast`` command line."""
    app.command("backfill")(refusing(backfill))


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _fail(message: str, code: int) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def backfill(
    out: Path | None = typer.Option(
        None,
        "--out",
        file_okay=False,
        help="Folder for one Parquet file per block (panel-<first>_<last>.parquet), written "
        "by this process. Without it the panel replaces the store's panel table.",
    ),
    start: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="First week (default: the first event's week)."
    ),
    end: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="Last week (default: the latest event's week)."
    ),
    block_weeks: int = typer.Option(
        156,
        min=1,
        help="Weeks per task. Each task also recomputes the weeks its longest window reaches "
        "back (51 by default): larger blocks waste less, smaller ones spread wider.",
    ),
    scheduler: str | None = typer.Option(
        None,
        help="Address of a running Dask scheduler, e.g. tcp://host:8786. "
        "Without it, a LocalCluster on this machine.",
    ),
    workers: int | None = typer.Option(
        None, min=1, help="LocalCluster only: worker processes (default: one per core)."
    ),
    memory_limit: str | None = typer.Option(
        None, help="LocalCluster only: memory per worker, e.g. 4GiB (default: RAM / workers)."
    ),
    overwrite: bool = typer.Option(
        False, help="Replace panel files an earlier backfill left in --out."
    ),
    config: Path | None = ConfigOpt,
) -> None:
    """Backfill the feature panel on a Dask cluster; same rows as `forecast features build`."""
    from forecast.core.settings import get_settings
    from forecast.core.store import Store

    try:
        from forecast import backfill as engine

        engine.require_distributed()
    except ImportError as error:
        raise _fail(str(error), EXIT_NO_DASK) from None
    settings = get_settings()
    feature_config = load_config(config or getattr(settings, "features_config", None))
    tables = _load_tables(settings.db_path, bounded=start is not None and end is not None)
    began = time.perf_counter()
    client = _connect(scheduler, workers, memory_limit)
    options = {"start": _day(start), "end": _day(end), "block_weeks": block_weeks}
    try:
        if out is not None:
            paths = engine.backfill_to_parquet(
                tables, out, client=client, config=feature_config, overwrite=overwrite, **options
            )
        else:
            panel = engine.backfill_panel(tables, client=client, config=feature_config, **options)
    except (ValueError, FileExistsError) as error:
        raise _fail(f"Cannot backfill: {error}", EXIT_NO_DATA) from None
    finally:
        engine.close_client(client)
    seconds = time.perf_counter() - began
    if out is not None:
        typer.echo(f"Wrote {len(paths)} Parquet files to {out} in {seconds:.1f} s")
        return
    with Store(settings.db_path) as store:
        store.replace(PANEL_TABLE, panel)
    typer.echo(
        f"Built panel: {panel.height:,} rows, {panel['week'].n_unique()} weeks "
        f"({panel['week'].min()} .. {panel['week'].max()}), {panel.width - 2} features "
        f"in {seconds:.1f} s; stored as table {PANEL_TABLE!r}"
    )


def _load_tables(db_path: Path, *, bounded: bool) -> CanonicalTables:
    """The canonical tables; events are required unless both ends of the panel are given."""
    from forecast.core.cadence import WEEK
    from forecast.core.store import reading
    from forecast.prerequisites import require_districts, require_events, require_store

    require_store(db_path)
    with reading(db_path) as store:  # beside a writer: its last checkpoint
        require_districts(store)
        if not bounded:
            require_events(store, WEEK)
        return store.load_tables()


def _connect(scheduler: str | None, workers: int | None, memory_limit: str | None) -> Client:
    """A client of the given scheduler, else of a new LocalCluster."""
    from distributed import Client

    from forecast.backfill import local_cluster_client

    if scheduler is None:
        client = local_cluster_client(workers, memory_limit=memory_limit)
        where = "a LocalCluster"
    else:
        try:
            client = Client(scheduler, set_as_default=False)
        except (OSError, TimeoutError) as error:
            message = f"Cannot reach the Dask scheduler at {scheduler}: {error}"
            raise _fail(message, EXIT_NO_DASK) from None
        where = scheduler
    typer.echo(f"Backfilling on {where} ({len(client.nthreads())} workers)")
    return client
