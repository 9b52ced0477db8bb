"""The district x month panel: what a monthly forecast can know from counts.

    panel = build_monthly_panel(tables)      # one row per district per calendar month
    specs = monthly_catalogue()               # one FeatureSpec per feature column

The monthly cadence exists for teams that have ACLED's public admin-2 monthly counts and not
the events (docs/FEATURES.md, "The monthly panel"). Its history and spread families are
computed from :func:`features.monthly_counts.monthly_counts` (events inside their span,
counts elsewhere), so a month reads the same whichever table said it; partner presence and
deployments are the weekly computations (``features.presence``) run on a month axis;
static attributes are the weekly ones; the calendar is the month of the year.

Families that need event points or actors (actors, army, the nearest event, cross-border
bands, counts per event type) are **absent**: counts have no points, actors or types, and
values available before 2021 only would teach the model a world that then disappears.
:data:`ABSENT` says so for each; ``forecast features describe --cadence month`` prints it.

Row t (the month starting on the 1st of month t) uses only what is dated up to the last day
of month t: counts by their month, events by their date, sites by their start date.
Records dated after the panel's last month are dropped before anything is computed.
Windows include month t (``_3m`` is months t-2 .. t).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from itertools import chain

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator
from scipy import sparse
from scipy.spatial import cKDTree

from features import geometry, presence, static
from features.catalogue import FeatureSpec, km_label
from features.config import FeatureConfig
from features.context import (
    Axis,
    Context,
    Districts,
    Events,
    prepare_districts,
    prepare_sites,
)
from features.monthly_counts import monthly_counts
from features.series import Trailing, decayed, finite_or_nan
from features.series import weeks_since as periods_since
from features.sphere import chord_for_km, km_from_chord
from forecast.core.cadence import MONTH
from forecast.core.schema import CanonicalTables

KEYS = ("district_code", "month")
ZERO = "0 when there were none"
COUNTS_SOURCE = "events, counts"
PV = "political-violence events (battles, explosions/remote violence, violence against civilians)"

# Families of the weekly panel the monthly one leaves out, and why (see the module docstring).
NO_POINTS = "absent at monthly cadence: counts have no points or actors"
ABSENT: dict[str, str] = {
    "actors": f"{NO_POINTS} (jihadist, partner-force and foreign-victim events)",
    "army": f"{NO_POINTS} (national-force and Russian-force events, attacks on positions)",
    "spread: nearest_event_km_*, cross_border_events_pv_*, events_pv_<r>km by point": (
        f"{NO_POINTS}; the monthly panel's distance bands count other districts' counts by "
        "centroid instead"
    ),
    "history: events_<type>_*, fatal_events_*": (
        "absent at monthly cadence: counts have no event types and no deaths per event"
    ),
}


class MonthlyConfig(BaseModel):
    """The monthly panel's windows, in months; the shared knobs (radii, near_km, partner
    kinds, capitals, border, rainy months) come from :class:`features.FeatureConfig`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    windows: tuple[int, ...] = Field(
        (1, 3, 6, 12, 24), description="Trailing windows (months) of the district's own counts."
    )
    spread_windows: tuple[int, ...] = Field(
        (1, 3, 12), description="Windows (months) of neighbour, distance-band, national counts."
    )
    half_lives: tuple[float, ...] = Field(
        (1.0, 3.0, 12.0), description="Half-lives (months) of the decayed sums."
    )
    trend_windows: tuple[tuple[int, int], ...] = Field(
        ((3, 12), (6, 24)), description="(short, long) windows (months) of the trend features."
    )

    @field_validator("windows", "spread_windows")
    @classmethod
    def _positive(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or min(value) < 1:
            raise ValueError("windows must be a non-empty list of positive month counts")
        return tuple(sorted(set(value)))

    @field_validator("half_lives")
    @classmethod
    def _positive_numbers(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or min(value) <= 0:
            raise ValueError("must be a non-empty list of positive numbers")
        return tuple(sorted(set(value)))


def _months(n: int) -> str:
    return MONTH.window_label(n)


def _hl(h: float) -> str:
    return f"{h:g}m"


# -- the catalogue --------------------------------------------------------------------


def _history_specs(m: MonthlyConfig) -> list[FeatureSpec]:
    out = [
        FeatureSpec(
            f"events_pv_{w}m", "history", f"{PV} in the district", _months(w), COUNTS_SOURCE, ZERO
        )
        for w in m.windows
    ]
    out += [
        FeatureSpec(
            f"fatalities_{w}m",
            "history",
            "deaths in the district's political-violence events",
            _months(w),
            COUNTS_SOURCE,
            ZERO,
        )
        for w in m.windows
    ]
    out += [
        FeatureSpec(
            f"events_pv_hl{_hl(h)}",
            "history",
            "political-violence events, each month weighted 0.5 ** (age in months / half-life)",
            f"all history, half-life {h:g} months",
            COUNTS_SOURCE,
            ZERO,
        )
        for h in m.half_lives
    ]
    out += [
        FeatureSpec(
            f"fatalities_hl{_hl(h)}",
            "history",
            "deaths weighted 0.5 ** (age in months / half-life)",
            f"all history, half-life {h:g} months",
            COUNTS_SOURCE,
            ZERO,
        )
        for h in m.half_lives
    ]
    out += [
        FeatureSpec(
            "months_since_event",
            "history",
            "months since the latest month with a political-violence event in the district "
            "(0 = this month)",
            "all history",
            COUNTS_SOURCE,
            "null until the district's first political-violence event",
        ),
        FeatureSpec(
            "months_since_fatal",
            "history",
            "months since the latest month with deaths in the district (0 = this month)",
            "all history",
            COUNTS_SOURCE,
            "null until the district's first deaths",
        ),
    ]
    out += [
        FeatureSpec(
            f"trend_{short}v{long}",
            "history",
            f"monthly rate of political-violence events over {short} months minus the rate "
            f"over {long} months (> 0: rising)",
            _months(long),
            COUNTS_SOURCE,
            ZERO,
        )
        for short, long in m.trend_windows
    ]
    return out


def _spread_specs(config: FeatureConfig, m: MonthlyConfig) -> list[FeatureSpec]:
    nb = "summed over the loaded districts sharing a border with this one (across countries too)"
    src = f"{COUNTS_SOURCE}, districts"
    out = [
        FeatureSpec(f"nb_events_pv_{w}m", "spread", f"{PV} {nb}", _months(w), src, ZERO)
        for w in m.spread_windows
    ]
    out += [
        FeatureSpec(f"nb_fatalities_{w}m", "spread", f"deaths {nb}", _months(w), src, ZERO)
        for w in m.spread_windows
    ]
    out += [
        FeatureSpec(
            f"nb_events_pv_hl{_hl(h)}",
            "spread",
            f"decayed {PV} {nb}",
            f"all history, half-life {h:g} months",
            src,
            ZERO,
        )
        for h in m.half_lives
    ]
    w0 = m.spread_windows[0]
    out.append(
        FeatureSpec(
            f"nb_with_events_{w0}m",
            "spread",
            "number of neighbouring (loaded) districts with at least one political-violence event",
            _months(w0),
            src,
            "0 when there were none (or no neighbours)",
        )
    )
    for r in config.radii_km:
        out += [
            FeatureSpec(
                f"events_pv_{km_label(r)}_{w}m",
                "spread",
                f"{PV} of the other loaded districts whose centroid lies within {r:g} km of "
                "this district's centroid (counts have no points: whole districts by centroid)",
                _months(w),
                src,
                ZERO,
            )
            for w in m.spread_windows
        ]
    national = "in the district's country (every loaded district of it, this one included)"
    out += [
        FeatureSpec(f"national_events_pv_{w}m", "spread", f"{PV} {national}", _months(w), src, ZERO)
        for w in m.spread_windows
    ]
    out += [
        FeatureSpec(
            f"national_fatalities_{w}m", "spread", f"deaths {national}", _months(w), src, ZERO
        )
        for w in m.spread_windows
    ]
    return out


# The weekly presence features' words, on a month axis.
_WEEK_WORDS = (
    ("_weeks_since_", "_months_since_"),
    ("_weeks_open", "_months_since_opened"),
    ("weeks since", "months since"),
    ("0 = this week", "0 = this month"),
    ("the week of its last day", "the month of its last day"),
    ("week of its last day", "month of its last day"),
    ("current week", "current month"),
    ("that week", "that month"),
)


def _in_months(text: str) -> str:
    for week, month in _WEEK_WORDS:
        text = text.replace(week, month)
    return text


def monthly_name(weekly: str) -> str:
    """The monthly panel's name of a presence feature computed by ``features.presence``."""
    return _in_months(weekly)


def _presence_specs(config: FeatureConfig) -> list[FeatureSpec]:
    return [
        FeatureSpec(
            _in_months(s.name),
            s.family,
            _in_months(s.meaning),
            _in_months(s.window),
            s.source_table,
            _in_months(s.missing),
        )
        for s in (*presence.deployment_specs(config), *presence.partner_specs(config))
    ]


def _static_specs(config: FeatureConfig) -> list[FeatureSpec]:
    return [s for s in static.specs(config) if s.family == static.STATIC]


def _calendar_specs() -> list[FeatureSpec]:
    return [
        FeatureSpec(
            "month_sin",
            static.CALENDAR,
            "sin(2π (month - 1) / 12)",
            "current month",
            "-",
            "never missing",
        ),
        FeatureSpec(
            "month_cos",
            static.CALENDAR,
            "cos(2π (month - 1) / 12)",
            "current month",
            "-",
            "never missing",
        ),
        FeatureSpec(
            "rainy_season",
            static.CALENDAR,
            "1 when the month is a rainy-season month (default June-September)",
            "current month",
            "-",
            "never missing",
        ),
    ]


def monthly_catalogue(
    config: FeatureConfig | None = None, monthly: MonthlyConfig | None = None
) -> list[FeatureSpec]:
    """Every feature column of the monthly panel, in column order."""
    config, monthly = config or FeatureConfig(), monthly or MonthlyConfig()
    return [
        *_history_specs(monthly),
        *_spread_specs(config, monthly),
        *_presence_specs(config),
        *_static_specs(config),
        *_calendar_specs(),
    ]


# -- the build ------------------------------------------------------------------------


def _no_events() -> Events:
    empty_i = np.empty(0, dtype=np.int32)
    empty_f = np.empty(0, dtype=np.float32)
    return Events(
        row=empty_i,
        district=empty_i,
        type_code=np.empty(0, dtype=np.int8),
        pv=np.empty(0, dtype=bool),
        fatal=np.empty(0, dtype=bool),
        fatalities=empty_f,
        country=np.empty(0, dtype=np.int16),
        lat=np.empty(0),
        lon=np.empty(0),
    )


def _up_to(tables: CanonicalTables, last_month: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events and counts dated up to the last day of ``last_month``."""
    last_day = MONTH.last_day(last_month)
    events = tables.events.filter(pl.col("event_date") <= last_day)
    counts = tables.counts.filter(pl.col("month") <= last_month)
    return events, counts


def _arrays(
    grid: pl.DataFrame, districts: Districts, first: int, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """(months x districts) events and fatalities from the monthly counts grid."""
    index = {code: i for i, code in enumerate(districts.codes)}
    rows = grid.select(
        (MONTH.index_expr(pl.col("month")) - first).alias("row"),
        pl.col("district_code").replace_strict(index, default=-1, return_dtype=pl.Int64),
        "events",
        "fatalities",
    ).filter((pl.col("row") >= 0) & (pl.col("row") < n) & (pl.col("district_code") >= 0))
    flat = rows["row"].to_numpy().astype(np.int64) * districts.n + rows["district_code"].to_numpy()
    shape = (n, districts.n)
    size = n * districts.n
    events = np.bincount(flat, weights=rows["events"].to_numpy(), minlength=size).reshape(shape)
    deaths = np.bincount(flat, weights=rows["fatalities"].to_numpy(), minlength=size)
    return events.astype(np.float64), deaths.reshape(shape).astype(np.float64)


def _radius_matrices(
    districts: Districts, radii: tuple[float, ...]
) -> dict[float, sparse.csr_matrix]:
    """Per radius: (district x district) 1 where the other district's centroid lies within r
    km of this one's (the district itself excluded); columns are the receiving district."""
    n = districts.n
    if n == 0 or not radii:
        return {r: sparse.csr_matrix((n, n)) for r in radii}
    tree = cKDTree(districts.xyz)
    found = tree.sparse_distance_matrix(tree, chord_for_km(max(radii)), output_type="ndarray")
    i, j = found["i"].astype(np.int64), found["j"].astype(np.int64)
    km = km_from_chord(found["v"])
    out = {}
    for r in radii:
        keep = (i != j) & (km <= r)
        out[r] = sparse.csr_matrix((np.ones(int(keep.sum())), (i[keep], j[keep])), shape=(n, n))
    return out


def _national(values: np.ndarray, country: np.ndarray, n_countries: int) -> np.ndarray:
    """Each district's country total, per month."""
    members = sparse.csr_matrix(
        (np.ones(len(country)), (np.arange(len(country)), country)),
        shape=(len(country), n_countries),
    )
    return (values @ members)[:, country]


def _history(
    events: np.ndarray, deaths: np.ndarray, out: int, m: MonthlyConfig
) -> Iterator[tuple[str, np.ndarray]]:
    ev, fa = Trailing(events, 0, out), Trailing(deaths, 0, out)
    for w in m.windows:
        yield f"events_pv_{w}m", ev.sum(w)
    for w in m.windows:
        yield f"fatalities_{w}m", fa.sum(w)
    for h in m.half_lives:
        yield f"events_pv_hl{_hl(h)}", decayed(events, h)[out:]
    for h in m.half_lives:
        yield f"fatalities_hl{_hl(h)}", decayed(deaths, h)[out:]
    yield "months_since_event", finite_or_nan(periods_since(events > 0)[out:])
    yield "months_since_fatal", finite_or_nan(periods_since(deaths > 0)[out:])
    for short, long in m.trend_windows:
        yield f"trend_{short}v{long}", ev.sum(short) / short - ev.sum(long) / long


def _spread(
    events: np.ndarray,
    deaths: np.ndarray,
    out: int,
    ctx: Context,
    m: MonthlyConfig,
) -> Iterator[tuple[str, np.ndarray]]:
    adjacency = ctx.neighbours
    nb = Trailing(events @ adjacency, 0, out)
    for w in m.spread_windows:
        yield f"nb_events_pv_{w}m", nb.sum(w)
    nb_deaths = Trailing(deaths @ adjacency, 0, out)
    for w in m.spread_windows:
        yield f"nb_fatalities_{w}m", nb_deaths.sum(w)
    for h in m.half_lives:
        yield f"nb_events_pv_hl{_hl(h)}", decayed(events, h)[out:] @ adjacency
    w0 = m.spread_windows[0]
    active = (Trailing(events, 0, out).sum(w0) > 0).astype(np.float64)
    yield f"nb_with_events_{w0}m", active @ adjacency
    for r, within in _radius_matrices(ctx.districts, ctx.config.radii_km).items():
        band = Trailing(events @ within, 0, out)
        for w in m.spread_windows:
            yield f"events_pv_{km_label(r)}_{w}m", band.sum(w)
    country, n_countries = ctx.districts.country, len(ctx.districts.countries)
    national = Trailing(_national(events, country, n_countries), 0, out)
    for w in m.spread_windows:
        yield f"national_events_pv_{w}m", national.sum(w)
    national_deaths = Trailing(_national(deaths, country, n_countries), 0, out)
    for w in m.spread_windows:
        yield f"national_fatalities_{w}m", national_deaths.sum(w)


def _presence(ctx: Context) -> Iterator[tuple[str, np.ndarray]]:
    for name, values in (*presence.compute_deployments(ctx), *presence.compute_partners(ctx)):
        yield monthly_name(name), values


def _static(ctx: Context) -> Iterator[tuple[str, np.ndarray]]:
    keep = {s.name for s in _static_specs(ctx.config)}
    for name, values in static.compute(ctx):  # its weekly calendar is left out below
        if name in keep:
            yield name, values


def _calendar(ctx: Context) -> Iterator[tuple[str, np.ndarray]]:
    month = ctx.axis.out_weeks % 12 + 1  # the axis counts months here
    angle = 2 * np.pi * (month - 1) / 12
    yield "month_sin", np.sin(angle)[:, None]
    yield "month_cos", np.cos(angle)[:, None]
    rainy = np.isin(month, ctx.config.rainy_months).astype(np.float64)
    yield "rainy_season", rainy[:, None]


def build_monthly_panel(
    tables: CanonicalTables,
    *,
    start: date | None = None,
    end: date | None = None,
    config: FeatureConfig | None = None,
    monthly: MonthlyConfig | None = None,
    spans: Mapping[str, tuple[date, date]] | None = None,
) -> pl.DataFrame:
    """One row per district per calendar month from ``start`` to ``end`` (both snapped to
    the 1st), sorted by month then district code.

    Defaults: the first and the last month the events or the counts hold. Months before
    ``start`` still count as history. ``spans`` (country -> first and last month taken from
    the events) defaults to the events' own (:func:`features.monthly_counts.event_spans`).
    """
    config, monthly = config or FeatureConfig(), monthly or MonthlyConfig()
    districts = prepare_districts(tables.districts)
    if end is not None:
        events, counts = _up_to(tables, MONTH.truncate(end))
    else:
        events, counts = tables.events, tables.counts
    grid = monthly_counts(events, counts, districts.frame, spans=spans)
    if grid.is_empty() and (start is None or end is None):
        raise ValueError("no events and no counts: give start and end explicitly")
    first_data = MONTH.index(grid["month"].min()) if grid.height else None  # type: ignore[arg-type]
    last_data = MONTH.index(grid["month"].max()) if grid.height else None  # type: ignore[arg-type]
    start_m = MONTH.index(start) if start else first_data
    end_m = MONTH.index(end) if end else last_data
    assert start_m is not None and end_m is not None
    if end_m < start_m:
        raise ValueError(f"end ({end}) is before start ({start})")
    first = start_m if first_data is None else min(first_data, start_m)
    axis = Axis(first=first, n=end_m - first + 1, out=start_m - first, recent=0)
    ev, deaths = _arrays(grid, districts, first, axis.n)
    ctx = Context(
        config=config,
        axis=axis,
        districts=districts,
        history=_no_events(),
        recent=_no_events(),
        deployments=prepare_sites(tables.deployments, districts, axis.last, None, MONTH.index_of),
        partners=prepare_sites(
            tables.partners, districts, axis.last, config.partner_kinds, MONTH.index_of
        ),
        geometries=geometry.polygons(districts.frame["geometry"]),
    )
    specs = monthly_catalogue(config, monthly)
    produced = chain(
        _history(ev, deaths, axis.out, monthly),
        _spread(ev, deaths, axis.out, ctx, monthly),
        _presence(ctx),
        _static(ctx),
        _calendar(ctx),
    )
    n_months, n_districts = axis.n_out, districts.n
    block = np.empty((len(specs), n_months * n_districts), dtype=np.float32)
    columns = [
        pl.Series("district_code", districts.codes, dtype=pl.String).gather(
            np.tile(np.arange(n_districts), n_months)
        ),
        MONTH.starts(np.repeat(axis.out_weeks, n_districts)),
    ]
    for i, (spec, (name, values)) in enumerate(zip(specs, produced, strict=True)):
        if name != spec.name:
            raise RuntimeError(f"family produced {name!r} where the catalogue has {spec.name!r}")
        block[i].reshape(n_months, n_districts)[...] = values
        columns.append(pl.Series(name, block[i], nan_to_null=True))
    return pl.DataFrame(columns)
