"""Defect 9 of issue 15: on UCDP data, which has no kidnapping events, the kidnapping section
says so in one sentence instead of listing every district at 0% in alphabetical order."""

from __future__ import annotations

import json
from html import unescape
from pathlib import Path

import polars as pl
import pytest

from forecast import vocab
from forecast.bulletin.publish import publish
from forecast.schema import DISTRICTS, EVENTS
from forecast.sources.ucdp import read_ucdp
from forecast.store import Store
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
