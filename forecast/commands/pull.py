"""``forecast pull``: data from source APIs into the store (docs/ACLED_API.md).

Call :func:`register` on the main Typer app.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import typer

from forecast.core.errors import InputError
from forecast.core.settings import get_settings

if TYPE_CHECKING:
    from forecast.sources.acled_client import Page

EXIT_API_FAILED = 1
EXIT_BAD_INPUT = 2

pull_app = typer.Typer(
    help="Pull data from source APIs into the store (incremental, all-or-nothing).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add ``pull`` and its sub-commands to the ``forecast`` command line."""
    app.add_typer(pull_app, name="pull")


@pull_app.command("acled")
def pull_acled_cmd(
    country: list[str] | None = typer.Option(
        None,
        "--country",
        "-c",
        help="ACLED country name, e.g. Mali; repeat for several "
        "(default: FORECAST_ACLED_COUNTRIES, else the stored districts' countries).",
    ),
    since: datetime | None = typer.Option(
        None,
        formats=["%Y-%m-%d"],
        help="First event date to ask for (default: the latest stored ACLED event of each "
        "country minus FORECAST_ACLED_REVISION_DAYS; the full history when none is stored).",
    ),
) -> None:
    """Pull ACLED events from its API (OAuth login from FORECAST_ACLED_USERNAME/PASSWORD).

    Rows go through the same validation and placement as `forecast ingest events`; a newer
    revision of an event replaces the stored one, and a failed pull stores nothing.
    Exit codes: 0 pulled; 1 the API failed (login, access, retries, an unexpected answer);
    2 not configured, or rows rejected.
    """
    # httpx and the client load only when a pull runs, not with every `forecast` command.
    from forecast.core.store import Store
    from forecast.sources import acled_api
    from forecast.sources.acled_wire import AcledConfigError, AcledError

    settings = get_settings()
    try:
        # Credentials first: a missing one should not create an empty store.
        with (
            acled_api.client_from_settings(settings) as client,
            Store(settings.db_path) as store,
            _progress() as on_page,
        ):
            countries = country or acled_api.configured_countries(store, settings)
            report = acled_api.pull_acled(
                store,
                settings,
                countries,
                since=since.date() if since else None,
                client=client,
                on_page=on_page,
            )
    except AcledConfigError as error:
        raise _fail(f"ACLED pull not configured: {error}", EXIT_BAD_INPUT) from None
    except AcledError as error:
        raise _fail(f"ACLED pull failed, nothing stored: {error}", EXIT_API_FAILED) from None
    except InputError as error:
        raise _fail(f"Rejected: {error}", EXIT_BAD_INPUT) from None
    for line in report.lines():
        typer.echo(line)


def _fail(message: str, code: int) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


@contextmanager
def _progress() -> Iterator[Callable[[str, Page], None] | None]:
    """A progress bar on a terminal (rows per country); nothing when output is piped or logged."""
    if not sys.stdout.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} events"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        tasks: dict[str, int] = {}

        def on_page(country: str, page: Page) -> None:
            if country not in tasks:
                tasks[country] = bar.add_task(f"ACLED {country}", total=None)
            # total_count only comes with with_total=true; without it the bar just pulses.
            bar.update(tasks[country], advance=len(page.rows), total=page.total)

        yield on_page
