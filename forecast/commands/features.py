"""``forecast features build|describe``: the district x week feature panel in the store.

Call :func:`register` on the main Typer app. The feature code itself is pure
(``features``); this module does the I/O: the store, an optional configuration file,
and what gets printed.
"""

from __future__ import annotations

import json
import time
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import typer

PANEL_TABLE = "panel"
EXIT_NO_DATA = 1

features_app = typer.Typer(
    help="Build the district x week feature panel and describe its features.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``features`` sub-app to the ``forecast`` command line."""
    app.add_typer(features_app, name="features")


def load_config(path: Path | None) -> Any:
    """A FeatureConfig from a TOML or JSON file of overrides (defaults without a file).

    The file holds FeatureConfig fields at its top level (or under a ``[features]``
    table in TOML), e.g. ``windows = [1, 4, 12]`` or ``jihadist_keywords = [...]``.
    """
    from features import FeatureConfig

    if path is None:
        return FeatureConfig()
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    return FeatureConfig.model_validate(data.get("features", data))


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


ConfigOpt = typer.Option(
    None,
    "--config",
    "-c",
    exists=True,
    dir_okay=False,
    help="TOML or JSON file overriding FeatureConfig fields (windows, radii, keyword lists ...).",
)


@features_app.command()
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
) -> None:
    """Build the panel (or append the new weeks to the stored one) and store it."""
    import features
    from forecast.settings import get_settings
    from forecast.store import Store

    settings = get_settings()
    feature_config = load_config(config or getattr(settings, "features_config", None))
    began = time.perf_counter()
    with Store(settings.db_path) as store:
        tables = store.load_tables()
        if tables.districts.height == 0:
            typer.secho(
                "No districts in the store: run `forecast ingest districts ...` or "
                "`forecast demo` first.",
                fg=typer.colors.RED,
                err=True,
            )
            raise typer.Exit(EXIT_NO_DATA)
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


@features_app.command()
def describe(
    markdown: bool = typer.Option(
        False, "--markdown", help="Print the Markdown table used in docs/FEATURES.md."
    ),
    family: str | None = typer.Option(None, help="Only this family (history, spread ...)."),
    config: Path | None = ConfigOpt,
) -> None:
    """List every feature of the panel: name, family, window, meaning, missing values."""
    import features

    specs = [s for s in features.catalogue(load_config(config)) if family in (None, s.family)]
    if markdown:
        typer.echo(features.markdown_table(specs), nl=False)
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
