"""What the scoring serves for a (target, horizon) pair: a fitted model and the label
stored beside its rows as ``model_version`` (``risk-any-h4/3`` for a registered champion,
``risk-any-h4/baseline-logistic`` for the labelled fallback, training.fallback), and which
of the two served a week's rows. Light on purpose: the API, the status and the bulletin
read it without loading the models' libraries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

# model_version suffix of the rows the fallback writes for pairs without a champion.
FALLBACK_LABEL = "baseline-logistic"


@dataclass(frozen=True)
class ScoringModel:
    """A fitted model and the label to store as ``model_version``."""

    model: Any
    version: str


def is_fallback(model_version: str) -> bool:
    """Whether forecasts with this ``model_version`` come from the baseline, not a champion."""
    return model_version.endswith(f"/{FALLBACK_LABEL}")


def served_pairs(rows: pl.DataFrame) -> list[dict[str, Any]]:
    """For one issue week's forecast rows: per (target, horizon), the model version(s) and
    whether a champion or the baseline stand-in made them."""
    grouped = (
        rows.group_by("target", "horizon")
        .agg(pl.col("model_version").unique().sort().str.join(","))
        .sort("target", "horizon")
    )
    return [
        {
            "target": target,
            "horizon": horizon,
            "model_version": version,
            "by": "baseline" if is_fallback(version) else "champion",
        }
        for target, horizon, version in grouped.iter_rows()
    ]
