"""``forecast bulletin``: write a week's bulletin (HTML, PDF, Markdown, JSON) in each language."""

from __future__ import annotations

import typer

from forecast.bulletin.data import Options, parse_week
from forecast.bulletin.i18n import available_languages
from forecast.bulletin.load import NoForecastsError
from forecast.settings import get_settings
from forecast.store import Store


def register(app: typer.Typer) -> None:
    """Add the ``bulletin`` command to the ``forecast`` command line."""
    app.command("bulletin")(bulletin)


def bulletin(
    week: str | None = typer.Option(
        None, "--week", "-w", help="ISO week (2025-W23) or a date in it; default: latest forecasts."
    ),
    lang: list[str] | None = typer.Option(
        None, "--lang", "-l", help="Language (repeatable): en, fr ...; default: every catalogue."
    ),
    horizon: int = typer.Option(4, help="Horizon (weeks) of the map, top 10 and risers."),
    target: str = typer.Option("any", help="Target of the map, top 10 and risers."),
) -> None:
    """Write the weekly risk bulletin under <home>/outputs/bulletins/<week>/."""
    from forecast.bulletin.publish import publish  # matplotlib and jinja only when used

    known = available_languages()
    unknown = sorted(set(lang or ()) - set(known))
    if unknown:
        typer.secho(
            f"No message catalogue for {', '.join(unknown)}; available: {', '.join(known)}",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(2)
    try:
        day = parse_week(week) if week else None
    except ValueError as error:
        typer.secho(f"Bad --week {week!r}: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    settings = get_settings()
    if not settings.db_path.exists():
        typer.secho(f"No store at {settings.db_path}; run `forecast demo` first.", err=True)
        raise typer.Exit(1)
    try:
        with Store(settings.db_path, read_only=True) as store:
            published = publish(
                store,
                settings.outputs,
                day,
                lang or known,
                Options(horizon=horizon, target=target),
            )
    except (NoForecastsError, LookupError) as error:
        typer.secho(f"No bulletin: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Bulletin {published.week}:")
    for path in published.files:
        typer.echo(f"  {path}")
