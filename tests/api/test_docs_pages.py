"""/docs and /redoc load only what the app itself serves: no CDN, so they work offline."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.docs_pages import ASSET_FILES, DOCS_ASSETS

# Every URL an HTML page makes the browser fetch: src= and href= attributes, Swagger UI's
# `url: '...'` (the schema) and ReDoc's spec-url.
_URL = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|\burl:\s*'([^']+)'""")
MEDIA = {
    ".js": "javascript",
    ".css": "text/css",
    ".png": "image/png",
}


def fetched_urls(html: str) -> list[str]:
    return [a or b for a, b in _URL.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_reference_only_local_urls(shared, page: str) -> None:
    client, _ = shared
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    urls = fetched_urls(html)
    assert any(url.startswith(DOCS_ASSETS + "/") for url in urls), urls
    assert "/openapi.json" in urls
    for url in urls:
        # A path on this host: not absolute, not protocol-relative (//cdn...).
        assert url.startswith("/") and not url.startswith("//"), url
    assert "http://" not in html and "https://" not in html


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_every_asset_a_docs_page_names_answers(shared, page: str) -> None:
    client, _ = shared
    for url in fetched_urls(client.get(page).text):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert len(answer.content) > 1000, url


@pytest.mark.parametrize("name", ASSET_FILES)
def test_the_shipped_assets_are_served_with_their_types(shared, name: str) -> None:
    client, _ = shared
    answer = client.get(f"{DOCS_ASSETS}/{name}")
    assert answer.status_code == 200
    suffix = name[name.rindex(".") :]
    assert MEDIA[suffix] in answer.headers["content-type"]


def test_swagger_ui_is_a_version_that_reads_openapi_3_1(shared) -> None:
    # FastAPI writes OpenAPI 3.1; Swagger UI 4 shows "Unable to render this definition".
    client, _ = shared
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
    bundle = client.get(f"{DOCS_ASSETS}/swagger-ui-bundle.js").text
    assert "OpenAPI 3.1" in bundle or "openapi31" in bundle.lower()


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_forbid_other_hosts(shared, page: str) -> None:
    client, _ = shared
    policy = client.get(page).headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    for name, sources in directives.items():
        assert "http" not in sources and "*" not in sources, (name, sources)


def test_swagger_ui_asks_no_online_validator(shared) -> None:
    client, _ = shared
    assert '"validatorUrl": null' in client.get("/docs").text


def test_a_missing_or_escaping_asset_is_a_404_problem(shared) -> None:
    client, _ = shared
    for path in (f"{DOCS_ASSETS}/nope.js", f"{DOCS_ASSETS}/%2e%2e/%2e%2e/pyproject.toml"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json"


def test_docs_pages_are_named_in_the_request_metrics(shared) -> None:
    client, _ = shared
    client.get("/docs")
    client.get(f"{DOCS_ASSETS}/swagger-ui.css")
    scrape = client.get("/metrics").text
    assert 'route="/docs"' in scrape
    assert f'route="{DOCS_ASSETS}/{{path}}"' in scrape


def test_oauth2_redirect_page_is_served(shared) -> None:
    client: TestClient = shared[0]
    assert client.get("/docs/oauth2-redirect").status_code == 200
