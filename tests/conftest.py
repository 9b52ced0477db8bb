"""Shared test helpers: the real-data locator and a fresh home folder per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get("FORECAST_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
FIXTURES = Path(__file__).parent / "fixtures"


def shared_data(*parts: str) -> Path:
    """Path to a real data set in ../shared/data, or skip the test saying what is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data set not present: {path} (see ../shared/data/README.md)")
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty FORECAST_HOME for one test, with the settings cache cleared around it."""
    from forecast.core.settings import get_settings

    monkeypatch.setenv("FORECAST_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()
