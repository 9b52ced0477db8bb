"""Operations along the week axis of (weeks x districts) arrays, vectorised over districts.

An array covering axis rows ``[row0, row0 + len)`` is passed with its ``row0``; results
are for the output rows ``[out, n)``. Counts stay float64 until the end so sums of
integers are exact, which keeps incremental and full builds bit-identical.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter


class Trailing:
    """Trailing-window sums of a weekly array, from one cumulative sum."""

    def __init__(self, weekly: np.ndarray, row0: int, out: int) -> None:
        self._cum = np.zeros((weekly.shape[0] + 1, *weekly.shape[1:]), dtype=np.float64)
        np.cumsum(weekly, axis=0, dtype=np.float64, out=self._cum[1:])
        self._row0 = row0
        self._local = np.arange(out - row0, weekly.shape[0])

    def sum(self, window: int) -> np.ndarray:
        """Sum over the ``window`` weeks ending at (and including) each output row."""
        hi = self._local + 1
        lo = hi - window
        if self._row0 > 0 and lo.min(initial=0) < 0:
            raise ValueError("the weekly array starts too late for this window")
        return self._cum[hi] - self._cum[np.maximum(lo, 0)]


def decayed(weekly: np.ndarray, half_life: float) -> np.ndarray:
    """s_t = x_t + a * s_{t-1} with a = 0.5 ** (1 / half_life), over the whole axis."""
    a = 0.5 ** (1.0 / half_life)
    return lfilter([1.0], [1.0, -a], np.asarray(weekly, dtype=np.float64), axis=0)


def weeks_since(happened: np.ndarray) -> np.ndarray:
    """Weeks since the latest row with ``happened`` true (0 = this week, NaN = never)."""
    rows = np.arange(happened.shape[0], dtype=np.float64)[:, None]
    last = np.where(happened, rows, -np.inf)
    np.maximum.accumulate(last, axis=0, out=last)
    return rows - last  # -(-inf) = inf where never: turned into NaN below


def finite_or_nan(values: np.ndarray) -> np.ndarray:
    """Infinite values (an undefined distance or duration) become NaN, i.e. null."""
    return np.where(np.isfinite(values), values, np.nan)


def trailing_min(weekly: np.ndarray, row0: int, out: int, window: int) -> np.ndarray:
    """Minimum over the ``window`` weeks ending at each output row (inf when all inf)."""
    local = out - row0
    pad = max(window - 1 - local, 0)
    if pad and row0 > 0:
        raise ValueError("the weekly array starts too late for this window")
    padded = np.concatenate([np.full((pad, weekly.shape[1]), np.inf), weekly], axis=0)
    start = local + pad - (window - 1)
    view = np.lib.stride_tricks.sliding_window_view(padded[start:], window, axis=0)
    return view.min(axis=-1)


def last_marked_week(
    marks_col: np.ndarray,
    marks_week: np.ndarray,
    out_weeks: np.ndarray,
    n_cols: int,
) -> np.ndarray:
    """For each output week and column, the latest mark week on or before it (-inf = none).

    Marks are (column, absolute week) pairs such as "a base within 100 km opened this
    week"; marks before the first output week carry in as a starting value.
    """
    first = int(out_weeks[0])
    result = np.full((len(out_weeks), n_cols), -np.inf)
    prior = np.full(n_cols, -np.inf)
    before = marks_week < first
    np.maximum.at(prior, marks_col[before], marks_week[before].astype(np.float64))
    inside = ~before & (marks_week <= out_weeks[-1])
    np.maximum.at(
        result,
        (marks_week[inside] - first, marks_col[inside]),
        marks_week[inside].astype(np.float64),
    )
    result[0] = np.maximum(result[0], prior)
    np.maximum.accumulate(result, axis=0, out=result)
    return result
