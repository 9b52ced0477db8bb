"""An immutable in-memory view of what the API serves, read from the store in one short visit.

The retraining job is the store's single writer, so the API never keeps the DuckDB file
open: :func:`read_store` opens it read-only, copies the few tables it needs into memory and
closes it. :func:`build_snapshot` turns those frames into a :class:`Snapshot` with the
per-week answers precomputed (row JSON, sort orders, filter codes). :class:`SnapshotHolder`
swaps snapshots with one reference assignment; a request takes the reference once and uses
only that snapshot, so no answer mixes two models.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import shapely
import structlog

from forecast.bulletin import drivers as shown_drivers
from forecast.core import vocab
from forecast.core.bands import Bands, band_expr
from forecast.core.cadence import WEEK, Cadence
from forecast.core.cadence import get as get_cadence
from forecast.core.schema import CHAMPIONS, COUNTS, FORECASTS, INTENSITY
from forecast.core.settings import get_settings
from forecast.core.store import Store
from forecast.intensity import combine_bands

log = structlog.get_logger(__name__)

# Simplification tolerance for /v1/map in degrees (about 500 m): enough for a web map.
MAP_TOLERANCE_DEG = 0.005
MAP_DECIMALS = 5
RECENT_DAYS = 365
MAX_CACHED_WEEKS = 8

SORTS: tuple[str, ...] = (
    "-probability",
    "probability",
    "-change",
    "change",
    "district",
    "-district",
    "name",
    "-name",
)


class NotReadyError(Exception):
    """The store cannot be served yet (no file, no forecasts); the message says what to run."""


class StoreBusyError(Exception):
    """The store stayed locked by a writer through every retry."""


@dataclass(frozen=True)
class StoreFrames:
    """The tables the API needs, copied out of the store.

    ``forecasts``, ``champions`` and ``intensity`` hold the served cadence's rows only; at
    monthly cadence ``counts`` holds the store's counts table (what happened after the
    event-level data). ``intensity`` is empty when the store has no such table (older
    stores, intensity disabled, monthly cadence).
    """

    forecasts: pl.DataFrame
    districts: pl.DataFrame
    champions: pl.DataFrame
    events: pl.DataFrame  # district_code, event_date, event_type, fatalities: every placed event
    recent: pl.DataFrame  # placed events of the last RECENT_DAYS, with their details
    signature: tuple[int, ...] = ()
    cadence: Cadence = WEEK
    counts: pl.DataFrame = field(default_factory=COUNTS.empty)
    intensity: pl.DataFrame = field(default_factory=INTENSITY.empty)


def store_signature(path: Path) -> tuple[int, ...]:
    """Modification times of the store and its WAL: a change means something was written."""
    stamps = []
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            stamps.append(candidate.stat().st_mtime_ns)
        except FileNotFoundError:
            stamps.append(0)
    return tuple(stamps)


def _open_read_only(path: Path, retries: int) -> Store:
    delay = 0.05
    for attempt in range(retries):
        try:
            return Store(path, read_only=True)
        except duckdb.IOException as error:
            # A writer holds the lock (retraining, ingest): wait a little and try again.
            if attempt == retries - 1:
                raise StoreBusyError(f"store {path} is locked by a writer: {error}") from error
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    raise AssertionError("unreachable")


def _of_cadence(frame: pl.DataFrame, cadence: Cadence) -> pl.DataFrame:
    """The rows of one cadence; rows written before schema 3 (no cadence) are weekly."""
    return frame.filter(pl.col("cadence").fill_null(WEEK.name) == cadence.name).with_columns(
        pl.col("cadence").fill_null(WEEK.name)
    )


def read_store(path: Path, *, retries: int = 20, cadence: Cadence | str = WEEK) -> StoreFrames:
    """Copy the served tables out of the store, holding it open as briefly as possible.

    Only ``cadence``'s forecasts and champions are served (settings.cadence).
    """
    cad = get_cadence(cadence)
    if not path.exists():
        raise NotReadyError(
            f"no store at {path}; run `forecast demo` (or `forecast ingest ...`) and the "
            "retraining job first"
        )
    signature = store_signature(path)
    store = _open_read_only(path, retries)
    try:
        if not store.has_table("forecasts") or store.count("forecasts") == 0:
            raise NotReadyError(
                "the store has no forecasts yet; run the retraining and scoring job, then reload"
            )
        forecasts = _of_cadence(FORECASTS.conform(store.read("forecasts")), cad)
        if forecasts.is_empty():
            raise NotReadyError(
                f"the store has no {cad.name}ly forecasts yet; run `forecast retrain "
                f"--cadence {cad.name}` (or train and score at that cadence), then reload"
            )
        champions = (
            _of_cadence(CHAMPIONS.conform(store.read("champions")), cad)
            if store.has_table("champions")
            else CHAMPIONS.empty()
        )
        counts = (
            COUNTS.conform(store.read("counts"))
            if cad is not WEEK and store.has_table("counts")
            else COUNTS.empty()
        )
        # Read here with the forecasts, once per snapshot: requests only ever see the join.
        intensity = (
            _of_cadence(INTENSITY.conform(store.read("intensity")), cad)
            if store.has_table("intensity")
            else INTENSITY.empty()
        )
        districts = _frame(
            store,
            "SELECT code, name, admin1, country, geometry, centroid_lat, centroid_lon, "
            "area_km2, population FROM districts",
        )
        events = _frame(
            store,
            "SELECT district_code, event_date, event_type, fatalities FROM events "
            "WHERE district_code IS NOT NULL",
        )
        recent = _frame(
            store,
            "SELECT district_code, event_date, source, source_id, event_type, sub_event_type, "
            "fatalities, location, latitude, longitude, actor1, actor2, notes FROM events "
            "WHERE district_code IS NOT NULL AND event_date > "
            f"(SELECT max(event_date) FROM events) - INTERVAL {RECENT_DAYS} DAY",
        )
    finally:
        store.close()
    return StoreFrames(
        forecasts, districts, champions, events, recent, signature, cad, counts, intensity
    )


def _frame(store: Store, sql: str) -> pl.DataFrame:
    return pl.from_arrow(store.con.execute(sql).to_arrow_table())  # type: ignore[return-value]


@dataclass(frozen=True)
class DistrictIndex:
    """Districts in a fixed order; forecasts refer to them by position."""

    codes: list[str]
    position: dict[str, int]
    frame: pl.DataFrame  # code, name, admin1, country, centroid, area, population, idx
    admin1_codes: np.ndarray  # per district: index into admin1_names, -1 when unknown
    country_codes: np.ndarray
    admin1_lookup: dict[str, int]  # lower-cased name -> code
    country_lookup: dict[str, int]
    admin1_names: list[str]
    country_names: list[str]
    geometry: list[str]  # GeoJSON geometry per district (simplified), "null" when none


def _lookup(values: Sequence[str | None]) -> tuple[np.ndarray, dict[str, int], list[str]]:
    names = sorted({v for v in values if v})
    index = {name: i for i, name in enumerate(names)}
    codes = np.array([index.get(v, -1) if v else -1 for v in values], dtype=np.int32)
    return codes, {name.lower(): i for name, i in index.items()}, names


def _geometry_json(frame: pl.DataFrame) -> list[str]:
    """Simplified GeoJSON per district; the centroid as a point when there is no polygon."""
    wkb = frame["geometry"].to_list()
    geoms = shapely.from_wkb(np.array(wkb, dtype=object), on_invalid="ignore")
    points = shapely.points(frame["centroid_lon"].to_numpy(), frame["centroid_lat"].to_numpy())
    geoms = np.where(shapely.is_missing(geoms), points, geoms)
    geoms = shapely.simplify(geoms, MAP_TOLERANCE_DEG, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, MAP_DECIMALS))
    return [g if g is not None else "null" for g in shapely.to_geojson(geoms).tolist()]


def build_districts(districts: pl.DataFrame, forecast_codes: pl.Series) -> DistrictIndex:
    """Index the districts table plus any code that only appears in forecasts."""
    missing = forecast_codes.unique().filter(
        ~forecast_codes.unique().is_in(districts["code"].implode())
    )
    frame = pl.concat(
        [districts, pl.DataFrame({"code": missing}).with_columns(name=pl.col("code"))],
        how="diagonal_relaxed",
    ).with_columns(
        pl.col("centroid_lat").fill_null(0.0),
        pl.col("centroid_lon").fill_null(0.0),
    )
    frame = frame.sort("code").with_row_index("idx")
    codes = frame["code"].to_list()
    admin1_codes, admin1_lookup, admin1_names = _lookup(frame["admin1"].to_list())
    country_codes, country_lookup, country_names = _lookup(frame["country"].to_list())
    return DistrictIndex(
        codes=codes,
        position={c: i for i, c in enumerate(codes)},
        frame=frame.drop("geometry"),
        admin1_codes=admin1_codes,
        country_codes=country_codes,
        admin1_lookup=admin1_lookup,
        country_lookup=country_lookup,
        admin1_names=admin1_names,
        country_names=country_names,
        geometry=_geometry_json(frame),
    )


def monthly_history(
    events: pl.DataFrame, counts: pl.DataFrame, districts: pl.DataFrame
) -> pl.DataFrame:
    """features.monthly_counts for the API: what happened per district and month."""
    from features.monthly_counts import monthly_counts

    return monthly_counts(events, counts, districts)


def observed_outcomes(
    forecasts: pl.DataFrame,
    events: pl.DataFrame,
    data_as_of: date | None,
    *,
    cadence: Cadence = WEEK,
    monthly: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per forecast row, target events in periods t+1..t+h; null until that window is over.

    At monthly cadence ``monthly`` (:func:`monthly_history`) says what happened: ``any``
    counts political-violence events, ``fatal`` their deaths.
    """
    from training.history import forward_sum, monthly_grid, weekly_counts

    keys = ["district_code", "issue_week", "horizon", "target"]
    empty = forecasts.select(keys).with_columns(observed_events=pl.lit(None, dtype=pl.Int32))
    if data_as_of is None or forecasts.is_empty():
        return empty
    first = forecasts["issue_week"].min()
    last = cadence.truncate(data_as_of)
    if first is None or first > last:  # type: ignore[operator]
        return empty
    codes = forecasts["district_code"].unique()
    if cadence is WEEK:
        counts = weekly_counts(events, codes, first, last)  # type: ignore[arg-type]
    else:
        counts = monthly_grid(monthly, codes, first, last)  # type: ignore[arg-type]
    pairs = forecasts.select("horizon", "target").unique().rows()
    windows = counts.select(
        "district_code",
        pl.col(cadence.key).alias("issue_week"),
        *[forward_sum(t, h).alias(f"{t}|{h}") for h, t in pairs if t in counts.columns],
    )
    long = windows.unpivot(
        index=["district_code", "issue_week"], variable_name="pair", value_name="observed_events"
    ).with_columns(
        pl.col("pair").str.split_exact("|", 1).struct.rename_fields(["target", "horizon"])
    )
    long = long.unnest("pair").with_columns(
        pl.col("horizon").cast(pl.Int32), pl.col("observed_events").cast(pl.Int32)
    )
    # A window is known only once all of its days are in the data.
    if cadence is WEEK:
        window_end = pl.col("issue_week") + pl.duration(days=7 * (pl.col("horizon") + 1) - 1)
    else:  # the last day of month t+h
        window_end = pl.col("issue_week").dt.offset_by(
            pl.format("{}mo", pl.col("horizon") + 1)
        ) - pl.duration(days=1)
    joined = forecasts.select(keys).join(long, on=keys, how="left")
    return joined.with_columns(
        pl.when(window_end <= pl.lit(data_as_of))
        .then(pl.col("observed_events"))
        .otherwise(None)
        .alias("observed_events")
    )


