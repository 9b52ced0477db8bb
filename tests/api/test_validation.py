"""Parameter bounds, the formats the OpenAPI schema states, and the request-body limit.

pydantic reads a bare number as a Unix timestamp, so ``until=0`` was 1970-01-01 and
answered 200; every date here is ``YYYY-MM-DD`` within 1989..2100, as the schema says.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from api.validation import DATE_PATTERN
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
    incident = schema["components"]["schemas"]["IncidentIn"]["properties"]["date"]
    assert incident["format"] == "date"
    assert incident["formatMinimum"] == "1989-01-01"
    assert "tomorrow" in incident["description"]
    assert re.fullmatch(incident["pattern"], "2024-06-03")
    assert not re.fullmatch(incident["pattern"], "1988-12-31")
