"""`forecast keys create|list|revoke` and the serve command's wiring."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from typer.testing import CliRunner

from forecast.commands import serve
from forecast.core import servicedb
from forecast.core.settings import get_settings


def make_cli() -> typer.Typer:
    cli = typer.Typer()
    cli.command("noop")(lambda: None)
    serve.register(cli)
    return cli


def test_keys_create_list_revoke(tmp_path, monkeypatch):
    monkeypatch.setenv("FORECAST_HOME", str(tmp_path))
    get_settings.cache_clear()
    runner = CliRunner()
    cli = make_cli()
    created = runner.invoke(cli, ["keys", "create", "Sahel NGO", "--scope", "read", "-s", "report"])
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("fk_")
    assert "Created key 1 'Sahel NGO' with scopes read,report." in created.output
    engine = servicedb.connect(f"sqlite:///{tmp_path / 'service.db'}")
    assert servicedb.active_keys(engine)[servicedb.hash_token(token)].name == "Sahel NGO"

    listed = runner.invoke(cli, ["keys", "list"])
    assert listed.exit_code == 0
    assert "Sahel NGO" in listed.output and "read,report" in listed.output
    assert token not in listed.output

    assert runner.invoke(cli, ["keys", "revoke", "1"]).exit_code == 0
    assert servicedb.active_keys(engine) == {}
    again = runner.invoke(cli, ["keys", "revoke", "1"])
    assert again.exit_code == 1
    bad = runner.invoke(cli, ["keys", "create", "x", "--scope", "root"])
    assert bad.exit_code == 2


def test_serve_passes_settings_to_uvicorn(tmp_path, monkeypatch):
    import uvicorn

    import forecast.core.logs

    calls = []
    seen: list[str | None] = []

    def run(app, **kw):
        calls.append((app, kw))
        seen.append(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    # Global logging set-up would outlive the test (and pytest's captured stderr).
    monkeypatch.setattr(forecast.core.logs, "configure_logging", lambda **kw: calls.append(kw))
    monkeypatch.setenv("FORECAST_HOME", str(tmp_path))
    monkeypatch.setenv("FORECAST_PORT", "8123")
    monkeypatch.delenv("FORECAST_RELOAD_POLL_SECONDS", raising=False)
    monkeypatch.delenv("FORECAST_LOG_JSON", raising=False)
    result = CliRunner().invoke(make_cli(), ["serve", "--workers", "2", "--reload-poll", "5"])
    assert result.exit_code == 0, result.output
    assert calls[0] == {"json": True}
    app, kwargs = calls[1]
    assert app == "api.main:serve_app" and kwargs["factory"] is True
    assert (kwargs["host"], kwargs["port"], kwargs["workers"]) == ("127.0.0.1", 8123, 2)
    assert os.environ["FORECAST_RELOAD_POLL_SECONDS"] == "5.0"
    assert os.environ["FORECAST_LOG_JSON"] == "1"
    # Two workers share their metrics through a folder that exists while they run only.
    assert seen[0] and not Path(seen[0]).exists()
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
