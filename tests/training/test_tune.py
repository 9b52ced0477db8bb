"""Tuning stays inside the training window, is seeded, and stores what train reads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl

from training.backtest import Window
from training.dataset import Dataset
from training.tune import inner_dataset, load_params, save_params, tune


def test_inner_dataset_hides_labels_reaching_the_cut(world_ds: Dataset) -> None:
    until = world_ds.last_week - timedelta(weeks=60)
    sub = inner_dataset(world_ds, 4, until)
    assert sub.frame["week"].max() < until
    known = sub.frame.filter(pl.col("y_any_h4").is_not_null())
    assert known.select((pl.col("week") + pl.duration(weeks=4) < until).all()).item()
    assert len(sub.week_idx) == sub.frame.height


def test_tune_is_seeded_and_its_result_is_stored(world_ds: Dataset, tmp_path: Path) -> None:
    inner = Window(step=52, default_years=1)
    until = world_ds.last_week - timedelta(weeks=52)
    kwargs = dict(
        metric="average_precision", n_trials=2, inner=inner, until=until, seed=5, log_trials=False
    )
    first = tune(world_ds, "any", 4, **kwargs)
    again = tune(world_ds, "any", 4, **kwargs)
    assert first["params"] == again["params"] and first["trials"] == 2
    assert 0 < first["value"] <= 1
    assert first["until"] == until.isoformat()
    save_params(tmp_path, "any", 4, first)
    save_params(tmp_path, "fatal", 12, {"params": {"num_leaves": 9}})
    assert load_params(tmp_path, "any", 4) == first["params"]
    assert load_params(tmp_path, "fatal", 12) == {"num_leaves": 9}
    assert load_params(tmp_path, "abduction", 1) is None


def test_tune_refuses_a_window_too_short_to_backtest(world_ds: Dataset) -> None:
    import pytest

    with pytest.raises(ValueError, match="too short"):
        tune(
            world_ds,
            "any",
            4,
            metric="average_precision",
            n_trials=1,
            until=world_ds.frame["week"].min() + timedelta(weeks=30),
            log_trials=False,
        )
