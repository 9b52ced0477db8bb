"""The map's shipped data: country outlines and towns, small, sourced row by row, and
consistent with each other; a bad towns file is refused naming its file, row and field."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import shapely

from forecast.bulletin.neighbours import COUNTRIES_FILE, countries, neighbours
from forecast.bulletin.towns import TOWNS, TOWNS_FILE, TownsFileError, map_data_file, read_towns

SAHEL = ("MLI", "NER", "BFA", "CAF")


def test_files_are_small_and_every_row_has_a_source() -> None:
    outlines, towns = map_data_file(COUNTRIES_FILE), map_data_file(TOWNS_FILE)
    assert outlines is not None and towns is not None
    assert outlines.stat().st_size < 200_000
    assert (outlines.parent / "SOURCE.md").is_file()
    with towns.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all("geonames.org/" + row["geonameid"] in row["source"] for row in rows)
    assert len({(row["country"], row["name"]) for row in rows}) == len(rows)
    assert all(country.names["en"] and country.names["fr"] for country in countries())


@pytest.mark.parametrize("iso3", SAHEL)
def test_every_country_has_its_capital_and_admin1_seats(iso3: str) -> None:
    towns = TOWNS[iso3]
    assert [town.kind for town in towns].count("capital") == 1
    seats = [town for town in towns if town.kind == "admin1"]
    # Mali's 10 regions, Niger's 7, Burkina Faso's 13 with the capital's own region,
    # the Central African Republic's 16 prefectures and the 2 of 2020.
    assert len(seats) == {"MLI": 10, "NER": 7, "BFA": 12, "CAF": 18}[iso3]
    assert len({town.admin1 for town in seats}) == len(seats)


@pytest.mark.parametrize("iso3", SAHEL)
def test_towns_lie_in_their_country(iso3: str) -> None:
    """The two sources agree: each GeoNames point is inside its Natural Earth outline (give
    or take the 1:110m outline's few kilometres)."""
    (outline,) = [c.geometry for c in countries() if c.iso3 == iso3]
    for town in TOWNS[iso3]:
        assert outline.buffer(0.1).contains(shapely.Point(town.lon, town.lat)), town.name


def test_neighbours_leave_out_the_countries_shown() -> None:
    mali = (-12.5, 10.0, 4.5, 25.0)
    around = {country.iso3 for country, _ in neighbours(["MLI"], mali)}
    assert {"DZA", "NER", "BFA", "CIV", "GIN", "SEN", "MRT"} <= around
    assert "MLI" not in around and "CAF" not in around


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("MLI,Gao,admin1,Gao,sixteen,-0.04,x", "row 3: lat: not a number: 'sixteen'"),
        ("MLI,Gao,admin1,Gao,96.0,-0.04,x", "row 3: lat: 96.0 outside [-90, 90]"),
        ("MLI,Gao,seat,Gao,16.27,-0.04,x", "row 3: kind: 'seat' is not one of"),
        ("MLI,Gao,admin1,Gao,16.27,-0.04,", "row 3: source: empty"),
    ],
)
def test_a_bad_towns_row_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "towns.csv"
    path.write_text(
        "country,name,kind,admin1,lat,lon,source\n"
        "MLI,Bamako,capital,Bamako,12.6,-7.98,GeoNames 2460596\n" + line + "\n",
        encoding="utf-8",
    )
    with pytest.raises(TownsFileError) as error:
        read_towns(path)
    assert str(error.value).startswith(f"{path}: {message}")


def test_a_towns_file_without_a_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "towns.csv"
    path.write_text("country,name,lat,lon\nMLI,Gao,16.2,-0.04\n", encoding="utf-8")
    with pytest.raises(TownsFileError, match="header: missing column"):
        read_towns(path)
