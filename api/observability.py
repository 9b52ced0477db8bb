"""Per-request id, JSON log line and Prometheus metrics, as one plain ASGI middleware.

A plain ASGI middleware (not BaseHTTPMiddleware) keeps the per-request cost small. It is
also the last line of defence: an exception escaping a route becomes a 500 problem
without internals, logged with its traceback and the request id.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response

log = structlog.get_logger("api.request")

REQUEST_ID = "x-request-id"
# A caller's own request id is echoed when it looks like an id, not arbitrary text.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


# Set by `forecast serve` for several workers: each process writes its metrics there, and a
# scrape answered by any of them adds up every worker's (prometheus_client's multiprocess mode).
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    """The app's Prometheus metrics in their own registry (one per app, so tests can build many)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "forecast_api_requests",
            "HTTP requests by route template, method and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "forecast_api_request_duration_seconds",
            "Time to answer, by route template and method.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.reloads = Counter(
            "forecast_api_snapshot_reloads",
            "Snapshot reloads by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.loaded = Gauge(
            "forecast_api_snapshot_loaded_timestamp_seconds",
            "When the served snapshot was loaded (Unix time); 0 when none. With several "
            "workers, the latest load among them.",
            registry=self.registry,
            # A worker that died keeps its file: the latest load is what it cannot distort.
            multiprocess_mode="max",
        )

    def exposition(self) -> bytes:
        """The text a scrape gets: every worker's metrics in multiprocess mode, else this app's."""
        if os.environ.get(MULTIPROCESS_DIR):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


class RouteNames:
    """Path template of a request ('/v1/districts/{code}'): a bounded label for metrics.

    Matched against the app's own OpenAPI paths rather than router internals, which change
    between FastAPI versions. Built on first use, once every router is included.
    """

    def __init__(self, paths: Callable[[], Iterable[str]]) -> None:
        self._paths = paths
        self._patterns: list[tuple[re.Pattern[str], str]] | None = None

    def __call__(self, path: str) -> str:
        if self._patterns is None:
            self._patterns = [
                (re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(t)) + "$"), t)
                for t in self._paths()
            ]
        for pattern, template in self._patterns:
            if pattern.match(path):
                return template
        return "unmatched"


class RequestMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, routes: RouteNames) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        header = (REQUEST_ID.encode(), request_id.encode())
        status = 500
        started = False
        began = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            status = 500
            log.exception(
                "unhandled error",
                request_id=request_id,
                path=scope.get("path"),
                route=self.routes(scope.get("path", "")),
            )
            if not started:
                response = problem_response(
                    request_id,
                    500,
                    "the server failed to answer this request; it has been logged under "
                    f"request id {request_id}",
                    kind="internal",
                )
                await response(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - began
            self._record(scope, status, elapsed, request_id)

    def _record(self, scope: Scope, status: int, elapsed: float, request_id: str) -> None:
        route = self.routes(scope.get("path", ""))
        method = scope.get("method", "")
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(elapsed)
        state: dict[str, Any] = scope.get("state", {})
        log.info(
            "request",
            request_id=request_id,
            method=method,
            path=scope.get("path"),
            route=route,
            status=status,
            duration_ms=round(elapsed * 1000, 2),
            key_id=state.get("key_id"),
        )


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _VALID_ID.match(text) else None
    return None
