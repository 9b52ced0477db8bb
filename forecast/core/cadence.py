"""The forecast period: the ISO week (the service's default) or the calendar month.

One object says everything that depends on the period, so features, training, scoring, the
API and the bulletin never test ``cadence == "month"`` for a number: how a date is truncated
to its period, the integer index of a period and back, the window suffix of feature names
(``_4w`` / ``_3m``), the words, and the defaults that are a length of time (horizons, the
onset and conflict-history windows, the calibration block, the backtest's step and its
shortest training window).

Indices count periods from an epoch: weeks from Monday 1970-01-05 (``features.weeks``,
``training.dataset.week_index``), months from January 1970. Consecutive periods have
consecutive indices, so windows are array slices and "h periods later" is ``index + h``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import polars as pl

from forecast.core import vocab

CadenceName = Literal["week", "month"]
_EPOCH_MONDAY = date(1970, 1, 5)
_EPOCH_OFFSET_DAYS = 4  # 1970-01-05 is day 4 of the Unix epoch


@dataclass(frozen=True)
class Cadence:
    """A forecast period and the defaults measured in it (see the module docstring)."""

    name: CadenceName
    unit: str  # "week" / "month": one period in words
    suffix: str  # window suffix of feature and history names: events_pv_4w, hist_any_3m
    horizons: tuple[int, ...]  # default forecast horizons
    onset_window: int  # no event this many periods up to t makes an onset row
    conflictology_window: int  # issue periods the conflict-history baseline looks back
    calibration_periods: int  # latest training periods held out to calibrate the model
    backtest_step: int  # periods between backtest origins (refits)
    min_train_periods: int  # shortest training window before a backtest's first origin
    periods_per_year: int  # a backtest's default_years in periods
    history_windows: tuple[int, ...]  # training's hist_<target>_<w> windows
    logistic_other: tuple[int, ...]  # hist_any windows the logistic prior adds for other targets
    min_gate_block: int  # shortest bootstrap block of the champion gate, in issue periods
    bulletin_horizon: int  # the horizon of the bulletin's map and lists
    targets: tuple[str, ...]  # the targets this cadence can label

    def __reduce__(self) -> tuple[object, tuple[str]]:
        # Unpickled (in a joblib worker, say) as the module's own WEEK or MONTH, so the
        # code's ``cadence is WEEK`` tests hold in every process.
        return (get, (self.name,))

    @property
    def units(self) -> str:
        return f"{self.unit}s"

    @property
    def key(self) -> str:
        """The period column of the panel and the training frame ("week" / "month")."""
        return self.name

    @property
    def issue_column(self) -> str:
        """The issue period's column in backtest predictions and API answers."""
        return f"issue_{self.name}"

    @property
    def panel_table(self) -> str:
        """The store table holding this cadence's feature panel."""
        return "panel" if self.name == "week" else "panel_month"

    # -- one date ----------------------------------------------------------------------

    def truncate(self, day: date) -> date:
        """The first day of the period holding ``day`` (Monday, or the 1st)."""
        if self.name == "week":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1)

    def index(self, day: date) -> int:
        """The integer index of the period holding ``day``."""
        if self.name == "week":
            return (day - _EPOCH_MONDAY).days // 7
        return (day.year - 1970) * 12 + day.month - 1

    def start(self, index: int) -> date:
        """The first day of period number ``index``."""
        if self.name == "week":
            return _EPOCH_MONDAY + timedelta(weeks=int(index))
        year, month = divmod(int(index), 12)
        return date(1970 + year, month + 1, 1)

    def shift(self, day: date, periods: int) -> date:
        """The first day of the period ``periods`` after the one holding ``day``."""
        return self.start(self.index(day) + periods)

    def last_day(self, day: date) -> date:
        """The last day of the period holding ``day``."""
        return self.shift(day, 1) - timedelta(days=1)

    def label(self, day: date) -> str:
        """ "2025-W23" / "2025-06": the period as people name it (and bulletin folders)."""
        if self.name == "week":
            year, number, _ = day.isocalendar()
            return f"{year}-W{number:02d}"
        return f"{day.year}-{day.month:02d}"

    def window_label(self, periods: int) -> str:
        """ "this week", "4 weeks", "this month", "3 months": the catalogue's window words."""
        return f"this {self.unit}" if periods == 1 else f"{periods} {self.units}"

    # -- columns -----------------------------------------------------------------------

    def truncate_expr(self, expr: pl.Expr) -> pl.Expr:
        """First day of the period of a Date expression."""
        return expr.dt.truncate("1w" if self.name == "week" else "1mo")

    def index_expr(self, expr: pl.Expr) -> pl.Expr:
        """Period index of a Date expression (null stays null)."""
        if self.name == "week":
            return (expr.cast(pl.Int32) - _EPOCH_OFFSET_DAYS) // 7
        return (expr.dt.year().cast(pl.Int32) - 1970) * 12 + expr.dt.month().cast(pl.Int32) - 1

    def index_of(self, column: str) -> pl.Expr:
        """Period index of a Date column by name (``features.context.prepare_sites``)."""
        return self.index_expr(pl.col(column))

    def indices(self, days: pl.Series) -> np.ndarray:
        """Period indices (int64) of a Date series."""
        return (
            days.to_frame("d").select(self.index_expr(pl.col("d")))["d"].to_numpy().astype(np.int64)
        )

    def starts(self, indices: np.ndarray, name: str | None = None) -> pl.Series:
        """The first days of period indices as a Date series (named after the cadence)."""
        idx = np.asarray(indices, dtype=np.int64)
        if self.name == "week":
            days = idx * 7 + _EPOCH_OFFSET_DAYS
        else:
            days = idx.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        return pl.Series(name or self.key, days.astype(np.int32), dtype=pl.Int32).cast(pl.Date)

    def date_range(self, first: date, last: date) -> pl.Series:
        """Every period's first day from ``first``'s period to ``last``'s, named by the key."""
        return self.starts(np.arange(self.index(first), self.index(last) + 1))


