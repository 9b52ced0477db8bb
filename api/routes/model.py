"""GET /v1/model: the champion per target and horizon."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from api.answers import model_info
from api.deps import ServedDep
from api.routes.common import DATA_ERRORS, json_answer, today
from api.schemas import ModelInfo

router = APIRouter(tags=["model"])


@router.get("/model", response_model=ModelInfo, summary="Champion models", responses=DATA_ERRORS)
async def get_model(served: ServedDep) -> Response:
    """Per target and horizon: the registered model and version, its training window and
    its backtest metrics beside the baselines'; also the risk band thresholds."""
    return json_answer(model_info(served.snapshot, today(), served.settings.stale_after_days))
