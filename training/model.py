"""The forecasting model: LightGBM boosted from a history prior, calibrated out of time.

:class:`RiskClassifier` follows scikit-learn's estimator conventions (parameters in
``__init__``, learned state ending in ``_``, ``fit``/``predict_proba``; it clones, pickles
and nests in scikit-learn tooling).

**Margin.** The model's log-odds are ``prior(x) + trees(x)``. The prior is a logistic
regression on a few history columns (``prior_columns``, log-transformed and
standardised); LightGBM then boosts from it (``init_score``), so the trees learn only what
the recent history of the district does not already say: spread, partner forces,
deployments and so on. On real conflict data the history alone is a strong forecaster
(VIEWS' conflict-history baseline is hard to beat) and heavily regularised trees on top of
it add where the other features carry signal and stay near zero elsewhere. Without
``prior_columns`` the model is plain LightGBM.

**Calibration.** Fitting with ``week=`` (an integer week index per row) splits the
training rows in time: the trees are fitted on rows whose label window ends before the
calibration block (``week + embargo_weeks < first calibration week``), and the calibrator
(scikit-learn's ``CalibratedClassifierCV`` around the frozen margin model) on the last
``calibration_weeks`` weeks. The prior, a handful of coefficients, is fitted on every
row so that it knows the latest weeks; its in-sample optimism on the calibration block is
negligible next to the trees', which never see it. Sigmoid calibration (the default) is
affine on the margin, ``logit p = -(a * margin + b)``. The price is that the trees do not see the
latest ``calibration_weeks + embargo_weeks`` weeks; refitting them on every row after
calibrating was tried and rejected: the calibrator then corrects a drift the refitted
model has already learnt, and the backtest's Brier score got worse (docs/EVALUATION.md).

**Regularisation.** The trees are few and small (``num_leaves``, ``min_child_samples``,
``reg_lambda``, row and column subsampling). With ``early_stopping_rounds`` their number is
chosen on the calibration block (out of time, log loss of prior plus trees): up to
``n_estimators``, and as few as one when the other features add nothing to the history.
The same block then fits the calibrator, two coefficients: a mild reuse, which the
backtests (whose test blocks neither sees) price in. ``monotone_history`` constrains the
trees to raise the risk with the prior's event counts and lower it with weeks since the
last event, so they cannot fit noise in the sparse high counts.

**Contributions.** Both parts are additive per feature: LightGBM's SHAP values
(``pred_contrib=True``) for the trees and ``coef * standardised value`` for the prior
(zero on average over the training rows). Their sum plus the bias is the margin, and with
sigmoid calibration ``-a`` times it (bias shifted by ``-b``) is exactly the calibrated
log-odds (:meth:`RiskClassifier.contributions`). With isotonic calibration there is no
such map and contributions stay on the uncalibrated margin's scale.

Without ``week`` (or with too few positives on either side of the split) the model is
fitted on all rows and left uncalibrated; with too few positives overall it predicts the
smoothed base rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from lightgbm import LGBMClassifier, early_stopping
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

# Hyperparameters searched by `forecast tune`; everything else is fixed here.
TUNABLE = (
    "n_estimators",
    "learning_rate",
    "num_leaves",
    "min_child_samples",
    "subsample",
    "colsample_bytree",
    "reg_lambda",
)
RAW_SCALE = "raw_log_odds"
CALIBRATED_SCALE = "calibrated_log_odds"


def binary_labels(estimator: Any, y: Any) -> np.ndarray:
    """Validate binary labels, set ``estimator.classes_`` and return y as 0/1.

    0/1 labels (or only one of them: a quiet district's history) keep ``classes_`` [0, 1],
    the service's convention; any other two labels (scikit-learn's checks use strings)
    map to 0 and 1 in sorted order. More than two classes is refused: the risks are binary.
    """
    check_classification_targets(y)
    y = np.asarray(y)
    classes = np.unique(y)
    if classes.size > 2:
        raise ValueError(
            f"Only binary classification is supported. The type of the target is "
            f"{type_of_target(y, input_name='y')} ({classes.size} classes), and "
            f"{type(estimator).__name__} forecasts one risk"
        )
    if set(classes.tolist()) <= {0, 1}:
        estimator.classes_ = np.array([0, 1])
    elif classes.size == 2:
        estimator.classes_ = classes
    else:
        raise ValueError(f"one class {classes[0]!r} that is not 0 or 1: which is positive?")
    return (y == estimator.classes_[1]).astype(np.int8)


def _log_counts(X: np.ndarray) -> np.ndarray:
    return np.log1p(np.clip(np.nan_to_num(X.astype(np.float64), nan=0.0), 0.0, None))


class LogisticPrior:
    """Logistic regression on log(1 + x) of a few count-like columns, standardised."""

    def __init__(self, columns: Sequence[int], C: float = 1.0) -> None:
        self.columns = list(columns)
        self.C = C

    def _z(self, X: np.ndarray) -> np.ndarray:
        return (_log_counts(X[:, self.columns]) - self.mean_) / self.scale_

    def fit(self, X: np.ndarray, y: np.ndarray) -> LogisticPrior:
        logs = _log_counts(X[:, self.columns])
        self.mean_ = logs.mean(axis=0)
        self.scale_ = np.where(logs.std(axis=0) > 0, logs.std(axis=0), 1.0)
        model = LogisticRegression(C=self.C, max_iter=1000).fit(self._z(X), y)
        self.coef_ = model.coef_[0].copy()
        self.intercept_ = float(model.intercept_[0])
        return self

    def margin(self, X: np.ndarray) -> np.ndarray:
        return self._z(X) @ self.coef_ + self.intercept_

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per-feature terms (zero outside ``columns``) with the intercept as bias, last."""
        out = np.zeros((X.shape[0], X.shape[1] + 1))
        out[:, self.columns] = self._z(X) * self.coef_
        out[:, -1] = self.intercept_
        return out


