"""The escalating section: expected counts in words and in a chart, English and French, and
a one-line note when the store has no intensity (tests/bulletin/world.py's intensity)."""

# The catalogues' typography (en dashes in ranges, French apostrophes) is what is checked.
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from forecast.bulletin import data
from forecast.bulletin.i18n import Catalogue
from forecast.bulletin.intensityfig import intensity_chart
from forecast.bulletin.load import load_inputs
from forecast.bulletin.publish import write_bulletin
from forecast.bulletin.render import document
from forecast.core.schema import CHAMPIONS, DISTRICTS, EVENTS, INTENSITY
from forecast.core.store import Store
from tests.bulletin import world

FOLDER = "2025-W24"
ALPHA_EVENTS = "about 7 events expected in the next 4 weeks (80% range 3–12), against a usual 2.5"


def assembled(intensity: pl.DataFrame | None) -> data.BulletinData:
    return data.assemble(
        world.forecasts(), world.districts(), world.events(), world.champions(), world.WEEK,
        bands=world.BANDS, intensity=intensity,
    )  # fmt: skip


@pytest.fixture(scope="module")
def bulletin() -> data.BulletinData:
    return assembled(world.intensity())


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory, bulletin: data.BulletinData) -> Path:
    root = tmp_path_factory.mktemp("outputs")
    write_bulletin(bulletin, world.districts(), root, ["en", "fr"])
    return root


def _file(outputs: Path, name: str) -> Path:
    return outputs / "bulletins" / FOLDER / name


def test_escalating_rows_first_then_the_highest_ratios(bulletin: data.BulletinData) -> None:
    rows = bulletin.escalating
    assert rows is not None and rows.columns == list(data.ESCALATING_COLUMNS)
    # escalating by excess (Alpha 7.2 - 2.5 before Gamma 3.4 - 0.4, though Gamma's ratio
    # is higher), then the fill by ratio (Epsilon 1.25, Beta 1.11)
    assert rows["name"].to_list() == ["Alpha", "Gamma", "Epsilon", "Beta"]
    assert rows["escalating"].to_list() == [True, True, False, False]
    alpha = rows.row(0, named=True)
    assert (alpha["expected"], alpha["lower80"], alpha["upper80"], alpha["normal"]) == (
        7.2, 3, 12, 2.5,
    )  # fmt: skip
    assert (alpha["fatalities_expected"], alpha["fatalities_upper95"]) == (15.4, 60)


def test_the_fill_and_the_cap_are_options() -> None:
    only = data.escalating(world.intensity(), world.districts(), world.WEEK, 4, n=8, fill=0)
    assert only["name"].to_list() == ["Alpha", "Gamma"]
    capped = data.escalating(world.intensity(), world.districts(), world.WEEK, 4, n=1, fill=4)
    assert capped["name"].to_list() == ["Alpha"]
    # Zeta has no normal (no label, no ratio): never listed, even to fill
    every = data.escalating(world.intensity(), world.districts(), world.WEEK, 4, n=9, fill=9)
    assert "Zeta" not in every["name"].to_list() and every.height == 5


def test_english_words(bulletin: data.BulletinData) -> None:
    doc = document(bulletin, "en")
    section = doc["escalating"]
    assert (section["horizon"], section["escalating"], section["filled"]) == (4, 2, True)
    alpha, gamma, epsilon, beta = section["rows"]
    assert gamma["head"] == (
        "Gamma (South) — escalating: 6.8 times its usual level, busier than 99% of its "
        "4-week spells over the past year."
    )
    assert gamma["events_text"] == (
        "about 3 events expected in the next 4 weeks (80% range 1–7), against a usual 0.4"
    )
    assert gamma["deaths_text"] == "about 1.2 deaths expected (80% range 0–4), against a usual 0.3"
    assert alpha["events_text"] == ALPHA_EVENTS
    assert alpha["deaths_text"] == "about 15 deaths expected (80% range 4–40), against a usual 6.1"
    assert epsilon["head"] == "Epsilon (South) — usual: 1.2 times its usual level."
    assert epsilon["events_text"].startswith("about 1 event expected in the next 4 weeks")
    assert epsilon["deaths_text"].startswith("about 1 death expected")  # 0.96 reads as 1
    assert beta["deaths_text"].startswith("about 0.9 deaths expected")
    assert doc["text"]["escalating_note"] == (
        "Only 2 districts are labelled escalating, so the next highest against their normal "
        "follow (not in bold in the chart)."
    )
    assert (
        "Escalating beyond their usual level in the next 4 weeks: Alpha, Gamma."
        in (doc["text"]["key_messages"])
    )


