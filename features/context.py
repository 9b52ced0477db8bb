"""The prepared inputs of one build: the time axis, districts and events as numpy arrays.

Everything the feature families share is computed here once: district order (sorted by
code, which is the panel's order within a week), unit vectors, country groups, the
neighbour matrix, and events/sites reduced to integer week rows and district indices.
Records dated after the last panel week are dropped here, so no family can look ahead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import polars as pl
from scipy import sparse

from features import geometry
from features.bands import band_counts
from features.config import FeatureConfig
from features.matching import army_exprs, group_exprs, lasting_exprs
from features.sphere import unit_vectors
from features.weeks import week_expr
from forecast.core.schema import CanonicalTables
from forecast.core.vocab import PARTNER_OTHER


@dataclass(frozen=True)
class Axis:
    """Internal week rows ``0..n-1`` starting at week ``first``; output rows ``out..n-1``.

    The axis starts at the first event (or the first output week if earlier), so decayed
    sums and weeks-since see the whole history; ``recent`` is the first row any windowed
    feature of the output rows reaches back to.
    """

    first: int
    n: int
    out: int
    recent: int

    @property
    def n_out(self) -> int:
        return self.n - self.out

    @property
    def out_weeks(self) -> np.ndarray:
        return np.arange(self.first + self.out, self.first + self.n, dtype=np.int64)

    @property
    def last(self) -> int:
        return self.first + self.n - 1


@dataclass(frozen=True)
class Districts:
    """Districts sorted by code, with what the families need as arrays."""

    frame: pl.DataFrame
    codes: list[str]
    lat: np.ndarray
    lon: np.ndarray
    xyz: np.ndarray
    country: np.ndarray  # index into ``countries``
    countries: list[str]  # "" stands for districts without a country

    @property
    def n(self) -> int:
        return len(self.codes)


# Events.country of an event naming a country none of whose districts is loaded.
NOT_LOADED = -2


@dataclass(frozen=True)
class Events:
    """Events as arrays; ``row`` is the axis row of the event's week."""

    row: np.ndarray  # int32
    district: np.ndarray  # int32; -1 when unplaced (or placed in an unknown district)
    type_code: np.ndarray  # int8; index into config.event_types, -1 when not listed
    pv: np.ndarray
    fatal: np.ndarray
    fatalities: np.ndarray  # float32 (exact for integers)
    # int16; index into Districts.countries, -1 when unknown, NOT_LOADED for a country
    # named by the source that has no district loaded (cross-border spread counts those)
    country: np.ndarray
    lat: np.ndarray  # event point, else its district's centroid, else NaN
    lon: np.ndarray
    groups: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def placed(self) -> np.ndarray:
        return self.district >= 0

    @property
    def located(self) -> np.ndarray:
        return ~np.isnan(self.lat) & ~np.isnan(self.lon)


@dataclass(frozen=True)
class Sites:
    """Deployment or partner sites as periods: active from week ``start`` to ``end``."""

    xyz: np.ndarray
    district: np.ndarray  # -1 when unknown
    start: np.ndarray  # week number
    end: np.ndarray  # week number as float, inf while still present
    kind: np.ndarray  # index into config.partner_kinds (0 for deployments)

    @property
    def n(self) -> int:
        return len(self.start)

    def subset(self, mask: np.ndarray) -> Sites:
        return Sites(
            self.xyz[mask], self.district[mask], self.start[mask], self.end[mask], self.kind[mask]
        )


