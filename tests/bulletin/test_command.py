"""`forecast bulletin`: reads the store, writes every format under <home>/outputs/bulletins."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from forecast.commands.bulletin import register
from forecast.core.schema import DISTRICTS, EVENTS
from forecast.core.store import Store
from tests.bulletin import world


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:  # a group, so the command is called by name as in `forecast`
        pass

    return app


@pytest.fixture
def stocked(home: Path) -> Path:
    with Store(home / "forecast.duckdb") as store:
        with store.transaction():
            store.upsert(DISTRICTS, world.districts())
            store.upsert(EVENTS, world.events())
        store.replace("forecasts", world.forecasts())
        store.replace("champions", world.champions())
    return home


def test_writes_french_files_for_the_week(cli: typer.Typer, stocked: Path) -> None:
    result = CliRunner().invoke(cli, ["bulletin", "--week", "2025-W24", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    folder = stocked / "outputs" / "bulletins" / "2025-W24"
    assert sorted(p.name for p in folder.iterdir()) == [
        "bulletin.fr.html", "bulletin.fr.json", "bulletin.fr.md", "bulletin.fr.pdf", "map.fr.png",
    ]  # fmt: skip
    assert "Les 10 cercles les plus à risque" in (folder / "bulletin.fr.md").read_text()


def test_default_week_is_the_latest(cli: typer.Typer, stocked: Path) -> None:
    result = CliRunner().invoke(cli, ["bulletin", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Bulletin 2025-W24" in result.output


def test_week_without_forecasts_fails_clearly(cli: typer.Typer, stocked: Path) -> None:
    result = CliRunner().invoke(cli, ["bulletin", "--week", "2024-W02", "--lang", "en"])
    assert result.exit_code == 1
    assert "no forecasts for the week of 2024-01-08" in result.output


def test_unknown_language_is_refused(cli: typer.Typer, stocked: Path) -> None:
    result = CliRunner().invoke(cli, ["bulletin", "--lang", "xx"])
    assert result.exit_code == 2
    assert "No message catalogue for xx" in result.output


def test_store_without_forecasts(cli: typer.Typer, home: Path) -> None:
    Store(home / "forecast.duckdb").close()
    result = CliRunner().invoke(cli, ["bulletin"])
    assert result.exit_code == 1
    assert "run the scoring step" in result.output
