"""POST /v1/incidents: field reports from partners, stored for the next retrain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.encoders import jsonable_encoder
from starlette.responses import JSONResponse

from api.deps import EngineDep, require
from api.problems import ApiProblem, responses
from api.schemas import IncidentIn, IncidentOut
from forecast.core import servicedb
from forecast.core.servicedb import ApiKey, FieldReport

router = APIRouter(tags=["incidents"])


def _out(key_id: int, report: FieldReport, created: bool) -> IncidentOut:
    return IncidentOut(
        id=f"{key_id}:{report.reporter_id}",
        reporter_id=report.reporter_id,
        date=report.event_date,
        latitude=report.latitude,
        longitude=report.longitude,
        type=report.type,
        event_type=servicedb.REPORT_TYPES[report.type],
        fatalities=report.fatalities,
        description=report.description,
        received_at=report.received_at,
        created=created,
    )


@router.post(
    "/incidents",
    response_model=IncidentOut,
    status_code=201,
    summary="Send a field report",
    responses={
        200: {"description": "Already stored with the same content", "model": IncidentOut},
        **responses(400, 401, 403, 409, 422, 429),  # 400: a body that is not JSON
    },
)
def post_incident(
    report: IncidentIn,
    engine: EngineDep,
    key: Annotated[ApiKey, Depends(require("report"))],
) -> JSONResponse:
    """Stored as source `field_report` with id `<key id>:<reporter_id>` and used at the next
    retrain. Sending the same `reporter_id` again with the same content answers 200 with the
    stored report; with different content, 409."""
    content = {
        "event_date": report.date,
        "latitude": report.latitude,
        "longitude": report.longitude,
        "type": report.type,
        "fatalities": report.fatalities,
        "description": report.description,
    }
    try:
        stored, created = servicedb.store_field_report(engine, key.id, report.reporter_id, content)
    except servicedb.ReportConflictError as conflict:
        raise ApiProblem(
            409,
            f"report '{report.reporter_id}' was already received with other content; send a "
            "new reporter_id for a new report",
            kind="conflict",
            stored=jsonable_encoder(_out(key.id, conflict.stored, False)),
        ) from None
    body = jsonable_encoder(_out(key.id, stored, created))
    return JSONResponse(body, status_code=201 if created else 200)
