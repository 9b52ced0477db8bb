"""Property-based run against the app's own OpenAPI schema: no 5xx, answers match the schema.

Every operation of the schema, query parameters, path values and POST bodies, in both of
schemathesis's modes (data the schema admits and data it refuses), twice: with a valid key
(admin, so every scope) and with no key at all. All of schemathesis's checks run: no server
error, status codes, content types, headers and bodies as documented, schema-valid data
accepted and invalid data refused, and the auth the schema declares enforced.

The app is built at import because schemathesis parametrizes one test per operation at
collection time; its lifespan (which loads the store) runs on the first call.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api import create_app
from forecast.core import servicedb
from tests.api.conftest import make_settings
from tests.api.world import write_store

_HOME = tempfile.TemporaryDirectory(prefix="forecast-schemathesis-")
_home = Path(_HOME.name)
write_store(_home / "forecast.duckdb")
APP = create_app(make_settings(_home))
HEADERS = {"X-API-Key": servicedb.create_key(APP.state.engine, "fuzz", ["admin"])[1]}
AUTH_HEADERS = {"x-api-key", "authorization"}
# What the app serves beyond the API's operations, so not in the schema: the map page,
# the docs pages and their assets (tests/api/test_hostile_paths.py, test_docs_pages.py).
NOT_IN_SCHEMA = {("GET", "/"), ("GET", "/docs"), ("GET", "/redoc"), ("GET", "/docs-assets/...")}

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Cases run per (mode, operation label), for the coverage check and the figures in
# docs/OPERATIONS.md.
CASES: Counter[tuple[str, str]] = Counter()
FUZZ = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
def test_with_a_key(case):
    # Every rule the routes apply is in the schema (api.validation: dates exact to the
    # calendar, a field report's date up to tomorrow, week 53 only in the years that have
    # one), so no schema-valid request may be refused.
    CASES[("key", case.operation.label)] += 1
    case.call_and_validate(headers=HEADERS)


@schema.parametrize()
@FUZZ
def test_without_a_key(case):
    # Whatever key-like header schemathesis drew from the security schemes is taken off:
    # these requests carry none. /v1 answers 401, which every /v1 operation documents.
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in AUTH_HEADERS}
    CASES[("none", case.operation.label)] += 1
    response = case.call_and_validate()
    # (schemathesis also sends methods the path does not take, to check the 405.)
    if case.operation.path.startswith("/v1/") and case.method == case.operation.method.upper():
        assert response.status_code == 401, (case.as_curl_command(), response.status_code)


def test_every_endpoint_of_the_docs_is_fuzzed() -> None:
    # docs/API.md's endpoint table names every route the app serves; all but the pages
    # are operations of the schema, so schemathesis parametrizes a test for each.
    table = (Path(__file__).resolve().parents[2] / "docs" / "API.md").read_text("utf-8")
    table = table.split("## Endpoints", 1)[1].split("\n\n", 2)[1]
    documented = set(re.findall(r"`(GET|POST) (/[^`]*)`", table))
    operations = {(r.ok().method.upper(), r.ok().path) for r in schema.get_all_operations()}
    assert documented - operations == NOT_IN_SCHEMA
    assert operations <= documented, operations - documented


def test_the_fuzzing_reached_every_operation_both_ways() -> None:
    # Runs after the two fuzz tests above (pytest keeps a module's order).
    if not CASES:
        pytest.skip("the fuzz tests did not run in this session (selected alone)")
    labels = {result.ok().label for result in schema.get_all_operations()}
    for mode in ("key", "none"):
        reached = {label for (m, label), n in CASES.items() if m == mode and n > 0}
        assert reached == labels, (mode, labels - reached)
    total = sum(CASES.values())
    print(f"schemathesis: {total} cases over {len(labels)} operations, with a key and without")
