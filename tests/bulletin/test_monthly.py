"""The monthly bulletin: `forecast bulletin --cadence month` on a small monthly world.

Month M = 2025-11 (previous month 2025-10), the districts of world.py. Main forecasts
(h = 3 months, any), now and a month before:

    D1 Alpha 0.70 -> 0.80   D2 Beta 0.20 -> 0.55   D3 Gamma 0.04 -> 0.40
    D4 Delta 0.30 -> 0.28   D5 Epsilon 0.10 -> 0.12   D6 Zeta - -> 0.35

Counts (the HDX table; no event-level data): D1 2 events in November 2025, D2 1 in March
2025, D4 1 in June 2025, D5 1 in November 2025, D6 1 in November 2024 (13 months before
M: outside the year).
So the new areas (high now, not last month, no violence in the 12 months up to M) are Gamma
and Zeta; October's 1-month forecasts (Alpha 0.6, Beta 0.3, Zeta 0.27 high) against
November: Alpha hit, Beta and Zeta false alarms, Epsilon a miss.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from features import monthly_catalogue
from forecast.bulletin.files import find_bulletin, weeks_available
from forecast.bulletin.i18n import Catalogue
from forecast.bulletin.words import explain, month_sentence
from forecast.commands.bulletin import register
from forecast.core.schema import CHAMPIONS, COUNTS, DISTRICTS, FORECASTS
from forecast.core.settings import get_settings
from forecast.core.store import Store
from tests.bulletin import world

M, LAST = date(2025, 11, 1), date(2025, 10, 1)
DRIVERS = [
    {"feature": "events_pv_100km_3m", "value": 3, "contribution": 0.8},
    {"feature": "partner_un_months_since_withdrawal_100km", "value": 10, "contribution": 0.5},
    {"feature": "months_since_event", "value": None, "contribution": -0.3},
]


def _rows(month: date, horizon: int, probs: dict[str, float]) -> list[dict]:
    return [
        {
            "district_code": code,
            "issue_week": month,
            "horizon": horizon,
            "target": "any",
            "probability": p,
            "band": world.band_of(p),
            "model_version": f"risk-any-m{horizon}/2",
            "top_drivers": json.dumps(DRIVERS),
            "data_as_of": date(2025, 11, 30),
            "cadence": "month",
        }
        for code, p in probs.items()
    ]


def monthly_forecasts() -> pl.DataFrame:
    rows = (
        _rows(M, 3, {"D1": 0.80, "D2": 0.55, "D3": 0.40, "D4": 0.28, "D5": 0.12, "D6": 0.35})
        + _rows(LAST, 3, {"D1": 0.70, "D2": 0.20, "D3": 0.04, "D4": 0.30, "D5": 0.10})
        + _rows(LAST, 1, {"D1": 0.6, "D2": 0.3, "D3": 0.05, "D4": 0.2, "D5": 0.02, "D6": 0.27})
    )
    return FORECASTS.conform(pl.DataFrame(rows))


def counts() -> pl.DataFrame:
    rows = [
        ("D1", M, 2, 1),
        ("D2", date(2025, 3, 1), 1, 0),
        ("D4", date(2025, 6, 1), 1, 0),
        ("D5", M, 1, 0),
        ("D6", date(2024, 11, 1), 1, 2),
    ]
    return COUNTS.conform(
        pl.DataFrame(
            rows, schema=["district_code", "month", "events", "fatalities"], orient="row"
        ).with_columns(source=pl.lit("acled"), matched=pl.lit("pcode"), units=pl.lit(1))
    )


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        pass

    return app


@pytest.fixture
def stocked(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The bulletin bands probabilities as the API does, on FORECAST_BANDS: the world's bands.
    pairs = [[name, low] for name, low in zip(world.BANDS.names, world.BANDS.lowers, strict=True)]
    monkeypatch.setenv("FORECAST_BANDS", json.dumps(pairs))
    get_settings.cache_clear()
    with Store(home / "forecast.duckdb") as store:
        with store.transaction():
            store.upsert(DISTRICTS, world.districts())
            store.upsert(COUNTS, counts())
        weekly = world.forecasts().with_columns(cadence=pl.lit("week"))
        store.replace("forecasts", pl.concat([weekly, monthly_forecasts()]))
        champion = CHAMPIONS.conform(
            pl.DataFrame(
                {"target": ["any"], "horizon": [3], "model_name": ["risk-any-m3"],
                 "model_version": ["2"], "cadence": ["month"]}
            )
        )  # fmt: skip
        store.replace("champions", champion)
    return home


def test_the_monthly_bulletin_in_english_and_french(cli: typer.Typer, stocked: Path) -> None:
    result = CliRunner().invoke(
        cli, ["bulletin", "--cadence", "month", "--lang", "en", "--lang", "fr"]
    )
    assert result.exit_code == 0, result.output
    assert "Bulletin 2025-11:" in result.output
    folder = stocked / "outputs" / "bulletins" / "2025-11"
    assert {p.name for p in folder.iterdir()} >= {
        "bulletin.en.json", "bulletin.en.pdf", "bulletin.fr.md", "map.fr.png",
    }  # fmt: skip
    doc = json.loads((folder / "bulletin.en.json").read_text())
    assert (doc["cadence"], doc["week"], doc["issue_month"]) == ("month", "2025-11", "2025-11-01")
    assert doc["week_end"] == "2025-11-30"
    text = doc["text"]
    assert text["title"] == "Monthly violence risk bulletin"
    assert text["horizon"] == "next 3 months"
    assert text["subtitle"].endswith("November 2025")
    assert text["issued"].startswith("Forecast issued for November 2025.")
    assert [r["name"] for r in doc["top"]][:3] == ["Alpha", "Beta", "Gamma"]
    assert [r["name"] for r in doc["new_areas"]] == ["Gamma", "Zeta"]
    assert [r["name"] for r in doc["risers"]] == ["Gamma", "Beta", "Alpha"]
    assert doc["top"][0]["change_text"] == "+10 pts"
    verification = doc["verification"]
    assert (verification["issued"], verification["start"], verification["end"]) == (
        "2025-10-01", "2025-11-01", "2025-11-30",
    )  # fmt: skip
    assert verification["hits"] == ["Alpha"]
    assert verification["misses"] == ["Epsilon"]
    assert sorted(verification["false_alarms"]) == ["Beta", "Zeta"]
    assert verification["intro"].startswith("Forecasts issued for October 2025")
    assert [d["text"] for d in doc["top"][0]["drivers"]] == [
        "3 attacks within 100 km in the last 3 months",
        "UN base within 100 km withdrawn 10 months ago",  # within a year: news
        "no attack on record",
    ]
    assert doc["text"]["kidnap_intro"]  # there is no kidnapping target at monthly cadence
    assert doc["kidnapping"] == []
    french = (folder / "bulletin.fr.md").read_text()
    assert "Bulletin mensuel du risque de violence" in french
    assert "3 prochains mois" in french
    assert "semaine" not in french.lower()
    english = (folder / "bulletin.en.md").read_text().lower()
    assert "week" not in english


def test_weekly_and_monthly_bulletins_live_apart(cli: typer.Typer, stocked: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["bulletin", "--cadence", "month", "--lang", "en"]).exit_code == 0
    weekly = runner.invoke(cli, ["bulletin", "--lang", "en"])
    assert weekly.exit_code == 0, weekly.output
    outputs = stocked / "outputs"
    assert weeks_available(outputs) == ["2025-W24"]
    assert weeks_available(outputs, "month") == ["2025-11"]
    assert find_bulletin(outputs, None, "en", "md", "month").parent.name == "2025-11"
    assert find_bulletin(outputs, None, "en", "md").parent.name == "2025-W24"
    october = runner.invoke(cli, ["bulletin", "--cadence", "month", "--week", "2025-10-17"])
    assert october.exit_code == 0 and "Bulletin 2025-10:" in october.output
    june = runner.invoke(cli, ["bulletin", "--cadence", "month", "--week", "2025-06"])
    assert june.exit_code == 1
    assert "no forecasts for the month of 2025-06-01 (horizon 3, target any)" in june.output


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_monthly_driver_speaks_of_weeks(lang: str) -> None:
    t = Catalogue(lang, "month")
    for spec in monthly_catalogue():
        for value in (0.0, 1.0, 3.0, None):
            words = month_sentence(spec.name, value, t).lower()
            assert "week" not in words and "semaine" not in words, (spec.name, words)
    drivers = [{"feature": "hist_any_3m", "value": 2, "contribution": 0.4}]
    assert explain(drivers, lang, cadence="month")[0].text in (
        "2 attacks in the district in the last 3 months",
        "2 attaques dans le cercle au cours des 3 derniers mois",
    )
