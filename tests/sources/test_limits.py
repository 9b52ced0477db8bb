"""The readers' input limits (forecast.sources.limits) and the rules shared by every reader."""

from __future__ import annotations

import gzip
import json
import random
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from forecast.core.errors import InputError
from forecast.sources.acled import read_acled
from forecast.sources.boundaries import read_districts
from forecast.sources.csvio import read_bytes
from forecast.sources.limits import MAX_JSON_DEPTH, gunzip_capped, json_depth, latest_day
from forecast.sources.presence import read_deployments
from forecast.sources.ucdp import read_ucdp
from tests.factories import DEPLOYMENT_COLUMNS, acled_row, write_acled, write_rows

CAP = 64 * 1024


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from forecast.core.settings import get_settings

    monkeypatch.setenv("FORECAST_MAX_INPUT_BYTES", str(CAP))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def problems(caught: pytest.ExceptionInfo[InputError]) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.field) for p in caught.value.problems}


def test_gzip_within_the_cap_is_read_whole_even_with_several_members(
    tmp_path: Path, small_cap: None
) -> None:
    data = gzip.compress(b"a,b\n1,2\n") + gzip.compress(b"3,4\n")
    path = tmp_path / "two.csv.gz"
    path.write_bytes(data)
    assert read_bytes(path) == b"a,b\n1,2\n3,4\n"


@pytest.mark.parametrize("size", [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 << 20])
def test_gzip_is_inflated_exactly_whatever_its_size(tmp_path: Path, size: int) -> None:
    data = random.Random(size).randbytes(size // 2) + bytes(size - size // 2)
    packed = gzip.compress(data, compresslevel=9)
    assert gunzip_capped(tmp_path / "x.gz", packed) == data


def test_gzip_past_the_cap_is_refused_naming_the_setting(tmp_path: Path, small_cap: None) -> None:
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress(bytes(CAP + 1)))
    with pytest.raises(InputError, match=r"bomb\.csv\.gz: the decompressed content is larger"):
        read_bytes(path)
    with pytest.raises(InputError, match="FORECAST_MAX_INPUT_BYTES"):
        gunzip_capped(path, path.read_bytes())


def test_plain_file_past_the_cap_is_refused(tmp_path: Path, small_cap: None) -> None:
    rows = [acled_row(f"MLI{i}", "2020-01-06", 14.5, -4.5) for i in range(300)]
    path = write_acled(tmp_path / "big.csv", rows)
    assert path.stat().st_size > CAP
    with pytest.raises(InputError, match=r"big\.csv: the file is larger than the input limit"):
        read_acled(path)


def test_zip_whose_members_inflate_past_the_cap_is_refused(tmp_path: Path, small_cap: None) -> None:
    path = tmp_path / "bounds.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gadm.shp", bytes(CAP * 4))
    with pytest.raises(InputError, match=r"bounds\.zip: the zip archive's content is larger"):
        read_districts(path)


def test_json_depth_ignores_brackets_in_strings() -> None:
    assert json_depth(b'{"a": "[[[[[[", "b": [1, {"c": []}]}') == 4
    assert json_depth(b"[" * 5000 + b"]" * 5000) == 5000


def test_deeply_nested_json_is_an_input_error_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match=rf"100,000 levels deep; at most {MAX_JSON_DEPTH}"):
        read_ucdp(path)


def test_a_huge_id_is_refused_with_row_and_field(tmp_path: Path) -> None:
    rows = [
        acled_row("MLI1", "2020-01-06", 14.5, -4.5),
        acled_row("X" * 100_000, "2020-01-07", 1, 1),
    ]
    with pytest.raises(InputError) as caught:
        read_acled(write_acled(tmp_path / "ids.csv", rows))
    assert problems(caught) == {(2, "event_id_cnty")}
    assert "100,000 characters long; at most 128" in str(caught.value)


def test_future_dates_are_refused_beyond_the_tolerance(tmp_path: Path) -> None:
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    rows = [
        acled_row("MLI1", tomorrow, 14.5, -4.5),
        acled_row("MLI2", "2099-12-31", 14.5, -4.5),
    ]
    with pytest.raises(InputError) as caught:
        read_acled(write_acled(tmp_path / "future.csv", rows))
    assert problems(caught) == {(2, "event_date")}
    assert f"after {latest_day().isoformat()}" in str(caught.value)


