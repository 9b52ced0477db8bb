"""UCDP GED reader: the 48-column GED CSV and the UCDP API's JSON."""

from __future__ import annotations

import csv
import gzip
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from forecast.core import vocab
from forecast.core.errors import InputError
from forecast.core.schema import EVENTS
from forecast.sources.ucdp import read_ucdp
from tests.conftest import FIXTURES, shared_data

GED = FIXTURES / "ucdp_ged_48col.csv"
API = FIXTURES / "ucdp_api_page.json"


def rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def edited(tmp: Path, changes: dict[tuple[int, str], str], extra: int | None = None) -> Path:
    """Copy of the GED fixture with {(1-based row, column): text}; ``extra`` repeats that row."""
    header, rows = rows_of(GED)
    if extra is not None:
        rows.append(list(rows[extra - 1]))
    for (row, column), value in changes.items():
        rows[row - 1][header.index(column)] = value
    out = tmp / GED.name
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return out


def api_events() -> list[dict[str, Any]]:
    return json.loads(API.read_text(encoding="utf-8"))["Result"]


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def by_id(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["source_id"]: r for r in frame.iter_rows(named=True)}


def problem_keys(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.field) for p in exc.value.problems]


# --- the GED CSV -----------------------------------------------------------------------------


def test_ged_csv_is_conformed_to_events() -> None:
    events = read_ucdp(GED)
    assert events.schema == EVENTS.empty().schema
    assert events["source_id"].to_list() == ["900001", "900002", "900003", "900004"]
    assert set(events["source"]) == {"ucdp"}
    assert set(events["placement"]) == {vocab.UNPLACED}
    assert events["district_code"].null_count() == 4
    assert events["source_version"].to_list() == [0, 0, 0, 0]
    assert set(events["file"]) == {str(GED)}


def test_ged_types_actors_and_fatalities() -> None:
    events = by_id(read_ucdp(GED))
    assert [(e["event_type"], e["sub_event_type"]) for e in events.values()] == [
        (vocab.BATTLE, "state-based"),
        (vocab.BATTLE, "non-state"),
        (vocab.CIVILIAN_VIOLENCE, "one-sided"),  # UCDP has no abduction class
        (vocab.BATTLE, "state-based"),
    ]
    assert all(e["violent"] for e in events.values())
    first = events["900001"]
    assert (first["actor1"], first["actor2"]) == ("Government of Central African Republic", "CPC")
    assert (first["fatalities"], first["fatalities_low"], first["fatalities_high"]) == (31, 25, 40)
    assert first["assoc_actors"] is None


def test_ged_dates_and_precision_codes() -> None:
    events = by_id(read_ucdp(GED))
    assert events["900001"]["event_date"] == date(2021, 1, 13)  # "2021-01-13T00:00:00"
    assert events["900002"]["event_date"] == date(2021, 2, 25)  # date_start, not date_end
    # (where_prec, date_prec) -> (geo_precision, time_precision):
    # (1, 1) -> (1, 1); (3, 3) -> (2, 2); (6, 5) -> (3, 3); (2, 2) -> (1, 2)
    precisions = [(e["geo_precision"], e["time_precision"]) for e in events.values()]
    assert precisions == [(1, 1), (2, 2), (3, 3), (1, 2)]


def test_ged_places_countries_and_notes() -> None:
    events = by_id(read_ucdp(GED))
    bangui, bambari, lra, boni = (events[k] for k in ("900001", "900002", "900003", "900004"))
    assert (bangui["admin1"], bangui["admin2"]) == ("Bangui", "Bangui")  # " province" / " region"
    assert (bambari["admin1"], bambari["admin2"]) == ("Ouaka", "Bambari")  # prefecture suffixes
    assert (lra["admin1"], lra["admin2"]) == (None, None)
    assert (boni["admin1"], boni["admin2"]) == ("Mopti", "Douentza")  # " region" / " cercle"
    assert bangui["location"] == "Bangui town"
    assert (bangui["latitude"], bangui["longitude"]) == (4.3947, 18.5582)
    assert [e["country"] for e in events.values()] == ["CAF", "CAF", "CAF", "MLI"]
    assert bangui["notes"] == "Rebels attack Bangui outskirts | PK12, northern outskirts of Bangui"
    assert bambari["notes"] is None
    assert lra["notes"] == "Southeast Central African Republic"


