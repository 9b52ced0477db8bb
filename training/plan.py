"""What the settings ask of the training, and what a promotion records.

Shared by the weekly job (forecast.jobs.retrain), the command line, the scoring and the
benchmarks: the backtest window, the (target, horizon) pairs and the onset window of a
cadence, each pair's model parameters (``forecast tune``'s over the settings' knobs), and
the ``champions`` rows of the promoted candidates.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl

from forecast.core.cadence import WEEK, Cadence
from forecast.core.schema import CHAMPIONS
from forecast.core.settings import Settings
from training.backtest import MODEL, Window
from training.baselines import BASELINES
from training.dataset import Dataset
from training.train import Candidate, Outcome


def settings_window(settings: Settings, cadence: Cadence = WEEK) -> Window:
    """The backtest window the settings ask for (backtest_step, backtest_years); at monthly
    cadence the step is the cadence's (12 months: backtest_step counts weeks)."""
    if cadence is WEEK:
        return Window(step=settings.backtest_step, default_years=settings.backtest_years)
    return Window.of(cadence, default_years=settings.backtest_years)


def cadence_pairs(settings: Settings, cadence: Cadence) -> list[tuple[str, int]]:
    """The (target, horizon) pairs a job of this cadence runs: settings.targets (at monthly
    cadence those counts can label: any and fatal) by the cadence's horizons."""
    targets = [t for t in settings.targets if t in cadence.targets]
    return [(t, h) for t in targets for h in settings.horizons_for(cadence.name)]


def onset_window(settings: Settings, cadence: Cadence) -> int:
    """settings.onset_window_weeks at weekly cadence; the cadence's own (12 months) else."""
    return settings.onset_window_weeks if cadence is WEEK else cadence.onset_window


def model_params(
    settings: Settings, pairs: Sequence[tuple[str, int]], cadence: Cadence = WEEK
) -> dict[tuple[str, int], dict[str, Any]]:
    """Per pair: the tuned parameters (``forecast tune``) over the settings' model knobs.

    The calibration block is settings.calibration_weeks at weekly cadence and the
    cadence's own at monthly cadence (12 months; the setting counts weeks).
    """
    from training.tune import load_params

    block = settings.calibration_weeks if cadence is WEEK else cadence.calibration_periods
    fixed = {"calibration_weeks": block}
    return {
        (t, h): {**fixed, **(load_params(settings.home, t, h, cadence) or {})} for t, h in pairs
    }


def _finite(values: dict[str, float]) -> dict[str, float | None]:
    return {k: (float(v) if math.isfinite(v) else None) for k, v in values.items()}


def backtest_json(candidate: Candidate) -> str:
    """The champions table's backtest column: all-rows metrics of the model and baselines."""
    overall = candidate.result.overall.get("all", {})
    return json.dumps(
        {
            "model": _finite(overall.get(MODEL, {})),
            "baselines": {name: _finite(overall[name]) for name in BASELINES if name in overall},
        }
    )


def champion_rows(
    ds: Dataset,
    candidates: Sequence[Candidate],
    outcomes: Sequence[Outcome],
    promoted_at: datetime | None = None,
) -> pl.DataFrame:
    """``champions`` rows for the promoted candidates; the training window is the issue
    periods with a label, which the final model was fitted on."""
    promoted_at = promoted_at or datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for c, o in zip(candidates, outcomes, strict=True):
        if not o.promoted:
            continue
        weeks = ds.frame[ds.key].filter(ds.labels(c.target, c.horizon).is_not_null())
        rows.append(
            {
                "target": c.target,
                "horizon": c.horizon,
                "cadence": ds.cadence.name,
                "model_name": o.name,
                "model_version": o.version,
                "run_id": o.run_id,
                "train_start": weeks.min(),
                "train_end": weeks.max(),
                "backtest": backtest_json(c),
                "promoted_at": promoted_at,
            }
        )
    return CHAMPIONS.conform(pl.DataFrame(rows)) if rows else CHAMPIONS.empty()
