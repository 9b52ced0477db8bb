"""Geo-PKO maps turned into UN presence periods: hand-made tables, bad inputs, the real files."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from forecast.core.errors import InputError
from forecast.core.schema import PARTNER_PRESENCE
from forecast.sources.geopko import (
    OBSERVATION_SCHEMA,
    SOURCE_FRONTMAP,
    SOURCE_V21,
    presence_periods,
    read_geopko,
)
from tests.conftest import FIXTURES, shared_data

PERIOD = ("force", "name", "start_date", "end_date", "strength")


def periods(frame: pl.DataFrame) -> list[tuple]:
    return frame.select(PERIOD).sort("force", "name", "start_date").rows()


# --- v2.1: several maps a year ------------------------------------------------------------


def test_v21_periods_by_hand() -> None:
    # UNMX maps: 2018-03, 2018-09, 2019-02, 2019-11, 2020-06 (two map ids, one month).
    # UNOLD maps: 2015-04, 2016-10. UNCLOSED map: 2020-01. The data's last year is 2020.
    frame = read_geopko(FIXTURES / "geopko_v21_small.csv")
    assert periods(frame) == [
        # Still on the last map of a mission active in 2020 -> open.
        ("UNCLOSED", "Golf", date(2020, 1, 1), None, 25),
        # On every map; "unknown" troops left out of the mean (100, 200, 300).
        ("UNMX", "Alpha", date(2018, 3, 1), None, 200),
        # Absent from the 2019-02 map: ends the day before it, comes back as a new period
        # whose troops are all unknown.
        ("UNMX", "Bravo", date(2018, 3, 1), date(2019, 1, 31), 60),
        ("UNMX", "Bravo", date(2019, 11, 1), None, None),
        # Gone from the 2019-11 map; mean of 10 and 15 rounds half away from zero.
        ("UNMX", "Charlie", date(2018, 9, 1), date(2019, 10, 31), 13),
        # Listed twice on the 2019-11 map (30 + unknown = 30), then 40.
        ("UNMX", "Delta", date(2019, 11, 1), None, 35),
        # Mission's last map is in 2016, before the data's last year -> Dec 31 of 2016.
        ("UNOLD", "Echo", date(2015, 4, 1), date(2016, 12, 31), 450),
        ("UNOLD", "Foxtrot", date(2015, 4, 1), date(2016, 9, 30), 0),
    ]


def test_v21_rows_are_partner_presence() -> None:
    path = FIXTURES / "geopko_v21_small.csv"
    frame = read_geopko(path)
    assert frame.columns == PARTNER_PRESENCE.names
    assert frame.schema == pl.Schema(PARTNER_PRESENCE.polars_schema)
    assert set(frame["partner"]) == {"un"}
    assert set(frame["kind"]) == {"location"}
    assert set(frame["source"]) == {SOURCE_V21}
    assert set(frame["file"]) == {str(path)}
    assert frame["district_code"].null_count() == frame.height
    delta = frame.filter(pl.col("name") == "Delta").row(0, named=True)
    # Coordinates of the latest map in the period.
    assert (delta["latitude"], delta["longitude"]) == (13.5, 23.5)
    assert delta["presence_id"] == hashlib.sha1(b"geopko|UNMX|Delta|2019-11-01").hexdigest()
    golf = frame.filter(pl.col("name") == "Golf").row(0, named=True)
    assert (golf["latitude"], golf["longitude"]) == (None, None)  # "NA" kept, left unplaced
    assert frame["presence_id"].n_unique() == frame.height


def test_closed_mission_ends_at_its_closing_date() -> None:
    path = FIXTURES / "geopko_v21_small.csv"
    later = read_geopko(path, ["UNCLOSED"], closed={"UNCLOSED": date(2022, 3, 31)})
    assert periods(later) == [("UNCLOSED", "Golf", date(2020, 1, 1), date(2022, 3, 31), 25)]
    # A closing date inside the last year never cuts the data's own last year short.
    earlier = read_geopko(path, ["unclosed"], closed={"UNCLOSED": date(2020, 5, 31)})
    assert earlier["end_date"].to_list() == [date(2020, 12, 31)]


def test_mission_filter_keeps_the_files_last_year() -> None:
    # UNOLD alone would end in 2016, but "active" is judged against the whole file (2020).
    frame = read_geopko(FIXTURES / "geopko_v21_small.csv", ["unold"])
    assert periods(frame) == [
        ("UNOLD", "Echo", date(2015, 4, 1), date(2016, 12, 31), 450),
        ("UNOLD", "Foxtrot", date(2015, 4, 1), date(2016, 9, 30), 0),
    ]


def test_unknown_mission_is_named() -> None:
    with pytest.raises(InputError) as caught:
        read_geopko(FIXTURES / "geopko_v21_small.csv", ["MINUSMA"])
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (None, "mission")
    assert "'MINUSMA' is not in the file; it has UNCLOSED, UNMX, UNOLD" in problem.reason


def test_v21_bad_values_are_named() -> None:
    path = FIXTURES / "geopko_v21_bad.csv"
    with pytest.raises(InputError) as caught:
        read_geopko(path)
    found = {(p.row, p.field): p.reason for p in caught.value.problems}
    assert set(found) == {(2, "month"), (3, "no.troops"), (4, "latitude"), (5, "mission")}
    assert found[(2, "month")] == "'13' is not a month number 1-12"
    assert found[(3, "no.troops")] == "'lots' is not a number of troops or 'unknown'"
    assert all(p.file == str(path) for p in caught.value.problems)


def test_missing_columns_are_named() -> None:
    with pytest.raises(InputError) as caught:
        read_geopko(FIXTURES / "geopko_missing_columns.csv")
    fields = {p.field for p in caught.value.problems}
    assert fields == {"latitude", "longitude", "no.troops"}
    assert all(p.row is None for p in caught.value.problems)
    assert "FrontMap" in caught.value.problems[0].reason


def test_gzip_is_read_like_plain(tmp_path: Path) -> None:
    import gzip

    packed = tmp_path / "small.csv.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "geopko_v21_small.csv").read_bytes()))
    plain = read_geopko(FIXTURES / "geopko_v21_small.csv")
    assert periods(read_geopko(packed)) == periods(plain)


# --- v2.3 FrontMap: one row per location-year ----------------------------------------------


def test_frontmap_periods_by_hand() -> None:
    # UNMX years 2018, 2019, 2021 (no 2020 rows at all); UNOLD 2010, 2011; last year 2021.
    path = FIXTURES / "geopko_frontmap_small.csv"
    frame = read_geopko(path)
    assert periods(frame) == [
        # 2018 repeated with the same ave.no.troops (counted once), 2019 "NA" ignored:
        # mean(120, 180). 2020 is not a UNMX map, so 2019 -> 2021 is consecutive.
        ("UNMX", "Alpha", date(2018, 1, 1), None, 150),
        # Absent in 2019: ends Dec 31 2018, back in 2021.
        ("UNMX", "Bravo", date(2018, 1, 1), date(2018, 12, 31), 50),
        ("UNMX", "Bravo", date(2021, 1, 1), None, 70),
        # mean(10, 21) = 15.5 -> 16.
        ("UNOLD", "Echo", date(2010, 1, 1), date(2011, 12, 31), 16),
    ]
    assert set(frame["source"]) == {SOURCE_FRONTMAP}


def test_frontmap_bad_values_are_named() -> None:
    with pytest.raises(InputError) as caught:
        read_geopko(FIXTURES / "geopko_frontmap_bad.csv")
    assert {(p.row, p.field) for p in caught.value.problems} == {
        (2, "year"),
        (3, "location"),
        (4, "longitude"),
        (4, "ave.no.troops"),
    }


# --- the pure period builder ---------------------------------------------------------------


def test_presence_periods_on_a_frame() -> None:
    obs = pl.DataFrame(
        {
            "mission": ["M"] * 4,
            "map_date": [date(2001, 1, 1), date(2001, 6, 1), date(2001, 6, 1), date(2002, 2, 1)],
            "location": ["A", "A", "B", "A"],
            "latitude": [1.0, 1.0, 2.0, 1.5],
            "longitude": [1.0, 1.0, 2.0, 1.5],
            "troops": [10.0, None, 5.0, 20.0],
        },
        schema=OBSERVATION_SCHEMA,
    )
    out = presence_periods(obs, data_last_year=2005, closed={})
    assert out.select(PERIOD).rows() == [
        ("M", "A", date(2001, 1, 1), date(2002, 12, 31), 15),
        ("M", "B", date(2001, 6, 1), date(2002, 1, 31), 5),
    ]
    assert out.filter(pl.col("name") == "A")["latitude"].item() == 1.5


# --- the real files ------------------------------------------------------------------------

MALI_LAT = (10.1, 25.1)
MALI_LON = (-12.3, 4.3)


@pytest.mark.realdata
def test_real_v21_minusma() -> None:
    path = shared_data("geo_pko", "geo_pko_v2_1_location_map.csv.gz")
    frame = read_geopko(path, ["MINUSMA"])
    assert frame["name"].n_unique() == 15
    assert frame.height == 15  # no location left and came back
    assert frame["latitude"].is_between(*MALI_LAT).all()
    assert frame["longitude"].is_between(*MALI_LON).all()
    starts = dict(zip(frame["name"], frame["start_date"], strict=True))
    assert min(starts.values()) == date(2014, 3, 1)  # the first MINUSMA map in v2.1
    assert sum(d.year == 2014 for d in starts.values()) == 13
    assert (starts["Ber"], starts["Leré"]) == (date(2015, 9, 1), date(2016, 9, 1))
    ends = dict(zip(frame["name"], frame["end_date"], strict=True))
    # Gossi is on the 2018-08 map, not on the next; Dyabali leaves after 2019-09.
    assert ends["Gossi"] == date(2018, 8, 31)
    assert ends["Dyabali"] == date(2019, 11, 30)
    # On the last (2020-12) map: MINUSMA closed on 31 Dec 2023, so no period is left open.
    assert ends["Gao"] == date(2023, 12, 31)
    assert frame["end_date"].null_count() == 0


@pytest.mark.realdata
def test_real_v21_whole_file() -> None:
    frame = read_geopko(shared_data("geo_pko", "geo_pko_v2_1_location_map.csv.gz"))
    assert frame["force"].n_unique() == 52
    assert frame["presence_id"].n_unique() == frame.height
    assert (frame["end_date"].is_null() | (frame["end_date"] >= frame["start_date"])).all()
    assert frame["start_date"].min().year == 1994
    # Open periods belong only to missions on 2020 maps that had not closed (not UNAMID).
    still_open = set(frame.filter(pl.col("end_date").is_null())["force"])
    assert still_open == {
        "MINURSO", "MINUSCA", "MONUSCO", "UNDOF", "UNFICYP", "UNIFIL", "UNISFA", "UNMIK", "UNMISS"
    }  # fmt: skip
    # The one location without coordinates (UNOCI 2008, "unclear") is kept, unplaced.
    unclear = frame.filter(pl.col("name") == "unclear")
    assert unclear["force"].to_list() == ["UNOCI"]
    assert unclear["latitude"].to_list() == [None]


@pytest.mark.realdata
def test_real_frontmap_minusma() -> None:
    frame = read_geopko(shared_data("geo_pko", "FrontMap_v2_3.csv"), ["MINUSMA"])
    assert frame["name"].n_unique() == 15
    assert frame["latitude"].is_between(*MALI_LAT).all()
    assert frame["longitude"].is_between(*MALI_LON).all()
    assert frame["end_date"].null_count() == 0
    assert frame["end_date"].max() == date(2024, 12, 31)
    ends = dict(zip(frame["name"], frame["end_date"], strict=True))
    # Only Bamako and Gao are on the 2024 (liquidation) rows.
    assert {n for n, d in ends.items() if d.year == 2024} == {"Bamako", "Gao"}
    assert (ends["Gossi"], ends["Leré"]) == (date(2018, 12, 31), date(2017, 12, 31))
    assert ends["Kidal"] == date(2023, 12, 31)
    assert frame.filter(pl.col("name") == "Gao")["strength"].item() > 1000
