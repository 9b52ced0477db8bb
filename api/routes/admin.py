"""POST /v1/admin/reload: load the store again now (admin scope)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.deps import HolderDep
from api.lifecycle import reload_snapshot
from api.problems import ApiProblem, responses
from api.schemas import Reloaded

router = APIRouter(prefix="/admin", tags=["admin"])

# Seconds a caller should wait before reloading again while the store is busy: a retrain's
# write takes minutes, but an ingest's a few seconds.
RETRY_AFTER_SECONDS = 5


@router.post(
    "/reload",
    response_model=Reloaded,
    summary="Reload forecasts and champions from the store",
    responses=responses(401, 403, 429, 503),
)
async def reload(request: Request, holder: HolderDep) -> Reloaded:
    """Swaps the served snapshot atomically. When loading fails the previous snapshot keeps
    being served and the answer is 503 saying why: with `Retry-After` when the store is
    held by a writer or another reload is running (answered at once, not after waiting)."""
    before = holder.current
    done = await run_in_threadpool(partial(reload_snapshot, request.app, patient=False))
    snapshot = holder.current
    serving = f"; still serving {before.model_version}" if before else ""
    if done.busy:
        # A caller is not kept waiting for a writer: the poll reloads once it is done.
        raise ApiProblem(
            503,
            f"{done.reason}; try again later{serving}",
            kind="store-busy",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if not done or snapshot is None:
        raise ApiProblem(503, f"reload failed: {holder.last_error}{serving}", kind="reload-failed")
    return Reloaded(
        status="ready",
        model_version=snapshot.model_version,
        cadence=snapshot.cadence.name,
        issue_week=snapshot.latest,
        data_as_of=snapshot.week_table(snapshot.latest).data_as_of,
        loaded_at=snapshot.loaded_at,
        previous_model_version=before.model_version if before else None,
    )
