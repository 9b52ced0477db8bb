"""The count model's variants, chosen on an inner validation inside the training window.

As ``forecast tune`` does for the probabilities, a variant is judged on an inner
rolling-origin backtest over the rows whose label window ends before the outer backtest's
first issue week (training.tune's ``inner_dataset`` and ``default_until``): half-yearly
refits over the two years before that week. The outer backtest's test blocks are only
scored after the choice, for the ablation table of docs/EVALUATION.md ("Intensity").

``python -m training.count_variants --home DIR --target events --horizon 4 --variant base
--variant hurdle [--stage outer]`` prints one line per variant and appends them, as JSON, to
``--log``. ``--country MLI`` scores only Mali's rows (training stays pooled, as in
``forecast backtest --country``); ``--on-recipe`` lays each variant's parameters over the
target's recipe (training.count_backtest.RECIPES), so ``no_blend`` is "the recipe without
the blend": the ablation table of docs/EVALUATION.md's intensity section.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl
import typer

from training.backtest import Window
from training.count_backtest import (
    MODEL,
    RECIPES,
    CountBacktestResult,
    count_backtest,
    count_features,
    dataset_for_counts,
)
from training.count_baselines import COUNT_BASELINES
from training.dataset import Dataset
from training.labels import label_name
from training.tune import default_until, inner_dataset

INNER_WINDOW = Window(step=26, default_years=2)


@dataclass(frozen=True)
class Variant:
    """CountForecaster parameters and whether the trees see the intensity summaries."""

    params: dict[str, Any] = field(default_factory=dict)
    intensity: bool = True
    note: str = ""


VARIANTS: dict[str, Variant] = {
    "prototype": Variant(
        {}, intensity=False, note="the lead's prototype: NB per mean bin, scale, tails"
    ),
    "base": Variant({}, note="prototype + intensity summaries of the past h-week counts"),
    "glm_only": Variant({"trees": False}, note="Poisson prior alone, calibrated"),
    "no_mean_cal": Variant({"mean_calibration": "none"}),
    "affine": Variant({"mean_calibration": "affine"}),
    "one_size": Variant({"dispersion_bins": 1}, note="a single NB size"),
    "bins10": Variant({"dispersion_bins": 10}),
    "hurdle": Variant({"hurdle": True}, note="P(Y>0) by RiskClassifier, 1 + NB for the size"),
    "blend": Variant({"blend_history": True}, note="mixture with the empirical history"),
    "hurdle_blend": Variant({"hurdle": True, "blend_history": True}),
    "recency104": Variant({"recency_halflife_weeks": 104}, note="rows weighted, 2-year half-life"),
    "recency260": Variant({"recency_halflife_weeks": 260}),
    "bigger_trees": Variant({"num_leaves": 15, "min_child_samples": 50, "colsample_bytree": 0.5}),
    "tweedie": Variant({"objective": "tweedie"}),
    "poisson": Variant({"objective": "poisson"}),
    "size_crps": Variant(
        {"dispersion_fit": "crps"}, note="NB size per bin by CRPS, not likelihood"
    ),
    # Combinations of the single changes that helped on the inner validation.
    "blend_affine": Variant({"blend_history": True, "mean_calibration": "affine"}),
    "blend_recency104": Variant({"blend_history": True, "recency_halflife_weeks": 104}),
    "blend_affine_recency104": Variant(
        {"blend_history": True, "mean_calibration": "affine", "recency_halflife_weeks": 104}
    ),
    "hurdle_blend_affine": Variant(
        {"hurdle": True, "blend_history": True, "mean_calibration": "affine"}
    ),
    "hurdle_blend_nomeancal": Variant(
        {"hurdle": True, "blend_history": True, "mean_calibration": "none"}
    ),
    "hurdle_blend_recency104": Variant(
        {"hurdle": True, "blend_history": True, "recency_halflife_weeks": 104}
    ),
    "recency52": Variant({"recency_halflife_weeks": 52}),
    "blend_affine_recency52": Variant(
        {"blend_history": True, "mean_calibration": "affine", "recency_halflife_weeks": 52}
    ),
    "blend_affine_recency104_sizecrps": Variant(
        {
            "blend_history": True,
            "mean_calibration": "affine",
            "recency_halflife_weeks": 104,
            "dispersion_fit": "crps",
        }
    ),
    "hurdle_blend_recency104_sizecrps": Variant(
        {
            "hurdle": True,
            "blend_history": True,
            "recency_halflife_weeks": 104,
            "dispersion_fit": "crps",
        }
    ),
    "hurdle_blend_affine_recency104": Variant(
        {
            "hurdle": True,
            "blend_history": True,
            "mean_calibration": "affine",
            "recency_halflife_weeks": 104,
        }
    ),
    # Single departures from a recipe (with --on-recipe; alone they are plain settings).
    "recipe": Variant({}, note="the target's recipe as it is"),
    "no_intensity": Variant({}, intensity=False, note="trees without the past h-week summaries"),
    "no_blend": Variant({"blend_history": False}),
    "no_hurdle": Variant({"hurdle": False}),
    "no_recency": Variant({"recency_halflife_weeks": 0.0}),
    "scale_cal": Variant({"mean_calibration": "scale"}),
    "no_trees": Variant({"trees": False}),
    "cal104": Variant({"calibration_weeks": 104}, note="a two-year calibration block"),
    "pooled_intervals": Variant(
        {"interval_bins": 1}, note="one set of interval levels for every expected count"
    ),
}


def variant_backtest(
    ds: Dataset,
    target: str,
    horizon: int,
    variant: Variant,
    window: Window,
    seed: int = 0,
    countries: Sequence[str] | None = None,
) -> CountBacktestResult:
    features = count_features(ds, horizon, intensity=variant.intensity)
    return count_backtest(
        ds,
        target,
        horizon,
        params=variant.params,
        features=features,
        window=window,
        seed=seed,
        countries=countries,
    )


def on_recipe(variant: Variant, target: str) -> Variant:
    """The variant as a departure from the target's recipe (its parameters win)."""
    return Variant({**RECIPES[target], **variant.params}, variant.intensity, variant.note)


