"""Rolling-origin backtests of the count model beside the count baselines, on the same rows.

The folds are training.backtest's (its ``origins`` and ``fold_masks``, the same
:class:`~training.backtest.Window`): at each origin o the model is fitted on the labelled
rows whose label window ends before o (``week + h < o``, an embargo of h weeks) and
predicts the issue weeks o .. o+step-1. The baselines need no fitting but are scored on
exactly those rows.

Per row (:data:`PREDICTION_COLUMNS`): the model's expected count and its 50/80/95%
intervals, the observed count and each baseline's expected count, then ``onset``,
``fold`` and ``origin``. Per row and forecaster (``scores``, long): CRPS, the
quantile-averaged pinball loss, the squared log1p error of the expected count, and the
coverage and width of each interval; :func:`metrics_table` averages them, all rows and
onset rows (no count of the target in the 52 weeks up to the issue week), and
:func:`gate` bootstraps the model's CRPS against each baseline's as the champion gate
does log loss (training.gate, paired over issue weeks).

``forecast backtest --target events --horizon 4`` runs it on the service's store
(:func:`run_count_backtests`, :func:`comparison_table`, :func:`gate_lines`, and
:func:`log_count_backtest_run` for its MLflow run); ``python -m training.count_backtest
--home DIR --target events --horizon 4`` on any store, with ``--params`` for variants.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import typer

from training.backtest import Window, fold_masks, origins, to_week
from training.count_baselines import COUNT_BASELINES
from training.count_distributions import CountDistribution
from training.count_metrics import COVERAGES, central_interval, row_scores
from training.counts import (
    COUNT_TARGETS,
    count_history_columns,
    history_name,
    intensity_columns,
    onset_count_name,
    past_name,
    past_sample_names,
    with_counts,
)
from training.dataset import Dataset
from training.gate import Bootstrap, GateRule, paired_block_bootstrap
from training.intensity import CountForecaster
from training.labels import label_name

MODEL = "model"
SUBSETS = ("all", "onset")
INTERVAL_COLUMNS = tuple(
    f"{side}{round(c * 100)}" for c in COVERAGES for side in ("lower", "upper")
)
PREDICTION_COLUMNS = (
    "district_code",
    "issue_week",
    "horizon",
    "target",
    "expected",
    *INTERVAL_COLUMNS,
    "observed",
    *COUNT_BASELINES,
)
# Per-target defaults: fatalities' heavy tail wants a Tweedie deviance for the trees.
OBJECTIVES = {"events": "poisson", "fatalities": "tweedie"}
# The recipes chosen on the inner validation at h=4 (training.count_variants: the lowest
# inner CRPS of every variant tried). Re-checked on the real Mali store with one change at
# a time (docs/EVALUATION.md, "Intensity", ablations): no change beat them by more than the
# seed noise and dropping the hurdle clearly lost for fatalities, so they stay. Both blend the
# model's law with the district's empirical history, recalibrate the mean by an affine
# map of its log on the calibration block and weigh training rows by recency (two-year
# half-life); fatalities also split occurrence from size (hurdle).
RECIPES: dict[str, dict[str, Any]] = {
    "events": {
        "blend_history": True,
        "mean_calibration": "affine",
        "recency_halflife_weeks": 104,
    },
    "fatalities": {
        "hurdle": True,
        "blend_history": True,
        "mean_calibration": "affine",
        "recency_halflife_weeks": 104,
    },
}


def count_features(ds: Dataset, horizon: int, *, intensity: bool = True) -> list[str]:
    """The model's columns: the panel's and ``any``'s history, both count histories and
    (``intensity``) the summaries of both targets' past h-week counts."""
    base = ds.features("any")
    extra = [c for t in COUNT_TARGETS for c in count_history_columns(t)]
    if intensity:
        extra += [c for t in COUNT_TARGETS for c in intensity_columns(t, horizon)]
    return base + [c for c in extra if c not in base]


