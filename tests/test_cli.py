"""The command line as a user runs it: every command has --help, the demo path is the real path."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from forecast.cli import app

runner = CliRunner()


def _command_paths(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        paths.append((*prefix, name))
        if hasattr(command, "commands"):  # a sub-app
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


COMMANDS = _command_paths(typer.main.get_command(app))


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_the_issue_commands_exist() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert {"ingest events", "ingest districts", "ingest deployments", "ingest partners"} <= names
    assert {"status", "demo"} <= names


def test_demo_ingests_through_the_readers_and_is_idempotent(home: Path) -> None:
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "53 districts read" in first.output
    assert "(100.0% placed in a district)" in first.output
    assert "Districts: 53 in MLI" in first.output
    assert "Data as of: 2026-11-22" in first.output
    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0
    assert again.output.count("already ingested") == 4
