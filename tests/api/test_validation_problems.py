"""Every 422 is the same problem: one type and one title on every route, whichever layer
found the fault (FastAPI's parameter validation or a route's own check), and a wrong enum
value is answered with the values that are allowed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.problems import VALIDATION_TITLE

VALIDATION_TYPE = "/problems/validation"
# A value for each path parameter that passes its own checks, so that only the parameter
# under test is wrong.
GOOD_PATH_VALUES = {"code": "ML0101", "week": "2024-W23"}
NOT_IN_ANY_ENUM = "not-a-value"


def _variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema and, for an optional parameter, each of its anyOf alternatives."""
    return [schema, *schema.get("anyOf", [])]


def bad_values(schema: dict[str, Any]) -> list[Any]:
    """Values the parameter's schema refuses: outside an enum, against a pattern, past a
    bound or a length, or of the wrong type."""
    found: list[Any] = []
    for part in _variants(schema):
        items = part.get("items", {})
        if "enum" in part or "enum" in items:
            found.append(NOT_IN_ANY_ENUM)
        if "pattern" in part:
            found.append("not a date!")
        if part.get("type") in ("integer", "number"):
            if "minimum" in part:
                found.append(part["minimum"] - 1)
            if "maximum" in part:
                found.append(part["maximum"] + 1)
            found.append("many")
        if "maxLength" in part:
            found.append("x" * (part["maxLength"] + 1))
        if part.get("const") is not None:
            found.append(NOT_IN_ANY_ENUM)
    return found


def bad_requests(openapi: dict[str, Any]) -> tuple[list[tuple[str, str, dict]], set[str]]:
    """(method, path, request options) for every bad parameter and body of every operation,
    and the operations that take neither (nothing of theirs can be malformed)."""
    requests: list[tuple[str, str, dict]] = []
    without: set[str] = set()
    for template, operations in openapi["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            path = template.format(**GOOD_PATH_VALUES)
            for parameter in parameters:
                for value in bad_values(parameter["schema"]):
                    if parameter["in"] == "path":
                        bad_path = template.replace("{" + parameter["name"] + "}", str(value))
                        requests.append((method, bad_path.format(**GOOD_PATH_VALUES), {}))
                    elif parameter["in"] == "query":
                        requests.append((method, path, {"params": {parameter["name"]: value}}))
            if "requestBody" in operation:
                for body in ({}, {"reporter_id": 5}, []):
                    requests.append((method, path, {"json": body}))
                requests.append((method, path, {"content": b"{not json"}))
            if not parameters and "requestBody" not in operation:
                without.add(f"{method.upper()} {template}")
    return requests, without


@pytest.fixture
def admin(client: TestClient, tokens: dict[str, str]) -> tuple[TestClient, dict[str, str]]:
    # admin has every scope: no route refuses the key before it validates the request.
    return client, {"X-API-Key": tokens["admin"], "Content-Type": "application/json"}


def test_every_route_answers_a_bad_parameter_with_the_same_problem(admin) -> None:
    client, headers = admin
    requests, without = bad_requests(client.get("/openapi.json").json())
    # The walk reaches every operation that takes anything: the others take no input.
    assert without == {
        "GET /healthz",
        "GET /readyz",
        "GET /metrics",
        "GET /v1/model",
        "POST /v1/admin/reload",
    }
    walked = {(method, path.split("?")[0]) for method, path, _ in requests}
    assert len(requests) > 40, requests
    titles: dict[tuple[str, str], str] = {}
    for method, path, options in requests:
        response = client.request(method, path, headers=headers, **options)
        where = f"{method.upper()} {path[:80]} {options}"
        assert response.status_code == 422, (where, response.status_code, response.text[:300])
        assert response.headers["content-type"] == "application/problem+json", where
        problem = response.json()
        titles[(method, path[:80])] = problem["title"]
        assert problem["type"] == VALIDATION_TYPE, (where, problem)
        assert problem["errors"] and all(e["location"] for e in problem["errors"]), problem
        assert problem["detail"].startswith(problem["errors"][0]["location"] + ": "), problem
    assert set(titles.values()) == {VALIDATION_TITLE}, titles
    assert len(walked) >= 7


@pytest.mark.parametrize(
    ("path", "params", "location", "allowed"),
    [
        (
            "/v1/forecasts",
            {"band": "very high"},
            "query.band",
            ["low", "elevated", "high", "very_high"],
        ),
        ("/v1/forecasts", {"target": "cattle"}, "query.target", None),
        ("/v1/map", {"target": "cattle"}, "query.target", None),
        ("/v1/districts/ML0101/history", {"target": "cattle"}, "query.target", None),
        ("/v1/forecasts", {"sort": "random"}, "query.sort", None),
        ("/v1/bulletins/latest", {"format": "docx"}, "query.format", ["html", "pdf", "md", "json"]),
    ],
)
def test_a_wrong_enum_value_lists_the_allowed_values(
    shared, path: str, params: dict, location: str, allowed: list[str] | None
) -> None:
    client, tokens = shared
    response = client.get(path, headers={"X-API-Key": tokens["read"]}, params=params)
    assert response.status_code == 422
    problem = response.json()
    assert problem["title"] == VALIDATION_TITLE
    (error,) = problem["errors"]
    assert error["location"] == location
    if allowed is None:  # the schema's enum, as the OpenAPI document states it
        schema = client.get("/openapi.json").json()
        operation = schema["paths"][path.replace("ML0101", "{code}")]["get"]
        (parameter,) = [p for p in operation["parameters"] if p["name"] == location[6:]]
        allowed = next(v["enum"] for v in _variants(parameter["schema"]) if "enum" in v)
    assert error["allowed"] == allowed
    for value in allowed:  # every allowed value is named in the one-line detail
        assert f"'{value}'" in problem["detail"]


def test_the_band_written_with_a_space_is_pointed_to_its_name(shared) -> None:
    # docs/API.md once showed band=very%20high; the API names bands with an underscore.
    client, tokens = shared
    headers = {"X-API-Key": tokens["read"]}
    wrong = client.get("/v1/forecasts", headers=headers, params={"band": "very high"})
    assert wrong.status_code == 422
    assert "(did you mean 'very_high'?)" in wrong.json()["detail"]
    right = client.get(
        "/v1/forecasts", headers=headers, params=[("band", "high"), ("band", "very_high")]
    )
    assert right.status_code == 200
    assert {item["band"] for item in right.json()["items"]} <= {"high", "very_high"}


def test_the_api_docs_write_bands_as_the_api_accepts_them(shared) -> None:
    client, _ = shared
    text = (Path(__file__).resolve().parents[2] / "docs" / "API.md").read_text(encoding="utf-8")
    schema = client.get("/openapi.json").json()
    (band,) = [
        p for p in schema["paths"]["/v1/forecasts"]["get"]["parameters"] if p["name"] == "band"
    ]
    names = next(v["items"]["enum"] for v in _variants(band["schema"]) if "items" in v)
    written = re.findall(r"band=([^&`\s)]+)", text)
    assert written, "docs/API.md shows no band filter"
    assert set(written) <= set(names), written
