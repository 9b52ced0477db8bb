"""Intensity in the answers: expected counts, 80% intervals and escalation (issue 14).

The world's intensity rows are in tests/api/world.py (INTENSITY_ROWS); a store written
without the table must answer as before with every new field null.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.snapshot import build_snapshot, intensity_wide, read_store
from forecast.core import servicedb
from forecast.core.schema import INTENSITY
from tests.api.conftest import TEST_BANDS, make_settings
from tests.api.world import W0, W1, W2, write_store

FIELDS = ("expected_events", "events_80", "expected_fatalities", "fatalities_80", "escalation")
NULLS = dict.fromkeys(FIELDS)
ML0101_H4 = {
    "expected_events": 7.2,
    "events_80": [3, 12],
    "expected_fatalities": 15.4,
    "fatalities_80": [4, 40],
    "escalation": {"label": "escalating", "ratio": 2.88, "percentile": 0.962, "normal": 2.5},
}


@pytest.fixture
def client(shared: tuple[TestClient, dict[str, str]]) -> TestClient:
    return shared[0]


@pytest.fixture
def reader(shared: tuple[TestClient, dict[str, str]]) -> dict[str, str]:
    return {"X-API-Key": shared[1]["read"]}


def get(client: TestClient, headers: dict[str, str], url: str, **params: object) -> dict:
    response = client.get(url, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def intensity_of(item: dict) -> dict:
    return {k: item[k] for k in FIELDS}


def by_code(items: list[dict]) -> dict[str, dict]:
    return {item["district_code"]: intensity_of(item) for item in items}


def test_forecast_items_carry_the_intensity_of_their_horizon(client, reader) -> None:
    body = get(client, reader, "/v1/forecasts", horizon=4, target="any")
    rows = by_code(body["items"])
    assert rows["ML0101"] == ML0101_H4  # not the monthly row's 99 of the same key
    assert rows["ML0102"]["escalation"] == {
        "label": "usual",
        "ratio": 0.95,
        "percentile": 0.5,
        "normal": 2.1,
    }
    # an events row without a fatalities row: the fatalities fields alone are null
    assert rows["ML0201"] == {
        "expected_events": 0.3,
        "events_80": [0, 1],
        "expected_fatalities": None,
        "fatalities_80": None,
        "escalation": {"label": "easing", "ratio": 0.42, "percentile": 0.2, "normal": 1.2},
    }
    assert rows["BF0101"] == NULLS  # no intensity row at all


def test_every_target_of_a_district_and_horizon_shares_its_counts(client, reader) -> None:
    for target in ("fatal", "civilians", "abduction"):
        body = get(client, reader, "/v1/forecasts", horizon=4, target=target)
        assert by_code(body["items"])["ML0101"] == ML0101_H4


def test_no_past_sample_means_no_escalation_and_no_model_means_nulls(client, reader) -> None:
    h1 = by_code(get(client, reader, "/v1/forecasts", horizon=1, target="any")["items"])
    assert h1["ML0201"]["expected_events"] == 0.1 and h1["ML0201"]["escalation"] is None
    h12 = by_code(get(client, reader, "/v1/forecasts", horizon=12, target="any")["items"])
    assert set(map(str, h12.values())) == {str(NULLS)}


def test_an_older_week_has_its_own_intensity(client, reader) -> None:
    body = get(client, reader, "/v1/forecasts", week=str(W1), horizon=4, target="any")
    rows = by_code(body["items"])
    assert rows["ML0101"]["expected_events"] == 5.0
    assert rows["ML0101"]["escalation"]["ratio"] == 2.08
    assert rows["ML0102"] == NULLS


def test_district_detail_and_history(client, reader) -> None:
    detail = get(client, reader, "/v1/districts/ML0101")
    forecasts = {(f["horizon"], f["target"]): f for f in detail["forecasts"]}
    assert intensity_of(forecasts[(4, "any")]) == ML0101_H4
    assert forecasts[(1, "fatal")]["expected_fatalities"] == 3.9
    assert intensity_of(forecasts[(12, "any")]) == NULLS
    assert forecasts[(4, "any")]["drivers"]  # the drivers are still there, after the counts

    history = get(client, reader, "/v1/districts/ML0101/history", horizon=4, target="any")
    weeks = {item["issue_week"]: item for item in history["items"]}
    assert weeks[str(W2)]["expected_events"] == 7.2
    assert weeks[str(W1)]["events_80"] == [2, 9]
    assert weeks[str(W1)]["escalation"]["label"] == "escalating"
    assert intensity_of(weeks[str(W0)]) == NULLS


def test_map_properties_carry_the_layers_of_the_map_page(client, reader) -> None:
    body = get(client, reader, "/v1/map", horizon=4, target="any")
    props = {f["id"]: f["properties"] for f in body["features"]}
    assert intensity_of(props["ML0101"]) == ML0101_H4
    assert props["ML0201"]["escalation"]["label"] == "easing"
    assert intensity_of(props["BF0101"]) == NULLS
    assert props["ML0101"]["probability"] == 0.65  # the probability layer is unchanged


def test_openapi_documents_the_fields_with_examples(client) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for name in ("ForecastRow", "DistrictForecast", "HistoryRow", "MapProperties"):
        properties = schemas[name]["properties"]
        assert set(FIELDS) <= set(properties), name
        assert set(FIELDS) <= set(schemas[name]["required"]), name
    row = schemas["ForecastRow"]
    assert row["examples"][0]["escalation"]["label"] == "escalating"
    assert row["properties"]["events_80"]["examples"] == [[3, 12]]
    assert row["properties"]["escalation"]["examples"][0]["ratio"] == 2.88
    assert schemas["Escalation"]["properties"]["label"]["enum"] == ["escalating", "usual", "easing"]


@pytest.fixture
def bare(api_home: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app on a store written without the intensity table."""
    write_store(api_home / "forecast.duckdb", with_intensity=False)
    app = create_app(make_settings(api_home))
    token = servicedb.create_key(app.state.engine, "k", ["read"])[1]
    with TestClient(app) as test_client:
        yield test_client, {"X-API-Key": token}


