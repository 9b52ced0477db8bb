"""Holding back the newest demo weeks as a drop-folder delivery."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from forecast.cli import app
from forecast.demo.holdback import hold_back
from forecast.sources.acled import read_acled
from tests.factories import acled_row, write_acled


def test_hold_back_moves_the_last_weeks_and_keeps_every_event(tmp_path: Path) -> None:
    events = write_acled(
        tmp_path / "events.csv",
        [
            acled_row("MLI1", "2026-11-02", 14.5, -4.5),  # Monday two weeks before the last
            acled_row("MLI2", "2026-11-15", 14.5, -4.5),  # Sunday of the week before
            acled_row("MLI3", "2026-11-16", 14.5, -4.5),  # Monday of the last week
            acled_row("MLI4", "2026-11-22", 14.5, -4.5),  # Sunday, the newest event
        ],
    )
    drop = tmp_path / "drop" / "acled" / "latest.csv"
    assert hold_back(events, drop, weeks=1) == 2
    assert read_acled(events)["source_id"].sort().to_list() == ["MLI1", "MLI2"]
    assert read_acled(drop)["source_id"].sort().to_list() == ["MLI3", "MLI4"]
    assert hold_back(events, drop, weeks=0) == 0


def test_demo_with_held_back_week_leaves_it_for_the_next_ingest(home: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--hold-back-weeks", "1"])
    assert result.exit_code == 0, result.output
    assert "Data as of: 2026-11-15" in result.output
    dropped = runner.invoke(app, ["ingest", "drop"])
    assert dropped.exit_code == 0, dropped.output
    assert "demo-latest.csv" in dropped.output
    status = runner.invoke(app, ["status"])
    assert "Data as of: 2026-11-22" in status.output
