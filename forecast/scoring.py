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

A pair without a champion is scored by the logistic history baseline and labelled
``risk-<target>-h<h>/baseline-logistic`` (training.fallback); its drivers are the
baseline's exact log-odds terms. ``baseline_fallback = false`` leaves such pairs unscored.

Writing replaces the rows of the issue week for the (target, horizon) pairs scored, in
one transaction.

At monthly cadence the issue period is a month (``issue_week`` holds its 1st, ``cadence``
is ``month``), the horizons are months, the models are ``risk-<target>-m<h>``; weekly and
monthly rows live side by side in the table, keyed by ``cadence``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import structlog

from forecast.core.bands import Bands, band_expr, load_bands
from forecast.core.cadence import WEEK
from forecast.core.cadence import get as get_cadence
from forecast.core.schema import CHAMPIONS, EVENTS, FORECASTS
from forecast.core.settings import Settings
from forecast.core.store import Store, add_cadence_column
from training.dataset import Dataset
from training.fallback import fallbacks
from training.served import ScoringModel

log = structlog.get_logger(__name__)

TOP_DRIVERS = 5


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
    *,
    data_as_of: date | None = None,
    bands: Bands | None = None,
) -> pl.DataFrame:
    """Forecast rows for every district of ``week`` (of ``ds.countries`` when set) and
    every model given (pure). ``week`` is the issue period's first day (a month's at
    monthly cadence, ``ds.cadence``); the rows carry the dataset's cadence.

    ``ds`` is a :class:`training.dataset.Dataset`; features a model needs that the data
    no longer holds are given as missing values. ``data_as_of`` is the latest event date
    in the store (:func:`data_as_of`); ``bands`` default to the configured ones.
    """
    bands = bands or load_bands()
    import pandas as pd

    # Only the service's countries are forecast (Dataset.countries; every one when empty),
    # though a pooled model was trained on every loaded country.
    cadence = getattr(ds, "cadence", WEEK)
    rows = (ds.frame[cadence.key] == week).to_numpy() & ds.in_countries()
    if not rows.any():
        raise ValueError(f"no panel rows for issue {cadence.unit} {week}")
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
                    "data_as_of": pl.Series([data_as_of] * len(districts), dtype=pl.Date),
                    "cadence": cadence.name,
                }
            )
        )
    out = pl.concat(frames).with_columns(band_expr(pl.col("probability"), bands).alias("band"))
    return FORECASTS.conform(out)


def write_forecasts(
    store: Store, frame: pl.DataFrame, intensity: pl.DataFrame | None = None
) -> int:
    """Replace the rows of these issue periods, cadences and (target, horizon) pairs, and
    the intensity rows scored with them; one transaction."""
    from forecast.intensity import replace_intensity

    frame = FORECASTS.conform(frame)
    with store.transaction() as con:
        replace_forecasts(con, frame)
        if intensity is not None:
            replace_intensity(con, intensity)
    return frame.height


