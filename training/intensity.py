"""How bad, not only whether: a predictive distribution for the count over the next h weeks.

:class:`CountForecaster` follows scikit-learn's estimator conventions as
training.model's RiskClassifier does (parameters in ``__init__``, learned state ending in
``_``; it clones, pickles and saves with skops). ``fit(X, y, *, week=...)`` and then

- ``predict(X)``: the predictive mean (the ``expected`` count);
- ``predict_distribution(X)``: the whole law per row (training.count_distributions),
  which ``predict_quantiles``, ``predict_interval``, ``predictive_cdf`` and the CRPS read.

**Mean.** ``log mu = prior(x) + trees(x)``. The prior is a Poisson GLM on log(1 + x) of a
few history counts (``prior_columns``, standardised); LightGBM boosts from it
(``init_score``) with a Poisson objective (``objective="tweedie"`` for fatalities, whose
tail a Poisson deviance lets a few massacres dominate), so the trees learn only what the
district's recent counts do not already say. Trees as RiskClassifier's: few, small,
regularised, monotone in the prior's counts, their number chosen by early stopping on the
calibration block.

**Out-of-time calibration.** With ``week=`` the training rows are split in time as
RiskClassifier splits them: the trees are fitted on rows whose label window ends before
the calibration block (``week + embargo_weeks < first calibration week``), and the last
``calibration_weeks`` weeks, which the trees never see, fit

1. the mean: ``mean_calibration="scale"`` multiplies it by sum(y) / sum(mu) on the block
   (the Poisson maximum-likelihood factor); ``"affine"`` fits log mu' = a log mu + b;
2. the spread: a negative-binomial size (var = mu + mu^2 / size) by maximum likelihood,
   separately in each of ``dispersion_bins`` bins of the predicted mean (quantiles of the
   block's means): a single size is clearly worse for fatalities, whose quiet districts
   are near-Poisson and whose active ones are not;
3. the intervals. For discrete counts with many zeros a central NB interval over-covers
   (the (1-c)/2 and (1+c)/2 quantiles include whole atoms; with P(Y = 0) = 0.9 any
   interval from 0 covers 90% at least): the lead's prototype covered 94% with its 80%
   interval. So for each nominal coverage c in ``interval_coverages`` the tail mass a per
   side is chosen on the block so that [Q(a), Q(1 - a)] covers the block's counts as
   nearly as possible c of the time (a conformal-style choice of levels); other
   coverages interpolate a between those. Levels are monotone in c, so the 50% interval
   lies inside the 80% which lies inside the 95%.

The GLM prior sees every row, the latest weeks included (a handful of coefficients).

**Hurdle** (``hurdle=True``): P(Y > 0) from a RiskClassifier (its own calibration on the
same block), and the count given an event as 1 + S, S negative binomial with its own
prior, trees, scale and binned size fitted on the positive rows only. The interval
levels are then chosen on the whole law.

Without ``week`` (or with too few non-zero counts on either side of the split) the parts
are fitted on all rows, the size in-sample, and the intervals left nominal. With fewer
than ``min_positives`` non-zero counts overall the model is the Poisson law at the
training mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMRegressor, early_stopping
from scipy.optimize import minimize_scalar
from scipy.special import gammaln
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import PoissonRegressor
from sklearn.utils.validation import check_is_fitted, validate_data

from training.count_distributions import (
    CountDistribution,
    Empirical,
    Hurdle,
    Mixture,
    NegBinomial,
    quantile_per_row,
)

# NB sizes are searched in this range; the upper end is read as Poisson (infinite size).
SIZE_BOUNDS = (1e-3, 1e4)
# Tail masses per side tried for each interval (log-spaced, dense near the nominal ones).
TAIL_GRID = np.unique(np.r_[np.geomspace(1e-4, 0.5, 241), 0.025, 0.1, 0.25])
MIN_MEAN = 1e-6
# The history's share in the blend, tried on the calibration block.
BLEND_GRID = np.round(np.linspace(0.0, 1.0, 11), 2)
DEFAULT_COVERAGES = (0.5, 0.8, 0.95)


def _log_counts(X: np.ndarray) -> np.ndarray:
    return np.log1p(np.clip(np.nan_to_num(X.astype(np.float64), nan=0.0), 0.0, None))


class PoissonPrior:
    """Poisson GLM (log link) on standardised log(1 + x) of a few count-like columns."""

    def __init__(self, columns: Sequence[int], alpha: float = 1e-3) -> None:
        self.columns = list(columns)
        self.alpha = alpha

    def _z(self, X: np.ndarray) -> np.ndarray:
        return (_log_counts(X[:, self.columns]) - self.mean_) / self.scale_

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> PoissonPrior:
        logs = _log_counts(X[:, self.columns])
        self.mean_ = logs.mean(axis=0)
        self.scale_ = np.where(logs.std(axis=0) > 0, logs.std(axis=0), 1.0)
        glm = PoissonRegressor(alpha=self.alpha, max_iter=1000, solver="newton-cholesky")
        glm.fit(self._z(X), y, sample_weight=sample_weight)
        self.coef_ = glm.coef_.copy()
        self.intercept_ = float(glm.intercept_)
        return self

    def log_mean(self, X: np.ndarray) -> np.ndarray:
        return self._z(X) @ self.coef_ + self.intercept_


def nb_size(y: np.ndarray, mu: np.ndarray) -> float:
    """Maximum-likelihood NB size for counts ``y`` with means ``mu`` (inf: Poisson)."""
    y = np.asarray(y, np.float64)
    mu = np.maximum(np.asarray(mu, np.float64), MIN_MEAN)
    if len(y) == 0 or not (y > 0).any():
        return np.inf

    def nll(log_r: float) -> float:
        r = np.exp(log_r)
        ll = gammaln(y + r) - gammaln(r) + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu))
        return -float(ll.sum())

    lo, hi = np.log(SIZE_BOUNDS[0]), np.log(SIZE_BOUNDS[1])
    best = minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-3})
    return np.inf if best.x > hi - 0.05 else float(np.exp(best.x))


# Sizes tried when the spread is chosen by CRPS (log-spaced; inf is the Poisson law).
CRPS_SIZES = np.r_[np.geomspace(1e-2, 1e3, 31), np.inf]


def nb_size_crps(y: np.ndarray, mu: np.ndarray) -> float:
    """The NB size with the smallest mean CRPS for counts ``y`` with means ``mu``.

    The likelihood is ruled by the rare huge counts (one massacre in a quiet bin makes
    the law's tail enormous); CRPS weighs every row by how far off it is, which keeps
    the law sharper where most counts are small.
    """
    from training.count_metrics import crps

    y = np.asarray(y, np.float64)
    if len(y) == 0 or not (y > 0).any():
        return np.inf
    scores = [crps(NegBinomial(mu, size), y).mean() for size in CRPS_SIZES]
    return float(CRPS_SIZES[int(np.argmin(scores))])


def bin_edges(mu: np.ndarray, bins: int) -> np.ndarray:
    """Inner edges of ``bins`` equal-count bins of the means (fewer when means tie)."""
    if bins <= 1 or len(mu) == 0:
        return np.zeros(0)
    return np.unique(np.quantile(mu, np.linspace(0, 1, bins + 1)[1:-1]))


def tail_masses(
    dist: CountDistribution,
    y: np.ndarray,
    coverages: Sequence[float],
    groups: np.ndarray | None = None,
    n_groups: int = 1,
) -> np.ndarray:
    """Per group of rows and coverage c, the tail mass a whose [Q(a), Q(1 - a)] covers
    ``y`` nearest c (n_groups x len(coverages)).

    Ties go to the smaller a (the wider interval); each group's tails are non-increasing
    in c, so the intervals nest. A group without rows keeps the nominal (1 - c) / 2.
    """
    y = np.asarray(y, np.float64)
    groups = np.zeros(len(y), dtype=np.int64) if groups is None else np.asarray(groups)
    lower = dist.quantile(TAIL_GRID)
    upper = dist.quantile(1.0 - TAIL_GRID)
    inside = (lower <= y[:, None]) & (y[:, None] <= upper)
    order = np.argsort(coverages)
    out = np.tile((1.0 - np.asarray(coverages, np.float64)) / 2.0, (n_groups, 1))
    for g in range(n_groups):
        rows = groups == g
        if not rows.any():
            continue
        coverage = inside[rows].mean(axis=0)
        chosen = []
        for c in np.asarray(coverages, np.float64)[order]:
            gap = np.abs(coverage - c)
            chosen.append(TAIL_GRID[np.flatnonzero(gap <= gap.min() + 1e-12)[0]])
        # A wider nominal coverage never gets a larger tail than a narrower one.
        out[g, order] = np.minimum.accumulate(np.array(chosen))
    return out


class _CountPart:
    """Prior, trees, mean calibration and binned NB size of one count (plain state)."""

    def log_mean_raw(self, X: np.ndarray) -> np.ndarray:
        out = self.prior_.log_mean(X) if self.prior_ is not None else np.zeros(X.shape[0])
        if self.booster_ is not None:
            trees = X[:, self.tree_columns_]
            out = out + self.booster_.booster_.predict(trees, raw_score=True)
        return out

    def mean(self, X: np.ndarray) -> np.ndarray:
        if self.constant_ is not None:
            return np.full(X.shape[0], self.constant_)
        log_mu = self.slope_ * self.log_mean_raw(X) + self.shift_
        return np.maximum(np.exp(np.clip(log_mu, -30.0, 20.0)), MIN_MEAN)

    def size(self, mu: np.ndarray) -> np.ndarray:
        return self.sizes_[np.searchsorted(self.edges_, mu, side="right")]

    def distribution(self, X: np.ndarray) -> NegBinomial:
        mu = self.mean(X)
        return NegBinomial(mu, self.size(mu))


class CountForecaster(RegressorMixin, BaseEstimator):
    """LightGBM from a Poisson history prior; NB spread and intervals calibrated out of time."""

    def __init__(
        self,
        objective: str = "poisson",
        tweedie_variance_power: float = 1.5,
        n_estimators: int = 400,
        learning_rate: float = 0.04,
        num_leaves: int = 7,
        min_child_samples: int = 100,
        subsample: float = 0.7,
        colsample_bytree: float = 0.3,
        reg_lambda: float = 10.0,
        max_bin: int = 63,
        prior_columns: tuple[str, ...] | None = None,
        prior_alpha: float = 1e-3,
        trees: bool = True,
        calibration_weeks: int = 52,
        embargo_weeks: int = 0,
        early_stopping_rounds: int = 20,
        monotone_history: bool = True,
        mean_calibration: str = "scale",
        dispersion_bins: int = 5,
        dispersion_fit: str = "likelihood",
        interval_calibration: bool = True,
        interval_coverages: tuple[float, ...] = DEFAULT_COVERAGES,
        interval_bins: int = 5,
        hurdle: bool = False,
        history_columns: tuple[str, ...] | None = None,
        blend_history: bool = False,
        recency_halflife_weeks: float = 0.0,
        min_positives: int = 5,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.objective = objective
        self.tweedie_variance_power = tweedie_variance_power
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.max_bin = max_bin
        self.prior_columns = prior_columns
        self.prior_alpha = prior_alpha
        self.trees = trees
        self.calibration_weeks = calibration_weeks
        self.embargo_weeks = embargo_weeks
        self.early_stopping_rounds = early_stopping_rounds
        self.monotone_history = monotone_history
        self.mean_calibration = mean_calibration
        self.dispersion_bins = dispersion_bins
        self.dispersion_fit = dispersion_fit
        self.interval_calibration = interval_calibration
        self.interval_coverages = interval_coverages
        self.interval_bins = interval_bins
        self.hurdle = hurdle
        self.history_columns = history_columns
        self.blend_history = blend_history
        self.recency_halflife_weeks = recency_halflife_weeks
        self.min_positives = min_positives
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- fitting ---------------------------------------------------------------------

    def _names(self) -> list[str]:
        if hasattr(self, "feature_names_in_"):
            return [str(n) for n in self.feature_names_in_]
        return [f"f{i}" for i in range(self.n_features_in_)]

    def _prior_indices(self) -> list[int]:
        names = self._names()
        wanted = list(self.prior_columns or ())
        missing = [c for c in wanted if c not in names]
        if missing:
            raise ValueError(f"prior columns not among the features: {missing}")
        return [names.index(c) for c in wanted]

    def _tree_indices(self) -> list[int]:
        """Every column but the history sample's (which only the blend reads)."""
        skip = set(self.history_columns or ())
        return [i for i, name in enumerate(self._names()) if name not in skip]

    def _history_indices(self) -> list[int]:
        names = self._names()
        wanted = list(self.history_columns or ())
        missing = [c for c in wanted if c not in names]
        if missing:
            raise ValueError(f"history columns not among the features: {missing}")
        return [names.index(c) for c in wanted]

    def _booster(self) -> LGBMRegressor:
        names = [self._names()[i] for i in self._tree_indices()]
        history = set(self.prior_columns or ())
        monotone = [
            (-1 if name.endswith("_since") else 1) if name in history else 0 for name in names
        ]
        extra = (
            {"tweedie_variance_power": self.tweedie_variance_power}
            if self.objective == "tweedie"
            else {}
        )
        return LGBMRegressor(
            objective=self.objective,
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=self.subsample,
            subsample_freq=1,
            colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda,
            max_bin=self.max_bin,
            monotone_constraints=monotone if self.monotone_history and history else None,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            verbose=-1,
            **extra,
        )

    def _fit_part(
        self,
        X: np.ndarray,
        y: np.ndarray,
        fit_rows: np.ndarray,
        cal_rows: np.ndarray | None,
        weight: np.ndarray | None,
    ) -> _CountPart:
        """One count model; ``cal_rows`` None fits everything in-sample on ``fit_rows``."""
        part = _CountPart()
        part.constant_ = None
        part.slope_, part.shift_ = 1.0, 0.0
        part.tree_columns_ = np.array(self._tree_indices(), dtype=np.int64)
        columns = self._prior_indices()
        seen = fit_rows if cal_rows is None else fit_rows | cal_rows
        w_seen = None if weight is None else weight[seen]
        part.prior_ = (
            PoissonPrior(columns, self.prior_alpha).fit(X[seen], y[seen], w_seen)
            if columns
            else None
        )
        part.booster_ = None
        if self.trees:
            trees = X[:, part.tree_columns_]
            init = part.prior_.log_mean(X[fit_rows]) if part.prior_ else None
            extra: dict[str, Any] = {}
            if cal_rows is not None and self.early_stopping_rounds > 0:
                eval_init = part.prior_.log_mean(X[cal_rows]) if part.prior_ else None
                extra = {
                    "eval_X": (trees[cal_rows],),
                    "eval_y": (y[cal_rows],),
                    "eval_init_score": [eval_init] if eval_init is not None else None,
                    "eval_metric": self.objective,
                    "callbacks": [
                        early_stopping(
                            self.early_stopping_rounds, first_metric_only=True, verbose=False
                        )
                    ],
                }
            part.booster_ = self._booster().fit(
                trees[fit_rows],
                y[fit_rows],
                sample_weight=None if weight is None else weight[fit_rows],
                init_score=init,
                feature_name=[self._names()[i] for i in part.tree_columns_],
                **extra,
            )
        if part.prior_ is None and part.booster_ is None:
            part.constant_ = float(max(y[seen].mean(), MIN_MEAN))
        spread_rows = seen if cal_rows is None else cal_rows
        raw = part.log_mean_raw(X[spread_rows])
        part.slope_, part.shift_ = self._mean_calibration(raw, y[spread_rows], cal_rows is None)
        mu = part.mean(X[spread_rows])
        part.edges_ = bin_edges(mu, self.dispersion_bins)
        which = np.searchsorted(part.edges_, mu, side="right")
        y_spread = y[spread_rows]
        size_fit = nb_size_crps if self.dispersion_fit == "crps" else nb_size
        part.sizes_ = np.array(
            [size_fit(y_spread[which == b], mu[which == b]) for b in range(len(part.edges_) + 1)]
        )
        return part

    def _mean_calibration(
        self, raw: np.ndarray, y: np.ndarray, in_sample: bool
    ) -> tuple[float, float]:
        if in_sample or self.mean_calibration == "none" or y.sum() <= 0:
            return 1.0, 0.0
        if self.mean_calibration == "scale":
            total = np.exp(np.clip(raw, -30.0, 20.0)).sum()
            return 1.0, float(np.log(y.sum() / max(total, MIN_MEAN)))
        if self.mean_calibration == "affine":
            glm = PoissonRegressor(alpha=0.0, max_iter=1000, solver="newton-cholesky")
            glm.fit(raw[:, None], y)
            return float(glm.coef_[0]), float(glm.intercept_)
        raise ValueError(
            f"mean_calibration must be scale, affine or none, not {self.mean_calibration!r}"
        )

    def _split(self, y: np.ndarray, week: Any) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Rows for the trees and for the calibration block, or (None, None)."""
        if week is None:
            return None, None
        week = np.asarray(week)
        cal_start = week.max() - self.calibration_weeks + 1
        fit_rows = week + self.embargo_weeks < cal_start
        cal_rows = week >= cal_start
        enough = all((y[rows] > 0).sum() >= self.min_positives for rows in (fit_rows, cal_rows))
        return (fit_rows, cal_rows) if enough else (None, None)

    def _weights(self, week: Any) -> np.ndarray | None:
        """Recency weights: a row ``recency_halflife_weeks`` older counts half as much."""
        if week is None or self.recency_halflife_weeks <= 0:
            return None
        age = np.max(week) - np.asarray(week, dtype=np.float64)
        return 0.5 ** (age / self.recency_halflife_weeks)

    def fit(self, X: Any, y: Any, *, week: Any = None) -> CountForecaster:
        """Fit; ``week`` (integers, one per row) enables the out-of-time calibration."""
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float32)
        y = np.asarray(y, dtype=np.float64)
        if (y < 0).any():
            raise ValueError("counts must be non-negative")
        if self.blend_history and not self.history_columns:
            raise ValueError("blend_history needs history_columns (the past h-week counts)")
        self._history_indices()
        self.training_mean_ = float(max(y.mean(), MIN_MEAN)) if len(y) else MIN_MEAN
        self.count_ = None
        self.occurrence_ = None
        self.blend_weight_ = 0.0
        self.calibration_ = "none"
        self.interval_edges_ = np.zeros(0)
        self.interval_tails_ = np.zeros((0, len(self.interval_coverages)))
        if (y > 0).sum() < self.min_positives:
            return self
        fit_rows, cal_rows = self._split(y, week)
        calibrated = fit_rows is not None
        if not calibrated:
            fit_rows = np.ones(len(y), dtype=bool)
        weight = self._weights(week)
        if self.hurdle:
            self.occurrence_ = self._occurrence().fit(
                self._tree_frame(X), (y > 0).astype(np.int8), week=week
            )
            positive = y > 0
            pos_cal = cal_rows & positive if calibrated else None
            self.count_ = self._fit_part(
                X, np.maximum(y - 1.0, 0.0), fit_rows & positive, pos_cal, weight
            )
        else:
            self.count_ = self._fit_part(X, y, fit_rows, cal_rows if calibrated else None, weight)
        if not calibrated:
            return self
        if self.blend_history:
            self.blend_weight_ = self._blend_weight(X[cal_rows], y[cal_rows])
        self.calibration_ = "out_of_time_mean_and_spread"
        if self.interval_calibration:
            law = self._distribution(X[cal_rows])
            expected = law.mean()
            self.interval_edges_ = bin_edges(expected, self.interval_bins)
            groups = np.searchsorted(self.interval_edges_, expected, side="right")
            self.interval_tails_ = tail_masses(
                law, y[cal_rows], self.interval_coverages, groups, len(self.interval_edges_) + 1
            )
            self.calibration_ = "out_of_time"
        return self

    def _occurrence(self) -> Any:
        from training.model import RiskClassifier

        return RiskClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=self.subsample,
            colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda,
            max_bin=self.max_bin,
            prior_columns=self.prior_columns,
            calibration_weeks=self.calibration_weeks,
            early_stopping_rounds=self.early_stopping_rounds,
            monotone_history=self.monotone_history,
            embargo_weeks=self.embargo_weeks,
            min_positives=self.min_positives,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
        )

    def _blend_weight(self, X: np.ndarray, y: np.ndarray) -> float:
        """The history's share in the blend with the smallest CRPS on the block."""
        from training.count_metrics import crps

        model, history = self._laws(X)
        scores = [crps(Mixture([model, history], [1.0 - w, w]), y).mean() for w in BLEND_GRID]
        return float(BLEND_GRID[int(np.argmin(scores))])

    def _tree_frame(self, X: np.ndarray) -> pd.DataFrame:
        names = self._names()
        idx = self._tree_indices()
        return pd.DataFrame(X[:, idx], columns=[names[i] for i in idx], copy=False)

    # -- prediction ------------------------------------------------------------------

    def _validated(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "training_mean_")
        return validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float32)

    def _laws(self, X: np.ndarray) -> tuple[CountDistribution, Empirical | None]:
        """The model's own law and the history's empirical law (None without columns)."""
        if self.count_ is None:
            model: CountDistribution = NegBinomial(np.full(X.shape[0], self.training_mean_))
        else:
            model = self.count_.distribution(X)
            if self.occurrence_ is not None:
                p = self.occurrence_.predict_proba(self._tree_frame(X))[:, 1]
                model = Hurdle(p, model)
        history = Empirical(X[:, self._history_indices()]) if self.history_columns else None
        return model, history

    def _distribution(self, X: np.ndarray) -> CountDistribution:
        model, history = self._laws(X)
        w = getattr(self, "blend_weight_", 0.0)
        if history is None or w <= 0.0:
            return model
        return Mixture([model, history], [1.0 - w, w])

    def predict_distribution(self, X: Any) -> CountDistribution:
        """The predictive law of each row's count (training.count_distributions)."""
        return self._distribution(self._validated(X))

    def predict(self, X: Any) -> np.ndarray:
        """The expected count."""
        return self.predict_distribution(X).mean()

    def predictive_cdf(self, X: Any, k: Sequence[int]) -> np.ndarray:
        """P(Y <= k) per row (n x len(k))."""
        return self.predict_distribution(X).cdf(np.asarray(k, dtype=np.int64))

    def predict_quantiles(self, X: Any, levels: Sequence[float]) -> np.ndarray:
        """The lower quantiles of the predictive law (n x len(levels), integers)."""
        return self.predict_distribution(X).quantile(levels)

    def tail_mass(self, coverage: float) -> np.ndarray:
        """Probability left out on each side of the ``coverage`` interval, per bin of the
        expected count (one value when the levels are nominal or pooled).

        Nominal, (1 - c) / 2, unless the levels were calibrated; then interpolated between
        the calibrated coverages (and 0 -> 0.5, 1 -> 0), so any coverage nests.
        """
        if not 0.0 < coverage < 1.0:
            raise ValueError(f"coverage must be in (0, 1), got {coverage}")
        check_is_fitted(self, "training_mean_")
        if not len(self.interval_tails_):
            return np.array([(1.0 - coverage) / 2.0])
        order = np.argsort(self.interval_coverages)
        c = np.r_[0.0, np.asarray(self.interval_coverages)[order], 1.0]
        return np.array(
            [np.interp(coverage, c, np.r_[0.5, t[order], 0.0]) for t in self.interval_tails_]
        )

    def row_tail_mass(self, expected: np.ndarray, coverage: float) -> np.ndarray:
        """Each row's tail mass: its bin's, by the row's expected count."""
        tails = self.tail_mass(coverage)
        if len(tails) == 1:
            return np.full(len(expected), tails[0])
        return tails[np.searchsorted(self.interval_edges_, expected, side="right")]

    def _interval(
        self, dist: CountDistribution, expected: np.ndarray, coverage: float
    ) -> tuple[np.ndarray, np.ndarray]:
        a = self.row_tail_mass(expected, coverage)
        return quantile_per_row(dist, a), quantile_per_row(dist, 1.0 - a)

    def predict_interval(self, X: Any, coverage: float) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) integer counts; calibrated to cover ``coverage`` out of time."""
        dist = self.predict_distribution(X)
        return self._interval(dist, dist.mean(), coverage)

    def predict_intervals(
        self, X: Any, coverages: Sequence[float] = DEFAULT_COVERAGES
    ) -> dict[float, tuple[np.ndarray, np.ndarray]]:
        """Every interval from one predictive law (one pass over the model)."""
        dist = self.predict_distribution(X)
        expected = dist.mean()
        return {c: self._interval(dist, expected, c) for c in coverages}

    @property
    def n_trees_(self) -> int:
        booster = getattr(self.count_, "booster_", None)
        if booster is None:
            return 0
        best = booster.booster_.best_iteration
        return int(best) if best > 0 else booster.booster_.current_iteration()

    @property
    def feature_importances_(self) -> np.ndarray:
        """Total gain of the count trees per feature (zeros without trees)."""
        check_is_fitted(self, "training_mean_")
        booster = getattr(self.count_, "booster_", None)
        if booster is None:
            return np.zeros(self.n_features_in_)
        return booster.booster_.feature_importance(importance_type="gain")

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.target_tags.positive_only = True
        return tags