WEEK = Cadence(
    name="week",
    unit="week",
    suffix="w",
    horizons=(1, 4, 12),
    onset_window=52,
    conflictology_window=52,
    calibration_periods=52,
    backtest_step=52,
    min_train_periods=104,
    periods_per_year=52,
    history_windows=(1, 4, 12, 52),
    logistic_other=(4, 52),
    min_gate_block=4,
    bulletin_horizon=4,
    targets=tuple(vocab.TARGETS),
)
MONTH = Cadence(
    name="month",
    unit="month",
    suffix="m",
    horizons=(1, 3, 6),
    onset_window=12,
    conflictology_window=12,
    calibration_periods=12,
    backtest_step=12,
    min_train_periods=24,
    periods_per_year=12,
    history_windows=(1, 3, 6, 12),
    logistic_other=(3, 12),
    # A quarter: shorter blocks would cut the seasonal runs that move every district
    # together (the rainy season), as 4 weeks does for the weekly gate; and never shorter
    # than the horizon, whose labels overlap for h-1 months.
    min_gate_block=3,
    bulletin_horizon=3,
    # Counts say how many political-violence events and deaths, not of which type.
    targets=("any", "fatal"),
)
CADENCES: dict[str, Cadence] = {"week": WEEK, "month": MONTH}


def check_targets(cadence: Cadence, targets: Sequence[str]) -> None:
    """Raise ValueError (one line) for targets the cadence cannot label."""
    refused = [t for t in targets if t not in cadence.targets]
    if refused:
        raise ValueError(
            f"at {cadence.name}ly cadence the targets are {' and '.join(cadence.targets)} "
            f"(counts have no event types): {', '.join(refused)} refused"
        )


def get(cadence: Cadence | str | None) -> Cadence:
    """The Cadence of a name ("week", "month"); a Cadence passes through; None is weekly."""
    if cadence is None:
        return WEEK
    if isinstance(cadence, Cadence):
        return cadence
    try:
        return CADENCES[str(cadence).strip().lower()]
    except KeyError:
        raise ValueError(f"unknown cadence {cadence!r}: use week or month") from None
