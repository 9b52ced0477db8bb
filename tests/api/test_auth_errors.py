"""Keys and scopes, rate limits, problem+json shapes, request ids, CORS, probes, metrics."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from api import create_app
from forecast.core import servicedb
from tests.api.conftest import make_settings
from tests.api.world import label

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, phrase: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert phrase in body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body


def test_no_key_is_401(client):
    for url in ("/v1/forecasts", "/v1/districts/ML0101", "/v1/map", "/v1/model"):
        response = client.get(url)
        body = assert_problem(response, 401, "an API key is required")
        assert body["type"] == "/problems/unauthorized"
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_unknown_key_is_401(client):
    response = client.get("/v1/forecasts", headers={"X-API-Key": "fk_not-a-key"})
    assert_problem(response, 401, "unknown or revoked")


def test_key_as_header_or_bearer(client, tokens):
    assert client.get("/v1/model", headers={"X-API-Key": tokens["read"]}).status_code == 200
    bearer = {"Authorization": f"Bearer {tokens['read']}"}
    assert client.get("/v1/model", headers=bearer).status_code == 200


def test_scopes_both_ways(client, tokens):
    report_only = {"X-API-Key": tokens["report"]}
    assert_problem(
        client.get("/v1/forecasts", headers=report_only),
        403,
        "the key 'report-key' lacks the 'read' scope (it has: report)",
    )
    read_only = {"X-API-Key": tokens["read"]}
    incident = {
        "reporter_id": "r1",
        "date": "2024-06-01",
        "latitude": 14.5,
        "longitude": -4.5,
        "type": "battle",
    }
    assert_problem(client.post("/v1/incidents", headers=read_only, json=incident), 403, "'report'")
    assert_problem(client.post("/v1/admin/reload", headers=read_only), 403, "'admin'")
    assert client.post("/v1/incidents", headers=report_only, json=incident).status_code == 201
    # admin may do everything
    admin = {"X-API-Key": tokens["admin"]}
    assert client.get("/v1/forecasts", headers=admin).status_code == 200
    assert client.post("/v1/admin/reload", headers=admin).status_code == 200


def test_revoked_key_stops_working(world, api_home):
    app = create_app(make_settings(api_home, key_cache_seconds=0))
    key, token = servicedb.create_key(app.state.engine, "soon-gone", ["read"])
    with TestClient(app) as client:
        headers = {"X-API-Key": token}
        assert client.get("/v1/model", headers=headers).status_code == 200
        assert servicedb.revoke_key(app.state.engine, key.id)
        assert_problem(client.get("/v1/model", headers=headers), 401, "unknown or revoked")


def test_rate_limit_per_key(world, api_home):
    app = create_app(make_settings(api_home, rate_limit_per_minute=3))
    engine = app.state.engine
    first = {"X-API-Key": servicedb.create_key(engine, "a", ["read"])[1]}
    second = {"X-API-Key": servicedb.create_key(engine, "b", ["read"])[1]}
    with TestClient(app) as client:
        for _ in range(3):
            assert client.get("/v1/model", headers=first).status_code == 200
        response = client.get("/v1/model", headers=first)
        body = assert_problem(response, 429, "rate limit of 3 requests per minute reached")
        # 3 a minute is one token per 20 s, and the bucket is (nearly) empty.
        assert response.headers["retry-after"] == "20"
        assert body["type"] == "/problems/rate-limited"
        assert client.get("/v1/model", headers=second).status_code == 200


def test_unknown_path_and_method_are_problems(client, reader):
    assert_problem(client.get("/v2/forecasts", headers=reader), 404, "no such path: /v2/forecasts")
    assert_problem(client.delete("/v1/forecasts", headers=reader), 405, "method DELETE")


def test_malformed_json_body_is_422_not_500(client, tokens):
    headers = {"X-API-Key": tokens["report"], "content-type": "application/json"}
    response = client.post("/v1/incidents", headers=headers, content=b"{not json")
    body = assert_problem(response, 422, "body")
    assert body["errors"][0]["location"].startswith("body")


def test_unexpected_error_is_a_500_problem_without_internals(world, api_home):
    app = create_app(make_settings(api_home))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    body = assert_problem(response, 500, "logged under request id")
    assert "secret" not in response.text
    assert body["request_id"] in body["detail"]


def test_request_id_is_echoed_or_made(client):
    mine = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 32


def test_cors_is_configurable(world, api_home):
    app = create_app(make_settings(api_home, cors_origins=["https://map.example.org"]))
    with TestClient(app) as client:
        preflight = client.options(
            "/v1/forecasts",
            headers={
                "Origin": "https://map.example.org",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "X-API-Key",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://map.example.org"
        other = client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
    with TestClient(create_app(make_settings(api_home))) as client:
        plain = client.get("/healthz", headers={"Origin": "https://map.example.org"})
        assert "access-control-allow-origin" not in plain.headers


def test_health_ready_and_metrics(client, reader):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["model_version"] == label("v1")
    assert ready["issue_week"] == "2024-06-03"
    client.get("/v1/districts/ML0101", headers=reader)
    client.get("/v1/districts/NOPE", headers=reader)
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    route = 'route="/v1/districts/{code}"'
    assert f'forecast_api_requests_total{{method="GET",{route},status="200"}} 1.0' in text
    assert f'forecast_api_requests_total{{method="GET",{route},status="404"}} 1.0' in text
    assert "forecast_api_request_duration_seconds_bucket" in text
    assert 'forecast_api_snapshot_reloads_total{outcome="ok"} 1.0' in text


def test_openapi_documents_every_endpoint(client):
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/v1/forecasts",
        "/v1/districts/{code}",
        "/v1/districts/{code}/history",
        "/v1/map",
        "/v1/model",
        "/v1/incidents",
        "/v1/admin/reload",
        "/healthz",
        "/readyz",
        "/metrics",
    } <= paths
    schemes = schema["components"]["securitySchemes"]
    assert {"APIKeyHeader", "HTTPBearer"} <= set(schemes)
    incident = schema["components"]["schemas"]["IncidentIn"]
    assert incident["examples"][0]["type"] == "kidnapping"


def test_a_key_made_right_after_a_revocation_works_on_its_first_request(
    world, api_home, monkeypatch
):
    # As in production: `forecast keys revoke|create` run beside the API, on the same service
    # DB through an engine of their own. The API re-reads its keys every key_cache_seconds.
    from typer.testing import CliRunner

    from forecast.cli import app as cli
    from forecast.core.settings import get_settings

    monkeypatch.setenv("FORECAST_HOME", str(api_home))
    get_settings.cache_clear()
    runner = CliRunner()

    def forecast_keys(*args: str) -> str:
        done = runner.invoke(cli, ["keys", *args])
        assert done.exit_code == 0, done.output
        return done.output

    ttl = 0.5
    app = create_app(make_settings(api_home, key_cache_seconds=ttl))
    old = forecast_keys("create", "old", "--scope", "read").strip().splitlines()[-1]
    try:
        with TestClient(app) as client:
            assert client.get("/v1/model", headers={"X-API-Key": old}).status_code == 200
            forecast_keys("revoke", "1")
            revoked_at = time.monotonic()
            # The revocation takes effect within the cache period...
            while client.get("/v1/model", headers={"X-API-Key": old}).status_code == 200:
                assert time.monotonic() - revoked_at <= ttl + 0.2, "revocation not seen"
            # ...and the key set was just re-read: a key made now must still work at once.
            new = forecast_keys("create", "new", "--scope", "read").strip().splitlines()[-1]
            first = client.get("/v1/model", headers={"X-API-Key": new})
            assert first.status_code == 200, first.json()
            assert client.get("/v1/model", headers={"X-API-Key": old}).status_code == 401
    finally:
        get_settings.cache_clear()


def test_unknown_keys_do_not_reach_the_database_each_time(world, api_home):
    app = create_app(make_settings(api_home))
    with TestClient(app) as client:
        cache = app.state.keys
        queries = {"n": 0}
        original = servicedb.find_active_key

        def counted(engine, hashed):  # type: ignore[no-untyped-def]
            queries["n"] += 1
            return original(engine, hashed)

        servicedb.find_active_key = counted  # type: ignore[assignment]
        try:
            for _ in range(20):
                bad = client.get("/v1/model", headers={"X-API-Key": "fk_" + "x" * 43})
                assert bad.status_code == 401
                # Not even shaped like a key: refused without a look-up.
                assert client.get("/v1/model", headers={"X-API-Key": "nope"}).status_code == 401
        finally:
            servicedb.find_active_key = original  # type: ignore[assignment]
        assert queries["n"] == 1, queries  # the same unknown key is remembered
        assert cache is app.state.keys