def scored_frames(
    ds: Any,
    week: date,
    models: Mapping[tuple[str, int], ScoringModel],
    count_models: Mapping[tuple[str, int], ScoringModel],
    settings: Settings,
    *,
    data_as_of: date | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The forecasts and intensity rows of one issue period (pure): the probabilities,
    the expected counts with escalation, and the bands combining both (forecast.intensity).
    ``ds`` holds the count columns when ``count_models`` are given."""
    from forecast.escalation import Thresholds
    from forecast.intensity import combine_bands, intensity_frame

    bands = load_bands(settings)
    frame = forecast_frame(ds, week, models, data_as_of=data_as_of, bands=bands)
    intensity = intensity_frame(
        ds, week, count_models, Thresholds.from_settings(settings), data_as_of=data_as_of
    )
    frame = combine_bands(frame, intensity, bands, settings.top_band_min_weekly_events)
    return FORECASTS.conform(frame), intensity


def data_as_of(store: Store, cadence: Any = None) -> date | None:
    """The latest event date in the store: what a forecast made now knows about.

    At monthly cadence the counts count too: the last day of the latest month they hold,
    when that is later (the HDX counts run years past the event-level exports).
    """
    latest = None
    if store.has_table("events"):
        latest = store.con.execute("SELECT max(event_date) FROM events").fetchone()[0]
    if get_cadence(cadence) is WEEK or not store.has_table("counts"):
        return latest
    month = store.con.execute("SELECT max(month) FROM counts").fetchone()[0]
    if month is None:
        return latest
    counted = get_cadence(cadence).last_day(month)
    return counted if latest is None or counted > latest else latest


def _create_forecasts(con: Any) -> None:
    con.execute(FORECASTS.ddl())
    # Stores written before data_as_of existed get the column (null for their rows).
    con.execute("ALTER TABLE forecasts ADD COLUMN IF NOT EXISTS data_as_of DATE")
    add_cadence_column(con, "forecasts")  # written before schema 3: weekly rows


def replace_rows(con: Any, table: str, frame: pl.DataFrame, keys: Sequence[str]) -> None:
    """Delete ``table``'s rows whose ``keys`` match a row of ``frame``, then insert
    ``frame``, inside the caller's transaction (the forecasts' and intensity's write)."""
    con.register("_replace_keys", frame.select(*keys).unique().to_arrow())
    con.register("_replace_rows", frame.to_arrow())
    match = " AND ".join(f't."{k}" = k."{k}"' for k in keys)
    try:
        con.execute(f'DELETE FROM "{table}" t USING _replace_keys k WHERE {match}')
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _replace_rows')
    finally:
        con.unregister("_replace_keys")
        con.unregister("_replace_rows")


# Forecasts and intensity rows are replaced per issue period, target, horizon and cadence.
PERIOD_KEYS = ("issue_week", "target", "horizon", "cadence")


def replace_forecasts(con: Any, frame: pl.DataFrame) -> None:
    """The body of :func:`write_forecasts`, for callers already inside a transaction."""
    _create_forecasts(con)
    frame = frame.with_columns(pl.col("cadence").fill_null(WEEK.name))
    replace_rows(con, "forecasts", frame, PERIOD_KEYS)


def replace_champions(con: Any, frame: pl.DataFrame) -> None:
    """Upsert the ``champions`` rows of these (target, horizon, cadence) triples, inside a
    transaction."""
    frame = CHAMPIONS.conform(frame).with_columns(pl.col("cadence").fill_null(WEEK.name))
    con.execute(CHAMPIONS.ddl())
    add_cadence_column(con, "champions")
    con.register("_champion_rows", frame.to_arrow())
    try:
        con.execute(
            """
            DELETE FROM champions c USING _champion_rows r
            WHERE c.target = r.target AND c.horizon = r.horizon AND c.cadence = r.cadence
            """
        )
        con.execute("INSERT INTO champions BY NAME SELECT * FROM _champion_rows")
    finally:
        con.unregister("_champion_rows")


class NoChampionError(RuntimeError):
    """No registered model has the ``champion`` alias yet."""


def load_named_champions(
    client: Any, names: Mapping[tuple[str, int], str]
) -> dict[tuple[str, int], ScoringModel]:
    """The champion of each registered model ``names[pair]`` that has one, by pair."""
    import mlflow

    from training.tracking import champion_version

    found: dict[tuple[str, int], ScoringModel] = {}
    for pair, name in names.items():
        version = champion_version(client, name)
        if version is None:
            continue
        # By version, not alias: the alias could move between the two calls.
        model = mlflow.sklearn.load_model(f"models:/{name}/{version.version}")
        found[pair] = ScoringModel(model, f"{name}/{version.version}")
    return found


def load_champions(
    client: Any, pairs: Sequence[tuple[str, int]], cadence: str = "week"
) -> dict[tuple[str, int], ScoringModel]:
    """The champion of each (target, horizon) pair of the cadence that has one."""
    from training.tracking import model_name

    return load_named_champions(client, {(t, h): model_name(t, h, cadence) for t, h in pairs})


def with_fallbacks(
    models: Mapping[tuple[str, int], ScoringModel],
    pairs: Sequence[tuple[str, int]],
    ds: Any,
    *,
    enabled: bool,
) -> dict[tuple[str, int], ScoringModel]:
    """The champions, plus the labelled baseline for every pair without one when enabled."""

    missing = [pair for pair in pairs if pair not in models]
    return {**models, **(fallbacks(ds, missing) if enabled else {})}


def score_week(
    store: Store,
    week: date | None = None,
    *,
    settings: Settings | None = None,
    ds: Dataset | None = None,
    cadence: str | None = None,
) -> pl.DataFrame:
    """Score ``week`` (default: the latest panel period) with every champion and store it.

    Only the districts of ``settings.countries`` are written when it is set. Pairs
    without a champion get the logistic history baseline, labelled as such
    (training.fallback), unless ``settings.baseline_fallback`` is off. The count
    champions (``count-<target>-h<h>``) write the week's ``intensity`` rows in the same
    transaction and combine the bands (forecast.intensity). ``cadence``
    (default settings.cadence) chooses the panel, the models and the period: at monthly
    cadence ``week`` may be any day of the month.
    """
    from forecast.core.settings import get_settings
    from forecast.intensity import load_count_champions
    from training.count_train import count_dataset, count_pairs
    from training.dataset import dataset_from_store
    from training.plan import cadence_pairs, onset_window
    from training.tracking import configure, reconcile_aliases

    settings = settings or get_settings()
    cad = get_cadence(cadence or settings.cadence)
    client = configure(settings.mlflow_uri, settings.artifact_root)
    for line in reconcile_aliases(client, store):  # a killed job may have left one behind
        log.warning("champion_alias", detail=line)
    pairs = cadence_pairs(settings, cad)
    models = load_champions(client, pairs, cad.name)
    if not models and not settings.baseline_fallback:
        raise NoChampionError("no champion model registered yet; run `forecast train` first")
    if ds is None:
        ds = dataset_from_store(
            store,
            settings.horizons_for(cad.name),
            list(dict.fromkeys(t for t, _ in pairs)),
            onset_weeks=onset_window(settings, cad),
            countries=settings.countries,
            pool=settings.pool_countries,
            cadence=cad,
        )
    models = with_fallbacks(models, pairs, ds, enabled=settings.baseline_fallback)
    count_models = load_count_champions(client, count_pairs(settings, cad))
    if count_models:
        ds = count_dataset(ds, EVENTS.conform(store.read("events")))
    frame, intensity = scored_frames(
        ds,
        cad.truncate(week) if week else ds.last_week,
        models,
        count_models,
        settings,
        data_as_of=data_as_of(store, cad),
    )
    write_forecasts(store, frame, intensity)
    return frame