@dataclass
class Context:
    """Everything one build computes from.

    Families only read it, except that the spread and actor families pop their band
    counts from :attr:`bands` once used, to free the memory early.
    """

    config: FeatureConfig
    axis: Axis
    districts: Districts
    history: Events  # every event up to the last week
    recent: Events  # events from axis.recent on, with actor-group flags
    deployments: Sites
    partners: Sites
    geometries: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0, object))
    # Per group of matching.lasting_exprs, its events dated before axis.recent, with
    # locations: what a "weeks since" needs beyond the windows. Empty when recent is all.
    early: dict[str, Events] = field(default_factory=dict)

    @cached_property
    def neighbours(self) -> sparse.csr_matrix:
        return geometry.neighbour_matrix(self.geometries, self.config.neighbour_tolerance_deg)

    def pv_all(self) -> np.ndarray:
        """Weekly political-violence counts per district over the whole axis."""
        return self.weekly(self.history, self.history.pv)

    @cached_property
    def bands(self) -> dict[str, dict[float, np.ndarray]]:
        """Weekly counts within radii of each centroid: "pv" and each actor group.

        One pass serves the spread and actor families; each pops what it used so the
        arrays are freed as soon as possible.
        """
        recent, config, axis = self.recent, self.config, self.axis
        masks = {"pv": recent.pv, **recent.groups}
        radii = {"pv": config.radii_km, **{g: (config.near_km,) for g in recent.groups}}
        return band_counts(
            recent, masks, radii, axis.recent, axis.n, self.districts, config.grid_deg
        )

    def weekly(
        self, events: Events, mask: np.ndarray, weights: np.ndarray | None = None, row0: int = 0
    ) -> np.ndarray:
        """(axis rows from row0) x districts sums of ``weights`` (or counts) of placed events."""
        keep = mask & events.placed & (events.row >= row0)
        n_rows = self.axis.n - row0
        flat = (events.row[keep].astype(np.int64) - row0) * self.districts.n + events.district[keep]
        w = None if weights is None else weights[keep]
        counts = np.bincount(flat, weights=w, minlength=n_rows * self.districts.n)
        return counts.astype(np.float64).reshape(n_rows, self.districts.n)

    def weekly_national(
        self, events: Events, mask: np.ndarray, weights: np.ndarray | None = None, row0: int = 0
    ) -> np.ndarray:
        """(axis rows from row0) x countries sums, including unplaced events of known country."""
        n_countries = len(self.districts.countries)
        keep = mask & (events.country >= 0) & (events.row >= row0)
        n_rows = self.axis.n - row0
        flat = (events.row[keep].astype(np.int64) - row0) * n_countries + events.country[keep]
        w = None if weights is None else weights[keep]
        counts = np.bincount(flat, weights=w, minlength=n_rows * n_countries)
        return counts.astype(np.float64).reshape(n_rows, n_countries)


def make_axis(
    first_event_week: int | None, start_week: int, end_week: int, config: FeatureConfig
) -> Axis:
    first = start_week if first_event_week is None else min(first_event_week, start_week)
    out = start_week - first
    return Axis(
        first=first, n=end_week - first + 1, out=out, recent=max(0, out - config.max_window + 1)
    )


def prepare_districts(frame: pl.DataFrame) -> Districts:
    if frame.height == 0:
        raise ValueError("no districts: load district boundaries or a gazetteer first")
    frame = frame.sort("code")
    countries = frame["country"].fill_null("")
    names, index = np.unique(countries.to_numpy().astype(str), return_inverse=True)
    lat = frame["centroid_lat"].to_numpy().astype(np.float64)
    lon = frame["centroid_lon"].to_numpy().astype(np.float64)
    return Districts(
        frame=frame,
        codes=frame["code"].to_list(),
        lat=lat,
        lon=lon,
        xyz=unit_vectors(lat, lon),
        country=index.astype(np.int64),
        countries=[str(n) for n in names],
    )


