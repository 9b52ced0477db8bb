"""/docs and /redoc render in a real browser with the network cut off, as in a field office
without internet: Debian's chromium, every host but the loopback unresolvable
(``--host-resolver-rules``) and every request elsewhere aborted and recorded.

Skipped with the reason when /usr/bin/chromium or the playwright package is missing
(`apt-get install -y chromium`; never `playwright install`, which downloads a browser).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from api import create_app
from forecast.bulletin.screenshots import CHROMIUM as CHROMIUM_PATH
from forecast.bulletin.screenshots import CHROMIUM_FLAGS
from tests.api.conftest import make_settings
from tests.api.world import write_store
from tests.web.offline import OFFLINE_FLAG, block_other_hosts
from tests.web.stub import serving

CHROMIUM = Path(CHROMIUM_PATH)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no browser: /usr/bin/chromium is absent (Debian: apt-get install -y chromium)",
)


class Offline:
    """A browser page that can reach only the loopback, and what it tried elsewhere."""

    def __init__(self, page: object, base: str) -> None:
        self.page = page
        self.base = base
        self.blocked: list[str] = []
        self.failed: list[tuple[str, str]] = []  # (url, the browser's reason)


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Offline]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip package playwright absent")
    home = tmp_path_factory.mktemp("docs-home")
    write_store(home / "forecast.duckdb")
    app = create_app(make_settings(home))
    with serving(app) as base, sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="chromium-profile-"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=[*CHROMIUM_FLAGS, OFFLINE_FLAG],
            viewport={"width": 1200, "height": 900},
        )
        state = Offline(context.new_page(), base)
        block_other_hosts(context, state.blocked)
        state.page.on(
            "requestfailed", lambda request: state.failed.append((request.url, request.failure))
        )
        # Generous: CI has 2 cores, and a loaded machine delays the first paint by seconds.
        state.page.set_default_timeout(30_000)
        try:
            yield state
        finally:
            context.close()


def test_the_network_is_really_cut_off(offline: Offline) -> None:
    page = offline.page
    page.goto(offline.base + "/healthz")
    outcome = page.evaluate(
        """() => fetch('https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css')
                 .then(() => 'reached', () => 'blocked')"""
    )
    assert outcome == "blocked"


def test_swagger_ui_renders_every_operation_offline(offline: Offline) -> None:
    page = offline.page
    offline.blocked.clear()
    offline.failed.clear()
    page.goto(offline.base + "/docs")
    page.wait_for_selector(".opblock")
    schema = page.evaluate("() => fetch('/openapi.json').then(r => r.json())")
    operations = sum(len(methods) for methods in schema["paths"].values())
    paths = page.eval_on_selector_all(
        ".opblock .opblock-summary-path", "els => els.map(e => e.textContent.trim())"
    )
    assert len(paths) == operations
    assert {p.replace("\u200b", "") for p in paths} >= {"/v1/forecasts", "/v1/incidents"}
    assert page.locator(".swagger-ui .info .title").inner_text().startswith(schema["info"]["title"])
    assert offline.blocked == [], offline.blocked
    assert offline.failed == [], offline.failed


def test_swagger_ui_try_it_out_calls_the_api_under_its_policy(offline: Offline) -> None:
    # The pages' Content-Security-Policy allows this host: "Try it out" still works.
    page = offline.page
    offline.failed.clear()
    page.goto(offline.base + "/docs")
    operation = page.locator(
        ".opblock", has=page.locator(".opblock-summary-path", has_text="/healthz")
    )
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("200")
    assert offline.blocked == [] and offline.failed == [], (offline.blocked, offline.failed)


def test_redoc_renders_offline(offline: Offline) -> None:
    page = offline.page
    offline.blocked.clear()
    offline.failed.clear()
    page.goto(offline.base + "/redoc")
    # ReDoc draws each operation as a section headed by its summary.
    page.locator("h2", has_text="Risk for every district").first.wait_for()
    assert page.locator("h1").first.inner_text().startswith("Sahel district risk forecasts")
    assert page.locator("h2", has_text="Send a field report").count() == 1
    assert offline.blocked == [], offline.blocked
    # ReDoc's sidebar names its vendor's logo on a CDN: the page's Content-Security-Policy
    # stops it in the browser, before any network, and ReDoc hides the image.
    assert all(reason == "csp" for _, reason in offline.failed), offline.failed