# Per forecast row, from the intensity table's events and fatalities rows of the same
# district, issue period and horizon (null where there is none).
INTENSITY_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "expected_events": pl.Float64,
    "events_lower80": pl.Int32,
    "events_upper80": pl.Int32,
    "expected_fatalities": pl.Float64,
    "fatalities_lower80": pl.Int32,
    "fatalities_upper80": pl.Int32,
    "escalation_label": pl.Utf8,
    "escalation_ratio": pl.Float64,
    "escalation_percentile": pl.Float64,
    "escalation_normal": pl.Float64,
}


def intensity_wide(intensity: pl.DataFrame) -> pl.DataFrame:
    """One row per (district_code, issue_week, horizon) with :data:`INTENSITY_COLUMNS`.

    The escalation comes from the events row (the label the scoring gives); fatalities
    bring their expected count and interval only.
    """
    keys = ["district_code", "issue_week", "horizon"]
    rows = intensity.unique([*keys, "target"], keep="last").with_columns(
        pl.col("expected", "normal", "ratio", "percentile").fill_nan(None)
    )

    def of(target: str, columns: dict[str, pl.Expr]) -> pl.DataFrame:
        chosen = rows.filter(pl.col("target") == target)
        return chosen.select(*keys, *(expr.alias(name) for name, expr in columns.items()))

    events = of(
        "events",
        {
            "expected_events": pl.col("expected"),
            "events_lower80": pl.col("lower80"),
            "events_upper80": pl.col("upper80"),
            "escalation_label": pl.col("escalation"),
            "escalation_ratio": pl.col("ratio"),
            "escalation_percentile": pl.col("percentile"),
            "escalation_normal": pl.col("normal"),
        },
    )
    fatalities = of(
        "fatalities",
        {
            "expected_fatalities": pl.col("expected"),
            "fatalities_lower80": pl.col("lower80"),
            "fatalities_upper80": pl.col("upper80"),
        },
    )
    wide = events.join(fatalities, on=keys, how="full", coalesce=True)
    return wide.select(*keys, *(pl.col(n).cast(t) for n, t in INTENSITY_COLUMNS.items()))


