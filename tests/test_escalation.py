"""Escalation: the expected count against the district's own normal."""

from __future__ import annotations

import numpy as np
import pytest

from forecast.core.settings import Settings
from forecast.escalation import Thresholds, escalation, label, normal, percentile, ratio

NAN = np.nan


def test_normal_and_percentile_ignore_missing_windows() -> None:
    past = np.array([[1.0, 2.0, 3.0, NAN], [NAN, NAN, NAN, NAN], [0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_allclose(normal(past), [2.0, NAN, 0.0])
    # 2.0 against 1, 2, 3: one below, one tie -> (1 + 0.5) / 3.
    np.testing.assert_allclose(percentile(np.array([2.0, 5.0, 0.0]), past), [0.5, NAN, 0.5])


def test_the_floor_keeps_calm_districts_usual() -> None:
    t = Thresholds(up=1.5, down=0.67, floor=0.5)
    r = ratio(np.array([0.02, 6.0, 1.0, 0.2]), np.array([0.005, 2.0, 3.0, NAN]), t.floor)
    np.testing.assert_allclose(r, [1.0, 3.0, 1 / 3, NAN])
    assert label(r, t).tolist() == ["usual", "escalating", "easing", None]


def test_labels_at_the_thresholds() -> None:
    t = Thresholds(up=2.0, down=0.5, floor=0.1)
    assert label(np.array([2.0, 1.99, 0.51, 0.5]), t).tolist() == [
        "escalating",
        "usual",
        "usual",
        "easing",
    ]


def test_escalation_reads_the_settings() -> None:
    t = Thresholds.from_settings(Settings(escalation_up=3.0, escalation_floor=1.0))
    past = np.full((2, 52), 1.0)
    out = escalation(np.array([2.9, 3.0]), past, t)
    assert out.label.tolist() == ["usual", "escalating"]
    np.testing.assert_allclose(out.percentile, [1.0, 1.0])
    np.testing.assert_allclose(out.normal, [1.0, 1.0])


@pytest.mark.parametrize("bad", [{"up": 0.9}, {"down": 1.2}, {"floor": 0.0}])
def test_thresholds_refuse_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Thresholds(**bad)
