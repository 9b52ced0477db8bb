"""Country outlines drawn as grey context around the bulletin map's districts.

``data/map/countries.geojson`` holds Natural Earth's 1:110m admin-0 outlines (public
domain) of the Sahel, West and Central African countries, with an English and a French
name and a source per feature (``data/map/SOURCE.md``). At 1:110m a border is good to a
few kilometres: context for a reader, never used to place anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Final

import shapely

from forecast.bulletin.towns import map_data_file

COUNTRIES_FILE: Final = "countries.geojson"


@dataclass(frozen=True)
class Country:
    iso3: str
    names: dict[str, str]  # language code -> name shown on the map
    geometry: shapely.Geometry

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["en"]


@cache
def countries() -> tuple[Country, ...]:
    """Every shipped outline (empty when the file is missing: the map is drawn without)."""
    path = map_data_file(COUNTRIES_FILE)
    if path is None:
        return ()
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return tuple(
        Country(
            iso3=feature["properties"]["iso3"],
            names={
                key.removeprefix("name_"): value
                for key, value in feature["properties"].items()
                if key.startswith("name_")
            },
            geometry=shapely.geometry.shape(feature["geometry"]),
        )
        for feature in features
    )


def neighbours(
    shown: list[str], extent: tuple[float, float, float, float]
) -> list[tuple[Country, shapely.Geometry]]:
    """The countries not in ``shown`` that reach into ``extent`` (lon0, lat0, lon1, lat1),
    each with its outline clipped to the extent."""
    view = shapely.box(*extent)
    picked = []
    for country in countries():
        if country.iso3 in shown or not country.geometry.intersects(view):
            continue
        clipped = shapely.intersection(country.geometry, view)
        if not clipped.is_empty and clipped.area > 0:
            picked.append((country, clipped))
    return picked
