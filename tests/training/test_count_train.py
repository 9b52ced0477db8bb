"""Count models through training: the CRPS gate, MLflow registration and the way back."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from training.backtest import Window
from training.count_backtest import RECIPES, CountBacktestResult
from training.count_train import (
    CountCandidate,
    count_champion_rows,
    count_gate,
    count_matrix,
    count_model_name,
    count_pairs,
    prepare_count,
    record_count,
)
from training.counts import with_counts
from training.dataset import Dataset, build_dataset
from training.gate import GateRule
from training.synthetic import World

FAST = {"n_estimators": 40, "learning_rate": 0.1, "min_child_samples": 20}
WINDOW = Window(step=26, default_years=1)
RULE = GateRule(metric="crps", resamples=500, seed=1)


@pytest.fixture(scope="module")
def count_ds(world: World) -> Dataset:
    return with_counts(build_dataset(world.panel, world.events, [4]), world.events, [4])


@pytest.fixture(scope="module")
def candidate(count_ds: Dataset) -> CountCandidate:
    params = {**RECIPES["events"], **FAST}
    return prepare_count(count_ds, "events", 4, window=WINDOW, seed=1, rule=RULE, params=params)


def test_pairs_are_the_settings_count_targets_at_weekly_cadence_only() -> None:
    from forecast.core.cadence import MONTH
    from forecast.core.settings import Settings

    settings = Settings(horizons=[1, 4])
    assert count_pairs(settings) == [
        ("events", 1),
        ("events", 4),
        ("fatalities", 1),
        ("fatalities", 4),
    ]
    assert count_pairs(Settings(count_targets=[])) == []
    assert count_pairs(settings, MONTH) == []
    assert count_model_name("fatalities", 12) == "count-fatalities-h12"


def test_the_candidate_is_compared_with_every_count_baseline(candidate: CountCandidate) -> None:
    names = {c.name for c in candidate.decision.comparisons}
    assert names == {"zero", "recent_mean", "mean_52w", "empirical"}
    model_crps = candidate.result.metric("crps")
    assert candidate.decision.values["model"] == pytest.approx(model_crps)
    # On the planted-signal world the model beats every baseline, confidently.
    assert candidate.decision.promote, candidate.decision.reason
    assert candidate.decision.reason.startswith("crps ")
    assert candidate.champion_note == "no champion"


def test_the_example_has_the_model_columns(candidate: CountCandidate) -> None:
    assert list(candidate.example.columns) == list(candidate.model.feature_names_in_)
    # The past-sample columns (the blend's history) are unpacked from their array column.
    assert any(c.startswith("cnt_events_past_h4_") for c in candidate.example.columns)


def test_count_matrix_reads_names_arrays_and_missing(count_ds: Dataset) -> None:
    rows = np.zeros(count_ds.frame.height, dtype=bool)
    rows[:3] = True
    X = count_matrix(count_ds, ["cnt_events_4w", "cnt_events_past_h4_01", "not_there"], rows)
    head = count_ds.frame.head(3)
    np.testing.assert_allclose(X["cnt_events_4w"], head["cnt_events_4w"].to_numpy())
    sample = np.asarray(head["cnt_events_past_h4"].to_numpy(), np.float32)[:, 1]
    np.testing.assert_allclose(X["cnt_events_past_h4_01"], sample)
    assert X["not_there"].isna().all() and X.dtypes.unique().tolist() == [np.float32]


def _result(model: list[float], zero: list[float]) -> CountBacktestResult:
    weeks = [date(2024, 1, 1 + 7 * (i // 2)) for i in range(len(model))]
    scores = pl.concat(
        pl.DataFrame(
            {
                "district_code": ["A", "B"] * (len(model) // 2),
                "issue_week": weeks,
                "forecaster": name,
                "crps": values,
            }
        )
        for name, values in (("model", model), ("zero", zero))
    )
    return CountBacktestResult("events", 4, pl.DataFrame(), scores, [])


def test_a_candidate_worse_than_a_baseline_is_not_promoted() -> None:
    worse = count_gate(_result([1.0, 1.2] * 4, [0.5, 0.6] * 4), RULE)
    assert not worse.promote
    assert "vs zero" in worse.reason and "worse by" in worse.reason
    better = count_gate(_result([0.5, 0.6] * 4, [1.0, 1.2] * 4), RULE)
    assert better.promote and "beats every baseline" in better.reason


def test_the_champion_re_run_is_a_comparison() -> None:
    champion = _result([0.1] * 8, [0.1] * 8)
    result = _result([0.5] * 8, [1.0] * 8)
    decision = count_gate(result, RULE, champion)
    assert not decision.promote and "the champion" in decision.reason


def test_recorded_counts_register_and_load_back(
    candidate: CountCandidate, count_ds: Dataset, tracking
) -> None:
    from forecast.intensity import load_count_champions
    from training.train import promote

    _, _, client = tracking
    outcome = record_count(candidate, {"data_hash": "abc", "data_last_week": "2024-01-01"})
    assert outcome.name == "count-events-h4" and outcome.promoted
    promote(client, outcome)
    version = client.get_model_version("count-events-h4", outcome.version)
    assert version.tags["gate_decision"] == "champion"
    assert float(version.tags["backtest_crps"]) == pytest.approx(candidate.result.metric("crps"))
    loaded = load_count_champions(client, [("events", 4), ("fatalities", 4)])
    assert list(loaded) == [("events", 4)]
    assert loaded[("events", 4)].version == f"count-events-h4/{outcome.version}"
    np.testing.assert_allclose(
        loaded[("events", 4)].model.predict(candidate.example),
        candidate.model.predict(candidate.example),
    )
    rows = count_champion_rows(count_ds, [candidate], [outcome])
    assert rows.select("target", "horizon", "model_name").row(0) == ("events", 4, "count-events-h4")
    assert '"crps"' in rows["backtest"][0]


def test_the_same_recipe_again_replaces_the_champion(count_ds: Dataset, candidate) -> None:
    params = {**RECIPES["events"], **FAST}
    again = prepare_count(
        count_ds,
        "events",
        4,
        window=WINDOW,
        seed=1,
        rule=RULE,
        params=params,
        champion_recipe=candidate.recipe,
    )
    assert "same recipe" in again.champion_note
    assert "champion" not in {c.name for c in again.decision.comparisons}
