"""Troop deployments and partner-force presence: sites active over periods.

A site is active in every week from the week of its start date to the week of its end
date (end open = still there); a site without coordinates sits at its district's
centroid. Arrivals are marked in the start week, withdrawals in the end week (the week of
the last day present), so "weeks since withdrawal" is 0 in that week.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from features.catalogue import FeatureSpec, km_label
from features.config import FeatureConfig
from features.context import Context, Sites
from features.series import finite_or_nan, last_marked_week
from features.sphere import chord_for_km, km_from_chord

# Nearest locations kept per district, and the (weeks x districts x k) cells per chunk.
_K = 32
_CELLS = 8_000_000
_TIE_KM = 1e-6

DEPLOYMENTS = "deployments"
PARTNERS = "partners"


def deployment_specs(config: FeatureConfig) -> list[FeatureSpec]:
    near = km_label(config.near_km)
    r = f"{config.near_km:g} km"
    none = "null when no national base is present anywhere that week"
    return [
        FeatureSpec(
            "bases_in_district",
            DEPLOYMENTS,
            "national bases/garrisons present in the district",
            "current week",
            "deployments",
            "0 when none",
        ),
        FeatureSpec(
            f"bases_{near}",
            DEPLOYMENTS,
            f"national bases present within {r} of the centroid",
            "current week",
            "deployments",
            "0 when none",
        ),
        FeatureSpec(
            "base_nearest_km",
            DEPLOYMENTS,
            "km from the centroid to the nearest present national base",
            "current week",
            "deployments",
            none,
        ),
        FeatureSpec(
            "base_nearest_weeks_open",
            DEPLOYMENTS,
            "weeks since the nearest present base opened (equally near bases: the latest opened)",
            "all history",
            "deployments",
            none,
        ),
        FeatureSpec(
            f"base_weeks_since_opened_{near}",
            DEPLOYMENTS,
            f"weeks since a national base within {r} last opened (0 = this week)",
            "all history",
            "deployments",
            f"null until a base within {r} has opened",
        ),
        FeatureSpec(
            f"base_weeks_since_closed_{near}",
            DEPLOYMENTS,
            f"weeks since a national base within {r} last closed (0 = the week of its last day)",
            "all history",
            "deployments",
            f"null until a base within {r} has closed",
        ),
    ]


def partner_specs(config: FeatureConfig) -> list[FeatureSpec]:
    near = km_label(config.near_km)
    r = f"{config.near_km:g} km"
    out: list[FeatureSpec] = []
    for kind in config.partner_kinds:
        p = f"partner_{kind}"
        out += [
            FeatureSpec(
                f"{p}_in_district",
                PARTNERS,
                f"{kind} sites present in the district",
                "current week",
                "partner_presence",
                "0 when none",
            ),
            FeatureSpec(
                f"{p}_{near}",
                PARTNERS,
                f"{kind} sites present within {r} of the centroid",
                "current week",
                "partner_presence",
                "0 when none",
            ),
            FeatureSpec(
                f"{p}_nearest_km",
                PARTNERS,
                f"km from the centroid to the nearest present {kind} site",
                "current week",
                "partner_presence",
                f"null when no {kind} site is present anywhere that week",
            ),
            FeatureSpec(
                f"{p}_weeks_since_arrival_{near}",
                PARTNERS,
                f"weeks since a {kind} site within {r} last arrived (0 = this week)",
                "all history",
                "partner_presence",
                f"null until a {kind} site within {r} has arrived",
            ),
            FeatureSpec(
                f"{p}_weeks_since_withdrawal_{near}",
                PARTNERS,
                f"weeks since a {kind} site within {r} last withdrew (0 = week of its last day)",
                "all history",
                "partner_presence",
                f"null until a {kind} site within {r} has withdrawn",
            ),
        ]
    return out


def compute_deployments(ctx: Context) -> Iterator[tuple[str, np.ndarray]]:
    sites, weeks, near_km = ctx.deployments, ctx.axis.out_weeks, ctx.config.near_km
    in_district, near, pairs = _counts(sites, ctx.districts.xyz, weeks, near_km)
    yield "bases_in_district", in_district
    yield f"bases_{km_label(near_km)}", near
    km, opened = _nearest_active(sites, ctx.districts.xyz, weeks)
    yield "base_nearest_km", km
    yield "base_nearest_weeks_open", opened
    yield (
        f"base_weeks_since_opened_{km_label(near_km)}",
        _since(sites.start, pairs, weeks, ctx.districts.n),
    )
    yield (
        f"base_weeks_since_closed_{km_label(near_km)}",
        _since(sites.end, pairs, weeks, ctx.districts.n),
    )


def compute_partners(ctx: Context) -> Iterator[tuple[str, np.ndarray]]:
    weeks, near_km, n = ctx.axis.out_weeks, ctx.config.near_km, ctx.districts.n
    for code, kind in enumerate(ctx.config.partner_kinds):
        sites = ctx.partners.subset(ctx.partners.kind == code)
        in_district, near, pairs = _counts(sites, ctx.districts.xyz, weeks, near_km)
        p = f"partner_{kind}"
        yield f"{p}_in_district", in_district
        yield f"{p}_{km_label(near_km)}", near
        km, _ = _nearest_active(sites, ctx.districts.xyz, weeks)
        yield f"{p}_nearest_km", km
        yield f"{p}_weeks_since_arrival_{km_label(near_km)}", _since(sites.start, pairs, weeks, n)
        yield f"{p}_weeks_since_withdrawal_{km_label(near_km)}", _since(sites.end, pairs, weeks, n)


def _active(sites: Sites, weeks: np.ndarray) -> np.ndarray:
    """(weeks x sites) 1.0 where the site is present in the week."""
    w = weeks[:, None]
    return ((sites.start[None, :] <= w) & (w <= sites.end[None, :])).astype(np.float64)


def _counts(
    sites: Sites, district_xyz: np.ndarray, weeks: np.ndarray, near_km: float
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Sites present in each district and within ``near_km``; the (site, district) near pairs."""
    n = len(district_xyz)
    placed = sites.district >= 0
    membership = sparse.csr_matrix(
        (np.ones(int(placed.sum())), (np.flatnonzero(placed), sites.district[placed])),
        shape=(sites.n, n),
    )
    if sites.n:
        found = cKDTree(sites.xyz).sparse_distance_matrix(
            cKDTree(district_xyz), chord_for_km(near_km), output_type="ndarray"
        )
        site_idx, district_idx = found["i"].astype(np.int64), found["j"].astype(np.int64)
    else:
        site_idx = district_idx = np.empty(0, dtype=np.int64)
    within = sparse.csr_matrix(
        (np.ones(len(site_idx)), (site_idx, district_idx)), shape=(sites.n, n)
    )
    active = _active(sites, weeks)
    return active @ membership, active @ within, (site_idx, district_idx)


