"""GET /v1/bulletins/latest and /v1/bulletins/{week}: format and language negotiation, 404s."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.web.bulletins import negotiate_format, negotiate_language
from tests.web.stub import make_app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    outputs = tmp_path / "outputs" / "bulletins"
    for week, marker in (("2025-W23", "older"), ("2025-W24", "newer")):
        folder = outputs / week
        folder.mkdir(parents=True)
        for lang in ("en", "fr"):
            for ext in ("html", "md", "json"):
                (folder / f"bulletin.{lang}.{ext}").write_text(f"{marker} {lang} {ext}")
            (folder / f"bulletin.{lang}.pdf").write_bytes(b"%PDF-1.7 " + marker.encode())
    (outputs / "2025-W25").mkdir()  # an empty week folder (a run that failed) is skipped
    return TestClient(make_app(tmp_path))


def test_latest_defaults_to_english_json(client: TestClient) -> None:
    response = client.get("/v1/bulletins/latest")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text == "newer en json"
    assert 'filename="bulletin-2025-W24.en.json"' in response.headers["content-disposition"]


@pytest.mark.parametrize(
    ("query", "accept", "media", "body"),
    [
        ("?format=pdf", None, "application/pdf", b"%PDF-1.7 newer"),
        ("?format=md", "application/pdf", "text/markdown; charset=utf-8", b"newer en md"),
        ("", "text/html,*/*;q=0.8", "text/html; charset=utf-8", b"newer en html"),
        ("", "text/markdown;q=0.5, application/pdf", "application/pdf", b"%PDF-1.7 newer"),
        ("", "*/*", "application/json", b"newer en json"),
    ],
)  # fmt: skip
def test_format_by_query_or_accept(
    client: TestClient, query: str, accept: str | None, media: str, body: bytes
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"/v1/bulletins/latest{query}", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == media
    assert response.content == body


def test_week_and_language(client: TestClient) -> None:
    assert client.get("/v1/bulletins/2025-W23?format=md&lang=fr").text == "older fr md"
    # any date in the week names it; Accept-Language picks French
    response = client.get(
        "/v1/bulletins/2025-06-05?format=md", headers={"Accept-Language": "fr-ML"}
    )
    assert response.text == "older fr md"
    assert response.headers["content-language"] == "fr"


def test_absent_week_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/v1/bulletins/2024-W01")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404 and "2024-W01" in problem["detail"]


def test_absent_language_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/v1/bulletins/latest?lang=pt")
    assert response.status_code == 404
    assert "'pt'" in response.json()["detail"]


def test_bad_week_is_a_422_problem(client: TestClient) -> None:
    response = client.get("/v1/bulletins/not-a-week")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_bad_format_is_rejected(client: TestClient) -> None:
    assert client.get("/v1/bulletins/latest?format=docx").status_code == 422


def test_no_bulletins_at_all(tmp_path: Path) -> None:
    response = TestClient(make_app(tmp_path)).get("/v1/bulletins/latest")
    assert response.status_code == 404


def test_negotiation_helpers() -> None:
    assert negotiate_format(None, "application/json;q=0.1, text/html;q=0.9") == "html"
    assert negotiate_format(None, "image/png") == "json"
    assert negotiate_format("pdf", "text/html") == "pdf"
    assert negotiate_language(None, "de-DE, fr;q=0.8, en;q=0.5") == "fr"
    assert negotiate_language(None, None) == "en"


def test_page_and_static_assets(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/static/vendor/leaflet/leaflet.js" in page.text and "__CONFIG__" not in page.text
    assert "https://" not in page.text  # nothing fetched from a CDN
    french = client.get("/?lang=fr")
    assert "Risque de violence par cercle" in french.text
    leaflet = client.get("/static/vendor/leaflet/leaflet.js")
    assert leaflet.status_code == 200 and "javascript" in leaflet.headers["content-type"]
    assert client.get("/static/vendor/leaflet/images/marker-icon.png").status_code == 200
    assert client.get("/static/../page.py").status_code == 404
    assert client.get("/static/%2e%2e/page.py").status_code == 404
