"""The ``forecast`` command line: ingest, status, demo, and the commands of later stages."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import typer
from typer.core import TyperGroup

from forecast.core.cadence import Cadence
from forecast.core.cadence import get as get_cadence
from forecast.core.errors import InputError
from forecast.core.settings import get_settings
from forecast.core.store import Store, reading
from forecast.core.storelock import LockWait, StoreBusyError, waiting_for_lock
from forecast.ingest import (
    CountsFormat,
    EventFormat,
    IngestReport,
    PresenceFormat,
    ingest_counts,
    ingest_demo_files,
    ingest_deployments,
    ingest_districts,
    ingest_drop_folder,
    ingest_events,
    ingest_partners,
)
from forecast.prerequisites import (
    NotReady,
    refusing,
    report_not_ready,
    require_districts,
    require_events,
    require_forecasts,
)
from forecast.status import render_status, store_status

EXIT_BAD_INPUT = 2
# Another process holds the store past FORECAST_STORE_LOCK_TIMEOUT_SECONDS: try again later
# (EX_TEMPFAIL, as `forecast retrain` exits when another retrain runs).
EXIT_STORE_BUSY = 75


def _to_stderr(message: str) -> None:
    typer.secho(message, fg=typer.colors.YELLOW, err=True)


class StoreWaitingGroup(TyperGroup):
    """Every command runs with the command line's lock policy: opening a store another
    process holds waits FORECAST_STORE_LOCK_TIMEOUT_SECONDS with a message on stderr, and a
    store still busy then ends the command with one line naming the holder (exit 75).

    A command whose home lacks a step it needs (forecast.prerequisites) ends with one line
    naming what is missing and the command that makes it (exit 1), not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        policy = LockWait(
            timeout=lambda: get_settings().store_lock_timeout_seconds,
            announce=_to_stderr,
            setting="FORECAST_STORE_LOCK_TIMEOUT_SECONDS",
        )
        try:
            with waiting_for_lock(policy):
                return super().invoke(ctx)
        except StoreBusyError as error:
            typer.secho(f"Error: {error}", fg=typer.colors.RED, err=True)
            raise typer.Exit(EXIT_STORE_BUSY) from None
        except NotReady as error:  # a command not wrapped in prerequisites.refusing
            raise report_not_ready(error) from None


app = typer.Typer(
    help="District-level early warning of political violence: ingest, features, train, serve.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=StoreWaitingGroup,
)
ingest_app = typer.Typer(help="Load data files into the store (all-or-nothing, idempotent).")
app.add_typer(ingest_app, name="ingest")

MAX_WARNINGS = 20  # rows listed after a summary; the summary says how many there are


