"""Homes built through the command line for the tests of this folder."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner, Result

from forecast.cli import app
from forecast.core.settings import get_settings
from tests.factories import acled_row, write_acled, write_two_districts

runner = CliRunner()
FIRST = date(2020, 1, 6)  # a Monday


def invoke(*args: str) -> Result:
    get_settings.cache_clear()
    return runner.invoke(app, list(args))


def home_with_weeks(tmp_path: Path, weeks: int) -> None:
    """Two districts and a clash in one of them every week for ``weeks`` weeks."""
    rows = [
        acled_row(f"MLI{i}", (FIRST + timedelta(weeks=i)).isoformat(), 14.5, -4.5 + i % 2)
        for i in range(weeks)
    ]
    for args in (
        ["ingest", "districts", str(write_two_districts(tmp_path / "districts.geojson"))],
        ["ingest", "events", str(write_acled(tmp_path / "events.csv", rows))],
    ):
        assert invoke(*args).exit_code == 0
