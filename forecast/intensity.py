"""Scoring intensity: expected counts with intervals, escalation, and the combined band.

For every district of the issue week and every count champion (``count-<target>-h<h>``,
training.count_train) the ``intensity`` table gets the expected count over weeks
t+1 .. t+h, its 50/80/95% intervals (calibrated out of time, training.intensity) and how
it stands against the district's own normal (forecast.escalation).

**The combined band.** In the districts where teams work an event in the next four
weeks is close to certain, so probability alone puts most of them in the top band. The
top band therefore also needs intensity: a row whose probability reaches it but whose
expected events over the horizon fall short of ``top_band_min_weekly_events`` per week
is shown one band lower. The top band then holds the districts with the most expected
events (among the probable ones). Without an events model for a horizon, that horizon's
bands stay by probability alone. Weekly cadence only: the count models are weekly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from forecast.core.bands import Bands
from forecast.core.schema import INTENSITY, INTERVAL_LEVELS
from forecast.escalation import Thresholds, escalation

# The count target whose expected value and normal make the escalation label and the band.
BAND_TARGET = "events"


def load_count_champions(
    client: Any, pairs: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], Any]:
    """The champion of each (count target, horizon) pair that has one, as ScoringModels."""
    from forecast.scoring import load_named_champions
    from training.count_train import count_model_name

    return load_named_champions(client, {(t, h): count_model_name(t, h) for t, h in pairs})


def intensity_frame(
    ds: Any,
    week: date,
    models: Mapping[tuple[str, int], Any],
    thresholds: Thresholds,
    *,
    data_as_of: date | None = None,
) -> pl.DataFrame:
    """Intensity rows for every district of ``week`` (of ``ds.countries``) and every count
    model given (pure). ``ds`` holds the count columns (training.count_train.count_dataset)."""
    from training.count_train import count_matrix
    from training.counts import past_name

    if not models:
        return INTENSITY.empty()
    rows = (ds.frame["week"] == week).to_numpy() & ds.in_countries()
    if not rows.any():
        return INTENSITY.empty()
    districts = ds.frame.filter(pl.Series(rows))["district_code"]
    frames = []
    for (target, horizon), scoring in sorted(models.items()):
        names = [str(n) for n in scoring.model.feature_names_in_]
        X = count_matrix(ds, names, rows)
        law = scoring.model.predict_distribution(X)
        expected = law.mean()
        past = np.asarray(ds.frame.filter(pl.Series(rows))[past_name(target, horizon)].to_numpy())
        # The floor is per week: at h=12 a district expecting 2 events against a usual 1
        # is as calm as at h=1 one expecting 0.2 against 0.1.
        scaled = replace(thresholds, floor=thresholds.floor * horizon)
        state = escalation(expected, past.astype(np.float64), scaled)
        block: dict[str, Any] = {
            "district_code": districts,
            "issue_week": [week] * len(districts),
            "horizon": horizon,
            "target": target,
            "expected": expected,
        }
        for level, (lower, upper) in zip(
            INTERVAL_LEVELS,
            scoring.model.predict_intervals(X, [k / 100 for k in INTERVAL_LEVELS]).values(),
            strict=True,
        ):
            block[f"lower{level}"] = lower
            block[f"upper{level}"] = upper
        block |= {
            "normal": state.normal,
            "ratio": state.ratio,
            "percentile": state.percentile,
            "escalation": pl.Series(state.label.tolist(), dtype=pl.Utf8),
            "model_version": scoring.version,
            "data_as_of": pl.Series([data_as_of] * len(districts), dtype=pl.Date),
            "cadence": "week",
        }
        frames.append(
            pl.DataFrame(block).with_columns(pl.col("normal", "ratio", "percentile").fill_nan(None))
        )
    return INTENSITY.conform(pl.concat(frames))


def combine_bands(
    forecasts: pl.DataFrame, intensity: pl.DataFrame, bands: Bands, min_weekly_events: float
) -> pl.DataFrame:
    """``forecasts`` with the top band kept only where the expected events over the
    horizon reach ``min_weekly_events`` per week; short rows drop one band."""
    if min_weekly_events <= 0 or len(bands.names) < 2 or intensity.is_empty():
        return forecasts
    top, below = bands.names[-1], bands.names[-2]
    events = intensity.filter(pl.col("target") == BAND_TARGET).select(
        "district_code", "issue_week", "horizon", "cadence", pl.col("expected").alias("_expected")
    )
    if events.is_empty():
        return forecasts
    joined = forecasts.join(
        events, on=["district_code", "issue_week", "horizon", "cadence"], how="left"
    )
    short = pl.col("_expected") < min_weekly_events * pl.col("horizon")
    return joined.with_columns(
        pl.when((pl.col("band") == top) & short).then(pl.lit(below)).otherwise("band").alias("band")
    ).drop("_expected")


def replace_intensity(con: Any, frame: pl.DataFrame) -> None:
    """Replace the intensity rows of these issue periods, targets, horizons and cadences,
    inside the caller's transaction."""
    from forecast.scoring import PERIOD_KEYS, replace_rows

    con.execute(INTENSITY.ddl())
    if not frame.is_empty():
        replace_rows(con, "intensity", INTENSITY.conform(frame), PERIOD_KEYS)
