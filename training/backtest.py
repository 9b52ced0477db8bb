"""Rolling-origin backtests of the model beside the baselines, on the same rows.

At each origin o (an issue week) the model and the baselines are fitted on the labelled
rows whose label window ends before o — ``week + h < o``, an embargo of h weeks so no
training label overlaps the test block — and predict the issue weeks o .. o+step-1
(within ``end``). Origins run from ``start`` to ``end`` every ``step`` weeks. Without a
``start``, the backtest covers the last ``default_years`` years of labelled weeks.

The default step is 52 weeks: every issue week of the window is predicted once whatever
the step, only the models' age differs (at most a year here, a week in service), and the
retraining job must backtest twelve models within its time budget.

Countries: folds are cut by issue week for every country at once (one origin, one
embargo), so no country's labels from after the origin reach a fold. The training rows
are every country's (pooled) or only the evaluated countries'; predictions and metrics
are the evaluated countries' rows (``countries``, by default the dataset's).

At monthly cadence every length above is in months (``forecast.core.cadence.MONTH``): origins
every 12 months over the last 3 years of labelled months, an embargo of h months, at least
24 training months; the predictions carry ``issue_month`` (the month's first day) where the
weekly ones carry ``issue_week``, and otherwise the same columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from forecast.core.cadence import WEEK, Cadence
from training.baselines import BASELINES, baselines_for, logistic_columns
from training.dataset import Dataset
from training.metrics import DEFAULT_TOP_K, METRICS, evaluate
from training.model import RiskClassifier

MODEL = "model"
SUBSETS = ("all", "onset")
PREDICTION_COLUMNS = (
    "district_code",
    "issue_week",
    "horizon",
    "target",
    "probability",
    "observed",
    *BASELINES,
)


@dataclass(frozen=True)
class Window:
    """Which issue periods a backtest predicts and how often it refits, in periods of
    ``cadence`` (the weekly defaults; :meth:`of` gives any cadence's)."""

    start: date | None = None
    end: date | None = None
    step: int = 52
    default_years: int = 3
    min_train_weeks: int = 104
    cadence: Cadence = WEEK

    @classmethod
    def of(
        cls,
        cadence: Cadence,
        *,
        start: date | None = None,
        end: date | None = None,
        step: int | None = None,
        default_years: int = 3,
        min_train: int | None = None,
    ) -> Window:
        """A window with the cadence's step and shortest training span unless given."""
        return cls(
            start=start,
            end=end,
            step=step or cadence.backtest_step,
            default_years=default_years,
            min_train_weeks=cadence.min_train_periods if min_train is None else min_train,
            cadence=cadence,
        )


def to_index(day: date, cadence: Cadence = WEEK) -> int:
    """Period index of the period holding ``day`` (see training.dataset.week_index)."""
    return cadence.index(day)


def to_week(index: int, cadence: Cadence = WEEK) -> date:
    """The first day of period ``index`` (a Monday at weekly cadence)."""
    return cadence.start(index)


def origins(
    week_idx: np.ndarray, labelled: np.ndarray, horizon: int, window: Window
) -> tuple[list[int], int]:
    """Origins (period indices) and the last issue period predicted."""
    if not labelled.any():
        return [], -1
    cadence = window.cadence
    last = int(week_idx[labelled].max())
    end = min(last, to_index(window.end, cadence)) if window.end else last
    earliest = int(week_idx.min()) + window.min_train_weeks + horizon
    span = cadence.periods_per_year * window.default_years
    start = to_index(window.start, cadence) if window.start else end - span + 1
    start = max(start, earliest)
    return list(range(start, end + 1, window.step)), end


def prediction_columns(cadence: Cadence = WEEK) -> tuple[str, ...]:
    """:data:`PREDICTION_COLUMNS` with the cadence's issue column (issue_month by month)."""
    return tuple(cadence.issue_column if c == "issue_week" else c for c in PREDICTION_COLUMNS)


def issue_column(predictions: pl.DataFrame) -> str:
    """The issue period's column of a predictions frame (issue_week or issue_month)."""
    return "issue_month" if "issue_month" in predictions.columns else "issue_week"


def fold_masks(
    week_idx: np.ndarray,
    labelled: np.ndarray,
    origin: int,
    step: int,
    horizon: int,
    end: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Training rows (label window ends before ``origin``) and the test block's rows."""
    train = labelled & (week_idx + horizon < origin)
    test = labelled & (week_idx >= origin) & (week_idx < origin + step) & (week_idx <= end)
    return train, test


@dataclass
class BacktestResult:
    target: str
    horizon: int
    predictions: pl.DataFrame
    folds: pl.DataFrame
    overall: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    cadence: Cadence = WEEK

    @property
    def issue_column(self) -> str:
        return self.cadence.issue_column

    @property
    def forecasters(self) -> list[str]:
        return [MODEL, *BASELINES]

    def metric(self, name: str, forecaster: str = MODEL, subset: str = "all") -> float:
        return self.overall.get(subset, {}).get(forecaster, {}).get(name, math.nan)


def make_model(
    params: dict[str, Any] | None, target: str, horizon: int, seed: int
) -> RiskClassifier:
    """The model for a target and horizon: its history prior, the embargo of h periods."""
    settings = {
        "random_state": seed,
        "prior_columns": tuple(logistic_columns(target)),
        **(params or {}),
        "embargo_weeks": horizon,
    }
    if settings["prior_columns"] is not None:
        settings["prior_columns"] = tuple(settings["prior_columns"])
    return RiskClassifier(**settings)


def cadence_params(
    params: dict[str, Any] | None, target: str, cadence: Cadence
) -> dict[str, Any] | None:
    """``params`` with what a cadence other than the week changes in the model: the prior's
    history columns (``hist_*_3m``) and the calibration block (12 months), unless set."""
    if cadence is WEEK:
        return params
    return {
        "prior_columns": tuple(logistic_columns(target, cadence)),
        "calibration_weeks": cadence.calibration_periods,
        **(params or {}),
    }


def _folds(
    ds: Dataset,
    target: str,
    horizon: int,
    window: Window,
    evaluated: np.ndarray,
    trained: np.ndarray,
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Origin, training and test rows of each fold; the window follows the evaluated rows."""
    if window.cadence != ds.cadence:
        raise ValueError(
            f"a {window.cadence.name}ly backtest window for a {ds.cadence.name}ly dataset"
        )
    labelled = ds.labels(target, horizon).is_not_null().to_numpy()
    starts, end = origins(ds.week_idx, labelled & evaluated, horizon, window)
    for origin in starts:
        train, test = fold_masks(ds.week_idx, labelled, origin, window.step, horizon, end)
        train, test = train & trained, test & evaluated
        if test.any() and train.any():
            yield origin, train, test


def backtest(
    ds: Dataset,
    target: str,
    horizon: int,
    *,
    params: dict[str, Any] | None = None,
    features: Sequence[str] | None = None,
    window: Window | None = None,
    seed: int = 0,
    k: int = DEFAULT_TOP_K,
    baselines: bool = True,
    countries: Sequence[str] | None = None,
    pool: bool = True,
) -> BacktestResult:
    """Out-of-sample predictions of the model (and baselines) for every fold, with metrics.

    ``countries`` (ISO3) are the rows predicted and scored, default the dataset's
    (``Dataset.countries``, every country when empty); ``pool=False`` also trains on
    those countries' rows only. Model and baselines always share the training rows.
    """
    window = window or Window.of(ds.cadence)
    cadence = ds.cadence
    params = cadence_params(params, target, cadence)
    columns = list(features or ds.features(target))
    X = ds.matrix(columns)
    y_all = ds.labels(target, horizon).fill_null(0).to_numpy().astype(np.int8)
    evaluated = ds.in_countries(countries)
    trained = np.ones_like(evaluated) if pool else evaluated
    blocks: list[pl.DataFrame] = []
    folds = _folds(ds, target, horizon, window, evaluated, trained)
    for fold, (origin, train, test) in enumerate(folds):
        model = make_model(params, target, horizon, seed)
        model.fit(_named(X[train], columns), y_all[train], week=ds.week_idx[train])
        train_frame = ds.frame.filter(pl.Series(train))
        test_frame = ds.frame.filter(pl.Series(test))
        block = {
            "district_code": test_frame["district_code"],
            cadence.issue_column: test_frame[ds.key],
            "probability": model.predict_proba(_named(X[test], columns))[:, 1],
            "observed": y_all[test],
            "onset": ds.onset(target)[test],
            "fold": fold,
            "origin": to_week(origin, cadence),
        }
        if baselines:
            for name, cls in baselines_for(cadence).items():
                base = cls(target=target, horizon=horizon).fit(train_frame, y_all[train])
                block[name] = base.predict_proba(test_frame)[:, 1]
        blocks.append(pl.DataFrame(block))
    predictions = _predictions_frame(blocks, target, horizon, baselines, cadence)
    result = BacktestResult(target, horizon, predictions, pl.DataFrame(), cadence=cadence)
    result.folds = fold_metrics(predictions, k)
    result.overall = overall_metrics(predictions, k)
    return result


def _named(X: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """A frame view of the matrix, so the model knows its feature names."""
    return pd.DataFrame(X, columns=columns, copy=False)


def _predictions_frame(
    blocks: list[pl.DataFrame],
    target: str,
    horizon: int,
    baselines: bool,
    cadence: Cadence = WEEK,
) -> pl.DataFrame:
    schema: dict[str, Any] = {
        "district_code": pl.Utf8,
        cadence.issue_column: pl.Date,
        "probability": pl.Float64,
        "observed": pl.Int8,
        "onset": pl.Boolean,
        "fold": pl.Int64,
        "origin": pl.Date,
    }
    if baselines:
        schema.update(dict.fromkeys(BASELINES, pl.Float64))
    frame = pl.concat(blocks) if blocks else pl.DataFrame(schema=schema)
    return frame.with_columns(
        pl.lit(horizon, pl.Int32).alias("horizon"), pl.lit(target).alias("target")
    ).select(
        *(c for c in prediction_columns(cadence) if baselines or c not in BASELINES),
        "onset",
        "fold",
        "origin",
    )


def forecasters_in(predictions: pl.DataFrame) -> list[str]:
    return ["probability", *[b for b in BASELINES if b in predictions.columns]]


def _metrics(rows: pl.DataFrame, k: int) -> dict[str, dict[str, float]]:
    y = rows["observed"].to_numpy()
    week = rows[issue_column(rows)].to_numpy()
    reference = (
        rows["climatology"].to_numpy()
        if "climatology" in rows.columns
        else np.full(rows.height, np.mean(y) if len(y) else math.nan)
    )
    return {
        (MODEL if col == "probability" else col): evaluate(
            y, rows[col].to_numpy(), reference, week, k
        )
        for col in forecasters_in(rows)
    }


def _subset(predictions: pl.DataFrame, subset: str) -> pl.DataFrame:
    return predictions if subset == "all" else predictions.filter(pl.col("onset"))


def overall_metrics(predictions: pl.DataFrame, k: int = DEFAULT_TOP_K) -> dict[str, Any]:
    """{subset: {forecaster: {metric: value}}} over every out-of-sample prediction."""
    return {subset: _metrics(_subset(predictions, subset), k) for subset in SUBSETS}


def fold_metrics(predictions: pl.DataFrame, k: int = DEFAULT_TOP_K) -> pl.DataFrame:
    """Long table: fold, origin, subset, forecaster, then one column per metric."""
    rows: list[dict[str, Any]] = []
    for (fold, origin), block in predictions.group_by("fold", "origin", maintain_order=True):
        for subset in SUBSETS:
            for name, values in _metrics(_subset(block, subset), k).items():
                rows.append(
                    {"fold": fold, "origin": origin, "subset": subset, "forecaster": name, **values}
                )
    return pl.DataFrame(rows) if rows else pl.DataFrame()


def comparison_table(results: Sequence[BacktestResult]) -> pl.DataFrame:
    """Target, horizon, subset and forecaster with the headline metrics, for printing."""
    rows = [
        {
            "target": r.target,
            "horizon": r.horizon,
            "subset": subset,
            "forecaster": name,
            **{key: values[key] for key in _HEADLINE},
        }
        for r in results
        for subset in SUBSETS
        for name, values in r.overall.get(subset, {}).items()
    ]
    return pl.DataFrame(rows)


_HEADLINE = ("rows", "positives", *METRICS)
