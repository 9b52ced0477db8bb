"""The interactive API docs, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served whole by
the app, because many field offices work offline: FastAPI's self-hosted docs pattern, with
the scripts, styles and favicon that the fastapi-offline package ships (Swagger UI 5,
ReDoc 2; Apache-2.0 and MIT, the versions pinned in the lock files) under
:data:`DOCS_ASSETS`.

A Content-Security-Policy on the two pages allows nothing but this host, so the browser
does not even try another one (ReDoc's sidebar would fetch its vendor's logo from a CDN).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

DOCS_ASSETS = "/docs-assets"
# The package's data folder; tests/api/test_docs_pages.py fetches each file the pages name.
ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSET_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
# For the request logs' route label: these pages are not in the OpenAPI schema.
DOCS_ROUTES = ("/docs", OAUTH2_REDIRECT, "/redoc", DOCS_ASSETS + "/{path}")
# Swagger UI would otherwise send the schema to validator.swagger.io for a badge.
SWAGGER_UI_PARAMETERS: dict[str, Any] = {"validatorUrl": None}
# Inline scripts and styles are how both tools start and draw; ReDoc's search runs in a
# worker made from a blob. Nothing may come from, or go to, another host.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)
HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


def _root(request: Request) -> str:
    # Behind a proxy that mounts the API under a prefix, every URL the page names needs it.
    return request.scope.get("root_path", "")


def _openapi_url(request: Request) -> str:
    return _root(request) + (request.app.openapi_url or "/openapi.json")


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    root = _root(request)
    page = get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title=request.app.title + " - Swagger UI",
        oauth2_redirect_url=root + OAUTH2_REDIRECT,
        swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )
    page.headers.update(HEADERS)
    return page


@router.get(OAUTH2_REDIRECT)
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    root = _root(request)
    page = get_redoc_html(
        openapi_url=_openapi_url(request),
        title=request.app.title + " - ReDoc",
        redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
        with_google_fonts=False,
    )
    page.headers.update(HEADERS)
    return page


def install(app: FastAPI) -> None:
    """Serve the docs pages and their assets on ``app`` (created with ``docs_url=None`` and
    ``redoc_url=None``, so that FastAPI's own CDN pages are not there)."""
    app.include_router(router)
    app.mount(DOCS_ASSETS, StaticFiles(directory=ASSETS), name="docs-assets")
