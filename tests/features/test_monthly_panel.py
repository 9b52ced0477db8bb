"""The district x month panel on a hand-checked world (the nine squares of world.py and Z).

events (Mali's event-level data: 2024-01-10 .. 2024-02-29, so January and February
come from them; February is complete, its last day has an event)
  e1 2024-01-10 A1 battle             2 deaths
  e2 2024-01-20 A1 civilian_violence  0 deaths
  e3 2024-02-29 B2 battle             1 death
  e4 2024-02-05 A2 protest            (not political violence: only marks the span)
counts (the HDX table)
  A1 2024-01  9 events 9 deaths   inside Mali's span: the events win
  A1 2024-03  3 / 5
  A2 2024-04  1 / 0
  B2 2024-05  2 / 2
  Z  2024-01  4 / 4              Niger has no events: counts throughout
  Z  2024-03  1 / 0
partners
  u1 un at A2's centroid, 2024-02-10 .. 2024-04-05 (months February .. April)

So, per month Jan .. May: A1 events 2 0 3 0 0 (deaths 2 0 5 0 0); A2 0 0 0 1 0;
B2 0 1 0 0 2 (deaths 0 1 0 0 2); Z 4 0 1 0 0. Neighbours (queen) of A1: A2, B1, B2.
Centroids within 200 km of A1's: A2 (107.65 km), B1 (111.19), B2 (about 154); none
within 100 km.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

import features
from features.monthly import ABSENT, KEYS, build_monthly_panel, monthly_catalogue
from forecast.core.schema import COUNTS, CanonicalTables
from tests.features import world

JAN, FEB, MAR, APR, MAY = (date(2024, m, 1) for m in range(1, 6))


def counts_frame(rows: list[tuple[str, date, int, int]]) -> pl.DataFrame:
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


def monthly_world() -> CanonicalTables:
    e = world.event
    events = [
        e("e1", date(2024, 1, 10), "A1", fatalities=2),
        e("e2", date(2024, 1, 20), "A1", event_type="civilian_violence"),
        e("e3", date(2024, 2, 29), "B2", fatalities=1),
        e("e4", date(2024, 2, 5), "A2", event_type="protest"),
    ]
    partners = [
        {
            "presence_id": "u1",
            "partner": "un",
            "latitude": 14.5,
            "longitude": 1.5,
            "district_code": "A2",
            "start_date": date(2024, 2, 10),
            "end_date": date(2024, 4, 5),
        }
    ]
    base = world.tables(events, [], partners)
    counts = [
        ("A1", JAN, 9, 9),
        ("A1", MAR, 3, 5),
        ("A2", APR, 1, 0),
        ("B2", MAY, 2, 2),
        ("Z", JAN, 4, 4),
        ("Z", MAR, 1, 0),
    ]
    return CanonicalTables(
        districts=base.districts,
        events=base.events,
        deployments=base.deployments,
        partners=base.partners,
        counts=counts_frame(counts),
    )


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return build_monthly_panel(monthly_world())


def at(
    panel: pl.DataFrame, month: date, column: str, key: str = "month"
) -> dict[str, float | None]:
    rows = panel.filter(pl.col(key) == month)
    return dict(zip(rows["district_code"].to_list(), rows[column].to_list(), strict=True))


def test_shape_order_and_catalogue(panel: pl.DataFrame) -> None:
    specs = monthly_catalogue()
    assert panel.columns == [*KEYS, *(s.name for s in specs)]
    assert panel.height == 5 * len(world.CODES)  # January .. May 2024
    assert panel["month"].unique().sort().to_list() == [JAN, FEB, MAR, APR, MAY]
    assert panel.sort("month", "district_code").equals(panel)
    assert features.monthly_catalogue is monthly_catalogue


def test_own_counts(panel: pl.DataFrame) -> None:
    assert at(panel, JAN, "events_pv_1m")["A1"] == 2  # the events, not the counts' 9
    assert at(panel, MAY, "events_pv_3m")["A1"] == 3
    assert at(panel, MAY, "events_pv_6m")["A1"] == 5
    assert at(panel, MAY, "events_pv_1m")["A1"] == 0
    assert at(panel, MAY, "fatalities_3m")["A1"] == 5
    assert at(panel, MAY, "fatalities_12m")["A1"] == 7
    assert at(panel, FEB, "events_pv_1m")["B2"] == 1
    assert at(panel, FEB, "events_pv_1m")["A2"] == 0  # a protest
    assert at(panel, JAN, "events_pv_1m")["Z"] == 4
    assert at(panel, MAR, "events_pv_hl1m")["A1"] == pytest.approx(3.5)  # 3 + 0.5 * (0 + 0.5 * 2)
    assert at(panel, MAR, "trend_3v12")["A1"] == pytest.approx(5 / 3 - 5 / 12)


def test_months_since(panel: pl.DataFrame) -> None:
    assert at(panel, MAY, "months_since_event")["A1"] == 2
    assert at(panel, MAY, "months_since_fatal")["A1"] == 2
    assert at(panel, MAR, "months_since_event")["A2"] is None  # nothing yet
    assert at(panel, MAY, "months_since_event")["A2"] == 1
    assert at(panel, APR, "months_since_fatal")["A2"] is None  # April's event had no deaths


def test_spread(panel: pl.DataFrame) -> None:
    assert at(panel, FEB, "nb_events_pv_1m")["A1"] == 1  # B2
    assert at(panel, MAY, "nb_events_pv_1m")["A2"] == 2  # B2
    assert at(panel, MAY, "nb_fatalities_3m")["A1"] == 2
    assert at(panel, MAY, "nb_with_events_1m")["A1"] == 1
    assert at(panel, MAY, "nb_with_events_1m")["Z"] == 0  # no polygon, no neighbours
    assert at(panel, MAY, "events_pv_100km_1m")["A1"] == 0
    assert at(panel, MAY, "events_pv_200km_1m")["A1"] == 2  # B2, 154 km
    assert at(panel, MAR, "events_pv_200km_1m")["A1"] == 0  # its own 3 do not count
    assert at(panel, MAR, "events_pv_200km_1m")["A2"] == 3  # A1's, 108 km
    assert at(panel, JAN, "national_events_pv_1m") == {
        **dict.fromkeys([c for c in world.CODES if c != "Z"], 2.0),
        "Z": 4.0,
    }
    assert at(panel, MAR, "national_fatalities_3m")["B2"] == 2 + 1 + 5


def test_partners_on_a_month_axis(panel: pl.DataFrame) -> None:
    present = [at(panel, m, "partner_un_in_district")["A2"] for m in (JAN, FEB, MAR, APR, MAY)]
    assert present == [0, 1, 1, 1, 0]
    arrival = "partner_un_months_since_arrival_100km"
    assert [at(panel, m, arrival)["A2"] for m in (JAN, FEB, MAR, APR, MAY)] == [None, 0, 1, 2, 3]
    withdrawal = "partner_un_months_since_withdrawal_100km"
    assert [at(panel, m, withdrawal)["A2"] for m in (MAR, APR, MAY)] == [None, 0, 1]
    assert at(panel, MAR, arrival)["A1"] is None  # 107.65 km away
    assert at(panel, MAR, "partner_un_nearest_km")["A1"] == pytest.approx(107.65, abs=0.01)


def test_static_and_calendar(panel: pl.DataFrame) -> None:
    weekly = features.build_panel(monthly_world(), start=JAN, end=date(2024, 1, 29))
    for name in ("area_km2", "n_neighbours", "border_district", "capital_km", "country_code"):
        assert at(panel, MAR, name) == {
            k: (None if v is None else pytest.approx(v))
            for k, v in at(weekly, JAN, name, "week").items()
        }
    assert at(panel, JAN, "month_sin")["A1"] == 0.0
    assert at(panel, JAN, "month_cos")["A1"] == 1.0
    assert at(panel, MAY, "rainy_season")["A1"] == 0.0


def test_words_are_monthly_and_absent_families_are_named() -> None:
    for spec in monthly_catalogue():
        text = " ".join((spec.name, spec.meaning, spec.window, spec.missing)).lower()
        assert "week" not in text, spec
    assert {"actors", "army"} <= set(ABSENT)
    assert all("absent at monthly cadence" in why for why in ABSENT.values())


def test_start_end_and_history_before_start() -> None:
    tables = monthly_world()
    late = build_monthly_panel(tables, start=MAR, end=APR)
    assert late["month"].unique().sort().to_list() == [MAR, APR]
    full = build_monthly_panel(tables)
    assert late.equals(full.filter(pl.col("month").is_between(MAR, APR)))
    with pytest.raises(ValueError, match="before start"):
        build_monthly_panel(tables, start=APR, end=MAR)


def test_docs_list_the_monthly_catalogue() -> None:
    from pathlib import Path

    from features import markdown_table

    docs = Path(__file__).resolve().parents[2] / "docs" / "FEATURES.md"
    assert markdown_table(monthly_catalogue()) in docs.read_text(encoding="utf-8")
