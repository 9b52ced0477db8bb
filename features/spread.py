"""Spread: violence around the district — neighbours, distance bands, nearest event, nation.

These let a model see violence approaching a district that has had none: a calm
district whose neighbours or 100 km ring turn violent, or whose nearest event creeps closer.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from features.bands import weekly_nearest_km
from features.catalogue import FeatureSpec, km_label, weeks_label
from features.config import FeatureConfig
from features.context import Context
from features.series import Trailing, decayed, finite_or_nan, trailing_min

FAMILY = "spread"
ZERO = "0 when there were none"
PV = "political-violence events"


def specs(config: FeatureConfig) -> list[FeatureSpec]:
    out: list[FeatureSpec] = []
    nb = "summed over the districts sharing a border with this one"
    for w in config.spread_windows:
        out.append(
            FeatureSpec(
                f"nb_events_pv_{w}w",
                FAMILY,
                f"{PV} {nb}",
                weeks_label(w),
                "events, districts",
                ZERO,
            )
        )
    for w in config.spread_windows:
        out.append(
            FeatureSpec(
                f"nb_fatalities_{w}w",
                FAMILY,
                f"deaths {nb}",
                weeks_label(w),
                "events, districts",
                ZERO,
            )
        )
    for h in config.half_lives:
        out.append(
            FeatureSpec(
                f"nb_events_pv_hl{h:g}",
                FAMILY,
                f"decayed {PV} {nb}",
                f"all history, half-life {h:g} weeks",
                "events, districts",
                ZERO,
            )
        )
    w0 = config.spread_windows[0]
    out.append(
        FeatureSpec(
            f"nb_with_events_{w0}w",
            FAMILY,
            f"number of neighbouring districts with at least one of the {PV}",
            weeks_label(w0),
            "events, districts",
            "0 when there were none (or no neighbours)",
        )
    )
    for r in config.radii_km:
        for w in config.spread_windows:
            out.append(
                FeatureSpec(
                    f"events_pv_{km_label(r)}_{w}w",
                    FAMILY,
                    f"{PV} (placed or not) within {r:g} km of the centroid; points snapped to the "
                    f"{config.grid_deg:g}° grid",
                    weeks_label(w),
                    "events",
                    ZERO,
                )
            )
    for w in config.nearest_windows:
        out.append(
            FeatureSpec(
                f"nearest_event_km_{w}w",
                FAMILY,
                f"km from the centroid to the nearest of the {PV} (exact points; events without "
                "coordinates sit at their district centroid)",
                weeks_label(w),
                "events",
                f"null when there was no such event anywhere in the last {w} weeks",
            )
        )
    national = "in the district's country (placed events, and unplaced events naming it)"
    for w in config.spread_windows:
        out.append(
            FeatureSpec(
                f"national_events_pv_{w}w",
                FAMILY,
                f"{PV} {national}",
                weeks_label(w),
                "events",
                ZERO,
            )
        )
    for w in config.spread_windows:
        out.append(
            FeatureSpec(
                f"national_fatalities_{w}w",
                FAMILY,
                f"deaths {national}",
                weeks_label(w),
                "events",
                ZERO,
            )
        )
    return out


def compute(ctx: Context) -> Iterator[tuple[str, np.ndarray]]:
    config, axis, recent = ctx.config, ctx.axis, ctx.recent
    adjacency = ctx.neighbours
    everything = np.ones(len(recent.row), dtype=bool)
    pv = ctx.weekly(recent, recent.pv, row0=axis.recent)
    fatalities = ctx.weekly(recent, everything, recent.fatalities, row0=axis.recent)
    nb_pv = Trailing(pv @ adjacency, axis.recent, axis.out)
    for w in config.spread_windows:
        yield f"nb_events_pv_{w}w", nb_pv.sum(w)
    nb_fatalities = Trailing(fatalities @ adjacency, axis.recent, axis.out)
    for w in config.spread_windows:
        yield f"nb_fatalities_{w}w", nb_fatalities.sum(w)
    pv_all = ctx.pv_all()
    for h in config.half_lives:
        yield f"nb_events_pv_hl{h:g}", decayed(pv_all, h)[axis.out :] @ adjacency
    del pv_all
    w0 = config.spread_windows[0]
    active = (Trailing(pv, axis.recent, axis.out).sum(w0) > 0).astype(np.float64)
    yield f"nb_with_events_{w0}w", active @ adjacency
    n_rows = axis.n - axis.recent
    bands = ctx.bands.pop("pv")
    for r in config.radii_km:
        band = Trailing(bands[r], axis.recent, axis.out)
        for w in config.spread_windows:
            yield f"events_pv_{km_label(r)}_{w}w", band.sum(w)
    nearest = weekly_nearest_km(recent, recent.pv, axis.recent, n_rows, ctx.districts.xyz)
    for w in config.nearest_windows:
        yield (
            f"nearest_event_km_{w}w",
            finite_or_nan(trailing_min(nearest, axis.recent, axis.out, w)),
        )
    del nearest
    country = ctx.districts.country
    national_pv = Trailing(
        ctx.weekly_national(recent, recent.pv, row0=axis.recent), axis.recent, axis.out
    )
    for w in config.spread_windows:
        yield f"national_events_pv_{w}w", national_pv.sum(w)[:, country]
    national_fatalities = Trailing(
        ctx.weekly_national(recent, everything, recent.fatalities, row0=axis.recent),
        axis.recent,
        axis.out,
    )
    for w in config.spread_windows:
        yield f"national_fatalities_{w}w", national_fatalities.sum(w)[:, country]
