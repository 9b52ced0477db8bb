"""District (admin-2) boundaries: GeoJSON, GeoPackage, Shapefile (also zipped) or a CSV gazetteer.

``read_districts`` returns a frame conformed to ``schema.DISTRICTS``. Field names are recognised
for geoBoundaries, OCHA COD-AB (long and shapefile-truncated forms) and GADM without options;
explicit ``*_field`` options override any of them. Layers in another CRS are reprojected to WGS84
by GDAL (pyogrio's SQLite dialect, ``ST_Transform``). Every problem of a file is collected and
raised as one ``InputError``; nothing partial is returned.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyogrio
import shapely

from forecast.core.errors import InputError, Problem
from forecast.core.schema import DISTRICTS
from forecast.sources.csvio import ROW, read_csv_text, shown_header
from forecast.sources.limits import (
    check_json_depth,
    check_plain_size,
    check_zip,
    long_values,
    too_long,
)

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
GAZETTEER_SUFFIXES = (".csv",)
WGS84_CRS = frozenset({"EPSG:4326", "OGC:CRS84"})
# Names a GeoJSON "crs" member may give for WGS84 (GDAL reads any name it does not know as
# WGS84 too, silently, so the declared name is checked here).
WGS84_NAMES = re.compile(
    r"(?i)^(?:urn:ogc:def:crs:(?:OGC:1\.3:CRS84|OGC::CRS84|EPSG:[\d.]*:4326)|EPSG:4326|"
    r"(?:OGC:)?CRS84|WGS ?84)$"
)
CRS_SCAN_BYTES = 1 << 20  # GeoJSON writers put "crs" before the features

# WGS84 ellipsoid, for the equal-area projection behind ``area_km2``.
WGS84_A_KM = 6378.137
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)

POLYGON_TYPES = frozenset({shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON})

# OCHA COD-AB carries ISO 3166-1 alpha-2 country p-codes ("CF"); the schema wants alpha-3.
ISO2_TO_ISO3: dict[str, str] = {
    "AO": "AGO", "BF": "BFA", "BI": "BDI", "BJ": "BEN", "BW": "BWA", "CD": "COD", "CF": "CAF",
    "CG": "COG", "CI": "CIV", "CM": "CMR", "CV": "CPV", "DJ": "DJI", "DZ": "DZA", "EG": "EGY",
    "EH": "ESH", "ER": "ERI", "ET": "ETH", "GA": "GAB", "GH": "GHA", "GM": "GMB", "GN": "GIN",
    "GQ": "GNQ", "GW": "GNB", "KE": "KEN", "KM": "COM", "LR": "LBR", "LS": "LSO", "LY": "LBY",
    "MA": "MAR", "MG": "MDG", "ML": "MLI", "MR": "MRT", "MU": "MUS", "MW": "MWI", "MZ": "MOZ",
    "NA": "NAM", "NE": "NER", "NG": "NGA", "RW": "RWA", "SC": "SYC", "SD": "SDN", "SL": "SLE",
    "SN": "SEN", "SO": "SOM", "SS": "SSD", "ST": "STP", "SZ": "SWZ", "TD": "TCD", "TG": "TGO",
    "TN": "TUN", "TZ": "TZA", "UG": "UGA", "ZA": "ZAF", "ZM": "ZMB", "ZW": "ZWE",
}  # fmt: skip


@dataclass(frozen=True)
class Convention:
    """Where one publisher keeps each district attribute; each role lists candidate fields."""

    name: str
    code: tuple[str, ...]
    label: tuple[str, ...]
    admin1: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    population: tuple[str, ...] = ("population",)


CONVENTIONS = (
    Convention("geoBoundaries", ("shapeID",), ("shapeName",), (), ("shapeGroup",)),
    Convention(
        "OCHA COD-AB",
        ("admin2Pcode", "admin2Pcod", "ADM2_PCODE"),
        ("admin2Name_en", "admin2Name_fr", "admin2Name", "ADM2_EN", "ADM2_FR"),
        ("admin1Name_en", "admin1Name_fr", "admin1Name", "ADM1_EN", "ADM1_FR"),
        ("admin0Pcode", "admin0Pcod", "ADM0_PCODE"),
    ),
    Convention("GADM", ("GID_2",), ("NAME_2",), ("NAME_1",), ("GID_0",)),
    Convention("plain", ("code",), ("name",), ("admin1",), ("country", "iso3")),
)
LATITUDE_FIELDS = ("latitude", "lat")
LONGITUDE_FIELDS = ("longitude", "lon", "lng")


@dataclass(frozen=True)
class FieldMap:
    """The source field chosen for each attribute (None: not in the file)."""

    code: str
    name: str
    admin1: str | None
    country: str | None
    population: str | None


def read_districts(
    path: Path,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    admin1_field: str | None = None,
    country_field: str | None = None,
    country: str | None = None,
    population_field: str | None = None,
    layer: str | None = None,
) -> pl.DataFrame:
    """Read district boundaries (or a CSV gazetteer) into the canonical ``districts`` frame.

    ``country`` sets one country (ISO3, or ISO2 mapped to ISO3) for every district and wins
    over any country field; ``layer`` picks a layer of a multi-layer file (GeoPackage).
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise InputError.single(file, "file not found")
    suffix = path.suffix.lower()
    overrides = {
        "code": code_field,
        "name": name_field,
        "admin1": admin1_field,
        "country": country_field,
        "population": population_field,
    }
    fixed_country = _fixed_country(file, country)
    if suffix == ".zip":
        check_zip(path)
    else:
        check_plain_size(path)
    if suffix == ".shp":
        # GDAL reads the attributes and index beside it: each is held to the same cap.
        for sibling in (path.with_suffix(s) for s in (".dbf", ".shx", ".DBF", ".SHX")):
            if sibling.is_file():
                check_plain_size(sibling)
    if suffix in (".geojson", ".json"):
        check_json_depth(file, path.read_bytes())
    if suffix in GAZETTEER_SUFFIXES:
        return _read_gazetteer(path, overrides, fixed_country)
    if suffix in VECTOR_SUFFIXES:
        return _read_polygons(path, overrides, fixed_country, layer)
    raise InputError.single(
        file,
        f"unsupported file type '{suffix}': expected one of "
        f"{', '.join(VECTOR_SUFFIXES + GAZETTEER_SUFFIXES)}",
    )