def inner_validation_data(ds: Dataset, target: str, horizon: int) -> Dataset:
    """The rows whose label window ends before the outer backtest's first issue week."""
    if label_name(target, horizon) not in ds.frame.columns:
        raise ValueError(f"no {target} labels at h={horizon}: build the data with with_counts")
    until = default_until(ds, target, horizon, Window())
    inner = inner_dataset(ds, horizon, until)
    if ds.country is None:
        return inner
    # training.tune's cut keeps no countries; the rows it keeps are those before ``until``.
    keep = (ds.frame[ds.key] < until).to_numpy()
    return replace(inner, country=ds.country[keep], countries=ds.countries)


def summary_row(result: CountBacktestResult, subset: str = "all") -> dict[str, Any]:
    """The model's scores and each baseline's CRPS; the best baseline's name and gap."""
    table = result.metrics.filter(pl.col("subset") == subset)
    rows = {r["forecaster"]: r for r in table.to_dicts()}
    model = rows[MODEL]
    base = {name: rows[name]["crps"] for name in COUNT_BASELINES if name in rows}
    best = min(base, key=base.get)
    return {
        "rows": model["rows"],
        "crps": model["crps"],
        "mse_log1p": model["mse_log1p"],
        "cover50": model["cover50"],
        "cover80": model["cover80"],
        "cover95": model["cover95"],
        "width80": model["width80"],
        "best_baseline": best,
        "best_baseline_crps": base[best],
        "crps_gain_pct": 100.0 * (1.0 - model["crps"] / base[best]),
        "baselines_crps": base,
        "trees": [m.n_trees_ for m in result.models],
    }


def main(
    home: Path = typer.Option(..., help="FORECAST_HOME with the store and panel."),
    target: list[str] = typer.Option(["events"], help="events or fatalities (repeat)."),
    horizon: list[int] = typer.Option([4], help="Horizons (repeat)."),
    variant: list[str] = typer.Option(list(VARIANTS), help="Variant names (repeat)."),
    stage: str = typer.Option(
        "inner", help="inner (the validation), outer (the test blocks, after choosing) or both."
    ),
    params: str = typer.Option("", help="Extra parameters (JSON) for every variant."),
    seed: int = typer.Option(0),
    country: list[str] = typer.Option(
        [], help="Score only these countries' rows (ISO3; repeat); training stays pooled."
    ),
    recipe: bool = typer.Option(
        False, "--on-recipe/--plain", help="Lay each variant over the target's recipe."
    ),
    log: Path = typer.Option(Path("count_variants.jsonl"), help="Append results here."),
) -> None:
    """Score count-model variants on the inner validation (and the outer backtest)."""
    ds = dataset_for_counts(home, horizon)
    countries = country or None
    extra = json.loads(params) if params else {}
    for t in target:
        for h in horizon:
            stages: Sequence[tuple[str, Dataset, Window]] = []
            if stage in ("inner", "both"):
                stages = [("inner", inner_validation_data(ds, t, h), INNER_WINDOW)]
            if stage in ("outer", "both"):
                stages = [*stages, ("outer", ds, Window())]
            for name in variant:
                chosen = on_recipe(VARIANTS[name], t) if recipe else VARIANTS[name]
                chosen = Variant({**chosen.params, **extra}, chosen.intensity, chosen.note)
                for part, data, window in stages:
                    start = time.perf_counter()
                    result = variant_backtest(data, t, h, chosen, window, seed, countries)
                    row = {
                        "variant": name,
                        "target": t,
                        "horizon": h,
                        "stage": part,
                        "on_recipe": recipe,
                        "countries": ",".join(country),
                        "params": chosen.params,
                        "intensity": chosen.intensity,
                        **summary_row(result),
                        "onset_crps": summary_row(result, "onset")["crps"],
                        "seconds": round(time.perf_counter() - start, 1),
                    }
                    with log.open("a") as f:
                        f.write(json.dumps(row, default=str) + "\n")
                    typer.echo(
                        f"{t} h={h} {part:5} {name:14} crps {row['crps']:.4f} "
                        f"({row['best_baseline']} {row['best_baseline_crps']:.4f}, "
                        f"{row['crps_gain_pct']:+.1f}%) mse {row['mse_log1p']:.4f} "
                        f"cover {row['cover50']:.3f}/{row['cover80']:.3f}/{row['cover95']:.3f} "
                        f"trees {row['trees']} {row['seconds']}s"
                    )


if __name__ == "__main__":
    typer.run(main)
