"""No look-ahead: what is dated after week t never changes row t."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features import build_panel
from forecast import vocab
from tests.features import world

START = date(2023, 10, 2)
WEEKS = 20
END = START + timedelta(weeks=WEEKS - 1)
DAYS = WEEKS * 7 + 20  # some records fall after the panel too

codes = st.sampled_from([*world.CODES, None])
offsets = st.integers(min_value=-30, max_value=DAYS)
coords = st.one_of(
    st.none(), st.tuples(st.floats(13.6, 17.4), st.floats(-0.4, 3.4))
)  # fmt: skip
texts = st.sampled_from(
    [None, "JNIM", "Wagner Group", "Civilians (China)", "Military Forces of France", "x"]
)


@st.composite
def event_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for i in range(draw(st.integers(0, 25))):
        point = draw(coords)
        rows.append(
            world.event(
                f"e{i}",
                START + timedelta(days=draw(offsets)),
                draw(codes),
                event_type=draw(st.sampled_from(vocab.EVENT_TYPES)),
                fatalities=draw(st.integers(0, 3)),
                lat=point[0] if point else None,
                lon=point[1] if point else None,
                actor1=draw(texts),
                notes=draw(texts),
            )
        )
    return rows


@st.composite
def period_rows(draw: st.DrawFn, partner: bool) -> list[dict[str, Any]]:
    rows = []
    for i in range(draw(st.integers(0, 6))):
        start = START + timedelta(days=draw(offsets))
        length = draw(st.one_of(st.none(), st.integers(0, 60)))
        point = draw(coords)
        row = {
            "presence_id" if partner else "deployment_id": f"p{i}",
            "district_code": draw(st.sampled_from(world.CODES)),
            "latitude": point[0] if point else None,
            "longitude": point[1] if point else None,
            "start_date": start,
            "end_date": None if length is None else start + timedelta(days=length),
        }
        if partner:
            row["partner"] = draw(st.sampled_from([*vocab.PARTNER_KINDS, "unknown"]))
        rows.append(row)
    return rows


def sunday(week_index: int) -> date:
    return START + timedelta(weeks=week_index, days=6)


def censor(rows: list[dict[str, Any]], key: str, cutoff: date, mode: int) -> list[dict[str, Any]]:
    """Drop (mode 0) or alter (mode 1) every record dated after the cutoff; alter the
    unknowable part (an end after the cutoff) of the others."""
    out = []
    for row in rows:
        if row[key] > cutoff:
            if mode == 0:
                continue
            row = {**row, key: row[key] + timedelta(days=3), "district_code": "C3"}
            if "fatalities" in row:
                row["fatalities"] = 7
            if row.get("end_date") is not None:
                row["end_date"] = row[key] + timedelta(days=10)
        elif row.get("end_date") is not None and row["end_date"] > cutoff:
            row = {**row, "end_date": None if mode == 0 else cutoff + timedelta(days=40)}
        out.append(row)
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=event_rows(),
    deployments=period_rows(False),
    partners=period_rows(True),
    t=st.integers(0, WEEKS - 1),
    mode=st.integers(0, 1),
)
def test_records_after_week_t_do_not_change_row_t(
    events: list[dict[str, Any]],
    deployments: list[dict[str, Any]],
    partners: list[dict[str, Any]],
    t: int,
    mode: int,
) -> None:
    cutoff = sunday(t)
    full = world.tables(events, deployments, partners)
    censored = world.tables(
        censor(events, "event_date", cutoff, mode),
        censor(deployments, "start_date", cutoff, mode),
        censor(partners, "start_date", cutoff, mode),
    )
    upto = pl.col("week") <= START + timedelta(weeks=t)
    a = build_panel(full, start=START, end=END).filter(upto)
    b = build_panel(censored, start=START, end=END).filter(upto)
    assert a.equals(b)
