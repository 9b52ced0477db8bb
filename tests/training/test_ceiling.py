"""The demo-world oracles and the seed margins (forecast.demo.ceiling)."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from forecast.demo.ceiling import margins, oracle_probability, oracle_table
from training.backtest import backtest
from training.dataset import Dataset
from training.gate import GateRule
from training.tracking import gate

PARTS = ("base", "self", "spread", "presence")
TYPES = ("battle", "remote_violence", "civilian_violence", "abduction")


def truth_rows(**logs: float) -> pl.DataFrame:
    """One district-week whose components are given per part (same for every type)."""
    row: dict[str, object] = {"district_code": "A", "week": date(2024, 1, 1)}
    for part in PARTS:
        for kind in TYPES:
            row[f"log_{part}_{kind}"] = logs.get(part, 0.0)
    row["log_noise"] = logs.get("noise", 0.0)
    return pl.DataFrame([row])


def test_an_oracle_adds_only_the_components_it_knows() -> None:
    truth = truth_rows(base=math.log(0.1), presence=math.log(2.0), noise=math.log(3.0))
    # "any" sums four types: 4 x 0.1 = 0.4 per week from the base alone.
    history = oracle_probability(truth, "any", 4, ("base", "self"))["probability"][0]
    assert history == pytest.approx(1 - math.exp(-4 * 0.4))
    presence = oracle_probability(truth, "any", 4, ("base", "self", "presence"))
    assert presence["probability"][0] == pytest.approx(1 - math.exp(-4 * 0.8))
    full = oracle_probability(truth, "abduction", 1, (*PARTS, "noise"))["probability"][0]
    assert full == pytest.approx(1 - math.exp(-0.1 * 2.0 * 3.0))


def test_margins_and_oracles_on_a_backtest(world_ds: Dataset) -> None:
    result = backtest(world_ds, "any", 4, params={"n_estimators": 20})
    row = margins(result)
    assert row["target"] == "any" and row["horizon"] == 4
    best = row["average_precision_best_baseline"]
    assert row["average_precision_margin"] == pytest.approx(
        result.metric("average_precision") - result.metric("average_precision", best), abs=1e-4
    )
    assert row["brier_best_baseline"] in {"climatology", "persistence", "conflictology", "logistic"}
    assert "gate_pass" not in row

    # With the gate's rule: P against the best log-loss baseline and the gate's verdict.
    gated = margins(result, GateRule(resamples=500, seed=1))
    assert gated["gate_baseline"] == gated["log_loss_best_baseline"]
    assert 0.0 <= gated["gate_p"] <= 1.0
    assert gated["gate_pass"] == gate(result, GateRule(resamples=500, seed=1)).promote

    rows = result.predictions.select("district_code", week="issue_week")
    truth = rows.with_columns(
        *(pl.lit(0.0).alias(f"log_{p}_{k}") for p in PARTS for k in TYPES),
        log_noise=pl.lit(0.0),
    )
    table = oracle_table(truth, result)
    ap = dict(table.select("forecaster", "average_precision").iter_rows())
    assert ap["model"] == pytest.approx(result.metric("average_precision"))
    # An oracle that knows nothing ranks all rows alike: AP is the base rate.
    assert ap["oracle: all"] == pytest.approx(result.predictions["observed"].mean())
