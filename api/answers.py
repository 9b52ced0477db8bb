"""Answers computed from a snapshot: pure functions from (snapshot, query) to JSON bytes.

Routes stay thin: they parse the request, take the snapshot once and call these. The parts
that do not depend on the clock are cached per snapshot; ``stale`` is decided per request
because today's date moves on while a snapshot is served.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import polars as pl

from api.problems import ApiProblem, bad_value
from api.snapshot import Snapshot, WeekTable, intensity_fields, versions_label
from forecast.core import vocab
from forecast.core.cadence import WEEK, Cadence
from forecast.core.freshness import is_stale  # the bulletin's banner uses the same rule
from training.served import served_pairs


def meta_head(
    model_version: str,
    data_as_of: date | None,
    stale: bool,
    issue_week: date,
    cadence: Cadence = WEEK,
) -> bytes:
    """The opening of every data answer, up to and including the comma after the issue
    period: ``issue_week`` (a Monday), or ``issue_month`` (a 1st) at monthly cadence."""
    return (
        b'{"model_version":'
        + json.dumps(model_version).encode()
        + b',"data_as_of":'
        + (b'"%s"' % data_as_of.isoformat().encode() if data_as_of else b"null")
        + b',"stale":'
        + (b"true" if stale else b"false")
        + b',"cadence":"'
        + cadence.name.encode()
        + b'","'
        + cadence.issue_column.encode()
        + b'":"'
        + issue_week.isoformat().encode()
        + b'",'
    )


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        # Stored timestamps are UTC without a zone; RFC 3339 wants one.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def tail(payload: dict[str, Any]) -> bytes:
    """A dict as JSON without its opening brace, to follow :func:`meta_head`."""
    return json.dumps(payload, default=_iso, separators=(",", ":")).encode()[1:]


def _weeks_phrase(weeks: Sequence[date], cadence: Cadence = WEEK) -> str:
    unit, units = cadence.unit, cadence.units
    if len(weeks) == 1:
        return f"the only {unit} available is {weeks[0]}"
    return (
        f"available {units}: {weeks[0]} to {weeks[-1]} ({len(weeks)} {units}, latest {weeks[-1]})"
    )


def resolve_week(snapshot: Snapshot, week: date | None) -> date:
    """The issue period asked for (any day of it), the latest by default; 404 when absent."""
    if week is None:
        return snapshot.latest
    cadence = snapshot.cadence
    first_day = cadence.truncate(week)
    if not snapshot.has_week(first_day):
        raise ApiProblem(
            404,
            f"no forecasts for {cadence.unit} {first_day}; "
            f"{_weeks_phrase(snapshot.weeks, cadence)}",
            kind="unknown-week",
        )
    return first_day


def require_district(snapshot: Snapshot, code: str) -> int:
    position = snapshot.districts.position.get(code)
    if position is None:
        raise ApiProblem(
            404,
            f"district '{code}' does not exist; GET /v1/forecasts lists the district codes",
            kind="unknown-district",
        )
    return position


def _code(lookup: dict[str, int], names: list[str], value: str, what: str) -> int:
    code = lookup.get(value.strip().lower())
    if code is None:
        known = ", ".join(names[:60]) + (" ..." if len(names) > 60 else "")
        raise ApiProblem(
            404, f"{what} '{value}' does not exist; known: {known}", kind="unknown-area"
        )
    return code


def check_horizon(snapshot: Snapshot, horizon: int | None) -> None:
    if horizon is not None and horizon not in snapshot.horizons:
        raise ApiProblem(
            404,
            f"no forecasts for horizon {horizon}; horizons: "
            + ", ".join(str(h) for h in snapshot.horizons),
            kind="unknown-horizon",
        )


def check_target(snapshot: Snapshot, target: str | None) -> None:
    if target is not None and target not in snapshot.targets:
        raise ApiProblem(
            404,
            f"no forecasts for target '{target}'; targets: {', '.join(snapshot.targets)}",
            kind="unknown-target",
        )


@dataclass(frozen=True)
class ForecastQuery:
    week: date | None = None
    country: str | None = None
    admin1: str | None = None
    bands: tuple[str, ...] = ()
    min_probability: float | None = None
    horizon: int | None = None
    target: str | None = None
    sort: str = "-probability"
    limit: int = 100
    offset: int = 0


def select_rows(snapshot: Snapshot, table: WeekTable, query: ForecastQuery) -> np.ndarray:
    """Row positions matching the filters, in the requested order.

    An area filter starts from a cached, already ordered subset (one region is a few
    hundred rows of tens of thousands), and the other filters narrow that subset.
    """
    check_horizon(snapshot, query.horizon)
    check_target(snapshot, query.target)
    districts = snapshot.districts
    rows = table.orders[query.sort]
    if query.admin1:
        code = _code(districts.admin1_lookup, districts.admin1_names, query.admin1, "admin1")
        rows = table.subset("admin1", code, query.sort)
    if query.country:
        code = _code(districts.country_lookup, districts.country_names, query.country, "country")
        rows = rows[table.country[rows] == code]
    if query.bands:
        unknown = [b for b in query.bands if b not in snapshot.band_names]
        if unknown:
            raise bad_value("query.band", unknown[0], list(snapshot.band_names), "band")
        wanted = [snapshot.band_names.index(b) for b in query.bands]
        rows = rows[np.isin(table.band[rows], wanted)]
    if query.min_probability is not None:
        rows = rows[table.probability[rows] >= query.min_probability]
    if query.horizon is not None:
        rows = rows[table.horizon[rows] == query.horizon]
    if query.target is not None:
        rows = rows[table.target[rows] == snapshot.targets.index(query.target)]
    return rows


def forecasts_page(snapshot: Snapshot, query: ForecastQuery, today: date, stale_days: int) -> bytes:
    week = resolve_week(snapshot, query.week)
    table = snapshot.week_table(week)
    selected = select_rows(snapshot, table, query)
    total = len(selected)
    page = selected[query.offset : query.offset + query.limit]
    following = query.offset + query.limit
    rows = table.rows
    return b"".join(
        (
            meta_head(
                table.versions_of(selected),
                table.data_as_of,
                is_stale(table.data_as_of, today, stale_days),
                week,
                snapshot.cadence,
            ),
            b'"total":%d,"limit":%d,"offset":%d,"next_offset":%s,"items":['
            % (
                total,
                query.limit,
                query.offset,
                str(following).encode() if following < total else b"null",
            ),
            b",".join([rows[i] for i in page.tolist()]),
            b"]}",
        )
    )


def _district_info(snapshot: Snapshot, position: int) -> dict[str, Any]:
    row = snapshot.districts.frame.row(position, named=True)
    return {
        "code": row["code"],
        "name": row["name"],
        "admin1": row.get("admin1"),
        "country": row.get("country"),
        "centroid_lat": row.get("centroid_lat"),
        "centroid_lon": row.get("centroid_lon"),
        "area_km2": row.get("area_km2"),
        "population": row.get("population"),
    }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def monthly_event_counts(monthly: pl.DataFrame | None, code: str, as_of: date | None) -> dict:
    """Political-violence events (and deaths) in the district's latest months up to
    ``as_of``, from the monthly counts (the events inside their span, the counts after)."""
    keys = ("last_month", "last_3_months", "last_12_months", "fatalities_last_12_months")
    if as_of is None or monthly is None or monthly.is_empty():
        return dict.fromkeys(keys, 0)
    from forecast.core.cadence import MONTH

    last = MONTH.truncate(as_of)
    rows = monthly.filter((pl.col("district_code") == code) & (pl.col("month") <= last))

    def since(months: int) -> pl.DataFrame:
        return rows.filter(pl.col("month") > MONTH.shift(last, -months))

    year = since(12)
    return {
        "last_month": int(since(1)["events"].sum()),
        "last_3_months": int(since(3)["events"].sum()),
        "last_12_months": int(year["events"].sum()),
        "fatalities_last_12_months": int(year["fatalities"].sum()),
    }


def event_counts(events: pl.DataFrame, as_of: date | None) -> dict[str, int]:
    """Political violence events (and their deaths) in the weeks up to ``as_of``."""
    if as_of is None or events.is_empty():
        return dict.fromkeys(
            ("last_4_weeks", "last_12_weeks", "last_52_weeks", "fatalities_last_52_weeks"), 0
        )
    # Columns precomputed by the snapshot: polars' per-call overhead would dominate here.
    if "political" in events.columns:
        violent = events["political"].to_numpy()
        age = events["age_days"].to_numpy()
    else:
        violent = events["event_type"].is_in(sorted(vocab.POLITICAL_VIOLENCE)).to_numpy()
        age = events.select((pl.lit(as_of) - pl.col("event_date")).dt.total_days())
        age = age.to_series().to_numpy()
    deaths = events["fatalities"].fill_null(0).to_numpy()

    def within(weeks: int) -> np.ndarray:
        return violent & (age < 7 * weeks)

    year = within(52)
    return {
        "last_4_weeks": int(within(4).sum()),
        "last_12_weeks": int(within(12).sum()),
        "last_52_weeks": int(year.sum()),
        "fatalities_last_52_weeks": int(deaths[year].sum()),
    }


def _detail_tail(snapshot: Snapshot, position: int, week: date, recent_limit: int) -> bytes:
    code = snapshot.districts.codes[position]
    history = snapshot.district_rows(code)  # a few hundred rows at most, newest first
    rows = history.filter(pl.col("issue_week") == week)
    counts = rows.select(intensity_fields()).to_dicts()
    forecasts = [
        {
            "horizon": r["horizon"],
            "target": r["target"],
            "probability": _round(r["probability"]),
            "band": r["band"],
            "previous_probability": _round(r["previous_probability"]),
            "change": _round(r["change"]),
            "model_version": r["model_version"],
            **intensity,
            "drivers": snapshot.explain(r["top_drivers"], r["probability"]),
        }
        for r, intensity in zip(rows.iter_rows(named=True), counts, strict=True)
    ]
    events = snapshot.recent_events(code)
    recent = events.head(recent_limit).select(
        "event_date",
        "event_type",
        "sub_event_type",
        "fatalities",
        "location",
        "latitude",
        "longitude",
        "actor1",
        "actor2",
        "source",
        "source_id",
        "notes",
    )
    if snapshot.cadence is WEEK:
        happened = event_counts(events, snapshot.data_as_of)
    else:
        happened = monthly_event_counts(snapshot.monthly, code, snapshot.data_as_of)
    payload = {
        "district": _district_info(snapshot, position),
        "forecasts": forecasts,
        "event_counts": happened,
        "recent_events": recent.to_dicts(),
    }
    version = versions_label(rows["model_version"].to_list())
    return meta_tail_pair(version, rows["data_as_of"].max(), tail(payload))  # type: ignore[arg-type]


def meta_tail_pair(version: str, as_of: date | None, body: bytes) -> bytes:
    # Model version and data_as_of are fixed per snapshot; kept beside the body so the
    # head can be rebuilt each request with a fresh stale flag.
    return json.dumps([version, as_of.isoformat() if as_of else None]).encode() + b"\n" + body


def district_detail(
    snapshot: Snapshot,
    code: str,
    week: date | None,
    today: date,
    stale_days: int,
    recent_limit: int,
) -> bytes:
    position = require_district(snapshot, code)
    issue_week = resolve_week(snapshot, week)
    cached = snapshot.memo(
        ("detail", position, issue_week, recent_limit),
        lambda: _detail_tail(snapshot, position, issue_week, recent_limit),
    )
    header, body = cached.split(b"\n", 1)
    version, as_of_text = json.loads(header)
    as_of = date.fromisoformat(as_of_text) if as_of_text else snapshot.data_as_of
    stale = is_stale(as_of, today, stale_days)
    return meta_head(version, as_of, stale, issue_week, snapshot.cadence) + body


def district_history(
    snapshot: Snapshot,
    code: str,
    *,
    horizon: int | None,
    target: str | None,
    since: date | None,
    until: date | None,
    limit: int,
    offset: int,
    today: date,
    stale_days: int,
) -> bytes:
    position = require_district(snapshot, code)
    check_horizon(snapshot, horizon)
    check_target(snapshot, target)
    rows = snapshot.district_rows(code)
    if horizon is not None:
        rows = rows.filter(pl.col("horizon") == horizon)
    if target is not None:
        rows = rows.filter(pl.col("target") == target)
    if since is not None:
        rows = rows.filter(pl.col("issue_week") >= since)
    if until is not None:
        rows = rows.filter(pl.col("issue_week") <= until)
    total = rows.height
    page = rows.slice(offset, limit).select(
        pl.col("issue_week").alias(snapshot.cadence.issue_column),
        "horizon",
        "target",
        pl.col("probability").round(4),
        "band",
        "model_version",
        "observed_events",
        pl.when(pl.col("observed_events").is_null())
        .then(None)
        .otherwise(pl.col("observed_events") > 0)
        .alias("happened"),
        *intensity_fields(),
    )
    latest = snapshot.week_table(snapshot.latest)
    version = versions_label(page["model_version"].to_list()) or latest.model_version
    payload = {
        "district": _district_info(snapshot, position),
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if offset + limit < total else None,
        "items": page.to_dicts(),
    }
    as_of = latest.data_as_of
    stale = is_stale(as_of, today, stale_days)
    return meta_head(version, as_of, stale, snapshot.latest, snapshot.cadence) + tail(payload)


def _map_features(snapshot: Snapshot, week: date, horizon: int, target: str) -> list[bytes]:
    """One GeoJSON Feature per district (all of them), with the risk for (horizon, target)."""
    start, length = snapshot.week_slices[week]
    chosen = (
        snapshot.forecasts.slice(start, length)
        .filter((pl.col("horizon") == horizon) & (pl.col("target") == target))
        .select(
            "idx",
            pl.col("probability").round(4),
            "band",
            pl.col("change").round(4),
            *intensity_fields(),
        )
    )
    info = snapshot.districts.frame.select("idx", "code", "name", "admin1", "country")
    props = (
        info.join(chosen, on="idx", how="left", maintain_order="left")
        .drop("idx")
        .select(pl.struct(pl.all()))
        .to_series()
        .struct.json_encode()
        .to_list()
    )
    geometry = snapshot.districts.geometry
    return [
        b'{"type":"Feature","id":%s,"geometry":%s,"properties":%s}'
        % (json.dumps(code).encode(), geometry[i].encode(), props[i].encode())
        for i, code in enumerate(snapshot.districts.codes)
    ]


def map_collection(
    snapshot: Snapshot,
    *,
    week: date | None,
    horizon: int,
    target: str,
    country: str | None,
    admin1: str | None,
    today: date,
    stale_days: int,
) -> bytes:
    check_horizon(snapshot, horizon)
    check_target(snapshot, target)
    issue_week = resolve_week(snapshot, week)
    features: list[bytes] = snapshot.memo(
        ("map", issue_week, horizon, target),
        lambda: _map_features(snapshot, issue_week, horizon, target),
    )
    districts = snapshot.districts
    keep = np.ones(len(features), dtype=bool)
    if country:
        code = _code(districts.country_lookup, districts.country_names, country, "country")
        keep &= districts.country_codes == code
    if admin1:
        code = _code(districts.admin1_lookup, districts.admin1_names, admin1, "admin1")
        keep &= districts.admin1_codes == code
    chosen = features if keep.all() else [features[i] for i in np.flatnonzero(keep)]
    table = snapshot.week_table(issue_week)
    pair = (table.horizon == horizon) & (table.target == snapshot.targets.index(target))
    return b"".join(
        (
            meta_head(
                table.versions_of(np.flatnonzero(pair)),
                table.data_as_of,
                is_stale(table.data_as_of, today, stale_days),
                issue_week,
                snapshot.cadence,
            ),
            b'"type":"FeatureCollection","horizon":%d,"target":%s,"features":['
            % (horizon, json.dumps(target).encode()),
            b",".join(chosen),
            b"]}",
        )
    )


def default_horizon(snapshot: Snapshot) -> int:
    """The cadence's bulletin horizon (4 weeks, 3 months) when forecast, else the first."""
    wanted = snapshot.cadence.bulletin_horizon
    return wanted if wanted in snapshot.horizons else snapshot.horizons[0]


