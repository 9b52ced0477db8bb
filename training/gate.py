"""The champion gate's statistics: a paired block bootstrap over issue weeks.

Two forecasters scored on the same backtest rows are compared by resampling *issue
weeks*, not rows: every district of a week shares that week's shocks, and an h-week label
overlaps the labels of the next h-1 issue weeks, so rows are far from independent and a
row bootstrap would be overconfident. Blocks of ``block`` consecutive issue weeks are
drawn with replacement (a circular block bootstrap, Politis and Romano 1992, so the first
and last weeks are drawn as often as the others) until they cover as many weeks as the
backtest holds; both forecasters are scored on the same draws (paired).

Everything is expressed as a *loss difference*, candidate minus other: negative is the
candidate's gain. Metrics:

- per-row losses (:data:`ROW_LOSSES`: log loss, Brier score) are summed per week once and
  the resamples only reweigh those week sums: 1000 resamples take milliseconds. Any
  per-row loss works (:func:`paired_block_bootstrap` takes loss arrays, not
  probabilities), so a count target's CRPS can be gated the same way later;
- ranking metrics (:data:`RANKINGS`: average precision, ROC AUC) are not means over rows;
  they are recomputed on every resample with the rows weighted by how often their week
  was drawn (one sort per forecaster, then cumulative sums), about 0.1 s per comparison
  on a three-year backtest;
- the others (Brier skill, top-k precision, ECE) are refused (:func:`check_metric`): use
  ``brier``, which orders forecasters exactly as Brier skill against a common climatology.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from forecast.core.settings import Settings
from training.metrics import EPS

# Rows of weights held at once by the ranking path (resamples x rows floats).
CHUNK = 100
# The horizon's h-week labels overlap for h-1 weeks; shorter blocks than this cut the
# seasonal and front-line runs of weeks that move every district together.
MIN_BLOCK_WEEKS = 4


def row_log_loss(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per-row log loss (clipped as training.metrics.log_loss: their mean is that metric)."""
    p = np.clip(np.asarray(p, float), EPS, 1.0 - EPS)
    y = np.asarray(y, float)
    return -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def row_brier(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return (np.asarray(p, float) - np.asarray(y, float)) ** 2


def _cumulative(y: np.ndarray, p: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted true and false positives at or above each distinct probability, highest
    first (resamples x groups); ``weights`` is (resamples x rows)."""
    order = np.argsort(-np.asarray(p, float), kind="stable")
    ranked = np.asarray(p, float)[order]
    ends = np.r_[np.flatnonzero(np.diff(ranked) != 0), len(ranked) - 1]
    w = weights[:, order]
    tp = np.cumsum(w * np.asarray(y, float)[order], axis=1)[:, ends]
    drawn = np.cumsum(w, axis=1)[:, ends]
    return tp, drawn - tp


def weighted_average_precision(y: np.ndarray, p: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Average precision for each row of ``weights`` (as sklearn's with sample_weight)."""
    tp, fp = _cumulative(y, p, weights)
    drawn = tp + fp
    precision = np.divide(tp, drawn, out=np.zeros_like(tp), where=drawn > 0)
    gained = np.diff(tp, axis=1, prepend=0.0)
    total = tp[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (gained * precision).sum(axis=1) / total, np.nan)


def weighted_roc_auc(y: np.ndarray, p: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC AUC for each row of ``weights``: P(positive ranked above negative), ties half."""
    tp, fp = _cumulative(y, p, weights)
    pos = np.diff(tp, axis=1, prepend=0.0)
    neg = np.diff(fp, axis=1, prepend=0.0)
    positives, negatives = tp[:, -1], fp[:, -1]
    below = negatives[:, None] - fp  # negatives ranked strictly below each group
    pairs = (pos * (below + 0.5 * neg)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(positives * negatives > 0, pairs / (positives * negatives), np.nan)


ROW_LOSSES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "log_loss": row_log_loss,
    "brier": row_brier,
}
RANKINGS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "average_precision": weighted_average_precision,
    "roc_auc": weighted_roc_auc,
}
SUPPORTED = (*ROW_LOSSES, *RANKINGS)


def check_metric(metric: str) -> None:
    """Raise ValueError for a metric the bootstrap gate cannot compare."""
    if metric not in SUPPORTED:
        raise ValueError(
            f"the champion gate cannot bootstrap {metric!r}: use one of {', '.join(SUPPORTED)} "
            "(brier orders forecasters as brier_skill does)"
        )


def block_weeks(horizon: int, setting: int = 0) -> int:
    """Weeks per bootstrap block: the setting, or 0 = the horizon and at least 4."""
    return setting if setting > 0 else max(horizon, MIN_BLOCK_WEEKS)


@dataclass(frozen=True)
class Bootstrap:
    """Candidate minus other as a loss (negative: the candidate is better)."""

    difference: float  # on every row of the backtest
    upper: float  # one-sided upper confidence bound of the difference
    p_better: float  # share of resamples where the candidate is better
    resamples: int
    block: int

    @property
    def gain(self) -> float:
        return -self.difference

    def confident(self, confidence: float) -> bool:
        return self.difference < 0 and self.p_better >= confidence


def week_counts(n_weeks: int, block: int, resamples: int, seed: int) -> np.ndarray:
    """How often each week is drawn, per resample (resamples x n_weeks).

    Each resample draws ceil(n_weeks / block) block starts uniformly; a block is ``block``
    consecutive weeks from its start, wrapping around at the end (circular).
    """
    rng = np.random.default_rng(seed)
    block = max(1, min(block, n_weeks))
    n_blocks = math.ceil(n_weeks / block)
    starts = rng.integers(0, n_weeks, size=(resamples, n_blocks))
    weeks = (starts[:, :, None] + np.arange(block)).reshape(resamples, -1) % n_weeks
    flat = weeks + (np.arange(resamples) * n_weeks)[:, None]
    return np.bincount(flat.ravel(), minlength=resamples * n_weeks).reshape(resamples, n_weeks)


class Resampler:
    """One set of block draws over a backtest's issue weeks, shared by every forecaster
    compared on it (the pairing: all are scored on the same resampled weeks)."""

    def __init__(self, weeks: np.ndarray, *, block: int, resamples: int, seed: int) -> None:
        unique, self.codes = np.unique(np.asarray(weeks), return_inverse=True)
        self.n_weeks = len(unique)
        self.block = max(1, min(block, self.n_weeks))
        self.counts = week_counts(self.n_weeks, self.block, resamples, seed)
        self._rows = self.counts @ np.bincount(self.codes, minlength=self.n_weeks)

    @property
    def resamples(self) -> int:
        return self.counts.shape[0]

    def mean(self, loss: np.ndarray) -> np.ndarray:
        """The mean per-row loss on each resample: week sums once, reweighed per draw."""
        sums = np.bincount(self.codes, weights=np.asarray(loss, float), minlength=self.n_weeks)
        return (self.counts @ sums) / self._rows

    def recompute(
        self, score: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray], y, p
    ) -> np.ndarray:
        """A score that is not a row mean, recomputed with rows weighted by their week's draws."""
        # Sorted once here, so the score's own sort of each chunk meets sorted input.
        order = np.argsort(-np.asarray(p, float), kind="stable")
        codes, y, p = self.codes[order], np.asarray(y)[order], np.asarray(p)[order]
        chunks = (
            self.counts[i : i + CHUNK][:, codes].astype(float)
            for i in range(0, self.resamples, CHUNK)
        )
        return np.concatenate([score(y, p, w) for w in chunks])


def resampled_loss(
    metric: str, y: np.ndarray, p: np.ndarray, draws: Resampler
) -> tuple[float, np.ndarray]:
    """``metric`` as a loss (ranking scores negated) on every row and on each resample."""
    check_metric(metric)
    if metric in ROW_LOSSES:
        loss = ROW_LOSSES[metric](y, p)
        return float(loss.mean()), draws.mean(loss)
    score = RANKINGS[metric]
    full = -score(y, p, np.ones((1, len(y))))[0]
    return float(full), -draws.recompute(score, y, p)


def summarise(full: float, resampled: np.ndarray, confidence: float, block: int) -> Bootstrap:
    """A Bootstrap from the full-sample difference and the resampled differences."""
    finite = resampled[np.isfinite(resampled)]
    upper = float(np.quantile(finite, confidence)) if finite.size else math.nan
    return Bootstrap(
        difference=float(full),
        upper=upper,
        # A resample where the difference is undefined (no positive drawn) is not a win.
        p_better=float(np.mean(np.nan_to_num(resampled, nan=0.0) < 0)),
        resamples=len(resampled),
        block=block,
    )


def paired_block_bootstrap(
    candidate: np.ndarray,
    other: np.ndarray,
    weeks: np.ndarray,
    *,
    block: int,
    resamples: int = 1000,
    confidence: float = 0.9,
    seed: int = 0,
) -> Bootstrap:
    """Bootstrap of the mean per-row loss difference, candidate minus other.

    ``candidate`` and ``other`` are per-row losses on the same rows, ``weeks`` each row's
    issue week (any sortable values; consecutive means consecutive in sorted order).
    """
    draws = Resampler(weeks, block=block, resamples=resamples, seed=seed)
    diff = np.asarray(candidate, float) - np.asarray(other, float)
    return summarise(diff.mean(), draws.mean(diff), confidence, draws.block)


def compare(
    metric: str,
    y: np.ndarray,
    candidate: np.ndarray,
    other: np.ndarray,
    weeks: np.ndarray,
    *,
    block: int,
    resamples: int = 1000,
    confidence: float = 0.9,
    seed: int = 0,
) -> Bootstrap:
    """Paired block bootstrap of two forecasters' probabilities on ``metric``."""
    draws = Resampler(weeks, block=block, resamples=resamples, seed=seed)
    full_c, res_c = resampled_loss(metric, y, candidate, draws)
    full_o, res_o = resampled_loss(metric, y, other, draws)
    return summarise(full_c - full_o, res_c - res_o, confidence, draws.block)


@dataclass(frozen=True)
class GateRule:
    """What the champion gate compares and how sure it must be (the gate_* settings)."""

    metric: str = "log_loss"
    resamples: int = 1000
    confidence: float = 0.9
    block_weeks: int = 0  # 0 = the horizon, at least MIN_BLOCK_WEEKS
    seed: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> GateRule:
        return cls(
            metric=settings.gate_metric,
            resamples=settings.gate_resamples,
            confidence=settings.gate_confidence,
            block_weeks=settings.gate_block_weeks,
            seed=settings.seed,
        )

    def block(self, horizon: int) -> int:
        return block_weeks(horizon, self.block_weeks)
