"""GET /v1/map: districts with their risk as a GeoJSON FeatureCollection."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from api.answers import default_horizon, default_target, map_collection
from api.deps import ServedDep
from api.problems import responses
from api.routes.common import DATA_ERRORS, WeekQuery, today
from api.schemas import MapCollection, Target

router = APIRouter(tags=["map"])


@router.get(
    "/map",
    response_model=MapCollection,
    summary="GeoJSON of districts with their risk",
    responses={**DATA_ERRORS, **responses(404)},
)
async def get_map(
    served: ServedDep,
    week: WeekQuery = None,
    horizon: Annotated[
        int | None, Query(ge=1, le=520, description="Default 4 (or the shortest)")
    ] = None,
    target: Annotated[Target | None, Query(description="Default any")] = None,
    country: Annotated[str | None, Query(max_length=64)] = None,
    admin1: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Every district (simplified polygons; the centroid where no polygon is known) with the
    probability, band and change for one horizon and target, for any web map."""
    body = map_collection(
        served.snapshot,
        week=week,
        horizon=horizon if horizon is not None else default_horizon(served.snapshot),
        target=target if target is not None else default_target(served.snapshot),
        country=country,
        admin1=admin1,
        today=today(),
        stale_days=served.settings.stale_after_days,
    )
    return Response(body, media_type="application/json")
