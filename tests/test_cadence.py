"""The period abstraction and the settings that depend on it."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from features.weeks import week_of
from forecast.core import cadence
from forecast.core.cadence import MONTH, WEEK
from forecast.core.settings import Settings
from training.dataset import week_index


def test_week_index_is_the_one_features_and_training_use() -> None:
    days = [date(1970, 1, 5), date(2020, 12, 31), date(2025, 6, 4)]
    assert [WEEK.index(d) for d in days] == [week_of(d) for d in days]
    assert WEEK.indices(pl.Series(days)).tolist() == week_index(pl.Series(days)).tolist()
    assert WEEK.start(WEEK.index(date(2025, 6, 4))) == date(2025, 6, 2)


@pytest.mark.parametrize("c", [WEEK, MONTH])
def test_index_and_back(c: cadence.Cadence) -> None:
    days = pl.date_range(date(1996, 12, 20), date(2026, 3, 3), "3d", eager=True)
    idx = c.indices(days)
    assert idx.tolist() == [c.index(d) for d in days]
    assert c.starts(idx).to_list() == [c.truncate(d) for d in days]
    assert np.all(np.diff(np.unique(idx)) == 1)  # consecutive periods, consecutive indices
    first, last = days[0], days[-1]
    assert c.date_range(first, last).to_list() == [
        c.start(i) for i in range(c.index(first), c.index(last) + 1)
    ]


def test_month_arithmetic_and_words() -> None:
    assert MONTH.index(date(1970, 1, 31)) == 0
    assert MONTH.start(MONTH.index(date(2025, 12, 9)) + 1) == date(2026, 1, 1)
    assert MONTH.shift(date(2025, 11, 30), 3) == date(2026, 2, 1)
    assert MONTH.last_day(date(2024, 2, 10)) == date(2024, 2, 29)
    assert MONTH.label(date(2025, 6, 4)) == "2025-06"
    assert WEEK.label(date(2025, 6, 4)) == "2025-W23"
    assert (MONTH.window_label(1), MONTH.window_label(3)) == ("this month", "3 months")
    assert (MONTH.issue_column, MONTH.panel_table, WEEK.panel_table) == (
        "issue_month",
        "panel_month",
        "panel",
    )
    assert cadence.get("Month") is MONTH and cadence.get(None) is WEEK
    with pytest.raises(ValueError, match="unknown cadence"):
        cadence.get("day")


def test_horizons_follow_the_cadence_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORECAST_HORIZONS", raising=False)
    monkeypatch.delenv("FORECAST_CADENCE", raising=False)
    assert Settings().horizons_for() == [1, 4, 12]
    assert Settings().horizons_for("month") == [1, 3, 6]
    monkeypatch.setenv("FORECAST_CADENCE", "month")
    assert Settings().cadence == "month"
    assert Settings().horizons_for() == [1, 3, 6]
    monkeypatch.setenv("FORECAST_HORIZONS", "[2, 5]")
    assert Settings().horizons_for() == [2, 5]
    assert Settings().horizons_for("week") == [2, 5]