def test_the_tolerance_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from forecast.core.settings import get_settings

    soon = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
    path = write_acled(tmp_path / "soon.csv", [acled_row("MLI1", soon, 14.5, -4.5)])
    with pytest.raises(InputError):
        read_acled(path)
    monkeypatch.setenv("FORECAST_FUTURE_DAYS_TOLERANCE", "30")
    get_settings.cache_clear()
    try:
        assert read_acled(path).height == 1
    finally:
        get_settings.cache_clear()


def test_an_acled_row_with_more_fields_than_the_header_is_refused(tmp_path: Path) -> None:
    path = write_acled(tmp_path / "ragged.csv", [acled_row("MLI1", "2020-01-06", 14.5, -4.5)])
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1], lines[1].replace("MLI1", "MLI2") + ",extra"]))
    with pytest.raises(InputError) as caught:
        read_acled(path)
    assert problems(caught) == {(2, None)}
    assert "has 32 fields, the header has 31" in str(caught.value)


def test_ucdp_date_end_before_date_start_is_refused(tmp_path: Path) -> None:
    event = {
        "id": 1,
        "date_start": "2020-01-06",
        "date_end": "2019-12-31",
        "type_of_violence": 1,
        "best": 1,
        "where_prec": 1,
        "date_prec": 1,
        "side_a": "A",
        "side_b": "B",
        "latitude": 14.5,
        "longitude": -4.5,
        "country": "Mali",
    }
    path = tmp_path / "backwards.json"
    path.write_text(json.dumps({"Result": [event]}))
    with pytest.raises(InputError) as caught:
        read_ucdp(path)
    assert problems(caught) == {(1, "date_end")}
    assert "date_end 2019-12-31 is before date_start 2020-01-06" in str(caught.value)


def test_deployment_codes_must_be_stored_ones(tmp_path: Path) -> None:
    site = {"name": "Camp", "force": "FAMa", "district_code": "ZZ9999", "start": "2020-01-01"}
    path = write_rows(tmp_path / "dep.csv", DEPLOYMENT_COLUMNS, [site])
    with pytest.raises(InputError) as caught:
        read_deployments(path, known_codes={"ML0101"})
    assert problems(caught) == {(1, "district_code")}
    assert "'ZZ9999' is not a stored district code" in str(caught.value)
    assert read_deployments(path).height == 1  # no districts stored yet: taken as given


def _geojson(name: bytes, crs: bytes = b"") -> bytes:
    ring = b"[[[-5,14],[-4,14],[-4,15],[-5,15],[-5,14]]]"
    return (
        b'{"type":"FeatureCollection",' + crs + b'"features":[{"type":"Feature","properties":'
        b'{"shapeID":"ML0101","shapeName":"' + name + b'","shapeGroup":"MLI"},'
        b'"geometry":{"type":"Polygon","coordinates":' + ring + b"}}]}"
    )


def test_latin1_names_in_geojson_are_refused_before_the_store(tmp_path: Path) -> None:
    path = tmp_path / "latin.geojson"
    path.write_bytes(_geojson("Ségou".encode("latin-1")))
    with pytest.raises(InputError) as caught:
        read_districts(path)
    assert problems(caught) == {(1, "shapeName")}
    assert "not valid UTF-8" in str(caught.value)


def test_a_geojson_declaring_an_unknown_crs_is_refused(tmp_path: Path) -> None:
    crs = b'"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::999999"}},'
    path = tmp_path / "crs.geojson"
    path.write_bytes(_geojson(b"Segou", crs))
    with pytest.raises(InputError) as caught:
        read_districts(path)
    assert problems(caught) == {(None, "crs")}
    wgs84 = b'"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},'
    path.write_bytes(_geojson(b"Segou", wgs84))
    assert read_districts(path).height == 1


def test_a_shapefile_whose_attribute_table_passes_the_cap_is_refused(
    tmp_path: Path, small_cap: None
) -> None:
    shp = tmp_path / "bounds.shp"
    shp.write_bytes(bytes.fromhex("0000270a") + bytes(96))
    shp.with_suffix(".dbf").write_bytes(bytes(CAP + 1))
    with pytest.raises(InputError, match=r"bounds\.dbf: the file is larger than the input limit"):
        read_districts(shp)


def test_a_header_with_too_many_columns_is_refused_at_once(tmp_path: Path) -> None:
    site = {
        "name": "Camp",
        "force": "FAMa",
        "latitude": 14.5,
        "longitude": -4.5,
        "start": "2020-01-01",
    }
    columns = [*DEPLOYMENT_COLUMNS, *(f"c{i}" for i in range(100_000))]
    path = write_rows(tmp_path / "wide.csv", columns, [site])
    with pytest.raises(InputError, match=r"wide\.csv: the file has 100,011 columns"):
        read_deployments(path)
