"""On the demo world, the top band is kept for the districts with the most expected events.

Probability alone put 49 of 53 cercles in the top band at h=4 (an event in the next four
weeks is close to certain where teams work); the bands that combine probability with the
expected events (forecast.intensity) must leave at most a quarter there, and those must be
the districts with the highest expected counts. Runs the user's path: demo, features,
train, score (one target and horizon to keep it short).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from forecast.cli import app

runner = CliRunner()


@pytest.fixture
def scored_demo(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from forecast.core.settings import get_settings

    monkeypatch.setenv("FORECAST_TARGETS", '["any"]')
    monkeypatch.setenv("FORECAST_HORIZONS", "[4]")
    monkeypatch.setenv("FORECAST_COUNT_TARGETS", '["events"]')
    get_settings.cache_clear()
    for args in (["demo"], ["features", "build"], ["train"], ["score"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"forecast {' '.join(args)}: {result.output}"
    return home / "forecast.duckdb"


def test_a_quarter_at_most_in_the_top_band_and_the_busiest_there(scored_demo: Path) -> None:
    with duckdb.connect(str(scored_demo), read_only=True) as con:
        rows = con.execute(
            """
            SELECT f.district_code, f.band, f.probability, i.expected
            FROM forecasts f JOIN intensity i USING (district_code, issue_week, horizon, cadence)
            WHERE f.target = 'any' AND f.horizon = 4 AND i.target = 'events'
            ORDER BY i.expected DESC
            """
        ).fetchall()
        by_probability = con.execute(
            "SELECT count(*) FROM forecasts WHERE target = 'any' AND probability >= 0.6"
        ).fetchone()[0]
    districts = len(rows)
    top = [r for r in rows if r[1] == "very_high"]
    assert districts == 53 and 0 < len(top) <= districts / 4, (len(top), by_probability)
    # The top band is a prefix of the districts sorted by expected events (ties aside).
    assert min(r[3] for r in top) >= max(r[3] for r in rows if r[1] != "very_high")
