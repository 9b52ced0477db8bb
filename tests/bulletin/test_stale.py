"""Defect 2 of issue 15: data older than FORECAST_STALE_AFTER_DAYS open every format of the
bulletin, in every language, with a banner (the data's date, the days behind, what to do),
by the rule the API's ``stale`` uses (forecast.core.freshness.is_stale)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from forecast.bulletin.publish import publish
from forecast.commands.bulletin import register
from forecast.core.freshness import is_stale
from forecast.core.schema import DISTRICTS, EVENTS
from forecast.core.store import Store
from tests.bulletin import world

DATA_AS_OF = date(2025, 6, 15)  # the world's data_as_of for week W
STALE_DAY = date(2025, 7, 20)  # 35 days later
FRESH_DAY = date(2025, 7, 6)  # 21 days later: the limit itself is not stale
BANNER = {
    "en": ("Out-of-date data", "15 June 2025, 35 days before", "forecast retrain"),
    "fr": ("Données périmées", "15 juin 2025, 35 jours avant", "forecast retrain"),
}


def _stock(path: Path) -> Path:
    with Store(path) as store:
        with store.transaction():
            store.upsert(DISTRICTS, world.districts())
            store.upsert(EVENTS, world.events())
        store.replace("forecasts", world.forecasts())
        store.replace("champions", world.champions())
    return path


def _publish(tmp: Path, today: date) -> Path:
    store_path = _stock(tmp / "forecast.duckdb")
    with Store(store_path, read_only=True) as store:
        publish(store, tmp / "out", world.WEEK, ["en", "fr"], today=today, stale_after_days=21)
    return tmp / "out" / "bulletins" / "2025-W24"


@pytest.fixture(scope="module")
def stale_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _publish(tmp_path_factory.mktemp("stale"), STALE_DAY)


def _opening(text: str, chars: int = 900) -> str:
    return " ".join(text[:chars].split())


def test_the_rule_is_the_apis() -> None:
    assert is_stale(DATA_AS_OF, STALE_DAY, 21) and not is_stale(DATA_AS_OF, FRESH_DAY, 21)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_markdown_opens_with_the_banner(stale_folder: Path, lang: str) -> None:
    md = (stale_folder / f"bulletin.{lang}.md").read_text()
    title, behind, action = BANNER[lang]
    assert md.startswith(f"> **{title}.**")
    head = _opening(md, 700)
    assert behind in head and f"`{action}`" in head


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_html_opens_with_the_banner(stale_folder: Path, lang: str) -> None:
    html = (stale_folder / f"bulletin.{lang}.html").read_text()
    body = html[html.index("<body>") :]
    title, behind, action = BANNER[lang]
    banner = body.index('class="stale"')
    assert banner < body.index("<header>")  # before the title block, the first thing read
    assert title in body[banner:] and behind in " ".join(body[banner:].split())
    assert f"<code>{action}</code>" in body[banner : body.index("<header>")]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_json_carries_the_banner(stale_folder: Path, lang: str) -> None:
    doc = json.loads((stale_folder / f"bulletin.{lang}.json").read_text())
    stale = doc["stale"]
    assert (stale["data_as_of"], stale["days_behind"], stale["stale_after_days"]) == (
        "2025-06-15", 35, 21,
    )  # fmt: skip
    assert BANNER[lang][1] in stale["behind"] and BANNER[lang][2] in stale["action"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pdf_first_lines_are_the_banner(stale_folder: Path, lang: str) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian package poppler-utils) is not installed")
    pdf = stale_folder / f"bulletin.{lang}.pdf"
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
        check=True, capture_output=True, text=True, timeout=30,
    ).stdout  # fmt: skip
    title, behind, action = BANNER[lang]
    head = _opening(text, 600)
    assert head.lower().startswith(title.lower())  # the title is set in capitals
    assert behind in head and action in head


def test_fresh_data_have_no_banner(tmp_path: Path) -> None:
    folder = _publish(tmp_path, FRESH_DAY)
    for lang in ("en", "fr"):
        assert json.loads((folder / f"bulletin.{lang}.json").read_text())["stale"] is None
        assert not (folder / f"bulletin.{lang}.md").read_text().startswith(">")
        assert 'class="stale"' not in (folder / f"bulletin.{lang}.html").read_text()


def test_the_command_reads_the_setting(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`forecast bulletin` judges against today and FORECAST_STALE_AFTER_DAYS: the world's
    2025 data are stale today, and fresh with a limit of 100,000 days."""
    from forecast.core.settings import get_settings

    home.mkdir(parents=True)
    _stock(home / "forecast.duckdb")
    app = typer.Typer()
    register(app)
    app.callback()(lambda: None)
    folder = home / "outputs" / "bulletins" / "2025-W24"
    result = CliRunner().invoke(app, ["bulletin", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (folder / "bulletin.en.md").read_text().startswith("> **Out-of-date data.**")
    assert "Warning: the data are out of date (" in result.output
    assert "data as of 2025-06-15; FORECAST_STALE_AFTER_DAYS=21)" in result.output
    monkeypatch.setenv("FORECAST_STALE_AFTER_DAYS", "100000")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["bulletin", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (folder / "bulletin.en.md").read_text().startswith("# Weekly")
    assert "out of date" not in result.output
