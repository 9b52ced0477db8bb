"""Forecast metrics, robust to folds with a single class.

All take the observed labels ``y`` (0/1) and the probabilities ``p``; metrics undefined
on the rows given (ROC AUC with one class, average precision without positives) are NaN
rather than an error, so an early fold of a rare target does not stop a backtest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import polars as pl
from sklearn.metrics import average_precision_score, roc_auc_score

# Probabilities are clipped this far from 0 and 1 for the log loss.
EPS = 1e-6
N_BINS = 10
DEFAULT_TOP_K = 5
# Metrics where a smaller value is better; the champion gate needs the direction.
LOWER_IS_BETTER = frozenset({"brier", "log_loss", "ece"})
METRICS = (
    "brier",
    "brier_skill",
    "log_loss",
    "roc_auc",
    "average_precision",
    "top_k_precision",
    "ece",
)


def brier(y: np.ndarray, p: np.ndarray) -> float:
    if len(y) == 0:
        return math.nan
    return float(np.mean((np.asarray(p, float) - np.asarray(y, float)) ** 2))


def brier_skill(y: np.ndarray, p: np.ndarray, reference: np.ndarray) -> float:
    """1 - Brier(p) / Brier(reference): above 0 when ``p`` beats the reference forecast."""
    ref = brier(y, reference)
    if not ref or math.isnan(ref):
        return math.nan
    return 1.0 - brier(y, p) / ref


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    if len(y) == 0:
        return math.nan
    p = np.clip(np.asarray(p, float), EPS, 1.0 - EPS)
    y = np.asarray(y, float)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    if np.unique(y).size < 2:
        return math.nan
    return float(roc_auc_score(y, p))


def average_precision(y: np.ndarray, p: np.ndarray) -> float:
    if np.sum(y) == 0:
        return math.nan
    return float(average_precision_score(y, p))


def top_k_precision(
    y: np.ndarray, p: np.ndarray, week: np.ndarray, k: int = DEFAULT_TOP_K
) -> float:
    """Share of events among the k highest-risk districts of each week, averaged over weeks.

    Ties at the k-th place are broken by row order; weeks with fewer than k rows use all.
    """
    if len(y) == 0:
        return math.nan
    frame = pl.DataFrame({"week": week, "y": np.asarray(y, float), "p": np.asarray(p, float)})
    per_week = (
        frame.with_row_index("order")
        .sort("week", "p", "order", descending=[False, True, False])
        .group_by("week", maintain_order=True)
        .agg(pl.col("y").head(k).mean())
    )
    return float(per_week["y"].mean())


def _bins(p: np.ndarray, n_bins: int) -> np.ndarray:
    return np.minimum((np.asarray(p, float) * n_bins).astype(int), n_bins - 1)


def reliability_table(y: np.ndarray, p: np.ndarray, n_bins: int = N_BINS) -> pl.DataFrame:
    """Equal-width probability bins: rows, mean forecast and observed rate per non-empty bin."""
    bins = _bins(p, n_bins)
    return (
        pl.DataFrame({"bin": bins, "p": np.asarray(p, float), "y": np.asarray(y, float)})
        .group_by("bin")
        .agg(
            pl.len().alias("rows"),
            pl.col("p").mean().alias("mean_forecast"),
            pl.col("y").mean().alias("observed_rate"),
        )
        .with_columns(
            (pl.col("bin") / n_bins).alias("lower"), ((pl.col("bin") + 1) / n_bins).alias("upper")
        )
        .sort("bin")
        .select("lower", "upper", "rows", "mean_forecast", "observed_rate")
    )


def ece(y: np.ndarray, p: np.ndarray, n_bins: int = N_BINS) -> float:
    """Expected calibration error: row-weighted mean |observed - forecast| over the bins."""
    if len(y) == 0:
        return math.nan
    table = reliability_table(y, p, n_bins)
    gaps = (table["observed_rate"] - table["mean_forecast"]).abs() * table["rows"]
    return float(gaps.sum() / len(y))


def evaluate(
    y: np.ndarray,
    p: np.ndarray,
    reference: np.ndarray,
    week: np.ndarray,
    k: int = DEFAULT_TOP_K,
) -> dict[str, float]:
    """Every metric of :data:`METRICS`; ``reference`` is the climatology forecast."""
    y = np.asarray(y, float)
    return {
        "brier": brier(y, p),
        "brier_skill": brier_skill(y, p, reference),
        "log_loss": log_loss(y, p),
        "roc_auc": roc_auc(y, p),
        "average_precision": average_precision(y, p),
        "top_k_precision": top_k_precision(y, p, week, k),
        "ece": ece(y, p),
        "rows": float(len(y)),
        "positives": float(y.sum()),
    }


def better(metric: str, a: float, b: float, *, or_equal: bool = False) -> bool:
    """Whether value ``a`` is better than ``b`` on ``metric`` (NaN is never better)."""
    if math.isnan(a):
        return False
    if math.isnan(b):
        return True
    if metric in LOWER_IS_BETTER:
        return a <= b if or_equal else a < b
    return a >= b if or_equal else a > b


def summarise(results: Mapping[str, Mapping[str, float]], metric: str) -> str:
    """One line: each forecaster's value of ``metric``."""
    return ", ".join(f"{name} {values[metric]:.4f}" for name, values in results.items())
