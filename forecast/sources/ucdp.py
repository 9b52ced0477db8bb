"""Reader for UCDP GED events: the GED CSV download, or the UCDP API's JSON.

The API answers ``{"TotalCount": .., "Result": [event, ...]}``; a plain JSON list of the same
event objects is accepted too. Fields are the GED's own (``id``, ``date_start``, ``best``,
``side_a`` ...). District assignment happens later: every event leaves here unplaced.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any, Final

import polars as pl

from forecast.core import vocab
from forecast.core.countries import iso3_for_name
from forecast.core.errors import InputError
from forecast.core.schema import EVENTS
from forecast.sources.csvio import (
    ROW,
    DateFormat,
    Number,
    Report,
    check_columns,
    check_lengths,
    clean,
    flag_conflicting_duplicates,
    flag_future,
    normal_name,
    parse_date,
    parse_numbers,
    read_bytes,
    read_csv_text,
    relabel,
    repeated,
)
from forecast.sources.limits import check_json_depth, latest_day
from forecast.sources.sniff import events_hint

SOURCE: Final = "ucdp"
REQUIRED: Final = (
    "id",
    "date_start",
    "type_of_violence",
    "best",
    "where_prec",
    "date_prec",
    "side_a",
    "side_b",
    "latitude",
    "longitude",
    "country",
)
TEXT_COLUMNS: Final = (
    "id",
    "side_a",
    "side_b",
    "country",
    "adm_1",
    "adm_2",
    "where_coordinates",
    "where_description",
    "source_headline",
)
MAX_INT32: Final = 2**31 - 1
NUMBERS: Final = (
    Number("best", pl.Int64, 0, MAX_INT32, required=True),
    Number("low", pl.Int64, 0, MAX_INT32),
    Number("high", pl.Int64, 0, MAX_INT32),
    Number("latitude", pl.Float64, -90, 90),
    Number("longitude", pl.Float64, -180, 180),
    Number("type_of_violence", pl.Int64, 1, 3, required=True),
    Number("where_prec", pl.Int64, 1, 7),
    Number("date_prec", pl.Int64, 1, 5),
)
WANTED: Final = frozenset(TEXT_COLUMNS) | {"date_start", "date_end"} | {n.column for n in NUMBERS}
DATE_FORMATS: Final = (
    DateFormat(
        r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$",
        "%Y-%m-%d",
        "2009-02-20T00:00:00",
        take=10,
    ),
)
# UCDP has no abduction class: one-sided violence is all violence against civilians.
EVENT_TYPES: Final = {1: vocab.BATTLE, 2: vocab.BATTLE, 3: vocab.CIVILIAN_VIOLENCE}
SUB_TYPES: Final = {1: "state-based", 2: "non-state", 3: "one-sided"}
# Trailing unit words UCDP appends to admin names ("Ouaka province", "Obo region").
ADMIN_SUFFIX: Final = (
    r"(?i)\s+(?:sub-prefecture|prefecture|province|region|district|city|cercle|department"
    r"|département|commune|governorate|municipality)$"
)


def read_ucdp(path: Path) -> pl.DataFrame:
    """Events of a UCDP GED file (CSV, JSON; optionally '.gz') conformed to ``EVENTS``.

    One row per event id, unplaced. Raises ``InputError`` listing every problem found.
    """
    path = Path(path)
    raw = (
        _read_json(path)
        if _is_json(path)
        else read_csv_text(path, required=REQUIRED, wanted=WANTED, hint=_hint)
    )
    report = Report(path)
    events = _parse(raw, report)
    _flag_dates(raw, events, report)
    compared = [c for c in events.columns if c not in (ROW, "source_id")]
    shared = repeated(events["source_id"]) & events["source_id"].is_not_null()
    flag_conflicting_duplicates(events.filter(shared), "source_id", compared, report, "id")
    report.raise_if_any()
    # Repeats left are exact copies (e.g. overlapping API pages): keep the first.
    events = events.unique("source_id", keep="first", maintain_order=True)
    return EVENTS.conform(
        events.with_columns(
            source=pl.lit(SOURCE),
            violent=pl.col("event_type").is_in(list(vocab.VIOLENT_TYPES)),
            source_version=pl.lit(0, dtype=pl.Int64),
            district_code=pl.lit(None, dtype=pl.Utf8),
            placement=pl.lit(vocab.UNPLACED),
            file=pl.lit(str(path)),
        )
    )


def _hint(names: Sequence[str]) -> str | None:
    return events_hint(names, "ucdp")


def _flag_dates(raw: pl.DataFrame, events: pl.DataFrame, report: Report) -> None:
    """Dates after the tolerance, and a ``date_end`` (checked, not stored) before the start."""
    latest = latest_day()
    flag_future(events, events["event_date"], "date_start", report, latest)
    if "date_end" not in raw.columns:
        return
    end = parse_date(raw, "date_end", DATE_FORMATS, report, required=False)
    flag_future(events, end, "date_end", report, latest)
    before = (end < events["event_date"]).fill_null(False)
    hits = events.select(ROW, "event_date").with_columns(end.alias("#end")).filter(before)
    for row, start, stop in hits.iter_rows():
        report.add(f"date_end {stop} is before date_start {start}", row=int(row), field="date_end")


def _is_json(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".json"):
        return True
    if name.endswith(".csv"):
        return False
    return read_bytes(path).lstrip()[:1] in (b"{", b"[")


def _read_json(path: Path) -> pl.DataFrame:
    """The API's event objects as an all-text frame with ``ROW`` (the 1-based list position)."""
    records = _json_records(path)
    report = Report(path)
    for row in (i for i, r in enumerate(records, start=1) if not isinstance(r, dict)):
        report.add("is not a JSON object", row=row)
    report.raise_if_any()
    keys = list(dict.fromkeys(chain.from_iterable(records)))
    try:
        frame = pl.from_dicts(records, schema={k: pl.Utf8 for k in keys}, strict=False)
    except (pl.exceptions.PolarsError, TypeError, ValueError) as exc:
        raise InputError.single(path, f"cannot read the events as a table: {exc}") from exc
    frame = frame.rename({k: normal_name(k) for k in keys})
    check_columns(path, frame.columns, REQUIRED, hint=_hint)
    frame = frame.with_row_index(ROW, offset=1)
    check_lengths(path, frame)
    return frame