def test_french_words(bulletin: data.BulletinData) -> None:
    doc = document(bulletin, "fr")
    alpha, gamma, epsilon, _ = doc["escalating"]["rows"]
    assert gamma["head"].startswith("Gamma (South) — en escalade : 6,8 fois son niveau habituel")
    assert alpha["events_text"] == (
        "environ 7 événements attendus dans les 4 prochaines semaines "
        "(fourchette à 80 % : 3–12), contre 2,5 habituellement"
    )
    # French counts below 2 are singular
    assert gamma["deaths_text"] == (
        "environ 1,2 mort attendu (fourchette à 80 % : 0–4), contre 0,3 habituellement"
    )
    assert epsilon["head"] == "Epsilon (South) — habituel : 1,2 fois son niveau habituel."
    assert any(line.startswith("En escalade au-delà") for line in doc["text"]["key_messages"])


def test_html_embeds_the_chart_and_lists_the_districts(outputs: Path) -> None:
    html = _file(outputs, "bulletin.en.html").read_text()
    section = html[html.index('id="escalating"') : html.index('id="risers"')]
    assert "Escalating districts" in section
    assert ALPHA_EVENTS in section
    assert '<img src="data:image/png;base64,' in section  # the chart travels in the page
    assert 'alt="Expected events and deaths against the usual level"' in section
    assert html.index('id="top"') < html.index('id="escalating"') < html.index('id="risers"')
    chart = _file(outputs, "escalation.en.png")
    assert chart.read_bytes().startswith(b"\x89PNG")
    french = _file(outputs, "bulletin.fr.html").read_text()
    assert "Cercles en escalade" in french and "data:image/png;base64," in french
    assert _file(outputs, "escalation.fr.png").is_file()


def test_markdown_links_the_chart(outputs: Path) -> None:
    md = _file(outputs, "bulletin.en.md").read_text()
    assert "## Escalating districts" in md
    assert "![Expected events and deaths against the usual level](escalation.en.png)" in md
    assert f"  - {ALPHA_EVENTS}" in md
    fr = _file(outputs, "bulletin.fr.md").read_text()
    assert "## Cercles en escalade" in fr and "(escalation.fr.png)" in fr


def test_json_holds_the_section(outputs: Path) -> None:
    doc = json.loads(_file(outputs, "bulletin.en.json").read_text())
    assert [r["name"] for r in doc["escalating"]["rows"]] == ["Alpha", "Gamma", "Epsilon", "Beta"]


def test_pdf_has_the_section(outputs: Path, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian package poppler-utils) is not installed")
    for lang, title in (("en", "Escalating districts"), ("fr", "Cercles en escalade")):
        out = tmp_path / f"{lang}.txt"
        pdf = _file(outputs, f"bulletin.{lang}.pdf")
        subprocess.run(["pdftotext", str(pdf), str(out)], check=True, timeout=30)
        text = " ".join(out.read_text().split())
        assert title in text
        # the PDF has the chart as an image too (an /Image XObject besides the map)
        assert pdf.read_bytes().count(b"/Subtype /Image") >= 2