class MarginModel(ClassifierMixin, BaseEstimator):
    """Prior plus boosted trees; ``decision_function`` is the uncalibrated log-odds."""

    def __init__(
        self, booster: LGBMClassifier | None = None, prior_columns: Sequence[int] = ()
    ) -> None:
        self.booster = booster
        self.prior_columns = prior_columns

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        feature_names: list[str],
        prior: LogisticPrior | None = None,
        stop_on: tuple[np.ndarray, np.ndarray] | None = None,
        stopping_rounds: int = 0,
    ) -> MarginModel:
        """Fit the trees from the prior; ``stop_on`` (X, y) picks their number by log loss."""
        self.classes_ = np.array([0, 1])
        if prior is None and self.prior_columns:
            prior = LogisticPrior(self.prior_columns).fit(X, y)
        self.prior_ = prior
        init = self.prior_.margin(X) if self.prior_ else None
        extra: dict[str, Any] = {}
        if stop_on is not None and stopping_rounds > 0:
            X_eval, y_eval = stop_on
            extra = {
                "eval_X": (X_eval,),
                "eval_y": (y_eval,),
                "eval_init_score": [self.prior_.margin(X_eval)] if self.prior_ else None,
                "eval_metric": "binary_logloss",
                "callbacks": [
                    early_stopping(stopping_rounds, first_metric_only=True, verbose=False)
                ],
            }
        self.booster_ = self.booster.fit(X, y, init_score=init, feature_name=feature_names, **extra)
        return self

    @property
    def n_trees_(self) -> int:
        """Trees used for prediction (the early-stopping choice when there was one)."""
        best = self.booster_.booster_.best_iteration
        return int(best) if best > 0 else self.booster_.booster_.current_iteration()

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        # The Booster directly: arrays are already validated by RiskClassifier.
        trees = self.booster_.booster_.predict(X, raw_score=True)
        return trees + self.prior_.margin(X) if self.prior_ else trees

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(np.int8)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        trees = np.asarray(self.booster_.booster_.predict(X, pred_contrib=True), dtype=np.float64)
        return trees + self.prior_.contributions(X) if self.prior_ else trees


