"""No look-ahead at monthly cadence: counts, events and sites dated after month t never
change row t.

The one input read from beyond t is which months the event-level data cover (their span,
features.monthly_counts.event_spans): at the end of month t a live feed covers t, so it is
knowledge of the past there, and the test fixes it from the full data, as the operator
knows which period the files loaded cover.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.monthly import build_monthly_panel
from features.monthly_counts import event_spans
from forecast.core import vocab
from forecast.core.cadence import MONTH
from forecast.core.schema import CanonicalTables
from tests.features import world
from tests.features.test_monthly_panel import counts_frame

START = date(2023, 1, 1)
MONTHS = 14
END = MONTH.shift(START, MONTHS - 1)
DAYS = 31 * MONTHS + 40  # some records fall after the panel too
placed = st.sampled_from([*world.CODES, None])
offsets = st.one_of(st.integers(-60, DAYS), st.integers(-800, -400))
points = st.one_of(st.none(), st.tuples(st.floats(13.6, 17.4), st.floats(-0.4, 3.4)))


@st.composite
def event_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    return [
        world.event(
            f"e{i}",
            START + timedelta(days=draw(offsets)),
            draw(placed),
            event_type=draw(st.sampled_from(vocab.EVENT_TYPES)),
            fatalities=draw(st.integers(0, 3)),
        )
        for i in range(draw(st.integers(0, 20)))
    ]


@st.composite
def count_rows(draw: st.DrawFn) -> list[tuple[str, date, int, int]]:
    keys = draw(
        st.sets(st.tuples(st.sampled_from(world.CODES), st.integers(-30, MONTHS + 2)), max_size=25)
    )
    return [
        (code, MONTH.shift(START, m), draw(st.integers(0, 4)), draw(st.integers(0, 4)))
        for code, m in sorted(keys)
    ]


@st.composite
def partner_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for i in range(draw(st.integers(0, 5))):
        start = START + timedelta(days=draw(offsets))
        length = draw(st.one_of(st.none(), st.integers(0, 120)))
        point = draw(points)
        rows.append(
            {
                "presence_id": f"p{i}",
                "partner": draw(st.sampled_from(vocab.PARTNER_KINDS)),
                "district_code": draw(st.sampled_from(world.CODES)),
                "latitude": point[0] if point else None,
                "longitude": point[1] if point else None,
                "start_date": start,
                "end_date": None if length is None else start + timedelta(days=length),
            }
        )
    return rows


def _tables(events, counts, partners) -> CanonicalTables:
    base = world.tables(events, [], partners)
    return CanonicalTables(
        base.districts, base.events, base.deployments, base.partners, counts_frame(counts)
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=event_rows(),
    counts=count_rows(),
    partners=partner_rows(),
    t=st.integers(0, MONTHS - 1),
    mode=st.integers(0, 1),
)
def test_records_after_month_t_do_not_change_row_t(events, counts, partners, t, mode) -> None:
    month_t = MONTH.shift(START, t)
    last_day = MONTH.last_day(month_t)

    def later(day: date) -> date:
        return day + timedelta(days=40)

    cut_events = []
    for row in events:
        if row["event_date"] > last_day:
            if mode == 0:
                continue
            row = {**row, "event_date": later(row["event_date"]), "fatalities": 7}
        cut_events.append(row)
    # Counts of later months are dropped (mode 0) or altered (mode 1).
    cut_counts = [
        (c, m, n + 5, f + 3) if m > month_t else (c, m, n, f)
        for c, m, n, f in counts
        if m <= month_t or mode == 1
    ]
    cut_partners = []
    for row in partners:
        if row["start_date"] > last_day:
            if mode == 0:
                continue
            row = {**row, "start_date": later(row["start_date"]), "district_code": "C3"}
        elif row["end_date"] is not None and row["end_date"] > last_day:
            row = {**row, "end_date": None if mode == 0 else later(last_day)}
        cut_partners.append(row)

    full = _tables(events, counts, partners)
    censored = _tables(cut_events, cut_counts, cut_partners)
    spans = event_spans(full.events, full.districts, full.counts)
    upto = pl.col("month") <= month_t
    a = build_monthly_panel(full, start=START, end=END, spans=spans).filter(upto)
    b = build_monthly_panel(censored, start=START, end=END, spans=spans).filter(upto)
    assert a.equals(b)
