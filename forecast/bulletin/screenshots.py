"""Screenshots for the README: the bulletin's first page and the map page in a browser.

    python -m forecast.bulletin.screenshots --out docs/img \\
        --pdf var/outputs/bulletins/<week>/bulletin.en.pdf \\
        --page http://127.0.0.1:8000/ --key <an API key with the read scope>

The PDF page is rasterised with ``pdftoppm`` (Debian package poppler-utils); the map page
is opened in Debian's chromium through Playwright (pip package ``playwright``, a dev
dependency; never ``playwright install``), the key pasted, the highest-risk district
clicked, and the window captured. Either part runs alone when only its option is given.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def pdf_first_page(pdf: Path, out: Path, dpi: int = 110) -> Path:
    """Page 1 of ``pdf`` as ``out`` (PNG) via pdftoppm."""
    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm not found: apt-get install -y poppler-utils")
    stem = out.with_suffix("")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(dpi),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(stem),
        ],
        check=True,
        timeout=60,
    )
    return out


def map_page(url: str, key: str, out: Path, width: int = 1280, height: int = 820) -> Path:
    """The map page with the key pasted and the riskiest district clicked, as PNG."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="chromium-profile-"),
            executable_path=CHROMIUM,
            headless=True,
            args=list(CHROMIUM_FLAGS),
            viewport={"width": width, "height": height},
        )
        try:
            page = context.new_page()
            page.goto(url)
            page.fill("#key", key)
            page.click("#key-form button")
            page.wait_for_selector("#map[data-loaded]", timeout=20_000)
            codes = page.evaluate(
                "() => Object.entries(window.__riskByCode || {}).sort((a, b) => b[1] - a[1])"
            )
            selector = (
                f'path.leaflet-interactive[data-code="{codes[0][0]}"]'
                if codes
                else "path.leaflet-interactive[data-code]"
            )
            page.locator(selector).first.click()
            page.wait_for_selector("#panel[data-code]", timeout=20_000)
            page.wait_for_timeout(300)
            page.screenshot(path=str(out))
        finally:
            context.close()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    parser.add_argument("--pdf", type=Path, help="a bulletin PDF")
    parser.add_argument("--page", help="URL of the map page, e.g. http://127.0.0.1:8000/")
    parser.add_argument("--key", help="API key for the map page")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.pdf:
        print(pdf_first_page(args.pdf, args.out / "bulletin-page1.png"))
    if args.page:
        if not args.key:
            parser.error("--page needs --key")
        print(map_page(args.page, args.key, args.out / "map-page.png"))


if __name__ == "__main__":  # pragma: no cover
    main()
