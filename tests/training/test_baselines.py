"""Baselines fitted on hand-made rows."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from training.baselines import Climatology, Conflictology, HistoryLogit, Persistence
from training.dataset import Dataset


def test_climatology_shrinks_district_rates_toward_the_overall_rate() -> None:
    frame = pl.DataFrame({"district_code": ["A", "A", "A", "B"]})
    model = Climatology(prior_weight=2.0).fit(frame, np.array([1, 1, 0, 0]))
    # Overall (2 + 0.5) / (4 + 1) = 0.5; A (2 + 2*0.5) / (3 + 2); B (0 + 1) / (1 + 2).
    p = model.predict_proba(pl.DataFrame({"district_code": ["A", "B", "C"]}))[:, 1]
    assert p == pytest.approx([0.6, 1 / 3, 0.5])


def test_persistence_is_the_rate_in_each_group() -> None:
    frame = pl.DataFrame({"base_recent_any_h4": [1, 1, 0, 0, 0]})
    model = Persistence("any", 4).fit(frame, np.array([1, 0, 0, 0, 1]))
    p = model.predict_proba(pl.DataFrame({"base_recent_any_h4": [1, 0]}))[:, 1]
    assert p == pytest.approx([(1 + 0.5) / 3, (1 + 0.5) / 4])


def test_conflictology_reads_the_share_and_falls_back(tiny: Dataset) -> None:
    model = Conflictology("any", 1).fit(tiny.frame, np.zeros(tiny.frame.height))
    a = tiny.frame.filter(pl.col("district_code") == "A").sort("week")
    p = model.predict_proba(a)[:, 1]
    assert p[0] == pytest.approx(0.5 / (tiny.frame.height + 1))  # no past yet: overall rate
    assert p[2] == pytest.approx(1.5 / 3)


def test_logistic_learns_that_history_matters(world_ds: Dataset) -> None:
    y = world_ds.labels("any", 4).fill_null(0).to_numpy()
    model = HistoryLogit("any", 4).fit(world_ds.frame, y)
    p = model.predict_proba(world_ds.frame)[:, 1]
    busy = world_ds.frame["hist_any_52w"].to_numpy() > 10
    assert p[busy].mean() > p[~busy].mean() + 0.1
    constant = HistoryLogit("any", 4).fit(world_ds.frame, np.zeros_like(y))
    assert np.ptp(constant.predict_proba(world_ds.frame)[:, 1]) == 0
