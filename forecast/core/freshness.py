"""Whether the data behind a forecast are out of date: one rule for the API and the bulletin.

The API marks an answer ``stale`` and the bulletin opens with a warning by this same rule,
so a reader never sees one say "fresh" while the other warns.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def today() -> date:
    """Today's date in UTC, the clock both the API and the bulletin read."""
    return datetime.now(UTC).date()


def days_behind(data_as_of: date | None, today: date) -> int | None:
    """Days from the newest data to ``today``; None when there is no data date."""
    return None if data_as_of is None else (today - data_as_of).days


def is_stale(data_as_of: date | None, today: date, stale_after_days: int) -> bool:
    """True when the data are older than ``stale_after_days`` (FORECAST_STALE_AFTER_DAYS),
    or have no date at all."""
    behind = days_behind(data_as_of, today)
    return behind is None or behind > stale_after_days