@contextmanager
def reporting_input_errors() -> Iterator[None]:
    """Turn a rejected file into a clear message and exit code 2 instead of a traceback."""
    try:
        yield
    except InputError as error:
        typer.secho(f"Rejected: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def open_store() -> Store:
    return Store(get_settings().db_path)


def _print(report: IngestReport) -> None:
    typer.echo(report.summary())
    for line in report.warnings[:MAX_WARNINGS]:
        typer.echo(f"  not stored: {line}")
    if len(report.warnings) > MAX_WARNINGS:
        typer.echo(f"  ... and {len(report.warnings) - MAX_WARNINGS} more rows not stored")


def _note_unplaced(store: Store, what: str) -> None:
    """Rows ingested before any district are stored unplaced: say so, and what places them."""
    if not store.has_table("districts") or store.count("districts") == 0:
        typer.secho(
            f"Note: no districts in the store, so these {what} are in no district yet: "
            "`forecast ingest districts FILE` places them",
            fg=typer.colors.YELLOW,
            err=True,
        )


FileArg = typer.Argument(..., help="File to read.", show_default=False)


@ingest_app.command("events")
def ingest_events_cmd(
    file: Path = FileArg,
    format: EventFormat = typer.Option(EventFormat.acled, "--format", "-f", help="Source format."),
    force: bool = typer.Option(False, help="Read the file even if this content was ingested."),
) -> None:
    """Ingest incidents: an ACLED export CSV or a UCDP GED file (CSV or API JSON)."""
    with reporting_input_errors(), open_store() as store:
        settings = get_settings()
        _print(
            ingest_events(
                store, file, format, nearest_max_km=settings.nearest_centroid_max_km, force=force
            )
        )
        _note_unplaced(store, "events")


@ingest_app.command("districts")
def ingest_districts_cmd(
    file: Path = FileArg,
    code_field: str | None = typer.Option(None, help="Column holding the district code."),
    name_field: str | None = typer.Option(None, help="Column holding the district name."),
    admin1_field: str | None = typer.Option(None, help="Column holding the region name."),
    country_field: str | None = typer.Option(None, help="Column holding the country."),
    country: str | None = typer.Option(None, help="ISO3 country for every district."),
    population_field: str | None = typer.Option(None, help="Column holding population."),
    force: bool = typer.Option(False, help="Read the file even if this content was ingested."),
) -> None:
    """Ingest district boundaries (GeoJSON, GeoPackage, Shapefile) or a CSV gazetteer.

    geoBoundaries, OCHA COD and GADM column names are recognised without options.
    Stored events and sites are placed again against the new districts.
    """
    with reporting_input_errors(), open_store() as store:
        settings = get_settings()
        report = ingest_districts(
            store,
            file,
            nearest_max_km=settings.nearest_centroid_max_km,
            force=force,
            code_field=code_field,
            name_field=name_field,
            admin1_field=admin1_field,
            country_field=country_field,
            country=country,
            population_field=population_field,
        )
        _print(report)


@ingest_app.command("deployments")
def ingest_deployments_cmd(
    file: Path = FileArg,
    force: bool = typer.Option(False, help="Read the file even if this content was ingested."),
) -> None:
    """Ingest national troop deployments (the project's CSV format, docs/FORMATS.md)."""
    with reporting_input_errors(), open_store() as store:
        _print(ingest_deployments(store, file, force=force))
        _note_unplaced(store, "deployments")


@ingest_app.command("partners")
def ingest_partners_cmd(
    file: Path = FileArg,
    format: PresenceFormat = typer.Option(PresenceFormat.csv, "--format", "-f"),
    mission: list[str] | None = typer.Option(
        None, help="Geo-PKO only: keep these missions (repeatable), e.g. --mission MINUSMA."
    ),
    force: bool = typer.Option(False, help="Read the file even if this content was ingested."),
) -> None:
    """Ingest foreign partner-force presence: the project's CSV or Geo-PKO (UN missions)."""
    with reporting_input_errors(), open_store() as store:
        _print(ingest_partners(store, file, format, missions=mission or None, force=force))
        _note_unplaced(store, "partner sites")


@ingest_app.command("counts")
@refusing
def ingest_counts_cmd(
    file: Path = FileArg,
    format: CountsFormat = typer.Option(
        CountsFormat.acled_monthly, "--format", "-f", help="Source format."
    ),
    force: bool = typer.Option(False, help="Read the file even if this content was ingested."),
) -> None:
    """Ingest counts per district and month: ACLED's admin-2 monthly aggregates (HDX).

    Rows are matched to the stored districts by P-code, name or P-code succession; the file is
    refused when more than FORECAST_COUNTS_MAX_UNMATCHED of its rows match none.
    """
    with reporting_input_errors(), open_store() as store:
        require_districts(store)  # counts are matched to stored districts, row by row
        settings = get_settings()
        _print(
            ingest_counts(
                store, file, format, max_unmatched=settings.counts_max_unmatched, force=force
            )
        )


@ingest_app.command("drop")
def ingest_drop_cmd(
    folder: Path | None = typer.Argument(
        None, help="Drop folder (default: <home>/drop) with sub-folders per kind."
    ),
) -> None:
    """Ingest every new file of a drop folder: districts/, acled/, ucdp/, counts/ ..."""
    folder = folder or get_settings().drop_folder
    with reporting_input_errors(), open_store() as store:
        reports = ingest_drop_folder(store, folder)
        for report in reports:
            _print(report)
        if not reports:
            typer.echo(f"No files found under {folder}")


@app.command()
def status() -> None:
    """Print what the store holds: counts, date ranges, placement, data as of."""
    settings = get_settings()
    if not settings.db_path.exists():
        typer.echo(f"No store yet at {settings.db_path}; run `forecast demo` or `forecast ingest`.")
        raise typer.Exit(0)
    # Read-only: beside a writer this reads a copy as of its last checkpoint (stderr says
    # so) rather than failing or waiting.
    with reading(settings.db_path) as store:
        typer.echo(f"Store: {settings.db_path}")
        if not store.has_table("events"):
            typer.echo("Nothing stored yet: the store is being created.")
            return
        typer.echo(render_status(store_status(store)))
        step = next_step(store, get_cadence(settings.cadence))
        if step is not None:
            typer.echo(f"Next: {step}")


def next_step(store: Store, cadence: Cadence) -> str | None:
    """The first step this home still lacks before it has forecasts, and what makes it."""
    try:
        require_districts(store)
        require_events(store, cadence)
        require_forecasts(store)
    except NotReady as missing:
        return str(missing)
    return None


@app.command()
def demo(
    seed: int | None = typer.Option(None, help="Generator seed (default: settings.seed)."),
    folder: Path | None = typer.Option(None, help="Where to write the files (<home>/demo)."),
    hold_back_weeks: int = typer.Option(
        0,
        min=0,
        help="Leave the newest N weeks of events in <home>/drop/acled/ for the next "
        "`forecast retrain` to ingest, as a weekly delivery would arrive.",
    ),
) -> None:
    """Build the embedded Mali demo world and ingest it through the production readers."""
    from forecast.demo import DemoParams, build_demo
    from forecast.demo.holdback import hold_back

    settings = get_settings()
    folder = folder or settings.home / "demo"
    params = DemoParams(seed=seed if seed is not None else settings.seed)
    files = build_demo(folder, params)
    typer.echo(f"Demo world written to {folder}")
    held = hold_back(
        files.events, settings.drop_folder / "acled" / "demo-latest.csv", hold_back_weeks
    )
    if held:
        typer.echo(f"{held} events of the last {hold_back_weeks} week(s) left in the drop folder")
    with reporting_input_errors(), open_store() as store:
        for report in ingest_demo_files(store, files):
            _print(report)
        typer.echo("")
        typer.echo(render_status(store_status(store)))


def _register_stages() -> None:
    """Commands of the later stages live beside the code they drive."""
    from forecast.commands import backfill, bulletin, features, pull, serve, training

    for module in (features, backfill, training, bulletin, serve, pull):
        module.register(app)


_register_stages()


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
