"""The service database: API keys and field reports, through SQLAlchemy Core.

SQLite under the home folder by default, PostgreSQL when ``service_db_url`` says so. The
DuckDB store stays read-only for the API (the retraining job is its single writer); what
the API itself writes lives here, and the retraining job pulls field reports from here
with :func:`pending_field_reports`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from forecast.core import vocab
from forecast.core.schema import EVENTS

SCOPES: tuple[str, ...] = ("read", "report", "admin")
TOKEN_PREFIX = "fk_"
FIELD_REPORT_SOURCE = "field_report"

# Report types a partner may send, mapped to the normalised event vocabulary.
REPORT_TYPES: dict[str, str] = {
    "battle": vocab.BATTLE,
    "armed_clash": vocab.BATTLE,
    "attack": vocab.BATTLE,
    "remote_violence": vocab.REMOTE_VIOLENCE,
    "explosion": vocab.REMOTE_VIOLENCE,
    "ied": vocab.REMOTE_VIOLENCE,
    "airstrike": vocab.REMOTE_VIOLENCE,
    "drone_strike": vocab.REMOTE_VIOLENCE,
    "shelling": vocab.REMOTE_VIOLENCE,
    "civilian_violence": vocab.CIVILIAN_VIOLENCE,
    "attack_on_civilians": vocab.CIVILIAN_VIOLENCE,
    "abduction": vocab.ABDUCTION,
    "kidnapping": vocab.ABDUCTION,
    "riot": vocab.RIOT,
    "protest": vocab.PROTEST,
    "strategic": vocab.STRATEGIC,
    "other": vocab.STRATEGIC,
}

metadata = sa.MetaData()

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("hashed_key", sa.String(64), nullable=False, unique=True),
    sa.Column("scopes", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

field_reports = sa.Table(
    "field_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key_id", sa.Integer, sa.ForeignKey("api_keys.id"), nullable=False),
    sa.Column("reporter_id", sa.String(128), nullable=False),
    sa.Column("event_date", sa.Date, nullable=False),
    sa.Column("latitude", sa.Float, nullable=False),
    sa.Column("longitude", sa.Float, nullable=False),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("fatalities", sa.Integer, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("key_id", "reporter_id", name="uq_field_reports_key_reporter"),
)

# Fields whose equality decides whether a repeated report is the same report.
REPORT_CONTENT = (
    "event_date",
    "latitude",
    "longitude",
    "type",
    "fatalities",
    "description",
)


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class FieldReport:
    id: int
    key_id: int
    reporter_id: str
    event_date: date
    latitude: float
    longitude: float
    type: str
    fatalities: int
    description: str | None
    received_at: datetime


class ReportConflictError(Exception):
    """Same reporter id as a stored report of this key, but different content."""

    def __init__(self, stored: FieldReport) -> None:
        super().__init__(f"report '{stored.reporter_id}' already stored with other content")
        self.stored = stored


def connect(url: str) -> Engine:
    """An engine with the tables created; SQLite waits on a lock instead of failing."""
    args = {"timeout": 15, "check_same_thread": False} if url.startswith("sqlite") else {}
    engine = sa.create_engine(url, connect_args=args)
    with engine.begin() as con:
        if engine.dialect.name == "postgresql":
            # Several API workers start at once on an empty database: without a lock they
            # race on CREATE TABLE (UniqueViolation / DuplicateTable).
            con.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x5A4E})
        metadata.create_all(con)
    return engine


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        scopes=tuple(s for s in row.scopes.split(",") if s),
        created_at=_utc(row.created_at),  # type: ignore[arg-type]
        revoked_at=_utc(row.revoked_at),
    )


def create_key(engine: Engine, name: str, scopes: Sequence[str]) -> tuple[ApiKey, str]:
    """Store a new key and return it with its token; the token is not kept, only its hash."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValueError(f"scopes must be among {', '.join(SCOPES)}; got {', '.join(scopes)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ordered = ",".join(s for s in SCOPES if s in scopes)
    with engine.begin() as con:
        result = con.execute(
            api_keys.insert().values(
                name=name, hashed_key=hash_token(token), scopes=ordered, created_at=_now()
            )
        )
        key_id = result.inserted_primary_key[0]  # type: ignore[index]
        row = con.execute(sa.select(api_keys).where(api_keys.c.id == key_id)).one()
    return _key(row), token


def list_keys(engine: Engine) -> list[ApiKey]:
    with engine.connect() as con:
        return [_key(r) for r in con.execute(sa.select(api_keys).order_by(api_keys.c.id))]


def revoke_key(engine: Engine, key_id: int) -> bool:
    """Revoke a key; False when there is no such active key."""
    with engine.begin() as con:
        result = con.execute(
            api_keys.update()
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=_now())
        )
    return result.rowcount == 1


def active_keys(engine: Engine) -> dict[str, ApiKey]:
    """Active keys by hashed token: the API caches this and refreshes it now and then."""
    query = sa.select(api_keys).where(api_keys.c.revoked_at.is_(None))
    with engine.connect() as con:
        return {r.hashed_key: _key(r) for r in con.execute(query)}


