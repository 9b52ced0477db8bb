"""The demo map: cercles, their polygons and the places in them."""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

from forecast.demo.gazetteer import CERCLES, PLACES, REGIONS
from forecast.demo.geography import (
    build_geography,
    distance_to_polygons_km,
    haversine_km,
    nudge_inside,
    outline,
    sample_points,
)


@pytest.fixture(scope="module")
def geography():
    return build_geography()


def test_53_cercles_with_ocha_pcodes_in_their_region() -> None:
    codes = [c.code for c in CERCLES]
    assert len(codes) == 53 == len(set(codes))
    assert all(re.fullmatch(r"ML\d{4}", code) for code in codes)
    assert all(c.code[:4] == c.region for c in CERCLES)
    assert {r.pcode for r in REGIONS} == {c.region for c in CERCLES}
    by_code = {c.code: c.name for c in CERCLES}
    assert by_code["ML0901"] == "Bamako"
    assert by_code["ML0103"] == "Kayes"
    assert by_code["ML1001"] == "Ménaka"
    # Regions as OCHA counts them: Kayes 7, Koulikoro 7, ..., Bamako 1, Ménaka 4.
    sizes = {r.pcode: sum(c.region == r.pcode for c in CERCLES) for r in REGIONS}
    assert sizes == {
        "ML01": 7, "ML02": 7, "ML03": 7, "ML04": 7, "ML05": 8,
        "ML06": 5, "ML07": 3, "ML08": 4, "ML09": 1, "ML10": 4,
    }  # fmt: skip


def test_outline_is_a_valid_polygon_of_mali_size() -> None:
    shape = outline()
    assert shape.is_valid
    assert 30 <= len(shape.exterior.coords) - 1 <= 60
    # Mali is about 1.24 million km²; in squared degrees at these latitudes about 107.
    assert 95 < shape.area < 120


def test_every_cercle_has_one_polygon_holding_its_centroid(geography) -> None:
    assert geography.size == 53
    assert (shapely.get_type_id(geography.polygons) == 3).all()  # 3 = Polygon
    assert shapely.is_valid(geography.polygons).all()
    assert shapely.contains_xy(geography.polygons, geography.lon, geography.lat).all()


def test_polygons_do_not_overlap_and_tile_the_outline(geography) -> None:
    polys = geography.polygons
    overlap = shapely.area(shapely.intersection(polys[:, None], polys[None, :]))
    np.fill_diagonal(overlap, 0.0)
    assert overlap.max() < 1e-8
    assert shapely.area(shapely.union_all(polys)) == pytest.approx(outline().area, rel=1e-6)


def test_bamako_is_small_and_kati_wraps_it(geography) -> None:
    area = dict(zip(geography.codes, shapely.area(geography.polygons), strict=True))
    assert area["ML0901"] < 0.05  # well under Kati's or any other cercle's
    assert area["ML0901"] == min(area.values())
    kati = geography.polygons[list(geography.codes).index("ML0204")]
    bamako = geography.polygons[list(geography.codes).index("ML0901")]
    shared = shapely.length(shapely.intersection(kati.boundary, bamako.boundary))
    assert shared > 0.5 * bamako.length  # Kati borders most of Bamako


def test_each_seat_lies_in_its_own_cercle(geography) -> None:
    seats = [(i, p.name) for i, p in enumerate(PLACES) if p.kind == "seat"]
    assert len(seats) == 53
    for i, name in seats:
        cercle = geography.names[geography.place_district[i]]
        assert name.startswith(cercle), (name, cercle)


def test_nudge_inside_moves_outside_points_just_past_the_border() -> None:
    square = shapely.box(0.0, 0.0, 1.0, 1.0)
    lon, lat = nudge_inside(np.array([2.0, 0.3]), np.array([0.5, 0.4]), square)
    assert (lon[1], lat[1]) == (0.3, 0.4)  # inside: untouched
    assert square.contains(shapely.Point(lon[0], lat[0]))
    # From the nearest border point (1, 0.5), 0.05 degrees towards the interior.
    assert np.hypot(lon[0] - 1.0, lat[0] - 0.5) == pytest.approx(0.05)


def test_haversine_one_degree_of_latitude() -> None:
    assert haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(6371.0 * np.pi / 180)
    assert haversine_km(12.0, -8.0, 12.0, -8.0) == 0.0


def test_distance_to_polygons_is_zero_inside_and_grows_outside() -> None:
    square = np.array([shapely.box(0.0, 14.0, 1.0, 15.0)], dtype=object)
    km = distance_to_polygons_km(np.array([14.5, 14.5, 16.0]), np.array([0.5, 1.5, 0.5]), square)
    assert km[0, 0] == 0.0
    assert km[1, 0] == pytest.approx(0.5 * np.cos(np.radians(15.0)) * 111.2)
    assert km[2, 0] == pytest.approx(111.2)


def test_sample_points_fall_in_the_requested_polygons(geography) -> None:
    district = np.repeat(np.arange(geography.size), 5)
    lat, lon = sample_points(np.random.default_rng(0), geography.polygons, district)
    assert shapely.contains_xy(geography.polygons[district], lon, lat).all()
