"""``forecast bulletin``: write a week's bulletin (HTML, PDF, Markdown, JSON) in each language.

``--cadence month`` writes the monthly bulletin of the monthly forecasts, under
``bulletins/<YYYY-MM>/``.
"""

from __future__ import annotations

import typer

from forecast.bulletin.data import Options, parse_period
from forecast.bulletin.i18n import available_languages
from forecast.bulletin.load import NoForecastsError
from forecast.core.settings import get_settings
from forecast.core.store import reading


def register(app: typer.Typer) -> None:
    """Add the ``bulletin`` command to the ``forecast`` command line."""
    app.command("bulletin")(bulletin)


def bulletin(
    week: str | None = typer.Option(
        None,
        "--week",
        "-w",
        help="ISO week (2025-W23) or a date in it; monthly: a month (2025-06) or a date in it; "
        "default: latest forecasts.",
    ),
    lang: list[str] | None = typer.Option(
        None, "--lang", "-l", help="Language (repeatable): en, fr ...; default: every catalogue."
    ),
    horizon: int | None = typer.Option(
        None,
        help="Horizon of the map, top 10 and risers, in periods (default: 4 weeks; 3 months).",
    ),
    target: str = typer.Option("any", help="Target of the map, top 10 and risers."),
    cadence: str | None = typer.Option(
        None, "--cadence", help="week or month (default: settings.cadence)."
    ),
) -> None:
    """Write the risk bulletin under <home>/outputs/bulletins/<week>/ (<YYYY-MM>/ monthly)."""
    from forecast.bulletin.publish import publish  # matplotlib and jinja only when used
    from forecast.core.cadence import get as get_cadence

    known = available_languages()
    unknown = sorted(set(lang or ()) - set(known))
    if unknown:
        typer.secho(
            f"No message catalogue for {', '.join(unknown)}; available: {', '.join(known)}",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(2)
    settings = get_settings()
    try:
        period = get_cadence(cadence or settings.cadence)
        day = parse_period(week, period.name) if week else None
    except ValueError as error:
        typer.secho(f"Bad --week {week!r}: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    if not settings.db_path.exists():
        typer.secho(f"No store at {settings.db_path}; run `forecast demo` first.", err=True)
        raise typer.Exit(1)
    try:
        # Beside a writer: a copy as of its last checkpoint (forecast.core.store.reading).
        with reading(settings.db_path) as store:
            published = publish(
                store,
                settings.outputs,
                day,
                lang or known,
                Options.for_cadence(period.name, horizon=horizon, target=target),
            )
    except (NoForecastsError, LookupError) as error:
        typer.secho(f"No bulletin: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Bulletin {published.week}:")
    for path in published.files:
        typer.echo(f"  {path}")
    fresh = published.freshness
    if fresh is not None and fresh.stale:
        # The files open with the same warning; the person running the job sees it here.
        age = "no data date" if fresh.days_behind is None else f"{fresh.days_behind} days old"
        typer.secho(
            f"Warning: the data are out of date ({age}, data as of {fresh.data_as_of}; "
            f"FORECAST_STALE_AFTER_DAYS={fresh.stale_after_days}), so every bulletin file "
            "opens with a banner. Refresh: `forecast pull acled` or the drop folder, then "
            "`forecast retrain` and `forecast bulletin`.",
            fg=typer.colors.YELLOW,
            err=True,
        )
