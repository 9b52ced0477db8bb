"""Scores for count forecasts, per row, so the champion gate can bootstrap any of them.

- :func:`crps`: the continuous ranked probability score of a predictive distribution
  (training.count_distributions) against the observed count. For integer-valued laws the
  CRPS integral is exactly the sum over the support of (F(k) - 1{y <= k})^2. The sum is
  taken up to K = max(y, the (1 - tol)-quantile); past K every term is (1 - F(k))^2 <=
  tol (1 - F(k)), so what is left out is at most tol * E[Y] (:func:`crps_tail_bound`).
  Rows are grouped by how far their support must go (training.count_distributions'
  ``support_buckets``): no Python loop over rows.
- :func:`crps_sample`: the same score for an empirical sample, in the energy form
  E|X - y| - E|X - X'| / 2 (exact; equal to the sum form for integer samples).
- :func:`pinball`: the pinball (quantile) loss averaged over quantile levels; twice its
  average over many evenly spread levels approaches the CRPS.
- :func:`squared_log_error`: (log1p(point) - log1p(y))^2, the MSE on log1p counts when
  averaged; the point forecast is the predictive mean (the ``expected`` column).
- :func:`covered` and :func:`width`: interval coverage (lower <= y <= upper) and width.

:func:`summary` turns the per-row scores into the metrics table's row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from training.count_distributions import CountDistribution, Empirical, support_buckets

DEFAULT_TOL = 1e-6
# Quantile levels of the averaged pinball loss: 5%, 10%, .., 95%.
PINBALL_LEVELS: tuple[float, ...] = tuple(np.round(np.arange(0.05, 0.96, 0.05), 2))
COVERAGES: tuple[float, ...] = (0.5, 0.8, 0.95)
# Metrics where a smaller value is better (coverage is judged against its nominal level).
LOWER_IS_BETTER = frozenset({"crps", "pinball", "mse_log1p"})


def crps(dist: CountDistribution, y: np.ndarray, *, tol: float = DEFAULT_TOL) -> np.ndarray:
    """Per-row CRPS of integer-valued predictive laws; exact up to :func:`crps_tail_bound`."""
    if isinstance(dist, Empirical):
        return crps_sample(dist.samples, y)
    y = np.asarray(y, dtype=np.float64)
    if len(y) != len(dist):
        raise ValueError(f"{len(y)} observations for {len(dist)} forecasts")
    upper = np.maximum(y, dist.quantile_bound([1.0 - tol])[:, 0])
    out = np.empty(len(y))
    for rows, K in support_buckets(upper):
        k = np.arange(K + 1)
        F = dist.take(rows).cdf(k)
        out[rows] = ((F - (k[None, :] >= y[rows, None])) ** 2).sum(axis=1)
    return out


def crps_tail_bound(dist: CountDistribution, tol: float = DEFAULT_TOL) -> np.ndarray:
    """Per row, an upper bound on what :func:`crps` leaves out past its support."""
    return tol * dist.mean()


def crps_sample(samples: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CRPS of each row's empirical sample (n x m, NaN = missing) in the energy form.

    With the observed values sorted, x_(1) <= .. <= x_(m),
    E|X - X'| = 2 / m^2 * sum_i (2i - m - 1) x_(i), so no m x m matrix is formed.
    """
    x = np.sort(np.asarray(samples, dtype=np.float64), axis=1)  # NaN last
    y = np.asarray(y, dtype=np.float64)
    present = ~np.isnan(x)
    m = present.sum(axis=1)
    if (m == 0).any():
        raise ValueError("a row has an empty sample")
    filled = np.where(present, x, 0.0)
    to_y = (np.abs(filled - y[:, None]) * present).sum(axis=1) / m
    i = np.arange(1, x.shape[1] + 1)[None, :]
    spread = 2.0 * ((2 * i - m[:, None] - 1) * filled * present).sum(axis=1) / m**2
    return to_y - 0.5 * spread


def pinball(
    y: np.ndarray, quantiles: np.ndarray, levels: Sequence[float] = PINBALL_LEVELS
) -> np.ndarray:
    """Per-row pinball loss averaged over ``levels`` (``quantiles``: n x len(levels))."""
    tau = np.asarray(levels, dtype=np.float64)[None, :]
    diff = np.asarray(y, dtype=np.float64)[:, None] - np.asarray(quantiles, dtype=np.float64)
    return np.maximum(tau * diff, (tau - 1.0) * diff).mean(axis=1)


def squared_log_error(y: np.ndarray, point: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    return (np.log1p(np.clip(np.asarray(point, np.float64), 0, None)) - np.log1p(y)) ** 2


def covered(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    return ((np.asarray(lower) <= y) & (y <= np.asarray(upper))).astype(np.float64)


def width(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return np.asarray(upper, np.float64) - np.asarray(lower, np.float64)


def central_interval(dist: CountDistribution, coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """The nominal central interval: the (1 -/+ coverage) / 2 quantiles."""
    q = dist.quantile([(1.0 - coverage) / 2.0, (1.0 + coverage) / 2.0])
    return q[:, 0], q[:, 1]


def row_scores(
    dist: CountDistribution,
    y: np.ndarray,
    intervals: Mapping[float, tuple[np.ndarray, np.ndarray]],
    *,
    tol: float = DEFAULT_TOL,
) -> dict[str, np.ndarray]:
    """Every per-row score of one forecaster: crps, pinball, mse_log1p, cover/width."""
    out = {
        "crps": crps(dist, y, tol=tol),
        "pinball": pinball(y, dist.quantile(PINBALL_LEVELS)),
        "mse_log1p": squared_log_error(y, dist.mean()),
    }
    for coverage, (lower, upper) in intervals.items():
        key = _percent(coverage)
        out[f"cover{key}"] = covered(y, lower, upper)
        out[f"width{key}"] = width(lower, upper)
    return out


def _percent(coverage: float) -> str:
    return str(round(coverage * 100))


def summary(scores: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Means of the per-row scores (coverage as a share), with the row count."""
    n = len(next(iter(scores.values()))) if scores else 0
    out = {name: float(np.mean(v)) if n else math.nan for name, v in scores.items()}
    out["rows"] = float(n)
    return out
