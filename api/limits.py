"""The request-body size limit: 413 before a large body is read, not after.

A declared ``Content-Length`` over the limit is refused before any of the body is read. A
body without one (chunked) is counted as the app reads it, and refused once it passes the
limit: the app is stopped there, so at most the limit and one chunk are ever held.
"""

from __future__ import annotations

import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response


class _TooLarge(Exception):
    """Raised into the app by the counting ``receive``; this middleware answers instead."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        over = False
        started = False

        async def counting_receive() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    over = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # Once the body ran over, whatever the app makes of the exception (FastAPI turns
            # an error while reading a body into a 400) is not sent: the 413 is.
            if over:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_TooLarge):  # raised by counting_receive: answered below
            await self.app(scope, counting_receive, guarded_send)
        if over and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            scope.get("state", {}).get("request_id"),
            413,
            f"the request body is larger than {self.max_bytes} bytes, the most this API "
            "accepts; a field report is a few kilobytes",
            kind="too-large",
            title="Content Too Large",
            instance=scope.get("path"),
            # The rest of the body is not read: the connection cannot carry another request.
            headers={"Connection": "close"},
            max_bytes=self.max_bytes,
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before the app runs
    return None
