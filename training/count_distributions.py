"""Predictive distributions for counts, one per row, vectorised over rows.

Every forecaster of a count target (the model and its baselines) returns one of these.
They share a small interface, which is all the metrics (training.count_metrics) and the
interval code need:

- ``len(dist)`` rows; ``dist.take(rows)`` the same distribution on a subset of rows;
- ``dist.mean()``: the expected count per row;
- ``dist.cdf(k)``: P(Y <= k) for the integer support points ``k`` (shape (K,)), one row
  per forecast: shape (n, K);
- ``dist.quantile(levels)``: for each row and level tau the smallest integer k with
  P(Y <= k) >= tau (the usual lower quantile of a discrete law), shape (n, L).

Kinds: :class:`NegBinomial` (mean and size per row; an infinite size is the Poisson),
:class:`PointMass`, :class:`Empirical` (a sample per row, NaN-padded), :class:`Hurdle`
(P(Y > 0) and a law for Y - 1 given Y > 0) and :class:`Mixture`. Quantiles of the last two
have no closed form; they are found on the CDF (:func:`quantile_by_search`), with
``quantile_bound`` an upper bound for where to look.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np
from scipy import stats

# Memory bound for CDF matrices: rows x support points computed at once.
CELLS = 4_000_000
# Quantiles are searched for up to this count; beyond, the bound is returned.
MAX_SUPPORT = 1 << 17
# Floating-point slack when comparing a CDF with a level.
LEVEL_SLACK = 1e-10
# Above this many levels a quantile search on the CDF beats scipy's ppf per level.
MANY_LEVELS = 8


class CountDistribution(Protocol):
    def __len__(self) -> int: ...
    def take(self, rows: np.ndarray) -> CountDistribution: ...
    def mean(self) -> np.ndarray: ...
    def cdf(self, k: np.ndarray) -> np.ndarray: ...
    def quantile(self, levels: Sequence[float]) -> np.ndarray: ...
    def quantile_bound(self, levels: Sequence[float]) -> np.ndarray: ...


def _levels(levels: Sequence[float] | float) -> np.ndarray:
    out = np.atleast_1d(np.asarray(levels, dtype=np.float64))
    if ((out < 0) | (out > 1)).any():
        raise ValueError(f"quantile levels must be in [0, 1], got {out}")
    return out


def support_buckets(upper: np.ndarray) -> Iterator[tuple[np.ndarray, int]]:
    """Row groups sharing a support 0..K (K a power of two >= each row's ``upper``),
    chunked so no CDF matrix holds more than :data:`CELLS` values."""
    upper = np.clip(np.nan_to_num(np.asarray(upper, np.float64), nan=0.0), 0, MAX_SUPPORT)
    exponent = np.ceil(np.log2(np.maximum(upper, 1.0) + 1.0)).astype(int)
    for e in np.unique(exponent):
        rows = np.flatnonzero(exponent == e)
        K = (1 << int(e)) - 1
        size = max(1, CELLS // (K + 1))
        for i in range(0, len(rows), size):
            yield rows[i : i + size], K


def first_reaching(F: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Per row of the CDF matrix ``F`` (n x K) and level, the first k with F(k) >= tau;
    K where the row never reaches it.

    One binary search over the flattened rows: F is in [0, 1], so offsetting row i by 2i
    keeps the flattened matrix sorted.
    """
    n, K = F.shape
    offset = 2.0 * np.arange(n)[:, None]
    flat = (np.clip(F, 0.0, 1.0) + offset).ravel()
    wanted = (np.asarray(tau, np.float64)[None, :] - LEVEL_SLACK + offset).ravel()
    found = np.searchsorted(flat, wanted, side="left").reshape(n, -1)
    return found - (np.arange(n) * K)[:, None]


def quantile_by_search(dist: CountDistribution, levels: Sequence[float]) -> np.ndarray:
    """Smallest k with F(k) >= tau, found on the CDF up to ``dist.quantile_bound``."""
    tau = _levels(levels)
    bound = dist.quantile_bound([tau.max()])[:, 0]
    out = np.empty((len(dist), len(tau)), dtype=np.int64)
    for rows, K in support_buckets(bound):
        found = first_reaching(dist.take(rows).cdf(np.arange(K + 1)), tau)
        out[rows] = np.minimum(found, bound[rows, None])
    return out


class NegBinomial:
    """Negative binomial with mean ``mu`` and size ``size`` (var = mu + mu^2 / size).

    ``size`` = inf is the Poisson law; mu = 0 is the point mass at zero.
    """

    def __init__(self, mu: np.ndarray, size: np.ndarray | float = np.inf) -> None:
        self.mu = np.clip(np.asarray(mu, dtype=np.float64), 0.0, None)
        self.size = np.broadcast_to(np.asarray(size, dtype=np.float64), self.mu.shape).copy()

    def __len__(self) -> int:
        return len(self.mu)

    def take(self, rows: np.ndarray) -> NegBinomial:
        return NegBinomial(self.mu[rows], self.size[rows])

    def mean(self) -> np.ndarray:
        return self.mu.copy()

    def variance(self) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return self.mu + np.where(np.isfinite(self.size), self.mu**2 / self.size, 0.0)

    def _split(self) -> tuple[np.ndarray, np.ndarray]:
        poisson = ~np.isfinite(self.size)
        return poisson, ~poisson

    def cdf(self, k: np.ndarray) -> np.ndarray:
        """On 0..max(k) by the pmf's recursion in logs, then read at ``k``.

        pmf(k+1) / pmf(k) is (k + size) / (k + 1) * mu / (mu + size) (mu / (k + 1) for the
        Poisson): a cumulative sum of logs, an exp and a cumulative sum, some fifteen times
        faster than scipy's regularised beta function on the same matrix.
        """
        k = np.asarray(k, dtype=np.int64)
        support = np.arange(int(k.max(initial=0)) + 1, dtype=np.float64)[None, :-1]
        mu = np.maximum(self.mu, 1e-12)[:, None]
        r = self.size[:, None]
        finite = np.isfinite(r)
        r_ = np.where(finite, r, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            nb_step = np.log(support + r_) - np.log1p(support) + np.log(mu / (mu + r_))
            poisson_step = np.log(mu) - np.log1p(support)
            nb_first = -r_ * np.log1p(mu / r_)
        steps = np.where(finite, nb_step, poisson_step)
        first = np.where(finite, nb_first, -mu)
        log_pmf = np.concatenate([first, first + np.cumsum(steps, axis=1)], axis=1)
        F = np.minimum(np.cumsum(np.exp(log_pmf), axis=1), 1.0)
        return np.where(k[None, :] >= 0, F[:, np.maximum(k, 0)], 0.0)

    def quantile(self, levels: Sequence[float]) -> np.ndarray:
        if len(np.atleast_1d(levels)) > MANY_LEVELS:
            return quantile_by_search(self, levels)
        return self.quantile_bound(levels)

    def quantile_bound(self, levels: Sequence[float]) -> np.ndarray:
        """The exact quantiles by scipy's ppf (fast for a few levels)."""
        tau = _levels(levels)[None, :]
        out = np.empty((len(self), tau.shape[1]))
        poisson, nb = self._split()
        out[poisson] = stats.poisson.ppf(tau, self.mu[poisson, None])
        r = self.size[nb, None]
        out[nb] = stats.nbinom.ppf(tau, r, r / (r + self.mu[nb, None]))
        # ppf(1) is inf for unbounded laws: cap it where callers can still compute.
        return np.nan_to_num(out, nan=0.0, posinf=MAX_SUPPORT).astype(np.int64)


class PointMass:
    """All the probability on one count per row."""

    def __init__(self, value: np.ndarray) -> None:
        self.value = np.asarray(value, dtype=np.float64)

    def __len__(self) -> int:
        return len(self.value)

    def take(self, rows: np.ndarray) -> PointMass:
        return PointMass(self.value[rows])

    def mean(self) -> np.ndarray:
        return self.value.copy()

    def cdf(self, k: np.ndarray) -> np.ndarray:
        return (np.asarray(k, np.float64)[None, :] >= self.value[:, None]).astype(np.float64)

    def quantile(self, levels: Sequence[float]) -> np.ndarray:
        tau = _levels(levels)
        return np.repeat(np.ceil(self.value)[:, None], len(tau), axis=1).astype(np.int64)

    quantile_bound = quantile


class Empirical:
    """The empirical law of a sample per row (``samples``: n x m, NaN = missing).

    A row with no observed value is the point mass at ``fallback`` (zero by default).
    """

    def __init__(self, samples: np.ndarray, fallback: float = 0.0) -> None:
        samples = np.asarray(samples, dtype=np.float64).copy()
        empty = np.isnan(samples).all(axis=1)
        samples[empty, 0] = fallback
        # Sorted once: NaN last, so each row's observed values come first.
        self.samples = np.sort(samples, axis=1)
        self.counts = (~np.isnan(self.samples)).sum(axis=1)

    def __len__(self) -> int:
        return self.samples.shape[0]

    def take(self, rows: np.ndarray) -> Empirical:
        out = Empirical.__new__(Empirical)
        out.samples, out.counts = self.samples[rows], self.counts[rows]
        return out

    def mean(self) -> np.ndarray:
        return np.nanmean(self.samples, axis=1)

    def cdf(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=np.float64)
        # Share of the sample at or below each k: a sorted search per row, vectorised by
        # comparing against the sorted sample in row blocks.
        out = np.empty((len(self), len(k)))
        size = max(1, CELLS // max(1, len(k) * self.samples.shape[1]))
        for i in range(0, len(self), size):
            block = self.samples[i : i + size]
            below = (block[:, :, None] <= k[None, None, :]).sum(axis=1)
            out[i : i + size] = below / self.counts[i : i + size, None]
        return out

    def quantile(self, levels: Sequence[float]) -> np.ndarray:
        tau = _levels(levels)
        # Smallest x_(j) with j / m >= tau, i.e. j = ceil(tau * m) (at least 1).
        index = np.ceil(tau[None, :] * self.counts[:, None] - LEVEL_SLACK).astype(np.int64)
        index = np.clip(index, 1, self.counts[:, None]) - 1
        return np.take_along_axis(self.samples, index, axis=1).astype(np.int64)

    quantile_bound = quantile


class Hurdle:
    """Zero with probability 1 - ``p_positive``, else 1 + S with S from ``size_part``."""

    def __init__(self, p_positive: np.ndarray, size_part: CountDistribution) -> None:
        self.p = np.clip(np.asarray(p_positive, dtype=np.float64), 0.0, 1.0)
        self.size_part = size_part

    def __len__(self) -> int:
        return len(self.p)

    def take(self, rows: np.ndarray) -> Hurdle:
        return Hurdle(self.p[rows], self.size_part.take(rows))

    def mean(self) -> np.ndarray:
        return self.p * (1.0 + self.size_part.mean())

    def cdf(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=np.float64)
        shifted = np.where(k >= 1, self.size_part.cdf(np.maximum(k - 1, 0)), 0.0)
        return (1.0 - self.p)[:, None] + self.p[:, None] * shifted

    def quantile(self, levels: Sequence[float]) -> np.ndarray:
        if len(np.atleast_1d(levels)) > MANY_LEVELS:
            return quantile_by_search(self, levels)
        return self.quantile_bound(levels)

    def quantile_bound(self, levels: Sequence[float]) -> np.ndarray:
        """The exact quantiles, level by level through the size part's."""
        tau = _levels(levels)[None, :]
        zero = tau <= (1.0 - self.p)[:, None] + LEVEL_SLACK
        p = np.maximum(self.p, 1e-300)[:, None]
        inner = np.clip((tau - (1.0 - p)) / p - LEVEL_SLACK, 0.0, 1.0)
        # Each row needs the size part at its own inner level: one call per level.
        out = np.zeros(inner.shape, dtype=np.int64)
        for j in range(tau.shape[1]):
            q = quantile_per_row(self.size_part, inner[:, j])
            out[:, j] = np.where(zero[:, j], 0, 1 + q)
        return out


def quantile_per_row(dist: CountDistribution, tau: np.ndarray) -> np.ndarray:
    """Row i's quantile at its own level tau[i] (shape (n,), integers)."""
    tau = np.broadcast_to(np.asarray(tau, np.float64), (len(dist),))
    if isinstance(dist, NegBinomial):
        out = np.empty(len(dist))
        poisson, nb = dist._split()
        out[poisson] = stats.poisson.ppf(tau[poisson], dist.mu[poisson])
        r = dist.size[nb]
        out[nb] = stats.nbinom.ppf(tau[nb], r, r / (r + dist.mu[nb]))
        return np.nan_to_num(out, nan=0.0, posinf=MAX_SUPPORT).astype(np.int64)
    bound = dist.quantile_bound([float(tau.max())])[:, 0]
    out = np.empty(len(dist), dtype=np.int64)
    for rows, K in support_buckets(bound):
        F = dist.take(rows).cdf(np.arange(K + 1))
        reached = tau[rows, None] - LEVEL_SLACK <= F
        out[rows] = np.where(reached.any(axis=1), reached.argmax(axis=1), bound[rows])
    return out


class Mixture:
    """Weighted mixture of row-aligned distributions (weights: one per component, or
    one per row and component)."""

    def __init__(self, components: Sequence[CountDistribution], weights: np.ndarray) -> None:
        self.components = list(components)
        n = len(self.components[0])
        w = np.asarray(weights, dtype=np.float64)
        w = np.broadcast_to(w, (n, len(self.components))) if w.ndim == 1 else w
        self.weights = w / w.sum(axis=1, keepdims=True)

    def __len__(self) -> int:
        return self.weights.shape[0]

    def take(self, rows: np.ndarray) -> Mixture:
        return Mixture([c.take(rows) for c in self.components], self.weights[rows])

    def mean(self) -> np.ndarray:
        return sum(w * c.mean() for w, c in zip(self.weights.T, self.components, strict=True))

    def cdf(self, k: np.ndarray) -> np.ndarray:
        return sum(
            w[:, None] * c.cdf(k) for w, c in zip(self.weights.T, self.components, strict=True)
        )

    def quantile_bound(self, levels: Sequence[float]) -> np.ndarray:
        # Past every component's tau-quantile each component's CDF is >= tau, so theirs is.
        return np.max([c.quantile_bound(levels) for c in self.components], axis=0)

    def quantile(self, levels: Sequence[float]) -> np.ndarray:
        return quantile_by_search(self, levels)
