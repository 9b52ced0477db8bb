"""The baselines every count model is compared with, on the same rows.

Each predicts a whole distribution for the count over the next h weeks:

- ``zero``: the point mass at 0 ("nothing will happen"); its CRPS is the count itself.
- ``recent_mean``: Poisson around the count of the last h weeks (t-h+1 .. t), the
  persistence forecast of a rate.
- ``mean_52w``: Poisson around the 52-week count scaled to h weeks (h / 52 of it), the
  district's yearly rate.
- ``empirical``: the empirical distribution of the district's last 52 observed h-week
  counts (the windows ending at t, t-1, .., t-51, all fully observed at t): conflict
  history as in training.baselines' conflictology, but the whole distribution instead of
  the share of windows with an event. A row without any observed window (the grid's
  first weeks) is the point mass at 0.

Why Poisson around the two means, although fatalities are far more dispersed than a
Poisson law: the issue names these baselines as "the mean" forecasts, and a Poisson law
is the one fixed by its mean alone. A dispersion fitted on the training rows would make
them small models (the empirical baseline is the one that carries the district's spread).

The inputs are columns of the training frame (training.counts): nothing is learned, but
each is a small estimator with the count model's interface (``fit(frame, y)``,
``predict_distribution(frame)``, ``predict`` for the mean, ``predict_quantiles``,
``predict_interval``) so the backtest treats all forecasters alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from sklearn.base import BaseEstimator, RegressorMixin

from training.count_distributions import CountDistribution, Empirical, NegBinomial, PointMass
from training.count_metrics import central_interval
from training.counts import history_name, past_name, recent_name


class _CountBaseline(RegressorMixin, BaseEstimator):
    """Shared plumbing: which target and horizon, and the interface from the law."""

    def __init__(self, target: str = "events", horizon: int = 4) -> None:
        self.target = target
        self.horizon = horizon

    def fit(self, frame: pl.DataFrame, y: np.ndarray | None = None) -> _CountBaseline:
        self.fitted_ = True
        return self

    def predict_distribution(self, frame: pl.DataFrame) -> CountDistribution:
        raise NotImplementedError

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        return self.predict_distribution(frame).mean()

    def predict_quantiles(self, frame: pl.DataFrame, levels: Sequence[float]) -> np.ndarray:
        return self.predict_distribution(frame).quantile(levels)

    def predict_interval(
        self, frame: pl.DataFrame, coverage: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The nominal central interval (baselines are not recalibrated)."""
        return central_interval(self.predict_distribution(frame), coverage)

    def _column(self, frame: pl.DataFrame, name: str) -> np.ndarray:
        return frame[name].cast(pl.Float64).fill_null(0.0).to_numpy()


class Zero(_CountBaseline):
    def predict_distribution(self, frame: pl.DataFrame) -> PointMass:
        return PointMass(np.zeros(frame.height))


class RecentMean(_CountBaseline):
    def predict_distribution(self, frame: pl.DataFrame) -> NegBinomial:
        return NegBinomial(self._column(frame, recent_name(self.target, self.horizon)))


class Mean52(_CountBaseline):
    def predict_distribution(self, frame: pl.DataFrame) -> NegBinomial:
        yearly = self._column(frame, history_name(self.target, 52))
        return NegBinomial(yearly * self.horizon / 52.0)


class EmpiricalHistory(_CountBaseline):
    def predict_distribution(self, frame: pl.DataFrame) -> Empirical:
        return Empirical(frame[past_name(self.target, self.horizon)].to_numpy())


COUNT_BASELINES: dict[str, type[_CountBaseline]] = {
    "zero": Zero,
    "recent_mean": RecentMean,
    "mean_52w": Mean52,
    "empirical": EmpiricalHistory,
}
