"""A shared deployment's state on a real PostgreSQL server, no mocks: API keys and field
reports (the service DB), the API reading them, and MLflow's tracking and registry store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api import create_app
from forecast.core import servicedb, vocab
from forecast.core.schema import EVENTS
from forecast.core.settings import Settings

REPORT = {
    "event_date": date(2024, 5, 30),
    "latitude": 14.4937,
    "longitude": -4.1942,
    "type": "ied",
    "fatalities": 3,
    "description": "Convoy hit near Mopti",
}


def _run_together(count: int, work) -> list:
    """Run ``work()`` in ``count`` threads released at the same instant; results or errors."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def one(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work()
        except Exception as error:
            results[i] = error

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_keys_are_created_listed_and_revoked(pg_url):
    engine = servicedb.connect(pg_url)
    assert engine.dialect.name == "postgresql"
    before = datetime.now(UTC)
    first, token = servicedb.create_key(engine, "Mopti NGO", ["report", "read"])
    second, _ = servicedb.create_key(engine, "Gao NGO", ["admin"])

    assert token.startswith("fk_") and len(token) > 40
    assert first.scopes == ("read", "report")  # stored in the order of servicedb.SCOPES
    assert first.created_at.tzinfo is not None
    assert before - timedelta(seconds=5) <= first.created_at <= datetime.now(UTC)
    assert [k.id for k in servicedb.list_keys(engine)] == [first.id, second.id]
    assert servicedb.active_keys(engine)[servicedb.hash_token(token)] == first
    with engine.connect() as con:  # only the hash is stored
        stored = con.execute(sa.text("SELECT hashed_key FROM api_keys ORDER BY id")).scalars()
        assert token not in list(stored)

    assert servicedb.revoke_key(engine, first.id) is True
    assert servicedb.revoke_key(engine, first.id) is False  # already revoked
    assert servicedb.revoke_key(engine, 999) is False
    assert [k.id for k in servicedb.active_keys(engine).values()] == [second.id]
    revoked = servicedb.list_keys(engine)[0]
    assert revoked.revoked_at is not None and not revoked.active

    with pytest.raises(ValueError, match="scopes must be among"):
        servicedb.create_key(engine, "bad", ["write"])
    assert len(servicedb.list_keys(engine)) == 2


def test_field_reports_are_idempotent_and_pulled_by_the_retrain(pg_url):
    engine = servicedb.connect(pg_url)
    one, _ = servicedb.create_key(engine, "one", ["report"])
    two, _ = servicedb.create_key(engine, "two", ["report"])

    stored, created = servicedb.store_field_report(engine, one.id, "MOP-1", REPORT)
    assert created is True
    again, created_again = servicedb.store_field_report(engine, one.id, "MOP-1", dict(REPORT))
    # Floats, dates and the timestamp come back from PostgreSQL exactly as stored.
    assert created_again is False and again == stored
    assert (again.latitude, again.longitude) == (14.4937, -4.1942)
    with pytest.raises(servicedb.ReportConflictError) as conflict:
        servicedb.store_field_report(engine, one.id, "MOP-1", {**REPORT, "fatalities": 4})
    assert conflict.value.stored.fatalities == 3
    _, other_key = servicedb.store_field_report(engine, two.id, "MOP-1", REPORT)
    assert other_key is True  # reporter ids are per key

    pending = servicedb.pending_field_reports(engine)
    assert pending.columns == EVENTS.empty().columns
    assert pending["source_id"].to_list() == [f"{one.id}:MOP-1", f"{two.id}:MOP-1"]
    assert pending["event_type"].to_list() == [vocab.REMOTE_VIOLENCE] * 2
    assert pending["placement"].to_list() == [vocab.UNPLACED] * 2
    assert pending["district_code"].null_count() == 2
    assert pending["source_version"][0] == int(stored.received_at.timestamp())

    assert servicedb.mark_field_reports_ingested(engine, [f"{one.id}:MOP-1"]) == 1
    assert servicedb.mark_field_reports_ingested(engine, [f"{one.id}:MOP-1"]) == 0
    assert servicedb.pending_field_reports(engine)["source_id"].to_list() == [f"{two.id}:MOP-1"]
    assert servicedb.pending_field_reports(engine, include_ingested=True).height == 2


def test_the_same_report_sent_at_once_is_stored_once(pg_url):
    # Two API workers receiving a partner's retry at the same moment: the unique constraint
    # decides, the loser reads the winner's row inside its savepoint.
    engine = servicedb.connect(pg_url)
    key, _ = servicedb.create_key(engine, "one", ["report"])
    results = _run_together(6, lambda: servicedb.store_field_report(engine, key.id, "R-7", REPORT))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(created for _, created in results) == [False] * 5 + [True]
    assert len({report.id for report, _ in results}) == 1
    with engine.connect() as con:
        assert con.execute(sa.text("SELECT count(*) FROM field_reports")).scalar() == 1


def test_workers_starting_together_on_an_empty_database(pg_url):
    results = _run_together(8, lambda: servicedb.connect(pg_url).dispose())
    assert [r for r in results if isinstance(r, Exception)] == []


