"""Ingestion: read a file with its reader, place it in districts, store it in one transaction.

Each ``ingest_*`` function is all-or-nothing: the reader validates the whole file first
(raising :class:`forecast.core.errors.InputError` naming file, row and field), and the write is a
single transaction. A file already ingested (same content hash) is skipped, and an upsert
that finds nothing different changes nothing, so re-ingesting is a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from forecast.core.errors import InputError
from forecast.core.schema import (
    COUNTS,
    DEPLOYMENTS,
    DISTRICTS,
    EVENTS,
    INGESTS,
    PARTNER_PRESENCE,
    Table,
)
from forecast.core.store import Store
from forecast.core.vocab import UNPLACED
from forecast.sources.sniff import BOUNDARY_HINT, is_boundary_file


class EventFormat(StrEnum):
    acled = "acled"
    ucdp = "ucdp"


class PresenceFormat(StrEnum):
    csv = "csv"
    geopko = "geopko"


class CountsFormat(StrEnum):
    acled_monthly = "acled-monthly"


@dataclass
class IngestReport:
    """What one ingest did, for the command line and the retraining job's log."""

    file: Path
    kind: str
    format: str
    rows_read: int = 0
    rows_changed: int = 0
    skipped: bool = False
    placement: dict[str, int] = field(default_factory=dict)
    # Counts only: input rows per match kind (pcode, name, succession, unmatched), what the
    # unmatched rows held, and one line per unmatched row (file, row, field, value).
    matching: dict[str, int] = field(default_factory=dict)
    left_out: str | None = None
    warnings: list[str] = field(default_factory=list)
    # Stored, but worth a look (an unknown country): printed under the summary.
    notices: list[str] = field(default_factory=list)

    @property
    def placed_share(self) -> float | None:
        total = sum(self.placement.values())
        if not total:
            return None
        return 1.0 - self.placement.get(UNPLACED, 0) / total

    def summary(self) -> str:
        if self.skipped:
            return f"{self.file}: already ingested (same content); nothing changed"
        text = (
            f"{self.file}: {self.rows_read} {self.kind} read ({self.format}), "
            f"{self.rows_changed} new or changed"
        )
        if self.placement:
            parts = ", ".join(f"{k} {v}" for k, v in sorted(self.placement.items()))
            share = self.placed_share
            text += f"; placement: {parts}"
            if share is not None:
                text += f" ({share:.1%} placed in a district)"
        if self.matching:
            m = self.matching
            text += (
                f"; matched by P-code {m.get('pcode', 0)}, by name {m.get('name', 0)}, "
                f"via succession {m.get('succession', 0)}, unmatched {m.get('unmatched', 0)}"
            )
            if self.left_out:
                text += f" ({self.left_out})"
        for notice in self.notices:
            text += f"\n  warning: {notice}"
        return text


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _already_ingested(store: Store, sha: str, kind: str, fmt: str) -> bool:
    row = store.con.execute(
        "SELECT count(*) FROM ingests WHERE sha256 = ? AND kind = ? AND format = ?",
        [sha, kind, fmt],
    ).fetchone()
    return bool(row and row[0])


def _record(store: Store, sha: str, report: IngestReport) -> None:
    entry = pl.DataFrame(
        {
            "sha256": [sha],
            "kind": [report.kind],
            "format": [report.format],
            "file": [str(report.file)],
            "rows_read": [report.rows_read],
            "rows_changed": [report.rows_changed],
            "ingested_at": [datetime.now(UTC).replace(tzinfo=None)],
        }
    )
    store.upsert(INGESTS, entry)


def _district_index(store: Store):  # -> DistrictIndex | None
    from forecast.assign import DistrictIndex

    districts = store.read("districts")
    return DistrictIndex(DISTRICTS.conform(districts)) if districts.height else None


def place_events(frame: pl.DataFrame, store: Store, nearest_max_km: float) -> pl.DataFrame:
    """Assign events to the stored districts (all unplaced when none are stored yet)."""
    from forecast.assign import assign_districts

    index = _district_index(store)
    if index is None:
        return frame.with_columns(
            pl.lit(None, pl.Utf8).alias("district_code"), pl.lit(UNPLACED).alias("placement")
        )
    return assign_districts(frame, index, nearest_max_km=nearest_max_km)


def place_sites(frame: pl.DataFrame, store: Store) -> pl.DataFrame:
    """Place bases and presence sites: coordinates decide when given, else the given district."""
    from forecast.assign import codes_series

    index = _district_index(store)
    if index is None or frame.is_empty():
        return frame
    has_point = frame["latitude"].is_not_null() & frame["longitude"].is_not_null()
    located = codes_series(
        "located",
        index.locate(
            frame["latitude"].fill_null(np.nan).to_numpy(),
            frame["longitude"].fill_null(np.nan).to_numpy(),
        ),
    )
    return frame.with_columns(
        pl.when(has_point & located.is_not_null())
        .then(located)
        .otherwise(pl.col("district_code"))
        .alias("district_code")
    )