def model_matrix(
    ds: Dataset, target: str, horizon: int, columns: Sequence[str], history: bool
) -> tuple[np.ndarray, list[str]]:
    """The feature matrix, with the target's past h-week counts appended as scalar
    columns when ``history`` (the model's ``history_columns``, for the blend)."""
    X = ds.matrix(columns)
    names = list(columns)
    if history:
        sample = ds.frame[past_name(target, horizon)].to_numpy().astype(np.float32)
        X = np.hstack([X, sample])
        names += past_sample_names(target, horizon, sample.shape[1])
    return X, names


def prior_columns(target: str) -> tuple[str, ...]:
    """The Poisson prior's history: the target's own counts, and events for fatalities
    (deaths follow fighting: a district's event count says much of its next deaths)."""
    own = count_history_columns(target)
    other = [] if target == "events" else [history_name("events", w) for w in (4, 52)]
    return tuple(own + other)


def make_count_model(
    params: dict[str, Any] | None, target: str, horizon: int, seed: int
) -> CountForecaster:
    """The model for a count target and horizon: its prior, objective, an h-week embargo,
    and ``params`` on top (None: the target's recipe, :data:`RECIPES`)."""
    settings = {
        "objective": OBJECTIVES[target],
        "prior_columns": prior_columns(target),
        "random_state": seed,
        **(RECIPES[target] if params is None else params),
        "embargo_weeks": horizon,
    }
    if settings["prior_columns"] is not None:
        settings["prior_columns"] = tuple(settings["prior_columns"])
    if "interval_coverages" in settings:
        settings["interval_coverages"] = tuple(settings["interval_coverages"])
    if settings.get("blend_history"):
        settings["history_columns"] = tuple(past_sample_names(target, horizon))
    return CountForecaster(**settings)


@dataclass
class CountBacktestResult:
    target: str
    horizon: int
    predictions: pl.DataFrame
    scores: pl.DataFrame  # long: one row per backtest row and forecaster
    models: list[CountForecaster]

    @property
    def metrics(self) -> pl.DataFrame:
        return metrics_table(self.scores)

    def metric(self, name: str, forecaster: str = MODEL, subset: str = "all") -> float:
        table = self.metrics.filter(
            (pl.col("forecaster") == forecaster) & (pl.col("subset") == subset)
        )
        return float(table[name][0]) if table.height else math.nan


