"""Rolling-origin backtest: origins, embargo, and the model against the baselines."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import numpy as np
import polars as pl
import pytest

from training import backtest as bt
from training.baselines import Climatology
from training.dataset import Dataset

from .conftest import FAST


def test_fold_masks_by_hand() -> None:
    weeks = np.arange(10)
    labelled = weeks < 8  # h = 2: weeks 8 and 9 have no full window
    train, test = bt.fold_masks(weeks, labelled, origin=6, step=2, horizon=2, end=7)
    assert list(weeks[train]) == [0, 1, 2, 3]  # week 3's window (4, 5) ends before 6
    assert list(weeks[test]) == [6, 7]


def test_origins_by_hand() -> None:
    weeks = np.arange(100)
    labelled = weeks <= 95
    window = bt.Window(step=13, default_years=1, min_train_weeks=20)
    starts, end = bt.origins(weeks, labelled, 4, window)
    assert end == 95
    assert starts == [44, 57, 70, 83]  # 95 - 52 + 1 = 44
    explicit = bt.Window(start=bt.to_week(10), end=bt.to_week(40), step=10, min_train_weeks=20)
    assert bt.origins(weeks, labelled, 4, explicit)[0] == [24, 34]  # 20 + 4 weeks of training


class Spy:
    """Stands in for the model; records the weeks it was trained on."""

    seen: ClassVar[list[np.ndarray]] = []

    def fit(self, X: np.ndarray, y: np.ndarray, week: np.ndarray) -> Spy:
        Spy.seen.append(np.asarray(week))
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return np.full((len(X), 2), 0.5)


def test_never_trains_on_a_label_window_reaching_the_test_block(
    world_ds: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    Spy.seen = []
    baseline_weeks: list[date] = []
    original_fit = Climatology.fit

    def spy_fit(self: Climatology, frame: pl.DataFrame, y: np.ndarray) -> Climatology:
        baseline_weeks.append(frame["week"].max())
        return original_fit(self, frame, y)

    monkeypatch.setattr(bt, "make_model", lambda params, target, horizon, seed: Spy())
    monkeypatch.setattr(Climatology, "fit", spy_fit)
    h = 4
    result = bt.backtest(world_ds, "any", h, window=bt.Window(step=9))
    folds = result.predictions.group_by("fold").agg(pl.col("issue_week").min()).sort("fold")
    assert folds.height == len(Spy.seen) == len(baseline_weeks) >= 5
    for first_test, trained, base_last in zip(
        folds["issue_week"], Spy.seen, baseline_weeks, strict=True
    ):
        assert trained.max() + h < bt.to_index(first_test)
        assert bt.to_index(base_last) + h < bt.to_index(first_test)
    # Blocks tile the window without overlap and every prediction has a known label.
    assert result.predictions.select(
        pl.struct("district_code", "issue_week").is_unique().all()
    ).item()
    assert result.predictions["observed"].null_count() == 0


def test_model_beats_climatology_on_a_planted_signal(world_ds: Dataset) -> None:
    result = bt.backtest(world_ds, "any", 4, params=FAST, window=bt.Window(step=26), seed=1)
    model_ap = result.metric("average_precision")
    assert model_ap > result.metric("average_precision", "climatology") + 0.15
    assert model_ap > result.metric("average_precision", "conflictology")
    assert result.metric("brier_skill") > 0.1
    assert result.metric("ece") < 0.08
    assert set(bt.PREDICTION_COLUMNS) <= set(result.predictions.columns)
    assert set(result.folds["subset"].unique()) == {"all", "onset"}


def test_comparison_table_has_every_forecaster(world_ds: Dataset) -> None:
    result = bt.backtest(
        world_ds, "abduction", 4, params=FAST, window=bt.Window(step=52, default_years=1)
    )
    table = bt.comparison_table([result])
    assert set(table["forecaster"]) == {
        "model",
        "climatology",
        "persistence",
        "conflictology",
        "logistic",
    }
    assert table.filter(pl.col("subset") == "all")["rows"].unique().to_list() == [
        result.predictions.height
    ]