def area_km2(geoms: np.ndarray) -> np.ndarray:
    """Ellipsoidal area (WGS84) of lon/lat polygons in km², NaN for missing geometries.

    Projects to Lambert's cylindrical equal-area projection of the WGS84 ellipsoid
    (x = a*lon, y = a*q(lat)/2, with q the authalic function) where planar area equals area on
    the ellipsoid, so the result is exact for polygons whose edges run straight in lon/lat;
    for boundary data with edges of a few km the difference from geodesic edges is far below
    0.01%. No pyproj needed.
    """
    projected = shapely.transform(np.asarray(geoms, dtype=object), _equal_area_xy)
    area = shapely.area(projected)
    return np.where(shapely.is_missing(geoms), np.nan, area)


def _equal_area_xy(lonlat: np.ndarray) -> np.ndarray:
    lon = np.radians(lonlat[:, 0])
    sin_lat = np.sin(np.radians(np.clip(lonlat[:, 1], -90.0, 90.0)))
    e = np.sqrt(WGS84_E2)
    q = (1 - WGS84_E2) * (
        sin_lat / (1 - WGS84_E2 * sin_lat**2)
        - np.log((1 - e * sin_lat) / (1 + e * sin_lat)) / (2 * e)
    )
    return np.column_stack([WGS84_A_KM * lon, WGS84_A_KM * q / 2])


# --- polygon layers -------------------------------------------------------------------------


