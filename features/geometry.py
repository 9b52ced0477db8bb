"""District geometry computed once per build: neighbours, country outlines, border distance.

Polygons are planar in degrees for the topology (which districts share a border, which
touch the outline); distances are great-circle kilometres via :mod:`features.sphere`.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import shapely
from scipy import sparse

from features.sphere import km_between, nearest, unit_vectors

# Outline vertices are densified to this spacing (degrees, ~1 km) so that the distance
# to the nearest vertex is the distance to the line within about half a kilometre.
OUTLINE_STEP_DEG = 0.01


def polygons(wkb: pl.Series) -> np.ndarray:
    """Shapely geometries from a WKB column; None where the district has no polygon."""
    values = np.array(wkb.to_list(), dtype=object)
    geoms = np.full(len(values), None, dtype=object)
    present = np.array([v is not None for v in values], dtype=bool)
    if present.any():
        geoms[present] = shapely.from_wkb(values[present])
    return geoms


def neighbour_matrix(geoms: np.ndarray, tolerance_deg: float) -> sparse.csr_matrix:
    """Symmetric 0/1 matrix of districts whose polygons touch (within the tolerance).

    Corner contact counts (queen contiguity). Districts without a polygon have no
    neighbours by border; the distance-band features cover them.
    """
    n = len(geoms)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance_deg)
    keep = left != right
    data = np.ones(int(keep.sum()), dtype=np.float64)
    matrix = sparse.csr_matrix((data, (left[keep], right[keep])), shape=(n, n))
    matrix.data[:] = 1.0  # duplicates (none expected) stay 0/1
    return matrix


def outline_vertices(geoms: np.ndarray) -> np.ndarray:
    """(lat, lon) points along the outer boundary of the union of the polygons."""
    present = [g for g in geoms if g is not None]
    if not present:
        return np.empty((0, 2))
    union = shapely.union_all(present)
    # Exterior rings only: holes of the union are gaps between districts, not borders.
    parts = shapely.get_parts(union)
    rings = shapely.get_exterior_ring(parts[shapely.get_type_id(parts) == 3])
    dense = shapely.segmentize(rings, OUTLINE_STEP_DEG)
    coords = shapely.get_coordinates(dense)
    return coords[:, ::-1]


def border_features(
    geoms: np.ndarray,
    country: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    tolerance_deg: float,
    border_km: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per district: border flag (1/0) and km from the centroid to its country's outline.

    The outline is the outer boundary of the union of the country's district polygons. A
    district with a polygon is a border district when the polygon touches the outline; one
    without when its centroid lies within ``border_km``. Both are NaN for a country with
    no polygons at all.
    """
    flag = np.full(len(geoms), np.nan)
    distance = np.full(len(geoms), np.nan)
    xyz = unit_vectors(lat, lon)
    for c in np.unique(country):  # one union per country, a handful of iterations
        members = np.flatnonzero(country == c)
        vertices = outline_vertices(geoms[members])
        if len(vertices) == 0:
            continue
        km, _ = nearest(unit_vectors(vertices[:, 0], vertices[:, 1]), xyz[members])
        distance[members] = km
        flag[members] = (km <= border_km).astype(np.float64)
        with_polygon = members[np.array([geoms[i] is not None for i in members], dtype=bool)]
        if len(with_polygon):
            # The outline's vertices include every vertex of the union, so a polygon
            # touching the outline (even at one corner) lies within tolerance of one.
            tree = shapely.STRtree(geoms[with_polygon])
            points = shapely.points(vertices[:, 1], vertices[:, 0])
            _, hit = tree.query(points, predicate="dwithin", distance=tolerance_deg)
            flag[with_polygon] = 0.0
            flag[with_polygon[np.unique(hit)]] = 1.0
    return flag, distance


def capital_km(
    country_names: list[str],
    country: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    capitals: dict[str, tuple[float, float]],
) -> np.ndarray:
    """Great-circle km from each centroid to its country's capital; NaN when unknown."""
    cap = np.array([capitals.get(name, (np.nan, np.nan)) for name in country_names]).reshape(-1, 2)
    cap_lat = cap[country, 0]
    cap_lon = cap[country, 1]
    known = ~np.isnan(cap_lat)
    out = np.full(len(lat), np.nan)
    out[known] = km_between(lat[known], lon[known], cap_lat[known], cap_lon[known])
    return out
