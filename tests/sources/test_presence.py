"""The project's own deployment and partner-presence CSV formats (docs/FORMATS.md)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from forecast.core.errors import InputError
from forecast.core.schema import DEPLOYMENTS, PARTNER_PRESENCE
from forecast.core.vocab import PARTNER_KINDS
from forecast.sources.presence import (
    LOCATION_FIELD,
    partner_kind,
    read_deployments,
    read_partners,
)
from tests.conftest import FIXTURES

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MALI_LAT = (10.1, 25.1)
MALI_LON = (-12.3, 4.3)


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def where(error: InputError) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.field) for p in error.problems}


# --- deployments ---------------------------------------------------------------------------


def test_deployments_parsed_by_hand() -> None:
    path = FIXTURES / "presence_deployments_ok.csv"
    frame = read_deployments(path)

    assert frame.columns == DEPLOYMENTS.names
    assert frame.schema == pl.Schema(DEPLOYMENTS.polars_schema)
    assert frame.height == 3  # the trailing blank line is not a row
    gao, nampala, boulkessi = frame.to_dicts()
    assert gao == {
        "deployment_id": "FAMA-GAO-1",
        "name": "Gao",
        "force": "FAMa",
        "kind": "base",
        "latitude": 16.2717,
        "longitude": -0.0447,
        "district_code": None,
        "start_date": date(2013, 2, 1),
        "end_date": None,
        "strength": 1200,
        "source": "test fixture",
        "file": str(path),
    }
    assert nampala["deployment_id"] == sha1("Nampala|FAMa|2015-01-05")
    assert (nampala["latitude"], nampala["longitude"]) == (None, None)
    assert nampala["district_code"] == "ML-SEG-NIO"
    assert (nampala["start_date"], nampala["end_date"]) == (date(2015, 1, 5), date(2016, 7, 19))
    assert nampala["strength"] == 0
    assert nampala["source"] is None
    # Cells are trimmed; a one-day presence (end == start) is allowed.
    assert boulkessi["name"] == "Boulkessi"
    assert boulkessi["deployment_id"] == sha1("Boulkessi|FAMa|2018-01-01")
    assert boulkessi["kind"] is None
    assert boulkessi["end_date"] == boulkessi["start_date"] == date(2018, 1, 1)


def test_generated_ids_are_stable_across_reads(tmp_path: Path) -> None:
    copy = tmp_path / "copy.csv"
    copy.write_bytes((FIXTURES / "presence_deployments_ok.csv").read_bytes())
    first = read_deployments(FIXTURES / "presence_deployments_ok.csv")
    second = read_deployments(copy)
    assert first["deployment_id"].to_list() == second["deployment_id"].to_list()
    assert second["file"].unique().to_list() == [str(copy)]


def test_every_bad_deployment_row_is_named() -> None:
    path = FIXTURES / "presence_deployments_bad.csv"
    with pytest.raises(InputError) as caught:
        read_deployments(path)
    assert where(caught.value) == {
        (2, "start"),
        (3, "end"),
        (4, "latitude"),
        (5, LOCATION_FIELD),
        (6, "strength"),
        (7, "id"),
        (8, "start"),
        (9, "name"),
        (10, "longitude"),
        (11, "strength"),
        (12, "force"),
        (12, "longitude"),
    }
    assert all(p.file == str(path) for p in caught.value.problems)
    reasons = {(p.row, p.field): p.reason for p in caught.value.problems}
    assert "'2021-13-01'" in reasons[(2, "start")]
    assert reasons[(3, "end")] == "end 2020-04-30 is before start 2020-05-01"
    assert "[-90, 90]" in reasons[(4, "latitude")]
    assert reasons[(7, "id")] == "id 'A1' is already used on row 1"
    assert "'12/03/2021'" in reasons[(8, "start")]
    assert reasons[(10, "longitude")] == "latitude is given without longitude"
    assert "'12.5' is not a whole number" in reasons[(11, "strength")]
    assert "'abc' is not a number" in reasons[(12, "longitude")]
    # Problems come in file order, and the message names file, row and field.
    rows = [p.row for p in caught.value.problems]
    assert rows == sorted(rows)
    assert f"{path}, row 6, field 'strength'" in str(caught.value)


def test_missing_and_misspelt_columns_are_named() -> None:
    with pytest.raises(InputError) as caught:
        read_deployments(FIXTURES / "presence_missing_columns.csv")
    assert where(caught.value) == {(None, "start"), (None, LOCATION_FIELD), (None, "strenght")}
    typo = next(p for p in caught.value.problems if p.field == "strenght")
    assert "did you mean 'strength'" in typo.reason


def test_latitude_without_longitude_column(tmp_path: Path) -> None:
    path = tmp_path / "half.csv"
    path.write_text("name,force,latitude,start\nGao,FAMa,16.27,2013-02-01\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_deployments(path)
    assert where(caught.value) == {(None, "longitude")}


def test_minimal_header_is_enough(tmp_path: Path) -> None:
    path = tmp_path / "minimal.csv"
    path.write_text(
        "Name,Force,District_Code,Start\nGao,FAMa,ML-GAO,2013-02-01\n", encoding="utf-8"
    )
    frame = read_deployments(path)
    assert frame.select("name", "district_code", "end_date", "strength").row(0) == (
        "Gao",
        "ML-GAO",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("fixture", "expected", "reason_part"),
    [
        ("presence_empty.csv", {(None, None)}, "empty file"),
        ("presence_header_only.csv", {(None, None)}, "no data rows"),
        ("presence_latin1.csv", {(2, "name")}, "contains bytes that are not valid UTF-8"),
        ("presence_ragged.csv", {(2, None)}, "has 12 fields, the header has 11"),
    ],
)
def test_unreadable_files(fixture: str, expected: set, reason_part: str) -> None:
    path = FIXTURES / fixture
    with pytest.raises(InputError) as caught:
        read_deployments(path)
    assert where(caught.value) == expected
    assert reason_part in caught.value.problems[0].reason
    assert caught.value.problems[0].file == str(path)


def test_duplicate_header_column(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("name,force,start,Start,district_code\nGao,FAMa,2013-02-01,,X\n", "utf-8")
    with pytest.raises(InputError) as caught:
        read_deployments(path)
    assert where(caught.value) == {(None, "start")}
    assert "twice" in caught.value.problems[0].reason


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_deployments(tmp_path / "absent.csv")


# --- partners ------------------------------------------------------------------------------


def test_partners_parsed_by_hand() -> None:
    path = FIXTURES / "presence_partners_ok.csv"
    frame = read_partners(path)

    assert frame.columns == PARTNER_PRESENCE.names
    assert frame.schema == pl.Schema(PARTNER_PRESENCE.polars_schema)
    got = frame.select("name", "partner", "force", "district_code", "end_date").rows()
    assert got == [
        ("Gao", "france", "Barkhane", None, date(2022, 8, 15)),
        ("Gao", "un", "MINUSMA", None, date(2023, 12, 31)),
        ("Ménaka", "other", "TAKUBA", None, date(2022, 6, 13)),
        ("Sévaré", "russia_wagner", "Russia / Wagner", None, date(2025, 6, 6)),
        ("Sévaré", "russia_africa_corps", "Africa Corps", None, None),
        ("Bamako", "other", "EUTM Mali", "ML-BKO", date(2024, 5, 18)),
        ("Bangui", "un", "MINUSCA", None, None),
        ("Paris", "france", "Opération Serval", "FR-75", date(2014, 7, 31)),
    ]
    ids = frame["presence_id"].to_list()
    assert ids[0] == sha1("Gao|france|2014-08-01")  # the normalised partner, not "Barkhane"
    assert ids[1] == "P-2"
    assert frame["strength"].to_list() == [None, 4000, None, None, None, None, None, None]
    assert frame["start_date"][3] == date(2021, 12, 15)
    assert frame["latitude"][6] == pytest.approx(4.3947)
    assert frame["file"].unique().to_list() == [str(path)]


def test_every_bad_partner_row_is_named() -> None:
    with pytest.raises(InputError) as caught:
        read_partners(FIXTURES / "presence_partners_bad.csv")
    assert where(caught.value) == {(1, "partner"), (2, "partner"), (3, "partner"), (5, "id")}
    reasons = {(p.row, p.field): p.reason for p in caught.value.problems}
    assert reasons[(1, "partner")].startswith("'EUTM' is not a known partner; use one of un,")
    assert "russia_wagner" in reasons[(2, "partner")]
    assert reasons[(3, "partner")] == "missing value"
    assert reasons[(5, "id")] == "same name, partner and start as row 4; give the rows distinct ids"


@pytest.mark.parametrize(
    ("spelling", "kind"),
    [
        ("UN", "un"),
        ("United Nations", "un"),
        ("minusma", "un"),
        ("MINUSCA", "un"),
        ("France", "france"),
        ("French", "france"),
        ("Barkhane", "france"),
        ("Serval", "france"),
        ("Opération Barkhane", "france"),
        ("Takuba", "other"),
        ("Wagner", "russia_wagner"),
        ("Russia/Wagner", "russia_wagner"),
        ("russia_wagner", "russia_wagner"),
        ("Africa Corps", "russia_africa_corps"),
        ("Russia / Africa Corps", "russia_africa_corps"),
        ("Afrika Korps", "russia_africa_corps"),
        ("OTHER", "other"),
        ("Russia", None),
        ("EUTM", None),
        ("G5 Sahel", None),
    ],
)
def test_partner_spellings(spelling: str, kind: str | None) -> None:
    result = pl.select(partner_kind(pl.lit(spelling))).item()
    assert result == kind
    assert result is None or result in PARTNER_KINDS


# --- the shipped examples ------------------------------------------------------------------


def test_example_deployments_load() -> None:
    frame = read_deployments(EXAMPLES / "deployments.csv")
    assert frame.height == 10
    assert set(frame["force"]) == {"FAMa"}
    assert {"Gao (camp Firhoun)", "Boulkessi", "Nampala", "Mondoro", "Sévaré"} <= set(frame["name"])
    assert frame["latitude"].is_between(*MALI_LAT).all()
    assert frame["longitude"].is_between(*MALI_LON).all()
    # Kidal: left in May 2014, back in November 2023 -> two periods.
    kidal = frame.filter(pl.col("name") == "Kidal").sort("start_date")
    assert kidal["end_date"].to_list() == [date(2014, 5, 21), None]
    assert frame["source"].str.starts_with("illustrative, compiled from press reports").all()


def test_example_partners_load() -> None:
    frame = read_partners(EXAMPLES / "partners.csv")
    counts = dict(frame.group_by("partner").len().iter_rows())
    assert counts == {
        "france": 7,
        "other": 1,
        "un": 10,
        "russia_wagner": 3,
        "russia_africa_corps": 3,
    }
    assert frame["latitude"].is_between(*MALI_LAT).all()
    assert frame["longitude"].is_between(*MALI_LON).all()
    # French bases closed 2021-2022, MINUSMA by the end of 2023, Wagner handed over in June 2025.
    ends = frame.group_by("partner").agg(
        pl.col("end_date").max(), pl.col("end_date").null_count().alias("open")
    )
    by_partner = {p: (end, open_) for p, end, open_ in ends.iter_rows()}
    assert by_partner["france"] == (date(2022, 8, 15), 0)
    assert by_partner["un"] == (date(2023, 12, 31), 0)
    assert by_partner["russia_wagner"] == (date(2025, 6, 6), 0)
    assert by_partner["russia_africa_corps"][1] == 3
    assert frame.filter(pl.col("partner") == "other")["force"].to_list() == ["Takuba"]
    assert frame["presence_id"].n_unique() == frame.height
    assert frame["source"].str.starts_with("illustrative, compiled from press reports").all()


# --- the optional date_precision column ------------------------------------------------------


def test_date_precision_is_read_case_insensitively_and_not_stored(tmp_path: Path) -> None:
    path = tmp_path / "precision.csv"
    path.write_text(
        "name,partner,latitude,longitude,start,Date_Precision\n"
        "Gao,France,16.27,-0.04,2013-01-26, Day \n"
        "Kidal,UN,18.44,1.41,2013-07-01,\n"
        "Ber,UN,16.83,-2.53,2015-09-01,YEAR\n",
        encoding="utf-8",
    )
    frame = read_partners(path, with_precision=True)
    assert frame.columns == [*PARTNER_PRESENCE.names, "date_precision"]
    assert frame["date_precision"].to_list() == ["day", None, "year"]
    # Without the flag the table is exactly what the store keeps.
    assert read_partners(path).columns == PARTNER_PRESENCE.names


def test_bad_date_precision_is_named_by_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "precision_bad.csv"
    path.write_text(
        "name,partner,latitude,longitude,start,date_precision\n"
        "Gao,France,16.27,-0.04,2013-01-26,week\n"
        "Kidal,UN,18.44,1.41,2013-07-01,month\n"
        "Ber,UN,16.83,-2.53,2015-09-01,approx.\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_partners(path)
    assert where(caught.value) == {(1, "date_precision"), (3, "date_precision")}
    first = caught.value.problems[0]
    assert first.file == str(path)
    assert first.reason == "'week' is not a date precision; use day, month, year"


def test_misspelt_date_precision_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "precision_typo.csv"
    path.write_text(
        "name,partner,latitude,longitude,start,date_precison\nGao,France,16.27,-0.04,2013-01-26,day\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_partners(path)
    assert where(caught.value) == {(None, "date_precison")}
    assert "did you mean 'date_precision'" in caught.value.problems[0].reason
