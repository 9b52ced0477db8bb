"""ACLED reader: the HDX 31-column, older 28-column dyadic and reduced API layouts."""

from __future__ import annotations

import csv
import gzip
import re
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from forecast.core import vocab
from forecast.core.errors import InputError
from forecast.core.schema import EVENTS
from forecast.sources.acled import read_acled
from tests.conftest import FIXTURES, shared_data

HDX = FIXTURES / "acled_hdx_31col.csv"
DYADIC = FIXTURES / "acled_dyadic_28col.csv"
API = FIXTURES / "acled_api_bfa_14col.csv"


def rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def edited(tmp: Path, source: Path, changes: dict[tuple[int, str], str]) -> Path:
    """Copy of ``source`` with {(1-based data row, column): text} applied."""
    header, rows = rows_of(source)
    for (row, column), value in changes.items():
        rows[row - 1][header.index(column)] = value
    out = tmp / source.name
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return out


def by_id(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["source_id"]: r for r in frame.iter_rows(named=True)}


def problem_keys(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.field) for p in exc.value.problems]


# --- the 31-column HDX layout ----------------------------------------------------------------


def test_hdx_layout_is_conformed_to_events() -> None:
    events = read_acled(HDX)
    assert events.schema == EVENTS.empty().schema
    assert events.height == 7
    assert set(events["source"]) == {"acled"}
    assert set(events["placement"]) == {vocab.UNPLACED}
    assert events["district_code"].null_count() == 7
    assert set(events["file"]) == {str(HDX)}


def test_hdx_types_map_to_vocabulary() -> None:
    events = by_id(read_acled(HDX))
    expected = {
        "MLI9001": (vocab.BATTLE, True),
        "MLI9002": (vocab.ABDUCTION, True),  # Abduction/forced disappearance sub-type
        "MLI9003": (vocab.CIVILIAN_VIOLENCE, True),
        "MLI9004": (vocab.REMOTE_VIOLENCE, True),
        "MLI9005": (vocab.RIOT, True),
        "MLI9006": (vocab.PROTEST, False),
        "MLI9007": (vocab.STRATEGIC, False),
    }
    assert {k: (v["event_type"], v["violent"]) for k, v in events.items()} == expected
    assert events["MLI9002"]["sub_event_type"] == "Abduction/forced disappearance"


def test_hdx_row_values() -> None:
    event = by_id(read_acled(HDX))["MLI9003"]
    assert event["event_date"] == date(2020, 7, 29)
    assert (event["latitude"], event["longitude"]) == (13.9581, -3.7103)
    assert (event["geo_precision"], event["time_precision"]) == (2, 1)
    assert event["actor1"] == "Dan Na Ambassagou"
    assert event["actor2"] == "Civilians (Mali)"
    assert event["assoc_actors"] == "Dozo Communal Group (Mali); Fulani Ethnic Group (Mali)"
    assert (event["country"], event["admin1"], event["admin2"]) == ("MLI", "Mopti", "Bankass")
    assert event["location"] == "Dounde"
    assert event["fatalities"] == 12
    assert event["fatalities_low"] is None and event["fatalities_high"] is None
    assert event["source_version"] == 1596481842
    assert event["notes"].startswith("On 29 July 2020, Dozo militiamen killed twelve")


def test_hdx_optional_actor_fields_and_multiline_notes() -> None:
    events = by_id(read_acled(HDX))
    assert events["MLI9004"]["actor2"] is None and events["MLI9004"]["assoc_actors"] is None
    assert events["MLI9002"]["assoc_actors"] == "Aid Workers (International)"  # assoc_actor_2 only
    assert events["MLI9007"]["notes"].endswith("(Ansongo, Gao).\nSecond line of the note.")
    assert (events["MLI9007"]["geo_precision"], events["MLI9007"]["time_precision"]) == (3, 3)


def test_gzipped_copy_reads_the_same(tmp_path: Path) -> None:
    gz = tmp_path / "acled.csv.gz"
    gz.write_bytes(gzip.compress(HDX.read_bytes()))
    plain, packed = read_acled(HDX), read_acled(gz)
    assert packed.drop("file").equals(plain.drop("file"))


