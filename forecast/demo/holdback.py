"""Hold back the demo's newest weeks as a drop-folder file, so one run can replay two weekly
cycles: the job runs on the world up to last week, then picks up this week's file from the
drop folder as it would in production. Last week's forecasts then exist, so the bulletin's
"change since last week" and "what happened" are real, out of sample."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl


def hold_back(events_csv: Path, drop_file: Path, weeks: int) -> int:
    """Move the events of the last ``weeks`` ISO weeks from ``events_csv`` to ``drop_file``
    (both ACLED export CSV, every cell kept as written). Returns how many were moved."""
    if weeks <= 0:
        return 0
    rows = pl.read_csv(events_csv, infer_schema=False)
    dates = rows["event_date"].str.to_date("%Y-%m-%d")
    last_monday = dates.max() - timedelta(days=dates.max().weekday())  # type: ignore[union-attr]
    recent = dates >= last_monday - timedelta(weeks=weeks - 1)
    drop_file.parent.mkdir(parents=True, exist_ok=True)
    rows.filter(recent).write_csv(drop_file)
    rows.filter(~recent).write_csv(events_csv)
    return int(recent.sum())
