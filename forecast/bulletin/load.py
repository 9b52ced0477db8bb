"""Reading the bulletin's inputs from the store: the only module here that touches DuckDB."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from forecast.bulletin.data import WEEK, Options
from forecast.schema import CHAMPIONS, DISTRICTS, EVENTS, FORECASTS
from forecast.store import Store

EVENT_COLUMNS = ("event_date", "district_code", "event_type", "fatalities")


class NoForecastsError(LookupError):
    """The store holds no forecasts (for the week asked)."""


@dataclass(frozen=True)
class Inputs:
    forecasts: pl.DataFrame
    districts: pl.DataFrame
    events: pl.DataFrame
    champions: pl.DataFrame


def latest_week(store: Store) -> date:
    """The newest issue week in the forecasts table."""
    if not store.has_table(FORECASTS.name):
        raise NoForecastsError(
            "the store has no forecasts table yet: run the scoring step (`forecast score`) first"
        )
    row = store.con.execute(f"SELECT max(issue_week) FROM {FORECASTS.name}").fetchone()
    if not row or row[0] is None:
        raise NoForecastsError("the forecasts table is empty: run the scoring step first")
    return row[0]


def load_inputs(store: Store, week: date, options: Options) -> Inputs:
    """This week's and last week's forecasts, the districts, a year of events, champions."""
    if not store.has_table(FORECASTS.name):
        latest_week(store)  # raises the explanatory error
    back = max(options.verify_horizon, 1)
    forecasts = FORECASTS.conform(
        store.read(
            FORECASTS.name,
            "issue_week BETWEEN ? AND ?",
            [week - back * WEEK - WEEK, week],
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
        ).fetch_arrow_table()
    )
    champions = (
        CHAMPIONS.conform(store.read(CHAMPIONS.name))
        if store.has_table(CHAMPIONS.name)
        else CHAMPIONS.empty()
    )
    return Inputs(
        forecasts=forecasts,
        districts=DISTRICTS.conform(store.read(DISTRICTS.name)),
        events=events.cast({"fatalities": pl.Int32}),  # type: ignore[union-attr]
        champions=champions,
    )
