"""``forecast serve`` (uvicorn) and ``forecast keys create|list|revoke``.

Call :func:`register` on the main Typer app to add both.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from forecast.core.settings import Settings

keys_app = typer.Typer(help="Manage API keys (stored hashed in the service DB).")


def _engine():  # -> sqlalchemy Engine
    from forecast.core import servicedb
    from forecast.core.settings import Settings

    settings = Settings()
    if not settings.service_db_url:  # the default SQLite file lives in the home: make it
        settings.home.mkdir(parents=True, exist_ok=True)
    return servicedb.connect(settings.service_db)


def _missing_forecasts(settings: Settings) -> str | None:
    """Why the API will have nothing to serve at start, or None when forecasts are stored
    or a writer holds the store (the API waits for it itself; copying it to look is not
    worth a large store's copy)."""
    from forecast.core import storelock
    from forecast.core.store import Store
    from forecast.prerequisites import NotReady, require_forecasts, require_store

    try:
        require_store(settings.db_path)
        with Store(settings.db_path, read_only=True, wait=storelock.NO_WAIT) as store:
            require_forecasts(store)
    except NotReady as error:
        return str(error)
    except storelock.StoreBusyError:
        return None
    return None


def _warn_not_ready(reason: str, poll_seconds: float) -> None:
    """One line: the API still starts (a deployment's readiness probe waits on /readyz),
    but answers 503 until forecasts exist, and says how they will be picked up."""
    picked_up = (
        f"it loads them within {poll_seconds:g} s of their writing"
        if poll_seconds > 0
        else "then POST /v1/admin/reload or restart it"
    )
    typer.secho(
        f"Not ready: {reason}; serving anyway: forecast routes answer 503 until then, {picked_up}",
        fg=typer.colors.YELLOW,
        err=True,
    )


def serve(
    host: str | None = typer.Option(None, help="Address to bind (default: settings.host)."),
    port: int | None = typer.Option(None, help="Port (default: settings.port)."),
    workers: int | None = typer.Option(
        None, min=1, help="Worker processes (default: settings.workers)."
    ),
    reload_poll: float | None = typer.Option(
        None, help="Seconds between checks for a new champion; 0 disables."
    ),
    json_logs: bool = typer.Option(True, help="JSON log lines (one per request)."),
) -> None:
    """Serve the API with uvicorn; it loads the latest forecasts at start."""
    import uvicorn

    from api.observability import MULTIPROCESS_DIR
    from forecast.core.logs import configure_logging
    from forecast.core.settings import Settings

    if reload_poll is not None:
        # Workers are separate processes: the environment is how they get the setting.
        os.environ["FORECAST_RELOAD_POLL_SECONDS"] = str(reload_poll)
    # Workers are separate processes that build the app themselves (api.main.serve_app).
    os.environ["FORECAST_LOG_JSON"] = "1" if json_logs else "0"
    settings = Settings()
    configure_logging(json=json_logs)
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    own_dir = None
    if workers > 1 and not os.environ.get(MULTIPROCESS_DIR):
        # Local to this process tree (never the shared home: replicas' pids would collide).
        own_dir = tempfile.mkdtemp(prefix="forecast-metrics-")
        os.environ[MULTIPROCESS_DIR] = own_dir
    missing = _missing_forecasts(settings)
    if missing:
        _warn_not_ready(missing, settings.reload_poll_seconds)
    typer.echo(f"Serving on http://{host}:{port} (store {settings.db_path})", err=True)
    try:
        uvicorn.run(
            "api.main:serve_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,  # the app logs one structured line per request itself
            log_level="warning",
            server_header=False,
        )
    finally:
        if own_dir:
            os.environ.pop(MULTIPROCESS_DIR, None)
            shutil.rmtree(own_dir, ignore_errors=True)


@keys_app.command("create")
def create_key(
    name: str = typer.Argument(..., help="Who the key is for, e.g. an organisation."),
    scope: list[str] = typer.Option(
        ["read"], "--scope", "-s", help="read, report or admin; repeat for several."
    ),
) -> None:
    """Create a key and print its token once (only its hash is stored)."""
    from forecast.core import servicedb

    try:
        key, token = servicedb.create_key(_engine(), name, scope)
    except ValueError as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Created key {key.id} '{key.name}' with scopes {','.join(key.scopes)}.")
    typer.echo("Token (shown once, keep it safe):")
    typer.echo(token)


@keys_app.command("list")
def list_keys() -> None:
    """List keys: id, name, scopes, created, revoked."""
    from forecast.core import servicedb

    keys = servicedb.list_keys(_engine())
    if not keys:
        typer.echo("No keys yet; create one with `forecast keys create NAME --scope read`.")
        return
    typer.echo(f"{'id':>4}  {'name':<24} {'scopes':<18} {'created':<20} revoked")
    for key in keys:
        revoked = key.revoked_at.strftime("%Y-%m-%d %H:%M") if key.revoked_at else "-"
        typer.echo(
            f"{key.id:>4}  {key.name[:24]:<24} {','.join(key.scopes):<18} "
            f"{key.created_at.strftime('%Y-%m-%d %H:%M'):<20} {revoked}"
        )


@keys_app.command("revoke")
def revoke_key(key_id: int = typer.Argument(..., help="Key id from `forecast keys list`.")) -> None:
    """Revoke a key; the API stops accepting it within settings.key_cache_seconds."""
    from forecast.core import servicedb

    if not servicedb.revoke_key(_engine(), key_id):
        typer.secho(
            f"No active key with id {key_id}: `forecast keys list` shows the keys and their ids",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"Revoked key {key_id}.")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``keys`` sub-commands to the ``forecast`` command line."""
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