def test_gzipped_csv(tmp_path: Path) -> None:
    path = tmp_path / "ged.csv.gz"
    path.write_bytes(gzip.compress(GED.read_bytes()))
    assert read_ucdp(path).drop("file").equals(read_ucdp(GED).drop("file"))


def test_exact_repeat_of_an_event_loads_once(tmp_path: Path) -> None:
    events = read_ucdp(edited(tmp_path, {}, extra=2))
    assert events["source_id"].to_list() == ["900001", "900002", "900003", "900004"]


# --- the API's JSON --------------------------------------------------------------------------


def test_api_json_page() -> None:
    events = by_id(read_ucdp(API))
    assert list(events) == ["910001", "910002", "910003"]  # numeric and text ids alike
    tessit, menaka, oudalan = events.values()
    assert tessit["event_date"] == date(2022, 3, 21)  # "2022-03-21T00:00:00.000"
    assert oudalan["event_date"] == date(2022, 5, 2)  # plain date
    assert (tessit["event_type"], menaka["event_type"], oudalan["event_type"]) == (
        vocab.BATTLE,
        vocab.CIVILIAN_VIOLENCE,
        vocab.BATTLE,
    )
    assert (menaka["fatalities"], menaka["fatalities_low"], menaka["fatalities_high"]) == (
        17,
        12,
        40,
    )
    assert (tessit["admin1"], tessit["admin2"]) == ("Gao", "Ansongo")
    assert (menaka["admin1"], menaka["admin2"]) == ("Ménaka", None)
    assert (oudalan["admin1"], oudalan["admin2"]) == ("Sahel", "Oudalan")
    assert [e["country"] for e in events.values()] == ["MLI", "MLI", "BFA"]
    assert [(e["geo_precision"], e["time_precision"]) for e in events.values()] == [
        (1, 1),  # where_prec 1, date_prec 1
        (3, 3),  # where_prec 4, date_prec 4
        (3, 2),  # where_prec 7, date_prec 3
    ]
    assert tessit["notes"] == "Army repels attack on Tessit | Tessit"
    assert menaka["notes"] is None  # empty headline and description


def test_plain_json_list_and_content_sniffing(tmp_path: Path) -> None:
    listed = write_json(tmp_path / "events.json", api_events())
    sniffed = write_json(tmp_path / "events.download", {"Result": api_events()})
    expected = read_ucdp(API).drop("file")
    assert read_ucdp(listed).drop("file").equals(expected)
    assert read_ucdp(sniffed).drop("file").equals(expected)


def test_gzipped_json(tmp_path: Path) -> None:
    path = tmp_path / "page.json.gz"
    path.write_bytes(gzip.compress(API.read_bytes()))
    assert read_ucdp(path).height == 3


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [
        (2, "date_start", "25/02/2021", "'25/02/2021' is not a date like '2009-02-20T00:00:00'"),
        (1, "date_start", "2021-01-13Tnoon", "'2021-01-13Tnoon' is not a date like"),
        (3, "type_of_violence", "4", "'4' is outside [1, 3]"),
        (4, "where_prec", "8", "'8' is outside [1, 7]"),
        (1, "date_prec", "0", "'0' is outside [1, 5]"),
        (2, "best", "-3", "'-3' is outside [0, 2147483647]"),
        (3, "best", "4.5", "'4.5' is not a whole number"),
        (4, "best", "", "missing value"),
        (1, "latitude", "-91", "'-91' is outside [-90, 90]"),
        (2, "longitude", "190.5", "'190.5' is outside [-180, 180]"),
        (3, "id", "", "missing event id"),
    ],
)
def test_bad_value_names_file_row_and_field(
    tmp_path: Path, row: int, column: str, value: str, reason: str
) -> None:
    path = edited(tmp_path, {(row, column): value})
    with pytest.raises(InputError) as exc:
        read_ucdp(path)
    assert problem_keys(exc) == [(row, column)]
    assert f"{path}, row {row}, field '{column}': {reason}" in str(exc.value)