def _ingest(
    store: Store,
    path: Path,
    *,
    kind: str,
    fmt: str,
    table: Table,
    read: Callable[[Path], pl.DataFrame],
    prepare: Callable[[pl.DataFrame], pl.DataFrame],
    version: str | None = None,
    after: Callable[[], None] | None = None,
    force: bool = False,
) -> IngestReport:
    path = Path(path)
    _check_kind(path, kind)
    report = IngestReport(file=path, kind=kind, format=fmt)
    sha = file_sha256(path)
    if not force and _already_ingested(store, sha, kind, fmt):
        report.skipped = True
        return report
    frame = prepare(read(path))
    report.rows_read = frame.height
    if kind == "events":
        report.notices = unknown_countries(path, frame)
    if "placement" in frame.columns:
        counts = frame.group_by("placement").len()
        report.placement = dict(zip(counts["placement"], counts["len"], strict=True))
    with store.transaction():
        report.rows_changed = store.upsert(table, frame, version=version)
        if after is not None:
            after()
        _record(store, sha, report)
    return report


def _check_kind(path: Path, kind: str) -> None:
    """The file exists, and a boundary file is not given to another kind's reader (whose
    error about its binary content would not say what to do)."""
    if not path.is_file():
        raise InputError.single(path, "no such file")
    if kind != "districts" and is_boundary_file(path):
        raise InputError.single(path, BOUNDARY_HINT)


def unknown_countries(path: Path, frame: pl.DataFrame) -> list[str]:
    """One warning per country of ``frame`` that is not an ISO3 code the readers know: the
    events are stored, but no district of theirs can be forecast until it is recognised."""
    from forecast.core.countries import known_iso3

    if "country" not in frame.columns:
        return []
    counts = frame.group_by("country").len().sort("country", nulls_last=True)
    return [
        f"{path}: country '{str(country)[:60]}' ({n} events) is not a known country; "
        "check the spelling or give ISO3 codes"
        for country, n in counts.iter_rows()
        if country is not None and not known_iso3(country)
    ]


def stored_codes(store: Store) -> set[str] | None:
    """Codes of the stored districts, None when none are stored yet."""
    rows = store.con.execute("SELECT code FROM districts").fetchall()
    return {r[0] for r in rows} if rows else None


def ingest_events(
    store: Store,
    path: Path,
    fmt: EventFormat | str = EventFormat.acled,
    *,
    nearest_max_km: float = 150.0,
    force: bool = False,
) -> IngestReport:
    """Ingest an ACLED export or a UCDP GED file (CSV, or the UCDP API's JSON)."""
    fmt = EventFormat(fmt)
    if fmt is EventFormat.acled:
        from forecast.sources.acled import read_acled as reader
    else:
        from forecast.sources.ucdp import read_ucdp as reader
    return _ingest(
        store,
        path,
        kind="events",
        fmt=fmt.value,
        table=EVENTS,
        read=reader,
        prepare=lambda frame: place_events(frame, store, nearest_max_km),
        version="source_version",
        force=force,
    )


def ingest_districts(
    store: Store,
    path: Path,
    *,
    nearest_max_km: float = 150.0,
    force: bool = False,
    **fields: str | None,
) -> IngestReport:
    """Ingest district boundaries (or a gazetteer) and re-place everything already stored."""
    from forecast.sources.boundaries import read_districts

    def replace_stored() -> None:
        replace_placements(store, nearest_max_km)

    return _ingest(
        store,
        path,
        kind="districts",
        fmt=Path(path).suffix.lstrip(".").lower() or "unknown",
        table=DISTRICTS,
        read=lambda p: read_districts(p, **fields),
        prepare=lambda frame: frame,
        after=replace_stored,
        force=force,
    )


def replace_placements(store: Store, nearest_max_km: float) -> int:
    """Place every stored event and site again against the stored districts."""
    changed = 0
    events = EVENTS.conform(store.read("events"))
    if events.height:
        changed += store.upsert(EVENTS, place_events(events, store, nearest_max_km))
    for table in (DEPLOYMENTS, PARTNER_PRESENCE):
        sites = table.conform(store.read(table.name))
        if sites.height:
            changed += store.upsert(table, place_sites(sites, store))
    return changed


def ingest_deployments(store: Store, path: Path, *, force: bool = False) -> IngestReport:
    """Ingest national troop deployments in the project's CSV format (docs/FORMATS.md)."""
    from forecast.sources.presence import read_deployments

    return _ingest(
        store,
        path,
        kind="deployments",
        fmt="csv",
        table=DEPLOYMENTS,
        read=lambda p: read_deployments(p, known_codes=stored_codes(store)),
        prepare=lambda frame: place_sites(frame, store),
        force=force,
    )


