"""The canonical tables: one definition used for DDL, reader output and validation.

Each table is a tuple of columns (name, DuckDB type, polars dtype, meaning). The store
creates tables from these; readers must return frames with exactly these columns (in
order) for the columns they produce. ``SCHEMA_VERSION`` goes up with every change, and
``forecast.core.store`` holds the migration from each older version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

SCHEMA_VERSION = 3  # 2: the counts table; 3: a cadence column in forecasts and champions


@dataclass(frozen=True)
class Column:
    name: str
    sql: str
    dtype: pl.DataType | type[pl.DataType]
    meaning: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def polars_schema(self) -> dict[str, pl.DataType | type[pl.DataType]]:
        return {c.name: c.dtype for c in self.columns}

    def ddl(self) -> str:
        # No PRIMARY KEY: DuckDB's index makes bulk upserts of a million rows several times
        # slower; Store.upsert keeps the key unique instead (hash join, delete, insert).
        cols = ",\n  ".join(f"{c.name} {c.sql}" for c in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}\n)"

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.polars_schema)

    def conform(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Select this table's columns in order with its dtypes; missing columns become null."""
        exprs = [
            (pl.col(c.name) if c.name in frame.columns else pl.lit(None))
            .cast(c.dtype)
            .alias(c.name)
            for c in self.columns
        ]
        return frame.select(exprs)


DISTRICTS = Table(
    "districts",
    (
        Column(
            "code",
            "VARCHAR NOT NULL",
            pl.Utf8,
            "stable id: P-code, geoBoundaries shapeID or GADM GID_2",
        ),
        Column("name", "VARCHAR NOT NULL", pl.Utf8, "district name as published"),
        Column("admin1", "VARCHAR", pl.Utf8, "region (admin-1) name"),
        Column("country", "VARCHAR", pl.Utf8, "ISO 3166-1 alpha-3"),
        Column(
            "geometry",
            "BLOB",
            pl.Binary,
            "polygon as WKB (WGS84); null for gazetteer-only districts",
        ),
        Column(
            "centroid_lat",
            "DOUBLE NOT NULL",
            pl.Float64,
            "centroid latitude (representative point inside the polygon)",
        ),
        Column("centroid_lon", "DOUBLE NOT NULL", pl.Float64, "centroid longitude"),
        Column(
            "area_km2", "DOUBLE", pl.Float64, "area in square kilometres (null without polygon)"
        ),
        Column("population", "DOUBLE", pl.Float64, "population when given"),
        Column("source", "VARCHAR", pl.Utf8, "file the district came from"),
    ),
    ("code",),
)

EVENTS = Table(
    "events",
    (
        Column("source", "VARCHAR NOT NULL", pl.Utf8, "acled, ucdp or field_report"),
        Column(
            "source_id",
            "VARCHAR NOT NULL",
            pl.Utf8,
            "id unique within the source (ACLED event_id_cnty, UCDP id)",
        ),
        Column("event_date", "DATE NOT NULL", pl.Date, "date of the event (UCDP: date_start)"),
        Column("latitude", "DOUBLE", pl.Float64, "WGS84 latitude, null when unknown"),
        Column("longitude", "DOUBLE", pl.Float64, "WGS84 longitude, null when unknown"),
        Column(
            "geo_precision",
            "TINYINT",
            pl.Int8,
            "1 exact place .. 3 region (UCDP where_prec 1-2 -> 1, 3 -> 2, 4-7 -> 3)",
        ),
        Column("time_precision", "TINYINT", pl.Int8, "1 exact day .. 3 month or worse"),
        Column(
            "event_type",
            "VARCHAR NOT NULL",
            pl.Utf8,
            "normalised type, see forecast.core.vocab.EVENT_TYPES",
        ),
        Column("sub_event_type", "VARCHAR", pl.Utf8, "source's own sub-type, kept for reference"),
        Column(
            "violent",
            "BOOLEAN NOT NULL",
            pl.Boolean,
            "false for protests and strategic developments",
        ),
        Column("actor1", "VARCHAR", pl.Utf8, "first actor (UCDP side_a)"),
        Column("actor2", "VARCHAR", pl.Utf8, "second actor (UCDP side_b)"),
        Column("assoc_actors", "VARCHAR", pl.Utf8, "associated actors, '; '-separated"),
        Column("country", "VARCHAR", pl.Utf8, "ISO3 when known, else the source's country name"),
        Column("admin1", "VARCHAR", pl.Utf8, "source's admin-1 name"),
        Column("admin2", "VARCHAR", pl.Utf8, "source's admin-2 name"),
        Column("location", "VARCHAR", pl.Utf8, "source's place name"),
        Column("fatalities", "INTEGER NOT NULL", pl.Int32, "best estimate of deaths (>= 0)"),
        Column("fatalities_low", "INTEGER", pl.Int32, "low estimate (UCDP)"),
        Column("fatalities_high", "INTEGER", pl.Int32, "high estimate (UCDP)"),
        Column("notes", "VARCHAR", pl.Utf8, "free-text description"),
        Column(
            "source_version",
            "BIGINT NOT NULL",
            pl.Int64,
            "revision stamp (ACLED timestamp); a higher one replaces a stored event",
        ),
        Column(
            "district_code", "VARCHAR", pl.Utf8, "district assigned at ingest; null when unplaced"
        ),
        Column(
            "placement",
            "VARCHAR NOT NULL",
            pl.Utf8,
            "how the district was found, see forecast.core.vocab.PLACEMENTS",
        ),
        Column("file", "VARCHAR", pl.Utf8, "file the event was read from"),
    ),
    ("source", "source_id"),
)