def test_duplicate_id_with_different_content(tmp_path: Path) -> None:
    path = edited(tmp_path, {(5, "best"): "9", (5, "high"): "9"}, extra=2)
    with pytest.raises(InputError) as exc:
        read_ucdp(path)
    assert problem_keys(exc) == [(5, "fatalities"), (5, "fatalities_high")]
    assert "row 5, field 'fatalities': id '900002' also appears in row 2" in str(exc.value)


def test_json_bad_values_name_list_position(tmp_path: Path) -> None:
    events = api_events()
    events[1]["best"] = -1
    events[2]["date_start"] = "May 2022"
    path = write_json(tmp_path / "bad.json", {"Result": events})
    with pytest.raises(InputError) as exc:
        read_ucdp(path)
    assert problem_keys(exc) == [(2, "best"), (3, "date_start")]


def test_json_entry_that_is_not_an_object(tmp_path: Path) -> None:
    path = write_json(tmp_path / "bad.json", [api_events()[0], 42, "x"])
    with pytest.raises(InputError) as exc:
        read_ucdp(path)
    assert problem_keys(exc) == [(2, None), (3, None)]
    assert "bad.json, row 2: is not a JSON object" in str(exc.value)


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ('{"Result": [}', "not valid JSON: Expecting value at line 1, column 13"),
        ('{"TotalCount": 0}', "expected a JSON list of events or an object with a 'Result' list"),
        ('{"Result": []}', "file holds no events"),
        ("", "file is empty"),
    ],
)
def test_unusable_json(tmp_path: Path, document: str, reason: str) -> None:
    path = tmp_path / "page.json"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(f"page.json: {reason}")):
        read_ucdp(path)


def test_json_missing_field(tmp_path: Path) -> None:
    events = [{k: v for k, v in e.items() if k != "side_b"} for e in api_events()]
    path = write_json(tmp_path / "page.json", events)
    with pytest.raises(InputError) as exc:
        read_ucdp(path)
    assert problem_keys(exc) == [(None, "side_b")]


def test_json_latin1_bytes(tmp_path: Path) -> None:
    text = API.read_text(encoding="utf-8")
    line = text[: text.index("é")].count("\n") + 1  # first accented name
    path = tmp_path / "page.json"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(
        InputError, match=rf"page\.json: byte \d+ \(line {line}\) is not valid UTF-8"
    ):
        read_ucdp(path)


def test_csv_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "acled_like.csv"
    path.write_text("event_id_cnty,event_date,fatalities\nX,2020-01-01,0\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_ucdp(path)
    assert "use `forecast ingest events --format acled`" in str(exc.value)
    assert sorted(f for _, f in problem_keys(exc) if f is not None) == sorted(
        [
            "id",
            "date_start",
            "type_of_violence",
            "best",
            "where_prec",
            "date_prec",
            "side_a",
            "side_b",
            "latitude",
            "longitude",
            "country",
        ]
    )


def test_csv_header_only(tmp_path: Path) -> None:
    path = tmp_path / "ged.csv"
    path.write_text(GED.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"ged\.csv: file has a header but no data rows"):
        read_ucdp(path)


# --- the real CAR file -----------------------------------------------------------------------


@pytest.mark.realdata
def test_real_ged_car() -> None:
    events = read_ucdp(shared_data("ucdp_ged_v23_1_car", "ged_v23_1_car.csv.gz"))
    assert events.height == 1848
    assert events["fatalities"].sum() == 14948
    assert events["event_date"].min() == date(1991, 8, 8)
    counts = dict(events["sub_event_type"].value_counts().iter_rows())
    assert counts == {"state-based": 401, "non-state": 371, "one-sided": 1076}
    assert events.filter(pl.col("event_type") == vocab.CIVILIAN_VIOLENCE).height == 1076
    assert events["admin2"].drop_nulls().n_unique() == 67
    assert not events["admin1"].drop_nulls().str.ends_with(" province").any()
    assert set(events["country"]) == {"CAF"}
