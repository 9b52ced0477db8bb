"""Labels, onset flags, history features and baseline inputs against hand-computed values."""

from __future__ import annotations

import polars as pl
import pytest

from training.dataset import Dataset

from .conftest import week


def column(ds: Dataset, district: str, name: str) -> list:
    return ds.frame.filter(pl.col("district_code") == district).sort("week")[name].to_list()


def test_any_labels_look_only_at_the_next_h_weeks(tiny: Dataset) -> None:
    # A has political violence in weeks 2 and 5; the last data week is 9.
    assert column(tiny, "A", "y_any_h1") == [0, 1, 0, 0, 1, 0, 0, 0, 0, None]
    assert column(tiny, "A", "y_any_h4") == [1, 1, 1, 1, 1, 0, None, None, None, None]


def test_protest_is_not_political_violence(tiny: Dataset) -> None:
    # B's only violence is week 7; the week-0 protest does not count.
    assert column(tiny, "B", "y_any_h4") == [0, 0, 0, 1, 1, 1, None, None, None, None]


def test_target_kinds(tiny: Dataset) -> None:
    # A's week-2 battle killed no one; the week-5 abduction killed three.
    assert column(tiny, "A", "y_fatal_h4") == [0, 1, 1, 1, 1, 0, None, None, None, None]
    assert column(tiny, "A", "y_civilians_h1") == [0, 0, 0, 0, 1, 0, 0, 0, 0, None]
    assert column(tiny, "A", "y_abduction_h1") == [0, 0, 0, 0, 1, 0, 0, 0, 0, None]
    assert column(tiny, "B", "y_abduction_h4")[:6] == [0] * 6
    assert column(tiny, "B", "y_civilians_h1") == [0, 0, 0, 0, 0, 0, 1, 0, 0, None]


def test_onset_means_no_event_in_the_window_up_to_and_including_t(tiny: Dataset) -> None:
    # onset_weeks=3: no "any" event in weeks t-2 .. t.
    assert column(tiny, "A", "onset_any") == [
        True, True, False, False, False, False, False, False, True, True,
    ]  # fmt: skip
    assert column(tiny, "B", "onset_any") == [True] * 7 + [False, False, False]


def test_history_features_use_the_past_only(tiny: Dataset) -> None:
    assert column(tiny, "A", "hist_any_1w") == [0, 0, 1, 0, 0, 1, 0, 0, 0, 0]
    assert column(tiny, "A", "hist_any_4w") == [0, 0, 1, 1, 1, 2, 1, 1, 1, 0]
    assert column(tiny, "A", "hist_any_since") == [520, 520, 0, 1, 2, 0, 1, 2, 3, 4]


def test_persistence_input(tiny: Dataset) -> None:
    # Event of the kind in weeks t-3 .. t (h = 4).
    assert column(tiny, "A", "base_recent_any_h4") == [0, 0, 1, 1, 1, 1, 1, 1, 1, 0]


def test_conflictology_share_uses_fully_observed_windows(tiny: Dataset) -> None:
    # h=1, 52-week window: at t the windows of issue weeks 0 .. t-1 are known.
    # A's h1 labels: 0 1 0 0 1 0 0 0 0 -> share (k + 0.5) / (n + 1).
    share = column(tiny, "A", "base_share_any_h1")
    expected = [
        None,
        0.5 / 2,
        1.5 / 3,
        1.5 / 4,
        1.5 / 5,
        2.5 / 6,
        2.5 / 7,
        2.5 / 8,
        2.5 / 9,
        2.5 / 10,
    ]
    assert share[0] is None
    assert share[1:] == pytest.approx(expected[1:])


def test_model_features_are_the_panel_plus_own_history(tiny: Dataset) -> None:
    assert tiny.features("any")[:1] == ["x"]
    assert "hist_any_52w" in tiny.features("abduction")
    assert "hist_abduction_since" in tiny.features("abduction")
    assert not [c for c in tiny.features("any") if c.startswith(("y_", "onset_", "base_"))]


def test_week_index_is_consecutive(tiny: Dataset) -> None:
    a = tiny.frame["district_code"] == "A"
    idx = tiny.week_idx[a.to_numpy()]
    assert list(idx - idx[0]) == list(range(10))
    assert tiny.last_week == week(9)