def _read_polygons(
    path: Path, overrides: dict[str, str | None], fixed_country: str | None, layer: str | None
) -> pl.DataFrame:
    file = str(path)
    source = _gdal_path(path)
    attrs, geoms = _read_layer(file, source, layer)
    fields = _resolve_fields(file, attrs.columns, overrides)
    frame, problems = _attributes(file, attrs, fields, fixed_country)
    geoms, geo_problems = _check_geometries(file, geoms)
    problems += geo_problems
    if problems:
        raise InputError(sorted(problems, key=_problem_order))
    centroids = shapely.point_on_surface(geoms)
    frame = frame.with_columns(
        geometry=pl.Series(shapely.to_wkb(geoms), dtype=pl.Binary),
        centroid_lat=shapely.get_y(centroids),
        centroid_lon=shapely.get_x(centroids),
        area_km2=area_km2(geoms),
        source=pl.lit(file),
    )
    return DISTRICTS.conform(frame)


def _gdal_path(path: Path) -> str:
    """The GDAL name of a file; for a .zip, the one boundary file inside it."""
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError.single(path, f"cannot open the zip archive: {exc}") from exc
    inside = [
        m
        for m in members
        if m.lower().endswith((".shp", ".gpkg", ".geojson")) and not m.startswith("__MACOSX")
    ]
    if len(inside) != 1:
        found = ", ".join(inside) or "none"
        raise InputError.single(
            path, f"the zip archive must hold exactly one .shp/.gpkg/.geojson file (found: {found})"
        )
    return f"/vsizip/{path}/{inside[0]}"


def _read_layer(file: str, source: str, layer: str | None) -> tuple[pl.DataFrame, np.ndarray]:
    """Attributes and shapely geometries of one layer, reprojected to WGS84 when needed."""
    try:
        layers = pyogrio.list_layers(source)
        layer_name = _pick_layer(file, layers, layer)
        meta, table = pyogrio.read_arrow(source, layer=layer_name)
        crs = meta.get("crs")
        if crs is not None and crs not in WGS84_CRS:
            meta, table = _read_reprojected(source, layer_name, meta)
        elif source.lower().endswith((".geojson", ".json")) and not source.startswith("/vsi"):
            _check_declared_crs(file, Path(source))
    except InputError:
        raise
    except Exception as exc:  # pyogrio raises several unrelated types for unreadable files
        raise InputError.single(file, f"cannot read the file: {exc}") from exc
    if table.num_rows == 0:
        raise InputError.single(file, f"layer '{layer_name}' holds no features")
    geometry_column = meta.get("geometry_name") or "wkb_geometry"
    if geometry_column not in table.column_names:
        raise InputError.single(file, "the layer has no geometry column", field="geometry")
    _check_utf8(file, table, geometry_column)
    wkb = table.column(geometry_column).to_numpy(zero_copy_only=False)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    attrs = pl.from_arrow(table.drop_columns([geometry_column]))
    assert isinstance(attrs, pl.DataFrame)
    return attrs, np.asarray(geoms, dtype=object)


def _check_declared_crs(file: str, path: Path) -> None:
    """Refuse a GeoJSON whose "crs" member names a CRS other than WGS84 that GDAL did not
    recognise (it would read the coordinates as longitude/latitude without a word)."""
    with path.open("rb") as handle:
        head = handle.read(CRS_SCAN_BYTES)
    found = re.search(rb'"crs"\s*:\s*', head)
    if found is None:
        return
    try:
        value, _ = json.JSONDecoder().raw_decode(head[found.end() :].decode("utf-8", "replace"))
    except json.JSONDecodeError:
        return  # GDAL has parsed the file: a "crs" text elsewhere, not the member
    if value is None:
        return
    name = value.get("properties", {}).get("name") if isinstance(value, dict) else None
    if not isinstance(name, str) or not WGS84_NAMES.match(name.strip()):
        shown = json.dumps(value)[:80]
        raise InputError.single(
            file,
            f"the GeoJSON declares a CRS that is not known ({shown}); give the boundaries in "
            "WGS84 (EPSG:4326) or as a GeoPackage/Shapefile with a known CRS",
            field="crs",
        )


