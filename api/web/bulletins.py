"""GET /v1/bulletins/latest and /v1/bulletins/{week}: the files ``forecast bulletin`` wrote.

The format comes from ``?format=html|pdf|md|json`` or else the ``Accept`` header (JSON
when neither says); the language from ``?lang=`` or else ``Accept-Language`` (English when
no catalogue matches). A week or language with no file is a 404 problem+json. The router
has no prefix of its own beyond ``/bulletins``: include it under the ``/v1`` router.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import FileResponse, Response

from api.problems import problem_response, responses, shown, validation_error, validation_problem
from forecast.bulletin.data import parse_period
from forecast.bulletin.files import FORMATS, find_bulletin
from forecast.bulletin.i18n import FALLBACK, available_languages

router = APIRouter(prefix="/bulletins", tags=["bulletins"])

Format = Literal["html", "pdf", "md", "json"]
MEDIA_TO_FORMAT: dict[str, str] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "text/markdown": "md",
    "text/x-markdown": "md",
    "application/json": "json",
}
FILE_RESPONSES = {
    200: {
        "description": "The bulletin in the format asked for",
        "content": {media.split(";")[0]: {} for media in FORMATS.values()},
    },
    404: {
        "description": "No bulletin for that week or language",
        "content": {"application/problem+json": {}},
    },
    422: {"description": "Not an ISO week", "content": {"application/problem+json": {}}},
    # The /v1 router's key check: no key, a key without the read scope, its rate limit.
    **responses(401, 403, 429),
}


def _weighted(header: str) -> list[tuple[str, float]]:
    """Items of an Accept-style header with their q-values, best first (stable)."""
    items = []
    for position, part in enumerate(header.split(",")):
        token, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if token:
            items.append((token.lower(), q, position))
    items.sort(key=lambda item: (-item[1], item[2]))
    return [(token, q) for token, q, _ in items if q > 0]


def negotiate_format(explicit: str | None, accept: str | None) -> str:
    """``?format=`` when given, else the best format the Accept header names, else JSON."""
    if explicit:
        return explicit
    for media, _ in _weighted(accept or ""):
        if media in MEDIA_TO_FORMAT:
            return MEDIA_TO_FORMAT[media]
    return "json"


def negotiate_language(explicit: str | None, accept_language: str | None) -> str:
    if explicit:
        return explicit.lower()
    known = available_languages()
    for tag, _ in _weighted(accept_language or ""):
        primary = tag.split("-")[0]
        if primary in known:
            return primary
    return FALLBACK


def _outputs(request: Request) -> Path:
    """``<home>/outputs`` of the app's settings (the forecast settings without an app's)."""
    settings = getattr(request.app.state, "settings", None)
    home = getattr(settings, "home", None)
    if home is None:
        from forecast.core.settings import get_settings

        return get_settings().outputs
    return Path(home) / "outputs"


def _not_found(request: Request, detail: str) -> Response:
    return problem_response(
        request.scope.get("state", {}).get("request_id"),
        404,
        detail,
        kind="unknown-bulletin",
        instance=request.url.path,
    )


def _cadence(request: Request) -> str:
    """The cadence the app serves (settings.cadence): its bulletins, weekly or monthly."""
    return getattr(getattr(request.app.state, "settings", None), "cadence", "week")


def _answer(request: Request, week: str | None, fmt: str | None, lang: str | None) -> Response:
    chosen_format = negotiate_format(fmt, request.headers.get("accept"))
    chosen_lang = negotiate_language(lang, request.headers.get("accept-language"))
    cadence = _cadence(request)
    path = find_bulletin(_outputs(request), week, chosen_lang, chosen_format, cadence)
    if path is None:
        which = f"{cadence} {week}" if week else f"any {cadence}"
        return _not_found(
            request,
            f"no {chosen_format} bulletin in language {chosen_lang!r} for {which}; "
            "`forecast bulletin` writes them",
        )
    name = f"bulletin-{path.parent.name}.{chosen_lang}.{chosen_format}"
    return FileResponse(
        path,
        media_type=FORMATS[chosen_format],
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Content-Language": chosen_lang,
            "Vary": "Accept, Accept-Language",
            "Cache-Control": "no-cache",
        },
    )


FormatQuery = Annotated[
    Format | None, Query(description="html, pdf, md or json; overrides the Accept header")
]
LangQuery = Annotated[
    str | None,
    Query(
        min_length=2,
        max_length=8,
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]+)?$",
        description="Language (en, fr); overrides Accept-Language",
    ),
]


@router.get(
    "/latest",
    summary="The newest weekly bulletin",
    responses=FILE_RESPONSES,
    response_class=Response,
)
async def latest_bulletin(
    request: Request, format: FormatQuery = None, lang: LangQuery = None
) -> Response:
    """The newest week's bulletin in the format and language asked for."""
    return _answer(request, None, format, lang)


@router.get(
    "/{week}",
    summary="The bulletin of one ISO week",
    responses=FILE_RESPONSES,
    response_class=Response,
)
async def week_bulletin(
    request: Request,
    week: str,
    format: FormatQuery = None,
    lang: LangQuery = None,
) -> Response:
    """The bulletin of ``week`` (``2025-W23`` or any date in that week; at monthly cadence
    ``2025-06`` or any date in that month)."""
    from forecast.core.cadence import get as get_cadence

    period = get_cadence(_cadence(request))
    try:
        label = period.label(parse_period(week, period.name))
    except ValueError:
        example = (
            "an ISO week such as 2025-W23" if period.name == "week" else "a month such as 2025-06"
        )
        message = f"{shown(week)!r} is not {example} or a date such as 2025-06-02"
        # Answered, not raised: the router also serves apps without the API's handlers.
        problem = validation_problem([validation_error("path.week", message, "pattern")])
        return problem_response(
            request.scope.get("state", {}).get("request_id"),
            problem.status,
            problem.detail,
            kind=problem.kind,
            instance=request.url.path,
            **problem.extra,
        )
    return _answer(request, label, format, lang)
