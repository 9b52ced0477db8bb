"""What is served for a pair no model has earned: the logistic history baseline, labelled.

A (target, horizon) pair has a champion only once a model beats every baseline on the
backtest (training.tracking.gate). Until then a security team still needs the 1-, 4- and
12-week outlook, and the honest forecast is the best the service can back with evidence:
the logistic regression on the district's own history, the strongest baseline in every
backtest so far (docs/EVALUATION.md). Its rows carry ``model_version``
``risk-<target>-h<h>/baseline-logistic`` so no reader mistakes them for a promoted model.

It is :class:`training.baselines.HistoryForecaster`, the very estimator behind the
backtest's ``logistic`` column, fitted on every labelled row; scoring needs its named
features, ``predict_proba`` and exact per-feature log-odds contributions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from training.baselines import HistoryForecaster, history_forecaster, logistic_columns
from training.served import FALLBACK_LABEL, ScoringModel
from training.tracking import model_name


def fallback_version(target: str, horizon: int, cadence: str = "week") -> str:
    """``model_version`` of the rows the fallback writes."""
    return f"{model_name(target, horizon, cadence)}/{FALLBACK_LABEL}"


def fit_fallback(ds: Any, target: str, horizon: int) -> HistoryForecaster:
    """The fallback on every labelled row of a :class:`training.dataset.Dataset`."""
    labels = ds.labels(target, horizon)
    rows = labels.is_not_null().to_numpy()
    cadence = ds.cadence.name
    columns = logistic_columns(target, cadence)
    X = pd.DataFrame(ds.matrix(columns, rows), columns=columns)
    y = labels.filter(labels.is_not_null()).to_numpy()
    return history_forecaster(target, cadence=cadence).fit(X, y)


def fallbacks(ds: Any, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], ScoringModel]:
    """A labelled fallback ScoringModel for each pair given (the ones without champion)."""
    return {
        (target, horizon): ScoringModel(
            fit_fallback(ds, target, horizon),
            fallback_version(target, horizon, ds.cadence.name),
        )
        for target, horizon in pairs
    }