def prepare_events(
    events: pl.DataFrame,
    districts: Districts,
    axis: Axis,
    config: FeatureConfig,
    *,
    from_row: int = 0,
    full: bool = True,
    match_actors: bool = True,
) -> Events:
    """Events dated in axis rows ``from_row..n-1`` as arrays (later ones are dropped).

    ``full=False`` skips locations and actor groups, which only the windowed families of
    recent weeks use; the all-history arrays of an incremental build stay cheap.
    ``match_actors=False`` skips the actor groups only.
    """
    district_index = {code: i for i, code in enumerate(districts.codes)}
    country_index = {name: i for i, name in enumerate(districts.countries) if name}
    type_index = {name: i for i, name in enumerate(config.event_types)}
    actor = full and match_actors
    groups = {**group_exprs(config), **army_exprs(events, config)} if actor else {}
    located = [pl.col("latitude"), pl.col("longitude")] if full else []
    out = (
        events.lazy()
        .with_columns(week_expr("event_date").alias("_week"))
        .filter(pl.col("_week").is_between(axis.first + from_row, axis.last))
        .select(
            (pl.col("_week") - axis.first).cast(pl.Int32).alias("_row"),
            pl.col("district_code")
            .replace_strict(district_index, default=-1, return_dtype=pl.Int32)
            .fill_null(-1)
            .alias("_district"),
            pl.col("event_type")
            .replace_strict(type_index, default=-1, return_dtype=pl.Int8)
            .alias("_type"),
            pl.col("event_type").is_in(list(config.violence_types)).alias("_pv"),
            pl.col("fatalities").fill_null(0).cast(pl.Float32).alias("_fatalities"),
            pl.when(pl.col("country").fill_null("") == "")
            .then(pl.lit(-1, pl.Int16))
            .otherwise(
                pl.col("country").replace_strict(
                    country_index, default=NOT_LOADED, return_dtype=pl.Int16
                )
            )
            .alias("_country"),
            *located,
            *(expr.alias(f"_g_{name}") for name, expr in groups.items()),
        )
        .collect()
    )
    district = out["_district"].to_numpy()
    placed = district >= 0
    # A placed event belongs to its district's country; others keep the country they name.
    country = np.where(
        placed, districts.country[np.maximum(district, 0)], out["_country"].to_numpy()
    )
    lat = lon = np.empty(0)
    if full:
        # The event's own point when it has one, else its district's centroid, else none.
        lat = out["latitude"].fill_null(np.nan).to_numpy().copy()
        lon = out["longitude"].fill_null(np.nan).to_numpy().copy()
        no_point = np.isnan(lat) | np.isnan(lon)
        fill = no_point & placed
        lat[no_point], lon[no_point] = np.nan, np.nan
        lat[fill], lon[fill] = districts.lat[district[fill]], districts.lon[district[fill]]
    fatalities = out["_fatalities"].to_numpy()
    return Events(
        row=out["_row"].to_numpy(),
        district=district,
        type_code=out["_type"].to_numpy(),
        pv=out["_pv"].to_numpy(),
        fatal=fatalities > 0,
        fatalities=fatalities,
        country=country.astype(np.int16),
        lat=lat,
        lon=lon,
        groups={name: out[f"_g_{name}"].to_numpy() for name in groups},
    )


# Sites of one kind in the same cell of this size (degrees, about 1 km) are one place.
SAME_PLACE_DEG = 0.01
_OPEN = np.iinfo(np.int64).max  # the end week of a stay that has not ended


def merge_periods(sites: pl.LazyFrame) -> pl.LazyFrame:
    """One period per run of overlapping stays of one kind at one place.

    The same camp can come from two sources (Geo-PKO v2.1's monthly maps and v2.3's yearly
    ones, or a hand-made file beside them) with different start dates; counted twice it
    would double "sites in the district". Weeks ``_start``/``_end`` (null = still there).

    Nothing known only after week t may change row t: a stay joins a run only if it starts
    while the run is still there (a stay starting the week after an end leaves that
    withdrawal in place), and the run keeps its first stay's place.
    """
    open_end = pl.col("_end").fill_null(_OPEN)
    place = [
        (pl.col("_lat") / SAME_PLACE_DEG).round().alias("_py"),
        (pl.col("_lon") / SAME_PLACE_DEG).round().alias("_px"),
    ]
    ended_before = pl.col("_until").cum_max().shift(1).over("_kind", "_py", "_px")
    return (
        sites.with_columns(*place, open_end.alias("_until"))
        # Stays tied on start and end at one place are ordered by their own point and
        # district, so "first" does not depend on the sort's luck or the rows' order.
        .sort("_kind", "_py", "_px", "_start", "_until", "_lat", "_lon", "_district")
        .with_columns((pl.col("_start") > ended_before).fill_null(True).cum_sum().alias("_run"))
        .group_by("_kind", "_py", "_px", "_run", maintain_order=True)
        .agg(
            pl.col("_lat").first(),
            pl.col("_lon").first(),
            pl.col("_district").first(),
            pl.col("_start").min(),
            pl.col("_until").max(),
        )
        .with_columns(pl.when(pl.col("_until") < _OPEN).then(pl.col("_until")).alias("_end"))
        .select("_lat", "_lon", "_district", "_start", "_end", "_kind")
    )