def _interval(target: str) -> pl.Expr:
    lower, upper = pl.col(f"{target}_lower80"), pl.col(f"{target}_upper80")
    return (
        pl.when(lower.is_not_null() & upper.is_not_null())
        .then(pl.concat_list(lower, upper))
        .otherwise(None)
        .alias(f"{target}_80")
    )


def intensity_fields() -> list[pl.Expr]:
    """The answers' intensity fields from :data:`INTENSITY_COLUMNS`: expected counts
    (2 decimals), 80% intervals as [lower, upper] and the escalation object, each null
    when unknown. An escalation without a label (no past sample) is null as a whole."""
    label = pl.col("escalation_label")
    return [
        pl.col("expected_events").round(2),
        _interval("events"),
        pl.col("expected_fatalities").round(2),
        _interval("fatalities"),
        pl.when(label.is_not_null())
        .then(
            pl.struct(
                label=label,
                ratio=pl.col("escalation_ratio").round(2),
                percentile=pl.col("escalation_percentile").round(3),
                normal=pl.col("escalation_normal").round(2),
            )
        )
        .otherwise(None)
        .alias("escalation"),
    ]


def prepare_forecasts(
    frames: StoreFrames,
    districts: DistrictIndex,
    bands: Sequence[tuple[str, float]],
    monthly: pl.DataFrame | None = None,
    min_weekly_events: float | None = None,
) -> pl.DataFrame:
    """Forecasts with band, previous period's probability, change, what happened and the
    intensity of the same district, period and horizon.

    The band is the scoring's rule (forecast.intensity.combine_bands) on the API's own
    thresholds: by probability, and the top band only where the expected events reach
    ``min_weekly_events`` per week of the horizon (default: the process settings', which
    the scoring read too).
    """
    keys = ["district_code", "issue_week", "horizon", "target"]
    cadence = frames.cadence
    fc = frames.forecasts.unique(keys, keep="last")
    following = (
        pl.col("issue_week") + pl.duration(days=7)
        if cadence is WEEK
        else pl.col("issue_week").dt.offset_by("1mo")
    )
    previous = fc.select(
        "district_code",
        following.alias("issue_week"),
        "horizon",
        "target",
        pl.col("probability").alias("previous_probability"),
    )
    data_as_of = served_data_as_of(frames)
    as_of_fallback = fc["data_as_of"].max()
    outcomes = observed_outcomes(
        fc,
        frames.events,
        data_as_of or as_of_fallback,  # type: ignore[arg-type]
        cadence=cadence,
        monthly=monthly,
    )
    idx = districts.frame.select(pl.col("code").alias("district_code"), "idx")
    # Every probability target of a (district, period, horizon) shares its counts.
    intensity = intensity_wide(frames.intensity)
    joined = (
        fc.join(previous, on=keys, how="left")
        .join(outcomes, on=keys, how="left")
        .join(intensity, on=["district_code", "issue_week", "horizon"], how="left")
        .join(idx, on="district_code", how="left")
        .with_columns(
            # Banded as displayed (4 decimals), so 0.1 shown is never "below 0.1".
            band_expr(pl.col("probability").round(4), bands).alias("band"),
            (pl.col("probability") - pl.col("previous_probability")).alias("change"),
            target_rank(pl.col("target")).alias("target_rank"),
        )
    )
    if min_weekly_events is None:
        min_weekly_events = get_settings().top_band_min_weekly_events
    # Re-banded here (the API's thresholds, not the stored band), so the intensity rule of
    # the scoring is applied again, or the top band would hold every probable district.
    joined = combine_bands(
        joined, frames.intensity, Bands.from_pairs(bands), min_weekly_events
    ).with_columns(pl.col("band").cast(pl.Utf8))
    return joined.sort("issue_week", "district_code", "horizon", "target_rank")


