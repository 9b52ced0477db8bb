"""What the store holds: counts, date ranges, placement, districts without events, data as of."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from forecast.core.store import Store
from training.served import served_pairs


@dataclass
class SourceSummary:
    source: str
    events: int
    first: date | None
    last: date | None
    fatalities: int


@dataclass
class CountsSummary:
    """One source's rows of the counts table (district x month aggregates)."""

    source: str
    rows: int
    districts: int
    first: date | None
    last: date | None
    events: int
    fatalities: int


@dataclass
class StoreStatus:
    districts: int
    countries: list[str]
    sources: list[SourceSummary]
    placement: dict[str, int]
    districts_without_events: list[str]
    deployments: int
    open_deployments: int
    partners: dict[str, int]
    data_as_of: date | None
    derived: dict[str, int] = field(default_factory=dict)
    last_ingests: list[tuple[str, str, str, int, int]] = field(default_factory=list)
    # The latest issue week's pairs and what made them (forecast.scoring.served_pairs).
    served: list[dict[str, Any]] = field(default_factory=list)
    latest_issue_week: date | None = None
    counts: list[CountsSummary] = field(default_factory=list)


def _rows(store: Store, sql: str) -> list[tuple]:
    return store.con.execute(sql).fetchall()


def store_status(store: Store) -> StoreStatus:
    sources = [
        SourceSummary(*row)
        for row in _rows(
            store,
            "SELECT source, count(*), min(event_date), max(event_date), "
            "coalesce(sum(fatalities), 0) FROM events GROUP BY source ORDER BY source",
        )
    ]
    without = [
        f"{_shown(name)} ({_shown(code)})"
        for code, name in _rows(
            store,
            "SELECT code, name FROM districts d WHERE NOT EXISTS "
            "(SELECT 1 FROM events e WHERE e.district_code = d.code) ORDER BY name",
        )
    ]
    as_of = _rows(store, "SELECT max(event_date) FROM events")[0][0]
    derived = {name: store.count(name) for name in ("panel", "forecasts") if store.has_table(name)}
    latest, served = _served(store) if "forecasts" in derived else (None, [])
    return StoreStatus(
        districts=store.count("districts"),
        countries=[r[0] for r in _rows(store, "SELECT DISTINCT country FROM districts ORDER BY 1")],
        sources=sources,
        placement=dict(
            _rows(store, "SELECT placement, count(*) FROM events GROUP BY 1 ORDER BY 1")
        ),
        districts_without_events=without,
        deployments=store.count("deployments"),
        open_deployments=_rows(store, "SELECT count(*) FROM deployments WHERE end_date IS NULL")[0][
            0
        ],
        partners=dict(
            _rows(store, "SELECT partner, count(*) FROM partner_presence GROUP BY 1 ORDER BY 1")
        ),
        data_as_of=as_of,
        derived=derived,
        last_ingests=_rows(
            store,
            "SELECT strftime(ingested_at, '%Y-%m-%d %H:%M'), kind, file, rows_read, rows_changed "
            "FROM ingests ORDER BY ingested_at DESC LIMIT 5",
        ),
        served=served,
        latest_issue_week=latest,
        counts=_counts(store),
    )


def _counts(store: Store) -> list[CountsSummary]:
    if not store.has_table("counts"):  # a version-1 store opened read-only
        return []
    return [
        CountsSummary(*row)
        for row in _rows(
            store,
            "SELECT source, count(*), count(DISTINCT district_code), min(month), max(month), "
            "coalesce(sum(events), 0), coalesce(sum(fatalities), 0) "
            "FROM counts GROUP BY source ORDER BY source",
        )
    ]


def _served(store: Store) -> tuple[date | None, list[dict[str, Any]]]:
    """The latest issue week and, per (target, horizon), the model that scored it."""
    latest = _rows(store, "SELECT max(issue_week) FROM forecasts")[0][0]
    rows = store.con.execute(
        "SELECT target, horizon, model_version FROM forecasts WHERE issue_week = ?", [latest]
    ).pl()
    return latest, served_pairs(rows)


def render_status(status: StoreStatus, *, max_listed: int = 12) -> str:
    lines = [
        f"Districts: {status.districts}"
        + (f" in {', '.join(c or '?' for c in status.countries)}" if status.countries else ""),
    ]
    if not status.sources:
        lines.append("Events: none stored")
    for s in status.sources:
        lines.append(
            f"Events ({s.source}): {s.events:,} from {s.first} to {s.last}, "
            f"{s.fatalities:,} fatalities"
        )
    total = sum(status.placement.values())
    if total:
        parts = ", ".join(f"{k} {v:,} ({v / total:.1%})" for k, v in status.placement.items())
        lines.append(f"Placement: {parts}")
    if status.districts:
        shown = status.districts_without_events[:max_listed]
        more = len(status.districts_without_events) - len(shown)
        lines.append(
            f"Districts without any event: {len(status.districts_without_events)}"
            + (": " + ", ".join(shown) if shown else "")
            + (f" and {more} more" if more > 0 else "")
        )
    for c in status.counts:
        lines.append(
            f"Counts ({c.source}): {c.rows:,} district-months in {c.districts} districts, "
            f"{_month(c.first)} to {_month(c.last)}, {c.events:,} events, "
            f"{c.fatalities:,} fatalities"
        )
    lines.append(
        f"Deployments: {status.deployments} periods ({status.open_deployments} still open)"
    )
    partners = ", ".join(f"{k} {v}" for k, v in status.partners.items()) or "none"
    lines.append(f"Partner presence periods: {partners}")
    for name, rows in status.derived.items():
        lines.append(f"Derived table {name}: {rows:,} rows")
    lines.append(f"Data as of: {status.data_as_of or 'no events yet'}")
    if status.served:
        baseline = [
            f"{p['target']} h{p['horizon']}" for p in status.served if p["by"] == "baseline"
        ]
        champions = len(status.served) - len(baseline)
        lines.append(
            f"Forecasts for issue week {status.latest_issue_week}: {len(status.served)} "
            f"(target, horizon) pairs, {champions} by champion models"
            + (
                f", {len(baseline)} by the logistic baseline ({', '.join(baseline)})"
                if baseline
                else ""
            )
        )
    if status.last_ingests:
        lines.append("Last ingests:")
        lines.extend(
            f"  {at}  {kind:<11} {rows:>8,} read {changed:>8,} changed  {file}"
            for at, kind, file, rows, changed in status.last_ingests
        )
    return "\n".join(lines)


SHOWN_CHARS = 40  # a stored name or code longer than this is cut in the listing


def _shown(text: str | None) -> str:
    """``text`` cut to SHOWN_CHARS with an ellipsis, so one odd value cannot flood the screen."""
    text = text or "?"
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _month(day: date | None) -> str:
    return day.strftime("%Y-%m") if day else "?"
