"""The champion gate: its paired block bootstrap, its decisions, and the registry both ways."""

from __future__ import annotations

from datetime import date, timedelta

import mlflow
import numpy as np
import polars as pl
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from training.backtest import BacktestResult, Window, overall_metrics
from training.baselines import BASELINES
from training.dataset import Dataset
from training.gate import (
    GateRule,
    block_weeks,
    check_metric,
    compare,
    paired_block_bootstrap,
    row_log_loss,
    week_counts,
    weighted_average_precision,
    weighted_roc_auc,
)
from training.tracking import (
    CHALLENGER,
    CHAMPION,
    champion_version,
    gate,
    gate_line,
    model_name,
)
from training.train import TrainConfig, promote, train_candidates

from .conftest import FAST

WEEKS = 156
DISTRICTS = 25


def weeks_of_rows(weeks: int = WEEKS, per_week: int = DISTRICTS) -> np.ndarray:
    return np.repeat(np.arange(weeks), per_week)


# --- the bootstrap on synthetic losses -------------------------------------------------


def test_a_clearly_better_forecaster_is_confidently_better() -> None:
    rng = np.random.default_rng(0)
    weeks = weeks_of_rows()
    other = rng.gamma(2.0, 0.2, weeks.size)
    candidate = other - 0.05 + rng.normal(0, 0.05, weeks.size)
    boot = paired_block_bootstrap(candidate, other, weeks, block=4, resamples=1000, seed=1)
    assert boot.difference == pytest.approx(np.mean(candidate - other))
    assert boot.p_better == pytest.approx(1.0)
    assert boot.upper < 0 and boot.confident(0.9)
    assert boot.gain == pytest.approx(-boot.difference)