def find_active_key(engine: Engine, hashed: str) -> ApiKey | None:
    """The active key with this hashed token, if any: one look-up on the unique index, for
    a key the API's cached set does not hold yet."""
    query = sa.select(api_keys).where(
        api_keys.c.hashed_key == hashed, api_keys.c.revoked_at.is_(None)
    )
    with engine.connect() as con:
        row = con.execute(query).one_or_none()
    return _key(row) if row is not None else None


def _report(row: Any) -> FieldReport:
    return FieldReport(
        id=row.id,
        key_id=row.key_id,
        reporter_id=row.reporter_id,
        event_date=row.event_date,
        latitude=row.latitude,
        longitude=row.longitude,
        type=row.type,
        fatalities=row.fatalities,
        description=row.description,
        received_at=_utc(row.received_at),  # type: ignore[arg-type]
    )


def _same_content(stored: FieldReport, values: dict[str, Any]) -> bool:
    return all(getattr(stored, name) == values.get(name) for name in REPORT_CONTENT)


def _find_report(con: sa.Connection, key_id: int, reporter_id: str) -> FieldReport | None:
    row = con.execute(
        sa.select(field_reports).where(
            field_reports.c.key_id == key_id, field_reports.c.reporter_id == reporter_id
        )
    ).one_or_none()
    return _report(row) if row else None


def store_field_report(
    engine: Engine, key_id: int, reporter_id: str, content: dict[str, Any]
) -> tuple[FieldReport, bool]:
    """Store a report once per (key, reporter id); return it and whether it is new.

    ``content`` holds the :data:`REPORT_CONTENT` fields. A repeat with the same content
    returns the stored report; a repeat with other content raises ReportConflictError.
    """
    if content.get("type") not in REPORT_TYPES:
        raise ValueError(f"unknown report type {content.get('type')!r}")
    values = {name: content.get(name) for name in REPORT_CONTENT}
    with engine.begin() as con:
        stored = _find_report(con, key_id, reporter_id)
        if stored is None:
            try:
                with con.begin_nested():
                    con.execute(
                        field_reports.insert().values(
                            key_id=key_id, reporter_id=reporter_id, received_at=_now(), **values
                        )
                    )
            except sa.exc.IntegrityError:
                pass  # a concurrent request stored it first: compare with that one below
            else:
                created = _find_report(con, key_id, reporter_id)
                assert created is not None
                return created, True
            stored = _find_report(con, key_id, reporter_id)
            assert stored is not None
    if not _same_content(stored, values):
        raise ReportConflictError(stored)
    return stored, False


def pending_field_reports(engine: Engine, *, include_ingested: bool = False) -> pl.DataFrame:
    """Field reports not yet ingested, as rows of ``forecast.core.schema.EVENTS``.

    ``source`` is ``field_report`` and ``source_id`` is ``<key id>:<reporter id>``, so
    ingesting the same report twice changes nothing. ``district_code`` is null with
    placement ``unplaced``: the ingest step places events by their coordinates
    (``forecast.ingest.place_events``).
    """
    query = sa.select(field_reports).order_by(field_reports.c.id)
    if not include_ingested:
        query = query.where(field_reports.c.ingested_at.is_(None))
    with engine.connect() as con:
        rows = [_report(r) for r in con.execute(query)]
    return reports_as_events(rows)


def reports_as_events(reports: Iterable[FieldReport]) -> pl.DataFrame:
    rows = list(reports)
    if not rows:
        return EVENTS.empty()
    types = [REPORT_TYPES[r.type] for r in rows]
    frame = pl.DataFrame(
        {
            "source": [FIELD_REPORT_SOURCE] * len(rows),
            "source_id": [f"{r.key_id}:{r.reporter_id}" for r in rows],
            "event_date": [r.event_date for r in rows],
            "latitude": [r.latitude for r in rows],
            "longitude": [r.longitude for r in rows],
            "geo_precision": [1] * len(rows),
            "time_precision": [1] * len(rows),
            "event_type": types,
            "sub_event_type": [r.type for r in rows],
            "violent": [t in vocab.VIOLENT_TYPES for t in types],
            "notes": [r.description for r in rows],
            "fatalities": [r.fatalities for r in rows],
            # The receipt time never changes, so re-ingesting a report is a no-op.
            "source_version": [int(r.received_at.timestamp()) for r in rows],
            "district_code": [None] * len(rows),
            "placement": [vocab.UNPLACED] * len(rows),
            "file": ["service_db"] * len(rows),
        }
    )
    return EVENTS.conform(frame)


def mark_field_reports_ingested(engine: Engine, source_ids: Iterable[str]) -> int:
    """Flag reports (by events ``source_id``) as ingested; returns how many changed."""
    changed = 0
    with engine.begin() as con:
        for source_id in source_ids:
            key_id, _, reporter_id = source_id.partition(":")
            result = con.execute(
                field_reports.update()
                .where(
                    field_reports.c.key_id == int(key_id),
                    field_reports.c.reporter_id == reporter_id,
                    field_reports.c.ingested_at.is_(None),
                )
                .values(ingested_at=_now())
            )
            changed += result.rowcount
    return changed
