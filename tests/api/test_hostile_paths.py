"""Hostile path values get a 404 or 422 problem, never a 500, a file or a traceback.

The requests go to the app as the server hands them over (an ASGI scope with the raw and
the decoded path), because an HTTP client would normalise ``..`` away or refuse a
100,000-character URL before the app saw it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote

import pytest

# (name, the path segment as sent on the wire)
HOSTILE: list[tuple[str, str]] = [
    ("traversal", "../../etc/passwd"),
    ("traversal-encoded", "..%2F..%2Fetc%2Fpasswd"),
    ("traversal-dots-encoded", "%2e%2e/%2e%2e/etc/passwd"),
    ("traversal-backslash", "..%5C..%5Cetc%5Cpasswd"),
    ("100k-characters", "A" * 100_000),
    ("100k-multibyte", quote("é" * 50_000)),
    ("unicode-name", quote("Ségou")),
    ("cjk", quote("北京")),
    ("right-to-left-override", quote("\u202e")),
    ("emoji", quote("😀")),
    ("null-byte", "%00"),
    ("embedded-null", "a%00b"),
    ("invalid-utf8", "%ff%fe"),
    ("double-encoded", "%252e%252e%252fetc"),
    ("dot-dot", "%2e%2e"),
]
TEMPLATES = [
    "/v1/districts/{}",
    "/v1/districts/{}/history",
    "/v1/bulletins/{}",
    "/static/{}",
    "/docs-assets/{}",
    "/v1/{}",
    "/{}",
]


async def _get(
    app: Any, raw_path: str, headers: list[tuple[bytes, bytes]]
) -> tuple[int, dict, bytes]:
    """One GET through ``app``'s ASGI interface, as uvicorn would deliver it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path),  # uvicorn decodes the same way (invalid UTF-8 replaced)
        "raw_path": raw_path.encode("ascii"),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
        "state": {},
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    answer_headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], answer_headers, body


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize(("name", "segment"), HOSTILE, ids=[name for name, _ in HOSTILE])
def test_hostile_path_values_are_404_or_422_problems(shared, template, name, segment) -> None:
    client, tokens = shared
    headers = [(b"x-api-key", tokens["read"].encode())]
    status, answer, body = client.portal.call(_get, client.app, template.format(segment), headers)
    assert status in (404, 422), (status, body[:300])
    assert answer["content-type"] == "application/problem+json", body[:300]
    problem = json.loads(body)
    assert problem["status"] == status
    assert b"root:" not in body  # no file from outside the package was read
    assert "Traceback" not in problem["detail"]
    # An answer about a 100k-character value does not echo it whole.
    assert len(body) < 5_000, (name, len(body))
