"""Count targets: how many political-violence events, and how many deaths, per district.

For district d, issue week t and horizon h the count labels are

- ``events``: the number of political-violence events (forecast.core.targets' ``any`` rule) in
  weeks t+1 .. t+h;
- ``fatalities``: the summed fatalities of those events.

As for the 0/1 labels (training/labels.py) a label whose window passes the last week of
data is unknown (null): scored, never trained or evaluated on. Labels are named as the
binary ones (``y_events_h4``), so the inner-validation cut of ``training.tune`` (which
nulls every ``y_*_h<h>`` whose window reaches its cut) applies to them unchanged.

Everything else here looks back only (weeks up to and including t):

- ``cnt_<target>_<w>w``: trailing sums over 1/4/12/52 weeks, and ``cnt_<target>_since``
  (weeks since the last week with a count), the intensity history the model and its
  Poisson prior read;
- ``cnt_<target>_last_h<h>``: the sum over the last h weeks (t-h+1 .. t), the "recent
  mean" baseline's input;
- ``cnt_<target>_past_h<h>``: the district's last 52 *observed* h-week sums, the windows
  ending at t, t-1, .., t-51 (every one fully observed at t), as an array column with NaN
  where a window would start before the grid; the empirical-distribution baseline's
  sample, the count analogue of training.baselines' conflictology;
- ``cnt_onset_<target>``: no count of the target in the 52 weeks up to t (the onset rows).

The functions are pure polars over the events table and a complete district x week grid
(training.history's conventions: sorted by district then week, zeros where nothing
happened, so window sums are differences of cumulative sums).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

import polars as pl

from forecast.core.targets import target_expressions
from training.dataset import KEYS, Dataset
from training.history import (
    HISTORY_WINDOWS,
    forward_sum,
    week_of,
    week_range,
    weeks_since_last,
    window_sum,
)
from training.labels import DEFAULT_ONSET_WEEKS, label_name

COUNT_TARGETS: tuple[str, ...] = ("events", "fatalities")
# The empirical baseline's sample: this many past h-week sums (as conflictology's 52).
PAST_WINDOW = 52


def history_name(target: str, weeks: int) -> str:
    return f"cnt_{target}_{weeks}w"


def since_name(target: str) -> str:
    return f"cnt_{target}_since"


def recent_name(target: str, horizon: int) -> str:
    return f"cnt_{target}_last_h{horizon}"


def past_name(target: str, horizon: int) -> str:
    return f"cnt_{target}_past_h{horizon}"


def onset_count_name(target: str) -> str:
    return f"cnt_onset_{target}"


def past_sample_names(target: str, horizon: int, window: int = PAST_WINDOW) -> list[str]:
    """Scalar names for the sample's entries, lag 0 (the window ending at t) first."""
    return [f"{past_name(target, horizon)}_{lag:02d}" for lag in range(window)]


def intensity_columns(target: str, horizon: int) -> list[str]:
    """Summaries of the district's past h-week counts: how often, how much, how bad."""
    stem = f"cnt_{target}_h{horizon}_past"
    return [f"{stem}_{what}" for what in ("mean", "p90", "max", "nonzero")]


def count_history_columns(target: str) -> list[str]:
    """The trailing-sum and weeks-since columns of one count target."""
    return [history_name(target, w) for w in HISTORY_WINDOWS] + [since_name(target)]


def weekly_intensity(
    events: pl.DataFrame, districts: Iterable[str], first_week: date, last_week: date
) -> pl.DataFrame:
    """One row per district per week with ``events`` and ``fatalities`` of the week.

    Only political-violence events count (the ``any`` target's rule); a missing fatality
    figure counts as zero, as ``fatal`` reads it. Events without a district, outside the
    districts or the weeks are ignored. Sorted by district then week.
    """
    codes = pl.Series("district_code", sorted(set(districts)), dtype=pl.Utf8)
    grid = codes.to_frame().join(week_range(first_week, last_week).to_frame(), how="cross")
    violent = target_expressions()["any"]
    counted = (
        events.lazy()
        .filter(pl.col("district_code").is_not_null() & violent)
        .with_columns(week_of("event_date").alias("week"))
        .filter(pl.col("week").is_between(first_week, last_week))
        .group_by("district_code", "week")
        .agg(
            pl.len().cast(pl.Int32).alias("events"),
            pl.col("fatalities").fill_null(0).sum().cast(pl.Int32).alias("fatalities"),
        )
        .collect()
    )
    return (
        grid.join(counted, on=list(KEYS), how="left")
        .with_columns(pl.col(t).fill_null(0).cast(pl.Int32) for t in COUNT_TARGETS)
        .sort(*KEYS)
    )


