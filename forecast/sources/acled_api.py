"""``forecast pull acled``: ACLED events from its API into the store, incrementally, all or nothing.

A pull asks the read endpoint country by country, from the latest ACLED event date stored for
that country minus ``settings.acled_revision_days`` (ACLED revises recent events), or from the
beginning when none is stored. Pages are validated as they arrive (:mod:`acled_wire`) and
written to a temporary CSV in ACLED's export layout, so memory stays flat whatever the size;
the whole pull then goes through the same reader, validation and placement as
``forecast ingest events`` (a pulled event equals the same event read from an export) and is
stored in one transaction: a pull that fails on page 7 stores nothing. Rows are upserted by
event id, a newer ``timestamp`` replacing the stored revision, so pulling twice changes nothing.

The weekly job calls :func:`pull_if_configured`, which does nothing without credentials.
"""

from __future__ import annotations

import bisect
import csv
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Final

import polars as pl
from pydantic import SecretStr

from forecast.core.countries import iso3_for_name
from forecast.core.errors import InputError, Problem
from forecast.core.schema import EVENTS, INGESTS
from forecast.core.settings import Settings
from forecast.core.store import Store
from forecast.core.vocab import UNPLACED
from forecast.ingest import file_sha256, place_events
from forecast.sources.acled import EXPORT_COLUMNS, SOURCE, read_acled
from forecast.sources.acled_client import AcledClient, Page
from forecast.sources.acled_wire import (
    PAGE_SIZE,
    READ_PATH,
    AcledConfigError,
    AcledError,
    Cell,
    EventRow,
)

__all__ = [
    "AcledClient",
    "AcledError",
    "PullReport",
    "client_from_settings",
    "configured_countries",
    "incremental_start",
    "pull_acled",
    "pull_if_configured",
]

FORMAT: Final = "acled-api"  # the `format` of a pull in the ingests table
# ACLED's spelling of the countries the service covers, for defaults taken from ISO3 codes.
ACLED_NAMES: Final[dict[str, str]] = {
    "BEN": "Benin",
    "BFA": "Burkina Faso",
    "CAF": "Central African Republic",
    "CIV": "Ivory Coast",
    "CMR": "Cameroon",
    "COD": "Democratic Republic of Congo",
    "DZA": "Algeria",
    "GHA": "Ghana",
    "GIN": "Guinea",
    "GMB": "Gambia",
    "GNB": "Guinea-Bissau",
    "LBY": "Libya",
    "MLI": "Mali",
    "MRT": "Mauritania",
    "NER": "Niger",
    "NGA": "Nigeria",
    "SDN": "Sudan",
    "SEN": "Senegal",
    "SSD": "South Sudan",
    "TCD": "Chad",
    "TGO": "Togo",
}

OnPage = Callable[[str, Page], None]


@dataclass
class PullReport:
    """What one pull did, for the command line and the weekly job's log (no secrets in it)."""

    countries: list[str]
    since: dict[str, date | None]
    stale_after_days: int
    today: date
    pages: int = 0
    rows_received: int = 0
    rows_changed: int = 0
    newest_event: date | None = None
    placement: dict[str, int] = field(default_factory=dict)

    @property
    def age_days(self) -> int | None:
        return None if self.newest_event is None else (self.today - self.newest_event).days

    @property
    def stale(self) -> bool:
        """As the API decides ``stale`` for forecasts made on this data (api.answers.is_stale)."""
        age = self.age_days
        return age is None or age > self.stale_after_days

    def lines(self) -> list[str]:
        asked = ", ".join(
            f"{c} (since {s})" if s else f"{c} (full history)" for c, s in self.since.items()
        )
        head = (
            f"ACLED API {READ_PATH}: {asked}: {self.pages} page(s), "
            f"{self.rows_received:,} events received, {self.rows_changed:,} new or changed"
        )
        if self.placement:
            parts = ", ".join(f"{k} {v:,}" for k, v in sorted(self.placement.items()))
            total = sum(self.placement.values())
            placed = 1 - self.placement.get(UNPLACED, 0) / total
            head += f"; placement: {parts} ({placed:.1%} placed in a district)"
        lines = [head]
        if self.newest_event is None:
            lines.append("Newest event received: none")
        else:
            lines.append(f"Newest event received: {self.newest_event} ({self.age_days} days ago)")
        if self.stale and self.newest_event is not None:
            lines.append(
                f"Warning: the newest event is more than FORECAST_STALE_AFTER_DAYS "
                f"({self.stale_after_days}) days old, so forecasts made on it will be marked "
                "stale; your ACLED access tier may withhold recent months (docs/ACLED_API.md)"
            )
        return lines

    def summary(self) -> str:
        return "\n".join(self.lines())