DEPLOYMENTS = Table(
    "deployments",
    (
        Column(
            "deployment_id",
            "VARCHAR NOT NULL",
            pl.Utf8,
            "stable id: the file's id column or a hash of name, force and start",
        ),
        Column("name", "VARCHAR NOT NULL", pl.Utf8, "base, camp or unit name"),
        Column("force", "VARCHAR NOT NULL", pl.Utf8, "national force, e.g. FAMa"),
        Column("kind", "VARCHAR", pl.Utf8, "base, garrison, unit, checkpoint ..."),
        Column("latitude", "DOUBLE", pl.Float64, "WGS84 latitude"),
        Column("longitude", "DOUBLE", pl.Float64, "WGS84 longitude"),
        Column("district_code", "VARCHAR", pl.Utf8, "district (given, or placed from coordinates)"),
        Column("start_date", "DATE NOT NULL", pl.Date, "first day present"),
        Column("end_date", "DATE", pl.Date, "last day present; null = still there"),
        Column("strength", "INTEGER", pl.Int32, "personnel when known"),
        Column("source", "VARCHAR", pl.Utf8, "where the record comes from"),
        Column("file", "VARCHAR", pl.Utf8, "file it was read from"),
    ),
    ("deployment_id",),
)

PARTNER_PRESENCE = Table(
    "partner_presence",
    (
        Column(
            "presence_id",
            "VARCHAR NOT NULL",
            pl.Utf8,
            "stable id: the file's id column or a hash of name, partner and start",
        ),
        Column("name", "VARCHAR NOT NULL", pl.Utf8, "base or location name"),
        Column(
            "partner",
            "VARCHAR NOT NULL",
            pl.Utf8,
            "partner kind, see forecast.core.vocab.PARTNER_KINDS",
        ),
        Column("force", "VARCHAR", pl.Utf8, "force or mission name, e.g. MINUSMA, Barkhane"),
        Column("kind", "VARCHAR", pl.Utf8, "base, camp, patrol area ..."),
        Column("latitude", "DOUBLE", pl.Float64, "WGS84 latitude"),
        Column("longitude", "DOUBLE", pl.Float64, "WGS84 longitude"),
        Column("district_code", "VARCHAR", pl.Utf8, "district (given, or placed from coordinates)"),
        Column("start_date", "DATE NOT NULL", pl.Date, "first day present"),
        Column("end_date", "DATE", pl.Date, "last day present; null = still there"),
        Column("strength", "INTEGER", pl.Int32, "personnel when known"),
        Column("source", "VARCHAR", pl.Utf8, "where the record comes from"),
        Column("file", "VARCHAR", pl.Utf8, "file it was read from"),
    ),
    ("presence_id",),
)

