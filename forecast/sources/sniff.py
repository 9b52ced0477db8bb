"""Telling a file given to the wrong command or format apart, so the error says which to use.

Only consulted once a reader has already refused the file (missing columns), or, for
boundary files, before an events, sites or counts reader garbles their binary content.
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection
from pathlib import Path
from typing import Final

BOUNDARY_SUFFIXES: Final = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".gpkg", ".geojson")
BOUNDARY_HINT: Final = "this is a boundary file: use `forecast ingest districts`"
_SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"  # file code 9994, big-endian, in every .shp and .shx
_SQLITE_MAGIC = b"SQLite format 3\x00"  # a GeoPackage
_ZIP_MAGIC = b"PK\x03\x04"
_GEOJSON_TYPES = (b'"FeatureCollection"', b'"Feature"')
_SNIFF_BYTES = 4096

# Column sets that identify a layout (names as csvio.normal_name gives them).
UCDP_COLUMNS: Final = frozenset({"date_start", "type_of_violence", "best"})
ACLED_COLUMNS: Final = frozenset({"event_date", "event_type", "fatalities"})
COUNTS_COLUMNS: Final = frozenset({"admin2 pcode", "month", "year", "events"})

USE_UCDP: Final = "this looks like a UCDP GED file: use `forecast ingest events --format ucdp`"
USE_ACLED: Final = (
    "this looks like an ACLED export: use `forecast ingest events --format acled` (the default)"
)
USE_COUNTS: Final = (
    "this looks like ACLED's admin-2 monthly counts (HDX): use "
    "`forecast ingest counts --format acled-monthly`"
)


def is_boundary_file(path: Path) -> bool:
    """A shapefile part, GeoPackage, GeoJSON or a zip of one, by name or by content."""
    if path.suffix.lower() in BOUNDARY_SUFFIXES:
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False
    if head.startswith((_SHAPEFILE_MAGIC, _SQLITE_MAGIC)):
        return True
    if head.startswith(_ZIP_MAGIC):
        return _zip_holds_boundaries(path)
    stripped = head.lstrip()
    return stripped.startswith(b"{") and any(t in stripped for t in _GEOJSON_TYPES)


def _zip_holds_boundaries(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return any(n.lower().endswith((".shp", ".gpkg", ".geojson")) for n in names)


def events_hint(names: Collection[str], reading: str) -> str | None:
    """What to use instead, when the header of a file read as ``reading`` ('acled', 'ucdp')
    is another known layout."""
    have = set(names)
    if have >= COUNTS_COLUMNS:
        return USE_COUNTS
    if reading == "acled" and have >= UCDP_COLUMNS:
        return USE_UCDP
    if reading == "ucdp" and (have >= ACLED_COLUMNS or "event_id_cnty" in have):
        return USE_ACLED
    return None


def counts_hint(names: Collection[str]) -> str | None:
    """What to use instead of the counts reader for a known events layout."""
    have = set(names)
    if have >= UCDP_COLUMNS:
        return "this is an events file (UCDP GED): use `forecast ingest events --format ucdp`"
    if have >= ACLED_COLUMNS or "event_id_cnty" in have:
        return "this is an events file (ACLED export): use `forecast ingest events`"
    return None
