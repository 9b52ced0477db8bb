"""Shared CSV reading and vectorised checks: every bad input names file, row and field."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from forecast.core.errors import InputError
from forecast.sources.csvio import (
    ROW,
    DateFormat,
    Number,
    Report,
    add_optional,
    column_problems,
    flag_conflicting_duplicates,
    flag_missing,
    parse_date,
    parse_numbers,
    read_csv_text,
    relabel,
    repeated,
)

ISO = DateFormat(r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d", "2020-12-31")
LONG = DateFormat(r"^\d{1,2} [A-Za-z]+ \d{4}$", "%d %B %Y", "31 December 2020")


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def problems_of(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.field) for p in exc.value.problems]


def text_frame(**columns: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame(columns, schema={k: pl.Utf8 for k in columns}).with_row_index(ROW, offset=1)


# --- reading ---------------------------------------------------------------------------------


def test_reads_all_columns_as_text_with_row_numbers(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", 'ID, Name ,n\n007,"x, y",1\n8,,2.50\n')
    frame = read_csv_text(path, required=["id"])
    assert frame.columns == [ROW, "id", "name", "n"]  # names stripped and lower-cased
    assert frame[ROW].to_list() == [1, 2]
    assert frame["id"].to_list() == ["007", "8"]  # text kept, leading zero intact
    assert frame["name"].to_list() == ["x, y", None]  # empty field -> null
    assert frame["n"].to_list() == ["1", "2.50"]


def test_keeps_only_wanted_and_required_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "a,b,c\n1,2,3\n")
    assert read_csv_text(path, required=["a"], wanted=["c", "zz"]).columns == [ROW, "a", "c"]


def test_quoted_newlines_do_not_shift_row_numbers(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", 'a,b\n1,"two\nlines"\n2,x\n')
    frame = read_csv_text(path, required=["a"])
    assert frame.filter(pl.col("a") == "2")[ROW].item() == 2


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", b"\xef\xbb\xbfevent_date,x\n2020-01-01,1\n")
    assert read_csv_text(path, required=["event_date"])["event_date"].to_list() == ["2020-01-01"]


def test_gzip_by_extension(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv.gz", gzip.compress(b"a,b\n1,2\n3,4\n"))
    assert read_csv_text(path, required=["a", "b"])["b"].to_list() == ["2", "4"]


def test_gz_name_that_is_not_gzip(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv.gz", "a,b\n1,2\n")
    with pytest.raises(InputError, match=r"a\.csv\.gz: not a valid gzip file"):
        read_csv_text(path, required=["a"])


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "empty.csv", content)
    with pytest.raises(InputError, match=r"empty\.csv: file is empty"):
        read_csv_text(path, required=["a"])


def test_empty_gzip_file(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.csv.gz", gzip.compress(b""))
    with pytest.raises(InputError, match=r"empty\.csv\.gz: file is empty"):
        read_csv_text(path, required=["a"])


def test_header_only(tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "a,b\n")
    with pytest.raises(InputError, match=r"h\.csv: file has a header but no data rows"):
        read_csv_text(path, required=["a"])


def test_missing_columns_are_all_named(tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", "a,b\n1,2\n")
    with pytest.raises(InputError) as exc:
        read_csv_text(path, required=["a", "event_date", "fatalities"])
    assert problems_of(exc) == [(None, "event_date"), (None, "fatalities")]
    assert "m.csv, field 'event_date': required column is missing (header has: a, b)" in str(
        exc.value
    )


def test_repeated_column_name(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "a,b,a\n1,2,3\n")
    with pytest.raises(InputError, match=r"d\.csv, field 'a': column appears more than once"):
        read_csv_text(path, required=["a"])


def test_latin1_bytes_are_rejected_naming_each_row_and_field(tmp_path: Path) -> None:
    body = "id,location,notes\n1,Bamako,ok\n2,S\xe9gou,caf\xe9\n3,Mopti,fine\n4,T\xe9nenkou,x\n"
    path = write(tmp_path / "latin1.csv", body.encode("latin-1"))
    with pytest.raises(InputError) as exc:
        read_csv_text(path, required=["id"])
    assert problems_of(exc) == [(2, "location"), (2, "notes"), (4, "location")]
    message = str(exc.value)
    assert (
        "latin1.csv, row 2, field 'location': 'S\ufffdgou' contains bytes that are not" in message
    )
    assert "Latin-1" in message and "re-save the file as UTF-8" in message


def test_latin1_in_header(tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "id,r\xe9gion\n1,2\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"h\.csv: header contains bytes that are not valid UTF-8"):
        read_csv_text(path, required=["id"])


def test_ragged_row_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "a,b\n1,2\n3,4,5\n6,7\n")
    with pytest.raises(InputError) as exc:
        read_csv_text(path, required=["a"])
    assert problems_of(exc) == [(2, None)]
    assert "r.csv, row 2: has 3 fields, the header has 2" in str(exc.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.csv: cannot read file"):
        read_csv_text(tmp_path / "nope.csv", required=["a"])


def test_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_csv_text(tmp_path / "nope.csv", required=["a"])
    assert exc.value.problems[0].reason == "cannot read file: no such file"


def test_gzip_found_by_content_whatever_the_name(tmp_path: Path) -> None:
    path = write(tmp_path / "packed.csv", gzip.compress(b"a,b\n1,2\n"))
    assert read_csv_text(path, required=["a"])["b"].to_list() == ["2"]


def test_null_values_and_trim(tmp_path: Path) -> None:
    # Row 2 is blank through and row 4 only commas and blanks: both dropped, numbers kept.
    path = write(tmp_path / "t.csv", "a,b\n x ,NA\n\n NA,\n , \n  y,z \n")
    frame = read_csv_text(path, required=["a"], null_values=["NA"], trim=True)
    assert frame.rows() == [(1, "x", None), (3, "NA", None), (5, "y", "z")]


def test_trim_leaving_no_rows_is_a_header_only_file(tmp_path: Path) -> None:
    path = write(tmp_path / "blank.csv", "a,b\n , \n,\n")
    with pytest.raises(InputError, match=r"blank\.csv: file has a header but no data rows"):
        read_csv_text(path, required=["a"], trim=True)


def test_repeat_in_another_case_is_a_repeat(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "start,b,Start,START\n1,2,3,4\n")
    with pytest.raises(InputError) as exc:
        read_csv_text(path, required=[])
    assert [(p.field, p.reason) for p in exc.value.problems] == [
        ("start", "column appears more than once in the header (3 times)")
    ]


def test_non_utf8_and_ragged_reports_the_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "b.csv", "a,b\n1,S\xe9gou\n2,x,y\n".encode("latin-1"))
    with pytest.raises(InputError) as exc:
        read_csv_text(path, required=["a"])
    assert problems_of(exc) == [(2, None)]


CELL_BYTES = st.lists(
    st.sampled_from([b"a", b"\x80", b"\xbf", b"\xc3", b"\xa9", b"\xe2", b"\x82", b"\xac",
                     b"\xed", b"\xa0", b"\xf0", b"\x9f", b"\xf4", b"\x90", b"\xff", b"\xc0"]),
    max_size=6,
).map(b"".join)  # fmt: skip


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# Edge cases of UTF-8 that random bytes seldom build: surrogates, overlong forms, code points
# above U+10FFFF, cut sequences, and valid three- and four-byte characters.
EDGES = [
    (b"\xed\xa0\x80", b"\xed\x9f\xbf"),
    (b"\xc0\x80", b"\xc2\x80"),
    (b"\xe0\x80\x80", b"\xe0\xa0\x80"),
    (b"\xf0\x80\x80\x80", b"\xf0\x90\x80\x80"),
    (b"\xf4\x90\x80\x80", b"\xf4\x8f\xbf\xbf"),
    (b"\xe2\x82", b"\xe2\x82\xac"),
]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(CELL_BYTES, CELL_BYTES), min_size=1, max_size=5))
@example(EDGES)
def test_bad_cells_are_exactly_those_python_cannot_decode(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[bytes, bytes]]
) -> None:
    path = tmp_path_factory.mktemp("utf8") / "cells.csv"
    path.write_bytes(
        b"n,x,y\n" + b"".join(b"%d,%s,%s\n" % (i, x, y) for i, (x, y) in enumerate(rows))
    )
    expected = [
        (row, field)
        for row, cells in enumerate(rows, start=1)
        for field, raw in zip(("x", "y"), cells, strict=True)
        if not _is_utf8(raw)
    ]
    if not expected:
        assert read_csv_text(path, required=["x"]).height == len(rows)
        return
    with pytest.raises(InputError) as exc:
        read_csv_text(path, required=["x"])
    assert problems_of(exc) == expected
    shown = [p.reason.split("' contains")[0] for p in exc.value.problems]
    fields = {"x": 0, "y": 1}
    assert shown == [
        "'" + rows[r - 1][fields[f]].decode("utf-8", errors="replace") for r, f in expected
    ]


# --- header checks ---------------------------------------------------------------------------

FORMAT = ("id", "name", "start", "strength")


def test_misspelt_column_gets_a_suggestion() -> None:
    report = Report("f.csv")
    names = [ROW, "name", "strat", "strenght", "colour", "start_"]
    column_problems(names, ["name", "start"], report, known=FORMAT, hint="see docs")
    assert [(p.field, p.reason) for p in report.problems] == [
        ("start", "required column is missing (header has: name, strat, strenght, colour, "
                  "start_); see docs"),
        ("strat", "unknown column; did you mean 'start'?"),
        ("strenght", "unknown column; did you mean 'strength'?"),
        ("start_", "unknown column; did you mean 'start'?"),
    ]  # fmt: skip


def test_no_suggestion_when_the_known_column_is_there() -> None:
    report = Report("f.csv")
    column_problems(["start", "strat", "notes"], ["start"], report, known=FORMAT)
    assert report.problems == []


def test_optional_columns_are_added_as_null_text() -> None:
    frame = add_optional(text_frame(name=["Gao"]), ["name", "end", "strength"])
    assert frame.columns == [ROW, "name", "end", "strength"]
    assert frame.row(0) == (1, "Gao", None, None)
    assert frame.schema["end"] == pl.Utf8


def test_missing_values_are_flagged_per_column() -> None:
    report = Report("f.csv")
    flag_missing(text_frame(a=["1", None, None], b=[None, "2", "3"]), ["a", "b"], report)
    assert [(p.row, p.field, p.reason) for p in report.problems] == [
        (2, "a", "missing value"),
        (3, "a", "missing value"),
        (1, "b", "missing value"),
    ]


# --- numbers ---------------------------------------------------------------------------------

FATALITIES = Number("fatalities", pl.Int64, 0, 2**31 - 1, required=True)
LATITUDE = Number("latitude", pl.Float64, -90, 90)


def test_numbers_parse_and_accept_padding() -> None:
    frame = text_frame(fatalities=["3", " 12 ", "0"], latitude=["15.03", None, "-90"])
    report = Report("f.csv")
    values = parse_numbers(frame, [FATALITIES, LATITUDE], report)
    assert report.problems == []
    assert values["fatalities"].to_list() == [3, 12, 0]
    assert values["latitude"].to_list() == [15.03, None, -90.0]


def test_numbers_report_every_bad_row_with_reason() -> None:
    frame = text_frame(
        fatalities=["2.5", "-1", None, "7", "x"],
        latitude=["91", "nan", "12.5", "-90.01", "abc"],
    )
    report = Report("f.csv")
    values = parse_numbers(frame, [FATALITIES, LATITUDE], report)
    shown = sorted(str(p) for p in report.problems)
    assert shown == [
        "f.csv, row 1, field 'fatalities': '2.5' is not a whole number",
        "f.csv, row 1, field 'latitude': '91' is outside [-90, 90]",
        "f.csv, row 2, field 'fatalities': '-1' is outside [0, 2147483647]",
        "f.csv, row 2, field 'latitude': 'nan' is not a number",
        "f.csv, row 3, field 'fatalities': missing value",
        "f.csv, row 4, field 'latitude': '-90.01' is outside [-90, 90]",
        "f.csv, row 5, field 'fatalities': 'x' is not a whole number",
        "f.csv, row 5, field 'latitude': 'abc' is not a number",
    ]
    assert values["fatalities"].to_list() == [None, None, None, 7, None]
    assert values["latitude"].to_list() == [None, None, 12.5, None, None]


def test_meaning_names_what_a_valid_value_is() -> None:
    month = Number("month", pl.Int32, 1, 12, required=True, meaning="a month number 1-12")
    frame = text_frame(month=["13", "x", None, "12"])
    report = Report("f.csv")
    values = parse_numbers(frame, [month], report)
    assert [(p.row, p.reason) for p in report.problems] == [
        (1, "'13' is not a month number 1-12"),
        (2, "'x' is not a month number 1-12"),
        (3, "missing value"),
    ]
    assert values["month"].to_list() == [None, None, None, 12]


def test_infinity_is_not_a_number() -> None:
    report = Report("f.csv")
    troops = Number("troops", pl.Float64, 0)
    values = parse_numbers(text_frame(troops=["inf", "-inf", "1e400", "2.5"]), [troops], report)
    assert [p.reason for p in report.problems] == [
        "'inf' is not a number",
        "'-inf' is not a number",
        "'1e400' is not a number",
    ]
    assert values["troops"].to_list() == [None, None, None, 2.5]


# --- dates -----------------------------------------------------------------------------------


def test_date_format_is_detected_per_file() -> None:
    report = Report("d.csv")
    long = parse_date(text_frame(d=["31 December 2020", "09 June 2021"]), "d", [ISO, LONG], report)
    iso = parse_date(text_frame(d=["2020-12-31", " 2021-06-09 "]), "d", [ISO, LONG], report)
    assert report.problems == []
    assert long.to_list() == iso.to_list() == [date(2020, 12, 31), date(2021, 6, 9)]


def test_bad_dates_name_row_field_and_expected_format() -> None:
    frame = text_frame(d=["2020-12-31", "31 December 2020", None, "2020-02-30", "20-12-31"])
    report = Report("d.csv")
    dates = parse_date(frame, "d", [ISO, LONG], report)
    assert [(p.row, p.field) for p in report.problems] == [(2, "d"), (3, "d"), (4, "d"), (5, "d")]
    assert str(report.problems[0]) == (
        "d.csv, row 2, field 'd': '31 December 2020' is not a date like '2020-12-31' "
        "(the format found in this file; years 1900-2100)"
    )
    assert report.problems[1].reason == "missing date"
    assert dates.to_list() == [date(2020, 12, 31), None, None, None, None]


def test_two_digit_year_in_four_digit_format_is_rejected() -> None:
    report = Report("d.csv")
    parse_date(text_frame(d=["31 December 2020", "31 December 20"]), "d", [ISO, LONG], report)
    assert [(p.row, p.field) for p in report.problems] == [(2, "d")]


STRICT_ISO = DateFormat(
    r"^\d{4}-\d{2}-\d{2}$",
    "%Y-%m-%d",
    "2020-12-31",
    exact=True,
    meaning="a date in YYYY-MM-DD form",
)


def test_exact_format_and_optional_dates() -> None:
    frame = text_frame(end=["2021-12-05", None, "2021-12-5", "05/12/2021"])
    report = Report("d.csv")
    dates = parse_date(frame, "end", [STRICT_ISO], report, required=False)
    assert dates.to_list() == [date(2021, 12, 5), None, None, None]
    assert [(p.row, p.reason) for p in report.problems] == [
        (3, "'2021-12-5' is not a date in YYYY-MM-DD form"),
        (4, "'05/12/2021' is not a date in YYYY-MM-DD form"),
    ]


def test_single_format_reason_does_not_speak_of_detection() -> None:
    report = Report("d.csv")
    parse_date(text_frame(d=["2020-01-01", "1850-01-01"]), "d", [ISO], report)
    assert (
        report.problems[0].reason
        == "'1850-01-01' is not a date like '2020-12-31' (years 1900-2100)"
    )


# --- duplicates and labels -------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "MLI1", "MLI10", ""]), min_size=1, max_size=40))
def test_repeated_matches_is_duplicated(keys: list[str]) -> None:
    series = pl.Series(keys, dtype=pl.Utf8)
    assert repeated(series).to_list() == series.is_duplicated().to_list()


def test_conflicting_duplicates_name_later_row_and_field() -> None:
    frame = pl.DataFrame(
        {
            ROW: [1, 2, 3, 4],
            "id": ["A", "B", "A", "B"],
            "event_date": [date(2020, 1, 1), date(2020, 1, 2), date(2020, 1, 5), date(2020, 1, 2)],
            "fatalities": [1, 0, 3, 0],
        }
    )
    report = Report("e.csv")
    flag_conflicting_duplicates(frame, "id", ["event_date", "fatalities"], report, "event_id")
    assert [str(p) for p in report.problems] == [
        "e.csv, row 3, field 'event_date': event_id 'A' also appears in row 1 with a different "
        "event_date ('2020-01-01' there, '2020-01-05' here)",
        "e.csv, row 3, field 'fatalities': event_id 'A' also appears in row 1 with a different "
        "fatalities ('1' there, '3' here)",
    ]


def test_relabel_maps_distinct_values() -> None:
    values = pl.Series(["Battles", "battles ", None, "Riots", "Other"])
    mapped = relabel(
        values, lambda v: {"battles": "battle", "riots": "riot"}.get(v.strip().lower())
    )
    assert mapped.to_list() == ["battle", "battle", None, "riot", None]
