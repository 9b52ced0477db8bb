"""Loading and reloading the snapshot: at start (lifespan), on request and by polling.

The start and the poll are patient: they retry while a writer holds the store
(``store_lock_retries``, about 15 s of back-off) and the poll tries again at its next tick.
A caller of ``POST /v1/admin/reload`` is not kept waiting: its reload tries the store once
and answers 503 with ``Retry-After`` while a writer holds it or another reload is running.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext, suppress
from dataclasses import dataclass

import structlog
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.snapshot import (
    NotReadyError,
    Snapshot,
    SnapshotHolder,
    StoreBusyError,
    build_snapshot,
    read_store,
    store_signature,
)
from forecast.core import storelock
from forecast.core.settings import Settings

log = structlog.get_logger(__name__)


class StoreLoader:
    """Builds a snapshot from the store; patient (``store_lock_retries``) unless the calling
    thread asked for a single try with :meth:`impatient`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._local = threading.local()

    @contextmanager
    def impatient(self) -> Iterator[None]:
        # Per thread: the poll may be retrying in another thread at the same time.
        self._local.impatient = True
        try:
            yield
        finally:
            self._local.impatient = False

    def __call__(self) -> Snapshot:
        settings = self.settings
        retries = 1 if getattr(self._local, "impatient", False) else settings.store_lock_retries
        # Each try fails at once on a locked store, even inside `forecast serve`, whose
        # command-line policy would wait minutes: the retries here are the API's own.
        with storelock.in_this_thread(storelock.NO_WAIT):
            frames = read_store(settings.db_path, retries=retries, cadence=settings.cadence)
        return build_snapshot(frames, settings.bands)


@dataclass(frozen=True)
class Reload:
    """How a reload went; true when a new snapshot is served. ``busy`` says the store was
    held by a writer (or another reload was running): try again later."""

    ok: bool
    busy: bool = False
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.ok


def _reload_guard(app: FastAPI) -> threading.Lock:
    guard = getattr(app.state, "reload_guard", None)
    if guard is None:
        guard = app.state.reload_guard = threading.Lock()
    return guard


def _holder_words(error: BaseException) -> str:
    """Who holds the store, from the lock error behind a failed read-only open."""
    cause = error.__cause__
    if isinstance(cause, storelock.StoreBusyError):
        return f"the store is busy, held by {cause.holder}"
    return "the store is locked by a writer"


def reload_snapshot(app: FastAPI, *, patient: bool = True) -> Reload:
    """Load the store into a new snapshot and swap it in; on failure the old one is kept.

    ``patient`` (the start and the poll) waits for a running reload and retries a locked
    store; otherwise (a caller waiting for an answer) a running reload or a locked store
    ends it at once with ``busy``.
    """
    holder: SnapshotHolder = app.state.holder
    metrics = app.state.metrics
    guard = _reload_guard(app)
    if not guard.acquire(blocking=patient):
        metrics.reloads.labels("busy").inc()
        return Reload(False, busy=True, reason="another reload is running")
    try:
        loader = getattr(app.state, "loader", None)
        quick = loader.impatient() if not patient and isinstance(loader, StoreLoader) else None
        with quick or nullcontext():
            snapshot = holder.reload()
    except NotReadyError as error:
        metrics.reloads.labels("not_ready").inc()
        return Reload(False, reason=str(error))
    except StoreBusyError as error:
        metrics.reloads.labels("busy").inc()
        return Reload(False, busy=True, reason=_holder_words(error))
    except Exception as error:
        metrics.reloads.labels("failed").inc()
        log.exception("snapshot load failed")
        return Reload(False, reason=str(error))
    finally:
        guard.release()
    metrics.reloads.labels("ok").inc()
    metrics.loaded.set(snapshot.loaded_at.timestamp())
    return Reload(True)


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
