"""Labels per horizon and target, and onset flags.

For district d, issue week t and horizon h the label is 1 when at least one event of the
target kind happens in weeks t+1 .. t+h, else 0. When t+h runs past the last week of
data the label is unknown (null): such rows are scored but never trained or evaluated on.

An onset row is one where the district had no event of that kind in the ``onset_weeks``
weeks up to and including t (52 by default, settings.onset_window_weeks).

At monthly cadence the same functions run on the monthly grid (training.history.
monthly_grid): periods are months, ``any`` is 1 when the months t+1 .. t+h hold a
political-violence event and ``fatal`` when they hold deaths; onset rows have no event in
the 12 months up to t (forecast.core.cadence.MONTH.onset_window).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from training.history import TARGETS, forward_sum, window_sum

DEFAULT_ONSET_WEEKS = 52


def label_name(target: str, horizon: int) -> str:
    return f"y_{target}_h{horizon}"


def onset_name(target: str) -> str:
    return f"onset_{target}"


def add_labels(
    counts: pl.DataFrame,
    horizons: Sequence[int],
    targets: Sequence[str] = TARGETS,
    onset_weeks: int = DEFAULT_ONSET_WEEKS,
) -> pl.DataFrame:
    """Add ``y_<target>_h<h>`` (Int8, null when unknown) and ``onset_<target>`` (Boolean).

    ``counts`` is a complete grid from :func:`training.history.weekly_counts` whose last
    week is the last week of data.
    """
    labels = [
        (forward_sum(target, h) > 0).cast(pl.Int8).alias(label_name(target, h))
        for target in targets
        for h in horizons
    ]
    onsets = [
        (window_sum(target, onset_weeks) == 0).alias(onset_name(target)) for target in targets
    ]
    return counts.with_columns(*labels, *onsets)
