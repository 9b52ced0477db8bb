"""Metrics against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from training import metrics

Y = np.array([1, 0, 1, 0])
P = np.array([0.8, 0.4, 0.6, 0.2])


def test_brier_and_skill() -> None:
    # (0.2^2 + 0.4^2 + 0.4^2 + 0.2^2) / 4
    assert metrics.brier(Y, P) == pytest.approx(0.1)
    # Reference 0.5 everywhere has Brier 0.25.
    assert metrics.brier_skill(Y, P, np.full(4, 0.5)) == pytest.approx(1 - 0.1 / 0.25)


def test_log_loss() -> None:
    expected = -(2 * math.log(0.8) + 2 * math.log(0.6)) / 4
    assert metrics.log_loss(Y, P) == pytest.approx(expected)
    # A confident miss is clipped, not infinite.
    assert math.isfinite(metrics.log_loss(np.array([1]), np.array([0.0])))


def test_ranking_metrics_with_ties() -> None:
    p = np.array([0.3, 0.6, 0.6, 0.1])
    # Pairs (pos, neg): 0.3<0.6 lost, 0.3>0.1 won, 0.6=0.6 half, 0.6>0.1 won.
    assert metrics.roc_auc(Y, p) == pytest.approx(2.5 / 4)
    # Threshold 0.6: precision 1/2 at recall 1/2; threshold 0.3: 2/3 at recall 1.
    assert metrics.average_precision(Y, p) == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 3)


def test_top_k_precision_per_week() -> None:
    weeks = np.array([1, 1, 2, 2])
    assert metrics.top_k_precision(Y, P, weeks, k=1) == pytest.approx(1.0)
    # Week 1's top district (0.8) had nothing, week 2's (0.6) had an event.
    assert metrics.top_k_precision(np.array([0, 1, 1, 0]), P, weeks, k=1) == pytest.approx(0.5)
    assert metrics.top_k_precision(np.array([0, 1, 1, 0]), P, weeks, k=2) == pytest.approx(0.5)


def test_ece_and_reliability_table() -> None:
    # Each forecast in its own bin: mean |y - p| = (0.2 + 0.4 + 0.4 + 0.2) / 4.
    assert metrics.ece(Y, P) == pytest.approx(0.3)
    table = metrics.reliability_table(np.array([1, 0, 0, 1]), np.array([0.05, 0.08, 0.55, 0.51]))
    assert table["rows"].to_list() == [2, 2]
    assert table["lower"].to_list() == pytest.approx([0.0, 0.5])
    assert table["observed_rate"].to_list() == pytest.approx([0.5, 0.5])
    assert table["mean_forecast"].to_list() == pytest.approx([0.065, 0.53])


def test_one_class_folds_give_nan_not_errors() -> None:
    zeros = np.zeros(3)
    p = np.array([0.1, 0.2, 0.3])
    assert math.isnan(metrics.roc_auc(zeros, p))
    assert math.isnan(metrics.average_precision(zeros, p))
    assert metrics.brier(zeros, p) == pytest.approx((0.01 + 0.04 + 0.09) / 3)
    result = metrics.evaluate(zeros, p, np.full(3, 0.2), np.array([1, 1, 2]))
    assert result["positives"] == 0 and result["rows"] == 3


def test_better_knows_the_direction() -> None:
    assert metrics.better("average_precision", 0.5, 0.4)
    assert not metrics.better("brier", 0.5, 0.4)
    assert metrics.better("brier", 0.4, 0.4, or_equal=True)
    assert not metrics.better("average_precision", math.nan, 0.1)
    assert metrics.better("average_precision", 0.1, math.nan)