def served_data_as_of(frames: StoreFrames) -> date | None:
    """The latest event date; at monthly cadence the last day of the latest counted month
    when later (the counts run past the event-level data)."""
    latest = frames.events["event_date"].max() if not frames.events.is_empty() else None
    if frames.cadence is WEEK or frames.counts.is_empty():
        return latest  # type: ignore[return-value]
    counted = frames.cadence.last_day(frames.counts["month"].max())  # type: ignore[arg-type]
    return counted if latest is None or counted > latest else latest  # type: ignore[operator]


def target_rank(target: pl.Expr) -> pl.Expr:
    """Targets in the vocabulary's order (any, fatal, civilians, abduction), others after."""
    ranks = {t: i for i, t in enumerate(vocab.TARGETS)}
    return target.replace_strict(ranks, default=len(ranks), return_dtype=pl.Int32)


@dataclass(frozen=True)
class WeekTable:
    """One issue week's forecasts as flat rows with precomputed JSON and sort orders."""

    week: date
    model_version: str
    data_as_of: date | None
    district: np.ndarray
    horizon: np.ndarray
    target: np.ndarray  # codes into Snapshot.targets
    band: np.ndarray  # codes into Snapshot.band_names
    probability: np.ndarray
    change: np.ndarray  # NaN when the previous week has no forecast
    admin1: np.ndarray
    country: np.ndarray
    rows: list[bytes]
    orders: dict[str, np.ndarray]
    version: np.ndarray  # codes into versions, per row
    versions: tuple[str, ...]
    subsets: dict[tuple[str, int, str], np.ndarray] = field(default_factory=dict, repr=False)

    def versions_of(self, rows: np.ndarray) -> str:
        """The model versions behind these rows (the week's when there are none)."""
        if not len(rows):
            return self.model_version
        present = np.bincount(self.version[rows], minlength=len(self.versions))
        return ",".join(self.versions[c] for c in np.flatnonzero(present))  # already sorted

    def subset(self, column: str, code: int, sort: str) -> np.ndarray:
        """Rows of one region (column "admin1") or country in ``sort`` order, cached."""
        key = (column, code, sort)
        rows = self.subsets.get(key)
        if rows is None:
            order = self.orders[sort]
            rows = self.subsets[key] = order[getattr(self, column)[order] == code]
        return rows


def _orders(
    probability: np.ndarray, change: np.ndarray, district: np.ndarray, name_rank: np.ndarray
) -> dict[str, np.ndarray]:
    # Rows are already in (district, horizon, target) order, so stable sorts keep that as
    # the tie-break. Missing changes go last in both directions.
    nan_change = np.isnan(change)
    change_up = np.where(nan_change, np.inf, change)
    change_down = np.where(nan_change, np.inf, -change)
    name = name_rank[district]
    return {
        "-probability": np.argsort(-probability, kind="stable"),
        "probability": np.argsort(probability, kind="stable"),
        "-change": np.argsort(change_down, kind="stable"),
        "change": np.argsort(change_up, kind="stable"),
        "district": np.arange(len(probability)),
        "-district": np.argsort(-district, kind="stable"),
        "name": np.argsort(name, kind="stable"),
        "-name": np.argsort(-name, kind="stable"),
    }


def versions_label(versions: Sequence[str | None]) -> str:
    """The model versions behind a set of rows, sorted and comma-joined."""
    return ",".join(sorted({v for v in versions if v}))


@dataclass(frozen=True)
class Snapshot:
    """Everything one generation of answers is computed from; never mutated once built."""

    loaded_at: datetime
    signature: tuple[int, ...]
    weeks: tuple[date, ...]
    horizons: tuple[int, ...]
    targets: tuple[str, ...]
    band_names: tuple[str, ...]
    bands: tuple[tuple[str, float], ...]
    districts: DistrictIndex
    forecasts: pl.DataFrame  # sorted by issue_week, district, horizon, target
    week_slices: dict[date, tuple[int, int]]
    by_district: pl.DataFrame  # the same rows sorted by district, issue_week desc
    district_slices: dict[str, tuple[int, int]]
    recent: pl.DataFrame  # sorted by district, event_date desc
    recent_slices: dict[str, tuple[int, int]]
    champions: list[dict[str, Any]]
    name_rank: np.ndarray
    data_as_of: date | None  # latest event date in the store (or counted month, monthly)
    cadence: Cadence = WEEK
    # Monthly cadence: what happened per district and month (features.monthly_counts).
    monthly: pl.DataFrame | None = field(default=None, compare=False, repr=False)
    # Lazily built answers for this snapshot only (week tables, map bodies, details),
    # least recently used dropped first; the latest week's table is pinned.
    cache: OrderedDict[Any, Any] = field(default_factory=OrderedDict, compare=False, repr=False)
    cache_size: int = 4096
    pinned: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def latest(self) -> date:
        return self.weeks[-1]

    @property
    def model_version(self) -> str:
        return self.week_table(self.latest).model_version

    def has_week(self, week: date) -> bool:
        return week in self.week_slices

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """The answer cached under ``key`` for this snapshot, built on first use."""
        try:
            value = self.cache[key]
        except KeyError:
            value = build()
            self.cache[key] = value
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
            return value
        self.cache.move_to_end(key)
        return value

    def week_table(self, week: date) -> WeekTable:
        if week == self.weeks[-1]:
            return self._latest_table()
        # Week tables are large (every district x horizon x target): keep only a few.
        key = ("week", week)
        table = self.memo(key, lambda: self._build_week(week))
        weeks = [k for k in self.cache if isinstance(k, tuple) and k[0] == "week"]
        for stale_key in weeks[:-MAX_CACHED_WEEKS]:
            self.cache.pop(stale_key, None)
        return table

    def _latest_table(self) -> WeekTable:
        table = self.pinned.get("latest")
        if table is None:
            table = self.pinned["latest"] = self._build_week(self.weeks[-1])
        return table

    def _build_week(self, week: date) -> WeekTable:
        start, length = self.week_slices[week]
        rows = self.forecasts.slice(start, length)
        district = rows["idx"].to_numpy().astype(np.int64)
        target_index = {t: i for i, t in enumerate(self.targets)}
        band_index = {b: i for i, b in enumerate(self.band_names)}
        info = self.districts.frame.select(
            pl.col("idx"), pl.col("name").alias("district_name"), "admin1", "country"
        )
        body = rows.join(info, on="idx", how="left", maintain_order="left").select(
            "district_code",
            "district_name",
            "admin1",
            "country",
            pl.col("issue_week").alias(self.cadence.issue_column),
            "horizon",
            "target",
            pl.col("probability").round(4),
            "band",
            pl.col("previous_probability").round(4),
            pl.col("change").round(4),
            "model_version",
            *intensity_fields(),
        )
        encoded = body.select(pl.struct(pl.all()).struct.json_encode()).to_series()
        probability = rows["probability"].to_numpy().astype(np.float64)
        change = rows["change"].fill_null(np.nan).to_numpy().astype(np.float64)
        as_of = rows["data_as_of"].max()
        versions = tuple(sorted(rows["model_version"].drop_nulls().unique().to_list()))
        version_index = {v: i for i, v in enumerate(versions)}
        return WeekTable(
            week=week,
            model_version=versions_label(list(versions)),
            data_as_of=as_of or self.data_as_of,  # type: ignore[arg-type]
            district=district,
            horizon=rows["horizon"].to_numpy().astype(np.int64),
            target=np.array([target_index.get(t, -1) for t in rows["target"].to_list()]),
            band=np.array([band_index[b] for b in rows["band"].to_list()]),
            probability=probability,
            change=change,
            admin1=self.districts.admin1_codes[district],
            country=self.districts.country_codes[district],
            rows=[s.encode() for s in encoded.to_list()],
            orders=_orders(probability, change, district, self.name_rank),
            version=np.array(
                [version_index[v] for v in rows["model_version"].to_list()], dtype=np.int64
            ),
            versions=versions,
        )

    def district_rows(self, code: str) -> pl.DataFrame:
        start, length = self.district_slices.get(code, (0, 0))
        return self.by_district.slice(start, length)

    def recent_events(self, code: str) -> pl.DataFrame:
        start, length = self.recent_slices.get(code, (0, 0))
        return self.recent.slice(start, length)

    def explain(self, top_drivers: str | None, probability: float | None) -> list[dict[str, Any]]:
        return explain_drivers(top_drivers, probability, self.cadence)


