"""RiskClassifier: estimator conventions, out-of-time calibration, contributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from training.model import CALIBRATED_SCALE, RAW_SCALE, RiskClassifier


def data(n_weeks: int = 100, per_week: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    n = n_weeks * per_week
    X = pd.DataFrame(rng.normal(size=(n, 3)).astype(np.float32), columns=["a", "b", "c"])
    X.loc[rng.random(n) < 0.1, "c"] = np.nan
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 2.0 * X["a"].to_numpy())))).astype(int)
    return X, y, np.repeat(np.arange(n_weeks), per_week)


def test_calibration_split_leaves_an_embargo() -> None:
    model = RiskClassifier(calibration_weeks=20, embargo_weeks=4, min_positives=1)
    week = np.arange(100)
    fit_rows, cal_rows = model._split(np.tile([0, 1], 50), week)
    # Calibration block = weeks 80..99; the booster's labels (t+1..t+4) must end before 80.
    assert week[fit_rows].max() == 75
    assert week[cal_rows].min() == 80
    assert not (fit_rows & cal_rows).any()


def test_sigmoid_contributions_sum_to_the_calibrated_logit() -> None:
    X, y, week = data()
    model = RiskClassifier(n_estimators=40, embargo_weeks=4).fit(X, y, week=week)
    assert model.calibration_ == "sigmoid" and model.contribution_scale_ == CALIBRATED_SCALE
    p = model.predict_proba(X)[:, 1]
    contributions = model.contributions(X)
    assert contributions.shape == (len(X), 4)
    assert contributions.sum(axis=1) == pytest.approx(np.log(p / (1 - p)), abs=1e-9)
    assert list(model.feature_names_in_) == ["a", "b", "c"]
    assert np.argmax(model.feature_importances_) == 0


def test_prior_and_trees_add_up_exactly() -> None:
    X, y, week = data()
    X["count"] = np.random.default_rng(1).poisson(2.0, len(X)).astype(np.float32)
    model = RiskClassifier(n_estimators=40, prior_columns=("count", "a"), min_child_samples=20)
    model.fit(X, y, week=week)
    p = model.predict_proba(X)[:, 1]
    contributions = model.contributions(X)
    assert contributions.sum(axis=1) == pytest.approx(np.log(p / (1 - p)), abs=1e-9)
    coefficients = model.prior_coefficients_
    assert coefficients[0] > 0  # "a" raises the risk; log(1 + max(a, 0)) keeps its sign
    assert coefficients[1] == 0 and coefficients[2] == 0
    with pytest.raises(ValueError, match="prior columns"):
        RiskClassifier(prior_columns=("nope",)).fit(X, y, week=week)


def test_isotonic_keeps_raw_contributions_and_probabilities_stay_in_range() -> None:
    X, y, week = data()
    model = RiskClassifier(n_estimators=30, calibration="isotonic").fit(X, y, week=week)
    p = model.predict_proba(X)[:, 1]
    assert model.contribution_scale_ == RAW_SCALE
    assert ((p >= 0) & (p <= 1)).all()
    assert model.contributions(X).shape == (len(X), 4)


def test_without_weeks_the_model_is_uncalibrated_and_still_fits() -> None:
    X, y, _ = data(40)
    model = RiskClassifier(n_estimators=20).fit(X, y)
    assert model.calibration_ == "none" and model.calibrator_ is None
    assert model.predict(X).shape == (len(X),)


def test_too_few_positives_falls_back_to_the_base_rate() -> None:
    X, _, week = data(20)
    y = np.zeros(len(X), dtype=int)
    y[:2] = 1
    model = RiskClassifier().fit(X, y, week=week)
    assert model.margin_ is None
    assert model.predict_proba(X)[:, 1] == pytest.approx((2 + 0.5) / (len(X) + 1))
    assert model.contributions(X)[:, :-1].max() == 0


def test_follows_estimator_conventions() -> None:
    model = RiskClassifier(num_leaves=7, embargo_weeks=12)
    copy = clone(model)
    assert copy.get_params()["num_leaves"] == 7 and copy.get_params()["embargo_weeks"] == 12
    assert not hasattr(copy, "margin_")
    assert RiskClassifier().__sklearn_tags__().input_tags.allow_nan


def test_monotone_constraints_follow_the_history_columns() -> None:
    names = ["hist_any_4w", "partner", "hist_any_since", "hist_any_52w"]
    history = ["hist_any_4w", "hist_any_since", "hist_any_52w"]
    assert RiskClassifier._monotone(names, history) == [1, 0, -1, 1]


def test_monotone_history_makes_risk_rise_with_past_events() -> None:
    rng = np.random.default_rng(3)
    n = 6000
    count = rng.poisson(2.0, n).astype(np.float32)
    # A risk that dips at count == 3: unconstrained trees would follow the dip.
    logit = -1.0 + 0.4 * count - 2.5 * (count == 3)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame({"count": count, "noise": rng.normal(size=n).astype(np.float32)})
    week = np.repeat(np.arange(150), 40)
    kwargs = {"n_estimators": 60, "min_child_samples": 20, "prior_columns": ("count",)}
    grid = pd.DataFrame({"count": np.arange(8, dtype=np.float32), "noise": np.float32(0.0)})
    free = RiskClassifier(monotone_history=False, **kwargs).fit(X, y, week=week)
    free = free.decision_function(grid)
    tied = RiskClassifier(monotone_history=True, **kwargs).fit(X, y, week=week)
    assert (np.diff(free) < 0).any()  # the dip is learnt without the constraint
    assert (np.diff(tied.decision_function(grid)) >= -1e-9).all()


def test_early_stopping_on_the_calibration_block_stops_noise_trees() -> None:
    X, _, week = data()
    y = (np.random.default_rng(5).random(len(X)) < 0.3).astype(int)  # nothing to learn
    model = RiskClassifier(n_estimators=300, early_stopping_rounds=10, min_child_samples=20)
    model.fit(X, y, week=week)
    assert model.margin_.n_trees_ < 40
    full = RiskClassifier(n_estimators=300, early_stopping_rounds=0, min_child_samples=20)
    full.fit(X, y, week=week)
    assert full.margin_.n_trees_ == 300
    p = model.predict_proba(X)[:, 1]
    assert model.contributions(X).sum(axis=1) == pytest.approx(np.log(p / (1 - p)), abs=1e-9)
    # Without a calibration block there is nothing to stop on: every tree is kept.
    plain = RiskClassifier(n_estimators=50, early_stopping_rounds=10).fit(X, y)
    assert plain.margin_.n_trees_ == 50