def test_country_from_iso_number_or_name_when_iso3_absent(tmp_path: Path) -> None:
    header, rows = rows_of(HDX)
    keep = [i for i, c in enumerate(header) if c != "iso3"]
    rows[1][header.index("iso")] = "854"  # Burkina Faso by ISO numeric code
    rows[2][header.index("iso")] = ""
    rows[2][header.index("country")] = "Niger"  # by name
    rows[3][header.index("iso")] = ""
    rows[3][header.index("country")] = "Atlantis"  # unknown: name kept
    path = tmp_path / "no_iso3.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([header[i] for i in keep])
        writer.writerows([[r[i] for i in keep] for r in rows])
    countries = read_acled(path)["country"].to_list()
    assert countries == ["MLI", "BFA", "NER", "Atlantis", "MLI", "MLI", "MLI"]


# --- date formats ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("31 July 2020", "30 July 2020"),
        ("31-July-2020", "30-July-2020"),
        ("31-Jul-20", "30-Jul-20"),
        ("2020-07-31", "2020-7-30"),
    ],
)
def test_date_styles(tmp_path: Path, first: str, second: str) -> None:
    changes = {(1, "event_date"): first, (2, "event_date"): second}
    for row in range(3, 8):  # the other rows in the same style, one format per file
        changes[(row, "event_date")] = second
    path = edited(tmp_path, HDX, changes)
    dates = read_acled(path)["event_date"].to_list()
    assert dates[:2] == [date(2020, 7, 31), date(2020, 7, 30)]


# --- the 28-column dyadic layout -------------------------------------------------------------


def test_dyadic_pairs_collapse_to_one_event() -> None:
    events = read_acled(DYADIC)
    assert events["source_id"].to_list() == ["MLI9101", "MLI9102", "MLI9103"]  # 5 rows -> 3


def test_dyadic_actors_and_fatalities_counted_once() -> None:
    events = by_id(read_acled(DYADIC))
    battle = events["MLI9101"]
    assert battle["event_date"] == date(2020, 12, 31)  # "31 December 2020"
    assert battle["actor1"] == "Military Forces of Mali (2012-)"
    assert battle["actor2"] == "JNIM: Group for Support of Islam and Muslims"
    assert battle["assoc_actors"] == "Military Forces of France (2017-); Katiba Macina"
    assert battle["fatalities"] == 5  # 5 on both rows, not 10
    assert battle["event_type"] == vocab.BATTLE


def test_dyadic_single_row_event_has_no_second_actor() -> None:
    protest = by_id(read_acled(DYADIC))["MLI9102"]
    assert (protest["actor1"], protest["actor2"]) == ("Protesters (Mali)", None)
    assert protest["assoc_actors"] == "Teachers (Mali)"
    assert protest["event_date"] == date(2020, 12, 30)
    assert protest["violent"] is False


def test_dyadic_abduction_merges_assoc_actors_and_takes_latest_timestamp() -> None:
    abduction = by_id(read_acled(DYADIC))["MLI9103"]
    assert abduction["event_type"] == vocab.ABDUCTION
    assert abduction["event_date"] == date(2020, 12, 9)  # "09 December 2020"
    assert abduction["actor1"] == "Islamic State (Greater Sahara)"
    assert abduction["actor2"] == "Civilians (Mali)"
    assert abduction["assoc_actors"] == "Tuareg Ethnic Group (Mali); Village Chiefs (Mali)"
    assert abduction["source_version"] == 1622069999  # the pair's newer revision stamp
    assert (abduction["geo_precision"], abduction["time_precision"]) == (2, 2)


def test_dyadic_pair_disagreeing_on_date_is_a_conflict(tmp_path: Path) -> None:
    path = edited(tmp_path, DYADIC, {(2, "event_date"): "30 December 2020"})
    with pytest.raises(InputError) as exc:
        read_acled(path)
    assert problem_keys(exc) == [(2, "event_date")]
    assert (
        "row 2, field 'event_date': event_id_cnty 'MLI9101' also appears in row 1 with a "
        "different event_date ('2020-12-31' there, '2020-12-30' here)"
    ) in str(exc.value)


def test_duplicate_id_disagreeing_on_location_and_fatalities(tmp_path: Path) -> None:
    path = edited(
        tmp_path,
        HDX,
        {(2, "event_id_cnty"): "MLI9001", (2, "event_type"): "Battles", (2, "sub_event_type"): ""},
    )
    with pytest.raises(InputError) as exc:
        read_acled(path)
    fields = {f for r, f in problem_keys(exc) if r == 2}
    assert {"event_date", "latitude", "longitude", "location", "fatalities"} <= fields
    assert all(str(HDX.name) in str(p) for p in exc.value.problems)


