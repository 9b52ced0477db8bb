"""Unversioned probes: /healthz (alive), /readyz (snapshot loaded), /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from api.deps import SnapshotDep
from api.problems import responses
from api.schemas import Health, Ready

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz", response_model=Ready, summary="Forecasts are loaded", responses=responses(503)
)
async def readyz(snapshot: SnapshotDep) -> Ready:
    return Ready(
        status="ready",
        model_version=snapshot.model_version,
        cadence=snapshot.cadence.name,
        issue_week=snapshot.latest,
        data_as_of=snapshot.week_table(snapshot.latest).data_as_of,
        loaded_at=snapshot.loaded_at,
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
async def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
