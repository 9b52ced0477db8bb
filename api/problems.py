"""RFC 9457 problem details: every error the API returns is application/problem+json."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

PROBLEM_JSON = "application/problem+json"
# Problem types are relative URIs documented in docs/API.md.
TYPE_PREFIX = "/problems/"
VALIDATION = "validation"
VALIDATION_TITLE = "Request is not valid"
# One title per problem type whichever route or layer raises it (FastAPI's validation or a
# route's own check), so a client can rely on the pair; other types take the status phrase.
TITLES = {VALIDATION: VALIDATION_TITLE}
# pydantic names a Literal's values in its message ("'any', 'fatal' or 'civilians'").
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


# A path or value named in a problem is cut to this: a 100,000-character path is refused,
# not echoed whole into the answer and the log.
SHOWN_CHARS = 200


def shown(text: str) -> str:
    """``text`` as a problem names it: whole when short, else its start and an ellipsis."""
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _title(status: int, kind: str | None, title: str | None) -> str:
    return title or TITLES.get(kind or "") or HTTPStatus(status).phrase


class ApiProblem(Exception):
    """An error answer: raise it anywhere in a request and the handler renders it."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.title = _title(status, kind, title)
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    request_id: str | None,
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + kind if kind else "about:blank",
        "title": _title(status, kind, title),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = shown(instance)
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    return Response(
        json.dumps(body, default=str).encode(),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


async def _api_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    return problem_response(
        _request_id(request),
        exc.status,
        exc.detail,
        kind=exc.kind,
        title=exc.title,
        instance=request.url.path,
        headers=exc.headers,
        **exc.extra,
    )


def _http_handler(
    check_first: Callable[[Request], None],
) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400:  # a body FastAPI could not even decode
            try:
                check_first(request)
            except ApiProblem as problem:
                return await _api_problem(request, problem)
        return await _http_error(request, exc)

    return http_error


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    path = shown(request.url.path)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such path: {path}; see /docs for the endpoints"
    if exc.status_code == 405:
        detail = f"method {request.method} is not allowed on {path}"
    return problem_response(
        _request_id(request),
        exc.status_code,
        detail,
        instance=request.url.path,
        headers=dict(exc.headers or {}),
    )


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def validation_error(
    location: str, message: str, kind: str, allowed: list[str] | None = None
) -> dict[str, Any]:
    """One entry of a validation problem's ``errors``; ``allowed`` lists an enum's values."""
    error: dict[str, Any] = {"location": location, "message": message, "type": kind}
    if allowed:
        error["allowed"] = allowed
    return error


def _pydantic_error(error: Any) -> dict[str, Any]:
    expected = (error.get("ctx") or {}).get("expected", "")
    allowed = _QUOTED.findall(expected) if error.get("type") == "literal_error" else None
    return validation_error(
        _where(error.get("loc", ())), error.get("msg", ""), error.get("type"), allowed
    )


def validation_problem(errors: list[dict[str, Any]]) -> ApiProblem:
    """The 422 every route answers for a malformed request: the detail names each location
    and what was wrong (an enum's allowed values among it), ``errors`` lists them."""
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors) or "invalid request"
    return ApiProblem(422, detail, kind=VALIDATION, errors=errors)


def bad_value(location: str, value: str, allowed: list[str], what: str) -> ApiProblem:
    """A 422 for a value outside a set the route checks itself (the configured bands): the
    allowed values, and the one meant when only spaces, hyphens or case differ
    ('very high' for 'very_high')."""
    quoted = ", ".join(f"'{a}'" for a in allowed)
    message = f"'{value}' is not a {what}; use one of {quoted}"
    meant = [a for a in allowed if _folded(a) == _folded(value)]
    if meant:
        message += f" (did you mean '{meant[0]}'?)"
    return validation_problem([validation_error(location, message, "enum", allowed)])


def _folded(text: str) -> str:
    return re.sub(r"[\s_-]+", "_", text.strip().lower())


def _validation_handler(
    check_first: Callable[[Request], None],
) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        try:
            check_first(request)
        except ApiProblem as problem:
            return await _api_problem(request, problem)
        problem = validation_problem([_pydantic_error(e) for e in exc.errors()])
        return await _api_problem(request, problem)

    return validation_error


def _nothing_first(request: Request) -> None:
    return None


def install(app: FastAPI, check_first: Callable[[Request], None] = _nothing_first) -> None:
    """Route every error through problem+json (500s are caught by the request middleware).
    ``check_first`` may raise the problem a malformed request gets instead of its 422, or
    the 400 of a body that cannot be decoded (the app's key check)."""
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(StarletteHTTPException, _http_handler(check_first))
    app.add_exception_handler(RequestValidationError, _validation_handler(check_first))


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
    },
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries documenting problem answers for ``statuses``."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }
