"""Property-based run against the app's own OpenAPI schema: no 5xx, answers match the schema.

The app is built at import because schemathesis parametrizes one test per operation at
collection time; its lifespan (which loads the store) runs on the first call.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from api import create_app
from forecast import servicedb
from tests.api.conftest import make_settings
from tests.api.world import write_store

_HOME = tempfile.TemporaryDirectory(prefix="forecast-schemathesis-")
_home = Path(_HOME.name)
write_store(_home / "forecast.duckdb")
APP = create_app(make_settings(_home))
HEADERS = {"X-API-Key": servicedb.create_key(APP.state.engine, "fuzz", ["admin"])[1]}

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_and_answers_match_the_schema(case):
    # Every rule the routes apply is in the schema (api.validation: dates exact to the
    # calendar, a field report's date up to tomorrow, week 53 only in the years that have
    # one), so no schema-valid request may be refused.
    case.call_and_validate(headers=HEADERS)