def test_identical_duplicate_rows_in_monadic_file_load_once(tmp_path: Path) -> None:
    header, rows = rows_of(HDX)
    path = tmp_path / "dup.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([*rows, rows[0]])
    events = read_acled(path)
    assert events.height == 7
    assert by_id(events)["MLI9001"]["actor2"] == "Military Forces of Mali (2012-)"


# --- reduced API pulls (no ids, no coordinates) ----------------------------------------------


def test_api_pull_without_ids_or_coordinates_loads() -> None:
    events = read_acled(API)
    assert events.height == 4
    assert events["latitude"].null_count() == 4 and events["longitude"].null_count() == 4
    assert events["actor1"].null_count() == 4
    assert events["country"].to_list() == ["BFA"] * 4  # from the country name
    assert events["admin2"].to_list() == ["Nayala", "Bam", "Soum", "Soum"]
    assert events["fatalities"].to_list() == [0, 14, 7, 7]
    assert events["event_type"].to_list() == [
        vocab.STRATEGIC,
        vocab.CIVILIAN_VIOLENCE,
        vocab.BATTLE,
        vocab.BATTLE,
    ]


def test_api_pull_ids_are_stable_and_identical_rows_stay_apart(tmp_path: Path) -> None:
    ids = read_acled(API)["source_id"].to_list()
    assert len(set(ids)) == 4
    assert ids[2].rsplit("-", 1) == [ids[3].rsplit("-", 1)[0], "1"]  # same content, numbered
    assert ids[3].endswith("-2")
    copy = tmp_path / "copy.csv"
    shutil.copy(API, copy)
    assert read_acled(copy)["source_id"].to_list() == ids  # same content, same ids
    restamped = edited(tmp_path, API, {(1, "timestamp"): "1700000000"})
    assert read_acled(restamped)["source_id"].to_list() == ids  # a new revision keeps its id


# --- bad input: every problem names file, row and field --------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [
        (3, "event_date", "2020-13-45", "'2020-13-45' is not a date like '2020-12-31'"),
        (2, "latitude", "95.5", "'95.5' is outside [-90, 90]"),
        (4, "longitude", "-181", "'-181' is outside [-180, 180]"),
        (5, "latitude", "north", "'north' is not a number"),
        (1, "fatalities", "-2", "'-2' is outside [0, 2147483647]"),
        (6, "fatalities", "1.5", "'1.5' is not a whole number"),
        (7, "fatalities", "", "missing value"),
        (2, "event_type", "Skirmish", "'Skirmish' is not an ACLED event type"),
        (3, "geo_precision", "4", "'4' is outside [1, 3]"),
        (3, "event_id_cnty", "", "missing event id"),
        (5, "longitude", "", "missing value"),
    ],
)
def test_bad_value_names_file_row_and_field(
    tmp_path: Path, row: int, column: str, value: str, reason: str
) -> None:
    path = edited(tmp_path, HDX, {(row, column): value})
    with pytest.raises(InputError) as exc:
        read_acled(path)
    assert problem_keys(exc) == [(row, column)]
    assert f"{path}, row {row}, field '{column}': {reason}" in str(exc.value)