def _check_utf8(file: str, table: Any, geometry_column: str) -> None:
    """Refuse text attributes that are not valid UTF-8 (a GeoJSON must be UTF-8; a shapefile's
    .cpg names its encoding and GDAL decodes it), naming each row and field, before any of it
    reaches polars or the store."""
    problems: list[Problem] = []
    for name in table.column_names:
        column = table.column(name)  # an Arrow column: validated without copying to Python
        if name == geometry_column or str(column.type) not in ("string", "large_string"):
            continue
        try:
            column.validate(full=True)
            continue
        except Exception:  # pyarrow.ArrowInvalid: "Invalid UTF8 sequence"
            pass
        for row, raw in enumerate(column.cast("binary").to_pylist(), start=1):
            if raw is None:
                continue
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                shown = raw.decode("utf-8", "replace")[:60]
                problems.append(
                    Problem(
                        file,
                        row,
                        name,
                        f"'{shown}' contains bytes that are not valid UTF-8 (probably "
                        "Latin-1); re-save the file as UTF-8",
                    )
                )
    if problems:
        raise InputError(problems)


def _pick_layer(file: str, layers: np.ndarray, wanted: str | None) -> str:
    names = [str(row[0]) for row in layers]
    if wanted is not None:
        if wanted not in names:
            raise InputError.single(file, f"no layer '{wanted}'; layers are: {', '.join(names)}")
        return wanted
    if len(names) == 1:
        return names[0]
    if not names:
        raise InputError.single(file, "the file holds no layer")
    raise InputError.single(
        file, f"the file holds several layers ({', '.join(names)}); choose one with layer="
    )


def _read_reprojected(source: str, layer: str, meta: dict) -> tuple[dict, object]:
    """Re-read a layer with GDAL transforming its geometries to EPSG:4326 (lon/lat order)."""
    geometry = meta.get("geometry_name") or "GEOMETRY"
    fields = ", ".join(_quote(f) for f in meta["fields"])
    select = f"{fields}, " if fields else ""
    sql = f"SELECT {select}ST_Transform({_quote(geometry)}, 4326) AS geometry FROM {_quote(layer)}"
    new_meta, table = pyogrio.read_arrow(source, sql=sql, sql_dialect="SQLITE")
    return {**new_meta, "geometry_name": "geometry"}, table


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _check_geometries(file: str, geoms: np.ndarray) -> tuple[np.ndarray, list[Problem]]:
    """Validate types and coordinate ranges; repair invalid polygons with ``make_valid``."""
    problems: list[Problem] = []
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    type_ids = shapely.get_type_id(geoms)
    polygonal = np.isin(type_ids, [int(t) for t in POLYGON_TYPES])
    for row in np.flatnonzero(missing):
        problems.append(Problem(file, int(row) + 1, "geometry", "missing or unreadable geometry"))
    for row in np.flatnonzero(~missing & ~polygonal):
        kind = geoms[row].geom_type
        problems.append(
            Problem(file, int(row) + 1, "geometry", f"{kind} is not a polygon or multipolygon")
        )
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        out_of_range = (
            (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1)
            | (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1)
        ) & ~missing
    for row in np.flatnonzero(out_of_range):
        xmin, ymin, xmax, ymax = bounds[row]
        problems.append(
            Problem(
                file,
                int(row) + 1,
                "geometry",
                f"coordinates out of range for WGS84 longitude/latitude "
                f"(x {xmin:.6g}..{xmax:.6g}, y {ymin:.6g}..{ymax:.6g}); "
                "is the layer projected without a .prj / crs?",
            )
        )
    if problems:
        return geoms, problems
    geoms = _repair(geoms)
    problems = [
        Problem(file, int(row) + 1, "geometry", "polygon has no area left after repair")
        for row in np.flatnonzero(shapely.is_empty(geoms))
    ]
    return geoms, problems


def _repair(geoms: np.ndarray) -> np.ndarray:
    """``make_valid`` the invalid polygons, keeping only their polygonal parts."""
    geoms = geoms.copy()
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    if invalid.size == 0:
        return geoms
    fixed = shapely.make_valid(geoms[invalid])
    # make_valid may return a collection with stray lines/points along self-intersections.
    for i, geom in zip(invalid, fixed, strict=True):
        parts = shapely.get_parts(geom)
        polygons = parts[np.isin(shapely.get_type_id(parts), [int(t) for t in POLYGON_TYPES])]
        single = len(polygons) == 1
        geoms[i] = polygons[0] if single else shapely.multipolygons(shapely.get_parts(polygons))
    return geoms


