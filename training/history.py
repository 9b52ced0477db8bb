"""Target counts per district and period, and history features from them.

Everything in ``training`` that looks at the past (labels, onset flags, the baselines and a
few target-specific history features given to the model) is computed here from the
``events`` table (weekly) or from the monthly counts (``features.monthly_counts``: events
inside their span, the ``counts`` table elsewhere), so it does not depend on the names the
feature panel gives its columns.

A week is the ISO week, keyed by its Monday; a month is keyed by its first day. The grid is
complete: every district has every period from the grid's first to its last, with zero
counts where nothing happened, so window sums are differences of cumulative sums. Monthly
grids have two targets: ``any`` (political-violence events) and ``fatal`` (their deaths, so
``fatal > 0`` is a month with deaths and ``hist_fatal_*`` sum deaths).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import polars as pl

from forecast.core import vocab
from forecast.core.cadence import MONTH, WEEK, Cadence
from forecast.core.targets import target_expressions

TARGETS: tuple[str, ...] = tuple(vocab.TARGETS)

# History windows (weeks) summed for the model and the logistic baseline (the weekly
# cadence's; forecast.core.cadence.MONTH has its own in months).
HISTORY_WINDOWS: tuple[int, ...] = WEEK.history_windows
# "Periods since the last event" when there is none in the grid: ten years of weeks. The
# monthly grid uses the same value, a "never" far beyond its 30 years of months, which the
# driver sentences (forecast.explain.SINCE_NEVER) read as "none on record".
SINCE_CAP = 520


def week_of(column: str | pl.Expr) -> pl.Expr:
    """The Monday of the ISO week holding each date."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.dt.truncate("1w")


def week_range(first: date, last: date) -> pl.Series:
    return pl.date_range(first, last, interval="1w", eager=True).alias("week")


def weekly_counts(
    events: pl.DataFrame,
    districts: Iterable[str],
    first_week: date,
    last_week: date,
) -> pl.DataFrame:
    """One row per district per week in [first_week, last_week] with a count per target.

    Events without a district, outside the listed districts or outside the weeks are
    ignored. Rows are sorted by district then week, which the window functions rely on.
    """
    codes = pl.Series("district_code", sorted(set(districts)), dtype=pl.Utf8)
    weeks = week_range(first_week, last_week)
    grid = codes.to_frame().join(weeks.to_frame(), how="cross")
    flags = target_expressions()
    counted = (
        events.lazy()
        .filter(pl.col("district_code").is_not_null())
        .with_columns(week_of("event_date").alias("week"))
        .filter(pl.col("week").is_between(first_week, last_week))
        .group_by("district_code", "week")
        .agg([expr.cast(pl.Int32).sum().alias(name) for name, expr in flags.items()])
        .collect()
    )
    return (
        grid.join(counted, on=["district_code", "week"], how="left")
        .with_columns(pl.col(name).fill_null(0).cast(pl.Int32) for name in flags)
        .sort("district_code", "week")
    )


def monthly_grid(
    monthly: pl.DataFrame, districts: Iterable[str], first_month: date, last_month: date
) -> pl.DataFrame:
    """One row per district per month in [first_month, last_month] with ``any`` (political-
    violence events) and ``fatal`` (their deaths) from ``features.monthly_counts``' table.

    Sorted by district then month, as :func:`weekly_counts`; months without a row are 0.
    """
    codes = pl.Series("district_code", sorted(set(districts)), dtype=pl.Utf8)
    grid = codes.to_frame().join(MONTH.date_range(first_month, last_month).to_frame(), how="cross")
    counted = monthly.select(
        "district_code",
        "month",
        pl.col("events").cast(pl.Int32).alias("any"),
        pl.col("fatalities").cast(pl.Int32).alias("fatal"),
    )
    return (
        grid.join(counted, on=["district_code", "month"], how="left")
        .with_columns(pl.col(name).fill_null(0).cast(pl.Int32) for name in MONTH.targets)
        .sort("district_code", "month")
    )


def window_sum(column: str, weeks: int, offset: int = 0) -> pl.Expr:
    """Sum of ``column`` over weeks t-offset-weeks+1 .. t-offset, per district.

    Weeks before the grid start count as zero. ``offset`` > 0 looks further back.
    """
    cum = pl.col(column).cum_sum().over("district_code")
    upper = cum.shift(offset).over("district_code").fill_null(0) if offset else cum
    lower = cum.shift(offset + weeks).over("district_code").fill_null(0)
    return upper - lower


def forward_sum(column: str, weeks: int) -> pl.Expr:
    """Sum of ``column`` over weeks t+1 .. t+weeks, null where that runs past the grid."""
    cum = pl.col(column).cum_sum().over("district_code")
    return cum.shift(-weeks).over("district_code") - cum


def weeks_since_last(column: str) -> pl.Expr:
    """Weeks since the latest week (up to and including t) with a count, capped."""
    index = pl.int_range(pl.len()).over("district_code")
    last = pl.when(pl.col(column) > 0).then(index).forward_fill().over("district_code")
    return (index - last).fill_null(SINCE_CAP).clip(upper_bound=SINCE_CAP)


def history_columns(target: str, cadence: Cadence = WEEK) -> list[str]:
    """Names of the history features :func:`history_features` makes for one target."""
    windows = [f"hist_{target}_{w}{cadence.suffix}" for w in cadence.history_windows]
    return [*windows, f"hist_{target}_since"]


def history_features(
    counts: pl.DataFrame, targets: Sequence[str] = TARGETS, cadence: Cadence = WEEK
) -> pl.DataFrame:
    """Per district and period: target events in the cadence's history windows (1/4/12/52
    weeks, 1/3/6/12 months) and periods since the last one.

    Uses periods up to and including t only. Keeps ``district_code`` and the period key.
    """
    exprs: list[pl.Expr] = []
    for target in targets:
        names = history_columns(target, cadence)
        exprs += [
            window_sum(target, w).cast(pl.Float32).alias(name)
            for w, name in zip(cadence.history_windows, names, strict=False)
        ]
        exprs.append(weeks_since_last(target).cast(pl.Float32).alias(names[-1]))
    return counts.select("district_code", cadence.key, *exprs)