def _json_records(path: Path) -> list[Any]:
    data = read_bytes(path)
    check_json_depth(path, data)
    try:
        document = json.loads(data)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError.single(
            path,
            f"byte {exc.start} (line {line}) is not valid UTF-8 (probably Latin-1/Windows-1252); "
            "re-save the file as UTF-8",
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError.single(
            path, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    records = document.get("Result") if isinstance(document, dict) else document
    if not isinstance(records, list):
        raise InputError.single(
            path, "expected a JSON list of events or an object with a 'Result' list of events"
        )
    if not records:
        raise InputError.single(path, "file holds no events (empty list)")
    return records


def _parse(raw: pl.DataFrame, report: Report) -> pl.DataFrame:
    """Typed EVENTS columns, one row per input row (with ``ROW``); problems reported."""
    texts = raw.select(ROW, *[clean(c) for c in TEXT_COLUMNS if c in raw.columns])
    numbers = parse_numbers(raw, [n for n in NUMBERS if n.column in raw.columns], report)
    dates = parse_date(raw, "date_start", DATE_FORMATS, report)
    frame = pl.concat([texts, numbers.drop(ROW)], how="horizontal").with_columns(
        dates, relabel(texts["country"], lambda v: iso3_for_name(v) or v).alias("iso3_or_name")
    )
    report.flag(frame, pl.col("id").is_null(), "id", pl.lit("missing event id"))
    violence = pl.col("type_of_violence")
    return frame.select(
        ROW,
        pl.col("id").alias("source_id"),
        pl.col("date_start").alias("event_date"),
        "latitude",
        "longitude",
        _geo_precision(pl.col("where_prec")).alias("geo_precision"),
        _time_precision(pl.col("date_prec")).alias("time_precision"),
        violence.replace_strict(EVENT_TYPES, default=None).alias("event_type"),
        violence.replace_strict(SUB_TYPES, default=None).alias("sub_event_type"),
        pl.col("side_a").alias("actor1"),
        pl.col("side_b").alias("actor2"),
        pl.col("iso3_or_name").alias("country"),
        _admin_name(frame, "adm_1").alias("admin1"),
        _admin_name(frame, "adm_2").alias("admin2"),
        _text(frame, "where_coordinates").alias("location"),
        pl.col("best").alias("fatalities"),
        _number(frame, "low").alias("fatalities_low"),
        _number(frame, "high").alias("fatalities_high"),
        _notes(frame).alias("notes"),
    )


def _geo_precision(where_prec: pl.Expr) -> pl.Expr:
    """UCDP where_prec 1-2 (exact place, within 25 km) -> 1, 3 (admin-2) -> 2, 4-7 -> 3."""
    return (
        pl.when(where_prec <= 2).then(1).when(where_prec == 3).then(2).when(where_prec <= 7).then(3)
    )


def _time_precision(date_prec: pl.Expr) -> pl.Expr:
    """UCDP date_prec 1 (day) -> 1, 2-3 (2-6 days, week) -> 2, 4-5 (month, year+) -> 3."""
    return pl.when(date_prec == 1).then(1).when(date_prec <= 3).then(2).when(date_prec <= 5).then(3)


def _text(frame: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.Utf8)


def _number(frame: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.Int64)


def _admin_name(frame: pl.DataFrame, name: str) -> pl.Expr:
    """UCDP's admin name without the unit word, for matching against gazetteer names."""
    return _text(frame, name).str.replace(ADMIN_SUFFIX, "")


def _notes(frame: pl.DataFrame) -> pl.Expr:
    parts = [_text(frame, "source_headline"), _text(frame, "where_description")]
    joined = pl.concat_str(parts, separator=" | ", ignore_nulls=True)
    return pl.when(joined.str.len_bytes() > 0).then(joined)
