"""What is served for a pair no model has earned: the logistic history baseline, labelled.

A (target, horizon) pair has a champion only once a model beats every baseline on the
backtest (training.tracking.gate). Until then a security team still needs the 1-, 4- and
12-week outlook, and the honest forecast is the best the service can back with evidence:
the logistic regression on the district's own history, the strongest baseline in every
backtest so far (docs/EVALUATION.md). Its rows carry ``model_version``
``risk-<target>-h<h>/baseline-logistic`` so no reader mistakes them for a promoted model.

:class:`HistoryForecaster` is the ``logistic`` baseline of training.baselines (the same
columns, log(1 + x), standardised, L2 logistic regression) with the interface scoring
needs: named features, ``predict_proba`` and exact per-feature log-odds contributions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from forecast.scoring import FALLBACK_LABEL, ScoringModel
from training.baselines import logistic_columns
from training.model import LogisticPrior
from training.tracking import model_name


def fallback_version(target: str, horizon: int) -> str:
    """``model_version`` of the rows the fallback writes."""
    return f"{model_name(target, horizon)}/{FALLBACK_LABEL}"


class HistoryForecaster(ClassifierMixin, BaseEstimator):
    """Logistic regression on the target's history columns, with exact contributions."""

    def __init__(self, target: str = "any", C: float = 1.0) -> None:
        self.target = target
        self.C = C

    def fit(self, X: pd.DataFrame, y: Any) -> HistoryForecaster:
        """``X`` holds (at least) :func:`training.baselines.logistic_columns` of the target."""
        columns = logistic_columns(self.target)
        X = validate_data(self, X[columns], ensure_all_finite="allow-nan", dtype=np.float64)
        y = np.asarray(y).astype(np.int8)
        self.classes_ = np.array([0, 1])
        self.constant_: float | None = None
        if np.unique(y).size < 2:
            self.constant_ = float((y.sum() + 0.5) / (len(y) + 1.0))
            return self
        self.prior_ = LogisticPrior(range(len(columns)), C=self.C).fit(X, y)
        return self

    def _validated(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "classes_")
        return validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)

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
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int8)


def fit_fallback(ds: Any, target: str, horizon: int) -> HistoryForecaster:
    """The fallback on every labelled row of a :class:`training.dataset.Dataset`."""
    labels = ds.labels(target, horizon)
    rows = labels.is_not_null().to_numpy()
    columns = logistic_columns(target)
    X = pd.DataFrame(ds.matrix(columns, rows), columns=columns)
    y = labels.filter(labels.is_not_null()).to_numpy()
    return HistoryForecaster(target=target).fit(X, y)


def fallbacks(ds: Any, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], ScoringModel]:
    """A labelled fallback ScoringModel for each pair given (the ones without champion)."""
    return {
        (target, horizon): ScoringModel(
            fit_fallback(ds, target, horizon), fallback_version(target, horizon)
        )
        for target, horizon in pairs
    }
