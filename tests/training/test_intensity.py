"""CountForecaster: estimator conventions, the embargo, calibrated and nested intervals."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from training.count_distributions import Hurdle, Mixture, NegBinomial
from training.count_metrics import central_interval, covered, crps
from training.intensity import CountForecaster, nb_size, tail_masses

FAST = {"n_estimators": 60, "learning_rate": 0.1, "min_child_samples": 30}
HISTORY = tuple(f"past_{j}" for j in range(8))


def nb_world(
    n_weeks: int = 160, per_week: int = 60, *, base: float = 0.5, size: float = 1.5, seed: int = 0
):
    """Rows per week with a signal ``a``, noise ``b``, a count-history column ``c`` and
    the last 8 counts of the same law (``past_*``); y ~ NB(exp(base + 0.7 a), size)."""
    rng = np.random.default_rng(seed)
    n = n_weeks * per_week
    a = rng.normal(size=n)
    mu = np.exp(base + 0.7 * a)
    draw = lambda m: rng.negative_binomial(size, size / (size + m))  # noqa: E731
    X = pd.DataFrame(
        {"a": a, "b": rng.normal(size=n), "c": draw(mu).astype(float)}, dtype=np.float32
    )
    for name in HISTORY:
        X[name] = draw(mu).astype(np.float32)
    return X, draw(mu).astype(float), np.repeat(np.arange(n_weeks), per_week)


@pytest.fixture(scope="module")
def fitted() -> tuple[CountForecaster, pd.DataFrame, np.ndarray]:
    X, y, week = nb_world()
    model = CountForecaster(prior_columns=("c",), embargo_weeks=4, **FAST)
    return model.fit(X[["a", "b", "c"]], y, week=week), X[["a", "b", "c"]], y


def test_calibration_split_leaves_an_embargo() -> None:
    model = CountForecaster(calibration_weeks=20, embargo_weeks=4, min_positives=1)
    week = np.arange(100)
    fit_rows, cal_rows = model._split(np.ones(100), week)
    # Calibration block = weeks 80..99; the trees' labels (t+1..t+4) must end before 80.
    assert week[fit_rows].max() == 75
    assert week[cal_rows].min() == 80
    assert not (fit_rows & cal_rows).any()


def test_estimator_conventions(fitted) -> None:
    model, X, _ = fitted
    params = model.get_params()
    assert params["prior_columns"] == ("c",) and params["embargo_weeks"] == 4
    copy = clone(model)
    assert copy.get_params() == params and not hasattr(copy, "count_")
    assert copy.set_params(dispersion_bins=3).dispersion_bins == 3
    assert list(model.feature_names_in_) == ["a", "b", "c"]
    again = pickle.loads(pickle.dumps(model))
    assert again.predict(X) == pytest.approx(model.predict(X))
    assert model.calibration_ == "out_of_time" and model.n_trees_ >= 1
    assert np.argmax(model.feature_importances_) == 0  # the signal, not the noise


def test_skops_round_trip(fitted) -> None:
    skops_io = pytest.importorskip("skops.io")
    model, X, _ = fitted
    data = skops_io.dumps(model)
    loaded = skops_io.loads(data, trusted=skops_io.get_untrusted_types(data=data))
    assert loaded.predict(X) == pytest.approx(model.predict(X))
    for got, expected in zip(
        loaded.predict_interval(X, 0.8), model.predict_interval(X, 0.8), strict=True
    ):
        np.testing.assert_array_equal(got, expected)


def test_predictions_are_a_coherent_law(fitted) -> None:
    model, X, _ = fitted
    dist = model.predict_distribution(X[:500])
    assert isinstance(dist, NegBinomial)
    cdf = model.predictive_cdf(X[:500], range(60))
    assert cdf.shape == (500, 60) and (np.diff(cdf, axis=1) >= -1e-12).all()
    assert model.predict(X[:500]) == pytest.approx(dist.mean())
    q = model.predict_quantiles(X[:500], [0.1, 0.5, 0.9])
    assert (np.diff(q, axis=1) >= 0).all()


def test_intervals_nest(fitted) -> None:
    model, X, _ = fitted
    intervals = model.predict_intervals(X, (0.5, 0.8, 0.95))
    (l50, u50), (l80, u80), (l95, u95) = (intervals[c] for c in (0.5, 0.8, 0.95))
    assert ((l95 <= l80) & (l80 <= l50) & (l50 <= u50) & (u50 <= u80) & (u80 <= u95)).all()
    l90, u90 = model.predict_interval(X, 0.9)  # between calibrated levels: interpolated
    assert ((l95 <= l90) & (l90 <= l80) & (u80 <= u90) & (u90 <= u95)).all()
    tails = np.array([model.tail_mass(c) for c in (0.5, 0.8, 0.9, 0.95)])  # coverage x bin
    assert tails.shape == (4, len(model.interval_edges_) + 1)
    assert (np.diff(tails, axis=0) <= 0).all()
    with pytest.raises(ValueError, match="coverage"):
        model.tail_mass(1.0)


def test_interval_levels_are_calibrated_on_fresh_data(fitted) -> None:
    """On new draws from the same NB world the calibrated intervals cover within a few
    points of nominal, closer than the central NB intervals (which over-cover)."""
    model, _, _ = fitted
    X_new, y_new, _ = nb_world(n_weeks=60, seed=1)
    X_new = X_new[["a", "b", "c"]]
    dist = model.predict_distribution(X_new)
    for c in (0.5, 0.8, 0.95):
        share = covered(y_new, *model.predict_interval(X_new, c)).mean()
        central = covered(y_new, *central_interval(dist, c)).mean()
        assert share == pytest.approx(c, abs=0.03)
        assert abs(share - c) <= abs(central - c) + 0.005


def test_levels_per_bin_of_the_expected_count_cover_the_active_rows() -> None:
    """With the levels chosen per bin of the expected count, the busiest fifth of the rows
    is covered near nominal too, not only the rows pooled."""
    X, y, week = nb_world(base=-1.0)
    X_new, y_new, _ = nb_world(n_weeks=60, base=-1.0, seed=1)
    columns = ["a", "b", "c"]
    model = CountForecaster(prior_columns=("c",), embargo_weeks=4, interval_bins=5, **FAST)
    model.fit(X[columns], y, week=week)
    assert model.interval_tails_.shape == (len(model.interval_edges_) + 1, 3)
    expected = model.predict(X_new[columns])
    busy = expected >= np.quantile(expected, 0.8)
    for c, tolerance in ((0.8, 0.06), (0.95, 0.03)):
        inside = covered(y_new, *model.predict_interval(X_new[columns], c))
        assert inside.mean() == pytest.approx(c, abs=0.03)
        assert inside[busy].mean() == pytest.approx(c, abs=tolerance)


def test_tail_masses_pick_the_levels_nearest_nominal() -> None:
    rng = np.random.default_rng(2)
    mu = np.full(20_000, 0.4)  # P(Y = 0) = 0.67: any interval from 0 covers 67%
    y = rng.poisson(mu)
    (tails,) = tail_masses(NegBinomial(mu), y, (0.5, 0.8, 0.95))
    assert tails[0] >= tails[1] >= tails[2]
    lower, upper = NegBinomial(mu).quantile([tails[1], 1 - tails[1]]).T
    assert covered(y, lower, upper).mean() == pytest.approx(0.8, abs=0.15)


def test_nb_size_recovers_the_dispersion() -> None:
    rng = np.random.default_rng(3)
    mu = rng.gamma(2.0, 2.0, size=20_000)
    y = rng.negative_binomial(0.8, 0.8 / (0.8 + mu))
    assert nb_size(y, mu) == pytest.approx(0.8, rel=0.1)
    assert nb_size(rng.poisson(mu), mu) > 50  # Poisson data: very large size (or inf)
    assert nb_size(np.zeros(10), np.ones(10)) == np.inf


def test_hurdle_and_history_blend() -> None:
    X, y, week = nb_world(n_weeks=120, base=-1.0)
    model = CountForecaster(
        prior_columns=("c",),
        hurdle=True,
        history_columns=HISTORY,
        blend_history=True,
        embargo_weeks=2,
        **FAST,
    ).fit(X, y, week=week)
    dist = model.predict_distribution(X[:300])
    assert 0.0 <= model.blend_weight_ <= 1.0
    law = dist.components[0] if isinstance(dist, Mixture) else dist
    assert isinstance(law, Hurdle)
    # The trees never read the history sample.
    assert model.feature_importances_.shape == (X.shape[1] - len(HISTORY),)
    assert crps(dist, y[:300]).mean() < crps(NegBinomial(np.full(300, y.mean())), y[:300]).mean()
    (l50, u50), (l95, u95) = model.predict_intervals(X[:300], (0.5, 0.95)).values()
    assert ((l95 <= l50) & (u50 <= u95)).all()
    with pytest.raises(ValueError, match="history_columns"):
        CountForecaster(blend_history=True).fit(X, y, week=week)


def test_fallbacks() -> None:
    X, y, week = nb_world(n_weeks=40)
    uncalibrated = CountForecaster(**FAST).fit(X[["a", "b", "c"]], y)
    assert uncalibrated.calibration_ == "none"
    assert uncalibrated.tail_mass(0.8) == pytest.approx(0.1)  # nominal
    sparse = np.zeros(len(y))
    sparse[:3] = 2.0
    constant = CountForecaster().fit(X[["a", "b", "c"]], sparse, week=week)
    assert constant.predict(X[["a", "b", "c"]][:5]) == pytest.approx([6 / len(y)] * 5)
    with pytest.raises(ValueError, match="non-negative"):
        CountForecaster().fit(X[["a", "b", "c"]], -np.ones(len(y)))
    with pytest.raises(ValueError, match="prior columns"):
        CountForecaster(prior_columns=("nope",), **FAST).fit(X, y, week=week)