def test_equal_forecasters_are_a_coin_flip() -> None:
    rng = np.random.default_rng(1)
    weeks = weeks_of_rows()
    candidate = rng.gamma(2.0, 0.2, weeks.size)
    # Week-level differences that cancel exactly: the second half mirrors the first.
    half = rng.normal(0, 0.02, WEEKS // 2)
    by_week = np.concatenate([half, -half])
    other = candidate - by_week[weeks]
    boot = paired_block_bootstrap(candidate, other, weeks, block=4, resamples=1000, seed=2)
    assert boot.difference == pytest.approx(0.0, abs=1e-12)
    assert abs(boot.p_better - 0.5) < 0.1
    assert not boot.confident(0.9)


def test_the_bootstrap_is_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(2)
    weeks = weeks_of_rows()
    a, b = rng.random(weeks.size), rng.random(weeks.size)
    first = paired_block_bootstrap(a, b, weeks, block=4, resamples=500, seed=7)
    assert paired_block_bootstrap(a, b, weeks, block=4, resamples=500, seed=7) == first
    assert paired_block_bootstrap(a, b, weeks, block=4, resamples=500, seed=8) != first
    assert np.array_equal(week_counts(30, 4, 50, 3), week_counts(30, 4, 50, 3))


def test_blocks_are_consecutive_weeks_wrapping_around() -> None:
    counts = week_counts(n_weeks=20, block=5, resamples=200, seed=0)
    assert counts.shape == (200, 20) and (counts.sum(axis=1) == 20).all()
    # One block as long as the backtest draws every week once, whatever its start (it
    # wraps around), so the bootstrap has no spread at all.
    assert (week_counts(n_weeks=20, block=20, resamples=50, seed=0) == 1).all()
    rng = np.random.default_rng(3)
    weeks = weeks_of_rows(20, 10)
    a, b = rng.random(weeks.size), rng.random(weeks.size)
    whole = paired_block_bootstrap(a, b, weeks, block=20, resamples=100, seed=0)
    assert whole.upper == pytest.approx(whole.difference)
    assert whole.p_better in (0.0, 1.0)


def test_week_correlation_makes_the_block_bootstrap_wider() -> None:
    rng = np.random.default_rng(4)
    weeks = weeks_of_rows()
    # The difference moves in runs of 12 weeks shared by every district (a front line, a
    # season), plus row noise.
    runs = np.repeat(rng.normal(0, 0.03, WEEKS // 12 + 1), 12)[:WEEKS]
    other = rng.gamma(2.0, 0.2, weeks.size)
    candidate = other + runs[weeks] + rng.normal(0, 0.05, weeks.size)

    def width(boot) -> float:
        return boot.upper - boot.difference

    options = dict(resamples=2000, seed=5)
    rows = paired_block_bootstrap(candidate, other, np.arange(weeks.size), block=1, **options)
    single = paired_block_bootstrap(candidate, other, weeks, block=1, **options)
    blocks = paired_block_bootstrap(candidate, other, weeks, block=12, **options)
    assert width(rows) < width(single) < width(blocks)
    assert width(blocks) > 1.5 * width(single)


def test_block_length_defaults_to_the_horizon_and_at_least_four() -> None:
    assert block_weeks(1) == 4 and block_weeks(4) == 4 and block_weeks(12) == 12
    assert block_weeks(12, 6) == 6
    assert GateRule(block_weeks=0).block(12) == 12


def test_weighted_ranking_scores_match_sklearn_with_sample_weights() -> None:
    rng = np.random.default_rng(5)
    y = (rng.random(500) < 0.3).astype(float)
    p = np.round(rng.random(500) * 0.6 + 0.3 * y, 2)  # rounded: many ties
    weights = rng.integers(0, 4, size=(3, 500)).astype(float)
    ap = weighted_average_precision(y, p, weights)
    auc = weighted_roc_auc(y, p, weights)
    for i, w in enumerate(weights):
        assert ap[i] == pytest.approx(average_precision_score(y, p, sample_weight=w))
        assert auc[i] == pytest.approx(roc_auc_score(y, p, sample_weight=w))
    # No positive drawn: undefined, not an error.
    assert np.isnan(weighted_average_precision(y, p, np.outer(np.ones(1), 1 - y))).all()


@pytest.mark.parametrize("metric", ["log_loss", "brier", "average_precision", "roc_auc"])
def test_every_gate_metric_finds_a_better_forecaster(metric: str) -> None:
    rng = np.random.default_rng(6)
    weeks = weeks_of_rows()
    truth = rng.beta(1, 3, weeks.size)
    y = (rng.random(weeks.size) < truth).astype(float)
    blurred = np.clip(truth + rng.normal(0, 0.2, weeks.size), 0.01, 0.99)
    better = compare(metric, y, truth, blurred, weeks, block=4, resamples=500)
    assert better.gain > 0 and better.p_better > 0.99
    worse = compare(metric, y, blurred, truth, weeks, block=4, resamples=500)
    assert worse.gain < 0 and worse.p_better < 0.01


def test_metrics_without_a_bootstrap_are_refused() -> None:
    check_metric("log_loss")
    for metric in ("ece", "brier_skill", "top_k_precision"):
        with pytest.raises(ValueError, match="cannot bootstrap"):
            check_metric(metric)


def test_the_per_row_log_loss_averages_to_the_metric() -> None:
    from training.metrics import log_loss

    y = np.array([0, 1, 1, 0])
    p = np.array([0.0, 0.9, 0.4, 0.2])
    assert row_log_loss(y, p).mean() == pytest.approx(log_loss(y, p))


# --- the gate's decisions ---------------------------------------------------------------


def backtest_like(seed: int = 0, **noise: float) -> tuple[BacktestResult, pl.DataFrame]:
    """A backtest where the model knows the true rate and the baselines blur it, and a
    champion's re-run predictions on the same rows.

    ``noise`` gives a forecaster's blur (log-odds sd; default 0.6 for every baseline and
    the champion, none for the model).
    """
    rng = np.random.default_rng(seed)
    weeks = weeks_of_rows()
    logit = rng.normal(-1.0, 1.2, weeks.size)
    truth = 1 / (1 + np.exp(-logit))
    y = (rng.random(weeks.size) < truth).astype(np.int8)

    def blur(sd: float) -> np.ndarray:
        return 1 / (1 + np.exp(-(logit + rng.normal(0, sd, weeks.size))))

    columns = {name: blur(noise.get(name, 0.6)) for name in ("probability", *BASELINES, "champion")}
    if "probability" not in noise:
        columns["probability"] = truth
    start = date(2023, 1, 2)
    frame = pl.DataFrame(
        {
            "district_code": [f"D{i:02d}" for i in range(DISTRICTS)] * WEEKS,
            "issue_week": [start + timedelta(weeks=int(w)) for w in weeks],
            "observed": y,
            "onset": np.zeros(weeks.size, bool),
            **{k: v for k, v in columns.items() if k != "champion"},
        }
    )
    result = BacktestResult("any", 4, frame, pl.DataFrame(), overall_metrics(frame))
    champion = frame.select("district_code", "issue_week").with_columns(
        probability=pl.Series(columns["champion"])
    )
    return result, champion


RULE = GateRule(metric="log_loss", resamples=500, confidence=0.9, seed=3)


def test_a_better_model_is_promoted_with_every_baseline_in_the_reason() -> None:
    result, _ = backtest_like()
    decision = gate(result, RULE)
    assert decision.promote
    reason = decision.reason
    candidate = result.metric("log_loss")
    assert reason.startswith(f"log_loss {candidate:.4f} beats every baseline with 90% confidence (")
    for name in BASELINES:
        assert f"{name} {result.metric('log_loss', name):.4f}, gain " in reason
    assert "P 1.00" in reason
    # The bootstrap's figures are in the values, so `record` logs them as gate/... metrics.
    values = decision.values
    assert values["model"] == pytest.approx(candidate)
    assert values["logistic"] == pytest.approx(result.metric("log_loss", "logistic"))
    assert values["logistic/p_better"] == pytest.approx(1.0)
    assert values["logistic/gain"] > values["logistic/gain_lower_bound"] > 0
    assert values["resamples"] == 500 and values["confidence"] == 0.9
    assert values["block_weeks"] == 4
    assert {c.name for c in decision.comparisons} == set(BASELINES)


def test_a_model_level_with_a_baseline_is_kept_and_the_reason_says_why() -> None:
    # The logistic baseline blurs the truth as little as the model does.
    result, _ = backtest_like(probability=0.3, logistic=0.3)
    decision = gate(result, RULE)
    assert not decision.promote
    logistic = result.metric("log_loss", "logistic")
    assert decision.reason.startswith(
        f"log_loss {result.metric('log_loss'):.4f} vs logistic {logistic:.4f}: "
    )
    assert "< 0.90)" in decision.reason
    assert "climatology" not in decision.reason  # only what failed is named


def test_the_champion_is_compared_on_its_rerun_predictions() -> None:
    # A worse champion: promoted, and the reason names it.
    result, champion = backtest_like(champion=0.4)
    decision = gate(result, RULE, champion)
    assert decision.promote and " and the champion (" in decision.reason
    assert decision.values["champion/p_better"] == pytest.approx(1.0)

    # A better champion (it knows the truth better than this blurred candidate).
    result, champion = backtest_like(probability=0.3, champion=0.0)
    decision = gate(result, RULE, champion)
    assert not decision.promote
    assert "vs the champion " in decision.reason and "worse by " in decision.reason


def test_a_champion_with_the_same_recipe_is_replaced_by_the_newer_fit() -> None:
    decision = gate(backtest_like()[0], RULE, None, same_recipe=True)
    assert decision.promote
    assert "the champion has the same recipe, so the newer fit replaces it" in decision.reason
    assert "only the baselines' bootstrap applies" in decision.reason
    assert "champion" not in decision.values


def test_the_gate_respects_each_metric_direction() -> None:
    result, _ = backtest_like()
    for metric in ("brier", "average_precision", "roc_auc"):
        decision = gate(result, GateRule(metric=metric, resamples=500))
        assert decision.promote, decision.reason
        assert decision.values["logistic/gain"] > 0
    worse, _ = backtest_like(probability=1.0)
    assert not gate(worse, GateRule(metric="average_precision", resamples=500)).promote


def test_an_undefined_metric_or_an_unsupported_one() -> None:
    empty = BacktestResult("any", 4, pl.DataFrame(), pl.DataFrame(), {})
    decision = gate(empty, RULE)
    assert not decision.promote and "undefined" in decision.reason
    with pytest.raises(ValueError, match="cannot bootstrap 'ece'"):
        gate(backtest_like()[0], "ece")


def test_the_backtest_gate_line() -> None:
    result, _ = backtest_like()
    line = gate_line(result, RULE)
    best = min(BASELINES, key=lambda name: result.metric("log_loss", name))
    assert line.startswith(f"gate any h=4: log_loss {result.metric('log_loss'):.4f}, ")
    assert f"best baseline {best} {result.metric('log_loss', best):.4f}, difference -0." in line
    assert line.endswith("P 1.00 (beats every baseline)")
    assert "cannot bootstrap" in gate_line(result, GateRule(metric="ece"))


# --- the registry -----------------------------------------------------------------------


def test_registry_gate_both_ways(world_ds: Dataset, tracking) -> None:
    _, _, client = tracking
    name = model_name("any", 4)
    window = Window(step=26, default_years=2)
    good = TrainConfig("log_loss", 1, window, params={("any", 4): FAST})

    _, (first,) = train_candidates(world_ds, [("any", 4)], good, client)
    promote(client, first)
    assert first.promoted, first.reason
    assert "beats every baseline with 90% confidence" in first.reason
    assert str(champion_version(client, name).version) == first.version
    run = mlflow.get_run(first.run_id)
    assert run.data.metrics["gate/logistic/p_better"] >= 0.9
    assert run.data.metrics["gate/model"] == pytest.approx(first.metric)

    # A crippled recipe: one stump. It loses, stays challenger, and says why.
    bad = TrainConfig(
        "log_loss",
        1,
        window,
        params={("any", 4): {**FAST, "n_estimators": 1, "num_leaves": 2}},
    )
    candidates, (second,) = train_candidates(world_ds, [("any", 4)], bad, client)
    promote(client, second)
    assert not second.promoted
    assert candidates[0].champion_note == "champion recipe re-run on the same folds"
    assert str(champion_version(client, name).version) == first.version
    assert str(client.get_model_version_by_alias(name, CHALLENGER).version) == second.version
    run = mlflow.get_run(second.run_id)
    assert run.data.tags["gate_decision"] == "challenger"
    assert run.data.tags["gate_reason"].startswith(f"log_loss {second.metric:.4f} vs ")
    assert "gate/champion/p_better" in run.data.metrics
    assert client.get_model_version(name, second.version).tags["gate_decision"] == "challenger"

    # The champion's own recipe again: the newer fit replaces it.
    candidates, (third,) = train_candidates(world_ds, [("any", 4)], good, client)
    promote(client, third)
    assert third.promoted and "same recipe" in candidates[0].champion_note
    assert "the newer fit replaces it" in third.reason
    assert str(client.get_model_version_by_alias(name, CHAMPION).version) == third.version

    # The run holds what the issue asks for.
    run = mlflow.get_run(third.run_id)
    assert run.data.params["data_hash"] and run.data.params["data_last_week"]
    assert "all/model/average_precision" in run.data.metrics
    artifacts = {a.path for a in client.list_artifacts(third.run_id)}
    assert {"plots", "backtest", "recipe.json", "feature_importance.csv"} <= artifacts
    plots = {a.path for a in client.list_artifacts(third.run_id, "plots")}
    assert plots == {"plots/reliability.png", "plots/precision_recall.png"}
    history = client.get_metric_history(third.run_id, "fold/all/model/average_precision")
    assert len(history) >= 3 and sorted(m.step for m in history) == list(range(len(history)))


def test_an_unsupported_gate_metric_stops_training_before_any_backtest(
    world_ds: Dataset, tracking, monkeypatch: pytest.MonkeyPatch
) -> None:
    import training.train

    monkeypatch.setattr(training.train, "prepare_all", pytest.fail)
    config = TrainConfig("ece", 1, Window(step=26, default_years=2))
    with pytest.raises(ValueError, match="cannot bootstrap 'ece'"):
        train_candidates(world_ds, [("any", 4)], config, tracking[2])


def test_logged_model_loads_with_signature(tracking) -> None:
    _, _, client = tracking
    name = model_name("any", 4)
    info = mlflow.models.get_model_info(f"models:/{name}@{CHAMPION}")
    assert info.signature is not None
    assert "driver" in [c.name for c in info.signature.inputs.inputs]
    model = mlflow.sklearn.load_model(f"models:/{name}@{CHAMPION}")
    assert model.contribution_scale_ in {"calibrated_log_odds", "raw_log_odds"}
    pyfunc = mlflow.pyfunc.load_model(f"models:/{name}@{CHAMPION}")
    import pandas as pd

    example = pd.DataFrame(
        [[0.0] * len(model.feature_names_in_)], columns=model.feature_names_in_, dtype="float32"
    )
    assert pyfunc.predict(example).shape == (1, 2)
    del client
    pytest.importorskip("skops")
