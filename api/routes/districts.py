"""GET /v1/districts/{code} and its history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from api.answers import district_detail, district_history
from api.deps import ServedDep
from api.problems import responses
from api.routes.common import DATA_ERRORS, LimitQuery, OffsetQuery, WeekQuery, json_answer, today
from api.schemas import DistrictDetail, DistrictHistory, Target
from api.validation import DATE_WORDS, IsoDay

router = APIRouter(prefix="/districts", tags=["districts"])

CodePath = Annotated[
    str, Path(min_length=1, max_length=64, description="District code", examples=["ML0701"])
]


@router.get(
    "/{code}",
    response_model=DistrictDetail,
    summary="One district: risk, drivers in plain words, recent incidents",
    responses={**DATA_ERRORS, **responses(404)},
)
async def get_district(code: CodePath, served: ServedDep, week: WeekQuery = None) -> Response:
    """Current risk per horizon and target with its top drivers in plain words and
    numbers, political violence counts and the latest incidents recorded in the district."""
    return json_answer(
        district_detail(
            served.snapshot,
            code,
            week,
            today(),
            served.settings.stale_after_days,
            served.settings.recent_events,
        )
    )


@router.get(
    "/{code}/history",
    response_model=DistrictHistory,
    summary="Past forecasts beside what happened",
    responses={**DATA_ERRORS, **responses(404)},
)
async def get_history(
    code: CodePath,
    served: ServedDep,
    horizon: Annotated[int | None, Query(ge=1, le=520)] = None,
    target: Target | None = None,
    since: Annotated[
        IsoDay | None,
        Query(description=f"First issue week ({DATE_WORDS})"),
    ] = None,
    until: Annotated[
        IsoDay | None,
        Query(description=f"Last issue week ({DATE_WORDS})"),
    ] = None,
    limit: LimitQuery = 200,
    offset: OffsetQuery = 0,
) -> Response:
    """Newest first. `observed_events` counts target events in weeks t+1..t+horizon and is
    null while that window is not over."""
    return json_answer(
        district_history(
            served.snapshot,
            code,
            horizon=horizon,
            target=target,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
            today=today(),
            stale_days=served.settings.stale_after_days,
        )
    )
