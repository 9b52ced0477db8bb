"""The data endpoints against the hand-built store in tests/api/world.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.world import DATA_AS_OF, W0, W1, W2, label, probability

ALL_ROWS = 4 * 3 * 4  # districts x horizons x targets in the latest week


@pytest.fixture
def client(shared):
    return shared[0]


@pytest.fixture
def reader(shared):
    return {"X-API-Key": shared[1]["read"]}


def get(client: TestClient, headers: dict[str, str], url: str, **params: object) -> dict:
    response = client.get(url, headers=headers, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def test_forecasts_default_is_latest_week_sorted_by_probability(client, reader):
    body = get(client, reader, "/v1/forecasts")
    assert body["model_version"] == label("v1")
    assert body["data_as_of"] == str(DATA_AS_OF)
    assert body["issue_week"] == str(W2)
    assert body["stale"] is True  # 2024 data is far older than 21 days
    assert (body["total"], body["limit"], body["offset"], body["next_offset"]) == (
        ALL_ROWS,
        100,
        0,
        None,
    )
    top = body["items"][0]
    assert top == {
        "district_code": "ML0101",
        "district_name": "Alpha",
        "admin1": "Alpha Region",
        "country": "MLI",
        "issue_week": str(W2),
        "horizon": 12,
        "target": "any",
        "probability": 0.7,
        "band": "very_high",  # recomputed from thresholds, the stored "stored" never shows
        "previous_probability": 0.6,
        "change": 0.1,
        "model_version": "v1-any",
        # horizon 12 has no count model in the world: every intensity field is null
        "expected_events": None,
        "events_80": None,
        "expected_fatalities": None,
        "fatalities_80": None,
        "escalation": None,
    }
    probabilities = [item["probability"] for item in body["items"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert body["items"][-1]["probability"] == pytest.approx(probability("BF0101", 1, "abduction"))


def test_forecasts_filters(client, reader):
    body = get(client, reader, "/v1/forecasts", admin1="alpha region", horizon=4, target="any")
    assert [(i["district_code"], i["probability"]) for i in body["items"]] == [
        ("ML0101", 0.65),
        ("ML0102", 0.35),
    ]
    # ML0101's twelve rows are all >= 0.57; ML0102 reaches 0.31 only at horizons 4 and 12.
    assert get(client, reader, "/v1/forecasts", min_probability=0.31)["total"] == 12 + 8
    assert get(client, reader, "/v1/forecasts", band="very_high")["total"] == 12
    both = get(client, reader, "/v1/forecasts", band=["low", "elevated"], horizon=1)
    # Horizon 1: BF0101 0.02..0.05 low (4), ML0201 0.09..0.12 -> 0.12, 0.11, 0.10 elevated
    # (0.09 low), so 5 low and 3 elevated.
    assert sorted(i["band"] for i in both["items"]) == ["elevated"] * 3 + ["low"] * 5
    bfa = get(client, reader, "/v1/forecasts", country="bfa")
    assert bfa["total"] == 12
    assert {i["district_code"] for i in bfa["items"]} == {"BF0101"}


def test_forecasts_sorting(client, reader):
    by_name = get(client, reader, "/v1/forecasts", sort="name", horizon=1, target="any")
    assert [i["district_name"] for i in by_name["items"]] == ["Alpha", "Beta", "Delta", "Gamma"]
    by_name_desc = get(client, reader, "/v1/forecasts", sort="-name", horizon=1, target="any")
    assert [i["district_name"] for i in by_name_desc["items"]] == [
        "Gamma",
        "Delta",
        "Beta",
        "Alpha",
    ]
    rising = get(client, reader, "/v1/forecasts", sort="-change", horizon=1, target="any")
    # ML0101 rose 0.1; BF0101 and ML0102 are unchanged; ML0201 has no previous week: last.
    assert [(i["district_code"], i["change"]) for i in rising["items"]] == [
        ("ML0101", 0.1),
        ("BF0101", 0.0),
        ("ML0102", 0.0),
        ("ML0201", None),
    ]
    falling = get(client, reader, "/v1/forecasts", sort="change", horizon=1, target="any")
    assert [i["district_code"] for i in falling["items"]] == [
        "BF0101",
        "ML0102",
        "ML0101",
        "ML0201",
    ]
    codes = get(client, reader, "/v1/forecasts", sort="-district", horizon=1, target="any")
    assert [i["district_code"] for i in codes["items"]] == ["ML0201", "ML0102", "ML0101", "BF0101"]


def test_forecasts_pagination_walks_every_row_once(client, reader):
    seen = []
    offset = 0
    while offset is not None:
        page = get(client, reader, "/v1/forecasts", limit=7, offset=offset, sort="district")
        assert page["total"] == ALL_ROWS
        assert len(page["items"]) == min(7, ALL_ROWS - offset)
        seen += [(i["district_code"], i["horizon"], i["target"]) for i in page["items"]]
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) == ALL_ROWS
    beyond = get(client, reader, "/v1/forecasts", offset=1000)
    assert beyond["items"] == [] and beyond["total"] == ALL_ROWS


def test_forecasts_for_an_earlier_week_and_any_day_of_it(client, reader):
    body = get(client, reader, "/v1/forecasts", week="2024-05-29", horizon=1, target="any")
    assert body["issue_week"] == str(W1)
    assert body["data_as_of"] == "2024-05-26"
    # ML0201 had no forecast that week; ML0101 had no forecast the week before (05-20).
    assert [(i["district_code"], i["change"]) for i in body["items"]] == [
        ("ML0101", None),
        ("ML0102", None),
        ("BF0101", None),
    ]


@pytest.mark.parametrize(
    ("params", "status", "phrase"),
    [
        (
            {"week": "2020-01-06"},
            404,
            "no forecasts for week 2020-01-06; available weeks: 2024-05-13 to 2024-06-03 "
            "(3 weeks, latest 2024-06-03)",
        ),
        (
            {"admin1": "Nowhere"},
            404,
            "admin1 'Nowhere' does not exist; known: Alpha Region, Gao, Sahel",
        ),
        ({"country": "NER"}, 404, "country 'NER' does not exist; known: BFA, MLI"),
        (
            {"band": "red"},
            422,
            "query.band: 'red' is not a band; use one of 'low', 'elevated', 'high', 'very_high'",
        ),
        ({"horizon": 2}, 404, "no forecasts for horizon 2; horizons: 1, 4, 12"),
        ({"limit": 0}, 422, "query.limit: Input should be greater than or equal to 1"),
        ({"week": "soon"}, 422, "query.week:"),
        ({"target": "cattle"}, 422, "query.target:"),
        ({"sort": "random"}, 422, "query.sort:"),
    ],
)
def test_forecasts_bad_queries_are_problems(client, reader, params, status, phrase):
    response = client.get("/v1/forecasts", headers=reader, params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert phrase in problem["detail"]
    assert problem["instance"] == "/v1/forecasts"


def test_district_detail(client, reader):
    body = get(client, reader, "/v1/districts/ML0101")
    assert body["model_version"] == label("v1")
    assert body["issue_week"] == str(W2)
    assert body["district"]["name"] == "Alpha"
    assert body["district"]["centroid_lat"] == 14.5
    forecasts = body["forecasts"]
    assert [(f["horizon"], f["target"]) for f in forecasts[:4]] == [
        (1, "any"),
        (1, "fatal"),
        (1, "civilians"),
        (1, "abduction"),
    ]
    first = forecasts[0]
    assert (first["probability"], first["band"], first["change"]) == (0.6, "very_high", 0.1)
    # Worded by forecast.explain, as in the bulletin.
    assert [d["text"] for d in first["drivers"]] == [
        "3 attacks within 50 km in the last 4 weeks",
        "2 attacks in the district in the last 12 weeks",
        "nearest partner-force base 12 km away",
    ]
    assert first["drivers"][2]["effect"] == "lowers"
    # Political violence up to 2024-06-02: 06-02 and 05-20 in 4 weeks; + 03-20 in 12;
    # + 2023-08-01 in 52 (2023-01-10 is older; the protest is not violence).
    assert body["event_counts"] == {
        "last_4_weeks": 2,
        "last_12_weeks": 3,
        "last_52_weeks": 4,
        "fatalities_last_52_weeks": 3,
    }
    recent = body["recent_events"]
    assert [e["source_id"] for e in recent] == ["e1", "e2", "e3", "e4", "e5"]
    assert recent[0]["event_type"] == "battle" and recent[0]["event_date"] == "2024-06-02"


def test_district_detail_unknown_district(client, reader):
    response = client.get("/v1/districts/XX99", headers=reader)
    assert response.status_code == 404
    assert response.json()["detail"].startswith("district 'XX99' does not exist")


def test_district_without_events_and_without_polygon(client, reader):
    body = get(client, reader, "/v1/districts/BF0101")
    assert body["recent_events"] == []
    assert body["event_counts"]["last_52_weeks"] == 0
    assert body["district"]["country"] == "BFA"


def test_history_beside_what_happened(client, reader):
    body = get(client, reader, "/v1/districts/ML0101/history", horizon=1, target="any")
    assert body["model_version"] == "v1-any"
    assert [(i["issue_week"], i["observed_events"], i["happened"]) for i in body["items"]] == [
        (str(W2), None, None),  # window 06-10..06-16 not over
        (str(W1), None, None),  # window 06-03..06-09 not over
        (str(W0), 1, True),  # the abduction of 2024-05-20 counts as political violence
    ]
    fatal = get(client, reader, "/v1/districts/ML0101/history", horizon=1, target="fatal")
    assert fatal["items"][-1]["observed_events"] == 0
    assert fatal["items"][-1]["happened"] is False
    everything = get(client, reader, "/v1/districts/ML0101/history", limit=5)
    assert everything["total"] == 36 and everything["next_offset"] == 5
    since = get(client, reader, "/v1/districts/ML0101/history", since="2024-05-20", limit=100)
    assert since["total"] == 24


def test_history_unknown_district(client, reader):
    response = client.get("/v1/districts/NOPE/history", headers=reader)
    assert response.status_code == 404


def test_map(client, reader):
    body = get(client, reader, "/v1/map")
    assert body["type"] == "FeatureCollection"
    assert (body["horizon"], body["target"]) == (4, "any")
    features = {f["id"]: f for f in body["features"]}
    assert set(features) == {"BF0101", "ML0101", "ML0102", "ML0201"}
    alpha = features["ML0101"]
    assert alpha["properties"]["probability"] == 0.65
    assert alpha["properties"]["band"] == "very_high"
    assert alpha["geometry"]["type"] == "Polygon"
    xs = sorted({x for x, _ in alpha["geometry"]["coordinates"][0]})
    assert xs == [-5.0, -4.0]
    # No polygon: the centroid stands in.
    assert features["BF0101"]["geometry"] == {"type": "Point", "coordinates": [-1.0, 14.0]}
    gao = get(client, reader, "/v1/map", admin1="Gao", horizon=12, target="fatal")
    assert [f["id"] for f in gao["features"]] == ["ML0201"]
    assert gao["features"][0]["properties"]["probability"] == pytest.approx(0.21)


def test_model(client, reader):
    body = get(client, reader, "/v1/model")
    assert len(body["champions"]) == 12
    first = body["champions"][0]
    assert first["model_name"] == "sahel-abduction-h1"
    assert first["backtest"]["baselines"]["climatology"]["average_precision"] == 0.12
    assert body["bands"][0] == {"name": "low", "lower": 0.0, "upper": 0.1}
    assert body["bands"][-1] == {"name": "very_high", "lower": 0.5, "upper": None}
    assert (body["weeks_available"], body["first_week"]) == (3, str(W0))


def test_stale_flag_follows_the_configured_age(world, api_home):
    from api import create_app
    from forecast.core import servicedb
    from tests.api.conftest import make_settings

    for days, stale in ((100_000, False), (0, True)):
        app = create_app(make_settings(api_home, stale_after_days=days))
        token = servicedb.create_key(app.state.engine, "k", ["read"])[1]
        with TestClient(app) as client:
            headers = {"X-API-Key": token}
            for url in ("/v1/forecasts", "/v1/districts/ML0101", "/v1/map", "/v1/model"):
                assert client.get(url, headers=headers).json()["stale"] is stale, url


def test_model_version_names_only_the_models_behind_the_answer(client, reader):
    """A security team asking for one target must see which model made those numbers."""
    body = get(client, reader, "/v1/forecasts", target="fatal", horizon=4)
    assert body["model_version"] == "v1-fatal"
    assert {item["model_version"] for item in body["items"]} == {"v1-fatal"}
    assert get(client, reader, "/v1/map", target="abduction", horizon=4)["model_version"] == (
        "v1-abduction"
    )
    # Nothing matches: the week's versions, as before.
    empty = get(client, reader, "/v1/forecasts", min_probability=1.0)
    assert (empty["total"], empty["model_version"]) == (0, label("v1"))
