"""Every format of the bulletin, in English and French, from the hand-made world."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Annotation

from forecast.bulletin import data
from forecast.bulletin.i18n import Catalogue
from forecast.bulletin.mapfig import risk_map
from forecast.bulletin.publish import write_bulletin
from forecast.bulletin.render import document
from forecast.bulletin.towns import TOWNS, towns_for
from tests.bulletin import world

FOLDER = "2025-W24"


@pytest.fixture(scope="module")
def bulletin() -> data.BulletinData:
    return data.assemble(
        world.forecasts(), world.districts(), world.events(), world.champions(), world.WEEK,
        bands=world.BANDS,
    )  # fmt: skip


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory, bulletin: data.BulletinData) -> Path:
    root = tmp_path_factory.mktemp("outputs")
    published = write_bulletin(bulletin, world.districts(), root, ["en", "fr"])
    assert published.week == FOLDER
    return root


def _file(outputs: Path, name: str) -> Path:
    return outputs / "bulletins" / FOLDER / name


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("ext", ["html", "pdf", "md", "json"])
def test_each_format_is_written(outputs: Path, lang: str, ext: str) -> None:
    path = _file(outputs, f"bulletin.{lang}.{ext}")
    assert path.stat().st_size > 1000
    if ext == "pdf":
        assert path.read_bytes().startswith(b"%PDF-")
    assert _file(outputs, f"map.{lang}.png").read_bytes().startswith(b"\x89PNG")


def test_json_holds_the_lists_and_sentences(outputs: Path) -> None:
    doc = json.loads(_file(outputs, "bulletin.en.json").read_text())
    assert doc["week"] == FOLDER and doc["issue_week"] == "2025-06-09"
    assert [r["name"] for r in doc["top"]] == ["Alpha", "Beta", "Gamma", "Zeta", "Delta", "Epsilon"]
    assert [r["name"] for r in doc["risers"]] == ["Gamma", "Beta", "Alpha"]
    assert [r["name"] for r in doc["new_areas"]] == ["Gamma", "Zeta"]
    assert [r["name"] for r in doc["kidnapping"]] == ["Gamma", "Alpha", "Epsilon"]
    v = doc["verification"]
    assert (v["hits"], v["misses"], sorted(v["false_alarms"]), v["quiet"]) == (
        ["Alpha"], ["Epsilon"], ["Beta", "Zeta"], 2,
    )  # fmt: skip
    gamma = doc["new_areas"][0]
    # each with its effect on the probability: 40% less sigmoid(logit(40%) - contribution)
    assert gamma["summary"] == (
        "3 attacks within 50 km in the last 4 weeks (+17 pts); UN base withdrawn 14 weeks ago"
        " (+11 pts)"
    )
    assert gamma["change_text"] == "+36 pts" and gamma["probability_text"] == "40%"
    assert doc["text"]["model_line"] == (
        "Model risk-any-h4/7; data as of 15 June 2025; backtest average precision 0.41 "
        "against 0.33 for the best baseline (conflict history)."
    )


def test_html_shows_sections_in_order(outputs: Path) -> None:
    html = _file(outputs, "bulletin.en.html").read_text()
    assert html.index("The 10 highest-risk districts") < html.index("Biggest risers")
    assert html.index("Spreading to untouched areas") < html.index("Kidnapping risk")
    top = html[html.index('id="top"') : html.index('id="risers"')]
    positions = [top.index(f">{name}<") for name in ("Alpha", "Beta", "Gamma", "Zeta", "Delta")]
    assert positions == sorted(positions)
    assert "data:image/png;base64," in html  # the map travels inside the page
    assert "Hits: 1 · misses: 1 · false alarms: 2 · correctly quiet: 2." in html
    assert "Newly high with no violence in the past year: Gamma, Zeta." in html


def test_markdown_tables_and_map_link(outputs: Path) -> None:
    md = _file(outputs, "bulletin.en.md").read_text()
    assert "![Risk map](map.en.png)" in md
    assert "| 1 | **Alpha** | North | 80% | very high | +10 pts |" in md
    assert "| **Gamma** | South | 4% | 40% | +36 pts | high |" in md
    assert "- Misses (violence without a warning): Epsilon" in md


def test_french_version(outputs: Path) -> None:
    html = _file(outputs, "bulletin.fr.html").read_text()
    assert '<html lang="fr">' in html
    assert "Les 10 cercles les plus à risque" in html
    assert "retrait de la base de l’ONU il y a 14 semaines" in html  # noqa: RUF001
    assert "Semaine 24 de 2025" in html and "15 juin 2025" in html
    md = _file(outputs, "bulletin.fr.md").read_text()
    assert "| 1 | **Alpha** | North | 80 % | très élevé | +10 pts |" in md
    assert "The 10 highest" not in html + md


def test_no_bulletin_text_is_hard_coded_in_templates() -> None:
    """What a reader sees comes from the catalogues: templates hold no words of their own."""
    import re

    from forecast.bulletin.render import TEMPLATE_DIR

    for name in ("bulletin.html.j2", "bulletin.md.j2"):
        text = (TEMPLATE_DIR / name).read_text()
        for pattern in (
            r"\{#.*?#\}",
            r"\{%.*?%\}",
            r"\{\{.*?\}\}",
            r"<style>.*?</style>",
            r"<[^>]*>",
        ):
            text = re.sub(pattern, " ", text, flags=re.S)
        assert not re.findall(r"[A-Za-zÀ-ÿ]{2,}", text), name


def test_pdf_first_page_renders(outputs: Path, tmp_path: Path) -> None:
    """Rasterise page 1 as a reader would see it (docs/BULLETIN.md: look at it)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian package poppler-utils) is not installed")
    pdf = _file(outputs, "bulletin.en.pdf")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=30,
    )
    (page,) = tmp_path.glob("page*.png")
    from matplotlib.image import imread

    pixels = imread(page)
    assert pixels.shape[0] > pixels.shape[1] > 400  # A4 portrait
    assert (pixels[..., :3].mean(axis=2) < 0.5).mean() > 0.01  # ink on the page, not blank


