"""How a NotReady becomes one line and exit 1: through `refusing` on any Typer app, and
through the `forecast` group for a command that is not wrapped."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from forecast.cli import StoreWaitingGroup
from forecast.prerequisites import EXIT_NOT_READY, NotReady, refusing

LINE = "Not ready: No districts in the store: run `forecast ingest districts FILE`"


def _refuse() -> None:
    raise NotReady("No districts in the store", "run `forecast ingest districts FILE`")


def _app(**kwargs: object) -> typer.Typer:
    app = typer.Typer(**kwargs)  # type: ignore[arg-type]
    app.command("first")(lambda: None)  # two commands: the app is a group, as `forecast` is
    return app


def _check(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["refuse"])
    assert result.exit_code == EXIT_NOT_READY == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.strip() == LINE


def test_a_wrapped_command_refuses_on_a_plain_app() -> None:
    app = _app()
    app.command("refuse")(refusing(_refuse))
    _check(app)


def test_the_forecast_group_catches_an_unwrapped_command() -> None:
    app = _app(cls=StoreWaitingGroup)
    app.command("refuse")(_refuse)
    _check(app)


def test_refusing_keeps_the_commands_options() -> None:
    def greet(name: str = typer.Option("x", help="Who.")) -> None:
        typer.echo(f"hello {name}")

    app = _app()
    app.command("greet")(refusing(greet))
    result = CliRunner().invoke(app, ["greet", "--name", "Gao"])
    assert result.exit_code == 0 and result.output == "hello Gao\n"
