"""MLflow: runs, backtest metrics and plots, the logged model, registration and the gate.

One registered model per target and horizon, named ``risk-<target>-h<horizon>`` (weeks),
or ``risk-<target>-m<horizon>`` at monthly cadence, so both live in one registry. A new
version gets the alias ``champion`` only when, on the same backtest (same rows, same
folds), its ``gate_metric`` (log loss by default) is better than every baseline's and the
current champion's recipe re-run on those folds, and a paired block bootstrap over issue
weeks (training.gate) is ``gate_confidence`` sure of each of those gains. A champion with
the candidate's own recipe is the same model on older data: the newer fit replaces it,
and only the baselines are compared. Otherwise the version is aliased ``challenger``; the
run and the version carry the reason in the tag ``gate_reason`` and the bootstrap's
figures as ``gate/...`` metrics.

The default tracking store is SQLite under the home folder with artifacts in
``<home>/mlartifacts``; any ``MLFLOW_TRACKING_URI`` / ``FORECAST_MLFLOW_TRACKING_URI``
works the same way.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from forecast.core.cadence import WEEK, Cadence
from forecast.core.cadence import get as get_cadence
from training.backtest import MODEL, BacktestResult
from training.baselines import BASELINES
from training.dataset import Dataset
from training.gate import (
    RANKINGS,
    Bootstrap,
    GateRule,
    Resampler,
    check_metric,
    resampled_loss,
    summarise,
)
from training.metrics import reliability_table

EXPERIMENT = "district-risk"
CHAMPION = "champion"
CHALLENGER = "challenger"
RECIPE_FILE = "recipe.json"
# A security service does not phone home: MLflow's usage telemetry is off unless the
# operator sets MLFLOW_DISABLE_TELEMETRY=false explicitly.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

# Logged models declare these instead of letting MLflow import-scan the environment (slow).
PIP_REQUIREMENTS = ("scikit-learn", "lightgbm", "numpy", "pandas")


def model_name(target: str, horizon: int, cadence: Cadence | str = WEEK) -> str:
    """``risk-any-h4`` (4 weeks) or, at monthly cadence, ``risk-any-m3`` (3 months)."""
    unit = "h" if get_cadence(cadence) is WEEK else get_cadence(cadence).suffix
    return f"risk-{target}-{unit}{horizon}"


def configure(tracking_uri: str, artifact_root: Path, experiment: str = EXPERIMENT) -> Any:
    """Point MLflow at the store, create the experiment with local artifacts; a client."""
    import mlflow
    from mlflow import MlflowClient

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    if client.get_experiment_by_name(experiment) is None:
        artifact_root.mkdir(parents=True, exist_ok=True)
        client.create_experiment(experiment, artifact_location=artifact_root.resolve().as_uri())
    mlflow.set_experiment(experiment)
    return client


def data_hash(ds: Dataset) -> str:
    """Content hash of the training frame (sorted; row hashes of every column)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(list(ds.frame.schema.items()), default=str).encode())
    digest.update(ds.frame.hash_rows(seed=0).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def data_params(ds: Dataset) -> dict[str, Any]:
    """The run's data window (first and last period: weeks, or months by cadence)."""
    params = {
        "data_first_week": ds.frame[ds.key].min().isoformat(),
        "data_last_week": ds.last_week.isoformat(),
        "data_districts": ds.frame["district_code"].n_unique(),
        "data_rows": ds.frame.height,
        "data_hash": data_hash(ds),
    }
    if ds.cadence is not WEEK:
        params["cadence"] = ds.cadence.name
    return params


def _finite(values: Mapping[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if v is not None and math.isfinite(v)}


def log_backtest(result: BacktestResult) -> None:
    """Overall and per-fold metrics, reliability and PR images, predictions, into the run."""
    import mlflow

    overall: dict[str, float] = {}
    for subset, by_forecaster in result.overall.items():
        for forecaster, values in by_forecaster.items():
            overall.update({f"{subset}/{forecaster}/{k}": v for k, v in values.items()})
    mlflow.log_metrics(_finite(overall))
    _log_fold_metrics(result.folds)
    if result.predictions.height:
        mlflow.log_figure(reliability_figure(result), "plots/reliability.png")
        mlflow.log_figure(pr_figure(result), "plots/precision_recall.png")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "predictions.parquet"
            result.predictions.write_parquet(path)
            mlflow.log_artifact(str(path), "backtest")
            table = Path(tmp) / "reliability.csv"
            reliability_table(
                result.predictions["observed"].to_numpy(),
                result.predictions["probability"].to_numpy(),
            ).write_csv(table)
            mlflow.log_artifact(str(table), "backtest")


def _log_fold_metrics(folds: pl.DataFrame) -> None:
    """Per-fold metrics as steps (fold number), in one batch: the SQLite store is slow per call."""
    import mlflow
    from mlflow.entities import Metric

    if not folds.height:
        return
    run = mlflow.active_run()
    stamp = int(time.time() * 1000)
    metric_cols = [c for c in folds.columns if c not in {"fold", "origin", "subset", "forecaster"}]
    batch = [
        Metric(
            f"fold/{row['subset']}/{row['forecaster']}/{m}", float(row[m]), stamp, int(row["fold"])
        )
        for row in folds.iter_rows(named=True)
        for m in metric_cols
        if row[m] is not None and math.isfinite(row[m])
    ]
    mlflow.MlflowClient().log_batch(run.info.run_id, metrics=batch)


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5), dpi=90)
    return fig, ax


