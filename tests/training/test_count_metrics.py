"""Count scores: CRPS against its definition and closed forms, pinball, coverage, the gate."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from training.count_distributions import (
    Empirical,
    Hurdle,
    Mixture,
    NegBinomial,
    PointMass,
    quantile_by_search,
)
from training.count_metrics import (
    PINBALL_LEVELS,
    central_interval,
    covered,
    crps,
    crps_sample,
    crps_tail_bound,
    pinball,
    row_scores,
    squared_log_error,
    summary,
    width,
)
from training.gate import paired_block_bootstrap


def brute_crps(cdf_rows: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The definition on a long explicit support: sum_k (F(k) - 1{y <= k})^2."""
    k = np.arange(cdf_rows.shape[1])
    return ((cdf_rows - (k[None, :] >= y[:, None])) ** 2).sum(axis=1)


def poisson_crps(lam: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Closed form of the Poisson CRPS (Wei and Held 2014)."""
    F, f = stats.poisson.cdf(y, lam), stats.poisson.pmf(y, lam)
    bessel = special.i0(2 * lam) + special.i1(2 * lam)
    return (y - lam) * (2 * F - 1) + 2 * lam * f - lam * np.exp(-2 * lam) * bessel


def test_poisson_crps_matches_the_closed_form() -> None:
    rng = np.random.default_rng(0)
    lam = np.r_[0.05, 0.5, 1.0, rng.gamma(1.0, 4.0, size=200)]
    y = np.r_[0, 3, 1, rng.poisson(lam[3:] * rng.uniform(0.3, 2.0, size=200))]
    assert crps(NegBinomial(lam), y) == pytest.approx(poisson_crps(lam, y), abs=1e-9)


def test_poisson_point_cases() -> None:
    # y = 0: sum_k (1 - F(k))^2; with lam = 1 the first term is (1 - e^-1)^2.
    lam = np.array([1.0])
    expected = sum((1 - stats.poisson.cdf(k, 1.0)) ** 2 for k in range(60))
    assert crps(NegBinomial(lam), np.array([0]))[0] == pytest.approx(expected, abs=1e-12)
    assert expected > (1 - np.exp(-1.0)) ** 2
    # A vanishing mean is the point mass at zero: CRPS = y.
    assert crps(NegBinomial(np.array([0.0, 0.0])), np.array([0, 7])) == pytest.approx([0, 7])


def test_negative_binomial_crps_matches_brute_force_with_scipy() -> None:
    rng = np.random.default_rng(1)
    mu = rng.gamma(1.0, 5.0, size=300)
    size = rng.choice([0.2, 1.0, 5.0, np.inf], size=300)
    y = rng.poisson(mu * 1.5)
    k = np.arange(20_000)
    r = np.where(np.isfinite(size), size, 1.0)
    F = np.where(
        np.isfinite(size)[:, None],
        stats.nbinom.cdf(k[None, :], r[:, None], (r / (r + mu))[:, None]),
        stats.poisson.cdf(k[None, :], mu[:, None]),
    )
    dist = NegBinomial(mu, size)
    assert dist.cdf(np.arange(50)) == pytest.approx(F[:, :50], abs=1e-10)
    got = crps(dist, y)
    assert got == pytest.approx(brute_crps(F, y), abs=1e-6)
    # What the truncation leaves out is within its bound.
    assert (np.abs(got - brute_crps(F, y)) <= crps_tail_bound(dist) + 1e-9).all()


def test_point_mass_crps_is_the_absolute_error() -> None:
    y = np.array([0, 1, 5, 2])
    assert crps(PointMass(np.array([0, 3, 5, 0])), y) == pytest.approx([0, 2, 0, 2])


def test_empirical_energy_form_equals_the_sum_form() -> None:
    rng = np.random.default_rng(2)
    samples = rng.poisson(3.0, size=(100, 52)).astype(float)
    samples[:20, 30:] = np.nan  # shorter samples
    y = rng.poisson(3.0, size=100)
    sum_form = brute_crps(Empirical(samples).cdf(np.arange(200)), y)
    assert crps_sample(samples, y) == pytest.approx(sum_form, abs=1e-12)
    assert crps(Empirical(samples), y) == pytest.approx(sum_form, abs=1e-12)
    # A single value is a point mass.
    assert crps_sample(np.array([[4.0, np.nan]]), np.array([1])) == pytest.approx([3.0])


def test_hurdle_and_mixture_laws_are_consistent() -> None:
    n = 50
    size_part = NegBinomial(np.full(n, 2.0), 1.5)
    hurdle = Hurdle(np.linspace(0.05, 0.95, n), size_part)
    k = np.arange(400)
    F = hurdle.cdf(k)
    assert (np.diff(F, axis=1) >= -1e-12).all() and F[:, -1] == pytest.approx(1.0)
    assert hurdle.mean() == pytest.approx((F[:, -1:] - F).sum(axis=1), abs=1e-8)
    levels = [0.1, 0.5, 0.8, 0.95]
    assert (hurdle.quantile(levels) == quantile_by_search(hurdle, levels)).all()
    mix = Mixture([hurdle, PointMass(np.zeros(n))], [0.7, 0.3])
    assert mix.cdf(k) == pytest.approx(0.7 * F + 0.3)
    y = np.arange(n) % 6
    assert crps(mix, y) == pytest.approx(brute_crps(mix.cdf(k), y), abs=1e-8)


def test_pinball_approaches_half_the_crps() -> None:
    rng = np.random.default_rng(3)
    mu = rng.gamma(2.0, 2.0, size=2000)
    y = rng.poisson(mu)
    dist = NegBinomial(mu)
    levels = np.linspace(0.005, 0.995, 199)
    twice = 2 * pinball(y, dist.quantile(levels), levels).mean()
    assert twice == pytest.approx(crps(dist, y).mean(), rel=0.03)
    # Exact by hand: median 2, y = 5, tau = 0.5 -> 1.5.
    assert pinball(np.array([5]), np.array([[2]]), [0.5]) == pytest.approx([1.5])


def test_coverage_of_a_known_law() -> None:
    rng = np.random.default_rng(4)
    mu = np.full(40_000, 30.0)  # large mean: atoms are small, coverage near nominal
    y = rng.poisson(mu)
    dist = NegBinomial(mu)
    for c in (0.5, 0.8, 0.95):
        lower, upper = central_interval(dist, c)
        share = covered(y, lower, upper).mean()
        exact = stats.poisson.cdf(upper[0], 30.0) - stats.poisson.cdf(lower[0] - 1, 30.0)
        assert share == pytest.approx(exact, abs=0.01)
        assert c <= exact < c + 0.1  # discrete central intervals cover at least c
    assert width(np.array([1, 0]), np.array([4, 0])) == pytest.approx([3, 0])
    assert covered(np.array([2, 5]), np.array([0, 0]), np.array([2, 4])).tolist() == [1, 0]


def test_row_scores_and_summary() -> None:
    y = np.array([0, 2, 9])
    dist = NegBinomial(np.array([0.5, 2.0, 3.0]), 2.0)
    intervals = {0.8: central_interval(dist, 0.8)}
    scores = row_scores(dist, y, intervals)
    assert set(scores) == {"crps", "pinball", "mse_log1p", "cover80", "width80"}
    assert scores["mse_log1p"] == pytest.approx(squared_log_error(y, dist.mean()))
    assert len(scores["pinball"]) == 3 and len(PINBALL_LEVELS) == 19
    table = summary(scores)
    assert table["rows"] == 3 and table["crps"] == pytest.approx(scores["crps"].mean())


def test_the_gate_bootstraps_crps() -> None:
    """training.gate's paired bootstrap takes per-row CRPS as it takes per-row log loss."""
    rng = np.random.default_rng(5)
    weeks = np.repeat(np.arange(104), 20)
    mu = rng.gamma(1.0, 3.0, size=len(weeks))
    y = rng.poisson(mu)
    truth = crps(NegBinomial(mu), y)
    blurred = crps(NegBinomial(mu * rng.uniform(0.3, 3.0, size=len(mu))), y)
    better = paired_block_bootstrap(truth, blurred, weeks, block=4, resamples=500, seed=0)
    assert better.difference < 0 and better.confident(0.9)
    same = paired_block_bootstrap(truth, truth, weeks, block=4, resamples=200, seed=0)
    assert same.difference == 0 and not same.confident(0.9)
