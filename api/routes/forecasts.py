"""GET /v1/forecasts: every district's risk for a week, filtered, sorted, paginated."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from api.answers import ForecastQuery, forecasts_page
from api.deps import ServedDep
from api.problems import responses
from api.routes.common import DATA_ERRORS, LimitQuery, OffsetQuery, WeekQuery, json_answer, today
from api.schemas import ForecastPage, Sort, Target

router = APIRouter(tags=["forecasts"])


@router.get(
    "/forecasts",
    response_model=ForecastPage,
    summary="Risk for every district",
    responses={**DATA_ERRORS, **responses(404)},
)
async def list_forecasts(
    served: ServedDep,
    week: WeekQuery = None,
    country: Annotated[
        str | None, Query(max_length=64, description="ISO3 code", examples=["MLI"])
    ] = None,
    admin1: Annotated[
        str | None,
        Query(max_length=200, description="Region name (case-insensitive)", examples=["Gao"]),
    ] = None,
    band: Annotated[
        list[str] | None, Query(description="Risk band(s), e.g. high; repeat for several")
    ] = None,
    min_probability: Annotated[float | None, Query(ge=0, le=1)] = None,
    horizon: Annotated[int | None, Query(ge=1, le=520, examples=[4])] = None,
    target: Target | None = None,
    sort: Annotated[Sort, Query(description="Order; '-' for descending")] = "-probability",
    limit: LimitQuery = 100,
    offset: OffsetQuery = 0,
) -> Response:
    """Latest week by default. One row per district, horizon and target with probability,
    band, change since the previous week and the model version. `?horizon=4&target=any`
    gives one row per district."""
    query = ForecastQuery(
        week=week,
        country=country,
        admin1=admin1,
        bands=tuple(band or ()),
        min_probability=min_probability,
        horizon=horizon,
        target=target,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return json_answer(
        forecasts_page(served.snapshot, query, today(), served.settings.stale_after_days)
    )
