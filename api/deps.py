"""FastAPI dependencies: settings, the current snapshot, the service DB and key checks."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine

from api.problems import ApiProblem
from api.security import KeyCache, RateLimiter, has_scope
from api.snapshot import Snapshot, SnapshotHolder
from forecast.core.servicedb import ApiKey
from forecast.core.settings import Settings


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_holder(request: Request) -> SnapshotHolder:
    return request.app.state.holder


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_snapshot(request: Request) -> Snapshot:
    """The snapshot this request will use throughout, or 503 when nothing is loaded."""
    holder: SnapshotHolder = request.app.state.holder
    snapshot = holder.current
    if snapshot is None:
        raise ApiProblem(
            503,
            f"no forecasts are loaded: {holder.last_error}",
            kind="not-ready",
            headers={"Retry-After": "60"},
        )
    return snapshot


@dataclass(frozen=True)
class Served:
    """What a data route needs: the snapshot taken once for the request, and the settings."""

    snapshot: Snapshot
    settings: Settings


async def get_served(request: Request) -> Served:
    # One dependency rather than two: each costs FastAPI real time per request.
    return Served(await get_snapshot(request), request.app.state.settings)


# Every route under it needs a key (api.routes).
API_PREFIX = "/v1/"

SettingsDep = Annotated[Settings, Depends(get_settings)]
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
ServedDep = Annotated[Served, Depends(get_served)]
HolderDep = Annotated[SnapshotHolder, Depends(get_holder)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def _token(request: Request) -> str | None:
    """The key from X-API-Key, else from 'Authorization: Bearer <key>'."""
    headers = request.headers
    token = headers.get("x-api-key")
    if token:
        return token
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def authenticate(request: Request) -> ApiKey:
    """The request's active key, else a 401 problem (no key, or unknown or revoked)."""
    token = _token(request)
    challenge = {"WWW-Authenticate": 'Bearer realm="forecast"'}
    if not token:
        raise ApiProblem(
            401,
            "an API key is required: send it in the X-API-Key header or as "
            "'Authorization: Bearer <key>'",
            kind="unauthorized",
            headers=challenge,
        )
    keys: KeyCache = request.app.state.keys
    key = keys.lookup(token)
    if key is None:
        raise ApiProblem(
            401, "the API key is unknown or revoked", kind="unauthorized", headers=challenge
        )
    return key


def check_key_before_validation(request: Request) -> None:
    """Raise the 401 a /v1 request without a valid key gets. FastAPI parses a JSON body
    before it runs the key check, so without this a body that is not JSON was answered
    422 to a caller with no key; now only a caller with a key learns what was malformed."""
    if request.url.path.startswith(API_PREFIX):
        authenticate(request)


@cache
def require(scope: str) -> Callable[..., Awaitable[ApiKey]]:
    """A dependency admitting keys with ``scope``: 401 without a key, 403 without the scope.

    Headers are read directly rather than through FastAPI's security classes (a sub-
    dependency each, per request); :data:`SECURITY_SCHEMES` documents them in OpenAPI.
    Cached so a router and a route asking for the same scope share one check per request.
    """

    async def authorised(request: Request) -> ApiKey:
        key = authenticate(request)
        if not has_scope(key, scope):
            raise ApiProblem(
                403,
                f"the key '{key.name}' lacks the '{scope}' scope "
                f"(it has: {', '.join(key.scopes) or 'none'})",
                kind="forbidden",
            )
        limiter: RateLimiter = request.app.state.limiter
        wait = limiter.take(key.id)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise ApiProblem(
                429,
                f"rate limit of {int(limiter.capacity)} requests per minute reached for key "
                f"'{key.name}'; retry in {seconds} s",
                kind="rate-limited",
                headers={"Retry-After": str(seconds)},
            )
        request.scope.setdefault("state", {})["key_id"] = key.id
        return key

    authorised.__name__ = f"require_{scope}"
    return authorised


SECURITY_SCHEMES = {
    "APIKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "API key from `forecast keys create`",
    },
    "HTTPBearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "The same API key as a bearer token",
    },
}
SECURITY = [{"APIKeyHeader": []}, {"HTTPBearer": []}]
