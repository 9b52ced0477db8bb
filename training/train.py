"""Training: backtest beside the baselines, fit on all labelled rows, log, register, gate.

The work splits in two so the retraining job can fail without touching anything served:

1. :func:`prepare` (pure, parallel over target x horizon): the backtest, the champion's
   recipe re-run on the same folds when it differs from the candidate's (its predictions
   are kept for the gate's paired bootstrap), the gate decision and the final model
   fitted on every labelled row.
2. :func:`record` (MLflow, sequential): one run per candidate with parameters, data
   window and hash, backtest metrics and plots, feature importances, the recipe and the
   model; a new registered-model version tagged with the gate's decision and reason.
   Aliases are moved by :func:`promote` (``forecast train`` at once, ``forecast retrain``
   only after the new forecasts are ready).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from training.backtest import BacktestResult, Window, backtest, cadence_params, make_model
from training.dataset import Dataset
from training.gate import GateRule, check_metric
from training.metrics import DEFAULT_TOP_K
from training.model import RiskClassifier
from training.tracking import GateDecision, gate, recipe

# Parameters that are part of the fitting procedure, not of the recipe compared by the gate.
NOT_RECIPE = ("embargo_weeks", "n_jobs")


@dataclass
class Candidate:
    target: str
    horizon: int
    params: dict[str, Any]
    features: list[str]
    result: BacktestResult
    decision: GateDecision
    model: RiskClassifier
    example: pd.DataFrame
    champion_note: str = ""
    cadence: str = "week"

    @property
    def recipe(self) -> dict[str, Any]:
        return recipe(model_params(self.model), self.features)


@dataclass
class Outcome:
    target: str
    horizon: int
    name: str
    version: str
    run_id: str
    promoted: bool
    reason: str
    metric: float


def model_params(model: RiskClassifier) -> dict[str, Any]:
    return {k: v for k, v in model.get_params().items() if k not in NOT_RECIPE}


def frame_for(ds: Dataset, features: Sequence[str], rows: np.ndarray | None = None) -> pd.DataFrame:
    """Named float32 frame: the model records its feature names from it."""
    return pd.DataFrame(ds.matrix(features, rows), columns=list(features))


def fit_final(
    ds: Dataset,
    target: str,
    horizon: int,
    params: dict[str, Any] | None,
    features: Sequence[str],
    seed: int,
) -> RiskClassifier:
    """The model on every labelled row (calibrated on the latest weeks)."""
    labels = ds.labels(target, horizon)
    rows = labels.is_not_null().to_numpy()
    y = labels.filter(labels.is_not_null()).to_numpy().astype(np.int8)
    model = make_model(cadence_params(params, target, ds.cadence), target, horizon, seed)
    return model.fit(frame_for(ds, features, rows), y, week=ds.week_idx[rows])


@dataclass(frozen=True)
class ChampionRerun:
    """The champion's side of the gate: its predictions on the candidate's folds, or why not."""

    predictions: pl.DataFrame | None  # district_code, issue_week (or issue_month), probability
    note: str
    same_recipe: bool = False


def champion_rerun(
    ds: Dataset,
    target: str,
    horizon: int,
    champion_recipe: dict[str, Any] | None,
    candidate_recipe: dict[str, Any],
    window: Window,
    seed: int,
    k: int = DEFAULT_TOP_K,
) -> ChampionRerun:
    """The champion recipe re-run with ``backtest`` on the candidate's folds."""
    if champion_recipe is None:
        return ChampionRerun(None, "no champion")
    if champion_recipe == candidate_recipe:
        # The same model on older data: a bootstrap would show a zero difference.
        return ChampionRerun(None, "champion has the same recipe (the newer fit replaces it)", True)
    missing = [f for f in champion_recipe["features"] if f not in ds.frame.columns]
    if missing:
        return ChampionRerun(
            None, f"champion cannot be re-run: features gone: {', '.join(missing[:5])}"
        )
    params = {k: v for k, v in champion_recipe["params"].items() if k not in NOT_RECIPE}
    rerun = backtest(
        ds,
        target,
        horizon,
        params=params,
        features=champion_recipe["features"],
        window=window,
        seed=params.get("random_state", seed),
        k=k,
        baselines=False,
    )
    predictions = rerun.predictions.select("district_code", rerun.issue_column, "probability")
    return ChampionRerun(predictions, "champion recipe re-run on the same folds")