def test_forecast_keys_commands_use_the_configured_database(pg_url, tmp_path, monkeypatch):
    from forecast.commands.serve import keys_app

    # Settings only through the environment, as in compose.yaml and the Kubernetes example.
    env = {"FORECAST_HOME": str(tmp_path), "FORECAST_SERVICE_DB_URL": pg_url}
    created = CliRunner().invoke(keys_app, ["create", "Kidal NGO", "--scope", "read"], env=env)
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    listed = CliRunner().invoke(keys_app, ["list"], env=env)
    assert "Kidal NGO" in listed.output
    keys = servicedb.active_keys(servicedb.connect(pg_url))
    assert [k.name for k in keys.values()] == ["Kidal NGO"]
    assert servicedb.hash_token(token) in keys
    assert not (tmp_path / "service.db").exists()  # nothing fell back to SQLite


def test_the_api_authenticates_and_stores_reports_in_postgres(pg_url, tmp_path):
    from tests.api.world import write_store

    write_store(tmp_path / "forecast.duckdb")
    settings = Settings(
        home=tmp_path, service_db_url=pg_url, key_cache_seconds=0, reload_poll_seconds=0
    )
    app = create_app(settings)
    engine = servicedb.connect(pg_url)
    _, reader = servicedb.create_key(engine, "reader", ["read"])
    reporter_key, reporter = servicedb.create_key(engine, "reporter", ["report"])
    report = {
        "reporter_id": "GAO-0113",
        "date": "2024-06-01",
        "latitude": 16.27,
        "longitude": -0.04,
        "type": "kidnapping",
        "fatalities": 0,
        "description": "Two staff abducted on the Gao-Ansongo road.",
    }
    with TestClient(app) as client:
        assert client.get("/v1/forecasts", headers={"X-API-Key": reader}).status_code == 200
        posted = client.post("/v1/incidents", headers={"X-API-Key": reporter}, json=report)
        assert posted.status_code == 201, posted.text
        assert posted.json()["id"] == f"{reporter_key.id}:GAO-0113"
        servicedb.revoke_key(engine, servicedb.list_keys(engine)[0].id)
        assert client.get("/v1/forecasts", headers={"X-API-Key": reader}).status_code == 401
    pending = servicedb.pending_field_reports(engine)
    assert pending["source_id"].to_list() == [f"{reporter_key.id}:GAO-0113"]
    assert pending["event_type"].to_list() == [vocab.ABDUCTION]
    assert not (tmp_path / "service.db").exists()


@pytest.fixture
def mlflow_state() -> Iterator[None]:
    """Put MLflow's process-wide URIs back: the server is gone after this session."""
    import mlflow

    tracking, registry = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    yield
    mlflow.set_tracking_uri(tracking)
    mlflow.set_registry_uri(registry)


def test_mlflow_tracking_and_registry_on_postgres(postgres, tmp_path: Path, mlflow_state):
    import mlflow
    from sklearn.linear_model import LogisticRegression

    from forecast.scoring import load_champions
    from training.tracking import CHAMPION, champion_version, configure, model_name, set_alias

    uri = postgres.create_database("mlflow")
    client = configure(uri, tmp_path / "mlartifacts")
    name = model_name("fatal", 4)
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    versions = []
    for c in (0.5, 2.0):
        model = LogisticRegression(C=c).fit(x, y)
        with mlflow.start_run(run_name=f"C={c}") as run:
            mlflow.log_params({"C": c, "target": "fatal", "horizon": 4})
            mlflow.log_metrics({"average_precision": 0.5 + c / 10}, step=1)
            info = mlflow.sklearn.log_model(
                model, name="model", pip_requirements=["scikit-learn"], input_example=x[:1]
            )
        versions.append(mlflow.register_model(info.model_uri, name).version)
    assert [int(v) for v in versions] == [1, 2]

    logged = client.get_run(run.info.run_id)
    assert logged.data.params == {"C": "2.0", "target": "fatal", "horizon": "4"}
    assert logged.data.metrics == {"average_precision": 0.7}
    assert logged.info.artifact_uri.startswith((tmp_path / "mlartifacts").resolve().as_uri())

    assert champion_version(client, name) is None
    set_alias(client, name, versions[0], CHAMPION)
    assert str(champion_version(client, name).version) == "1"
    set_alias(client, name, versions[1], CHAMPION)  # the alias moves; one champion
    assert str(champion_version(client, name).version) == "2"
    assert client.get_model_version(name, "1").aliases == []

    # The scoring path loads the champion by version through the registry on PostgreSQL.
    champions = load_champions(client, [("fatal", 4), ("any", 1)])
    assert list(champions) == [("fatal", 4)]
    scoring = champions[("fatal", 4)]
    assert scoring.version == f"{name}/2"
    expected = LogisticRegression(C=2.0).fit(x, y).predict_proba(x)[:, 1]
    assert np.allclose(scoring.model.predict_proba(x)[:, 1], expected)
    with sa.create_engine(uri).connect() as con:  # MLflow's own tables, in PostgreSQL
        count = "SELECT count(*) FROM registered_model_aliases WHERE alias = 'champion'"
        assert con.execute(sa.text(count)).scalar() == 1
