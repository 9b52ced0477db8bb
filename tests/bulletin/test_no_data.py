"""Defect 9 of issue 15: on UCDP data, which has no kidnapping events, the kidnapping section
says so in one sentence instead of listing every district at 0% in alphabetical order."""

from __future__ import annotations

import json
from datetime import timedelta
from html import unescape
from pathlib import Path

import polars as pl
import pytest

from forecast.bulletin.publish import publish
from forecast.core import vocab
from forecast.core.schema import DISTRICTS, EVENTS
from forecast.core.store import Store
from forecast.sources.ucdp import read_ucdp
from tests.bulletin import world
from tests.conftest import FIXTURES

SENTENCE = {
    "en": "The sources loaded (UCDP GED) record no kidnapping or abduction at all, so there is "
    "nothing to forecast it from and no district is listed.",
    "fr": "Les sources chargées (UCDP GED) ne recensent aucun événement de type « enlèvement »",
}


def _ucdp_events() -> pl.DataFrame:
    """The GED fixture through the real reader, its four events placed in the world's
    districts (the fixture's coordinates lie in CAR and Mali, not in the six squares)."""
    events = read_ucdp(FIXTURES / "ucdp_ged_48col.csv")
    return events.with_columns(
        district_code=pl.Series(["D1", "D2", "D3", "D5"]), placement=pl.lit("point")
    )


def _forecasts() -> pl.DataFrame:
    """The world's forecasts, kidnapping at 0% everywhere (what a model fitted on no
    kidnapping gives)."""
    rows = world.forecasts()
    zero = rows.filter(pl.col("target") == "any").with_columns(
        target=pl.lit("abduction"), probability=pl.lit(0.0), band=pl.lit("low")
    )
    return pl.concat([rows.filter(pl.col("target") != "abduction"), zero])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("ucdp")
    events = _ucdp_events()
    assert vocab.ABDUCTION not in set(events.get_column("event_type"))  # the reader's types
    with Store(tmp / "forecast.duckdb") as store:
        with store.transaction():
            store.upsert(DISTRICTS, world.districts())
            store.upsert(EVENTS, events)
        store.replace("forecasts", _forecasts())
        store.replace("champions", world.champions())
        publish(store, tmp / "out", world.WEEK, ["en", "fr"], today=world.WEEK, stale_after_days=21)
    return tmp / "out" / "bulletins" / "2025-W24"


def _section(text: str, start: str, end: str) -> str:
    first = text.index(start)
    return text[first : text.index(end, first + len(start))]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_kidnapping_section_is_one_sentence(folder: Path, lang: str) -> None:
    doc = json.loads((folder / f"bulletin.{lang}.json").read_text())
    assert doc["kidnapping"] == []
    assert doc["text"]["no_data_kidnap"].startswith(SENTENCE[lang])
    title = "Kidnapping risk" if lang == "en" else "Risque d’enlèvement"  # noqa: RUF001
    md = (folder / f"bulletin.{lang}.md").read_text()
    section = _section(md, f"## {title}", "## ")
    assert SENTENCE[lang] in section and "|" not in section  # no table
    assert not any(name in section for name in world.NAMES)
    html = unescape((folder / f"bulletin.{lang}.html").read_text())
    part = _section(html, 'id="kidnapping"', 'id="verification"')
    assert SENTENCE[lang] in part and "<table" not in part
    assert not any("kidnapping" in line.lower() or "enlèvement" in line.lower()
                   for line in doc["text"]["key_messages"])  # fmt: skip


def test_targets_with_data_are_still_listed(folder: Path) -> None:
    doc = json.loads((folder / "bulletin.en.json").read_text())
    assert doc["text"]["no_data_main"] is None
    assert [r["name"] for r in doc["top"]][:2] == ["Alpha", "Beta"]


def test_on_real_ucdp_car_data_kidnapping_is_one_sentence(tmp_path: Path) -> None:
    """UCDP GED for the Central African Republic in the OCHA sous-préfectures: the store has
    no abduction at all, so the section is the sentence, not 72 districts at 0%."""
    from forecast.core.schema import FORECASTS
    from forecast.ingest import ingest_districts, ingest_events
    from tests.conftest import shared_data

    boundaries = shared_data("ocha_car_admin2", "caf_admbnda_adm2_200k_sigcaf_reach_itos_v2.shp")
    ged = shared_data("ucdp_ged_v23_1_car", "ged_v23_1_car.csv.gz")
    with Store(tmp_path / "forecast.duckdb") as store:
        ingest_districts(store, boundaries)
        ingest_events(store, ged, "ucdp")
        codes = store.read("districts").get_column("code").to_list()
        newest = store.con.execute("SELECT max(event_date) FROM events").fetchone()[0]
        week = newest - timedelta(days=newest.weekday())
        rows = [
            {"district_code": code, "issue_week": week, "horizon": 4, "target": target,
             "probability": p, "band": "low", "model_version": f"risk-{target}-h4/1",
             "data_as_of": newest}
            for i, code in enumerate(codes)
            for target, p in (("any", 0.05 + 0.9 * i / len(codes)), ("abduction", 0.0))
        ]  # fmt: skip
        store.replace("forecasts", FORECASTS.conform(pl.DataFrame(rows)))
        publish(store, tmp_path / "out", week, ["en"], today=newest, stale_after_days=21)
    label = f"{week.isocalendar()[0]}-W{week.isocalendar()[1]:02d}"
    doc = json.loads((tmp_path / "out" / "bulletins" / label / "bulletin.en.json").read_text())
    assert doc["kidnapping"] == []
    assert doc["text"]["no_data_kidnap"].startswith(SENTENCE["en"])
    assert len(doc["top"]) == 10 and doc["text"]["no_data_main"] is None
