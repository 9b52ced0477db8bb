"""``forecast features build|describe``: the district x week feature panel in the store.

Call :func:`register` on the main Typer app. The feature code itself is pure
(``features``); this module does the I/O: the store, an optional configuration file,
and what gets printed. ``--cadence month`` builds (always in full: it takes a second or
two) and describes the district x month panel, stored in ``panel_month``.
"""

from __future__ import annotations

import json
import time
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import typer

from forecast.core.cadence import MONTH, WEEK, Cadence
from forecast.prerequisites import refusing, require_districts, require_events

if TYPE_CHECKING:
    from forecast.core.store import Store

PANEL_TABLE = "panel"
EXIT_NO_DATA = 1

features_app = typer.Typer(
    help="Build the district x week feature panel and describe its features.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``features`` sub-app to the ``forecast`` command line."""
    app.add_typer(features_app, name="features")


def _config_data(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    return dict(data.get("features", data))


def load_config(path: Path | None) -> Any:
    """A FeatureConfig from a TOML or JSON file of overrides (defaults without a file).

    The file holds FeatureConfig fields at its top level (or under a ``[features]``
    table in TOML), e.g. ``windows = [1, 4, 12]`` or ``jihadist_keywords = [...]``; a
    ``[monthly]`` table holds the monthly panel's windows (:func:`load_monthly_config`).
    """
    from features import FeatureConfig

    if path is None:
        return FeatureConfig()
    data = _config_data(path)
    data.pop("monthly", None)
    return FeatureConfig.model_validate(data)


def load_monthly_config(path: Path | None) -> Any:
    """The monthly panel's windows (features.MonthlyConfig) from the same file's
    ``[monthly]`` table, e.g. ``windows = [1, 3, 12]``; defaults without one."""
    from features import MonthlyConfig

    if path is None:
        return MonthlyConfig()
    return MonthlyConfig.model_validate(_config_data(path).get("monthly", {}))


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


CadenceOpt = typer.Option(
    None,
    "--cadence",
    help="week (district x week panel, table panel) or month (district x month, table "
    "panel_month); default settings.cadence.",
)
ConfigOpt = typer.Option(
    None,
    "--config",
    "-c",
    exists=True,
    dir_okay=False,
    help="TOML or JSON file overriding FeatureConfig fields (windows, radii, keyword lists ...).",
)


@features_app.command()
@refusing
def build(
    full: bool = typer.Option(
        False, "--full", help="Rebuild every week instead of extending the stored panel."
    ),
    start: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="First week (full builds; default: first event)."
    ),
    end: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="Last week (default: the latest event's week)."
    ),
    weeks_to_refresh: int = typer.Option(
        4, min=0, help="Stored weeks recomputed when extending, for late-arriving events."
    ),
    config: Path | None = ConfigOpt,
    cadence: str | None = CadenceOpt,
) -> None:
    """Build the panel (or append the new weeks to the stored one) and store it."""
    import features
    from forecast.core.settings import get_settings
    from forecast.core.store import Store

    settings = get_settings()
    config_path = config or getattr(settings, "features_config", None)
    feature_config = load_config(config_path)
    if _is_monthly(cadence or settings.cadence):
        _build_monthly(settings, feature_config, load_monthly_config(config_path), start, end)
        return
    began = time.perf_counter()
    with Store(settings.db_path) as store:
        _require_inputs(store, WEEK, start, end)
        tables = store.load_tables()
        extend = store.has_table(PANEL_TABLE) and not full and start is None
        try:
            if extend:
                panel = features.extend_panel(
                    store.read(PANEL_TABLE),
                    tables,
                    end=_day(end),
                    config=feature_config,
                    weeks_to_refresh=weeks_to_refresh,
                )
            else:
                panel = features.build_panel(
                    tables, start=_day(start), end=_day(end), config=feature_config
                )
        except ValueError as error:
            typer.secho(f"Cannot build the panel: {error}", fg=typer.colors.RED, err=True)
            raise typer.Exit(EXIT_NO_DATA) from None
        store.replace(PANEL_TABLE, panel)
    seconds = time.perf_counter() - began
    weeks = panel["week"]
    typer.echo(
        f"{'Extended' if extend else 'Built'} panel: {panel.height:,} rows, "
        f"{panel['district_code'].n_unique()} districts, {weeks.n_unique()} weeks "
        f"({weeks.min()} .. {weeks.max()}), {panel.width - 2} features in {seconds:.1f} s"
    )


def _require_inputs(
    store: Store, cadence: Cadence, start: datetime | None, end: datetime | None
) -> None:
    """Districts, and events unless both ends are given (a panel over explicit weeks may
    be all zeros)."""
    require_districts(store)
    if start is None or end is None:
        require_events(store, cadence)


def _is_monthly(cadence: str) -> bool:
    from forecast.core.cadence import get

    try:
        return get(cadence).name == "month"
    except ValueError as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


def _build_monthly(
    settings: Any, config: Any, monthly: Any, start: datetime | None, end: datetime | None
) -> None:
    """The district x month panel, built in full and stored in ``panel_month``."""
    import features
    from forecast.core.store import Store

    began = time.perf_counter()
    with Store(settings.db_path) as store:
        _require_inputs(store, MONTH, start, end)
        tables = store.load_tables()
        try:
            panel = features.build_monthly_panel(
                tables, start=_day(start), end=_day(end), config=config, monthly=monthly
            )
        except ValueError as error:
            typer.secho(f"Cannot build the panel: {error}", fg=typer.colors.RED, err=True)
            raise typer.Exit(EXIT_NO_DATA) from None
        store.replace(MONTH.panel_table, panel)
    seconds = time.perf_counter() - began
    months = panel["month"]
    typer.echo(
        f"Built monthly panel ({MONTH.panel_table}): {panel.height:,} rows, "
        f"{panel['district_code'].n_unique()} districts, {months.n_unique()} months "
        f"({months.min()} .. {months.max()}), {panel.width - 2} features in {seconds:.1f} s"
    )


@features_app.command()
def describe(
    markdown: bool = typer.Option(
        False, "--markdown", help="Print the Markdown table used in docs/FEATURES.md."
    ),
    family: str | None = typer.Option(None, help="Only this family (history, spread ...)."),
    config: Path | None = ConfigOpt,
    cadence: str | None = CadenceOpt,
) -> None:
    """List every feature of the panel: name, family, window, meaning, missing values.

    At --cadence month: the monthly panel's, then the families it leaves out and why."""
    import features
    from forecast.core.settings import get_settings

    monthly = _is_monthly(cadence or get_settings().cadence)
    if monthly:
        catalogue = features.monthly_catalogue(load_config(config), load_monthly_config(config))
    else:
        catalogue = features.catalogue(load_config(config))
    specs = [s for s in catalogue if family in (None, s.family)]
    absent = [f"- {what}: {why}" for what, why in features.ABSENT.items()] if monthly else []
    if markdown:
        typer.echo(features.markdown_table(specs), nl=False)
        if absent:
            typer.echo("\nNot in the monthly panel:\n\n" + "\n".join(absent))
        return
    table = pl.DataFrame(
        {
            "name": [s.name for s in specs],
            "family": [s.family for s in specs],
            "window": [s.window for s in specs],
            "missing": [s.missing for s in specs],
            "meaning": [s.meaning for s in specs],
        }
    )
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        fmt_str_lengths=200,
        tbl_width_chars=240,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
    ):
        typer.echo(table)
    typer.echo(f"{len(specs)} features")
    for line in absent:
        typer.echo(line)
