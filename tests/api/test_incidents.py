"""POST /v1/incidents and the service DB behind it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from forecast.core import servicedb
from forecast.core.schema import EVENTS

REPORT = {
    "reporter_id": "NGO-GAO-0113",
    "date": "2024-06-01",
    "latitude": 16.27,
    "longitude": -0.04,
    "type": "kidnapping",
    "fatalities": 0,
    "description": "Two staff abducted on the Gao-Ansongo road.",
}


@pytest.fixture
def reporter(tokens):
    return {"X-API-Key": tokens["report"]}


def test_report_is_stored_once_and_idempotent(client, reporter, app):
    first = client.post("/v1/incidents", headers=reporter, json=REPORT)
    assert first.status_code == 201, first.text
    body = first.json()
    key_id = servicedb.list_keys(app.state.engine)[1].id  # the "report" key
    assert body["id"] == f"{key_id}:NGO-GAO-0113"
    assert body["event_type"] == "abduction"
    assert body["created"] is True
    again = client.post("/v1/incidents", headers=reporter, json=REPORT)
    assert again.status_code == 200
    assert again.json() == {**body, "created": False}
    changed = client.post("/v1/incidents", headers=reporter, json={**REPORT, "fatalities": 2})
    assert changed.status_code == 409
    assert changed.headers["content-type"] == "application/problem+json"
    problem = changed.json()
    assert "already received with other content" in problem["detail"]
    assert problem["stored"]["fatalities"] == 0


def test_same_reporter_id_from_two_keys_are_two_reports(client, tokens):
    one = client.post("/v1/incidents", headers={"X-API-Key": tokens["report"]}, json=REPORT)
    two = client.post("/v1/incidents", headers={"X-API-Key": tokens["field"]}, json=REPORT)
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] != two.json()["id"]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"latitude": 91}, "body.latitude"),
        ({"longitude": -181}, "body.longitude"),
        ({"type": "alien_invasion"}, "body.type"),
        ({"fatalities": -1}, "body.fatalities"),
        ({"date": str(date.today() + timedelta(days=5))}, "body.date"),
        ({"date": "1900-01-01"}, "body.date"),
        ({"reporter_id": ""}, "body.reporter_id"),
        ({"reporter_id": "has spaces"}, "body.reporter_id"),
        ({"colour": "red"}, "body.colour"),
    ],
)
def test_invalid_reports_are_422(client, reporter, change, where):
    response = client.post("/v1/incidents", headers=reporter, json={**REPORT, **change})
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == where


def test_pending_reports_as_events(client, reporter, app):
    client.post("/v1/incidents", headers=reporter, json=REPORT)
    client.post(
        "/v1/incidents",
        headers=reporter,
        json={**REPORT, "reporter_id": "r2", "type": "ied", "fatalities": 3},
    )
    engine = app.state.engine
    frame = servicedb.pending_field_reports(engine)
    assert frame.columns == EVENTS.names
    assert frame.schema == EVENTS.conform(frame).schema
    rows = frame.sort("source_id").to_dicts()
    key_id = rows[0]["source_id"].split(":")[0]
    assert [r["source_id"] for r in rows] == [f"{key_id}:NGO-GAO-0113", f"{key_id}:r2"]
    assert [r["event_type"] for r in rows] == ["abduction", "remote_violence"]
    assert [r["sub_event_type"] for r in rows] == ["kidnapping", "ied"]
    assert [r["fatalities"] for r in rows] == [0, 3]
    assert all(r["source"] == "field_report" and r["violent"] for r in rows)
    assert rows[0]["event_date"] == date(2024, 6, 1)
    assert rows[0]["placement"] == "unplaced" and rows[0]["district_code"] is None
    assert servicedb.mark_field_reports_ingested(engine, [rows[0]["source_id"]]) == 1
    assert servicedb.pending_field_reports(engine)["source_id"].to_list() == [f"{key_id}:r2"]
    assert servicedb.pending_field_reports(engine, include_ingested=True).height == 2
    # Same stored report, same event row: re-ingesting it changes nothing.
    assert servicedb.pending_field_reports(engine).equals(servicedb.pending_field_reports(engine))


def test_keys_are_stored_hashed(app):
    engine = app.state.engine
    key, token = servicedb.create_key(engine, "ngo", ["report", "read"])
    assert key.scopes == ("read", "report")
    assert token.startswith("fk_") and len(token) > 40
    with engine.connect() as con:
        stored = con.execute(servicedb.api_keys.select()).all()
    assert all(token not in str(row) for row in stored)
    assert servicedb.active_keys(engine)[servicedb.hash_token(token)].name == "ngo"
    with pytest.raises(ValueError, match="scopes must be among"):
        servicedb.create_key(engine, "bad", ["superuser"])
    assert servicedb.revoke_key(engine, key.id)
    assert not servicedb.revoke_key(engine, key.id)
    assert servicedb.hash_token(token) not in servicedb.active_keys(engine)
