"""Issue 15, "also expected": every number of the bulletin can be traced in the API. The
API tests' store (tests/api/world.py) is served by the app and written as a bulletin; for
each district the bulletin lists, its probability, band, change, expected events and
escalation (numbers and printed text) are what the API answers for the same week."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import create_app
from forecast.bulletin.i18n import Catalogue
from forecast.bulletin.publish import publish
from forecast.core import servicedb
from forecast.core.bands import load_bands
from forecast.core.settings import Settings
from forecast.core.store import Store
from tests.api.conftest import make_settings
from tests.api.world import DATA_AS_OF, W2, write_store

LANGS = ("en", "fr")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("traced")
    write_store(home / "forecast.duckdb")
    return home


@pytest.fixture(scope="module")
def settings(home: Path) -> Settings:
    return make_settings(home)


@pytest.fixture(scope="module")
def api(settings: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(settings)
    token = servicedb.create_key(app.state.engine, "bulletin-trace", ["read"])[1]
    with TestClient(app) as client:
        yield client, {"X-API-Key": token}


@pytest.fixture(scope="module")
def docs(home: Path, settings: Settings) -> dict[str, dict[str, Any]]:
    """The bulletin's JSON files, written with the API's settings (bands, staleness)."""
    with Store(home / "forecast.duckdb", read_only=True) as store:
        publish(
            store, home / "outputs", W2, list(LANGS), today=DATA_AS_OF,
            stale_after_days=settings.stale_after_days, bands=load_bands(settings),
        )  # fmt: skip
    folder = home / "outputs" / "bulletins" / "2024-W23"
    return {lang: json.loads((folder / f"bulletin.{lang}.json").read_text()) for lang in LANGS}


def _answers(api: tuple[TestClient, dict[str, str]], target: str) -> dict[str, dict[str, Any]]:
    client, headers = api
    response = client.get(
        "/v1/forecasts", headers=headers,
        params={"horizon": 4, "target": target, "issue_week": str(W2), "limit": 1000},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["issue_week"] == str(W2)
    return {item["district_code"]: {**item, "_meta": body} for item in body["items"]}


def _same_row(row: dict[str, Any], answer: dict[str, Any], t: Catalogue) -> None:
    assert row["probability"] == pytest.approx(answer["probability"], abs=5e-5)
    assert row["probability_text"] == t.percent(answer["probability"])
    assert row["band"] == answer["band"] and row["band_text"] == t.band(answer["band"])
    if answer["change"] is None:
        assert row["change"] is None
    else:
        assert row["change"] == pytest.approx(answer["change"], abs=5e-5)
    assert row["change_text"] == t.points(answer["change"])
    assert row["previous_text"] == t.percent(answer["previous_probability"])


@pytest.mark.parametrize("lang", LANGS)
def test_the_lists_are_the_apis(docs: dict, api: tuple, lang: str) -> None:
    doc, t = docs[lang], Catalogue(lang)
    answers = _answers(api, "any")
    listed = doc["top"] + doc["risers"] + doc["new_areas"] + doc["notes"]
    assert {row["code"] for row in doc["top"]} == set(answers)  # every district, sampled
    for row in listed:
        _same_row(row, answers[row["code"]], t)
    kidnapping = _answers(api, "abduction")
    assert doc["kidnapping"]
    for row in doc["kidnapping"]:
        _same_row(row, kidnapping[row["code"]], t)


@pytest.mark.parametrize("lang", LANGS)
def test_expected_events_and_escalation_are_the_apis(docs: dict, api: tuple, lang: str) -> None:
    answers = _answers(api, "any")
    rows = docs[lang]["escalating"]["rows"]
    assert rows
    for row in rows:
        answer = answers[row["code"]]
        assert row["expected"] == pytest.approx(answer["expected_events"])
        assert [row["lower80"], row["upper80"]] == answer["events_80"]
        escalation = answer["escalation"]
        assert row["label"] == escalation["label"]
        assert row["ratio"] == pytest.approx(escalation["ratio"])
        assert row["normal"] == pytest.approx(escalation["normal"])
        if answer["expected_fatalities"] is None:
            assert row["fatalities_expected"] is None
        else:
            assert row["fatalities_expected"] == pytest.approx(answer["expected_fatalities"])
            assert [row["fatalities_lower80"], row["fatalities_upper80"]] == answer["fatalities_80"]


def test_the_header_figures_are_the_apis(docs: dict, api: tuple) -> None:
    answers = _answers(api, "any")
    meta = next(iter(answers.values()))["_meta"]
    doc = docs["en"]
    assert doc["data_as_of"] == meta["data_as_of"]
    assert doc["issue_week"] == meta["issue_week"]
    assert {row["code"]: doc["model_version"] for row in doc["top"]} == {
        code: answer["model_version"] for code, answer in answers.items()
    }
    high = sum(answer["band"] in ("high", "very_high") for answer in answers.values())
    assert doc["high_now"] == high


def test_a_district_page_answers_the_same(docs: dict, api: tuple) -> None:
    client, headers = api
    for row in docs["en"]["top"]:
        body = client.get(f"/v1/districts/{row['code']}", headers=headers).json()
        (match,) = [f for f in body["forecasts"] if (f["horizon"], f["target"]) == (4, "any")]
        assert row["probability"] == pytest.approx(match["probability"], abs=5e-5)
        assert row["band"] == match["band"]
