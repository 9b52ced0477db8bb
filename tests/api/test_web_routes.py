"""The map page and the bulletin files, mounted in the real app."""

from __future__ import annotations

from pathlib import Path


def test_map_page_is_public_and_named_in_metrics(client, app) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    # The page carries the app's bands (TEST_BANDS), not the defaults.
    assert '"very_high"' in response.text and '"lower": 0.25' in response.text
    sample = app.state.metrics.registry.get_sample_value(
        "forecast_api_requests_total", {"method": "GET", "route": "/", "status": "200"}
    )
    assert sample == 1.0


def test_bulletins_need_a_read_key(client, reader, api_home: Path) -> None:
    folder = api_home / "outputs" / "bulletins" / "2024-W23"
    folder.mkdir(parents=True)
    (folder / "bulletin.en.md").write_text("# Week 23")
    assert client.get("/v1/bulletins/latest?format=md").status_code == 401
    response = client.get("/v1/bulletins/latest?format=md", headers=reader)
    assert response.status_code == 200
    assert response.text == "# Week 23"
    schema = client.get("/openapi.json").json()
    assert schema["paths"]["/v1/bulletins/latest"]["get"]["security"]
