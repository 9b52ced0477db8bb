"""The app factory: ``create_app(settings)`` wires routes, middleware, errors and state."""

from __future__ import annotations

import os
from functools import partial
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import docs_pages, problems
from api.deps import SECURITY, SECURITY_SCHEMES, check_key_before_validation
from api.docs_pages import DOCS_ROUTES
from api.lifecycle import StoreLoader, lifespan
from api.limits import BodyLimitMiddleware
from api.observability import Metrics, RequestMiddleware, RouteNames
from api.routes import api_router, health
from api.security import KeyCache, RateLimiter
from api.snapshot import SnapshotHolder
from api.validation import incident_date_schema, latest_incident_day, period_schema
from api.web import page
from forecast.core import servicedb
from forecast.core.settings import Settings

DESCRIPTION = """
Weekly probabilities of political violence per district (admin-2) in the Sahel, for the
next 1, 4 and 12 weeks, with the reasons behind them and what changed since last week.

Send an API key (`forecast keys create NAME --scope read`) as `X-API-Key: <key>` or
`Authorization: Bearer <key>`. Errors are RFC 9457 `application/problem+json`. Every data
answer carries `model_version`, `data_as_of` and `stale`.
"""

PAGE_ROUTES = ("/", "/static/{path}", "/openapi.json", *DOCS_ROUTES)


def _openapi(app: FastAPI, bands: list[str], cadence: str = "week") -> dict[str, Any]:
    """The generated schema plus what FastAPI cannot infer here: the security schemes on
    the /v1 operations (checked without FastAPI's security classes, for speed), the
    configured band names as the band filter's enum and the served cadence's period format
    in a bulletin's path (the route parses it itself, to answer in the cadence's words),
    and the latest date a field report may carry, which moves with the calendar: the
    schema is made again on the first call of each day."""
    last = latest_incident_day()
    if getattr(app.state, "openapi_last_incident_day", None) != last:
        app.openapi_schema = None
    if app.openapi_schema is None:
        app.state.openapi_last_incident_day = last
        schema = FastAPI.openapi(app)
        incident = schema["components"]["schemas"]["IncidentIn"]["properties"]["date"]
        incident.update(incident_date_schema(last))
        components = schema.setdefault("components", {})
        components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
        for path, operations in schema["paths"].items():
            if path.startswith("/v1/"):
                for operation in operations.values():
                    operation["security"] = SECURITY
        for parameter in schema["paths"]["/v1/forecasts"]["get"]["parameters"]:
            if parameter["name"] == "band":
                for option in parameter["schema"].get("anyOf", []):
                    if option.get("type") == "array":
                        option["items"]["enum"] = bands
        bulletin = schema["paths"].get("/v1/bulletins/{week}", {}).get("get", {})
        for parameter in bulletin.get("parameters", []):
            if parameter["name"] == "week" and parameter["in"] == "path":
                parameter["schema"].update(period_schema(cadence))
    return app.openapi_schema  # type: ignore[return-value]


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app; the lifespan loads the snapshot from the store once at start."""
    settings = settings or Settings()
    app = FastAPI(
        title="Sahel district risk forecasts",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's own pages load Swagger UI and ReDoc from a CDN: docs_pages serves them.
        docs_url=None,
        redoc_url=None,
    )
    engine = servicedb.connect(settings.service_db)
    app.state.settings = settings
    app.state.engine = engine
    app.state.loader = StoreLoader(settings)
    app.state.holder = SnapshotHolder(app.state.loader)
    app.state.keys = KeyCache(engine, settings.key_cache_seconds)
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.metrics = Metrics()

    problems.install(app, check_first=check_key_before_validation)
    app.include_router(health.router)
    app.include_router(api_router)
    # The map page holds no data (its script calls /v1 with the user's key): no auth.
    app.include_router(page.router)
    docs_pages.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    # Inside the request middleware, so a 413 carries the request id and is logged.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Added last so it wraps everything, CORS included: every answer gets a request id.
    app.openapi = partial(_openapi, app, [name for name, _ in settings.bands], settings.cadence)
    # The page's routes are left out of the OpenAPI schema: name them here for the logs.
    routes = RouteNames(lambda: [*app.openapi()["paths"], *PAGE_ROUTES])
    app.add_middleware(RequestMiddleware, metrics=app.state.metrics, routes=routes)
    return app


def serve_app() -> FastAPI:
    """The factory ``forecast serve`` gives uvicorn: each worker process configures its own
    logging (JSON lines unless FORECAST_LOG_JSON=0) before building the app."""
    from forecast.core.logs import configure_logging

    configure_logging(json=os.environ.get("FORECAST_LOG_JSON", "1") != "0")
    return create_app()