def _folds(
    ds: Dataset,
    target: str,
    horizon: int,
    window: Window,
    evaluated: np.ndarray,
    trained: np.ndarray,
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    labelled = ds.frame[label_name(target, horizon)].is_not_null().to_numpy()
    starts, end = origins(ds.week_idx, labelled & evaluated, horizon, window)
    for origin in starts:
        train, test = fold_masks(ds.week_idx, labelled, origin, window.step, horizon, end)
        train, test = train & trained, test & evaluated
        if test.any() and train.any():
            yield origin, train, test


def _named(X: np.ndarray, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(X, columns=columns, copy=False)


def _score_frame(
    name: str,
    dist: CountDistribution,
    intervals: dict[float, tuple[np.ndarray, np.ndarray]],
    y: np.ndarray,
    keys: dict[str, Any],
) -> pl.DataFrame:
    return pl.DataFrame({**keys, "forecaster": name, **row_scores(dist, y, intervals)})


def count_backtest(
    ds: Dataset,
    target: str,
    horizon: int,
    *,
    params: dict[str, Any] | None = None,
    features: Sequence[str] | None = None,
    window: Window | None = None,
    seed: int = 0,
    baselines: bool = True,
    countries: Sequence[str] | None = None,
    pool: bool = True,
) -> CountBacktestResult:
    """Out-of-sample predictive laws of the model and the baselines, fold by fold.

    ``ds`` must hold the count columns (:func:`training.counts.with_counts`). ``params``
    are the CountForecaster's (None: the target's recipe, :data:`RECIPES`; ``{}``: the
    estimator's defaults).
    """
    if target not in COUNT_TARGETS:
        raise ValueError(f"unknown count target {target!r} (one of {', '.join(COUNT_TARGETS)})")
    window = window or Window()
    blend = bool((RECIPES[target] if params is None else params).get("blend_history"))
    X, columns = model_matrix(
        ds, target, horizon, list(features or count_features(ds, horizon)), blend
    )
    y_all = ds.frame[label_name(target, horizon)].fill_null(0).to_numpy().astype(np.float64)
    onset = ds.frame[onset_count_name(target)].to_numpy()
    evaluated = ds.in_countries(countries)
    trained = np.ones_like(evaluated) if pool else evaluated
    blocks: list[pl.DataFrame] = []
    scores: list[pl.DataFrame] = []
    models: list[CountForecaster] = []
    for fold, (origin, train, test) in enumerate(
        _folds(ds, target, horizon, window, evaluated, trained)
    ):
        model = make_count_model(params, target, horizon, seed)
        model.fit(_named(X[train], columns), y_all[train], week=ds.week_idx[train])
        models.append(model)
        test_frame = ds.frame.filter(pl.Series(test))
        y = y_all[test]
        X_test = _named(X[test], columns)
        dist = model.predict_distribution(X_test)
        intervals = model.predict_intervals(X_test, COVERAGES)
        keys = {
            "district_code": test_frame["district_code"],
            "issue_week": test_frame["week"],
            "onset": onset[test],
            "fold": fold,
        }
        block: dict[str, Any] = {**keys, "origin": to_week(origin), "expected": dist.mean()}
        for c, (lower, upper) in intervals.items():
            block[f"lower{round(c * 100)}"] = lower
            block[f"upper{round(c * 100)}"] = upper
        block["observed"] = y
        scores.append(_score_frame(MODEL, dist, intervals, y, keys))
        if baselines:
            for name, cls in COUNT_BASELINES.items():
                base = cls(target=target, horizon=horizon).fit(test_frame)
                base_dist = base.predict_distribution(test_frame)
                base_intervals = {c: central_interval(base_dist, c) for c in COVERAGES}
                block[name] = base_dist.mean()
                scores.append(_score_frame(name, base_dist, base_intervals, y, keys))
        blocks.append(pl.DataFrame(block))
    predictions = _predictions_frame(blocks, target, horizon, baselines)
    score_frame = pl.concat(scores) if scores else pl.DataFrame()
    return CountBacktestResult(target, horizon, predictions, score_frame, models)


def _predictions_frame(
    blocks: list[pl.DataFrame], target: str, horizon: int, baselines: bool
) -> pl.DataFrame:
    if not blocks:
        return pl.DataFrame()
    wanted = [c for c in PREDICTION_COLUMNS if baselines or c not in COUNT_BASELINES]
    return (
        pl.concat(blocks)
        .with_columns(pl.lit(horizon, pl.Int32).alias("horizon"), pl.lit(target).alias("target"))
        .with_columns(pl.col(c).cast(pl.Int64) for c in (*INTERVAL_COLUMNS, "observed"))
        .select(*wanted, "onset", "fold", "origin")
    )


def metrics_table(scores: pl.DataFrame, by: Sequence[str] = ()) -> pl.DataFrame:
    """Mean of every per-row score per subset (all, onset) and forecaster (and ``by``)."""
    if scores.is_empty():
        return pl.DataFrame()
    values = [
        c
        for c in scores.columns
        if c not in ("district_code", "issue_week", "onset", "fold", "origin", "forecaster")
    ]
    order = {name: i for i, name in enumerate((MODEL, *COUNT_BASELINES))}
    tables = []
    for subset in SUBSETS:
        rows = scores if subset == "all" else scores.filter(pl.col("onset"))
        tables.append(
            rows.group_by(*by, "forecaster")
            .agg(pl.len().alias("rows"), *(pl.col(v).mean() for v in values))
            .with_columns(pl.lit(subset).alias("subset"))
        )
    return (
        pl.concat(tables)
        .with_columns(pl.col("forecaster").replace_strict(order, default=99).alias("_order"))
        .sort(*by, "subset", "_order")
        .drop("_order")
        .select(*by, "subset", "forecaster", "rows", *values)
    )


EXPECTED_BINS = (0.1, 0.5, 2.0, 5.0, 20.0)


def coverage_by_expected(
    predictions: pl.DataFrame, edges: Sequence[float] = EXPECTED_BINS
) -> pl.DataFrame:
    """The model's interval coverage per bin of its expected count (target, horizon, bin):
    pooled coverage can hide quiet districts over-covered and busy ones under-covered."""
    inside = [
        ((pl.col(f"lower{k}") <= pl.col("observed")) & (pl.col("observed") <= pl.col(f"upper{k}")))
        .mean()
        .alias(f"cover{k}")
        for k in (round(c * 100) for c in COVERAGES)
    ]
    bounds = [0.0, *edges, math.inf]
    labels = [f"[{lo:g}, {hi:g})" for lo, hi in itertools.pairwise(bounds)]
    which = np.searchsorted(np.asarray(edges), predictions["expected"].to_numpy(), side="right")
    return (
        predictions.with_columns(
            pl.Series("expected_bin", np.asarray(labels)[which]),
            pl.Series("_bin", which),
        )
        .group_by("target", "horizon", "_bin", "expected_bin")
        .agg(pl.len().alias("rows"), *inside, pl.col("observed").mean().alias("observed_mean"))
        .sort("target", "horizon", "_bin")
        .drop("_bin")
    )


def gate(
    result: CountBacktestResult, rule: GateRule | None = None, metric: str = "crps"
) -> dict[str, Bootstrap]:
    """The model against each baseline on a per-row score (CRPS by default), bootstrapped
    over issue weeks in blocks as the champion gate is (training.gate)."""
    rule = rule or GateRule()
    wide = result.scores.pivot(
        on="forecaster", index=["district_code", "issue_week"], values=metric
    ).sort("issue_week", "district_code")
    weeks = wide["issue_week"].to_numpy()
    out = {}
    for name in (c for c in COUNT_BASELINES if c in wide.columns):
        out[name] = paired_block_bootstrap(
            wide[MODEL].to_numpy(),
            wide[name].to_numpy(),
            weeks,
            block=rule.block(result.horizon),
            resamples=rule.resamples,
            confidence=rule.confidence,
            seed=rule.seed,
        )
    return out


def run_count_backtests(
    ds: Dataset,
    pairs: Sequence[tuple[str, int]],
    *,
    window: Window,
    seed: int,
    jobs: int = 1,
) -> list[CountBacktestResult]:
    """:func:`count_backtest` with each target's recipe for every pair, in ``jobs``
    processes (as training.train's run_backtests; ``ds`` carries the countries)."""
    tasks = [dict(target=t, horizon=h, window=window, seed=seed) for t, h in pairs]
    if jobs <= 1 or len(tasks) <= 1:
        return [count_backtest(ds, **task) for task in tasks]
    from joblib import Parallel, delayed

    return Parallel(n_jobs=jobs, backend="loky")(
        delayed(count_backtest)(ds, **task) for task in tasks
    )


# What ``forecast backtest --out`` writes for a count target, in this order.
OUTPUT_COLUMNS = (*PREDICTION_COLUMNS, "onset")
# The printed table's scores, per target, horizon, subset and forecaster.
TABLE_COLUMNS = (
    "crps",
    "mse_log1p",
    "cover50",
    "cover80",
    "cover95",
    "width50",
    "width80",
    "width95",
)


def comparison_table(results: Sequence[CountBacktestResult]) -> pl.DataFrame:
    """Target, horizon, subset and forecaster with :data:`TABLE_COLUMNS`, for printing."""
    frames = [
        r.metrics.select(
            pl.lit(r.target).alias("target"),
            pl.lit(r.horizon).alias("horizon"),
            "subset",
            "forecaster",
            "rows",
            *TABLE_COLUMNS,
        )
        for r in results
        if r.scores.height
    ]
    return pl.concat(frames) if frames else pl.DataFrame()


def _percent(gain: float, baseline: float) -> str:
    return f"{100.0 * gain / baseline:+.1f}%" if baseline > 0 else "n/a"


def gate_lines(result: CountBacktestResult, rule: GateRule) -> list[str]:
    """What the CRPS gate says against the baselines: the verdict against the best one
    (lowest CRPS), then one line per baseline with the gain and the bootstrap's P.

    The gain in percent is of the baseline's CRPS (the issue's "10% below the best").
    """
    head = f"gate {result.target} h={result.horizon}:"
    if not result.scores.height:
        return [f"{head} crps undefined (no backtest rows)"]
    boots = gate(result, rule)
    model = result.metric("crps")
    values = {name: result.metric("crps", name) for name in boots}
    best = min(values, key=values.__getitem__)
    sure = all(b.confident(rule.confidence) for b in boots.values())
    verdict = (
        f"beats every baseline with {rule.confidence:.0%} confidence"
        if sure
        else f"does not beat every baseline with {rule.confidence:.0%} confidence"
    )
    lines = [
        f"{head} crps {model:.4f}, best baseline {best} {values[best]:.4f}, difference "
        f"{model - values[best]:+.4f} ({_percent(model - values[best], values[best])}), "
        f"P {boots[best].p_better:.2f} ({verdict})"
    ]
    for name, b in boots.items():
        lines.append(
            f"  vs {name}: crps {values[name]:.4f}, gain {b.gain:.4f} "
            f"({_percent(b.gain, values[name])}), P {b.p_better:.2f} "
            f"({'confident' if b.confident(rule.confidence) else 'not confident'})"
        )
    return lines


def log_count_backtest_run(
    result: CountBacktestResult, data: dict[str, Any], window: Window, rule: GateRule
) -> str:
    """A ``backtest-count`` MLflow run, as training.train's log_backtest_run for the risks:
    window, data and model parameters, every score per subset and forecaster, per-fold
    scores as steps, the CRPS gate's figures, the predictions and coverage by bin."""
    import tempfile

    import mlflow

    # The binary runs' helpers, so both kinds of run hold the same shapes of metric.
    from training.tracking import Comparison, _finite, _log_fold_metrics

    name = f"count-{result.target}-h{result.horizon}"
    with mlflow.start_run(run_name=f"backtest {name}") as run:
        mlflow.set_tags(
            {
                "kind": "backtest-count",
                "target": result.target,
                "horizon": result.horizon,
                "cadence": "week",
                "gate_metric": "crps",
            }
        )
        model = result.models[0].get_params() if result.models else {}
        folds = result.predictions["fold"].n_unique() if result.predictions.height else 0
        mlflow.log_params(
            {
                "target": result.target,
                "horizon": result.horizon,
                "window.start": window.start,
                "window.end": window.end,
                "window.step": window.step,
                "folds": folds,
                **data,
                # MLflow caps a parameter's length; the past-sample names are long.
                **{f"model.{k}": str(v)[:500] for k, v in model.items()},
            }
        )
        if not result.scores.height:
            return run.info.run_id
        overall = {
            f"{row['subset']}/{row['forecaster']}/{k}": v
            for row in result.metrics.to_dicts()
            for k, v in row.items()
            if isinstance(v, float | int)
        }
        mlflow.log_metrics(_finite(overall))
        _log_fold_metrics(metrics_table(result.scores, by=["fold"]))
        gated = {MODEL: result.metric("crps")}
        for other, boot in gate(result, rule).items():
            comparison = Comparison(other, result.metric("crps", other), boot)
            gated.update({other: comparison.value, **comparison.values()})
        mlflow.log_metrics(_finite({f"gate/{k}": v for k, v in gated.items()}))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "predictions.parquet"
            result.predictions.write_parquet(path)
            mlflow.log_artifact(str(path), "backtest")
            bins = Path(tmp) / "coverage_by_expected.csv"
            coverage_by_expected(result.predictions).write_csv(bins)
            mlflow.log_artifact(str(bins), "backtest")
    return run.info.run_id


def dataset_for_counts(home: Path, horizons: Sequence[int]) -> Dataset:
    """The store's training frame with the count columns (binary targets ``any`` only)."""
    from forecast.core.schema import EVENTS
    from forecast.core.store import Store
    from training.dataset import dataset_from_store

    with Store(Path(home) / "forecast.duckdb") as store:
        ds = dataset_from_store(store, horizons, ["any"])
        events = EVENTS.conform(store.read("events"))
    return with_counts(ds, events, horizons)


HEADLINE = ("crps", "mse_log1p", "cover50", "cover80", "cover95", "width80", "width95")


def markdown_rows(result: CountBacktestResult, subset: str = "all") -> list[str]:
    """One markdown table row per forecaster (target, h, rows, then :data:`HEADLINE`),
    the best CRPS in bold; ``markdown_header`` gives the header."""
    table = result.metrics.filter(pl.col("subset") == subset)
    best = table["crps"].min()
    lines = []
    for row in table.to_dicts():
        crps_text = f"{row['crps']:.4f}"
        if row["crps"] == best:
            crps_text = f"**{crps_text}**"
        cells = [result.target, str(result.horizon), subset, row["forecaster"], str(row["rows"])]
        cells += [crps_text, f"{row['mse_log1p']:.4f}"]
        cells += [f"{row[c]:.3f}" for c in ("cover50", "cover80", "cover95")]
        cells += [f"{row[c]:.2f}" for c in ("width80", "width95")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown_header() -> list[str]:
    names = ["target", "h", "rows", "forecaster", "n", "CRPS", "MSE log1p"]
    names += ["cover 50", "cover 80", "cover 95", "width 80", "width 95"]
    return ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]


def main(
    home: Path = typer.Option(..., help="FORECAST_HOME holding forecast.duckdb and its panel."),
    target: list[str] = typer.Option(["events"], help="events or fatalities (repeat)."),
    horizon: list[int] = typer.Option([4], help="Horizons in weeks (repeat)."),
    start: str = typer.Option("", help="First issue week predicted (default: last 3 years)."),
    end: str = typer.Option("", help="Last issue week predicted."),
    step: int = typer.Option(52, help="Weeks between refits."),
    seed: int = typer.Option(0, help="LightGBM seed."),
    params: str = typer.Option(
        "", help="CountForecaster parameters as JSON (default: the target's recipe)."
    ),
    out: Path = typer.Option(None, help="Write every prediction here (.parquet or .csv)."),
    markdown: bool = typer.Option(False, help="Also print the metrics as a markdown table."),
) -> None:
    """Backtest the count model against the count baselines and print the metrics."""
    pl.Config.set_tbl_rows(100)
    pl.Config.set_tbl_width_chars(200)
    pl.Config.set_tbl_cols(20)
    window = Window(
        start=date.fromisoformat(start) if start else None,
        end=date.fromisoformat(end) if end else None,
        step=step,
    )
    ds = dataset_for_counts(home, horizon)
    chosen = json.loads(params) if params else None
    frames = []
    lines = markdown_header()
    for t in target:
        for h in horizon:
            result = count_backtest(ds, t, h, params=chosen, window=window, seed=seed)
            frames.append(result.predictions)
            lines += markdown_rows(result) + markdown_rows(result, "onset")
            table = result.metrics.select("subset", "forecaster", "rows", *HEADLINE)
            typer.echo(f"{t} h={h}:")
            typer.echo(str(table.with_columns(pl.selectors.float().round(4))))
            for name, b in gate(result, GateRule(seed=seed)).items():
                typer.echo(
                    f"  crps vs {name}: gain {b.gain:.4f}, P {b.p_better:.2f}"
                    f" ({'confident' if b.confident(0.9) else 'not confident'})"
                )
    if markdown:
        typer.echo("\n".join(lines))
    if frames:
        typer.echo("Interval coverage by the model's expected count:")
        typer.echo(
            str(coverage_by_expected(pl.concat(frames)).with_columns(pl.selectors.float().round(3)))
        )
    if out is not None and frames:
        every = pl.concat(frames)
        every.write_csv(out) if out.suffix == ".csv" else every.write_parquet(out)
        typer.echo(f"{every.height} predictions -> {out}")


if __name__ == "__main__":
    typer.run(main)