def _past_sums(target: str, horizon: int, window: int) -> pl.Expr:
    """The h-week sums ending at t, t-1, .., t-window+1; NaN before the grid starts.

    Reads ``_row`` (the row's index within its district) and the recent-sum column. The
    grid is complete and sorted by district then week, so a plain shift by ``lag`` rows
    stays inside the district exactly where the window starts on or after the district's
    first week; everywhere else the value is masked. (A shift per lag over districts would
    be 52 window expressions per column, much slower.)
    """
    recent = pl.col(recent_name(target, horizon))
    lagged = [
        pl.when(pl.col("_row") - lag - horizon + 1 >= 0)
        .then(recent.shift(lag))
        .otherwise(None)
        .cast(pl.Float32)
        for lag in range(window)
    ]
    return pl.concat_arr(lagged).alias(past_name(target, horizon))


def add_count_columns(
    grid: pl.DataFrame,
    horizons: Sequence[int],
    *,
    window: int = PAST_WINDOW,
    onset_weeks: int = DEFAULT_ONSET_WEEKS,
) -> pl.DataFrame:
    """Labels, history, baseline inputs and onset flags on a :func:`weekly_intensity` grid.

    The grid's last week must be the last week of data: labels whose window passes it
    come out null (``forward_sum`` runs off the grid).
    """
    exprs: list[pl.Expr] = [pl.int_range(pl.len()).over("district_code").alias("_row")]
    for target in COUNT_TARGETS:
        exprs += [
            window_sum(target, w).cast(pl.Float32).alias(history_name(target, w))
            for w in HISTORY_WINDOWS
        ]
        exprs.append(weeks_since_last(target).cast(pl.Float32).alias(since_name(target)))
        exprs.append((window_sum(target, onset_weeks) == 0).alias(onset_count_name(target)))
        for h in horizons:
            exprs.append(forward_sum(target, h).cast(pl.Int32).alias(label_name(target, h)))
            exprs.append(window_sum(target, h).cast(pl.Float32).alias(recent_name(target, h)))
    samples = [_past_sums(t, h, window) for t in COUNT_TARGETS for h in horizons]
    summaries = [e for t in COUNT_TARGETS for h in horizons for e in _summaries(t, h)]
    return grid.with_columns(exprs).with_columns(samples).with_columns(summaries).drop("_row")


def _summaries(target: str, horizon: int) -> list[pl.Expr]:
    """Features from the past h-week counts (missing windows ignored): their mean, 90th
    percentile and maximum (intensity), and the share with a count (frequency, the
    conflictology share)."""
    past = pl.col(past_name(target, horizon))
    names = intensity_columns(target, horizon)
    exprs = [
        past.arr.mean(),
        past.arr.agg(pl.element().quantile(0.9, interpolation="linear")),
        past.arr.max(),
        past.arr.agg((pl.element() > 0).mean()),
    ]
    return [e.cast(pl.Float32).alias(n) for e, n in zip(exprs, names, strict=True)]


def derived_columns(horizons: Sequence[int]) -> list[str]:
    """Every column :func:`add_count_columns` adds, in order."""
    out: list[str] = []
    for target in COUNT_TARGETS:
        out += [*count_history_columns(target), onset_count_name(target)]
        for h in horizons:
            out += [label_name(target, h), recent_name(target, h), past_name(target, h)]
            out += intensity_columns(target, h)
    return out


def with_counts(
    ds: Dataset,
    events: pl.DataFrame,
    horizons: Sequence[int] | None = None,
    *,
    window: int = PAST_WINDOW,
    onset_weeks: int = DEFAULT_ONSET_WEEKS,
) -> Dataset:
    """The dataset with the count columns joined on district and week (row order kept).

    The grid runs from the earliest event week (or the frame's first week if later) to
    the dataset's ``last_week``, as ``build_dataset``'s, so history sees the past before
    the panel starts and labels end at the same week as the binary ones.
    """
    horizons = tuple(horizons or ds.horizons)
    districts = ds.frame["district_code"].unique().to_list()
    placed = events.filter(pl.col("district_code").is_in(districts))
    first = ds.frame["week"].min()
    if placed.height:
        first = min(first, placed.select(week_of("event_date").min()).item())
    grid = weekly_intensity(placed, districts, first, ds.last_week)
    derived = add_count_columns(grid, horizons, window=window, onset_weeks=onset_weeks)
    columns = derived_columns(horizons)
    frame = ds.frame.drop([c for c in columns if c in ds.frame.columns]).join(
        derived.select(*KEYS, *columns), on=list(KEYS), how="left", maintain_order="left"
    )
    return replace(ds, frame=frame)


def count_labels(ds: Dataset, target: str, horizon: int) -> pl.Series:
    """The count label of a dataset returned by :func:`with_counts` (null when unknown)."""
    if target not in COUNT_TARGETS:
        raise ValueError(f"unknown count target {target!r} (one of {', '.join(COUNT_TARGETS)})")
    return ds.frame[label_name(target, horizon)]
