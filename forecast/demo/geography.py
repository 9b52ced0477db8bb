"""Polygons, distances and points of the demo world, from the hand-written gazetteer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from forecast.demo.gazetteer import CERCLES, OUTLINE, PLACES, REGIONS

KM_PER_DEGREE = 111.2
_GRID = 1e-5  # coordinates are snapped to this grid (about a metre) so files are stable
_NUDGE = 0.05  # degrees a generator outside the outline is moved inside past the border


@dataclass(frozen=True)
class Geography:
    """The districts (in gazetteer order) and the places located in them."""

    codes: np.ndarray  # P-codes
    names: np.ndarray  # OCHA names (accents kept)
    region_codes: np.ndarray  # admin-1 P-codes
    region_names: np.ndarray  # admin-1 names, OCHA spelling
    polygons: np.ndarray  # shapely Polygons, one per district
    lat: np.ndarray  # generator (centroid) of each district, inside its polygon
    lon: np.ndarray
    distance_km: np.ndarray  # centroid-to-centroid great-circle distances, D x D
    place_names: np.ndarray
    place_kinds: np.ndarray
    place_lat: np.ndarray
    place_lon: np.ndarray
    place_district: np.ndarray  # index of the district holding each place

    @property
    def size(self) -> int:
        return len(self.codes)

    def proximity(self, lat: np.ndarray, lon: np.ndarray, reach_km: float) -> np.ndarray:
        """exp(-distance/reach) from each point to each district (1 inside): points x districts."""
        return np.exp(-distance_to_polygons_km(lat, lon, self.polygons) / reach_km)


def outline() -> shapely.Polygon:
    """Mali's approximate outline (lon/lat)."""
    return shapely.Polygon(OUTLINE)


def build_geography() -> Geography:
    """Districts as Voronoi cells of their generators, clipped to the outline, and the places."""
    shape = outline()
    lat = np.array([c.lat for c in CERCLES])
    lon = np.array([c.lon for c in CERCLES])
    lon, lat = nudge_inside(lon, lat, shape)
    polygons = district_polygons(lon, lat, shape)
    plon, plat = nudge_inside(
        np.array([p.lon for p in PLACES]), np.array([p.lat for p in PLACES]), shape
    )
    region_name = {r.pcode: r.name for r in REGIONS}
    return Geography(
        codes=np.array([c.code for c in CERCLES]),
        names=np.array([c.name for c in CERCLES]),
        region_codes=np.array([c.region for c in CERCLES]),
        region_names=np.array([region_name[c.region] for c in CERCLES]),
        polygons=polygons,
        lat=lat,
        lon=lon,
        distance_km=haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]),
        place_names=np.array([p.name for p in PLACES]),
        place_kinds=np.array([p.kind for p in PLACES]),
        place_lat=plat,
        place_lon=plon,
        place_district=locate(plat, plon, polygons),
    )


def nudge_inside(
    lon: np.ndarray, lat: np.ndarray, shape: shapely.Polygon
) -> tuple[np.ndarray, np.ndarray]:
    """Move points outside ``shape`` to just inside its border, towards its interior."""
    points = shapely.points(lon, lat)
    outside = ~shapely.contains(shape, points)
    if not outside.any():
        return lon, lat
    border = shapely.get_coordinates(
        shapely.shortest_line(shape.exterior, points[outside])
    ).reshape(-1, 2, 2)[:, 0]
    inner = shapely.get_coordinates(shape.representative_point())[0]
    step = inner - border
    step = step / np.linalg.norm(step, axis=1, keepdims=True) * _NUDGE
    lon, lat = lon.copy(), lat.copy()
    lon[outside] = border[:, 0] + step[:, 0]
    lat[outside] = border[:, 1] + step[:, 1]
    return lon, lat


def district_polygons(lon: np.ndarray, lat: np.ndarray, shape: shapely.Polygon) -> np.ndarray:
    """One polygon per cercle: the union of its generators' Voronoi cells, clipped to ``shape``.

    Extra generators (Cercle.extra) let a large cercle wrap around a small one.
    """
    owner = np.concatenate(
        [np.arange(len(CERCLES))]
        + [np.full(len(c.extra), i) for i, c in enumerate(CERCLES) if c.extra]
    )
    extra = np.array([pt for c in CERCLES for pt in c.extra], dtype=float).reshape(-1, 2)
    ex_lon, ex_lat = nudge_inside(extra[:, 1], extra[:, 0], shape)
    seeds = shapely.multipoints(
        np.column_stack([np.concatenate([lon, ex_lon]), np.concatenate([lat, ex_lat])])
    )
    cells = shapely.get_parts(
        shapely.voronoi_polygons(seeds, extend_to=shape.envelope.buffer(5), ordered=True)
    )
    clipped = shapely.intersection(cells, shape)
    merged = np.array(
        [shapely.union_all(clipped[owner == i]) for i in range(len(CERCLES))], dtype=object
    )
    snapped = shapely.set_precision(merged, _GRID)
    return shapely.orient_polygons(shapely.normalize(snapped))


def locate(lat: np.ndarray, lon: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Index of the polygon holding each point; the nearest one for points on no polygon."""
    inside = shapely.contains_xy(polygons[None, :], lon[:, None], lat[:, None])
    nearest = np.argmin(distance_to_polygons_km(lat, lon, polygons), axis=1)
    return np.where(inside.any(axis=1), np.argmax(inside, axis=1), nearest)


def distance_to_polygons_km(lat: np.ndarray, lon: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Approximate distance (km) from each point to each polygon, 0 inside: points x polygons.

    Degrees are scaled by the cosine of the latitude along longitude; good to a few per cent
    across Mali's span of latitudes.
    """
    scale = np.cos(np.radians(15.0))
    squeezed = shapely.transform(polygons, lambda xy: xy * np.array([scale, 1.0]))
    points = shapely.points(np.asarray(lon) * scale, np.asarray(lat))
    return shapely.distance(points[:, None], squeezed[None, :]) * KM_PER_DEGREE


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray):
    """Great-circle distance in km (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def sample_points(
    rng: np.random.Generator, polygons: np.ndarray, district: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One uniform random point inside ``polygons[district[i]]`` for each i (lat, lon)."""
    lat = np.full(len(district), np.nan)
    lon = np.full(len(district), np.nan)
    bounds = shapely.bounds(polygons)[district]
    todo = np.arange(len(district))
    while todo.size:
        b = bounds[todo]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        hit = shapely.contains_xy(polygons[district[todo]], x, y)
        lon[todo[hit]], lat[todo[hit]] = x[hit], y[hit]
        todo = todo[~hit]
    return lat, lon
