"""The map page in a real headless browser: Debian's chromium driven by Playwright.

Skipped with the reason when /usr/bin/chromium or the playwright package is missing
(`apt-get install -y chromium`; never `playwright install`, which downloads a browser).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.web.page import ESCALATION_COLOURS, EVENT_CLASSES
from forecast.bulletin.screenshots import CHROMIUM as CHROMIUM_PATH
from forecast.bulletin.screenshots import CHROMIUM_FLAGS
from forecast.core.bands import load_bands
from tests.web.offline import OFFLINE_FLAG, block_other_hosts
from tests.web.stub import INTENSITY, KEY, PROBABILITY, band, make_app, serving

CHROMIUM = Path(CHROMIUM_PATH)
FLAGS = list(CHROMIUM_FLAGS)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no browser: /usr/bin/chromium is absent (Debian: apt-get install -y chromium)",
)


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, str, list]]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip package playwright absent")
    home = tmp_path_factory.mktemp("home")
    requests: list[str] = []
    blocked: list[str] = []
    with serving(make_app(home)) as base, sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="chromium-profile-"),  # a fresh --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=[*FLAGS, OFFLINE_FLAG],
            viewport={"width": 1200, "height": 800},
        )
        # Offline, as in a field office: only the loopback answers.
        block_other_hosts(context, blocked)
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        # Generous: CI has 2 cores, and a loaded machine delays the first paint by seconds.
        page.set_default_timeout(30_000)
        try:
            yield page, base, requests
        finally:
            context.close()
        assert blocked == [], f"the page tried other hosts: {blocked}"


def fills(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        "path.leaflet-interactive[data-code]",
        "els => Object.fromEntries(els.map(e => [e.dataset.code, e.getAttribute('fill')]))",
    )


def expected_fills(horizon: int) -> dict[str, str]:
    bands = load_bands()
    return {
        code: bands.colours[bands.names.index(band(p))]
        for code, p in PROBABILITY[(horizon, "any")].items()
    }


def expected_event_fills(horizon: int) -> dict[str, str]:
    """Each district's expected-events class colour (the classes' lower bounds)."""
    out = {}
    for code, (events, *_) in INTENSITY[horizon].items():
        out[code] = [colour for lower, colour in EVENT_CLASSES if events >= lower][-1]
    return out


def expected_escalation_fills(horizon: int) -> dict[str, str]:
    colours = dict(ESCALATION_COLOURS)
    return {code: colours[row[4][0]] for code, row in INTENSITY[horizon].items()}


def legend(page) -> tuple[str, int, str]:
    box = page.locator(".legend")
    return box.get_attribute("data-layer"), box.locator("i").count(), box.inner_text()


def test_map_asks_for_a_key_then_colours_districts(browser_page) -> None:
    page, base, requests = browser_page
    page.goto(base + "/")
    page.wait_for_selector("#status.error")
    assert "API key" in page.inner_text("#status")
    assert fills(page) == {}

    page.fill("#key", KEY)
    page.click("#key-form button")
    page.wait_for_selector('#map[data-loaded="4:any"]')
    assert fills(page) == expected_fills(4)
    assert "2025-06-09" in page.inner_text("#status")
    assert page.locator(".legend i").count() == len(load_bands().names) + 1
    assert page.locator(".town-label", has_text="Bamako").count() == 1
    # everything came from the app itself: Leaflet is vendored, no CDN
    assert requests and all(url.startswith(base) for url in requests)


def test_switch_changes_colours(browser_page) -> None:
    page, _, _ = browser_page
    before = fills(page)
    page.select_option("#horizon", "12")
    page.wait_for_selector('#map[data-loaded="12:any"]')
    after = fills(page)
    assert after == expected_fills(12)
    assert after["D3"] != before["D3"] and after["D2"] != before["D2"]


def test_layer_switch_recolours_the_map_and_its_legend(browser_page) -> None:
    page, _, requests = browser_page
    asked = len(requests)
    assert legend(page)[:2] == ("probability", len(load_bands().names) + 1)

    page.click("#layer-switch label:has-text('Expected events')")
    page.wait_for_selector('#map[data-layer="events"]')
    assert fills(page) == expected_event_fills(12)
    layer, swatches, text = legend(page)
    assert (layer, swatches) == ("events", len(EVENT_CLASSES) + 1)
    assert "Expected events (next 12 weeks)" in text and "20+" in text and "no data" in text
    # D1 21.6, D2 6.0, D3 1.2 expected events: three classes, none the probability colours
    assert len(set(fills(page).values())) == 3
    assert page.locator("#layer-switch label.on").inner_text().strip() == "Expected events"

    page.click("#layer-switch label:has-text('Escalation')")
    page.wait_for_selector('#map[data-layer="escalation"]')
    assert fills(page) == expected_escalation_fills(12)
    layer, swatches, text = legend(page)
    assert (layer, swatches) == ("escalation", len(ESCALATION_COLOURS) + 1)
    for word in ("escalating", "usual", "easing", "no data"):
        assert word in text
    assert len(requests) == asked  # a layer switch recolours, it asks the API nothing

    # horizon 1 has no count model: no data everywhere and a note, never an error
    page.select_option("#horizon", "1")
    page.wait_for_selector('#map[data-loaded="1:any"]')
    assert set(fills(page).values()) == {"#ffffff"}
    assert "Expected counts are not available for this horizon." in legend(page)[2]
    assert page.locator("#status.error").count() == 0

    # back to where the next test expects the page: horizon 12, probability
    page.select_option("#horizon", "12")
    page.wait_for_selector('#map[data-loaded="12:any"]')
    page.click("#layer-switch label:has-text('Probability')")
    page.wait_for_selector('#map[data-layer="probability"]')
    assert fills(page) == expected_fills(12)
    assert legend(page)[:2] == ("probability", len(load_bands().names) + 1)
    assert "not available" not in legend(page)[2]


def test_click_shows_drivers_and_history(browser_page) -> None:
    page, _, _ = browser_page
    page.click('path.leaflet-interactive[data-code="D1"]')
    page.wait_for_selector('#panel[data-code="D1"]')
    panel = page.inner_text("#panel")
    assert "Gao" in panel
    assert "90%" in panel  # horizon 12 is selected: 0.90
    assert "3 attacks within 50 km in the last 4 weeks" in panel
    assert "UN base within 100 km withdrawn 14 weeks ago" in panel
    assert "Expected events: 22 (80% range 10–35)" in panel  # noqa: RUF001
    assert "Expected deaths: 46 (80% range 12–110)" in panel  # noqa: RUF001
    assert "escalating 2.9 times its usual level (7.5)" in panel
    assert page.locator("ul.drivers li.up").count() == 2
    assert page.locator("ul.drivers li.down").count() == 1
    chart = page.locator("#panel svg.history")
    assert chart.count() == 1
    assert chart.locator("circle.point").count() == 5
    # oldest first, left to right: the line climbs as the probability does (SVG y grows down)
    ys = chart.locator("circle.point").evaluate_all("cs => cs.map(c => +c.getAttribute('cy'))")
    assert ys == sorted(ys, reverse=True)
    fill = chart.locator("circle.point").evaluate_all("cs => cs.map(c => c.getAttribute('fill'))")
    assert fill == ["#fff", "#000", "#000", "#bbb", "#bbb"]


def test_refused_key_says_so(browser_page) -> None:
    page, _, _ = browser_page
    page.fill("#key", "wrong")
    page.click("#key-form button")
    page.wait_for_selector("#status.error")
    assert "refused (401)" in page.inner_text("#status")
    page.fill("#key", KEY)
    page.click("#key-form button")
    page.wait_for_selector("#status:not(.error)")