def prepare_sites(
    frame: pl.DataFrame,
    districts: Districts,
    last_week: int,
    kinds: tuple[str, ...] | None,
    period: Callable[[str], pl.Expr] = week_expr,
) -> Sites:
    """Periods starting up to the last week, placed at their point or district centroid.

    ``period`` turns a date column into the axis' integer period (the week by default; the
    monthly panel passes months, so the same presence features run on a month axis).
    """
    lookup = districts.frame.select(
        pl.col("code").alias("district_code"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_district"),
        pl.col("centroid_lat").alias("_clat"),
        pl.col("centroid_lon").alias("_clon"),
    )
    has_point = pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null()
    if kinds is None:
        kind = pl.lit(0, dtype=pl.Int64)
    else:
        # Kinds outside the configured list count as "other" when that kind is listed.
        other = kinds.index(PARTNER_OTHER) if PARTNER_OTHER in kinds else -1
        mapping = {k: i for i, k in enumerate(kinds)}
        kind = pl.col("partner").replace_strict(mapping, default=other, return_dtype=pl.Int64)
    out = (
        frame.lazy()
        .with_columns(period("start_date").alias("_start"), period("end_date").alias("_end"))
        .filter(
            (pl.col("_start") <= last_week)
            & (pl.col("_end").is_null() | (pl.col("_end") >= pl.col("_start")))
        )
        .join(lookup.lazy(), on="district_code", how="left", maintain_order="left")
        .with_columns(
            pl.when(has_point).then(pl.col("latitude")).otherwise(pl.col("_clat")).alias("_lat"),
            pl.when(has_point).then(pl.col("longitude")).otherwise(pl.col("_clon")).alias("_lon"),
            pl.col("_district").fill_null(-1),
            kind.alias("_kind"),
        )
        .filter(pl.col("_lat").is_not_null() & pl.col("_lon").is_not_null())
        .select("_lat", "_lon", "_district", "_start", "_end", "_kind")
    )
    out = merge_periods(out).collect()
    end = out["_end"].cast(pl.Float64).fill_null(np.inf).to_numpy()
    return Sites(
        xyz=unit_vectors(out["_lat"].to_numpy(), out["_lon"].to_numpy()),
        district=out["_district"].to_numpy(),
        start=out["_start"].cast(pl.Int64).to_numpy(),
        end=end,
        kind=out["_kind"].to_numpy(),
    )


def first_event_week(events: pl.DataFrame, last_week: int | None = None) -> int | None:
    weeks = events.select(week_expr("event_date").alias("w"))["w"]
    if last_week is not None:
        weeks = weeks.filter(weeks <= last_week)
    value = weeks.min()
    return None if value is None else int(value)  # type: ignore[arg-type]


def prepare_early_events(
    events: pl.DataFrame, districts: Districts, axis: Axis, config: FeatureConfig
) -> dict[str, Events]:
    """Per lasting group, its events dated before the recent rows (see Context.early).

    Filtering by the group first keeps an incremental build from preparing (and matching
    every actor string of) the whole history for a handful of rows.
    """
    if axis.recent == 0:
        return {}
    before = week_expr("event_date") < axis.first + axis.recent
    return {
        name: prepare_events(
            events.filter(before & expr), districts, axis, config, match_actors=False
        )
        for name, expr in lasting_exprs(events, config).items()
    }


def build_context(
    tables: CanonicalTables, start_week: int, end_week: int, config: FeatureConfig
) -> Context:
    """Prepare one build whose output rows are weeks ``start_week..end_week``."""
    districts = prepare_districts(tables.districts)
    axis = make_axis(first_event_week(tables.events, end_week), start_week, end_week, config)
    recent = prepare_events(tables.events, districts, axis, config, from_row=axis.recent)
    # A full build's recent events are all events; only an incremental one needs both.
    history = (
        recent
        if axis.recent == 0
        else prepare_events(tables.events, districts, axis, config, full=False)
    )
    return Context(
        config=config,
        axis=axis,
        districts=districts,
        history=history,
        recent=recent,
        deployments=prepare_sites(tables.deployments, districts, axis.last, None),
        partners=prepare_sites(tables.partners, districts, axis.last, config.partner_kinds),
        geometries=geometry.polygons(districts.frame["geometry"]),
        early=prepare_early_events(tables.events, districts, axis, config),
    )
