"""Defect 8 of issue 15 (the pages, not the map): every page of the PDF bulletin, English and
French, rendered to PNG; no page is near-empty and no table is split across pages or apart
from its heading; page 1 is the "what changed" summary and the map has page 2.

Where each table row fell is read from the PDF itself: every row has an id, which WeasyPrint
writes as a named destination (``pdfinfo -dests`` lists its page).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from forecast.bulletin import data
from forecast.bulletin.publish import write_bulletin
from tests.bulletin import busy_world, world

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdfinfo") is None,
    reason="pdftoppm and pdfinfo (Debian package poppler-utils) are not installed",
)
DPI = 30
MARGIN_TOP_MM, MARGIN_BOTTOM_MM = 14, 16  # the @page margins; the page number sits below
NEAR_EMPTY = 0.2  # content reaching less than this share of the printable height
TABLES = ("top", "risers", "kidnapping")


def _busy(variant: int) -> tuple[data.BulletinData, object]:
    bulletin = data.assemble(
        busy_world.forecasts(variant=variant), busy_world.districts(), busy_world.events(),
        busy_world.champions(), busy_world.WEEK, bands=busy_world.BANDS,
        intensity=busy_world.intensity(),
    )  # fmt: skip
    return bulletin, busy_world.districts()


def _small() -> tuple[data.BulletinData, object]:
    bulletin = data.assemble(
        world.forecasts(), world.districts(), world.events(), world.champions(), world.WEEK,
        bands=world.BANDS, intensity=world.intensity(),
    )  # fmt: skip
    return bulletin, world.districts()


WORLDS = {"small": _small, "busy0": lambda: _busy(0), "busy1": lambda: _busy(1),
          "busy2": lambda: _busy(2)}  # fmt: skip


@pytest.fixture(scope="module", params=sorted(WORLDS))
def pdfs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    bulletin, districts = WORLDS[request.param]()
    root = tmp_path_factory.mktemp(f"layout-{request.param}")
    write_bulletin(bulletin, districts, root, ["en", "fr"], formats=("pdf",))  # type: ignore[arg-type]
    folder = root / "bulletins" / "2025-W24"
    return {lang: folder / f"bulletin.{lang}.pdf" for lang in ("en", "fr")}


def destinations(pdf: Path) -> dict[str, int]:
    """Named destination -> page number, from ``pdfinfo -dests``."""
    out = subprocess.run(
        ["pdfinfo", "-dests", str(pdf)], check=True, capture_output=True, text=True, timeout=30
    ).stdout
    found = re.findall(r'^\s*(\d+)\s+\[.*?\]\s+"(.+)"\s*$', out, flags=re.M)
    return {name: int(page) for page, name in found}


def page_images(pdf: Path, folder: Path) -> list[np.ndarray]:
    subprocess.run(
        ["pdftoppm", "-png", "-gray", "-r", str(DPI), str(pdf), str(folder / "page")],
        check=True, timeout=60,
    )  # fmt: skip
    pages = sorted(folder.glob("page*.png"), key=lambda p: int(re.findall(r"\d+", p.stem)[-1]))
    return [imread(p) for p in pages]


def content_share(pixels: np.ndarray) -> float:
    """How far down its printable area a page's ink reaches (0: blank, 1: to the bottom)."""
    per_mm = pixels.shape[0] / 297
    top, bottom = int(MARGIN_TOP_MM * per_mm), int((297 - MARGIN_BOTTOM_MM) * per_mm)
    area = pixels[top:bottom, ..., 0] if pixels.ndim == 3 else pixels[top:bottom]
    inked = np.flatnonzero((area < 0.8).any(axis=1))
    return 0.0 if inked.size == 0 else (inked[-1] + 1) / area.shape[0]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_page_is_near_empty(pdfs: dict, lang: str, tmp_path: Path) -> None:
    images = page_images(pdfs[lang], tmp_path)
    assert len(images) >= 3
    shares = [round(content_share(page), 2) for page in images]
    assert all(share >= NEAR_EMPTY for share in shares), f"{lang}: content per page {shares}"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_table_splits_across_pages(pdfs: dict, lang: str) -> None:
    dests = destinations(pdfs[lang])
    for table in TABLES:
        rows = {name: page for name, page in dests.items() if name.startswith(f"{table}-row-")}
        assert rows, f"{lang}: no row of {table} found in the PDF"  # every world lists some
        pages = set(rows.values())
        assert len(pages) == 1, f"{lang}: table {table} over pages {sorted(pages)}: {rows}"
        assert dests[table] in pages, f"{lang}: heading of {table} apart from its table"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_page_one_is_the_summary_and_the_map_has_page_two(pdfs: dict, lang: str) -> None:
    dests = destinations(pdfs[lang])
    assert dests["changes"] == 1 and dests["map"] == 2