INGESTS = Table(
    "ingests",
    (
        Column("sha256", "VARCHAR NOT NULL", pl.Utf8, "content hash of the file"),
        Column(
            "kind",
            "VARCHAR NOT NULL",
            pl.Utf8,
            "events, districts, deployments, partners or counts",
        ),
        Column("format", "VARCHAR NOT NULL", pl.Utf8, "reader used, with its filter if any"),
        Column("file", "VARCHAR NOT NULL", pl.Utf8, "path as given"),
        Column(
            "rows_read", "BIGINT NOT NULL", pl.Int64, "records after validation and de-duplication"
        ),
        Column("rows_changed", "BIGINT NOT NULL", pl.Int64, "records inserted or replaced"),
        Column("ingested_at", "TIMESTAMP NOT NULL", pl.Datetime, "when"),
    ),
    ("sha256", "kind", "format"),
)

# Aggregate counts per district and month, for teams that have only published aggregates
# (ACLED's admin-2 monthly counts on HDX) and not the events. One row per district and month:
# the source's units that make up one stored district (a cercle split after the boundaries
# were drawn) are summed into it, so the key stays unique. Since schema version 2.
COUNTS = Table(
    "counts",
    (
        Column(
            "source", "VARCHAR NOT NULL", pl.Utf8, "publisher of the counts: acled (HDX admin-2)"
        ),
        Column("district_code", "VARCHAR NOT NULL", pl.Utf8, "stored district the counts are in"),
        Column("month", "DATE NOT NULL", pl.Date, "first day of the month counted"),
        Column(
            "events",
            "INTEGER NOT NULL",
            pl.Int32,
            "events in the month as the source counts them (ACLED HDX: political violence)",
        ),
        Column("fatalities", "INTEGER NOT NULL", pl.Int32, "reported fatalities in the month"),
        Column(
            "admin2_code",
            "VARCHAR",
            pl.Utf8,
            "source's admin-2 code (P-code); '; '-separated, sorted, when units were summed",
        ),
        Column("admin2", "VARCHAR", pl.Utf8, "source's admin-2 name(s), in admin2_code's order"),
        Column("admin1", "VARCHAR", pl.Utf8, "source's admin-1 name(s), distinct, '; '-separated"),
        Column("country", "VARCHAR", pl.Utf8, "ISO 3166-1 alpha-3 as the source gives it"),
        Column(
            "matched",
            "VARCHAR NOT NULL",
            pl.Utf8,
            "how the district was found: pcode, name or succession (docs/FORMATS.md)",
        ),
        Column(
            "units",
            "SMALLINT NOT NULL",
            pl.Int16,
            "source units summed into the row: 1, more only through a P-code succession",
        ),
        Column("file", "VARCHAR", pl.Utf8, "file the counts were read from"),
    ),
    ("source", "district_code", "month"),
)

CANONICAL = (DISTRICTS, EVENTS, DEPLOYMENTS, PARTNER_PRESENCE, INGESTS, COUNTS)


@dataclass(frozen=True)
class CanonicalTables:
    """The canonical tables in memory: what ``features`` and ``training`` consume.

    ``counts`` defaults to an empty table so code that builds the four event-level tables
    (tests, benchmarks) need not know about it.
    """

    districts: pl.DataFrame
    events: pl.DataFrame
    deployments: pl.DataFrame
    partners: pl.DataFrame
    counts: pl.DataFrame = field(default_factory=COUNTS.empty)

    @classmethod
    def empty(cls) -> CanonicalTables:
        return cls(DISTRICTS.empty(), EVENTS.empty(), DEPLOYMENTS.empty(), PARTNER_PRESENCE.empty())