def test_a_store_without_the_table_answers_with_nulls(bare) -> None:
    client, reader = bare
    items = get(client, reader, "/v1/forecasts", limit=500)["items"]
    assert items and all(intensity_of(item) == NULLS for item in items)
    detail = get(client, reader, "/v1/districts/ML0101")
    assert all(intensity_of(f) == NULLS for f in detail["forecasts"])
    history = get(client, reader, "/v1/districts/ML0101/history")
    assert all(intensity_of(item) == NULLS for item in history["items"])
    features = get(client, reader, "/v1/map")["features"]
    assert all(intensity_of(f["properties"]) == NULLS for f in features)


def test_intensity_is_read_once_with_the_snapshot(api_home: Path) -> None:
    """Answers come from the snapshot: changing the table without a reload changes nothing,
    and a reload brings the new rows."""
    path = write_store(api_home / "forecast.duckdb")
    app = create_app(make_settings(api_home))
    token = servicedb.create_key(app.state.engine, "k", ["read"])[1]
    reader = {"X-API-Key": token}
    admin = {"X-API-Key": servicedb.create_key(app.state.engine, "a", ["admin"])[1]}
    with TestClient(app) as client:
        before = by_code(get(client, reader, "/v1/forecasts", horizon=4, target="any")["items"])
        con = duckdb.connect(str(path))
        con.execute("UPDATE intensity SET expected = 8.5 WHERE district_code = 'ML0101'")
        con.close()
        again = by_code(get(client, reader, "/v1/forecasts", horizon=4, target="any")["items"])
        assert again == before
        assert client.post("/v1/admin/reload", headers=admin).status_code == 200
        after = by_code(get(client, reader, "/v1/forecasts", horizon=4, target="any")["items"])
        assert after["ML0101"]["expected_events"] == 8.5


def test_snapshot_frames_hold_the_served_cadence_only(api_home: Path) -> None:
    frames = read_store(write_store(api_home / "forecast.duckdb"))
    assert set(frames.intensity["cadence"]) == {"week"}
    assert frames.intensity.columns == INTENSITY.names
    snapshot = build_snapshot(frames, TEST_BANDS)
    assert "expected_events" in snapshot.forecasts.columns
    bare = read_store(write_store(api_home / "bare.duckdb", with_intensity=False))
    assert bare.intensity.is_empty()


def test_intensity_wide_tolerates_nan_and_duplicates() -> None:
    import polars as pl

    rows = INTENSITY.conform(
        pl.DataFrame(
            {
                "district_code": ["A", "A"],
                "issue_week": [W2, W2],
                "horizon": [4, 4],
                "target": ["events", "events"],
                "expected": [1.0, 2.0],
                "normal": [float("nan"), float("nan")],
                "ratio": [float("nan"), float("nan")],
                "escalation": [None, None],
                "model_version": ["m", "m"],
                "cadence": ["week", "week"],
            }
        )
    )
    wide = intensity_wide(rows)
    assert wide.height == 1
    assert wide["expected_events"].to_list() == [2.0]  # the last row of a key wins
    assert wide["escalation_normal"].to_list() == [None]  # NaN is no JSON: null instead


def test_the_top_band_needs_the_expected_events(api_home: Path) -> None:
    """The scoring's rule on the API's thresholds: a probable district whose expected
    events fall short of the weekly minimum is shown one band lower."""
    import dataclasses

    import polars as pl

    frames = read_store(write_store(api_home / "forecast.duckdb"))

    def bands_of(snapshot, code: str, horizon: int) -> set[str]:
        rows = snapshot.forecasts.filter(
            (pl.col("issue_week") == W2)
            & (pl.col("district_code") == code)
            & (pl.col("horizon") == horizon)
        )
        return set(rows["band"])

    served = build_snapshot(frames, TEST_BANDS)
    # ML0101 at h=4: 0.62..0.65, 7.2 expected events >= 1 a week: stays very high
    assert bands_of(served, "ML0101", 4) == {"very_high"}
    # the same probability with 2.5 expected events over 4 weeks is one band lower
    calmer = frames.intensity.with_columns(
        pl.when(pl.col("district_code") == "ML0101")
        .then(pl.lit(2.5))
        .otherwise(pl.col("expected"))
        .alias("expected")
    )
    demoted = build_snapshot(dataclasses.replace(frames, intensity=calmer), TEST_BANDS)
    assert bands_of(demoted, "ML0101", 4) == {"high"}
    assert bands_of(demoted, "ML0101", 12) == {"very_high"}  # no count model: probability alone
    off = build_snapshot(
        dataclasses.replace(frames, intensity=calmer), TEST_BANDS, min_weekly_events=0
    )
    assert bands_of(off, "ML0101", 4) == {"very_high"}  # 0 = probability alone