# --- CSV gazetteer --------------------------------------------------------------------------


def _read_gazetteer(
    path: Path, overrides: dict[str, str | None], fixed_country: str | None
) -> pl.DataFrame:
    file = str(path)
    # The shared CSV reading: UTF-8 checked per cell, ragged rows, sizes and field lengths.
    raw = read_csv_text(path, required=()).drop(ROW)
    fields = _resolve_fields(file, raw.columns, overrides)
    frame, problems = _attributes(file, raw, fields, fixed_country)
    lat_field = _find(raw.columns, LATITUDE_FIELDS)
    lon_field = _find(raw.columns, LONGITUDE_FIELDS)
    missing = [
        name for name, found in (("latitude", lat_field), ("longitude", lon_field)) if found is None
    ]
    if missing:
        problems.append(
            Problem(
                file,
                None,
                ", ".join(missing),
                f"no {' or '.join(missing)} column; columns found: {shown_header(raw.columns)}",
            )
        )
    else:
        assert lat_field is not None and lon_field is not None
        lat, lat_problems = _coordinate(file, raw[lat_field], lat_field, 90.0)
        lon, lon_problems = _coordinate(file, raw[lon_field], lon_field, 180.0)
        problems += lat_problems + lon_problems
        frame = frame.with_columns(centroid_lat=lat, centroid_lon=lon)
    if problems:
        raise InputError(sorted(problems, key=_problem_order))
    return DISTRICTS.conform(frame.with_columns(source=pl.lit(file)))


def _coordinate(
    file: str, values: pl.Series, field: str, limit: float
) -> tuple[pl.Series, list[Problem]]:
    text = values.str.strip_chars()
    number = text.cast(pl.Float64, strict=False)
    problems = [
        Problem(file, row + 1, field, f"'{text[row]}' is not a number")
        for row in (number.is_null() & text.is_not_null() & (text != "")).arg_true()
    ]
    problems += [
        Problem(file, row + 1, field, "missing coordinate")
        for row in (text.is_null() | (text == "")).arg_true()
    ]
    problems += [
        Problem(file, row + 1, field, f"{number[row]} is outside -{limit:g}..{limit:g}")
        for row in (number.abs() > limit).fill_null(False).arg_true()
    ]
    return number, problems


# --- attributes -----------------------------------------------------------------------------