def _secret(value: SecretStr | None) -> SecretStr | None:
    return value if value is not None and value.get_secret_value().strip() else None


def has_credentials(settings: Settings) -> bool:
    return bool(_secret(settings.acled_username) and _secret(settings.acled_password))


def client_from_settings(settings: Settings) -> AcledClient:
    """A client for the configured account; :class:`AcledConfigError` when credentials lack."""
    username, password = _secret(settings.acled_username), _secret(settings.acled_password)
    if username is None or password is None:
        raise AcledConfigError(
            "ACLED credentials are not set: set FORECAST_ACLED_USERNAME and "
            "FORECAST_ACLED_PASSWORD (your myACLED login); docs/ACLED_API.md"
        )
    return AcledClient(username=username, password=password, base_url=settings.acled_base_url)


def configured_countries(store: Store, settings: Settings) -> list[str]:
    """ACLED country names to pull when none are given: ``acled_countries``, else
    ``countries`` (ISO3), else the countries of the stored districts."""
    if settings.acled_countries:
        return list(settings.acled_countries)
    codes = list(settings.countries) or [
        row[0]
        for row in store.con.execute(
            "SELECT DISTINCT country FROM districts WHERE country IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]
    return [ACLED_NAMES.get(code.upper(), code) for code in codes]


def incremental_start(store: Store, country: str, revision_days: int) -> date | None:
    """The latest stored ACLED event date of ``country`` minus the revision window; None (the
    full history) when the store holds none of its events."""
    codes = [country, iso3_for_name(country) or country]
    row = store.con.execute(
        "SELECT max(event_date) FROM events WHERE source = ? AND country IN (?, ?)",
        [SOURCE, *codes],
    ).fetchone()
    latest = row[0] if row else None
    return None if latest is None else latest - timedelta(days=revision_days)


def read_query(country: str, since: date | None, today: date) -> dict[str, str]:
    """The read endpoint's filters for one country (acledR's form of a date range)."""
    query = {"country": country}
    if since is not None:
        query |= {"event_date": f"{since.isoformat()}|{today.isoformat()}"}
        query |= {"event_date_where": "BETWEEN"}
    return query


def pull_acled(
    store: Store,
    settings: Settings,
    countries: Iterable[str],
    *,
    since: date | None = None,
    client: AcledClient | None = None,
    on_page: OnPage | None = None,
    page_size: int = PAGE_SIZE,
    today: date | None = None,
) -> PullReport:
    """Pull ``countries`` (ACLED names such as "Mali") and store them in one transaction.

    ``since`` overrides the incremental start for every country. Raises :class:`AcledError`
    (one line, no secrets) when the API fails and :class:`InputError` when rows do not
    validate; in both cases nothing is stored.
    """
    names = list(dict.fromkeys(c.strip() for c in countries if c.strip()))
    if not names:
        raise AcledConfigError(
            "no countries to pull: give --country (e.g. --country Mali) or set "
            "FORECAST_ACLED_COUNTRIES"
        )
    today = today or datetime.now(UTC).date()
    starts = {
        c: since if since is not None else incremental_start(store, c, settings.acled_revision_days)
        for c in names
    }
    report = PullReport(names, starts, settings.stale_after_days, today)
    own = client is None
    client = client or client_from_settings(settings)
    try:
        with tempfile.TemporaryDirectory(prefix="acled-pull-") as folder:
            spool = Spool(Path(folder) / "acled-api.csv")
            with spool:
                for country, start in starts.items():
                    query = read_query(country, start, today)
                    for page in client.pages(query, page_size=page_size):
                        spool.add(country, page)
                        report.pages += 1
                        if on_page is not None:
                            on_page(country, page)
            report.rows_received = spool.rows
            if spool.rows:
                _store(store, settings, spool, report, source=f"{client.base_url}{READ_PATH}")
    finally:
        if own:
            client.close()
    return report


def pull_if_configured(
    store: Store, settings: Settings, *, client: AcledClient | None = None
) -> PullReport | None:
    """The weekly job's pull: None when no ACLED credentials are set, else the pull of
    :func:`configured_countries` (raising like :func:`pull_acled`)."""
    if client is None and not has_credentials(settings):
        return None
    return pull_acled(store, settings, configured_countries(store, settings), client=client)


def _store(store: Store, settings: Settings, spool: Spool, report: PullReport, source: str) -> None:
    frame = spool.read().with_columns(file=pl.lit(f"ACLED API {source}"))
    frame = place_events(frame, store, settings.nearest_centroid_max_km)
    counts = frame.group_by("placement").len()
    report.placement = dict(zip(counts["placement"], counts["len"], strict=True))
    report.newest_event = frame["event_date"].max()  # type: ignore[assignment]
    entry = pl.DataFrame(
        {
            "sha256": [file_sha256(spool.path)],
            "kind": ["events"],
            "format": [FORMAT],
            "file": [f"{source} ({', '.join(report.countries)})"],
            "rows_read": [frame.height],
            "rows_changed": [0],
            "ingested_at": [datetime.now(UTC).replace(tzinfo=None)],
        }
    )
    with store.transaction():
        report.rows_changed = store.upsert(EVENTS, frame, version="source_version")
        store.upsert(INGESTS, entry.with_columns(rows_changed=pl.lit(report.rows_changed)))


@dataclass
class Segment:
    """Where a page's rows lie in the spool, to name page and row in errors."""

    country: str
    page: int
    first_row: int  # 1-based spool row of the page's first row


class Spool:
    """Pages written as one CSV in ACLED's export layout, read back by the ACLED reader."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self.segments: list[Segment] = []
        self._handle = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        self._writer.writerow(EXPORT_COLUMNS)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def add(self, country: str, page: Page) -> None:
        if not page.rows:
            return
        self.segments.append(Segment(country, page.number, self.rows + 1))
        self._writer.writerows(_cells(row) for row in page.rows)
        self.rows += len(page.rows)

    def read(self) -> pl.DataFrame:
        """The spooled events, validated as an export is; problems named by page and row."""
        try:
            return read_acled(self.path)
        except InputError as error:
            problems = [self._located(p) for p in error.problems]
        raise InputError(problems)

    def _located(self, problem: Problem) -> Problem:
        if problem.row is None:
            return Problem(f"ACLED API {READ_PATH}", None, problem.field, problem.reason)
        starts = [s.first_row for s in self.segments]
        segment = self.segments[bisect.bisect_right(starts, problem.row) - 1]
        where = f"ACLED API {READ_PATH} ({segment.country}, page {segment.page})"
        return Problem(where, problem.row - segment.first_row + 1, problem.field, problem.reason)


def _cells(row: EventRow) -> list[str]:
    return [_text(row.cell(name)) for name in EXPORT_COLUMNS]


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # JSON numbers: 3.0 is written '3' so whole-number columns read as they do from text.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)
