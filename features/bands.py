"""Point-level spatial sums: events within r km of each centroid, nearest event per week.

Distance bands: event points are snapped to a regular grid (``FeatureConfig.grid_deg``);
for a chunk of districts the occupied cells inside the largest radius are found row by
row with binary searches in the sorted cell keys (no KD-tree, no empty cells visited),
sorted into annuli (0-50, 50-100, 100-200 km), and one sparse product per annulus,
(districts x cells) @ (cells x weeks), gives the weekly counts; cumulative sums over the
annuli give the disks. Work is about (events x districts within the largest radius); no
dense district x district or week x cell array is ever made. Longitudes are not wrapped
at ±180°, which the Sahel never needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from features.sphere import EARTH_RADIUS_KM, nearest, unit_vectors

if TYPE_CHECKING:
    from features.context import Districts, Events

# Districts per chunk; bounds the candidate (district, cell) arrays to a few million.
_CHUNK = 500


def band_counts(
    events: Events,
    masks: dict[str, np.ndarray],
    radii: dict[str, tuple[float, ...]],
    row0: int,
    n: int,
    districts: Districts,
    grid_deg: float,
) -> dict[str, dict[float, np.ndarray]]:
    """For each named event mask and its radii: (weeks ``row0..n-1``) x districts counts.

    An event counts for a district when its snapped point lies within r km (inclusive)
    of the centroid. Counts are exact integers in float32.
    """
    n_rows, n_districts = n - row0, len(districts.lat)
    out = {q: {r: np.zeros((n_rows, n_districts), np.float32) for r in radii[q]} for q in masks}
    keep = events.located & (events.row >= row0)
    if not keep.any():
        return out
    ilat = np.round(events.lat[keep] / grid_deg).astype(np.int64)
    ilon = np.round(events.lon[keep] / grid_deg).astype(np.int64)
    grid = _Grid(ilat, ilon)
    cell_lat, cell_lon = grid.centres(grid_deg)
    cell_xyz = unit_vectors(cell_lat, cell_lon)
    # (cells x weeks) counts per mask: CSR by cell, so a district's cells pick rows.
    by_cell = {
        q: sparse.csr_matrix(
            (np.ones(int(m[keep].sum())), (grid.cell[m[keep]], events.row[keep][m[keep]] - row0)),
            shape=(grid.n_cells, n_rows),
        )
        for q, m in masks.items()
    }
    edges = sorted({r for rs in radii.values() for r in rs})
    # Within r km <=> the unit vectors' dot product >= cos(r / R); one component at a time
    # keeps the per-pair work to a few flat gathers.
    neg_cos = -np.cos(np.array(edges) / EARTH_RADIUS_KM)
    cell_axes = [np.ascontiguousarray(cell_xyz[:, k]) for k in range(3)]
    district_axes = [np.ascontiguousarray(districts.xyz[:, k]) for k in range(3)]
    for lo in range(0, n_districts, _CHUNK):
        idx = np.arange(lo, min(lo + _CHUNK, n_districts))
        d_local, cell = grid.candidates(districts.lat[idx], districts.lon[idx], edges[-1], grid_deg)
        dot = cell_axes[0][cell] * district_axes[0][d_local + lo]
        dot += cell_axes[1][cell] * district_axes[1][d_local + lo]
        dot += cell_axes[2][cell] * district_axes[2][d_local + lo]
        annulus = np.searchsorted(neg_cos, -dot, side="left")  # first edge reaching the cell
        inside = annulus < len(edges)
        d_local, cell, annulus = d_local[inside], cell[inside], annulus[inside]
        rings = [
            sparse.csr_matrix(
                (np.ones(int((annulus == k).sum())), (d_local[annulus == k], cell[annulus == k])),
                shape=(len(idx), grid.n_cells),
            )
            for k in range(len(edges))
        ]
        for q, counts in by_cell.items():
            running = np.zeros((len(idx), n_rows))
            for k, r in enumerate(edges):
                if r > max(radii[q]):
                    break
                running += (rings[k] @ counts).toarray()
                if r in out[q]:
                    out[q][r][:, idx] = running.T
    return out


class _Grid:
    """Occupied grid cells as sorted row-major keys; cell id = position in that order."""

    def __init__(self, ilat: np.ndarray, ilon: np.ndarray) -> None:
        self.i0, self.j0 = int(ilat.min()), int(ilon.min())
        self.height = int(ilat.max()) - self.i0 + 1
        self.width = int(ilon.max()) - self.j0 + 1
        keys = (ilat - self.i0) * self.width + (ilon - self.j0)
        self.keys, cell = np.unique(keys, return_inverse=True)
        self.cell = cell.ravel()
        self.n_cells = len(self.keys)

    def centres(self, grid_deg: float) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = np.divmod(self.keys, self.width)
        return (rows + self.i0) * grid_deg, (cols + self.j0) * grid_deg

    def candidates(
        self, lat: np.ndarray, lon: np.ndarray, radius_km: float, grid_deg: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """(district position, cell id) of occupied cells whose centre may lie within reach.

        Per grid row crossing the circle, the longitudes within reach form one interval
        (spherical law of cosines), so the occupied cells are one run of sorted keys:
        two binary searches per (district, row) and no enumeration of empty cells. A
        margin of one cell absorbs rounding; callers test the exact distance.
        """
        delta = radius_km / EARTH_RADIUS_KM
        n_i = int(np.ceil(2 * np.degrees(delta) / grid_deg)) + 3
        first_row = np.floor((lat - np.degrees(delta)) / grid_deg).astype(np.int64) - 1
        rows = first_row[:, None] + np.arange(n_i)[None, :]  # absolute grid rows
        phi_r = np.radians(rows * grid_deg)
        phi_d = np.radians(lat)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            q = (np.cos(delta) - np.sin(phi_d) * np.sin(phi_r)) / (np.cos(phi_d) * np.cos(phi_r))
        reach = np.degrees(np.arccos(np.clip(q, -1.0, 1.0))) + grid_deg
        j_lo = np.maximum(np.floor((lon[:, None] - reach) / grid_deg).astype(np.int64) - self.j0, 0)
        j_hi = np.minimum(
            np.ceil((lon[:, None] + reach) / grid_deg).astype(np.int64) - self.j0, self.width - 1
        )
        local = rows - self.i0
        valid = (q <= 1.0 + 1e-12) & (local >= 0) & (local < self.height) & (j_lo <= j_hi)
        start = np.searchsorted(self.keys, local * self.width + j_lo, side="left")
        stop = np.searchsorted(self.keys, local * self.width + j_hi, side="right")
        counts = np.where(valid, stop - start, 0).ravel()
        total = int(counts.sum())
        d_local = np.repeat(np.repeat(np.arange(len(lat)), n_i), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        cell = np.repeat(start.ravel(), counts) + offsets
        return d_local, cell


def weekly_nearest_km(
    events: Events, mask: np.ndarray, row0: int, n_rows: int, district_xyz: np.ndarray
) -> np.ndarray:
    """(n_rows x districts) km from each centroid to the nearest masked event of that week.

    Exact (no grid); inf in weeks without such an event. One KD-tree per week with
    events: a loop over weeks whose body is vectorised over all districts.
    """
    out = np.full((n_rows, len(district_xyz)), np.inf)
    keep = mask & events.located & (events.row >= row0)
    rows = events.row[keep] - row0
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    points = unit_vectors(events.lat[keep][order], events.lon[keep][order])
    weeks, starts = np.unique(rows, return_index=True)
    ends = np.append(starts[1:], len(rows))[: len(starts)]
    for week, a, b in zip(weeks, starts, ends, strict=True):
        out[week], _ = nearest(points[a:b], district_xyz)
    return out
