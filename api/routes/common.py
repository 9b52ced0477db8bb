"""Pieces shared by the routes: JSON answers from bytes, today's date, documented errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Query
from starlette.responses import Response

from api.problems import responses
from api.validation import DATE_WORDS, IsoDay

JSON = "application/json"

# Errors every authenticated data route can answer with.
DATA_ERRORS = responses(401, 403, 422, 429, 503)

WeekQuery = Annotated[
    IsoDay | None,
    Query(
        description="Issue week: any day of it (its ISO week's Monday is used); latest if "
        f"absent. {DATE_WORDS}.",
        examples=["2024-06-03"],
    ),
]
LimitQuery = Annotated[int, Query(ge=1, le=10_000, description="Page size")]
OffsetQuery = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip")]


def json_answer(body: bytes) -> Response:
    return Response(body, media_type=JSON)


def today() -> date:
    return datetime.now(UTC).date()
