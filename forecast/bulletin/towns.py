"""Main towns drawn on the bulletin map and the map page, per country, most important first.

The list is data, ``data/map/towns.csv``: the national capital, the seat of every
admin-1 unit (Mali's and Niger's regions, Burkina Faso's 13 regions, the Central African
Republic's prefectures) and a few towns the violence made known, each with its GeoNames
id and a source (``data/map/SOURCE.md``). The order within a country is the labelling
priority: when labels would overlap, the later town loses its label (its dot stays).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import structlog

log = structlog.get_logger(__name__)

# Beside the package in a source checkout, under /opt/forecast/data in the image (the
# Dockerfile copies data/ there), as for the gazetteer tables.
MAP_DATA_FOLDERS: Final = (
    Path(__file__).resolve().parents[2] / "data" / "map",
    Path("/opt/forecast/data/map"),
)
TOWNS_FILE: Final = "towns.csv"
KINDS: Final = ("capital", "admin1", "town")
COLUMNS: Final = ("country", "name", "kind", "admin1", "lat", "lon", "source")


class TownsFileError(ValueError):
    """A row of the towns file that cannot be used: names the file, row and field."""


@dataclass(frozen=True)
class Town:
    name: str
    lat: float
    lon: float
    capital: bool = False
    kind: str = "town"  # capital, admin1 (seat of an admin-1 unit) or town
    admin1: str | None = None

    @property
    def rank(self) -> int:
        """0 for the capital, 1 for an admin-1 seat, 2 for other towns: the label priority."""
        return KINDS.index(self.kind) if self.kind in KINDS else len(KINDS)


def map_data_file(name: str) -> Path | None:
    """The first shipped copy of a map data file, or None."""
    return next((folder / name for folder in MAP_DATA_FOLDERS if (folder / name).is_file()), None)


def _number(path: Path, row: int, field: str, text: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise TownsFileError(f"{path}: row {row}: {field}: not a number: {text!r}") from None
    if not low <= value <= high:
        raise TownsFileError(f"{path}: row {row}: {field}: {value} outside [{low}, {high}]")
    return value


def _town(path: Path, row: int, record: dict[str, str]) -> Town:
    for field in COLUMNS:
        if not (record.get(field) or "").strip():
            raise TownsFileError(f"{path}: row {row}: {field}: empty")
    kind = record["kind"].strip()
    if kind not in KINDS:
        raise TownsFileError(f"{path}: row {row}: kind: {kind!r} is not one of {', '.join(KINDS)}")
    return Town(
        name=record["name"].strip(),
        lat=_number(path, row, "lat", record["lat"], -90, 90),
        lon=_number(path, row, "lon", record["lon"], -180, 180),
        capital=kind == "capital",
        kind=kind,
        admin1=record["admin1"].strip(),
    )


def read_towns(path: Path) -> dict[str, tuple[Town, ...]]:
    """The towns file as {ISO3 country: towns in file order}; a bad row raises with its number."""
    towns: dict[str, list[Town]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise TownsFileError(f"{path}: header: missing column(s) {', '.join(missing)}")
        # Row numbers count the header as row 1, as a spreadsheet shows them.
        for row, record in enumerate(reader, start=2):
            town = _town(path, row, record)
            towns.setdefault(record["country"].strip().upper(), []).append(town)
    return {country: tuple(listed) for country, listed in towns.items()}


def _shipped_towns() -> dict[str, tuple[Town, ...]]:
    path = map_data_file(TOWNS_FILE)
    if path is None:
        # A map without towns is still a map; the legend then leaves the entry out.
        log.warning("towns_file_missing", looked_in=[str(f) for f in MAP_DATA_FOLDERS])
        return {}
    return read_towns(path)


TOWNS: Final[dict[str, tuple[Town, ...]]] = _shipped_towns()


def towns_for(countries: list[str]) -> list[Town]:
    """The towns of the given ISO3 countries: capitals, then admin-1 seats, then the rest,
    each group in listed order."""
    picked = [town for code in countries for town in TOWNS.get(code, ())]
    return sorted(picked, key=lambda town: town.rank)
