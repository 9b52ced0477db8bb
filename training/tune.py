"""Hyperparameter search with optuna, inside the training window only.

For a target and horizon the search runs an inner rolling-origin backtest on the rows
whose label window ends before ``until`` (by default the first week the outer backtest
predicts), so the tuned parameters have never seen the weeks they are later judged on.
The sampler is seeded and the budget bounded (``n_trials``, optional ``timeout``); each
trial is an MLflow child run of one parent run. The best set is stored in
``<home>/tuning/best_params.json`` under ``<target>-h<horizon>`` (``<target>-m<horizon>``
at monthly cadence) and used by training and retraining; without it
:class:`training.model.RiskClassifier`'s defaults apply.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from forecast.core.cadence import WEEK, Cadence
from forecast.core.cadence import get as get_cadence
from training.backtest import Window, backtest, origins, to_week
from training.dataset import Dataset
from training.metrics import LOWER_IS_BETTER

PARAMS_FILE = Path("tuning") / "best_params.json"
DEFAULT_TRIALS = 20


def params_path(home: Path) -> Path:
    return Path(home) / PARAMS_FILE


def params_key(target: str, horizon: int, cadence: Cadence | str = WEEK) -> str:
    """``any-h4`` (weeks) or ``any-m3`` (months): the tuned set of one pair."""
    c = get_cadence(cadence)
    return f"{target}-{'h' if c is WEEK else c.suffix}{horizon}"


def load_all(home: Path) -> dict[str, Any]:
    path = params_path(home)
    return json.loads(path.read_text()) if path.exists() else {}


def load_params(
    home: Path, target: str, horizon: int, cadence: Cadence | str = WEEK
) -> dict[str, Any] | None:
    """The stored best parameters for a target and horizon, or None."""
    entry = load_all(home).get(params_key(target, horizon, cadence))
    return dict(entry["params"]) if entry else None


def save_params(
    home: Path,
    target: str,
    horizon: int,
    entry: dict[str, Any],
    cadence: Cadence | str = WEEK,
) -> Path:
    """Store one entry (params and provenance), keeping the others; atomic replace."""
    path = params_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = load_all(home)
    stored[params_key(target, horizon, cadence)] = entry
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(stored, indent=2, sort_keys=True, default=str))
    tmp.replace(path)
    return path


def suggest(trial: Any) -> dict[str, Any]:
    """The search space (bounded; log scales where the effect is multiplicative).

    ``n_estimators`` is a cap: early stopping on the calibration block picks the count.
    Leaves and leaf sizes stay on the regularised side, where the backtests of
    docs/EVALUATION.md found the trees help (larger trees overfit the history's residual).
    """
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 600, step=50),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.15, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 4, 31, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 50, 400, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
    }


def default_until(ds: Dataset, target: str, horizon: int, window: Window) -> date:
    """The first issue period the outer backtest would predict."""
    labelled = ds.labels(target, horizon).is_not_null().to_numpy()
    starts, _ = origins(ds.week_idx, labelled, horizon, window)
    return to_week(starts[0], ds.cadence) if starts else ds.last_week


def _later(column: str, periods: int, cadence: Cadence) -> Any:
    """The period ``periods`` after each row's (weeks, or calendar months)."""
    import polars as pl

    if cadence is WEEK:
        return pl.col(column) + pl.duration(weeks=periods)
    return pl.col(column).dt.offset_by(f"{periods}mo")


def inner_dataset(ds: Dataset, horizon: int, until: date) -> Dataset:
    """The rows whose label window ends before ``until``; later labels become unknown."""
    import polars as pl

    key = ds.key
    keep = ds.frame[key] < until
    frame = ds.frame.filter(keep)
    # Labels whose window reaches ``until`` must not be seen: null them per horizon.
    cut = {}
    for name in frame.columns:
        if name.startswith("y_") and "_h" in name:
            h = int(name.rsplit("_h", 1)[1])
            cut[name] = pl.when(_later(key, h, ds.cadence) < pl.lit(until)).then(pl.col(name))
    frame = frame.with_columns(**cut)
    return Dataset(
        frame=frame,
        panel_features=ds.panel_features,
        horizons=ds.horizons,
        targets=ds.targets,
        last_week=frame[key].max(),
        week_idx=ds.week_idx[keep.to_numpy()],
        cadence=ds.cadence,
    )


def tune(
    ds: Dataset,
    target: str,
    horizon: int,
    *,
    metric: str,
    n_trials: int = DEFAULT_TRIALS,
    timeout: float | None = None,
    until: date | None = None,
    inner: Window | None = None,
    seed: int = 0,
    log_trials: bool = True,
) -> dict[str, Any]:
    """Search parameters on an inner backtest before ``until``; the best set and its score."""
    import optuna

    until = until or default_until(ds, target, horizon, Window.of(ds.cadence))
    # Half-yearly refits over two years of the training window, weeks or months.
    inner = inner or Window.of(ds.cadence, step=ds.cadence.periods_per_year // 2, default_years=2)
    sub = inner_dataset(ds, horizon, until)
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0

    def objective(trial: Any) -> float:
        params = suggest(trial)
        result = backtest(
            sub, target, horizon, params=params, window=inner, seed=seed, baselines=False
        )
        value = result.metric(metric)
        if log_trials:
            _log_trial(trial.number, params, metric, value)
        return sign * value if math.isfinite(value) else -np.inf

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n_trials, timeout=timeout)
    if not math.isfinite(study.best_value):
        raise ValueError(
            f"training window before {until} is too short for an inner backtest "
            f"({inner.min_train_weeks} training weeks + h, then {inner.default_years} year(s))"
        )
    return {
        "params": study.best_params,
        "value": sign * study.best_value,
        "metric": metric,
        "trials": len(study.trials),
        "until": until.isoformat(),
        "data_last_week": ds.last_week.isoformat(),
        "tuned_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _log_trial(number: int, params: dict[str, Any], metric: str, value: float) -> None:
    import mlflow

    with mlflow.start_run(run_name=f"trial {number}", nested=True):
        mlflow.log_params(params)
        if math.isfinite(value):
            mlflow.log_metric(metric, value)