def test_rows_missing_ids_are_not_also_reported_as_duplicates(tmp_path: Path) -> None:
    path = edited(tmp_path, HDX, {(2, "event_id_cnty"): "", (5, "event_id_cnty"): " "})
    with pytest.raises(InputError) as exc:
        read_acled(path)
    assert problem_keys(exc) == [(2, "event_id_cnty"), (5, "event_id_cnty")]
    assert "row 5, field 'event_id_cnty': missing event id" in str(exc.value)


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    path = edited(
        tmp_path,
        HDX,
        {
            (1, "event_date"): "yesterday",
            (2, "fatalities"): "-1",
            (4, "latitude"): "200",
            (6, "event_type"): "Unknown",
        },
    )
    with pytest.raises(InputError) as exc:
        read_acled(path)
    assert problem_keys(exc) == [
        (1, "event_date"),
        (2, "fatalities"),
        (4, "latitude"),
        (6, "event_type"),
    ]
    assert str(exc.value).startswith("4 problem(s); nothing was loaded")


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "ucdp_like.csv"
    path.write_text("id,date_start,best\n1,2020-01-01,3\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_acled(path)
    assert problem_keys(exc) == [(None, "event_date"), (None, "event_type"), (None, "fatalities")]


def test_country_columns_all_missing(tmp_path: Path) -> None:
    path = tmp_path / "nocountry.csv"
    path.write_text(
        "event_id_cnty,event_date,event_type,fatalities\nX1,2020-01-01,Battles,0\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"field 'country': required column is missing"):
        read_acled(path)


def test_latitude_without_longitude_column(tmp_path: Path) -> None:
    path = tmp_path / "halfcoords.csv"
    path.write_text(
        "event_id_cnty,event_date,event_type,fatalities,country,latitude\n"
        "X1,2020-01-01,Battles,0,Mali,14.1\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"field 'longitude': column 'latitude' is present"):
        read_acled(path)


@pytest.mark.parametrize("content", ["", None])
def test_empty_file(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "empty.csv"
    header = HDX.read_text(encoding="utf-8").splitlines()[0] + "\n"
    path.write_text(header if content is None else content, encoding="utf-8")
    reason = "file has a header but no data rows" if content is None else "file is empty"
    with pytest.raises(InputError, match=re.escape(f"{path}: {reason}")):
        read_acled(path)


def test_undecodable_bytes(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    text = HDX.read_text(encoding="utf-8").replace("Dounde", "Doundé")
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError) as exc:
        read_acled(path)
    assert problem_keys(exc) == [(3, "location"), (3, "notes")]  # both hold the name
    assert "latin1.csv, row 3, field 'location': 'Dound\ufffd' contains bytes that are not" in str(
        exc.value
    )


# --- real files (../shared/data) -------------------------------------------------------------


@pytest.mark.realdata
def test_real_hdx_mali() -> None:
    events = read_acled(shared_data("acled_hdx_sahel_2020", "acled_mli_1997_2020.csv.gz"))
    assert events.height == 3990
    assert events["source_id"].n_unique() == 3990
    assert events["event_date"].min() == date(1997, 1, 6)
    assert events["event_date"].max() == date(2020, 7, 31)
    counts = dict(events["event_type"].value_counts().iter_rows())
    # SOURCE.md: Battles 1270, Violence against civilians 1168 (incl. abductions),
    # Explosions/Remote violence 609, Strategic developments 413, Protests 360, Riots 170.
    assert counts[vocab.BATTLE] == 1270
    assert counts[vocab.CIVILIAN_VIOLENCE] + counts[vocab.ABDUCTION] == 1168
    assert counts[vocab.REMOTE_VIOLENCE] == 609
    assert counts[vocab.STRATEGIC] == 413
    assert counts[vocab.PROTEST] == 360
    assert counts[vocab.RIOT] == 170
    assert events["admin2"].n_unique() == 51
    assert set(events["country"]) == {"MLI"}


@pytest.mark.realdata
def test_real_dyadic_mali() -> None:
    path = shared_data("acled_mali_2017_2020_dyadic", "acled_mali_2017_2020_dyadic.csv.gz")
    events = read_acled(path)
    assert events.height == 3314  # from 6,214 rows
    assert events["event_date"].min() == date(2017, 1, 1)
    assert events["event_date"].max() == date(2020, 12, 31)
    raw = pl.read_csv(path, infer_schema=False)
    once = raw.unique("event_id_cnty").select(pl.col("fatalities").cast(pl.Int64).sum()).item()
    assert events["fatalities"].sum() == once  # fatalities counted once per event


@pytest.mark.realdata
def test_real_bfa_api_pull_without_coordinates() -> None:
    events = read_acled(shared_data("acled_bfa_2019_2022", "acled_bfa_2019_2022.csv.gz"))
    assert events.height == 4999
    assert events["source_id"].n_unique() == 4999
    assert events["latitude"].null_count() == 4999
    assert events["admin2"].n_unique() == 44
    assert events["event_date"].min() == date(2019, 9, 24)
    counts = dict(events["event_type"].value_counts().iter_rows())
    assert counts[vocab.CIVILIAN_VIOLENCE] + counts[vocab.ABDUCTION] == 1548
    assert counts[vocab.STRATEGIC] == 1160


@pytest.mark.realdata
def test_real_car_and_wagner_exports() -> None:
    car = read_acled(shared_data("acled_car_to_2022", "acled_car_to_2022-12-10.csv.gz"))
    assert car.height == 6529
    assert car["event_date"].max() == date(2022, 12, 6)  # "06 December 2022"
    assert car.filter(pl.col("actor1") == "Wagner Group").height == 282
    wagner = read_acled(
        shared_data("acled_wagner_events_2022", "acled_wagner_actor_events_to_2022-06-16.csv")
    )
    assert wagner.height == 316
    assert wagner["event_date"].min() == date(2018, 10, 8)  # "8-Oct-18"
    assert wagner["event_date"].max() == date(2022, 6, 9)
    assert wagner.filter(pl.col("country") == "MLI").height == 14