def test_chart_draws_ranges_dots_and_ticks(bulletin: data.BulletinData) -> None:
    rows = bulletin.escalating
    assert rows is not None
    fig = intensity_chart(rows, Catalogue("en"), horizon_label="next 4 weeks")
    events, deaths = fig.axes
    assert events.get_title(loc="left") == "Events, next 4 weeks"
    assert deaths.get_title(loc="left") == "Deaths, next 4 weeks"
    labels = events.get_yticklabels()
    assert [label.get_text() for label in labels] == ["Alpha", "Gamma", "Epsilon", "Beta"]
    assert [label.get_fontweight() for label in labels] == ["bold", "bold", "normal", "normal"]
    assert len(events.patches) == 2 * rows.height  # a 95% and an 80% bar per district
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts == ["95% range", "80% range", "expected", "usual (past year)"]
    # no fatalities at all: one panel
    no_deaths = rows.with_columns(pl.lit(None, dtype=pl.Float64).alias("fatalities_expected"))
    assert len(intensity_chart(no_deaths, Catalogue("fr"), horizon_label="x").axes) == 1


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("en", "Expected counts of events and deaths are not available for this bulletin"),
        ("fr", "Les nombres attendus d’événements et de morts ne sont pas disponibles"),
    ],
)
def test_without_intensity_a_one_line_note(tmp_path: Path, lang: str, note: str) -> None:
    bare = assembled(None)
    assert bare.escalating is None
    doc = document(bare, lang)
    assert doc["escalating"] is None and doc["text"]["escalating_note"].startswith(note)
    write_bulletin(bare, world.districts(), tmp_path, [lang], formats=("html", "md"))
    html = _file(tmp_path, f"bulletin.{lang}.html").read_text()
    section = html[html.index('id="escalating"') : html.index('id="risers"')]
    assert note in section and "<img" not in section and "<li>" not in section
    assert not _file(tmp_path, f"escalation.{lang}.png").exists()
    md = _file(tmp_path, f"bulletin.{lang}.md").read_text()
    assert note in md and "escalation." not in md


def test_intensity_of_another_horizon_only_is_not_available() -> None:
    h1 = world.intensity().filter(pl.col("horizon") == 1)
    assert assembled(h1).escalating is None


def test_a_rerun_without_intensity_removes_the_old_chart(
    tmp_path: Path, bulletin: data.BulletinData
) -> None:
    write_bulletin(bulletin, world.districts(), tmp_path, ["en"], formats=("md",))
    assert _file(tmp_path, "escalation.en.png").exists()
    bare = dataclasses.replace(bulletin, escalating=None)
    write_bulletin(bare, world.districts(), tmp_path, ["en"], formats=("md",))
    assert not _file(tmp_path, "escalation.en.png").exists()


def _store(path: Path, *, with_intensity: bool) -> Store:
    store = Store(path)
    with store.transaction():
        store.upsert(DISTRICTS, world.districts())
        store.upsert(EVENTS, world.events())
    store.replace("forecasts", world.forecasts())
    store.replace("champions", CHAMPIONS.conform(world.champions()))
    if with_intensity:
        store.con.execute(INTENSITY.ddl())
        store.append("intensity", world.intensity())
    return store


def test_load_inputs_reads_the_week_or_says_absent(tmp_path: Path) -> None:
    options = data.Options()
    with _store(tmp_path / "with.duckdb", with_intensity=True) as store:
        inputs = load_inputs(store, world.WEEK, options)
        assert inputs.intensity is not None
        assert set(inputs.intensity["issue_week"]) == {world.WEEK}
        assert inputs.intensity.columns == INTENSITY.names
        monthly = load_inputs(store, world.WEEK.replace(day=1), data.Options.for_cadence("month"))
        assert monthly.intensity is not None and monthly.intensity.is_empty()
    with _store(tmp_path / "without.duckdb", with_intensity=False) as store:
        assert load_inputs(store, world.WEEK, options).intensity is None
