"""Political-violence events and fatalities per district and month, from events and counts.

The monthly cadence (``forecast.core.cadence.MONTH``) counts what ACLED's HDX admin-2 monthly
aggregate counts: political-violence events (battles, explosions/remote violence, violence
against civilians, abductions among them; ``forecast.core.vocab.POLITICAL_VIOLENCE``, the
``any`` target's rule in ``forecast.core.targets``) and their reported fatalities. Two tables can
say it for one district-month: the event-level ``events`` and the aggregate ``counts``
(``forecast ingest counts``). The rule, per country (of the district):

- months within the **span of the country's event-level data** come from ``events``: from
  the month of the country's first event to the last *complete* month of its events (the
  month of the latest event when that event falls on the month's last day, else the month
  before; a trailing partial month is still taken from the events when ``counts`` has no row
  for the country in it, since nothing else says anything about it);
- every other month comes from ``counts`` (zero where neither has a row).

So with the real Mali data, 1997-01 .. 2020-12 come from ACLED's events (the HDX and dyadic
exports end on 31 December 2020) and 2021-01 .. 2026-04 from the HDX counts. The events take
precedence inside their span because they are what the weekly service and every event-level
feature read; the counts fill the years the events do not reach. Every event placed in one of the
country's districts marks the span, whatever its type (a protest is event-level data too);
only political-violence events are counted.

The span is read from the events themselves, the one thing here that looks past month t:
at the end of month t a live feed covers month t, so which months the feed covers is a fact
of the past there. Callers that know the coverage (or a test fixing it) pass ``spans``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from forecast.core.cadence import MONTH
from forecast.core.targets import target_expressions

SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "district_code": pl.Utf8,
    "month": pl.Date,
    "events": pl.Int32,
    "fatalities": pl.Int32,
    "source": pl.Utf8,  # "events", "counts", or null where neither has the district-month
}
FROM_EVENTS = "events"
FROM_COUNTS = "counts"


def _month(column: str) -> pl.Expr:
    return MONTH.truncate_expr(pl.col(column))


def _countries(districts: pl.DataFrame) -> pl.DataFrame:
    """code, country ("" when unknown): the grid's districts, one row each."""
    return districts.select(
        pl.col("code").alias("district_code"),
        pl.col("country").fill_null("").str.to_uppercase().alias("country"),
    ).unique("district_code", keep="first")


def event_spans(
    events: pl.DataFrame, districts: pl.DataFrame, counts: pl.DataFrame | None = None
) -> dict[str, tuple[date, date]]:
    """Per country (ISO3, "" for districts without one): the first and last month that
    come from the events (see the module docstring for the complete-month rule)."""
    located = _countries(districts)
    # The district's country, not the one the source names (events and counts carry theirs).
    placed = events.drop("country", strict=False).join(located, on="district_code", how="inner")
    if placed.is_empty():
        return {}
    ranges = placed.group_by("country").agg(
        pl.col("event_date").min().alias("first"), pl.col("event_date").max().alias("last")
    )
    covered: set[tuple[str, date]] = set()
    if counts is not None and not counts.is_empty():
        rows = counts.drop("country", strict=False).join(located, on="district_code", how="inner")
        covered = set(rows.select("country", _month("month")).unique().iter_rows())
    spans: dict[str, tuple[date, date]] = {}
    for country, first, last in ranges.iter_rows():
        last_month = MONTH.truncate(last)
        if last != MONTH.last_day(last) and (country, last_month) in covered:
            last_month = MONTH.shift(last_month, -1)  # partial, and the counts have it
        first_month = MONTH.truncate(first)
        if last_month >= first_month:
            spans[country] = (first_month, last_month)
    return spans


def monthly_counts(
    events: pl.DataFrame,
    counts: pl.DataFrame,
    districts: pl.DataFrame,
    *,
    spans: Mapping[str, tuple[date, date]] | None = None,
) -> pl.DataFrame:
    """Political-violence events and fatalities per district and month (:data:`SCHEMA`).

    A complete grid: every district of ``districts`` (columns ``code``, ``country``) for
    every month from the earliest to the latest month either source holds, sorted by
    district then month; zero where neither says anything. ``events`` and ``counts`` are
    shaped as the store's tables (``forecast.core.schema.EVENTS``, ``COUNTS``); events without a
    district or in districts not listed are left out. ``spans`` (country -> first and last
    month from the events) defaults to :func:`event_spans`.
    """
    located = _countries(districts)
    if spans is None:
        spans = event_spans(events, districts, counts)
    pv = target_expressions()["any"]
    from_events = (
        events.lazy()
        .filter(pv)
        .drop("country", strict=False)
        .join(located.lazy(), on="district_code", how="inner")
        .group_by("district_code", _month("event_date").alias("month"))
        .agg(
            pl.len().cast(pl.Int32).alias("_ev"),
            pl.col("fatalities").fill_null(0).sum().cast(pl.Int32).alias("_ev_f"),
        )
        .collect()
    )
    # One publisher per district-month (the first by name): two would count the same events.
    from_counts = (
        counts.lazy()
        .drop("country", strict=False)
        .join(located.lazy(), on="district_code", how="inner")
        .with_columns(_month("month").alias("month"))
        .sort("source", "district_code", "month")
        .unique(["district_code", "month"], keep="first", maintain_order=True)
        .select(
            "district_code",
            "month",
            pl.col("events").cast(pl.Int32).alias("_ct"),
            pl.col("fatalities").cast(pl.Int32).alias("_ct_f"),
        )
        .collect()
    )
    bounds = [d for span in spans.values() for d in span]
    if not from_counts.is_empty():
        bounds += [from_counts["month"].min(), from_counts["month"].max()]  # type: ignore[list-item]
    if not bounds or located.is_empty():
        return pl.DataFrame(schema=SCHEMA)
    months = MONTH.date_range(min(bounds), max(bounds)).alias("month")  # type: ignore[type-var]
    span_frame = pl.DataFrame(
        {
            "country": list(spans),
            "_first": [first for first, _ in spans.values()],
            "_last": [last for _, last in spans.values()],
        },
        schema={"country": pl.Utf8, "_first": pl.Date, "_last": pl.Date},
    )
    in_span = pl.col("month").is_between(pl.col("_first"), pl.col("_last")).fill_null(False)
    return (
        located.join(months.to_frame(), how="cross")
        .join(span_frame, on="country", how="left")
        .join(from_events, on=["district_code", "month"], how="left")
        .join(from_counts, on=["district_code", "month"], how="left")
        .select(
            "district_code",
            "month",
            pl.when(in_span)
            .then(pl.col("_ev").fill_null(0))
            .otherwise(pl.col("_ct").fill_null(0))
            .cast(pl.Int32)
            .alias("events"),
            pl.when(in_span)
            .then(pl.col("_ev_f").fill_null(0))
            .otherwise(pl.col("_ct_f").fill_null(0))
            .cast(pl.Int32)
            .alias("fatalities"),
            pl.when(in_span)
            .then(pl.lit(FROM_EVENTS))
            .when(pl.col("_ct").is_not_null())
            .then(pl.lit(FROM_COUNTS))
            .otherwise(None)
            .alias("source"),
        )
        .sort("district_code", "month")
    )
