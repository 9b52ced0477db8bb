"""Count labels, history and the four count baselines, by hand on a tiny world.

The conftest's tiny world: district A has a battle (no deaths) in week 2 and an
abduction with 3 deaths in week 5; B a protest in week 0 (not political violence) and an
attack on civilians with 1 death in week 7. Weeks 0 .. 9.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import special, stats

from training.count_baselines import (
    COUNT_BASELINES,
    EmpiricalHistory,
    Mean52,
    RecentMean,
    Zero,
)
from training.count_metrics import crps
from training.counts import (
    add_count_columns,
    intensity_columns,
    past_name,
    recent_name,
    weekly_intensity,
    with_counts,
)
from training.dataset import Dataset

from .conftest import tiny_events, week

NAN = math.nan


@pytest.fixture(scope="module")
def grid() -> pl.DataFrame:
    counts = weekly_intensity(tiny_events(), ["A", "B"], week(0), week(9))
    return add_count_columns(counts, [2], window=3)


def column(frame: pl.DataFrame, district: str, name: str) -> list:
    return frame.filter(pl.col("district_code") == district)[name].to_list()


def test_weekly_counts_keep_political_violence_only(grid: pl.DataFrame) -> None:
    assert column(grid, "A", "events") == [0, 0, 1, 0, 0, 1, 0, 0, 0, 0]
    assert column(grid, "A", "fatalities") == [0, 0, 0, 0, 0, 3, 0, 0, 0, 0]
    assert column(grid, "B", "events") == [0] * 7 + [1, 0, 0]  # the protest does not count
    assert column(grid, "B", "fatalities") == [0] * 7 + [1, 0, 0]


def test_labels_are_forward_sums_unknown_past_the_last_week(grid: pl.DataFrame) -> None:
    assert column(grid, "A", "y_events_h2") == [1, 1, 0, 1, 1, 0, 0, 0, None, None]
    assert column(grid, "A", "y_fatalities_h2") == [0, 0, 0, 3, 3, 0, 0, 0, None, None]
    assert column(grid, "B", "y_fatalities_h2") == [0, 0, 0, 0, 0, 1, 1, 0, None, None]


def test_history_looks_back_only(grid: pl.DataFrame) -> None:
    assert column(grid, "A", recent_name("events", 2)) == [0, 0, 1, 1, 0, 1, 1, 0, 0, 0]
    assert column(grid, "A", "cnt_fatalities_4w") == [0, 0, 0, 0, 0, 3, 3, 3, 3, 0]
    assert column(grid, "A", "cnt_events_since")[:6] == [520, 520, 0, 1, 2, 0]
    assert column(grid, "A", "cnt_onset_events") == [True, True] + [False] * 8
    past = grid.filter(pl.col("district_code") == "A")[past_name("events", 2)].to_numpy()
    # Windows ending at t, t-1, t-2; those starting before week 0 are missing.
    np.testing.assert_array_equal(past[0], [NAN, NAN, NAN])
    np.testing.assert_array_equal(past[1], [0, NAN, NAN])
    np.testing.assert_array_equal(past[3], [1, 1, 0])
    np.testing.assert_array_equal(past[5], [1, 0, 1])
    mean, p90, top, nonzero = intensity_columns("events", 2)
    a = grid.filter(pl.col("district_code") == "A")
    assert a[mean][5] == pytest.approx(2 / 3) and a[top][5] == 1
    assert a[nonzero][5] == pytest.approx(2 / 3) and a[p90][5] == pytest.approx(1.0)


def test_with_counts_joins_on_the_dataset_rows(tiny: Dataset) -> None:
    ds = with_counts(tiny, tiny_events(), [2, 4], window=3)
    assert ds.frame.height == tiny.frame.height
    keys = ["district_code", "week"]
    assert ds.frame.select(keys).equals(tiny.frame.select(keys))
    assert (ds.week_idx == tiny.week_idx).all()
    assert column(ds.frame, "A", "y_events_h2") == [1, 1, 0, 1, 1, 0, 0, 0, None, None]
    # Where both are known, a positive count is the binary label of the same window.
    both = ds.frame.filter(pl.col("y_events_h4").is_not_null())
    assert ((both["y_events_h4"] > 0).cast(pl.Int8) == both["y_any_h4"]).all()
    assert ((both["y_fatalities_h4"] > 0).cast(pl.Int8) == both["y_fatal_h4"]).all()


def test_baselines_by_hand(grid: pl.DataFrame) -> None:
    a = grid.filter(pl.col("district_code") == "A")
    rows = a[[3, 5]]  # issue weeks 3 and 5
    y = np.array([1.0, 0.0])  # events in weeks 4..5 and 6..7
    zero = Zero("events", 2).fit(rows)
    recent = RecentMean("events", 2).fit(rows)
    yearly = Mean52("events", 2).fit(rows)
    empirical = EmpiricalHistory("events", 2).fit(rows)
    assert zero.predict(rows) == pytest.approx([0, 0])
    assert recent.predict(rows) == pytest.approx([1, 1])
    assert yearly.predict(rows) == pytest.approx([1 * 2 / 52, 2 * 2 / 52])
    assert empirical.predict(rows) == pytest.approx([2 / 3, 2 / 3])
    assert crps(zero.predict_distribution(rows), y) == pytest.approx([1, 0])
    # Poisson(1) against 1 and 0: closed form (Wei and Held 2014).
    lam = np.array([1.0, 1.0])
    F, f = stats.poisson.cdf(y, lam), stats.poisson.pmf(y, lam)
    closed = (
        (y - lam) * (2 * F - 1) + 2 * lam * f - lam * np.exp(-2) * (special.i0(2) + special.i1(2))
    )
    assert crps(recent.predict_distribution(rows), y) == pytest.approx(closed)
    # Sample {1, 1, 0} against 1: E|X - 1| - E|X - X'| / 2 = 1/3 - 2/9.
    # Sample {1, 0, 1} against 0: 2/3 - 2/9.
    assert crps(empirical.predict_distribution(rows), y) == pytest.approx([1 / 9, 4 / 9])
    lower, upper = empirical.predict_interval(rows, 0.8)
    assert lower.tolist() == [0, 0] and upper.tolist() == [1, 1]
    # Rows without any observed window fall back to the point mass at zero.
    first = a[[0]]
    assert EmpiricalHistory("events", 2).predict(first) == pytest.approx([0])
    assert set(COUNT_BASELINES) == {"zero", "recent_mean", "mean_52w", "empirical"}
