"""Spread: violence around the district — neighbours, distance bands, nearest event, nation.

These let a model see violence approaching a district that has had none: a calm
district whose neighbours or 100 km ring turn violent, or whose nearest event creeps closer.

Distance features (bands, nearest event, cross-border bands) count every located event,
whatever its country and whether or not it was placed in a loaded district: Burkinabe
events count for a Malian cercle near the border even when Burkina Faso's districts are
not loaded. Neighbour features follow shared borders, so only loaded districts take part.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from features.bands import band_counts, weekly_nearest_km
from features.catalogue import FeatureSpec, km_label, weeks_label
from features.config import FeatureConfig
from features.context import Context, Districts
from features.series import Trailing, decayed, finite_or_nan, trailing_min

FAMILY = "spread"
ZERO = "0 when there were none"
PV = "political-violence events"


def specs(config: FeatureConfig) -> list[FeatureSpec]:
    out: list[FeatureSpec] = []
    nb = (
        "summed over the loaded districts sharing a border with this one (across countries "
        "too; events outside every loaded district count only in the distance features)"
    )
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
            f"number of neighbouring (loaded) districts with at least one of the {PV}",
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
                    f"{PV} of any country, placed or not, within {r:g} km of the centroid; "
                    f"points snapped to the {config.grid_deg:g}° grid",
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
                f"km from the centroid to the nearest of the {PV} of any country, placed or not "
                "(exact points; events without coordinates sit at their district centroid, "
                "unplaced ones without coordinates are left out)",
                weeks_label(w),
                "events",
                f"null when there was no such event anywhere in the last {w} weeks",
            )
        )
    for r in cross_border_radii(config):
        for w in config.spread_windows:
            out.append(
                FeatureSpec(
                    f"cross_border_events_pv_{km_label(r)}_{w}w",
                    FAMILY,
                    f"{PV} in another country than the district's, within {r:g} km of the "
                    "centroid, placed or not (a country whose districts are not loaded counts "
                    "too; the country is the event's district's, else the one the source "
                    "names; events of unknown country are left out); points snapped to the "
                    f"{config.grid_deg:g}° grid",
                    weeks_label(w),
                    "events, districts",
                    "0 when there were none (always for a district without a country)",
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
    cross = cross_border_bands(ctx)
    for r, counts in cross.items():
        band = Trailing(counts, axis.recent, axis.out)
        for w in config.spread_windows:
            yield f"cross_border_events_pv_{km_label(r)}_{w}w", band.sum(w)
    del cross
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


def cross_border_radii(config: FeatureConfig) -> tuple[float, ...]:
    """The distance bands from ``near_km`` up (100 and 200 km by default): a front across
    the border matters at the scale of a district's hinterland, not of its own area."""
    return tuple(r for r in config.radii_km if r >= config.near_km)


def cross_border_bands(ctx: Context) -> dict[float, np.ndarray]:
    """(weeks from axis.recent) x districts counts of political-violence events of another
    country than the district's, within each cross-border radius.

    Separate from the plain bands so the model can tell a front approaching from across
    the border from violence at home. One band pass per loaded country, over its own
    districts only, with the events of every other (or unloaded) country: the same work
    as one ordinary pass in all.
    """
    config, axis, recent, districts = ctx.config, ctx.axis, ctx.recent, ctx.districts
    radii = cross_border_radii(config)
    n_rows = axis.n - axis.recent
    out = {r: np.zeros((n_rows, districts.n), np.float32) for r in radii}
    if not radii:
        return out
    # An event placed in a district without a country is of unknown country, like -1.
    unknown = [-1, *(i for i, name in enumerate(districts.countries) if not name)]
    known = recent.pv & recent.located & ~np.isin(recent.country, unknown)
    known &= recent.row >= axis.recent
    for c, name in enumerate(districts.countries):
        members = np.flatnonzero(districts.country == c)
        foreign = known & (recent.country != c)
        if not name or members.size == 0 or not foreign.any():
            continue  # no country, no "other" country; or nothing foreign to count
        bands = band_counts(
            recent,
            {"foreign": foreign},
            {"foreign": radii},
            axis.recent,
            axis.n,
            _subset(districts, members),
            config.grid_deg,
        )["foreign"]
        for r in radii:
            out[r][:, members] = bands[r]
    return out


def _subset(districts: Districts, members: np.ndarray) -> Districts:
    return Districts(
        frame=districts.frame[members.tolist()],
        codes=[districts.codes[i] for i in members],
        lat=districts.lat[members],
        lon=districts.lon[members],
        xyz=districts.xyz[members],
        country=districts.country[members],
        countries=districts.countries,
    )