# Derived tables, written whole or per period by the package that owns them (training and
# scoring); the API and the bulletin read them. Not created by the store's migrations, which
# only add columns to them (schema 3: cadence). Weekly and monthly rows live side by side,
# told apart by ``cadence``.
FORECASTS = Table(
    "forecasts",
    (
        Column("district_code", "VARCHAR NOT NULL", pl.Utf8, "district"),
        Column(
            "issue_week",
            "DATE NOT NULL",
            pl.Date,
            "first day of the issue period: the ISO week's Monday, or the month's 1st when "
            "cadence is month",
        ),
        Column(
            "horizon",
            "INTEGER NOT NULL",
            pl.Int32,
            "periods ahead: an event in periods t+1..t+h (weeks, or months)",
        ),
        Column("target", "VARCHAR NOT NULL", pl.Utf8, "any, fatal, civilians or abduction"),
        Column("probability", "DOUBLE NOT NULL", pl.Float64, "calibrated probability"),
        Column("band", "VARCHAR NOT NULL", pl.Utf8, "risk band, see forecast.core.bands"),
        Column("model_version", "VARCHAR NOT NULL", pl.Utf8, "registered model name and version"),
        Column(
            "top_drivers",
            "VARCHAR",
            pl.Utf8,
            "JSON list of {feature, value, contribution} (log-odds), largest first",
        ),
        Column("data_as_of", "DATE", pl.Date, "latest event date in the store when scored"),
        Column(
            "cadence",
            "VARCHAR NOT NULL DEFAULT 'week'",
            pl.Utf8,
            "week or month: the period of issue_week and horizon (forecast.core.cadence)",
        ),
    ),
    ("district_code", "issue_week", "horizon", "target", "cadence"),
)

INTERVAL_LEVELS = (50, 80, 95)
# Expected counts over the next h periods (training.intensity's CountForecaster) and how they
# stand against the district's own normal (forecast.escalation), beside the probabilities of
# ``forecasts``: one row per district, issue period, horizon, count target and cadence.
INTENSITY = Table(
    "intensity",
    (
        Column("district_code", "VARCHAR NOT NULL", pl.Utf8, "district"),
        Column("issue_week", "DATE NOT NULL", pl.Date, "first day of the issue period"),
        Column("horizon", "INTEGER NOT NULL", pl.Int32, "periods ahead: the count of t+1..t+h"),
        Column("target", "VARCHAR NOT NULL", pl.Utf8, "events or fatalities"),
        Column("expected", "DOUBLE NOT NULL", pl.Float64, "mean of the predictive law"),
        *(
            Column(f"{side}{level}", "INTEGER", pl.Int32, f"{side} end of the {level}% interval")
            for level in INTERVAL_LEVELS
            for side in ("lower", "upper")
        ),
        Column(
            "normal",
            "DOUBLE",
            pl.Float64,
            "the district's normal: mean of its last 52 h-period counts up to the issue period",
        ),
        Column(
            "ratio",
            "DOUBLE",
            pl.Float64,
            "expected / normal (both floored at escalation_floor x horizon, so a calm district's "
            "0.01 against 0.001 is no escalation)",
        ),
        Column(
            "percentile",
            "DOUBLE",
            pl.Float64,
            "share of the district's last 52 h-period counts below the expected one (ties half)",
        ),
        Column(
            "escalation", "VARCHAR", pl.Utf8, "escalating, usual or easing (forecast.escalation)"
        ),
        Column("model_version", "VARCHAR NOT NULL", pl.Utf8, "registered model name and version"),
        Column("data_as_of", "DATE", pl.Date, "latest event date in the store when scored"),
        Column("cadence", "VARCHAR NOT NULL DEFAULT 'week'", pl.Utf8, "week or month"),
    ),
    ("district_code", "issue_week", "horizon", "target", "cadence"),
)

CHAMPIONS = Table(
    "champions",
    (
        Column("target", "VARCHAR NOT NULL", pl.Utf8, "forecast target"),
        Column("horizon", "INTEGER NOT NULL", pl.Int32, "periods ahead (weeks, or months)"),
        Column("model_name", "VARCHAR NOT NULL", pl.Utf8, "MLflow registered model name"),
        Column("model_version", "VARCHAR NOT NULL", pl.Utf8, "MLflow model version"),
        Column("run_id", "VARCHAR", pl.Utf8, "MLflow run that trained it"),
        Column("train_start", "DATE", pl.Date, "first issue period in the training window"),
        Column("train_end", "DATE", pl.Date, "last issue period in the training window"),
        Column(
            "backtest",
            "VARCHAR",
            pl.Utf8,
            "JSON {model: {metric: value}, baselines: {name: {metric: value}}}",
        ),
        Column("promoted_at", "TIMESTAMP", pl.Datetime, "when it became champion"),
        Column(
            "cadence",
            "VARCHAR NOT NULL DEFAULT 'week'",
            pl.Utf8,
            "week or month: the models of each cadence have their own champion",
        ),
    ),
    ("target", "horizon", "cadence"),
)