def explain_drivers(
    top_drivers: str | None, probability: float | None, cadence: Cadence = WEEK
) -> list[dict[str, Any]]:
    """The drivers of one forecast as the bulletin shows them (forecast.bulletin.drivers:
    actionable, windows of one subject merged, sign agreeing with the meaning, at least
    half a point), each with the points it moves the probability by. The same rules as
    the bulletin, so a map reader and a bulletin reader see the same drivers; a malformed
    column shows none, never a 500."""
    if probability is None or not math.isfinite(probability):
        return []
    return [
        {
            "feature": d.feature,
            "value": d.value,
            "contribution": round(d.contribution, 4),
            "effect": "raises" if d.raises else "lowers",
            "points": d.points,
            "merged": list(d.merged),
            "text": d.text,
        }
        for d in shown_drivers.shown(top_drivers, probability, "en", cadence.name, limit=None)
    ]


def _slices(frame: pl.DataFrame, column: str) -> dict[Any, tuple[int, int]]:
    """Start and length of each run of equal values in a frame sorted by ``column``."""
    if frame.is_empty():
        return {}
    runs = (
        frame.select(pl.col(column))
        .with_row_index("i")
        .group_by(column, maintain_order=True)
        .agg(pl.col("i").min().alias("start"), pl.len().alias("n"))
    )
    return {k: (int(s), int(n)) for k, s, n in runs.iter_rows()}


