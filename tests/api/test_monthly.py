"""The API at monthly cadence (FORECAST_CADENCE=month) on a store holding both cadences."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.schemas import DistrictDetail, DistrictHistory, ForecastPage, MapCollection, ModelInfo
from forecast.core import servicedb
from tests.api import monthly_world as mw
from tests.api.conftest import make_settings
from tests.api.world import W2


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for cadence in ("month", "week"):
        home = tmp_path_factory.mktemp(cadence)
        mw.write_store(home / "forecast.duckdb")
        out[cadence] = home
    return out


def _client(home: Path, cadence: str):
    app = create_app(make_settings(home, cadence=cadence))
    token = servicedb.create_key(app.state.engine, "reader", ["read"])[1]
    return TestClient(app), {"X-API-Key": token}


@pytest.fixture(scope="module")
def monthly(homes):
    client, headers = _client(homes["month"], "month")
    with client:
        yield client, headers


def get(served, path: str, **params):
    client, headers = served
    response = client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_forecasts_are_the_monthly_ones(monthly) -> None:
    body = get(monthly, "/v1/forecasts", horizon=3, target="any")
    ForecastPage.model_validate(body)
    assert body["cadence"] == "month"
    assert body["issue_month"] == str(mw.NOV) and "issue_week" not in body
    assert body["data_as_of"] == str(mw.DATA_AS_OF)  # the last counted month's last day
    assert body["model_version"] == "risk-any-m3/1"
    top = body["items"][0]
    assert top["district_code"] == "ML0101" and top["issue_month"] == str(mw.NOV)
    assert "issue_week" not in top
    assert (top["probability"], top["previous_probability"], top["change"]) == (0.6, 0.5, 0.1)
    assert body["total"] == 4  # no weekly row leaks in
    october = get(monthly, "/v1/forecasts", week="2025-10-17", horizon=1, target="fatal")
    assert october["issue_month"] == "2025-10-01"


def test_unknown_month_names_the_months(monthly) -> None:
    client, headers = monthly
    response = client.get("/v1/forecasts", headers=headers, params={"week": "2025-01-05"})
    assert response.status_code == 404
    assert response.json()["detail"] == (
        "no forecasts for month 2025-01-01; available months: 2025-10-01 to 2025-11-01 "
        "(2 months, latest 2025-11-01)"
    )


def test_district_detail_in_months(monthly) -> None:
    body = get(monthly, "/v1/districts/ML0101")
    DistrictDetail.model_validate(body)
    assert body["cadence"] == "month" and body["issue_month"] == str(mw.NOV)
    # Up to December 2025: December 4, October .. December 2 + 2 + 4, 2025 all but August.
    assert body["event_counts"] == {
        "last_month": 4,
        "last_3_months": 8,
        "last_12_months": 2 * 10 + 4,
        "fatalities_last_12_months": 3 * 10,
    }
    drivers = body["forecasts"][0]["drivers"]
    assert [d["text"] for d in drivers] == [
        "6 attacks in the district in the last 3 months",
        "last attack 1 month ago",
        "UN base within 100 km opened 5 months ago",
    ]


def test_history_counts_what_happened_by_month(monthly) -> None:
    body = get(monthly, "/v1/districts/ML0101/history", horizon=1, target="any")
    DistrictHistory.model_validate(body)
    items = [(i["issue_month"], i["observed_events"], i["happened"]) for i in body["items"]]
    # November's 1-month window is December (4 events); October's is November (2).
    assert items == [(str(mw.NOV), 4, True), (str(mw.OCT), 2, True)]
    fatal = get(monthly, "/v1/districts/ML0101/history", horizon=1, target="fatal")
    assert [i["observed_events"] for i in fatal["items"]] == [0, 3]  # deaths
    later = get(monthly, "/v1/districts/ML0101/history", horizon=3, target="any")
    # November: December .. February; October: November .. January; neither is over.
    assert [i["observed_events"] for i in later["items"]] == [None, None]


def test_map_and_model_at_monthly_cadence(monthly) -> None:
    collection = get(monthly, "/v1/map")
    MapCollection.model_validate(collection)
    assert collection["horizon"] == 3 and collection["issue_month"] == str(mw.NOV)
    info = get(monthly, "/v1/model")
    ModelInfo.model_validate(info)
    assert [(c["model_name"], c["cadence"]) for c in info["champions"]] == [
        ("risk-any-m3", "month")
    ]
    assert {s["model_version"] for s in info["served"]} >= {"risk-any-m3/1"}
    client, _ = monthly
    ready = client.get("/readyz").json()
    assert ready["cadence"] == "month" and ready["issue_week"] == str(mw.NOV)


def test_the_same_store_served_weekly_is_unchanged_but_for_the_cadence(homes) -> None:
    client, headers = _client(homes["week"], "week")
    with client:
        body = client.get("/v1/forecasts", headers=headers).json()
        assert body["cadence"] == "week" and body["issue_week"] == str(W2)
        assert "issue_month" not in body
        assert all("issue_week" in item for item in body["items"])
        info = client.get("/v1/model", headers=headers).json()
        assert {c["cadence"] for c in info["champions"]} == {"week"}


def test_the_map_page_offers_the_monthly_horizons_and_words() -> None:
    from api.web.page import page_config

    config = page_config("en", cadence="month")
    assert [h["label"] for h in config["horizons"]] == [
        "next month",
        "next 3 months",
        "next 6 months",
    ]
    assert config["default_horizon"] == 3 and config["cadence"] == "month"
    assert [t["value"] for t in config["targets"]] == ["any", "fatal"]
    assert config["strings"]["status"].startswith("Month of")
    weekly = page_config("en")
    assert [h["value"] for h in weekly["horizons"]] == [1, 4, 12]
    assert weekly["strings"]["status"].startswith("Week of")


def test_bulletins_of_the_served_cadence(homes, monthly) -> None:
    root = homes["month"] / "outputs" / "bulletins"
    for folder, text in (("2025-11", "monthly"), ("2025-W24", "weekly")):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "bulletin.en.md").write_text(text)
    client, headers = monthly
    latest = client.get("/v1/bulletins/latest", headers=headers, params={"format": "md"})
    assert latest.status_code == 200 and latest.text == "monthly"
    by_month = client.get("/v1/bulletins/2025-11-20", headers=headers, params={"format": "md"})
    assert by_month.status_code == 200 and by_month.text == "monthly"
    june = client.get("/v1/bulletins/2025-W24", headers=headers, params={"format": "md"})
    assert june.status_code == 404 and "for month 2025-06" in june.json()["detail"]
    bad = client.get("/v1/bulletins/2025-13", headers=headers, params={"format": "md"})
    assert bad.status_code == 422 and "a month such as 2025-06" in bad.json()["detail"]
