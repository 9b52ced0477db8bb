"""No look-ahead: what is dated after week t never changes row t."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features import build_panel
from forecast.core import vocab
from tests.features import world

START = date(2023, 10, 2)
WEEKS = 20
END = START + timedelta(weeks=WEEKS - 1)
DAYS = WEEKS * 7 + 20  # some records fall after the panel too

codes = st.sampled_from([*world.CODES, None])
# Mostly inside the panel; some more than a year before it, older than every window, so
# that what is carried in from early history (weeks since) is exercised too.
offsets = st.one_of(
    st.integers(min_value=-30, max_value=DAYS), st.integers(min_value=-500, max_value=-380)
)
coords = st.one_of(
    st.none(), st.tuples(st.floats(13.6, 17.4), st.floats(-0.4, 3.4))
)  # fmt: skip
texts = st.sampled_from(
    [None, "JNIM", "Wagner Group", "Civilians (China)", "Military Forces of France", "x"]
)
FAMA = "Military Forces of Mali (2021-)"
# Both sides of the army family's dyads: national forces (ACLED's and UCDP's names, and
# another country's), partner and Russian forces, jihadists, civilians.
actors = st.sampled_from(
    [
        None,
        FAMA,
        "Military Forces of Niger (2021-)",
        "Government of Mali",
        "JNIM",
        "Wagner Group",
        "MINUSMA",
        "Military Forces of France",
        "Civilians (Mali)",
    ]
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
                actor1=draw(st.one_of(texts, actors)),
                actor2=draw(actors),
                assoc_actors=draw(st.sampled_from([None, FAMA, "Wagner Group"])),
                notes=draw(texts),
                country=draw(st.sampled_from(["MLI", "MLI", "NER"])),
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


def cutoffs(*tables: list[dict[str, Any]]) -> st.SearchStrategy[int]:
    """Any week, or often the week just before a record's: the cutoff at which a feature
    reading a week ahead sees something the censored tables lack (drawn at random alone,
    such a week is rare among the few examples a build-heavy test can afford)."""
    dates = ("event_date", "start_date", "end_date")
    weeks = {
        (row[k] - START).days // 7 for rows in tables for row in rows for k in dates if row.get(k)
    }
    before = sorted({w - 1 for w in weeks} & set(range(WEEKS)))
    anywhere = st.integers(0, WEEKS - 1)
    return st.one_of(st.sampled_from(before), anywhere) if before else anywhere


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
                # An army-involved attack with Russian forces: every army feature would see it.
                row |= {"fatalities": 7, "actor1": "JNIM", "actor2": FAMA, "assoc_actors": "Wagner"}
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
    data=st.data(),
    mode=st.integers(0, 1),
)
def test_records_after_week_t_do_not_change_row_t(
    events: list[dict[str, Any]],
    deployments: list[dict[str, Any]],
    partners: list[dict[str, Any]],
    data: st.DataObject,
    mode: int,
) -> None:
    t = data.draw(cutoffs(events, deployments, partners), label="t")
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