def _champions(frame: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.sort("target", "horizon").iter_rows(named=True):
        try:
            backtest = json.loads(row["backtest"]) if row["backtest"] else None
        except ValueError:
            backtest = None
        row["backtest"] = _finite(backtest)
        out.append(row)
    return out


def _finite(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) by null, deep."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def build_snapshot(
    frames: StoreFrames,
    bands: Sequence[tuple[str, float]],
    *,
    loaded_at: datetime | None = None,
    min_weekly_events: float | None = None,
) -> Snapshot:
    """Index and precompute everything served; raises NotReadyError without forecasts.

    ``min_weekly_events`` is settings.top_band_min_weekly_events (the top band's intensity
    rule, :func:`prepare_forecasts`); None takes the process settings'
    (``FORECAST_TOP_BAND_MIN_WEEKLY_EVENTS``), as the scoring does."""
    if frames.forecasts.is_empty():
        raise NotReadyError("the store has no forecasts yet; run the retraining and scoring job")
    districts = build_districts(frames.districts, frames.forecasts["district_code"])
    monthly = None
    if frames.cadence is not WEEK:
        monthly = monthly_history(frames.events, frames.counts, frames.districts)
    forecasts = prepare_forecasts(frames, districts, bands, monthly, min_weekly_events)
    by_district = forecasts.sort(
        ["district_code", "issue_week", "horizon", "target_rank"],
        descending=[False, True, False, False],
    )
    data_as_of = served_data_as_of(frames)
    recent = frames.recent.sort(["district_code", "event_date"], descending=[False, True])
    # Precomputed so a district's counts are a few numpy sums per request.
    recent = recent.with_columns(
        pl.col("event_type").is_in(sorted(vocab.POLITICAL_VIOLENCE)).alias("political"),
        (pl.lit(data_as_of) - pl.col("event_date")).dt.total_days().alias("age_days"),
    )
    names = districts.frame["name"].fill_null("").str.to_lowercase().to_numpy()
    name_rank = np.empty(len(names), dtype=np.int64)
    name_rank[np.argsort(names, kind="stable")] = np.arange(len(names))
    targets = tuple(
        forecasts.select("target", "target_rank").unique().sort("target_rank", "target")["target"]
    )
    snapshot = Snapshot(
        loaded_at=loaded_at or datetime.now(UTC),
        signature=frames.signature,
        weeks=tuple(sorted(forecasts["issue_week"].unique().to_list())),
        horizons=tuple(sorted(forecasts["horizon"].unique().to_list())),
        targets=targets,
        band_names=tuple(name for name, _ in bands),
        bands=tuple(bands),
        districts=districts,
        forecasts=forecasts,
        week_slices=_slices(forecasts, "issue_week"),
        by_district=by_district,
        district_slices=_slices(by_district, "district_code"),
        recent=recent,
        recent_slices=_slices(recent, "district_code"),
        champions=_champions(frames.champions),
        name_rank=name_rank,
        data_as_of=data_as_of,  # type: ignore[arg-type]
        cadence=frames.cadence,
        monthly=monthly,
    )
    snapshot.week_table(snapshot.latest)  # build the most asked-for answers now, not on a request
    return snapshot


