"""ISO-week arithmetic: weeks as integers counted from the Monday 1970-01-05.

Week ``w`` runs from Monday ``monday(w)`` to the Sunday six days later. Integer weeks
make the panel's time axis an array index, so windows are array slices.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

_EPOCH_MONDAY = date(1970, 1, 5)
_EPOCH_OFFSET_DAYS = 4  # 1970-01-05 is day 4 of the Unix epoch


def week_of(day: date) -> int:
    """The week number holding ``day``."""
    return (day - _EPOCH_MONDAY).days // 7


def monday(week: int) -> date:
    """The Monday that starts week number ``week``."""
    return _EPOCH_MONDAY + timedelta(days=7 * int(week))


def week_expr(column: str) -> pl.Expr:
    """Week number of a Date column (null stays null)."""
    return (pl.col(column).cast(pl.Int32) - _EPOCH_OFFSET_DAYS) // 7


def mondays(weeks: np.ndarray) -> pl.Series:
    """The Monday dates of week numbers, as a polars Date series named ``week``."""
    days = np.asarray(weeks, dtype=np.int32) * 7 + _EPOCH_OFFSET_DAYS
    return pl.Series("week", days, dtype=pl.Int32).cast(pl.Date)
