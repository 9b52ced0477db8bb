"""`forecast score --week` outside the panel: one line naming the week and the panel's
range, exit 2 (a bad option), not a traceback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from .homes import FIRST, home_with_weeks, invoke


@pytest.mark.parametrize("week", ["2019-01-07", "2030-01-09"])
def test_a_week_outside_the_panel_is_refused_with_its_range(
    week: str, home: Path, tmp_path: Path
) -> None:
    home_with_weeks(tmp_path, 20)
    result = invoke("score", "--week", week)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    monday = "2019-01-07" if week.startswith("2019") else "2030-01-07"
    assert result.output.strip() == (
        f"No panel rows for issue week {monday}: the panel covers {FIRST} .. "
        f"{FIRST + timedelta(weeks=19)}; pick a week inside it, or ingest newer events and "
        "run `forecast features build`"
    )


def test_a_week_inside_the_panel_is_scored(home: Path, tmp_path: Path) -> None:
    home_with_weeks(tmp_path, 20)
    inside = FIRST + timedelta(weeks=10, days=3)  # a Thursday: its week is scored
    result = invoke("score", "--week", inside.isoformat())
    assert result.exit_code == 0, result.output
    assert f"for issue week {FIRST + timedelta(weeks=10)}" in result.output