class RiskClassifier(ClassifierMixin, BaseEstimator):
    """LightGBM from a history prior, out-of-time calibration, exact contributions."""

    def __init__(
        self,
        n_estimators: int = 400,
        learning_rate: float = 0.04,
        num_leaves: int = 7,
        min_child_samples: int = 100,
        subsample: float = 0.7,
        colsample_bytree: float = 0.3,
        reg_lambda: float = 10.0,
        max_bin: int = 63,
        prior_columns: tuple[str, ...] | None = None,
        calibration: str = "sigmoid",
        calibration_weeks: int = 52,
        early_stopping_rounds: int = 20,
        monotone_history: bool = True,
        embargo_weeks: int = 0,
        min_positives: int = 5,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.max_bin = max_bin
        self.prior_columns = prior_columns
        self.calibration = calibration
        self.calibration_weeks = calibration_weeks
        self.early_stopping_rounds = early_stopping_rounds
        self.monotone_history = monotone_history
        self.embargo_weeks = embargo_weeks
        self.min_positives = min_positives
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _names(self) -> list[str]:
        if hasattr(self, "feature_names_in_"):
            return [str(n) for n in self.feature_names_in_]
        return [f"f{i}" for i in range(self.n_features_in_)]

    def _margin_model(self) -> MarginModel:
        names = self._names()
        wanted = list(self.prior_columns or ())
        missing = [c for c in wanted if c not in names]
        if missing:
            raise ValueError(f"prior columns not among the features: {missing}")
        booster = LGBMClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=self.subsample,
            subsample_freq=1,
            colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda,
            max_bin=self.max_bin,
            monotone_constraints=self._monotone(names, wanted) if self.monotone_history else None,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            verbose=-1,
        )
        return MarginModel(booster, tuple(names.index(c) for c in wanted))

    @staticmethod
    def _monotone(names: list[str], history: list[str]) -> list[int]:
        """Risk never falls with more past events nor rises with more quiet weeks."""
        return [(-1 if name.endswith("_since") else 1) if name in history else 0 for name in names]

    def _fit_margin(
        self,
        X: np.ndarray,
        y: np.ndarray,
        prior: LogisticPrior | None = None,
        stop_on: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> MarginModel:
        return self._margin_model().fit(
            X, y, self._names(), prior, stop_on, self.early_stopping_rounds
        )

    def fit(self, X: Any, y: Any, *, week: Any = None) -> RiskClassifier:
        """Fit; ``week`` (integers, one per row) enables the out-of-time calibration."""
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float32)
        y = binary_labels(self, y)
        self.base_rate_ = float((y.sum() + 0.5) / (len(y) + 1.0))
        self.margin_ = None
        self.calibrator_ = None
        self.calibration_ = "none"
        if y.sum() < self.min_positives or y.sum() > len(y) - self.min_positives:
            return self
        fit_rows, cal_rows = self._split(y, week)
        if fit_rows is None:
            self.margin_ = self._fit_margin(X, y)
            return self
        # The prior sees every row, the latest weeks included: a handful of coefficients
        # barely overfit the calibration rows, and the trees (which would) do not see them.
        columns = self._margin_model().prior_columns
        prior = LogisticPrior(columns).fit(X, y) if columns else None
        stop_on = (X[cal_rows], y[cal_rows]) if self.early_stopping_rounds > 0 else None
        margin = self._fit_margin(X[fit_rows], y[fit_rows], prior, stop_on)
        calibrator = CalibratedClassifierCV(FrozenEstimator(margin), method=self.calibration)
        self.calibrator_ = calibrator.fit(X[cal_rows], y[cal_rows])
        self.calibration_ = self.calibration
        self.margin_ = margin
        return self

    def _split(self, y: np.ndarray, week: Any) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Rows for the margin model and for the calibrator, or (None, None)."""
        if week is None or self.calibration == "none":
            return None, None
        week = np.asarray(week)
        cal_start = week.max() - self.calibration_weeks + 1
        fit_rows = week + self.embargo_weeks < cal_start
        cal_rows = week >= cal_start
        enough = all(
            self.min_positives <= y[rows].sum() <= rows.sum() - self.min_positives
            for rows in (fit_rows, cal_rows)
        )
        return (fit_rows, cal_rows) if enough else (None, None)

    def _validated(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "classes_")
        return validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float32)

    def decision_function(self, X: Any) -> np.ndarray:
        """Uncalibrated log-odds (prior plus trees)."""
        X = self._validated(X)
        if self.margin_ is None:
            return np.full(X.shape[0], np.log(self.base_rate_ / (1.0 - self.base_rate_)))
        return self.margin_.decision_function(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        margin = self.decision_function(X)
        if self.margin_ is None:
            p = np.full(margin.shape[0], self.base_rate_)
        elif self.calibrator_ is None:
            p = 1.0 / (1.0 + np.exp(-margin))
        elif self.calibration_ == "sigmoid":
            a, b = self._sigmoid_coefficients()
            p = 1.0 / (1.0 + np.exp(a * margin + b))
        else:
            p = self.calibrator_.calibrated_classifiers_[0].calibrators[0].predict(margin)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        positive = self.predict_proba(X)[:, 1] >= 0.5
        return self.classes_[positive.astype(np.int8)]

    def _sigmoid_coefficients(self) -> tuple[float, float]:
        sigmoid = self.calibrator_.calibrated_classifiers_[0].calibrators[0]
        return float(sigmoid.a_), float(sigmoid.b_)

    @property
    def contribution_scale_(self) -> str:
        return CALIBRATED_SCALE if self.calibration_ == "sigmoid" else RAW_SCALE

    def contributions(self, X: Any) -> np.ndarray:
        """Per-row contributions, one column per feature plus the bias last.

        Rows sum to the model's log-odds on ``contribution_scale_``: the calibrated
        log-odds for sigmoid calibration (exact), the uncalibrated margin otherwise.
        """
        X = self._validated(X)
        if self.margin_ is None:
            out = np.zeros((X.shape[0], X.shape[1] + 1))
            out[:, -1] = np.log(self.base_rate_ / (1.0 - self.base_rate_))
            return out
        raw = self.margin_.contributions(X)
        if self.calibration_ != "sigmoid":
            return raw
        a, b = self._sigmoid_coefficients()
        scaled = -a * raw
        scaled[:, -1] -= b
        return scaled

    @property
    def feature_importances_(self) -> np.ndarray:
        """Total gain of the trees per feature (zeros for the base-rate fallback)."""
        check_is_fitted(self, "classes_")
        if self.margin_ is None:
            return np.zeros(self.n_features_in_)
        return self.margin_.booster_.booster_.feature_importance(importance_type="gain")

    @property
    def prior_coefficients_(self) -> np.ndarray:
        """The prior's coefficient per feature (per standard deviation of log(1 + x))."""
        check_is_fitted(self, "classes_")
        out = np.zeros(self.n_features_in_)
        prior = self.margin_.prior_ if self.margin_ is not None else None
        if prior is not None:
            out[prior.columns] = prior.coef_
        return out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags
