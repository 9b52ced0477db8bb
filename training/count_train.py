"""Training the count models: backtest, gate on CRPS, fit, log and register, as for risks.

One registered model per count target and horizon, ``count-<target>-h<h>`` (weekly
cadence only: the count columns are weekly, training.counts). The flow mirrors
training.train's, so the weekly job treats both alike:

1. :func:`prepare_count` (pure): the rolling-origin count backtest beside the count
   baselines (training.count_backtest), the champion's recipe re-run on the same folds
   when it differs, the gate and the final model fitted on every labelled row;
2. :func:`record_count` (MLflow): one run with the recipe, parameters, the backtest's
   metrics per forecaster, the model (skops) and a new registered version tagged with the
   gate's decision; aliases are moved by the caller, as for the risk models.

**The gate** is the probability gate's rule on CRPS: a candidate is promoted only when
its mean CRPS is below every count baseline's and the champion's, and a paired block
bootstrap over issue weeks puts each difference below zero with ``gate_confidence``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from forecast.core.cadence import WEEK, Cadence
from forecast.core.settings import Settings
from training.backtest import Window
from training.count_backtest import (
    MODEL,
    RECIPES,
    CountBacktestResult,
    count_backtest,
    count_features,
    make_count_model,
    model_matrix,
)
from training.count_baselines import COUNT_BASELINES
from training.counts import COUNT_TARGETS, with_counts
from training.dataset import Dataset
from training.gate import Bootstrap, GateRule, paired_block_bootstrap
from training.intensity import CountForecaster
from training.labels import label_name
from training.tracking import CHAMPION, Comparison, GateDecision, gate_reason

METRIC = "crps"
PREFIX = "count"


def count_model_name(target: str, horizon: int) -> str:
    """The registered model of a count target and horizon (weeks)."""
    return f"{PREFIX}-{target}-h{horizon}"


def count_pairs(settings: Settings, cadence: Cadence = WEEK) -> list[tuple[str, int]]:
    """The (count target, horizon) pairs a job of this cadence trains and scores: the
    settings' count targets by the weekly horizons; none at monthly cadence."""
    if cadence is not WEEK:
        return []
    targets = [t for t in getattr(settings, "count_targets", []) if t in COUNT_TARGETS]
    return [(t, h) for t in targets for h in settings.horizons_for(cadence.name)]


def count_dataset(ds: Dataset, events: pl.DataFrame) -> Dataset:
    """The dataset with the count columns for its horizons (training.counts)."""
    return with_counts(ds, events, ds.horizons)


def count_recipe(target: str, params: dict[str, Any] | None, features: Sequence[str]) -> dict:
    """What the gate re-runs for a champion: the CountForecaster parameters and columns."""
    import json

    chosen = RECIPES[target] if params is None else params
    return json.loads(json.dumps({"params": dict(sorted(chosen.items())), "features": features}))


def count_matrix(ds: Dataset, names: Sequence[str], rows: np.ndarray | None = None) -> pd.DataFrame:
    """The named float32 frame a fitted count model reads, from the dataset.

    Panel columns are read by name; the past-sample scalars (``cnt_<t>_past_h<h>_NN``) are
    unpacked from their array column; anything the data no longer holds is missing.
    """
    frame = ds.frame if rows is None else ds.frame.filter(pl.Series(rows))
    columns: dict[str, np.ndarray] = {}
    arrays: dict[str, np.ndarray] = {}
    for name in names:
        stem, _, lag = name.rpartition("_")
        if name in frame.columns:
            columns[name] = frame[name].cast(pl.Float32).to_numpy()
        elif stem in frame.columns and lag.isdigit():
            if stem not in arrays:
                arrays[stem] = np.asarray(frame[stem].to_numpy(), np.float32)
            columns[name] = arrays[stem][:, int(lag)]
        else:
            columns[name] = np.full(frame.height, np.nan, np.float32)
    return pd.DataFrame(columns, columns=list(names)).astype(np.float32)


@dataclass
class CountCandidate:
    target: str
    horizon: int
    recipe: dict[str, Any]
    result: CountBacktestResult
    decision: GateDecision
    model: CountForecaster
    example: pd.DataFrame
    champion_note: str = ""

    @property
    def name(self) -> str:
        return count_model_name(self.target, self.horizon)


def fit_count_final(
    ds: Dataset,
    target: str,
    horizon: int,
    params: dict[str, Any] | None,
    features: Sequence[str],
    seed: int,
    trained: np.ndarray | None = None,
) -> tuple[CountForecaster, list[str]]:
    """The count model on every labelled (and ``trained``) row, with its column names."""
    blend = bool((RECIPES[target] if params is None else params).get("blend_history"))
    X, names = model_matrix(ds, target, horizon, list(features), blend)
    labels = ds.frame[label_name(target, horizon)]
    rows = labels.is_not_null().to_numpy()
    if trained is not None:
        rows &= trained
    model = make_count_model(params, target, horizon, seed)
    frame = pd.DataFrame(X[rows], columns=names)
    model.fit(frame, labels.to_numpy()[rows].astype(np.float64), week=ds.week_idx[rows])
    return model, names


def _bootstrap(
    candidate: pl.DataFrame, other: pl.DataFrame, rule: GateRule, horizon: int
) -> tuple[float, Bootstrap]:
    """The other forecaster's mean CRPS and the bootstrap of candidate minus other on the
    rows both predicted."""
    keys = ["district_code", "issue_week"]
    both = candidate.join(other, on=keys, suffix="_other").sort("issue_week", "district_code")
    boot = paired_block_bootstrap(
        both[METRIC].to_numpy(),
        both[f"{METRIC}_other"].to_numpy(),
        both["issue_week"].to_physical().to_numpy(),
        block=rule.block(horizon),
        resamples=rule.resamples,
        confidence=rule.confidence,
        seed=rule.seed,
    )
    return float(both[f"{METRIC}_other"].mean()), boot


def _scores(result: CountBacktestResult, forecaster: str) -> pl.DataFrame:
    return result.scores.filter(pl.col("forecaster") == forecaster).select(
        "district_code", "issue_week", METRIC
    )


def count_gate(
    result: CountBacktestResult,
    rule: GateRule,
    champion: CountBacktestResult | None = None,
    *,
    same_recipe: bool = False,
) -> GateDecision:
    """Promote only when the model's CRPS beats every baseline's and the champion's
    re-run, each with the bootstrap's confidence."""
    candidate = _scores(result, MODEL)
    values: dict[str, float] = {MODEL: float(candidate[METRIC].mean())}
    if not candidate.height or math.isnan(values[MODEL]):
        return GateDecision(False, f"{METRIC} undefined on the backtest", values)
    found = []
    others = [(n, _scores(result, n)) for n in COUNT_BASELINES]
    if champion is not None:
        others.append((CHAMPION, _scores(champion, MODEL)))
    for name, other in others:
        if not other.height:
            continue
        value, boot = _bootstrap(candidate, other, rule, result.horizon)
        comparison = Comparison(name, value, boot)
        found.append(comparison)
        values[name] = value
        values.update(comparison.values())
    values.update({"confidence": rule.confidence, "resamples": float(rule.resamples)})
    promote = bool(found) and all(c.bootstrap.confident(rule.confidence) for c in found)
    reason = gate_reason(METRIC, values[MODEL], found, rule.confidence, same_recipe)
    return GateDecision(promote, reason, values, tuple(found))


def prepare_count(
    ds: Dataset,
    target: str,
    horizon: int,
    *,
    window: Window,
    seed: int,
    rule: GateRule,
    params: dict[str, Any] | None = None,
    champion_recipe: dict[str, Any] | None = None,
    countries: Sequence[str] | None = None,
    pool: bool = True,
) -> CountCandidate:
    """Backtest, gate and fit one count candidate; touches no store and no MLflow."""
    features = count_features(ds, horizon)
    own = count_recipe(target, params, features)
    result = count_backtest(
        ds,
        target,
        horizon,
        params=params,
        features=features,
        window=window,
        seed=seed,
        countries=countries,
        pool=pool,
    )
    champion, note, same = None, "no champion", False
    if champion_recipe == own:
        note, same = "champion has the same recipe (the newer fit replaces it)", True
    elif champion_recipe is not None:
        champion = count_backtest(
            ds,
            target,
            horizon,
            params=champion_recipe["params"],
            features=[f for f in champion_recipe["features"] if f in ds.frame.columns],
            window=window,
            seed=seed,
            baselines=False,
            countries=countries,
            pool=pool,
        )
        note = "champion recipe re-run on the same folds"
    trained = None if pool else ds.in_countries(countries)
    model, names = fit_count_final(ds, target, horizon, params, features, seed, trained)
    last = ds.week_idx == ds.week_idx.max()
    return CountCandidate(
        target=target,
        horizon=horizon,
        recipe=own,
        result=result,
        decision=count_gate(result, rule, champion, same_recipe=same),
        model=model,
        example=count_matrix(ds, names, last)[:5],
        champion_note=note,
    )


def _flat_metrics(result: CountBacktestResult) -> dict[str, float]:
    out = {}
    for row in result.metrics.to_dicts():
        for key, value in row.items():
            if isinstance(value, float) and math.isfinite(value):
                out[f"backtest/{row['subset']}/{row['forecaster']}/{key}"] = value
    return out


def record_count(candidate: CountCandidate, data: dict[str, Any]) -> Any:
    """One MLflow run and one registered version of a prepared count candidate (no
    alias); returns a training.train.Outcome."""
    import mlflow

    from training.tracking import RECIPE_FILE, log_model, register
    from training.train import Outcome

    decision = candidate.decision
    verdict = "champion" if decision.promote else "challenger"
    with mlflow.start_run(run_name=f"train {candidate.name}") as run:
        mlflow.set_tags(
            {
                "kind": "train-count",
                "target": candidate.target,
                "horizon": candidate.horizon,
                "cadence": WEEK.name,
                "gate_metric": METRIC,
                "gate_decision": verdict,
                "gate_reason": decision.reason,
                "champion_comparison": candidate.champion_note,
            }
        )
        params = {f"model.{k}": v for k, v in candidate.model.get_params().items()}
        # MLflow caps a parameter at 6000 characters; the recipe file holds the long ones.
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()} | data)
        info = log_model(candidate.model, candidate.example, predict_fn="predict")
        mlflow.log_metrics(_flat_metrics(candidate.result))
        mlflow.log_metrics({f"gate/{k}": v for k, v in decision.values.items() if math.isfinite(v)})
        mlflow.log_dict(candidate.recipe, RECIPE_FILE)
        version = register(
            info,
            candidate.name,
            {
                "data_hash": data.get("data_hash", ""),
                "data_last_week": data.get("data_last_week", ""),
                "gate_decision": verdict,
                "gate_reason": decision.reason,
                f"backtest_{METRIC}": decision.values.get(MODEL, math.nan),
            },
        )
    return Outcome(
        target=candidate.target,
        horizon=candidate.horizon,
        name=candidate.name,
        version=str(version.version),
        run_id=run.info.run_id,
        promoted=decision.promote,
        reason=decision.reason,
        metric=decision.values.get(MODEL, math.nan),
    )


def current_count_recipes(
    client: Any, pairs: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], dict[str, Any] | None]:
    """Each count pair's champion recipe (None when unreadable); pairs without one absent."""
    from training.tracking import champion_version, load_recipe

    found: dict[tuple[str, int], dict[str, Any] | None] = {}
    for target, horizon in pairs:
        version = champion_version(client, count_model_name(target, horizon))
        if version is not None:
            found[(target, horizon)] = load_recipe(version.run_id)
    return found


def train_count_candidates(
    ds: Dataset,
    pairs: Sequence[tuple[str, int]],
    *,
    window: Window,
    seed: int,
    rule: GateRule,
    client: Any,
    countries: Sequence[str] | None = None,
    pool: bool = True,
    jobs: int = 1,
    data: dict[str, Any] | None = None,
) -> tuple[list[CountCandidate], list[Any]]:
    """Prepare, log and register a count candidate per pair; no alias is moved here.

    ``ds`` must hold the count columns (:func:`count_dataset`). ``data`` are the data
    parameters logged and tagged (training.tracking.data_params of the dataset before the
    count columns, so the job's "nothing new" check compares like with like).
    """
    from training.tracking import data_params

    recipes = current_count_recipes(client, pairs)
    tasks = [
        dict(
            target=t,
            horizon=h,
            window=window,
            seed=seed,
            rule=rule,
            champion_recipe=recipes.get((t, h)),
            countries=countries,
            pool=pool,
        )
        for t, h in pairs
    ]
    if jobs <= 1 or len(tasks) <= 1:
        candidates = [prepare_count(ds, **task) for task in tasks]
    else:
        from joblib import Parallel, delayed

        candidates = Parallel(n_jobs=jobs, backend="loky")(
            delayed(prepare_count)(ds, **task) for task in tasks
        )
    data = data or data_params(ds)
    return candidates, [record_count(c, data) for c in candidates]


def backtest_summary(result: CountBacktestResult) -> str:
    """The champions table's backtest column: all-rows metrics of the model and baselines."""
    import json

    table = result.metrics.filter(pl.col("subset") == "all")
    by = {row.pop("forecaster"): row for row in table.drop("subset", "rows").to_dicts()}

    def finite(row: dict[str, Any]) -> dict[str, float | None]:
        return {
            k: (v if isinstance(v, float) and math.isfinite(v) else None) for k, v in row.items()
        }

    baselines = {n: finite(by[n]) for n in COUNT_BASELINES if n in by}
    return json.dumps({"model": finite(by.get(MODEL, {})), "baselines": baselines})


def count_champion_rows(
    ds: Dataset,
    candidates: Sequence[CountCandidate],
    outcomes: Sequence[Any],
    promoted_at: Any = None,
) -> pl.DataFrame:
    """``champions`` rows for the promoted count candidates (target events/fatalities)."""
    from datetime import UTC, datetime

    from forecast.core.schema import CHAMPIONS

    promoted_at = promoted_at or datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for c, o in zip(candidates, outcomes, strict=True):
        if not o.promoted:
            continue
        weeks = ds.frame["week"].filter(ds.frame[label_name(c.target, c.horizon)].is_not_null())
        rows.append(
            {
                "target": c.target,
                "horizon": c.horizon,
                "cadence": WEEK.name,
                "model_name": o.name,
                "model_version": o.version,
                "run_id": o.run_id,
                "train_start": weeks.min(),
                "train_end": weeks.max(),
                "backtest": backtest_summary(c.result),
                "promoted_at": promoted_at,
            }
        )
    return CHAMPIONS.conform(pl.DataFrame(rows)) if rows else CHAMPIONS.empty()