def prepare(
    ds: Dataset,
    target: str,
    horizon: int,
    *,
    params: dict[str, Any] | None,
    window: Window,
    seed: int,
    rule: GateRule,
    champion_recipe: dict[str, Any] | None = None,
    k: int = DEFAULT_TOP_K,
) -> Candidate:
    """Backtest, gate and fit one candidate; touches no store and no MLflow."""
    features = ds.features(target)
    result = backtest(
        ds, target, horizon, params=params, features=features, window=window, seed=seed, k=k
    )
    model = fit_final(ds, target, horizon, params, features, seed)
    own = recipe(model_params(model), features)
    champion = champion_rerun(ds, target, horizon, champion_recipe, own, window, seed, k)
    return Candidate(
        target=target,
        horizon=horizon,
        params=dict(params or {}),
        features=features,
        result=result,
        decision=gate(result, rule, champion.predictions, same_recipe=champion.same_recipe),
        model=model,
        example=frame_for(ds, features, (ds.week_idx == ds.week_idx.max()))[:5],
        champion_note=champion.note,
        cadence=ds.cadence.name,
    )


def prepare_all(
    ds: Dataset,
    pairs: Sequence[tuple[str, int]],
    *,
    params: dict[tuple[str, int], dict[str, Any] | None],
    champions: dict[tuple[str, int], dict[str, Any] | None],
    window: Window,
    seed: int,
    rule: GateRule,
    jobs: int = 1,
    k: int = DEFAULT_TOP_K,
) -> list[Candidate]:
    """:func:`prepare` for every (target, horizon), in ``jobs`` processes."""
    tasks = [
        dict(
            target=t,
            horizon=h,
            params=params.get((t, h)),
            window=window,
            seed=seed,
            rule=rule,
            champion_recipe=champions.get((t, h)),
            k=k,
        )
        for t, h in pairs
    ]
    if jobs <= 1 or len(tasks) <= 1:
        return [prepare(ds, **task) for task in tasks]
    from joblib import Parallel, delayed

    return Parallel(n_jobs=jobs, backend="loky")(delayed(prepare)(ds, **task) for task in tasks)


def record(candidate: Candidate, data: dict[str, Any], metric: str) -> Outcome:
    """One MLflow run and one registered version for a prepared candidate (no alias)."""
    import mlflow

    from training.tracking import (
        RECIPE_FILE,
        log_backtest,
        log_importances,
        log_model,
        model_name,
        register,
    )

    name = model_name(candidate.target, candidate.horizon, candidate.cadence)
    decision = candidate.decision
    with mlflow.start_run(run_name=f"train {name}") as run:
        mlflow.set_tags(
            {
                "kind": "train",
                "target": candidate.target,
                "horizon": candidate.horizon,
                "cadence": candidate.cadence,
                "gate_metric": metric,
                "gate_decision": "champion" if decision.promote else "challenger",
                "gate_reason": decision.reason,
                "champion_comparison": candidate.champion_note,
            }
        )
        mlflow.log_params(
            {
                **{f"model.{k}": v for k, v in model_params(candidate.model).items()},
                "target": candidate.target,
                "horizon": candidate.horizon,
                "n_features": len(candidate.features),
                "calibration_used": candidate.model.calibration_,
                **data,
            }
        )
        # The model first: MLflow links every metric already in the run to a logged
        # model, one query per metric key, which costs seconds with hundreds of keys.
        info = log_model(candidate.model, candidate.example)
        log_backtest(candidate.result)
        mlflow.log_metrics({f"gate/{k}": v for k, v in decision.values.items() if math.isfinite(v)})
        mlflow.log_dict(candidate.recipe, RECIPE_FILE)
        log_importances(candidate.model, candidate.features)
        version = register(
            info,
            name,
            {
                "data_hash": data.get("data_hash", ""),
                "data_last_week": data.get("data_last_week", ""),
                "gate_decision": "champion" if decision.promote else "challenger",
                "gate_reason": decision.reason,
                f"backtest_{metric}": decision.values.get("model", math.nan),
            },
        )
    return Outcome(
        target=candidate.target,
        horizon=candidate.horizon,
        name=name,
        version=str(version.version),
        run_id=run.info.run_id,
        promoted=decision.promote,
        reason=decision.reason,
        metric=decision.values.get("model", math.nan),
    )


