"""District boundary readers: formats, naming conventions, reprojection, area, bad inputs."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pyogrio
import pyogrio.raw
import pytest
import shapely

from forecast.core.errors import InputError
from forecast.core.schema import DISTRICTS
from forecast.sources.boundaries import area_km2, read_districts
from tests.conftest import FIXTURES, shared_data

# The 2x2 grid of one-degree squares used throughout (lon -5..-3, lat 13..15).
SQUARES = [
    shapely.box(-5, 14, -4, 15),
    shapely.box(-4, 14, -3, 15),
    shapely.box(-5, 13, -4, 14),
    shapely.box(-4, 13, -3, 14),
]


def write_layer(
    path: Path,
    geoms: list,
    fields: dict[str, list],
    *,
    crs: str | None = "EPSG:4326",
    layer: str | None = None,
) -> Path:
    """Write a small vector file with pyogrio (the driver follows the suffix)."""
    driver = {".shp": "ESRI Shapefile", ".gpkg": "GPKG", ".geojson": "GeoJSON"}[path.suffix]
    kinds = {shapely.get_type_id(g) for g in geoms if g is not None}
    geometry_type = "Unknown" if len(kinds) > 1 else geoms[0].geom_type
    pyogrio.raw.write(
        path,
        np.array([None if g is None else shapely.to_wkb(g) for g in geoms], dtype=object),
        [np.array(v, dtype=object) for v in fields.values()],
        fields=list(fields),
        crs=crs,
        geometry_type=geometry_type,
        driver=driver,
        layer=layer,
    )
    return path


def ellipsoid_cell_km2(lat0: float, lat1: float, dlon: float) -> float:
    """Area of a lon/lat cell on the WGS84 ellipsoid by numerical integration of M*N*cos(lat)."""
    a, f = 6378.137, 1 / 298.257223563
    e2 = f * (2 - f)
    phi = np.radians(np.linspace(lat0, lat1, 200_001))
    integrand = a**2 * (1 - e2) * np.cos(phi) / (1 - e2 * np.sin(phi) ** 2) ** 2
    return float(np.trapezoid(integrand, phi) * math.radians(dlon))


# --- formats and conventions ----------------------------------------------------------------


def test_geoboundaries_geojson_fixture() -> None:
    path = FIXTURES / "districts_geoboundaries.geojson"
    d = read_districts(path)
    assert d.columns == DISTRICTS.names
    assert d.schema == pl.Schema(DISTRICTS.polars_schema)
    assert d["code"].to_list() == ["XML-ADM2-A", "XML-ADM2-B", "XML-ADM2-C", "XML-ADM2-D"]
    assert d["name"].to_list() == ["Ménaka", "Tin-Essako", "Kéniéba", "Bla"]
    assert d["country"].to_list() == ["MLI"] * 4  # shapeGroup
    assert d["admin1"].null_count() == 4
    assert d["source"].to_list() == [str(path)] * 4
    # point_on_surface of an axis-aligned square is its centre
    assert d["centroid_lon"].to_list() == [-4.5, -3.5, -4.5, -3.5]
    assert d["centroid_lat"].to_list() == [14.5, 14.5, 13.5, 13.5]
    geoms = shapely.from_wkb(d["geometry"].to_numpy())
    assert shapely.equals(geoms[0], SQUARES[0])
    assert geoms[3].geom_type == "MultiPolygon"  # kept as published
    expected_north = ellipsoid_cell_km2(14, 15, 1)
    expected_south = ellipsoid_cell_km2(13, 14, 1)
    assert d["area_km2"].to_list() == pytest.approx(
        [expected_north, expected_north, expected_south, expected_south], rel=1e-7
    )


def test_area_matches_ellipsoid_and_whole_earth() -> None:
    cells = np.array([shapely.box(0, 0, 1, 1), shapely.box(10, 60, 12, 61), None], dtype=object)
    areas = area_km2(cells)
    assert areas[0] == pytest.approx(ellipsoid_cell_km2(0, 1, 1), rel=1e-7)
    assert areas[1] == pytest.approx(ellipsoid_cell_km2(60, 61, 2), rel=1e-7)
    assert np.isnan(areas[2])
    # WGS84 ellipsoid surface: 510,065,621.72 km²
    whole = area_km2(np.array([shapely.box(-180, -90, 180, 90)], dtype=object))[0]
    assert whole == pytest.approx(510_065_621.72, rel=1e-8)


def test_ocha_truncated_shapefile(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "caf_adm2.shp",
        SQUARES[:2],
        {
            "admin0Name": ["Central African Republic"] * 2,
            "admin0Pcod": ["CF", "CF"],
            "admin1Name": ["Lobaye", "Ouham"],
            "admin1Pcod": ["CF12", "CF32"],
            "admin2Name": ["Mbaïki", "Bossangoa"],
            "admin2Pcod": ["CF121", "CF321"],
        },
    )
    d = read_districts(path)
    assert d["code"].to_list() == ["CF121", "CF321"]
    assert d["name"].to_list() == ["Mbaïki", "Bossangoa"]
    assert d["admin1"].to_list() == ["Lobaye", "Ouham"]
    assert d["country"].to_list() == ["CAF", "CAF"]  # ISO2 p-code mapped to ISO3


def test_ocha_long_names_geopackage(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "mli_adm2.gpkg",
        SQUARES[:1],
        {
            "admin2Name_en": ["Kati"],
            "admin2Pcode": ["ML0205"],
            "admin1Name_en": ["Koulikoro"],
            "admin0Pcode": ["ML"],
            "population": ["1234567"],
        },
    )
    d = read_districts(path)
    assert d.row(0, named=True) | {"geometry": None, "area_km2": None, "source": None} == {
        "code": "ML0205",
        "name": "Kati",
        "admin1": "Koulikoro",
        "country": "MLI",
        "geometry": None,
        "centroid_lat": 14.5,
        "centroid_lon": -4.5,
        "area_km2": None,
        "population": 1234567.0,
        "source": None,
    }


def test_gadm_geopackage(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "gadm36_MLI_2.gpkg",
        SQUARES[2:],
        {
            "GID_0": ["MLI", "MLI"],
            "NAME_0": ["Mali", "Mali"],
            "GID_1": ["MLI.5_1", "MLI.7_1"],
            "NAME_1": ["Kayes", "Ségou"],
            "GID_2": ["MLI.5.4_1", "MLI.7.2_1"],
            "NAME_2": ["Kéniéba", "Bla"],
        },
    )
    d = read_districts(path)
    assert d.select("code", "name", "admin1", "country").rows() == [
        ("MLI.5.4_1", "Kéniéba", "Kayes", "MLI"),
        ("MLI.7.2_1", "Bla", "Ségou", "MLI"),
    ]


def test_explicit_fields_override_convention(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "custom.geojson",
        SQUARES[:2],
        {
            "GID_2": ["g1", "g2"],
            "NAME_2": ["one", "two"],
            "pcode": ["X1", "X2"],
            "label": ["Uno", "Dos"],
            "region": ["R1", "R2"],
            "pop": ["10", "20"],
        },
    )
    d = read_districts(
        path,
        code_field="pcode",
        name_field="label",
        admin1_field="region",
        population_field="pop",
        country="ne",
    )
    assert d.select("code", "name", "admin1", "country", "population").rows() == [
        ("X1", "Uno", "R1", "NER", 10.0),
        ("X2", "Dos", "R2", "NER", 20.0),
    ]


def test_zipped_shapefile(tmp_path: Path) -> None:
    shp = write_layer(
        tmp_path / "adm2.shp", SQUARES[:1], {"shapeID": ["Z-1"], "shapeName": ["Zed"]}
    )
    archive = tmp_path / "adm2.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("adm2.*"):
            if part.suffix != ".zip":
                z.write(part, f"folder/{part.name}")
    shp.unlink()
    d = read_districts(archive)
    assert d["code"].to_list() == ["Z-1"]
    assert d["area_km2"][0] == pytest.approx(ellipsoid_cell_km2(14, 15, 1), rel=1e-7)


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson"])
def test_projected_layer_is_reprojected(tmp_path: Path, suffix: str) -> None:
    # Web Mercator by hand: x = R*lon, y = R*ln(tan(pi/4 + lat/2)), R = 6378137 m
    r = 6378137.0

    def merc(lon: float, lat: float) -> tuple[float, float]:
        return r * math.radians(lon), r * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    x0, y0 = merc(-5, 14)
    x1, y1 = merc(-4, 15)
    path = write_layer(
        tmp_path / f"mercator{suffix}",
        [shapely.box(x0, y0, x1, y1)],
        {"code": ["M1"], "name": ["Merc"]},
        crs="EPSG:3857",
    )
    d = read_districts(path)
    bounds = shapely.bounds(shapely.from_wkb(d["geometry"][0]))
    assert bounds == pytest.approx([-5, 14, -4, 15], abs=1e-9)


def test_geopackage_with_two_layers_needs_layer(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    write_layer(path, SQUARES[:1], {"code": ["A"], "name": ["a"]}, layer="adm1")
    write_layer(path, SQUARES[1:2], {"code": ["B"], "name": ["b"]}, layer="adm2")
    with pytest.raises(InputError) as err:
        read_districts(path)
    assert "several layers (adm1, adm2)" in str(err.value)
    assert read_districts(path, layer="adm2")["code"].to_list() == ["B"]


def test_invalid_polygon_is_made_valid(tmp_path: Path) -> None:
    bowtie = shapely.Polygon([(0, 10), (2, 12), (2, 10), (0, 12), (0, 10)])
    assert not bowtie.is_valid
    path = write_layer(tmp_path / "bow.geojson", [bowtie], {"code": ["B"], "name": ["Bow"]})
    d = read_districts(path)
    geom = shapely.from_wkb(d["geometry"][0])
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    # two triangles of 1 x 2 degrees each: half the 2x2-degree cell
    assert d["area_km2"][0] == pytest.approx(ellipsoid_cell_km2(10, 12, 2) / 2, rel=2e-3)
    assert shapely.contains(geom, shapely.Point(d["centroid_lon"][0], d["centroid_lat"][0]))


def test_gazetteer_csv() -> None:
    d = read_districts(FIXTURES / "districts_gazetteer.csv")
    assert d.select(
        "code", "name", "admin1", "country", "centroid_lat", "centroid_lon", "population"
    ).rows() == [
        ("ML0901", "Tessalit", "Kidal", "MLI", 20.0, 0.0, 12000.0),
        ("ML0902", "Abeïbara", "Kidal", "MLI", 21.0, 2.0, None),
        ("NE0101", "Bla", "Tillabéri", "NER", 13.5, 1.0, 45000.5),
    ]
    assert d["geometry"].null_count() == 3
    assert d["area_km2"].null_count() == 3


# --- bad inputs -----------------------------------------------------------------------------


def problems_of(err: pytest.ExceptionInfo[InputError]) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.field) for p in err.value.problems]


def test_missing_and_unreadable_and_unsupported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_districts(tmp_path / "nope.geojson")
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("this is not json")
    with pytest.raises(InputError, match=r"garbage\.geojson: cannot read the file"):
        read_districts(garbage)
    other = tmp_path / "districts.txt"
    other.write_text("x")
    with pytest.raises(InputError, match=r"unsupported file type '\.txt'"):
        read_districts(other)


def test_empty_layer(tmp_path: Path) -> None:
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(InputError, match="holds no features"):
        read_districts(path)


def test_no_recognisable_columns_lists_columns_and_options(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "odd.geojson", SQUARES[:1], {"id": ["1"], "label": ["x"]})
    with pytest.raises(InputError) as err:
        read_districts(path)
    message = str(err.value)
    assert "odd.geojson" in message
    assert "columns found: id, label" in message
    assert "code_field=" in message and "name_field=" in message


def test_explicit_field_not_in_file(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "x.geojson", SQUARES[:1], {"shapeID": ["1"], "shapeName": ["x"]})
    with pytest.raises(InputError) as err:
        read_districts(path, code_field="pcode")
    assert problems_of(err) == [(None, "pcode")]
    assert "given as code_field" in str(err.value)


def test_duplicate_and_empty_codes_and_names_all_reported(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "dups.geojson",
        SQUARES,
        {
            "shapeID": ["A", "A", "", "B"],
            "shapeName": ["a", "b", "c", " "],
            "shapeGroup": ["MLI", "MLI", "MLI", "Mali"],
        },
    )
    with pytest.raises(InputError) as err:
        read_districts(path)
    assert problems_of(err) == [
        (2, "shapeID"),
        (3, "shapeID"),
        (4, "shapeGroup"),
        (4, "shapeName"),
    ]
    reasons = [p.reason for p in err.value.problems]
    assert reasons[0] == "duplicate code 'A' (first at row 1)"
    assert reasons[1] == "empty district code"
    assert "'Mali' is not an ISO3 country code" in reasons[2]
    assert reasons[3] == "empty district name"
    assert str(err.value).startswith("4 problem(s); nothing was loaded")


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_non_polygon_and_out_of_range_geometries(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "mixed.geojson",
        [SQUARES[0], shapely.Point(-4, 14), shapely.box(500_000, 1_500_000, 600_000, 1_600_000)],
        {"code": ["A", "B", "C"], "name": ["a", "b", "c"]},
        crs=None,
    )
    with pytest.raises(InputError) as err:
        read_districts(path)
    assert problems_of(err) == [(2, "geometry"), (3, "geometry")]
    assert err.value.problems[0].reason == "Point is not a polygon or multipolygon"
    assert "coordinates out of range" in err.value.problems[1].reason
    assert all(p.file == str(path) for p in err.value.problems)


def test_gazetteer_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "gaz.csv"
    path.write_text(
        "code,name,admin1,country,latitude,longitude,population\n"
        "G1,One,R,MLI,12.5,-3.0,100\n"
        "G2,Two,R,MLI,abc,-3.0,\n"
        "G1,Three,R,MLI,12.0,200,lots\n"
        "G4,Four,R,MLI,,1.0,\n"
    )
    with pytest.raises(InputError) as err:
        read_districts(path)
    assert problems_of(err) == [
        (2, "latitude"),
        (3, "code"),
        (3, "longitude"),
        (3, "population"),
        (4, "latitude"),
    ]
    reasons = [p.reason for p in err.value.problems]
    assert reasons[0] == "'abc' is not a number"
    assert reasons[2] == "200.0 is outside -180..180"
    assert reasons[4] == "missing coordinate"


def test_gazetteer_without_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "gaz.csv"
    path.write_text("code,name,lat\nG1,One,12\n")
    with pytest.raises(InputError) as err:
        read_districts(path)
    assert problems_of(err) == [(None, "longitude")]
    assert "columns found: code, name, lat" in str(err.value)


def test_bad_country_option(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="country='Mali' is not an ISO3 code"):
        read_districts(FIXTURES / "districts_gazetteer.csv", country="Mali")


# --- real data ------------------------------------------------------------------------------


@pytest.mark.realdata
def test_gadm_mali_level2() -> None:
    d = read_districts(shared_data("gadm36_mali_niger", "gadm36_MLI_2.shp"))
    assert d.height == 50
    assert d["code"].str.contains(r"^MLI\.\d+\.\d+_1$").all()
    assert d["country"].unique().to_list() == ["MLI"]
    assert "Ménaka" in d["name"].to_list()
    # Mali is about 1,240,000 km²; GADM's outline gives 1,251,193 km².
    assert d["area_km2"].sum() == pytest.approx(1_251_193, rel=1e-3)
    geoms = shapely.from_wkb(d["geometry"].to_numpy())
    centroids = shapely.points(d["centroid_lon"].to_numpy(), d["centroid_lat"].to_numpy())
    assert shapely.contains(geoms, centroids).all()


@pytest.mark.realdata
def test_gadm_niger_level2() -> None:
    d = read_districts(shared_data("gadm36_mali_niger", "gadm36_NER_2.shp"))
    assert d.height == 36
    assert d["country"].unique().to_list() == ["NER"]
    assert d["code"].n_unique() == 36


@pytest.mark.realdata
def test_ocha_car_admin2() -> None:
    path = shared_data("ocha_car_admin2", "caf_admbnda_adm2_200k_sigcaf_reach_itos_v2.shp")
    d = read_districts(path)
    assert d.height == 72
    assert d["code"].str.contains(r"^CF\d{3}$").all()
    assert d.filter(pl.col("code") == "CF121")["name"].to_list() == ["Mbaïki"]
    assert d["country"].unique().to_list() == ["CAF"]
    assert d["admin1"].null_count() == 0
