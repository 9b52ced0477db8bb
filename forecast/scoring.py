"""Scoring: the champion models' forecasts for one issue week, into the ``forecasts`` table.

For every district, horizon and target the table holds the probability of at least one
event of the target kind in weeks t+1 .. t+h after the issue week t, its band, the model
version (``risk-<target>-h<h>/<version>``) and the top drivers: a JSON list of
``{"feature", "value", "contribution"}`` for the features with the largest absolute
LightGBM SHAP contributions (``pred_contrib=True``).

Contributions are on the log-odds scale. With sigmoid calibration (the default) they are
the booster's contributions times the calibration slope, so for each row they sum, with
the bias, exactly to the logit of the published probability; with isotonic calibration
they are the booster's raw log-odds contributions (see training.model). Positive means
the feature raised the risk.

Writing replaces the rows of the issue week for the (target, horizon) pairs scored, in
one transaction.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from forecast.schema import Column, Table
from forecast.store import Store

# Band thresholds: a probability p is in the first band whose upper bound exceeds it,
# low < 0.1 <= elevated < 0.3 <= high < 0.6 <= very high.
BANDS: tuple[tuple[float, str], ...] = (
    (0.1, "low"),
    (0.3, "elevated"),
    (0.6, "high"),
    (math.inf, "very high"),
)
TOP_DRIVERS = 5

FORECASTS = Table(
    "forecasts",
    (
        Column("district_code", "VARCHAR NOT NULL", pl.Utf8, "district"),
        Column(
            "issue_week",
            "DATE NOT NULL",
            pl.Date,
            "Monday of the week the forecast uses data up to",
        ),
        Column("horizon", "INTEGER NOT NULL", pl.Int32, "weeks ahead: the window is t+1 .. t+h"),
        Column("target", "VARCHAR NOT NULL", pl.Utf8, "any, fatal, civilians or abduction"),
        Column("probability", "DOUBLE NOT NULL", pl.Float64, "calibrated probability"),
        Column("band", "VARCHAR NOT NULL", pl.Utf8, "low, elevated, high or very high (BANDS)"),
        Column("model_version", "VARCHAR NOT NULL", pl.Utf8, "registered model name/version"),
        Column("top_drivers", "VARCHAR NOT NULL", pl.Utf8, "JSON [{feature, value, contribution}]"),
    ),
    ("district_code", "issue_week", "horizon", "target"),
)


def band(probability: pl.Expr) -> pl.Expr:
    """The band name of each probability (see BANDS)."""
    expr = pl.lit(BANDS[-1][1])
    for upper, name in reversed(BANDS[:-1]):
        expr = pl.when(probability < upper).then(pl.lit(name)).otherwise(expr)
    return expr


@dataclass(frozen=True)
class ScoringModel:
    """A fitted model and the label to store as ``model_version``."""

    model: Any
    version: str


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _drivers(
    contributions: np.ndarray, values: np.ndarray, names: Sequence[str], top: int
) -> list[str]:
    """JSON lists of the ``top`` features by absolute contribution, per row."""
    feature_part = contributions[:, :-1]
    order = np.argsort(-np.abs(feature_part), axis=1, kind="stable")[:, :top]
    rows = np.arange(order.shape[0])[:, None]
    chosen_c = feature_part[rows, order]
    chosen_v = values[rows, order]
    out: list[str] = []
    for idx, cons, vals in zip(order, chosen_c, chosen_v, strict=True):
        out.append(
            json.dumps(
                [
                    {
                        "feature": names[i],
                        "value": None if not math.isfinite(v) else round(float(v), 6),
                        "contribution": round(float(c), 6),
                    }
                    for i, c, v in zip(idx, cons, vals, strict=True)
                ]
            )
        )
    return out


def forecast_frame(
    ds: Any,
    week: date,
    models: Mapping[tuple[str, int], ScoringModel],
    top: int = TOP_DRIVERS,
) -> pl.DataFrame:
    """Forecast rows for every district of ``week`` and every model given (pure).

    ``ds`` is a :class:`training.dataset.Dataset`; features a model needs that the data
    no longer holds are given as missing values.
    """
    import pandas as pd

    rows = (ds.frame["week"] == week).to_numpy()
    if not rows.any():
        raise ValueError(f"no panel rows for issue week {week}")
    districts = ds.frame.filter(pl.Series(rows))["district_code"]
    frames = []
    for (target, horizon), scoring in sorted(models.items()):
        names = [str(n) for n in scoring.model.feature_names_in_]
        present = [n for n in names if n in ds.frame.columns]
        X = pd.DataFrame(ds.matrix(present, rows), columns=present).reindex(columns=names)
        X = X.astype(np.float32)
        probability = scoring.model.predict_proba(X)[:, 1]
        drivers = _drivers(scoring.model.contributions(X), X.to_numpy(), names, top)
        frames.append(
            pl.DataFrame(
                {
                    "district_code": districts,
                    "issue_week": [week] * len(districts),
                    "horizon": horizon,
                    "target": target,
                    "probability": probability,
                    "model_version": scoring.version,
                    "top_drivers": drivers,
                }
            )
        )
    out = pl.concat(frames).with_columns(band(pl.col("probability")).alias("band"))
    return FORECASTS.conform(out)


def write_forecasts(store: Store, frame: pl.DataFrame) -> int:
    """Replace the rows of these issue weeks and (target, horizon) pairs; one transaction."""
    frame = FORECASTS.conform(frame)
    with store.transaction() as con:
        replace_forecasts(con, frame)
    return frame.height


def replace_forecasts(con: Any, frame: pl.DataFrame) -> None:
    """The body of :func:`write_forecasts`, for callers already inside a transaction."""
    con.execute(FORECASTS.ddl())
    keys = frame.select("issue_week", "target", "horizon").unique()
    con.register("_forecast_keys", keys.to_arrow())
    con.register("_forecast_rows", frame.to_arrow())
    try:
        con.execute(
            """
            DELETE FROM forecasts f USING _forecast_keys k
            WHERE f.issue_week = k.issue_week AND f.target = k.target AND f.horizon = k.horizon
            """
        )
        con.execute("INSERT INTO forecasts BY NAME SELECT * FROM _forecast_rows")
    finally:
        con.unregister("_forecast_keys")
        con.unregister("_forecast_rows")


class NoChampionError(RuntimeError):
    """No registered model has the ``champion`` alias yet."""


def load_champions(
    client: Any, pairs: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], ScoringModel]:
    """The champion of each (target, horizon) pair that has one."""
    import mlflow

    from training.tracking import champion_version, model_name

    found: dict[tuple[str, int], ScoringModel] = {}
    for target, horizon in pairs:
        name = model_name(target, horizon)
        version = champion_version(client, name)
        if version is None:
            continue
        # By version, not alias: the alias could move between the two calls.
        model = mlflow.sklearn.load_model(f"models:/{name}/{version.version}")
        found[(target, horizon)] = ScoringModel(model, f"{name}/{version.version}")
    return found


def score_week(
    store: Store,
    week: date | None = None,
    *,
    settings: Any = None,
    ds: Any = None,
) -> pl.DataFrame:
    """Score ``week`` (default: the latest panel week) with every champion and store it."""
    from forecast.settings import get_settings
    from training.dataset import dataset_from_store
    from training.tracking import configure

    settings = settings or get_settings()
    client = configure(settings.mlflow_uri, settings.artifact_root)
    pairs = [(t, h) for t in settings.targets for h in settings.horizons]
    models = load_champions(client, pairs)
    if not models:
        raise NoChampionError("no champion model registered yet; run `forecast train` first")
    if ds is None:
        ds = dataset_from_store(
            store, settings.horizons, settings.targets, onset_weeks=settings.onset_window_weeks
        )
    frame = forecast_frame(ds, monday(week) if week else ds.last_week, models)
    write_forecasts(store, frame)
    return frame
