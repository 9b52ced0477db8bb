"""Reading the bulletin's inputs from the store: the only module here that touches DuckDB."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from forecast.bulletin.data import WEEK, Holdings, Options
from forecast.core.cadence import get as get_cadence
from forecast.core.schema import (
    CHAMPIONS,
    COUNTS,
    DEPLOYMENTS,
    DISTRICTS,
    EVENTS,
    FORECASTS,
    INTENSITY,
    PARTNER_PRESENCE,
)
from forecast.core.store import Store
from forecast.core.targets import target_expressions

EVENT_COLUMNS = ("event_date", "district_code", "event_type", "fatalities")


class NoForecastsError(LookupError):
    """The store holds no forecasts (for the week asked)."""


@dataclass(frozen=True)
class Inputs:
    forecasts: pl.DataFrame
    districts: pl.DataFrame
    events: pl.DataFrame
    champions: pl.DataFrame
    # This period's intensity rows of the cadence; None when the store has no such table.
    intensity: pl.DataFrame | None = None
    holdings: Holdings | None = None


def _grouped(store: Store, table: str, column: str) -> dict[str, int]:
    if not store.has_table(table):
        return {}
    rows = store.con.execute(
        f"SELECT {column}, count(*) FROM {table} GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return {str(key): int(n) for key, n in rows if key is not None}


def _count(store: Store, table: str) -> int:
    if not store.has_table(table):
        return 0
    row = store.con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _target_events(store: Store) -> dict[str, int]:
    """Placed events counting toward each target, over the whole store (the rule training's
    labels use, forecast.core.targets, applied to one row per event type and deadliness)."""
    if not store.has_table(EVENTS.name):
        return {}
    kinds = pl.from_arrow(
        store.con.execute(
            f"SELECT event_type, max(coalesce(fatalities, 0)) AS fatalities, count(*) AS n "
            f"FROM {EVENTS.name} WHERE district_code IS NOT NULL "
            "GROUP BY event_type, coalesce(fatalities, 0) > 0"
        ).to_arrow_table()
    )
    return {
        target: int(kinds.filter(rule).get_column("n").sum())  # type: ignore[union-attr]
        for target, rule in target_expressions().items()
    }


def holdings(store: Store) -> Holdings:
    """What the store holds that a model could have learnt from (the footer's inputs, and
    whether a target has any event at all)."""
    return Holdings(
        event_sources=_grouped(store, EVENTS.name, "source"),
        deployments=_count(store, DEPLOYMENTS.name),
        partners=_grouped(store, PARTNER_PRESENCE.name, "partner"),
        counts=_count(store, COUNTS.name),
        target_events=_target_events(store),
    )


def _cadence_filter(store: Store, table: str, cadence: str) -> tuple[str, list]:
    """A WHERE clause for one cadence's rows (a table without the column is weekly)."""
    columns = store.read(table, "false").columns
    if "cadence" not in columns:
        return ("true", []) if cadence == "week" else ("false", [])
    return "coalesce(cadence, 'week') = ?", [cadence]


def latest_week(store: Store, cadence: str = "week") -> date:
    """The newest issue period of the cadence in the forecasts table."""
    if not store.has_table(FORECASTS.name):
        raise NoForecastsError(
            "the store has no forecasts table yet: run the scoring step (`forecast score`) first"
        )
    where, params = _cadence_filter(store, FORECASTS.name, cadence)
    row = store.con.execute(
        f"SELECT max(issue_week) FROM {FORECASTS.name} WHERE {where}", params
    ).fetchone()
    if not row or row[0] is None:
        which = "" if cadence == "week" else f" has no {cadence}ly rows"
        raise NoForecastsError(
            f"the forecasts table{which or ' is empty'}: run the scoring step first"
            + (f" (`forecast score --cadence {cadence}`)" if which else "")
        )
    return row[0]


def load_inputs(store: Store, week: date, options: Options) -> Inputs:
    """This period's and the previous periods' forecasts, the districts, a year of events
    (at monthly cadence: of monthly counts, events and the counts table), champions."""
    if not store.has_table(FORECASTS.name):
        latest_week(store)  # raises the explanatory error
    if options.cadence != "week":
        return _monthly_inputs(store, week, options)
    back = max(options.verify_horizon, 1)
    where, params = _cadence_filter(store, FORECASTS.name, "week")
    forecasts = FORECASTS.conform(
        store.read(
            FORECASTS.name,
            f"issue_week BETWEEN ? AND ? AND {where}",
            [week - back * WEEK - WEEK, week, *params],
        )
    )
    first_day = min(
        week - (options.quiet_weeks - 1) * WEEK, week - options.verify_horizon * WEEK + WEEK
    )
    columns = ", ".join(EVENT_COLUMNS)
    events = pl.from_arrow(
        store.con.execute(
            f"SELECT {columns} FROM {EVENTS.name} WHERE event_date BETWEEN ? AND ?",
            [first_day, week + timedelta(days=6)],
        ).to_arrow_table()
    )
    return Inputs(
        forecasts=forecasts,
        districts=DISTRICTS.conform(store.read(DISTRICTS.name)),
        events=events.cast({"fatalities": pl.Int32}),  # type: ignore[union-attr]
        champions=_champions(store, "week"),
        intensity=_intensity(store, week, "week"),
        holdings=holdings(store),
    )


def _intensity(store: Store, week: date, cadence: str) -> pl.DataFrame | None:
    """The period's intensity rows (expected counts, intervals, escalation); None without
    the table (a store from before it, or intensity disabled)."""
    if not store.has_table(INTENSITY.name):
        return None
    where, params = _cadence_filter(store, INTENSITY.name, cadence)
    return INTENSITY.conform(
        store.read(INTENSITY.name, f"issue_week = ? AND {where}", [week, *params])
    )


def _champions(store: Store, cadence: str) -> pl.DataFrame:
    if not store.has_table(CHAMPIONS.name):
        return CHAMPIONS.empty()
    where, params = _cadence_filter(store, CHAMPIONS.name, cadence)
    return CHAMPIONS.conform(store.read(CHAMPIONS.name, where, params))


def _monthly_inputs(store: Store, month: date, options: Options) -> Inputs:
    """The monthly bulletin's inputs: its events are the monthly counts of the year before
    (features.monthly_counts: the events inside their span, the counts table after)."""
    from features.monthly_counts import monthly_counts

    period = get_cadence(options.cadence)
    back = max(options.verify_horizon, 1)
    where, params = _cadence_filter(store, FORECASTS.name, options.cadence)
    forecasts = FORECASTS.conform(
        store.read(
            FORECASTS.name,
            f"issue_week BETWEEN ? AND ? AND {where}",
            [period.shift(month, -back - 1), month, *params],
        )
    )
    districts = DISTRICTS.conform(store.read(DISTRICTS.name))
    events = EVENTS.conform(store.read(EVENTS.name))
    counts = COUNTS.conform(store.read(COUNTS.name)) if store.has_table(COUNTS.name) else None
    monthly = monthly_counts(events, COUNTS.empty() if counts is None else counts, districts)
    first = period.shift(month, -max(options.quiet_weeks, back + 1))
    return Inputs(
        forecasts=forecasts,
        districts=districts,
        events=monthly.filter(pl.col("month").is_between(first, month)),
        champions=_champions(store, options.cadence),
        intensity=_intensity(store, month, options.cadence),
        holdings=holdings(store),
    )
