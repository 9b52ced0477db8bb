"""``forecast features build|describe`` against a store in a fresh home folder."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import typer
from typer.testing import CliRunner

from features import catalogue, markdown_table
from forecast.commands.features import register
from forecast.core.schema import DEPLOYMENTS, DISTRICTS, EVENTS, PARTNER_PRESENCE
from forecast.core.settings import get_settings
from forecast.core.store import Store
from tests.features import world
from tests.features.conftest import scenario_tables

runner = CliRunner()


def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:  # keeps "features" a sub-command even with one group
        pass

    return app


def fill_store(tables: world.CanonicalTables, drop_after: str | None = None) -> None:
    events = tables.events
    if drop_after:
        events = events.filter(pl.col("event_date") <= pl.lit(drop_after).str.to_date())
    with Store(get_settings().db_path) as store, store.transaction():
        store.upsert(DISTRICTS, tables.districts)
        store.upsert(EVENTS, events)
        store.upsert(DEPLOYMENTS, tables.deployments)
        store.upsert(PARTNER_PRESENCE, tables.partners)


def stored_panel() -> pl.DataFrame:
    with Store(get_settings().db_path) as store:
        return store.read("panel").sort("week", "district_code")


def test_build_then_extend_then_full(home: Path) -> None:
    tables = scenario_tables()
    fill_store(tables, drop_after="2024-02-20")
    first = runner.invoke(cli(), ["features", "build"])
    assert first.exit_code == 0, first.output
    assert "Built panel: 70 rows, 10 districts, 7 weeks" in first.output
    assert f"{len(catalogue())} features" in first.output
    fill_store(tables)
    second = runner.invoke(cli(), ["features", "build"])
    assert second.exit_code == 0, second.output
    assert "Extended panel: 150 rows, 10 districts, 15 weeks" in second.output
    extended = stored_panel()
    third = runner.invoke(cli(), ["features", "build", "--full"])
    assert "Built panel: 150 rows" in third.output
    assert stored_panel().equals(extended)


def test_build_with_a_configuration_file(home: Path, tmp_path: Path) -> None:
    fill_store(scenario_tables())
    config = tmp_path / "features.json"
    config.write_text(json.dumps({"windows": [1, 2], "half_lives": [4]}), encoding="utf-8")
    result = runner.invoke(cli(), ["features", "build", "--config", str(config)])
    assert result.exit_code == 0, result.output
    columns = stored_panel().columns
    assert "events_pv_2w" in columns and "events_pv_hl4" in columns
    assert "events_pv_26w" not in columns


def test_build_without_districts_fails_clearly(home: Path) -> None:
    result = runner.invoke(cli(), ["features", "build"])
    assert result.exit_code == 1
    assert "No districts in the store" in result.output


def test_describe_lists_the_catalogue() -> None:
    table = runner.invoke(cli(), ["features", "describe"])
    assert table.exit_code == 0
    assert "events_pv_hl8" in table.output and f"{len(catalogue())} features" in table.output
    markdown = runner.invoke(cli(), ["features", "describe", "--markdown"])
    assert markdown.output == markdown_table(catalogue())
    spread = runner.invoke(cli(), ["features", "describe", "--family", "partners"])
    assert "partner_un_nearest_km" in spread.output and "events_pv_4w" not in spread.output


def test_help_on_every_command() -> None:
    for args in (["features"], ["features", "build"], ["features", "describe"]):
        result = runner.invoke(cli(), [*args, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output
