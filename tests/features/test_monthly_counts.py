"""Monthly counts per district: events inside their country's span, the counts table outside."""

from __future__ import annotations

from datetime import date

import polars as pl

from features.monthly_counts import event_spans, monthly_counts
from forecast.core.schema import COUNTS, DISTRICTS
from tests.features import world


def _districts() -> pl.DataFrame:
    return DISTRICTS.conform(
        pl.DataFrame(
            {
                "code": ["A", "B", "N"],
                "name": ["A", "B", "N"],
                "country": ["MLI", "MLI", "NER"],
                "centroid_lat": [14.0, 15.0, 13.0],
                "centroid_lon": [0.0, 1.0, 2.0],
            }
        )
    )


def _counts(rows: list[tuple[str, date, int, int]]) -> pl.DataFrame:
    return COUNTS.conform(
        pl.DataFrame(
            {
                "source": "acled",
                "district_code": [r[0] for r in rows],
                "month": [r[1] for r in rows],
                "events": [r[2] for r in rows],
                "fatalities": [r[3] for r in rows],
                "matched": "pcode",
                "units": 1,
            }
        )
    )


def _value(frame: pl.DataFrame, code: str, month: date) -> tuple[int, int, str | None]:
    row = frame.filter((pl.col("district_code") == code) & (pl.col("month") == month))
    assert row.height == 1
    return row["events"][0], row["fatalities"][0], row["source"][0]


e = world.event
# Mali's event-level data run 2020-01-05 .. 2020-03-31 (March complete: its last day).
MALI_EVENTS = [
    e("m1", date(2020, 1, 5), "A", fatalities=2),
    e("m2", date(2020, 1, 20), "A", event_type="abduction"),  # violence against civilians
    e("m3", date(2020, 1, 21), "A", event_type="protest", fatalities=4),  # not counted
    e("m4", date(2020, 2, 10), "B", event_type="remote_violence", fatalities=1),
    e("m5", date(2020, 3, 31), "B", event_type="strategic"),  # marks the span, not counted
    e("m6", date(2020, 2, 2), None, fatalities=9),  # unplaced: not counted
]
COUNTS_ROWS = [
    # inside Mali's span: the events win, whatever the counts say
    ("A", date(2020, 1, 1), 7, 7),
    ("B", date(2020, 2, 1), 7, 7),
    # outside it: the counts
    ("A", date(2019, 12, 1), 3, 5),
    ("A", date(2020, 4, 1), 2, 0),
    ("B", date(2020, 5, 1), 1, 1),
    # Niger has no events: counts throughout
    ("N", date(2020, 1, 1), 4, 4),
]


def test_events_inside_the_span_and_counts_outside() -> None:
    out = monthly_counts(world.events(MALI_EVENTS), _counts(COUNTS_ROWS), _districts())
    assert out.columns == ["district_code", "month", "events", "fatalities", "source"]
    # a complete grid: 3 districts x 2019-12 .. 2020-05
    assert out.height == 3 * 6
    assert out["month"].unique().sort().to_list()[0] == date(2019, 12, 1)
    assert _value(out, "A", date(2019, 12, 1)) == (3, 5, "counts")
    assert _value(out, "A", date(2020, 1, 1)) == (2, 2, "events")  # battle + abduction
    assert _value(out, "B", date(2020, 2, 1)) == (1, 1, "events")
    assert _value(out, "B", date(2020, 3, 1)) == (0, 0, "events")  # a strategic development
    assert _value(out, "A", date(2020, 4, 1)) == (2, 0, "counts")
    assert _value(out, "B", date(2020, 4, 1)) == (0, 0, None)  # neither says anything
    assert _value(out, "B", date(2020, 5, 1)) == (1, 1, "counts")
    assert _value(out, "N", date(2020, 1, 1)) == (4, 4, "counts")
    assert _value(out, "N", date(2020, 2, 1)) == (0, 0, None)


def test_a_partial_last_month_comes_from_the_counts_when_they_have_it() -> None:
    events = world.events([*MALI_EVENTS, e("m7", date(2020, 4, 12), "A")])
    spans = event_spans(events, _districts(), _counts(COUNTS_ROWS))
    assert spans == {"MLI": (date(2020, 1, 1), date(2020, 3, 1))}
    out = monthly_counts(events, _counts(COUNTS_ROWS), _districts())
    assert _value(out, "A", date(2020, 4, 1)) == (2, 0, "counts")
    # Without counts for April, April's events are all there is.
    no_april = [r for r in COUNTS_ROWS if r[1] != date(2020, 4, 1)]
    assert event_spans(events, _districts(), _counts(no_april))["MLI"][1] == date(2020, 4, 1)
    out = monthly_counts(events, _counts(no_april), _districts())
    assert _value(out, "A", date(2020, 4, 1)) == (1, 0, "events")


def test_events_alone_and_counts_alone() -> None:
    events = world.events(MALI_EVENTS)
    only_events = monthly_counts(events, COUNTS.empty(), _districts())
    assert only_events["month"].min() == date(2020, 1, 1)
    assert only_events["month"].max() == date(2020, 3, 1)
    assert _value(only_events, "N", date(2020, 2, 1)) == (0, 0, None)
    only_counts = monthly_counts(world.events([]), _counts(COUNTS_ROWS), _districts())
    assert _value(only_counts, "A", date(2020, 1, 1)) == (7, 7, "counts")
    empty = monthly_counts(world.events([]), COUNTS.empty(), _districts())
    assert empty.is_empty() and empty.columns == only_counts.columns


def test_given_spans_override_the_events() -> None:
    spans = {"MLI": (date(2020, 1, 1), date(2020, 1, 1))}
    out = monthly_counts(world.events(MALI_EVENTS), _counts(COUNTS_ROWS), _districts(), spans=spans)
    assert _value(out, "A", date(2020, 1, 1)) == (2, 2, "events")
    assert _value(out, "B", date(2020, 2, 1)) == (7, 7, "counts")
