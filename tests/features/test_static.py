"""Static district attributes and calendar features."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
from pytest import approx

from features import FeatureConfig, build_panel
from tests.features import world
from tests.features.conftest import at, haversine_km

C = world.CENTROIDS
BAMAKO = (12.6392, -8.0029)
NIAMEY = (13.5116, 2.1254)


def test_area_and_population(panel: pl.DataFrame) -> None:
    assert at(panel, 3, "area_km2")["B2"] == 12000
    assert at(panel, 3, "area_km2")["Z"] is None
    assert at(panel, 3, "population")["A1"] == 1000
    assert at(panel, 3, "population")["A2"] is None


def test_border_districts_touch_the_country_outline(panel: pl.DataFrame) -> None:
    flags = at(panel, 0, "border_district")
    assert flags["B2"] == 0  # the middle square
    assert all(flags[c] == 1 for c in world.GRID if c != "B2")
    assert flags["Z"] is None  # NER has no polygons: no outline


def km_to_meridian(lat: float, dlon: float) -> float:
    """Great-circle distance from a point to a meridian ``dlon`` degrees away."""
    angle = math.asin(math.sin(math.radians(dlon)) * math.cos(math.radians(lat)))
    return angle * 6371.0088


def test_distance_to_the_border(panel: pl.DataFrame) -> None:
    border = at(panel, 0, "border_km")
    # The outline runs along lon 0 and 3, lat 14 and 17. B2's centroid (15.5, 1.5) is
    # 1.5° from all four; 1.5° of longitude is the shorter distance.
    assert border["B2"] == approx(km_to_meridian(15.5, 1.5), abs=0.1)
    assert border["A1"] == approx(km_to_meridian(14.5, 0.5), abs=0.1)
    assert border["Z"] is None


def test_gazetteer_district_is_a_border_district_when_near_the_outline() -> None:
    districts = world.districts()
    near = districts.filter(pl.col("code") == "Z").with_columns(
        pl.lit("MLI").alias("country"), pl.lit(14.5).alias("centroid_lat"),
        pl.lit(3.1).alias("centroid_lon"),
    )  # fmt: skip
    tables = world.tables()
    tables = type(tables)(
        districts=pl.concat([districts.filter(pl.col("code") != "Z"), near]),
        events=tables.events,
        deployments=tables.deployments,
        partners=tables.partners,
    )
    day = date(2024, 1, 1)
    close = build_panel(tables, start=day, end=day)  # 0.1° east of the outline: ~10.8 km
    assert at(close, 0, "border_district")["Z"] == 1
    assert at(close, 0, "border_km")["Z"] == approx(km_to_meridian(14.5, 0.1), abs=0.1)
    strict = build_panel(tables, start=day, end=day, config=FeatureConfig(border_km=5))
    assert at(strict, 0, "border_district")["Z"] == 0


def test_distance_to_the_capital(panel: pl.DataFrame) -> None:
    capital = at(panel, 0, "capital_km")
    assert capital["A1"] == approx(haversine_km(C["A1"], BAMAKO), rel=1e-6)
    assert capital["Z"] == approx(haversine_km(C["Z"], NIAMEY), rel=1e-6)


def test_country_code_is_the_iso_numeric_code(panel: pl.DataFrame) -> None:
    codes = at(panel, 0, "country_code")
    assert {c: codes[c] for c in ("A1", "C3", "Z")} == {"A1": 466, "C3": 466, "Z": 562}
    assert at(panel, 9, "country_code") == codes  # static: the same every week


def test_country_code_is_null_for_unknown_countries() -> None:
    tables = world.with_district_values(
        world.tables(),
        {"Z": {"country": "BFA"}, "C3": {"country": "Atlantis"}, "B2": {"country": None}},
    )
    day = date(2024, 1, 1)
    codes = at(build_panel(tables, start=day, end=day), 0, "country_code")
    assert (codes["Z"], codes["A1"], codes["C3"], codes["B2"]) == (854, 466, None, None)


def test_week_of_year_is_cyclic_and_rainy_season_follows_thursdays() -> None:
    tables = world.tables()
    panel = build_panel(tables, start=date(2024, 5, 27), end=date(2024, 9, 30))
    one = panel.filter(pl.col("district_code") == "A1")
    weeks = dict(zip(one["week"].to_list(), one["rainy_season"].to_list(), strict=True))
    assert weeks[date(2024, 5, 27)] == 0  # Thursday 30 May
    assert weeks[date(2024, 6, 3)] == 1
    assert weeks[date(2024, 9, 23)] == 1  # Thursday 26 September
    assert weeks[date(2024, 9, 30)] == 0  # Thursday 3 October
    # ISO week 23 starts on 2024-06-03: angle 2π·22/52.1775.
    row = one.filter(pl.col("week") == date(2024, 6, 3))
    angle = 2 * math.pi * 22 / 52.1775
    assert row["week_sin"][0] == approx(math.sin(angle), abs=1e-6)
    assert row["week_cos"][0] == approx(math.cos(angle), abs=1e-6)


def test_first_iso_week_has_angle_zero(panel: pl.DataFrame) -> None:
    assert at(panel, 0, "week_sin")["A1"] == approx(0.0, abs=1e-7)  # 2024-01-01 is ISO week 1
    assert at(panel, 0, "week_cos")["A1"] == approx(1.0)