def _nearest_active(
    sites: Sites, district_xyz: np.ndarray, weeks: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """km to the nearest present site and weeks since it opened, per week and district.

    Sites sharing a location (often several at one district centroid) are one point,
    dated by the latest start among those present. Each district keeps its ``_K``
    nearest locations (one KD-tree query); a week's nearest present one is the first
    present in that list, found for all weeks and districts at once. Only when none of
    the ``_K`` is present but some site elsewhere is does a brute-force pass fill in.
    Equally near locations (within ``_TIE_KM``) resolve to the latest opening.
    """
    n_weeks, n_districts = len(weeks), len(district_xyz)
    km = np.full((n_weeks, n_districts), np.nan)
    age = np.full((n_weeks, n_districts), np.nan)
    if sites.n == 0:
        return km, age
    points, location = np.unique(sites.xyz, axis=0, return_inverse=True)
    location = location.ravel()
    latest = np.full((n_weeks, len(points)), -np.inf)  # latest start of a present site
    t_idx, s_idx = np.nonzero(_active(sites, weeks))
    np.maximum.at(latest, (t_idx, location[s_idx]), sites.start[s_idx].astype(np.float64))
    k = min(len(points), _K)
    chord, order = cKDTree(points).query(district_xyz, k=k)
    order = np.asarray(order).reshape(n_districts, k)
    dist = km_from_chord(np.asarray(chord).reshape(n_districts, k))
    step = max(1, _CELLS // (n_districts * k))
    for lo in range(0, n_weeks, step):  # chunks of weeks bound the (weeks, districts, k) arrays
        rows = slice(lo, lo + step)
        starts = latest[rows][:, order]  # (weeks, districts, k)
        present = np.isfinite(starts)
        found = present.any(axis=2)
        best = np.where(present, dist[None], np.inf).min(axis=2)
        tied = present & (dist[None] <= best[..., None] + _TIE_KM)
        km[rows] = np.where(found, best, np.nan)
        age[rows] = np.where(
            found, weeks[rows, None] - np.where(tied, starts, -np.inf).max(axis=2), np.nan
        )
    missing = np.isnan(km) & np.isfinite(latest).any(axis=1)[:, None]
    for t in np.unique(np.nonzero(missing)[0]):  # rare: only when k < number of locations
        here = np.flatnonzero(np.isfinite(latest[t]))
        need = np.flatnonzero(missing[t])
        d = km_from_chord(np.linalg.norm(district_xyz[need][:, None] - points[here][None], axis=2))
        best = d.min(axis=1)
        tied = d <= best[:, None] + _TIE_KM
        km[t, need] = best
        age[t, need] = weeks[t] - np.where(tied, latest[t, here][None], -np.inf).max(axis=1)
    return km, age


def _since(
    mark_weeks: np.ndarray, pairs: tuple[np.ndarray, np.ndarray], weeks: np.ndarray, n: int
) -> np.ndarray:
    """Weeks since the latest mark (start or end) of a site near each district."""
    site_idx, district_idx = pairs
    marked = mark_weeks[site_idx]
    finite = np.isfinite(marked)
    last = last_marked_week(district_idx[finite], marked[finite].astype(np.int64), weeks, n)
    return finite_or_nan(weeks[:, None] - last)
