"""Loading and reloading the snapshot: at start (lifespan), on request and by polling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import structlog
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.snapshot import NotReadyError, SnapshotHolder, store_signature

log = structlog.get_logger(__name__)


def reload_snapshot(app: FastAPI) -> bool:
    """Load the store into a new snapshot and swap it in; False (old one kept) on failure."""
    holder: SnapshotHolder = app.state.holder
    metrics = app.state.metrics
    try:
        snapshot = holder.reload()
    except NotReadyError:
        metrics.reloads.labels("not_ready").inc()
        return False
    except Exception:
        metrics.reloads.labels("failed").inc()
        log.exception("snapshot load failed")
        return False
    metrics.reloads.labels("ok").inc()
    metrics.loaded.set(snapshot.loaded_at.timestamp())
    return True


async def poll_store(app: FastAPI, every: float) -> None:
    """Reload whenever the store file changes (a retrain wrote it); never raises."""
    settings = app.state.settings
    last = store_signature(settings.db_path)
    current = app.state.holder.current
    if current is not None:
        last = current.signature
    while True:
        await asyncio.sleep(every)
        seen = store_signature(settings.db_path)
        if seen == last:
            continue
        if await run_in_threadpool(reload_snapshot, app):
            last = app.state.holder.current.signature
        # On failure (locked mid-write, bad data) try again at the next tick.


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(reload_snapshot, app)
    every = app.state.settings.reload_poll_seconds
    task = asyncio.create_task(poll_store(app, every)) if every > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        app.state.engine.dispose()
