"""Army activity read from incidents: where the national forces act and are attacked.

Mali, Niger and Burkina Faso publish no deployment table, so the national forces' activity
is read from the events naming them (see :mod:`features.matching` and the editable lists
``national_force_keywords`` / ``national_force_names`` in
:class:`~features.config.FeatureConfig`): around the district, how far away, how many of
the country's districts the army is active in at once (its stretch), where it or a
partner force was attacked, and where Russian forces were seen acting, which also covers
places the partner-presence timeline has no row for.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import sparse

from features.bands import band_counts, weekly_nearest_km
from features.catalogue import FeatureSpec, km_label, weeks_label
from features.config import FeatureConfig
from features.context import Context
from features.series import Trailing, finite_or_nan, trailing_min

FAMILY = "army"
ZERO = "0 when there were none"
ARMY = (
    "events with the national forces as an actor (state forces of the event's own country: "
    "army, gendarmerie, police; not pro-government militias nor partner forces; "
    "national_force_keywords in actor1, actor2, assoc_actors, national_force_names as a "
    "whole actor1/actor2)"
)
ATTACKED = (
    "attacks on army or partner positions: battles and remote violence whose actor2 (the side "
    "attacked; ACLED lists the side that acted first) is the national or a partner force and "
    "whose actor1 is neither"
)
RUSSIAN = (
    "events with Russian forces (Wagner, Africa Corps, Military Forces of Russia) as an actor; "
    "keywords matched in actor1, actor2, assoc_actors"
)


def russian_windows(config: FeatureConfig) -> tuple[int, ...]:
    """A presence proxy wants months: the spread windows without the shortest (12, 52)."""
    return config.spread_windows[1:] or config.spread_windows


def specs(config: FeatureConfig) -> list[FeatureSpec]:
    near = km_label(config.near_km)
    within = f"within {config.near_km:g} km of the centroid (points snapped to the grid)"
    out: list[FeatureSpec] = []

    def add(name: str, meaning: str, window: str, missing: str = ZERO) -> None:
        out.append(FeatureSpec(name, FAMILY, meaning, window, "events", missing))

    for group, meaning in (("events", ARMY), ("attacked", ATTACKED)):
        for w in config.spread_windows:
            add(f"army_{group}_{w}w", f"{meaning}; in the district", weeks_label(w))
        for w in config.spread_windows:
            add(f"army_{group}_{near}_{w}w", f"{meaning}; {within}", weeks_label(w))
    for w in config.nearest_windows:
        add(
            f"army_nearest_km_{w}w",
            "km from the centroid to the nearest event with the national forces as an actor "
            "(exact points; events without coordinates sit at their district centroid)",
            weeks_label(w),
            f"null when there was no such event anywhere in the last {w} weeks",
        )
    stretch = (
        "country's districts with at least one event with the national forces as an actor "
        "in them (placed events)"
    )
    for w in config.nearest_windows:
        add(
            f"army_districts_national_{w}w",
            f"number of the {stretch}: the army's stretch",
            weeks_label(w),
        )
    for w in config.nearest_windows:
        add(
            f"army_districts_share_{w}w",
            f"share (0-1) of the {stretch}",
            weeks_label(w),
        )
    for w in config.nearest_windows:
        add(
            f"army_attacked_national_{w}w",
            f"{ATTACKED}; in the district's country (placed events, and unplaced events naming it)",
            weeks_label(w),
        )
    for w in russian_windows(config):
        add(f"partner_force_russia_{near}_{w}w", f"{RUSSIAN}; {within}", weeks_label(w))
    add(
        f"partner_force_russia_weeks_since_{near}",
        f"weeks since the latest of the {RUSSIAN}, {within} (0 = this week)",
        "all history",
        f"null until such an event within {config.near_km:g} km",
    )
    return out


def compute(ctx: Context) -> Iterator[tuple[str, np.ndarray]]:
    config, axis, recent = ctx.config, ctx.axis, ctx.recent
    army = Trailing(
        ctx.weekly(recent, recent.groups["army"], row0=axis.recent), axis.recent, axis.out
    )
    yield from _counts(ctx, "events", "army", army)
    attacked = ctx.weekly(recent, recent.groups["army_attacked"], row0=axis.recent)
    yield from _counts(ctx, "attacked", "army_attacked", Trailing(attacked, axis.recent, axis.out))
    del attacked
    n_rows = axis.n - axis.recent
    nearest = weekly_nearest_km(
        recent, recent.groups["army"], axis.recent, n_rows, ctx.districts.xyz
    )
    for w in config.nearest_windows:
        yield (
            f"army_nearest_km_{w}w",
            finite_or_nan(trailing_min(nearest, axis.recent, axis.out, w)),
        )
    del nearest
    yield from _stretch(ctx, army)
    del army
    yield from _russian(ctx)


def _counts(
    ctx: Context, name: str, group: str, district: Trailing
) -> Iterator[tuple[str, np.ndarray]]:
    """One group's counts in the district, then within near_km (from the shared band pass)."""
    config, axis = ctx.config, ctx.axis
    for w in config.spread_windows:
        yield f"army_{name}_{w}w", district.sum(w)
    band = Trailing(ctx.bands.pop(group)[config.near_km], axis.recent, axis.out)
    for w in config.spread_windows:
        yield f"army_{name}_{km_label(config.near_km)}_{w}w", band.sum(w)