def _find(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    """The first candidate present in ``columns``, compared without case."""
    by_lower = {c.lower(): c for c in columns}
    for candidate in candidates:
        if candidate.lower() in by_lower:
            return by_lower[candidate.lower()]
    return None


def _resolve_fields(file: str, columns: list[str], overrides: dict[str, str | None]) -> FieldMap:
    """Pick the convention whose code and name fields exist, then apply explicit fields."""
    chosen = next(
        (c for c in CONVENTIONS if _find(columns, c.code) and _find(columns, c.label)), None
    )
    roles = {
        "code": _find(columns, chosen.code) if chosen else None,
        "name": _find(columns, chosen.label) if chosen else None,
        "admin1": _find(columns, chosen.admin1) if chosen else None,
        "country": _find(columns, chosen.country) if chosen else None,
        "population": _find(columns, chosen.population) if chosen else None,
    }
    if chosen is None:
        # Without a whole convention, still take the plain fields that exist.
        plain = CONVENTIONS[-1]
        roles["admin1"] = _find(columns, plain.admin1)
        roles["country"] = _find(columns, plain.country)
        roles["population"] = _find(columns, plain.population)
    problems: list[Problem] = []
    for role, field in overrides.items():
        if field is None:
            continue
        found = _find(columns, (field,))
        if found is None:
            problems.append(
                Problem(
                    file,
                    None,
                    field,
                    f"no column '{field}' (given as {role}_field); columns found: "
                    f"{shown_header(columns)}",
                )
            )
        roles[role] = found
    for role, option in (("code", "code_field"), ("name", "name_field")):
        if roles[role] is None and overrides[role] is None:
            problems.append(
                Problem(
                    file,
                    None,
                    None,
                    f"no recognisable district {role} column (geoBoundaries shapeID/shapeName, "
                    "OCHA admin2Pcode/admin2Name_en, GADM GID_2/NAME_2, or code/name); columns "
                    f"found: {shown_header(columns)}; name the column with {option}=",
                )
            )
    if problems:
        raise InputError(problems)
    assert roles["code"] is not None and roles["name"] is not None
    return FieldMap(
        roles["code"], roles["name"], roles["admin1"], roles["country"], roles["population"]
    )


def _text(field: str | None) -> pl.Expr:
    if field is None:
        return pl.lit(None, dtype=pl.Utf8)
    stripped = pl.col(field).cast(pl.Utf8).str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def _attributes(
    file: str, raw: pl.DataFrame, fields: FieldMap, fixed_country: str | None
) -> tuple[pl.DataFrame, list[Problem]]:
    """Code, name, admin1, country and population of each row, with the rows' problems."""
    frame = raw.select(
        code=_text(fields.code),
        name=_text(fields.name),
        admin1=_text(fields.admin1),
        country_raw=_text(fields.country),
        population_raw=_text(fields.population),
    ).with_row_index("row", offset=1)
    problems = [
        Problem(file, index + 1, getattr(fields, column), too_long(length, limit, value))
        for index, column, length, limit in long_values(frame, ["code", "name", "admin1"])
        for value in [frame[column][index]]
    ]
    problems += [
        Problem(file, row, fields.code, "empty district code")
        for row in frame.filter(pl.col("code").is_null())["row"]
    ]
    problems += [
        Problem(file, row, fields.name, "empty district name")
        for row in frame.filter(pl.col("name").is_null())["row"]
    ]
    duplicates = frame.filter(pl.col("code").is_not_null()).with_columns(
        first=pl.col("row").min().over("code")
    )
    problems += [
        Problem(file, row, fields.code, f"duplicate code '{code}' (first at row {first})")
        for row, code, first in duplicates.filter(pl.col("row") != pl.col("first"))
        .select("row", "code", "first")
        .iter_rows()
    ]
    country, country_problems = _countries(file, frame, fields.country, fixed_country)
    population, population_problems = _population(file, frame, fields.population)
    problems += country_problems + population_problems
    frame = frame.with_columns(country=country, population=population)
    return frame.drop("row", "country_raw", "population_raw"), problems


def _iso3(values: pl.Expr) -> pl.Expr:
    upper = values.str.to_uppercase()
    return (
        pl.when(upper.str.contains(r"^[A-Z]{3}$"))
        .then(upper)
        .otherwise(upper.replace_strict(ISO2_TO_ISO3, default=None))
    )


def _fixed_country(file: str, country: str | None) -> str | None:
    if country is None:
        return None
    iso3 = pl.select(_iso3(pl.lit(country.strip()))).item()
    if iso3 is None:
        raise InputError.single(
            file, f"country='{country}' is not an ISO3 code (or a known African ISO2 code)"
        )
    return iso3


def _countries(
    file: str, frame: pl.DataFrame, field: str | None, fixed: str | None
) -> tuple[pl.Series, list[Problem]]:
    if fixed is not None:
        return pl.Series("country", [fixed] * frame.height, dtype=pl.Utf8), []
    iso3 = frame.select(_iso3(pl.col("country_raw")))["country_raw"].alias("country")
    bad = frame.filter(pl.col("country_raw").is_not_null() & iso3.is_null())
    problems = [
        Problem(
            file,
            row,
            field,
            f"'{value}' is not an ISO3 country code (nor a known ISO2 one); use country=",
        )
        for row, value in bad.select("row", "country_raw").iter_rows()
    ]
    return iso3, problems


def _population(
    file: str, frame: pl.DataFrame, field: str | None
) -> tuple[pl.Series, list[Problem]]:
    raw = frame["population_raw"]
    number = raw.str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False)
    problems = [
        Problem(file, row + 1, field, f"population '{raw[row]}' is not a non-negative number")
        for row in ((raw.is_not_null() & number.is_null()) | (number < 0).fill_null(False))
        .arg_true()
        .to_list()
    ]
    return number.alias("population"), problems


def _problem_order(problem: Problem) -> tuple[int, str]:
    return (problem.row or 0, problem.field or "")