def _close(fig: Any) -> Any:
    import matplotlib.pyplot as plt

    plt.close(fig)
    return fig


def reliability_figure(result: BacktestResult) -> Any:
    fig, ax = _figure()
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
    preds = result.predictions
    for column, label in (("probability", MODEL), ("climatology", "climatology")):
        if column in preds.columns:
            table = reliability_table(preds["observed"].to_numpy(), preds[column].to_numpy())
            ax.plot(table["mean_forecast"], table["observed_rate"], marker="o", label=label)
    ax.set(
        xlabel="forecast probability",
        ylabel="observed frequency",
        title=f"Reliability {result.target} h={result.horizon}",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend(loc="upper left")
    return _close(fig)


def pr_figure(result: BacktestResult) -> Any:
    from sklearn.metrics import precision_recall_curve

    fig, ax = _figure()
    preds = result.predictions
    y = preds["observed"].to_numpy()
    if y.sum() > 0:
        for column in ("probability", *BASELINES):
            if column in preds.columns:
                precision, recall, _ = precision_recall_curve(y, preds[column].to_numpy())
                ax.plot(recall, precision, label=MODEL if column == "probability" else column)
        ax.legend(loc="upper right")
    ax.set(
        xlabel="recall",
        ylabel="precision",
        title=f"Precision-recall {result.target} h={result.horizon}",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    return _close(fig)


def log_importances(model: Any, features: list[str]) -> None:
    import mlflow

    gain = np.asarray(model.feature_importances_, dtype=float)
    total = gain.sum() or 1.0
    table = pl.DataFrame(
        {
            "feature": features,
            "gain": gain,
            "share": gain / total,
            "prior_coef": np.asarray(model.prior_coefficients_, dtype=float),
        }
    ).sort("gain", descending=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feature_importance.csv"
        table.write_csv(path)
        mlflow.log_artifact(str(path))


def log_model(model: Any, example: Any, predict_fn: str = "predict_proba") -> Any:
    """The fitted model (sklearn flavour; pyfunc serves ``predict_fn``): a RiskClassifier's
    probabilities, a CountForecaster's expected counts (``predict``).

    Saved with skops rather than pickle; the types it must trust on loading are those of
    the model just fitted here (this package's classes, LightGBM's Booster, calibrators).
    """
    import mlflow
    import skops.io
    from mlflow.models import infer_signature

    signature = infer_signature(example, getattr(model, predict_fn)(example))
    return mlflow.sklearn.log_model(
        model,
        name="model",
        signature=signature,
        input_example=example,
        pyfunc_predict_fn=predict_fn,
        pip_requirements=list(PIP_REQUIREMENTS),
        serialization_format="skops",
        skops_trusted_types=skops.io.get_untrusted_types(data=skops.io.dumps(model)),
    )


def recipe(params: Mapping[str, Any], features: list[str]) -> dict[str, Any]:
    """What the gate re-runs for a champion: hyperparameters and feature columns."""
    # Through JSON so a recipe read back from MLflow compares equal (tuples become lists).
    return json.loads(
        json.dumps({"params": dict(sorted(params.items())), "features": list(features)})
    )


def load_recipe(run_id: str) -> dict[str, Any] | None:
    import mlflow

    try:
        return mlflow.artifacts.load_dict(f"runs:/{run_id}/{RECIPE_FILE}")
    except Exception:  # an old or foreign version without a recipe: cannot be re-run
        return None


def champion_version(client: Any, name: str) -> Any | None:
    """The version aliased ``champion``, or None when the model or the alias is missing."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        return None


@dataclass(frozen=True)
class Comparison:
    """The candidate against one other forecaster on the same backtest rows."""

    name: str  # a baseline's column, or "champion"
    value: float  # the other forecaster's metric on those rows
    bootstrap: Bootstrap

    @property
    def gain(self) -> float:
        """How much better the candidate is, in the metric's units (negative: worse)."""
        return self.bootstrap.gain

    def values(self) -> dict[str, float]:
        return {
            f"{self.name}/gain": self.gain,
            f"{self.name}/gain_lower_bound": -self.bootstrap.upper,
            f"{self.name}/p_better": self.bootstrap.p_better,
        }


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reason: str
    values: dict[str, float] = field(default_factory=dict)
    comparisons: tuple[Comparison, ...] = ()


def gate_block(rule: GateRule, result: BacktestResult) -> int:
    """Issue periods per bootstrap block. Weekly: the rule's (``gate_block_weeks``, or the
    horizon and at least 4 weeks). Monthly: the horizon and at least 3 months (a quarter,
    for the seasonal runs that move every district together; ``gate_block_weeks`` counts
    weeks and does not apply)."""
    if result.cadence is WEEK:
        return rule.block(result.horizon)
    return max(result.horizon, result.cadence.min_gate_block)


def _as_value(metric: str, loss: float) -> float:
    """A loss from training.gate back in the metric's units (ranking scores were negated)."""
    return -loss if metric in RANKINGS else loss


def comparisons(
    result: BacktestResult, rule: GateRule, champion: pl.DataFrame | None = None
) -> list[Comparison]:
    """The candidate against every baseline column and the champion's predictions.

    ``champion`` holds district_code, the issue period (issue_week, or issue_month) and
    probability of the champion's recipe re-run on the same folds. Every forecaster is
    scored on the same block draws.
    """
    preds = result.predictions
    issue = result.issue_column
    others = [name for name in BASELINES if name in preds.columns]
    if champion is not None:
        preds = preds.join(
            champion.select("district_code", issue, pl.col("probability").alias(CHAMPION)),
            on=["district_code", issue],
            how="left",
        )
        # The re-run predicts the same rows; any it misses are left out of its comparison.
        preds = preds.filter(pl.col(CHAMPION).is_not_null())
        others.append(CHAMPION)
    y = preds["observed"].to_numpy()
    draws = Resampler(
        preds[issue].to_physical().to_numpy(),
        block=gate_block(rule, result),
        resamples=rule.resamples,
        seed=rule.seed,
    )
    full, resampled = resampled_loss(rule.metric, y, preds["probability"].to_numpy(), draws)
    found = []
    for name in others:
        other_full, other_resampled = resampled_loss(rule.metric, y, preds[name].to_numpy(), draws)
        boot = summarise(
            full - other_full, resampled - other_resampled, rule.confidence, draws.block
        )
        found.append(Comparison(name, _as_value(rule.metric, other_full), boot))
    return found


def _label(c: Comparison) -> str:
    return "the champion" if c.name == CHAMPION else c.name


def _shortfall(c: Comparison, confidence: float) -> str:
    p = f"P {c.bootstrap.p_better:.2f} < {confidence:.2f}"
    if c.gain > 0:
        return f"gain {c.gain:.4f} not confident ({p})"
    return f"worse by {-c.gain:.4f} ({p})" if c.gain < 0 else f"no gain ({p})"


def _passed(c: Comparison) -> str:
    return f"{c.value:.4f}, gain {c.gain:.4f}, P {c.bootstrap.p_better:.2f}"


def gate_reason(
    metric: str,
    candidate: float,
    found: list[Comparison],
    confidence: float,
    same_recipe: bool,
) -> str:
    failed = [c for c in found if not c.bootstrap.confident(confidence)]
    if failed:
        head, *rest = [f"vs {_label(c)} {c.value:.4f}: {_shortfall(c, confidence)}" for c in failed]
        return "; ".join([f"{metric} {candidate:.4f} {head}", *rest])
    baselines = sorted((c for c in found if c.name != CHAMPION), key=lambda c: c.gain)
    reason = (
        f"{metric} {candidate:.4f} beats every baseline with {confidence:.0%} confidence ("
        + "; ".join(f"{c.name} {_passed(c)}" for c in baselines)
        + ")"
    )
    champion = [c for c in found if c.name == CHAMPION]
    if champion:
        reason += f" and the champion ({_passed(champion[0])})"
    elif same_recipe:
        reason += (
            "; the champion has the same recipe, so the newer fit replaces it"
            " (only the baselines' bootstrap applies)"
        )
    return reason


def gate(
    result: BacktestResult,
    rule: GateRule | str,
    champion: pl.DataFrame | None = None,
    *,
    same_recipe: bool = False,
) -> GateDecision:
    """Promote only if the model beats every baseline and the champion, confidently.

    On the backtest's rows, ``rule.metric`` must be better than every baseline's and the
    champion's, and a paired block bootstrap over issue weeks must put the model ahead of
    each in at least ``rule.confidence`` of its resamples. ``champion`` is the champion
    recipe's predictions re-run on the same folds (None when there is no champion, it
    cannot be re-run, or it has the candidate's recipe: ``same_recipe``, the same model
    on older data, which the newer fit replaces).
    """
    rule = GateRule(metric=rule) if isinstance(rule, str) else rule
    check_metric(rule.metric)
    candidate = result.metric(rule.metric)
    values = {MODEL: candidate}
    if math.isnan(candidate) or not result.predictions.height:
        return GateDecision(False, f"{rule.metric} undefined on the backtest", values)
    found = comparisons(result, rule, champion)
    for c in found:
        values[c.name] = c.value
        values.update(c.values())
    values.update(
        {
            "confidence": rule.confidence,
            "resamples": float(rule.resamples),
            "block_weeks": float(gate_block(rule, result)),
        }
    )
    promote = all(c.bootstrap.confident(rule.confidence) for c in found)
    reason = gate_reason(rule.metric, candidate, found, rule.confidence, same_recipe)
    return GateDecision(promote, reason, values, tuple(found))


def gate_line(result: BacktestResult, rule: GateRule) -> str:
    """One line for ``forecast backtest``: the model against its closest baseline."""
    head = f"gate {result.target} h={result.horizon}:"
    try:
        decision = gate(result, rule)
    except ValueError as error:  # a metric the bootstrap cannot compare
        return f"{head} {error}"
    if not decision.comparisons:
        return f"{head} {decision.reason}"
    closest = min(decision.comparisons, key=lambda c: c.gain)
    candidate = decision.values[MODEL]
    verdict = (
        "beats every baseline"
        if decision.promote
        else f"does not beat every baseline with {rule.confidence:.0%} confidence"
    )
    return (
        f"{head} {rule.metric} {candidate:.4f}, best baseline {closest.name} "
        f"{closest.value:.4f}, difference {candidate - closest.value:+.4f}, "
        f"P {closest.bootstrap.p_better:.2f} ({verdict})"
    )


def register(model_info: Any, name: str, tags: Mapping[str, Any]) -> Any:
    """A new version of the registered model ``name`` from a logged model."""
    import mlflow

    return mlflow.register_model(
        model_info.model_uri, name, tags={k: str(v) for k, v in tags.items()}
    )


def set_alias(client: Any, name: str, version: str, alias: str) -> None:
    client.set_registered_model_alias(name, alias, str(version))


def reconcile_aliases(client: Any, store: Any) -> list[str]:
    """Point each ``champion`` alias at the version the store's champions table names.

    The store commits first and the aliases follow (forecast.jobs.retrain._commit); a run
    killed in between leaves an alias behind, put back here by the next run. Versions the
    registry does not hold (a registry reset) are left alone. Returns one line per alias
    moved.
    """
    from mlflow.exceptions import MlflowException

    if not store.has_table("champions"):
        return []
    rows = store.con.execute("SELECT DISTINCT model_name, model_version FROM champions").fetchall()
    lines = []
    for name, version in rows:
        current = champion_version(client, name)
        if current is not None and str(current.version) == str(version):
            continue
        try:
            set_alias(client, name, str(version), CHAMPION)
        except MlflowException as error:  # e.g. a registry reset: say so, keep going
            lines.append(f"{name}: could not put the champion alias back at v{version}: {error}")
            continue
        was = "none" if current is None else f"v{current.version}"
        lines.append(f"{name}: champion alias put back at v{version} (was {was})")
    return lines
