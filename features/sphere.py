"""Distances on the sphere: points as 3-D unit vectors so that KD-trees give great circles.

The chord between two unit vectors is monotone in the great-circle distance, so a
Euclidean KD-tree (scipy's cKDTree) over unit vectors finds the nearest point on the
globe exactly; converting the chord back gives kilometres.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088
_PARALLEL_QUERIES = 2000


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """(n, 3) unit vectors for latitudes and longitudes in degrees."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.column_stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)])


def chord_for_km(km: float) -> float:
    """The chord length (unit sphere) of a great-circle distance in km."""
    return 2.0 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2.0)


def km_from_chord(chord: np.ndarray) -> np.ndarray:
    """Great-circle km of chord lengths; infinite chords stay infinite."""
    chord = np.asarray(chord, dtype=np.float64)
    out = np.full(chord.shape, np.inf)
    finite = np.isfinite(chord)
    out[finite] = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord[finite] / 2.0, 1.0))
    return out


def km_between(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance (km) between paired points."""
    a = unit_vectors(lat1, lon1)
    b = unit_vectors(lat2, lon2)
    return km_from_chord(np.linalg.norm(a - b, axis=1))


def nearest(points: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance (km) and index of the nearest of ``points`` for each query unit vector."""
    if len(points) == 0:
        return np.full(len(queries), np.inf), np.full(len(queries), -1, dtype=np.int64)
    # Threads pay off only for many queries; small ones would spend more time starting them.
    workers = -1 if len(queries) >= _PARALLEL_QUERIES else 1
    chord, index = cKDTree(points).query(queries, k=1, workers=workers)
    return km_from_chord(chord), np.asarray(index, dtype=np.int64)
