"""Issue 15, "also expected": a one-page "what changed" summary on top of the bulletin (the
data's date, districts entering a high band, the largest rises, any escalation), in both
languages and every format."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from forecast.bulletin import data
from forecast.bulletin.publish import write_bulletin
from forecast.bulletin.render import document
from tests.bulletin import world

LINES = {
    "en": [
        "Data as of 15 June 2025; forecasts issued for the week of 9 June 2025 (horizon: next 4"
        " weeks).",
        # Beta rose from elevated, Gamma from low, Zeta had no forecast last week
        "Entered a high band: Beta 55% (+35 pts), Gamma 40% (+36 pts), Zeta 35% (new).",
        "Largest rises: Gamma 40% (+36 pts), Beta 55% (+35 pts), Alpha 80% (+10 pts).",
        "Escalating beyond their usual level: Alpha (2.9 times its usual), Gamma (6.8 times its"
        " usual).",
    ],
    "fr": [
        "Données au 15 juin 2025 ; prévisions émises pour la semaine du 9 juin 2025 (horizon :"
        " 4 prochaines semaines).",
        "Entrés dans un niveau élevé : Beta 55 % (+35 pts), Gamma 40 % (+36 pts), Zeta 35 %"
        " (nouveau).",
        "Plus fortes hausses : Gamma 40 % (+36 pts), Beta 55 % (+35 pts), Alpha 80 % (+10 pts).",
        "En escalade au-delà de leur niveau habituel : Alpha (2,9 fois l’habituel), Gamma"  # noqa: RUF001
        " (6,8 fois l’habituel).",  # noqa: RUF001
    ],
}
TITLE = {"en": "What changed since last week", "fr": "Ce qui a changé depuis la semaine dernière"}
KEY = {"en": "Key messages", "fr": "Messages clés"}


@pytest.fixture(scope="module")
def bulletin() -> data.BulletinData:
    return data.assemble(
        world.forecasts(), world.districts(), world.events(), world.champions(), world.WEEK,
        bands=world.BANDS, intensity=world.intensity(),
    )  # fmt: skip


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, bulletin: data.BulletinData) -> Path:
    root = tmp_path_factory.mktemp("changes")
    write_bulletin(bulletin, world.districts(), root, ["en", "fr"], formats=("json", "md", "html"))
    return root / "bulletins" / "2025-W24"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_summary_lines(bulletin: data.BulletinData, lang: str) -> None:
    changes = document(bulletin, lang)["changes"]
    assert changes["title"] == TITLE[lang]
    assert changes["lines"] == LINES[lang]
    assert (changes["entered"], changes["rises"], changes["escalating"]) == (
        ["D2", "D3", "D6"], ["D3", "D2", "D1"], ["D1", "D3"],
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_format_opens_with_the_summary(folder: Path, lang: str) -> None:
    doc = json.loads((folder / f"bulletin.{lang}.json").read_text())
    assert doc["changes"]["lines"] == LINES[lang]
    md = (folder / f"bulletin.{lang}.md").read_text()
    assert md.index(f"## {TITLE[lang]}") < md.index(f"## {KEY[lang]}") < md.index("![")
    assert all(f"- {line}" in md for line in LINES[lang])
    html = (folder / f"bulletin.{lang}.html").read_text()
    assert html.index('id="changes"') < html.index('class="key"') < html.index('id="map"')


def test_a_district_leaving_the_high_bands_is_named(bulletin: data.BulletinData) -> None:
    risk = bulletin.risk.with_columns(
        high=data.pl.when(data.pl.col("code") == "D4").then(False).otherwise("high"),
        change=data.pl.when(data.pl.col("code") == "D4").then(-0.08).otherwise("change"),
    )
    lines = document(dataclasses.replace(bulletin, risk=risk), "en")["changes"]["lines"]
    assert "Left the high bands: Delta 28% (\u22128 pts)." in lines


def test_without_last_weeks_forecasts_nothing_is_compared(bulletin: data.BulletinData) -> None:
    first = dataclasses.replace(bulletin, high_before=None, risers=bulletin.risers.head(0))
    lines = document(first, "en")["changes"]["lines"]
    assert lines[1] == (
        "No forecasts were issued last week, so there is nothing to compare with yet."
    )
    assert not any(line.startswith(("Entered", "Largest")) for line in lines)


def test_without_intensity_escalation_is_not_claimed(bulletin: data.BulletinData) -> None:
    bare = dataclasses.replace(bulletin, escalating=None)
    assert not any("scalat" in line for line in document(bare, "en")["changes"]["lines"])