def ingest_partners(
    store: Store,
    path: Path,
    fmt: PresenceFormat | str = PresenceFormat.csv,
    *,
    missions: list[str] | None = None,
    force: bool = False,
) -> IngestReport:
    """Ingest partner-force presence: the project's CSV format or Geo-PKO (UN missions,
    optionally only ``missions`` such as ["MINUSMA"])."""
    fmt = PresenceFormat(fmt)
    reader: Callable[[Path], pl.DataFrame]
    if fmt is PresenceFormat.csv:
        from forecast.sources.presence import read_partners

        def reader(path: Path) -> pl.DataFrame:
            return read_partners(path, known_codes=stored_codes(store))
    else:
        from forecast.sources.geopko import read_geopko

        def reader(path: Path) -> pl.DataFrame:
            return read_geopko(path, missions)

    return _ingest(
        store,
        path,
        kind="partners",
        # The mission filter is part of what was read: another filter is another ingest.
        fmt=fmt.value + (":" + ",".join(sorted(missions)) if missions else ""),
        table=PARTNER_PRESENCE,
        read=reader,
        prepare=lambda frame: place_sites(frame, store),
        force=force,
    )


def ingest_counts(
    store: Store,
    path: Path,
    fmt: CountsFormat | str = CountsFormat.acled_monthly,
    *,
    max_unmatched: float = 0.02,
    force: bool = False,
    today: date | None = None,
) -> IngestReport:
    """Ingest aggregate counts per admin-2 unit and month (ACLED's HDX admin-2 monthly file),
    matched to the stored districts; refused when more than ``max_unmatched`` of its rows
    match none (docs/FORMATS.md, section 5)."""
    from forecast.sources.counts import left_out_summary, match_counts, read_acled_monthly

    fmt = CountsFormat(fmt)
    path = Path(path)
    _check_kind(path, "counts")
    report = IngestReport(file=path, kind="counts", format=fmt.value)
    sha = file_sha256(path)
    if not force and _already_ingested(store, sha, report.kind, report.format):
        report.skipped = True
        return report
    frame = read_acled_monthly(path, today=today)
    districts = DISTRICTS.conform(store.read("districts"))
    matched = match_counts(frame, districts, path, max_unmatched=max_unmatched)
    report.rows_read = matched.rows_read
    report.matching = matched.by
    report.warnings = [str(problem) for problem in matched.unmatched]
    if matched.unmatched:
        report.left_out = left_out_summary(matched)
    rows = matched.rows.with_columns(pl.lit(str(path)).alias("file"))
    with store.transaction():
        report.rows_changed = store.upsert(COUNTS, rows)
        _record(store, sha, report)
    return report


def _drop_counts(store: Store, path: Path) -> IngestReport:
    from forecast.core.settings import get_settings

    return ingest_counts(store, path, max_unmatched=get_settings().counts_max_unmatched)


# Drop-folder layout for the retraining job: one sub-folder per kind and format.
DROP_LAYOUT: dict[str, Callable[[Store, Path], IngestReport]] = {
    "districts": lambda store, path: ingest_districts(store, path),
    "acled": lambda store, path: ingest_events(store, path, EventFormat.acled),
    "ucdp": lambda store, path: ingest_events(store, path, EventFormat.ucdp),
    "deployments": lambda store, path: ingest_deployments(store, path),
    "partners": lambda store, path: ingest_partners(store, path, PresenceFormat.csv),
    "geopko": lambda store, path: ingest_partners(store, path, PresenceFormat.geopko),
    # ACLED's admin-2 monthly counts (HDX); after districts, which it is matched against.
    "counts": _drop_counts,
}
DROP_SUFFIXES = (".csv", ".gz", ".json", ".geojson", ".gpkg", ".shp", ".zip")


def ingest_demo_files(store: Store, files: Any) -> list[IngestReport]:
    """The demo world's files (a forecast.demo.DemoFiles) through the production readers."""
    return [
        ingest_districts(store, files.districts),
        ingest_events(store, files.events, EventFormat.acled),
        ingest_deployments(store, files.deployments),
        ingest_partners(store, files.partners),
    ]


def ingest_drop_folder(store: Store, folder: Path) -> list[IngestReport]:
    """Ingest every file under ``folder/<kind>/`` (kinds in DROP_LAYOUT), districts first.

    Files already ingested are skipped by content hash. Each file is its own transaction;
    the first bad file stops the run with its InputError, leaving earlier files stored.
    """
    reports: list[IngestReport] = []
    for kind, ingest in DROP_LAYOUT.items():
        sub = Path(folder) / kind
        if not sub.is_dir():
            continue
        for path in sorted(p for p in sub.iterdir() if p.name.lower().endswith(DROP_SUFFIXES)):
            reports.append(ingest(store, path))
    return reports