def _stretch(ctx: Context, in_district: Trailing) -> Iterator[tuple[str, np.ndarray]]:
    """Per country, how many of its districts saw the army, and attacks on it, nationally."""
    config, axis, recent, districts = ctx.config, ctx.axis, ctx.recent, ctx.districts
    n_countries = len(districts.countries)
    # (districts x countries) membership: active districts @ membership = active per country.
    membership = sparse.csr_matrix(
        (np.ones(districts.n), (np.arange(districts.n), districts.country)),
        shape=(districts.n, n_countries),
    )
    size = np.bincount(districts.country, minlength=n_countries)[districts.country]
    counts = {
        w: ((in_district.sum(w) > 0).astype(np.float64) @ membership)[:, districts.country]
        for w in config.nearest_windows
    }
    for w in config.nearest_windows:
        yield f"army_districts_national_{w}w", counts[w]
    for w in config.nearest_windows:
        yield f"army_districts_share_{w}w", counts[w] / size
    del counts
    national = Trailing(
        ctx.weekly_national(recent, recent.groups["army_attacked"], row0=axis.recent),
        axis.recent,
        axis.out,
    )
    for w in config.nearest_windows:
        yield f"army_attacked_national_{w}w", national.sum(w)[:, districts.country]


def _russian(ctx: Context) -> Iterator[tuple[str, np.ndarray]]:
    config, axis = ctx.config, ctx.axis
    near = km_label(config.near_km)
    weekly = ctx.bands.pop("russian_force")[config.near_km]
    band = Trailing(weekly, axis.recent, axis.out)
    for w in russian_windows(config):
        yield f"partner_force_russia_{near}_{w}w", band.sum(w)
    del band
    # Weeks since: the latest recent row with such an event, else the latest older one.
    rows = np.arange(axis.recent, axis.n, dtype=np.float64)[:, None]
    last = np.where(weekly > 0, rows, -np.inf)
    last[0] = np.maximum(last[0], _early_last_row(ctx))
    np.maximum.accumulate(last, axis=0, out=last)
    yield (
        f"partner_force_russia_weeks_since_{near}",
        finite_or_nan(rows - last)[axis.out - axis.recent :],
    )


def _early_last_row(ctx: Context) -> np.ndarray:
    """Per district, the last axis row before the recent ones with a Russian-force event
    within near_km (-inf when none).

    Counted by the same band pass as the recent rows (snapped points, the same distance
    test), so a build that starts late gives the values of one that saw every week.
    """
    config, axis, districts = ctx.config, ctx.axis, ctx.districts
    early = ctx.early.get("russian_force")
    if early is None or len(early.row) == 0:
        return np.full(districts.n, -np.inf)
    everything = {"r": np.ones(len(early.row), dtype=bool)}
    counts = band_counts(
        early, everything, {"r": (config.near_km,)}, 0, axis.recent, districts, config.grid_deg
    )["r"][config.near_km]
    seen = counts > 0
    last = axis.recent - 1 - np.argmax(seen[::-1], axis=0)
    return np.where(seen.any(axis=0), last, -np.inf)
