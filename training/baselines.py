"""The baselines every model is compared with, fitted and scored on the same rows.

- ``climatology``: the district's historical rate of the label in the training rows,
  shrunk toward the overall rate (``prior_weight`` pseudo-rows) so a district seen for a
  few weeks does not get 0 or 1.
- ``persistence``: whether the district had an event of the kind in the last h weeks
  (t-h+1 .. t). The indicator is turned into a probability by the training rate of the
  label in each of its two groups.
- ``conflictology`` (VIEWS' conflict-history baseline): the share of the last ``window``
  issue weeks whose h-week window (already fully observed at t) held an event, i.e. the
  empirical distribution of the district's recent past. Needs no fitting; (k + 0.5) /
  (n + 1) keeps it off 0 and 1.
- ``logistic``: a logistic regression on a few history features (log counts of target and
  any-violence events over 1/4/12/52 weeks, log weeks since the last event).

Each is a small estimator: parameters in ``__init__``, learned state with a trailing
underscore, ``fit(frame, y)`` and ``predict_proba(frame)`` on the polars frame of
:class:`training.dataset.Dataset` (which holds the inputs computed by
:func:`baseline_inputs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import polars as pl
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from forecast.core.cadence import WEEK, Cadence
from forecast.core.cadence import get as get_cadence
from training.history import history_columns, window_sum
from training.labels import label_name
from training.model import LogisticPrior, binary_labels

CONFLICTOLOGY_WINDOW = WEEK.conflictology_window


def persistence_name(target: str, horizon: int) -> str:
    return f"base_recent_{target}_h{horizon}"


def conflictology_name(target: str, horizon: int) -> str:
    return f"base_share_{target}_h{horizon}"


def baseline_inputs(
    grid: pl.DataFrame,
    targets: Sequence[str],
    horizons: Sequence[int],
    window: int = CONFLICTOLOGY_WINDOW,
) -> pl.DataFrame:
    """Add the persistence indicator and the conflictology share to a labelled grid.

    ``grid`` comes from :func:`training.labels.add_labels` (complete, sorted by district
    and week). At issue week t the windows of weeks s <= t-h are fully observed, so the
    share uses labels of s in t-h-window+1 .. t-h only.
    """
    index = pl.int_range(pl.len()).over("district_code")
    exprs: list[pl.Expr] = []
    for target in targets:
        for h in horizons:
            exprs.append(
                (window_sum(target, h) > 0).cast(pl.Int8).alias(persistence_name(target, h))
            )
            seen = window_sum(f"_filled_{target}_{h}", window, offset=h)
            available = (index - h + 1).clip(0, window)
            exprs.append(
                pl.when(available > 0)
                .then((seen + 0.5) / (available + 1.0))
                .otherwise(None)
                .cast(pl.Float64)
                .alias(conflictology_name(target, h))
            )
    filled = [
        pl.col(label_name(t, h)).fill_null(0).alias(f"_filled_{t}_{h}")
        for t in targets
        for h in horizons
    ]
    return (
        grid.with_columns(filled)
        .with_columns(exprs)
        .drop([f"_filled_{t}_{h}" for t in targets for h in horizons])
    )


def _two_columns(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    return np.column_stack([1.0 - p, p])


class _Baseline(ClassifierMixin, BaseEstimator):
    """Shared plumbing: which target and horizon the baseline forecasts."""

    def __init__(self, target: str = "any", horizon: int = 4) -> None:
        self.target = target
        self.horizon = horizon

    @staticmethod
    def _rate(y: np.ndarray) -> float:
        return float((np.sum(y) + 0.5) / (len(y) + 1.0))

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        return (self.predict_proba(frame)[:, 1] >= 0.5).astype(np.int8)


class Climatology(_Baseline):
    def __init__(self, target: str = "any", horizon: int = 4, prior_weight: float = 10.0) -> None:
        super().__init__(target, horizon)
        self.prior_weight = prior_weight

    def fit(self, frame: pl.DataFrame, y: np.ndarray) -> Climatology:
        y = np.asarray(y, dtype=np.float64)
        self.global_rate_ = self._rate(y)
        stats = (
            pl.DataFrame({"district_code": frame["district_code"], "y": y})
            .group_by("district_code")
            .agg(pl.col("y").sum().alias("pos"), pl.len().alias("n"))
            .with_columns(
                (
                    (pl.col("pos") + self.prior_weight * self.global_rate_)
                    / (pl.col("n") + self.prior_weight)
                ).alias("rate")
            )
        )
        self.rates_ = dict(zip(stats["district_code"], stats["rate"], strict=True))
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, frame: pl.DataFrame) -> np.ndarray:
        rates = frame["district_code"].replace_strict(
            self.rates_, default=self.global_rate_, return_dtype=pl.Float64
        )
        return _two_columns(rates.to_numpy())


class Persistence(_Baseline):
    def fit(self, frame: pl.DataFrame, y: np.ndarray) -> Persistence:
        y = np.asarray(y, dtype=np.float64)
        recent = frame[persistence_name(self.target, self.horizon)].to_numpy() > 0
        self.rate_recent_ = self._rate(y[recent])
        self.rate_quiet_ = self._rate(y[~recent])
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, frame: pl.DataFrame) -> np.ndarray:
        recent = frame[persistence_name(self.target, self.horizon)].to_numpy() > 0
        return _two_columns(np.where(recent, self.rate_recent_, self.rate_quiet_))


class Conflictology(_Baseline):
    def __init__(
        self, target: str = "any", horizon: int = 4, window: int = CONFLICTOLOGY_WINDOW
    ) -> None:
        super().__init__(target, horizon)
        self.window = window

    def fit(self, frame: pl.DataFrame, y: np.ndarray) -> Conflictology:
        # Nothing to learn but the fallback for the first weeks of the grid.
        self.global_rate_ = self._rate(np.asarray(y, dtype=np.float64))
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, frame: pl.DataFrame) -> np.ndarray:
        share = frame[conflictology_name(self.target, self.horizon)].fill_null(self.global_rate_)
        return _two_columns(share.to_numpy())


def logistic_columns(target: str, cadence: Cadence | str = WEEK) -> list[str]:
    """The logistic baseline's (and the model prior's) columns: the target's history, and
    for other targets than ``any`` two windows of all violence."""
    c = get_cadence(cadence)
    other = [] if target == "any" else [f"hist_any_{w}{c.suffix}" for w in c.logistic_other]
    return history_columns(target, c) + other


class HistoryForecaster(ClassifierMixin, BaseEstimator):
    """Logistic regression on the target's history columns, with exact contributions."""

    # The cadence of the history columns (a class constant, not a parameter: the weekly
    # estimator's parameters stay target and C; MonthlyHistoryForecaster reads months).
    cadence: ClassVar[str] = "week"

    def __init__(self, target: str = "any", C: float = 1.0) -> None:
        self.target = target
        self.C = C

    def _history(self, X: Any) -> Any:
        """The target's history columns when ``X`` is a frame holding them (the training
        frame); any other matrix is read as those columns already, in order."""
        columns = logistic_columns(self.target, self.cadence)
        if hasattr(X, "columns") and set(columns) <= {str(c) for c in X.columns}:
            return X[columns]
        return X

    def fit(self, X: Any, y: Any) -> HistoryForecaster:
        """``X`` holds (at least) :func:`training.baselines.logistic_columns` of the target."""
        X, y = validate_data(
            self, self._history(X), y, ensure_all_finite="allow-nan", dtype=np.float64
        )
        y = binary_labels(self, y)
        self.constant_: float | None = None
        if np.unique(y).size < 2:
            self.constant_ = float((y.sum() + 0.5) / (len(y) + 1.0))
            return self
        self.prior_ = LogisticPrior(range(X.shape[1]), C=self.C).fit(X, y)
        return self

    def _validated(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "classes_")
        return validate_data(
            self, self._history(X), reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )

    def contributions(self, X: Any) -> np.ndarray:
        """Per-feature log-odds terms plus the intercept last; rows sum to the logit of p."""
        X = self._validated(X)
        if self.constant_ is not None:
            out = np.zeros((X.shape[0], X.shape[1] + 1))
            out[:, -1] = np.log(self.constant_ / (1.0 - self.constant_))
            return out
        return self.prior_.contributions(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.contributions(X).sum(axis=1)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        positive = self.predict_proba(X)[:, 1] >= 0.5
        return self.classes_[positive.astype(np.int8)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # read as no events (training.model._log_counts)
        tags.classifier_tags.multi_class = False
        return tags


class MonthlyHistoryForecaster(HistoryForecaster):
    """:class:`HistoryForecaster` on the monthly history columns (``hist_<target>_3m``)."""

    cadence: ClassVar[str] = "month"


def history_forecaster(
    target: str = "any", C: float = 1.0, cadence: Cadence | str = WEEK
) -> HistoryForecaster:
    """The logistic history forecaster of a cadence."""
    if get_cadence(cadence) is WEEK:
        return HistoryForecaster(target, C)
    return MonthlyHistoryForecaster(target, C)


class HistoryLogit(_Baseline):
    """The logistic baseline on the training frame; :class:`HistoryForecaster` fits it."""

    cadence: ClassVar[str] = "week"

    def __init__(self, target: str = "any", horizon: int = 4, C: float = 1.0) -> None:
        super().__init__(target, horizon)
        self.C = C

    def _named(self, frame: pl.DataFrame) -> pd.DataFrame:
        columns = logistic_columns(self.target, self.cadence)
        return pd.DataFrame(frame.select(columns).to_numpy().astype(np.float64), columns=columns)

    def fit(self, frame: pl.DataFrame, y: np.ndarray) -> HistoryLogit:
        self.classes_ = np.array([0, 1])
        model = history_forecaster(self.target, self.C, self.cadence)
        self.model_ = model.fit(self._named(frame), y)
        return self

    def predict_proba(self, frame: pl.DataFrame) -> np.ndarray:
        return self.model_.predict_proba(self._named(frame))


class MonthlyHistoryLogit(HistoryLogit):
    """The logistic baseline at monthly cadence (monthly history columns)."""

    cadence: ClassVar[str] = "month"


BASELINES: dict[str, type[_Baseline]] = {
    "climatology": Climatology,
    "persistence": Persistence,
    "conflictology": Conflictology,
    "logistic": HistoryLogit,
}


def baselines_for(cadence: Cadence | str = WEEK) -> dict[str, type[_Baseline]]:
    """:data:`BASELINES` of a cadence: the same names and estimators, the logistic one on
    that cadence's history columns."""
    if get_cadence(cadence) is WEEK:
        return BASELINES
    return {**BASELINES, "logistic": MonthlyHistoryLogit}
