"""How much history a backtest needs (forecast.prerequisites.require_history): the refusal
is exact, one week short refuses and the stated length runs a fold."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from .homes import FIRST, home_with_weeks, invoke


@pytest.mark.parametrize("weeks", [128, 129])
def test_one_week_short_refuses_and_the_stated_length_runs(
    weeks: int, home: Path, tmp_path: Path
) -> None:
    home_with_weeks(tmp_path, weeks)
    out = tmp_path / "preds.csv"
    result = invoke("backtest", "--target", "any", "--horizon", "12", "--no-log", "--out", str(out))
    assert "Traceback" not in result.output
    if weeks < 129:
        assert result.exit_code == 1
        assert result.output.strip() == (
            "Not ready: Too little history for a backtest of any at 12 weeks: the panel has "
            f"{weeks} weeks ({FIRST} .. {FIRST + timedelta(weeks=weeks - 1)}) and needs at "
            "least 129: ingest a longer history (`forecast ingest events FILE`)"
        )
    else:
        assert result.exit_code == 0, result.output
        assert pl.read_csv(out).height > 0  # a fold, predicted


def test_the_refusal_names_the_asked_horizons_that_fit(home: Path, tmp_path: Path) -> None:
    home_with_weeks(tmp_path, 110)  # enough for h=1 (107 weeks), not for h=4 (113)
    result = invoke("backtest", "--target", "any", "-h", "1", "-h", "4", "--no-log")
    assert result.exit_code == 1
    assert "backtest of any at 4 weeks" in result.output
    assert result.output.rstrip().endswith("or keep to --horizon 1")


def test_tune_refuses_a_history_too_short_for_its_inner_backtest(
    home: Path, tmp_path: Path
) -> None:
    # Long enough for the backtest of h=1 (107 weeks), not for tune's backtest inside the
    # weeks before it.
    home_with_weeks(tmp_path, 110)
    result = invoke("tune", "--target", "any", "--horizon", "1", "--trials", "1")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    [line] = [text for text in result.output.splitlines() if text.startswith("Not ready:")]
    assert line.startswith("Not ready: Cannot tune risk-any-h1: training window before ")
    assert line.endswith(
        "ingest a longer history (`forecast ingest events FILE`) or pass a later --until"
    )
