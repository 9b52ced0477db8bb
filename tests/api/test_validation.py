"""Parameter bounds, the formats the OpenAPI schema states, and the request-body limit.

pydantic reads a bare number as a Unix timestamp, so ``until=0`` was 1970-01-01 and
answered 200; every date here is ``YYYY-MM-DD`` within 1989..2100, as the schema says.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from api.validation import DATE_PATTERN, date_pattern_until
from tests.api.test_incidents import REPORT as INCIDENT

BAD_DATES = ["0", "1700000000", "2024-13-01", "2024-02-30", "99999-01-01", "1900-01-01", "x"]


def assert_validation(response, where: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/validation"
    assert any(e["location"] == where for e in body["errors"]), body


@pytest.mark.parametrize("value", BAD_DATES)
@pytest.mark.parametrize("name", ["since", "until"])
def test_history_dates_are_iso_days_within_bounds(shared, name, value):
    client, tokens = shared
    answer = client.get(
        f"/v1/districts/ML0101/history?{name}={value}", headers={"X-API-Key": tokens["read"]}
    )
    assert_validation(answer, f"query.{name}")


@pytest.mark.parametrize("path", ["/v1/forecasts", "/v1/map", "/v1/districts/ML0101"])
def test_week_is_an_iso_day_on_every_route(shared, path):
    client, tokens = shared
    headers = {"X-API-Key": tokens["read"]}
    for value in ("0", "1700000000", "2024-06-31"):
        assert_validation(client.get(f"{path}?week={value}", headers=headers), "query.week")
    # A day of the week is still fine wherever a week is asked for.
    assert client.get(f"{path}?week=2024-05-29", headers=headers).status_code != 422


def test_the_date_pattern_is_the_calendar():
    # Every day the schema admits is accepted, and no other: schemathesis relies on it.
    day, last, pattern = date(1989, 1, 1), date(2100, 12, 31), re.compile(DATE_PATTERN)
    while day <= last:
        assert pattern.fullmatch(day.isoformat()), day
        day += timedelta(days=1)
    for bad in ("2100-02-29", "2023-02-29", "2024-04-31", "1988-12-31", "2101-01-01"):
        assert not pattern.fullmatch(bad), bad
    assert pattern.fullmatch("2024-02-29") and pattern.fullmatch("2000-02-29")


def test_history_good_dates_still_answer(shared):
    client, tokens = shared
    answer = client.get(
        "/v1/districts/ML0101/history?since=2024-01-01&until=2024-12-31",
        headers={"X-API-Key": tokens["read"]},
    )
    assert answer.status_code == 200, answer.text


def test_incident_date_must_be_an_iso_day(client, tokens):
    headers = {"X-API-Key": tokens["report"]}
    for value in (1_700_000_000, 0, "2024-6-3", "2024-06-03T10:00:00"):
        answer = client.post(
            "/v1/incidents", headers=headers, json={**INCIDENT, "date": value, "reporter_id": "a"}
        )
        assert_validation(answer, "body.date")
    assert client.post("/v1/incidents", headers=headers, json=INCIDENT).status_code == 201


def _parameter(schema: dict, path: str, name: str) -> dict:
    for parameter in schema["paths"][path]["get"]["parameters"]:
        if parameter["name"] == name:
            return parameter["schema"]
    raise AssertionError(f"{path} has no parameter {name}")


def _date_schema(parameter: dict) -> dict:
    options = parameter.get("anyOf", [parameter])
    return next(o for o in options if o.get("type") == "string")


def test_openapi_states_the_formats_and_bounds(shared):
    client, _ = shared
    schema = client.get("/openapi.json").json()
    for path, name in [
        ("/v1/districts/{code}/history", "since"),
        ("/v1/districts/{code}/history", "until"),
        ("/v1/forecasts", "week"),
        ("/v1/map", "week"),
        ("/v1/districts/{code}", "week"),
    ]:
        day = _date_schema(_parameter(schema, path, name))
        assert day["format"] == "date"
        assert re.fullmatch(day["pattern"], "2024-06-03")
        assert not re.fullmatch(day["pattern"], "0")
        assert not re.fullmatch(day["pattern"], "1900-01-01")
    week = _parameter(schema, "/v1/bulletins/{week}", "week")
    assert re.fullmatch(week["pattern"], "2025-W23")
    assert re.fullmatch(week["pattern"], "2025-06-02")
    assert not re.fullmatch(week["pattern"], "2025-W60")
    assert not re.fullmatch(week["pattern"], "June")
    assert not re.fullmatch(week["pattern"], "2025-W53")  # 2025 has 52 ISO weeks
    assert re.fullmatch(week["pattern"], "2026-W53")
    incident = schema["components"]["schemas"]["IncidentIn"]["properties"]["date"]
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    assert incident["format"] == "date"
    assert incident["formatMinimum"] == "1989-01-01"
    assert incident["formatMaximum"] == str(tomorrow)
    assert "tomorrow" in incident["description"]
    day = re.compile(incident["pattern"])
    assert day.fullmatch("2024-06-03") and day.fullmatch(str(tomorrow))
    assert not day.fullmatch(str(tomorrow + timedelta(days=1)))
    assert not day.fullmatch("1988-12-31") and not day.fullmatch("2023-02-29")


def test_the_incident_date_pattern_is_every_day_up_to_its_bound():
    for last in (date(2026, 12, 8), date(2024, 2, 29), date(2025, 12, 31), date(2027, 1, 1)):
        pattern = re.compile(date_pattern_until(last))
        day = date(1988, 12, 1)
        while day <= last + timedelta(days=400):
            assert bool(pattern.fullmatch(day.isoformat())) == (date(1989, 1, 1) <= day <= last)
            day += timedelta(days=1)


def test_fatalities_are_whole_numbers_also_written_as_floats(client, tokens):
    headers = {"X-API-Key": tokens["report"]}
    for number, reporter in ((3, "w1"), (3.0, "w2")):
        stored = client.post(
            "/v1/incidents",
            headers=headers,
            json={**INCIDENT, "fatalities": number, "reporter_id": reporter},
        )
        assert stored.status_code == 201, stored.text
        assert stored.json()["fatalities"] == 3
    for bad in ("3", 3.5, True, None):
        answer = client.post("/v1/incidents", headers=headers, json={**INCIDENT, "fatalities": bad})
        assert_validation(answer, "body.fatalities")


# --- the request-body limit ----------------------------------------------------------------

MB = 1024 * 1024


class Body:
    """A 50 MB body sent in chunks, counting how many the server pulled."""

    def __init__(self, total: int = 50 * MB, chunk: int = 16 * 1024) -> None:
        self.total, self.chunk, self.pulled = total, chunk, 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        for _ in range(self.total // self.chunk):
            self.pulled += 1
            yield b"x" * self.chunk


def assert_too_large(response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/too-large"
    assert body["max_bytes"] == 65536
    assert "65536" in body["detail"]


def test_a_declared_50_mb_body_is_refused_before_it_is_read(client, tokens):
    body = Body()
    headers = {"X-API-Key": tokens["report"], "Content-Length": str(body.total)}
    answer = client.post("/v1/incidents", headers=headers, content=iter(body))
    assert_too_large(answer)
    assert body.pulled == 0


def test_a_streamed_body_is_cut_off_at_the_limit(app, tokens):
    # Straight through ASGI, as a server hands a chunked body over: the TestClient would
    # buffer the whole body before the app sees any of it.
    chunk, chunks = 16 * 1024, 50 * MB // (16 * 1024)
    pulled = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * chunk, "more_body": pulled < chunks}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/incidents",
        "raw_path": b"/v1/incidents",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"x-api-key", tokens["report"].encode()),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    body = json.loads(
        b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    )
    assert body["type"] == "/problems/too-large"
    # The limit (64 KiB) and one chunk more were read, not 50 MB.
    assert pulled <= 65536 // chunk + 1, pulled


def test_the_limit_is_a_setting_and_small_bodies_pass(world, api_home):
    from fastapi.testclient import TestClient

    from api import create_app
    from forecast.core import servicedb
    from tests.api.conftest import make_settings

    app = create_app(make_settings(api_home, max_body_bytes=1024))
    headers = {"X-API-Key": servicedb.create_key(app.state.engine, "r", ["report"])[1]}
    with TestClient(app) as client:
        assert client.post("/v1/incidents", headers=headers, json=INCIDENT).status_code == 201
        long = {**INCIDENT, "reporter_id": "b", "description": "y" * 2000}
        answer = client.post("/v1/incidents", headers=headers, json=long)
        assert answer.status_code == 413 and answer.json()["max_bytes"] == 1024