def default_target(snapshot: Snapshot) -> str:
    return "any" if "any" in snapshot.targets else snapshot.targets[0]


def served_by(snapshot: Snapshot) -> list[dict[str, Any]]:
    """Which model wrote the latest week's forecasts of each (target, horizon) pair."""
    start, length = snapshot.week_slices[snapshot.latest]
    return served_pairs(snapshot.forecasts.slice(start, length))


def model_info(snapshot: Snapshot, today: date, stale_days: int) -> bytes:
    table = snapshot.week_table(snapshot.latest)
    bounds = [lower for _, lower in snapshot.bands]
    payload = {
        "loaded_at": snapshot.loaded_at,
        "weeks_available": len(snapshot.weeks),
        "first_week": snapshot.weeks[0],
        "bands": [
            {"name": name, "lower": lower, "upper": bounds[i + 1] if i + 1 < len(bounds) else None}
            for i, (name, lower) in enumerate(snapshot.bands)
        ],
        "champions": snapshot.champions,
        "served": snapshot.memo(("served",), lambda: served_by(snapshot)),
    }
    head = meta_head(
        table.model_version,
        table.data_as_of,
        is_stale(table.data_as_of, today, stale_days),
        snapshot.latest,
        snapshot.cadence,
    )
    return head + tail(payload)