class SnapshotHolder:
    """The current snapshot, replaced whole by :meth:`reload`; reloads run one at a time."""

    def __init__(self, loader: Callable[[], Snapshot]) -> None:
        self._loader = loader
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self.last_error: str | None = "not loaded yet"
        self.reloads = 0

    @property
    def current(self) -> Snapshot | None:
        return self._snapshot

    def reload(self) -> Snapshot:
        """Load a new snapshot and swap it in; on failure keep the old one and re-raise."""
        with self._lock:
            try:
                snapshot = self._loader()
            except Exception as error:
                self.last_error = str(error)
                if self._snapshot is None:  # the first load: there is no previous one
                    log.warning(
                        "snapshot load failed; nothing is served yet: the forecast routes "
                        "answer 503 until a load succeeds",
                        error=str(error),
                    )
                else:
                    log.warning(
                        "snapshot reload failed; still serving the previous one",
                        error=str(error),
                        serving=self._snapshot.model_version,
                    )
                raise
            self._snapshot = snapshot  # the atomic swap: one reference assignment
            self.last_error = None
            self.reloads += 1
            log.info(
                "snapshot loaded",
                model_version=snapshot.model_version,
                issue_week=str(snapshot.latest),
                districts=len(snapshot.districts.codes),
                rows=snapshot.forecasts.height,
            )
            return snapshot

    def swap(self, snapshot: Snapshot) -> None:
        """Serve a snapshot built elsewhere (tests, embedding)."""
        with self._lock:
            self._snapshot = snapshot
            self.last_error = None


def store_loader(
    path: Path, bands: Sequence[tuple[str, float]], retries: int, cadence: str = "week"
) -> Callable[[], Snapshot]:
    """A loader reading the store at ``path`` (``cadence``'s forecasts)."""

    def load() -> Snapshot:
        return build_snapshot(read_store(path, retries=retries, cadence=cadence), bands)

    return load