def test_map_labels_do_not_overlap(bulletin: data.BulletinData) -> None:
    fig = risk_map(
        world.districts(),
        bulletin.risk,
        bulletin.bands,
        Catalogue("en"),
        horizon_label="next 4 weeks",
        new_codes=["D3"],
        towns=towns_for(["MLI"]),
    )
    canvas = FigureCanvasAgg(fig) if fig.canvas is None else fig.canvas
    canvas.draw()
    renderer = canvas.get_renderer()
    labels = [a for a in fig.axes[0].texts if isinstance(a, Annotation)]
    assert len(labels) >= 3  # towns inside the six squares get labels
    boxes = [a.get_window_extent(renderer) for a in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    names = {a.get_text() for a in labels}
    assert names <= {town.name for town in TOWNS["MLI"]} | {"Gamma"}
    assert "Gamma" in names  # the newly high district is named on the map
    assert "Bamako" in names  # the capital always wins its place
    assert fig.legends and len(fig.legends[0].get_texts()) == 4 + 3  # bands + extras


def test_document_without_verification_or_backtest(bulletin: data.BulletinData) -> None:
    import dataclasses

    bare = dataclasses.replace(bulletin, verification=None, skill=None)
    doc = document(bare, "fr")
    assert doc["verification"] is None
    assert doc["text"]["model_line"] == (
        "Modèle risk-any-h4/7 ; données au 15 juin 2025 ; "
        "aucun test rétrospectif enregistré pour ce modèle."
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "No model has yet beaten the baselines on the backtest for this horizon"),
        ("fr", "Aucun modèle n'a encore battu les références en test rétrospectif"),
    ],
)
def test_a_baseline_served_pair_says_so(
    bulletin: data.BulletinData, lang: str, expected: str
) -> None:
    import dataclasses

    served = dataclasses.replace(
        bulletin, model_version="risk-any-h12/baseline-logistic", skill=None
    )
    line = document(served, lang)["text"]["model_line"]
    assert line.startswith(expected)
    assert "risk-any-h12/baseline-logistic" in line


def test_another_horizon_is_written_beside_the_weekly_bulletin(
    outputs: Path, bulletin: data.BulletinData
) -> None:
    import dataclasses

    weekly = _file(outputs, "bulletin.en.md").read_bytes()
    variant = dataclasses.replace(bulletin, options=data.Options(horizon=12, target="fatal"))
    published = write_bulletin(variant, world.districts(), outputs, ["en"], formats=("md",))
    assert sorted(p.name for p in published.files) == [
        "bulletin-fatal-h12.en.md",
        "map-fatal-h12.en.png",
    ]
    assert _file(outputs, "bulletin.en.md").read_bytes() == weekly  # untouched