def promote(client: Any, outcome: Outcome) -> None:
    """Move the alias the gate chose: ``champion`` or ``challenger``."""
    from training.tracking import CHALLENGER, CHAMPION, set_alias

    alias = CHAMPION if outcome.promoted else CHALLENGER
    set_alias(client, outcome.name, outcome.version, alias)


def current_champions(
    client: Any, pairs: Sequence[tuple[str, int]], cadence: str = "week"
) -> dict[tuple[str, int], tuple[str, dict[str, Any] | None]]:
    """For each pair with a champion: its version and its recipe (None if unreadable)."""
    from training.tracking import champion_version, load_recipe, model_name

    found: dict[tuple[str, int], tuple[str, dict[str, Any] | None]] = {}
    for target, horizon in pairs:
        version = champion_version(client, model_name(target, horizon, cadence))
        if version is not None:
            found[(target, horizon)] = (str(version.version), load_recipe(version.run_id))
    return found


@dataclass(frozen=True)
class TrainConfig:
    metric: str
    seed: int
    window: Window
    jobs: int = 1
    params: dict[tuple[str, int], dict[str, Any] | None] | None = None
    k: int = DEFAULT_TOP_K  # districts per week in the backtest's top-k precision
    # The gate's bootstrap (settings gate_resamples, gate_confidence, gate_block_weeks).
    gate_resamples: int = 1000
    gate_confidence: float = 0.9
    gate_block_weeks: int = 0

    @property
    def rule(self) -> GateRule:
        """The gate's rule; the bootstrap is seeded with the run's seed."""
        return GateRule(
            metric=self.metric,
            resamples=self.gate_resamples,
            confidence=self.gate_confidence,
            block_weeks=self.gate_block_weeks,
            seed=self.seed,
        )


def train_candidates(
    ds: Dataset, pairs: Sequence[tuple[str, int]], config: TrainConfig, client: Any
) -> tuple[list[Candidate], list[Outcome]]:
    """Prepare, log and register a candidate per pair; no alias is moved here."""
    from training.tracking import data_params

    check_metric(config.metric)  # before hours of backtests, not after
    champions = current_champions(client, pairs, ds.cadence.name)
    candidates = prepare_all(
        ds,
        pairs,
        params=config.params or {},
        champions={pair: recipe_ for pair, (_, recipe_) in champions.items()},
        window=config.window,
        seed=config.seed,
        rule=config.rule,
        jobs=config.jobs,
        k=config.k,
    )
    data = data_params(ds)
    outcomes = [record(c, data, config.metric) for c in candidates]
    return candidates, outcomes


def run_backtests(
    ds: Dataset,
    pairs: Sequence[tuple[str, int]],
    *,
    window: Window,
    seed: int,
    params: dict[tuple[str, int], dict[str, Any] | None] | None = None,
    jobs: int = 1,
    k: int = DEFAULT_TOP_K,
) -> list[BacktestResult]:
    """:func:`training.backtest.backtest` for every pair, in ``jobs`` processes."""
    params = params or {}
    tasks = [
        dict(target=t, horizon=h, params=params.get((t, h)), window=window, seed=seed, k=k)
        for t, h in pairs
    ]
    if jobs <= 1 or len(tasks) <= 1:
        return [backtest(ds, **task) for task in tasks]
    from joblib import Parallel, delayed

    return Parallel(n_jobs=jobs, backend="loky")(delayed(backtest)(ds, **task) for task in tasks)


def log_backtest_run(result: BacktestResult, data: dict[str, Any], window: Window) -> str:
    """A ``backtest`` MLflow run: window, data, metrics per fold, plots, predictions."""
    import mlflow

    from training.tracking import log_backtest, model_name

    name = model_name(result.target, result.horizon, result.cadence)
    with mlflow.start_run(run_name=f"backtest {name}") as run:
        tags = {"kind": "backtest", "target": result.target, "horizon": result.horizon}
        mlflow.set_tags({**tags, "cadence": result.cadence.name})
        mlflow.log_params(
            {
                "target": result.target,
                "horizon": result.horizon,
                "window.start": window.start,
                "window.end": window.end,
                "window.step": window.step,
                "folds": result.predictions["fold"].n_unique(),
                **data,
            }
        )
        log_backtest(result)
    return run.info.run_id
