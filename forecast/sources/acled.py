"""Reader for ACLED event exports, in every layout we have met.

- the 31-column monadic export (HDX, export tool): one row per event, ``actor2`` column present;
- the older 28-column dyadic export: no ``actor2`` column, an event with two actors is two rows
  sharing ``event_id_cnty`` (one per actor in ``actor1``), fatalities repeated on both;
- column-reduced API pulls without ids or coordinates (e.g. Burkina Faso 2019-2022).

Dates come as "2020-12-31", "31 December 2020", "31-December-2020" or "9-Jun-22"; the format is
detected once per file. District assignment happens later: every event leaves here unplaced.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import polars as pl

from forecast.core import vocab
from forecast.core.countries import iso3_for_name, iso3_for_numeric
from forecast.core.schema import EVENTS
from forecast.sources.csvio import (
    ROW,
    DateFormat,
    Number,
    Report,
    clean,
    flag_conflicting_duplicates,
    flag_future,
    parse_date,
    parse_numbers,
    quoted,
    read_csv_text,
    relabel,
    repeated,
)
from forecast.sources.limits import latest_day
from forecast.sources.sniff import events_hint

SOURCE: Final = "acled"
ID_COLUMN: Final = "event_id_cnty"
# The current export layout (31 columns, HDX and the export tool), in order: what writers of
# ACLED-format files (the demo world, benchmarks, tests) produce.
EXPORT_COLUMNS: Final = (
    "data_id",
    "iso",
    "event_id_cnty",
    "event_id_no_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "timestamp",
    "iso3",
)
REQUIRED: Final = ("event_date", "event_type", "fatalities")
TEXT_COLUMNS: Final = (
    "event_id_cnty",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "actor2",
    "assoc_actor_2",
    "country",
    "iso",
    "iso3",
    "admin1",
    "admin2",
    "location",
    "notes",
)
NUMBERS: Final = (
    Number("fatalities", pl.Int64, 0, 2**31 - 1, required=True),
    Number("latitude", pl.Float64, -90, 90),
    Number("longitude", pl.Float64, -180, 180),
    Number("geo_precision", pl.Int64, 1, 3),
    Number("time_precision", pl.Int64, 1, 3),
    Number("timestamp", pl.Int64, 0),
)
WANTED: Final = frozenset(TEXT_COLUMNS) | {"event_date"} | {n.column for n in NUMBERS}
DATE_FORMATS: Final = (
    DateFormat(r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d", "2020-12-31"),
    DateFormat(r"^\d{1,2} [A-Za-z]+ \d{4}$", "%d %B %Y", "31 December 2020"),
    DateFormat(r"^\d{1,2}-[A-Za-z]+-\d{4}$", "%d-%B-%Y", "31-December-2020"),
    DateFormat(r"^\d{1,2}-[A-Za-z]{3}-\d{2}$", "%d-%b-%y", "9-Jun-22"),
)
EVENT_TYPES: Final = {
    "battles": vocab.BATTLE,
    "explosions/remote violence": vocab.REMOTE_VIOLENCE,
    "violence against civilians": vocab.CIVILIAN_VIOLENCE,
    "riots": vocab.RIOT,
    "protests": vocab.PROTEST,
    "strategic developments": vocab.STRATEGIC,
}
ABDUCTION_SUB_TYPE: Final = "abduction/forced disappearance"
# Rows sharing an id must agree on these, else the id is a conflict rather than a dyadic pair.
SAME_EVENT: Final = (
    "event_date",
    "latitude",
    "longitude",
    "location",
    "fatalities",
    "event_type",
    "sub_event_type",
)


def read_acled(path: Path) -> pl.DataFrame:
    """Events of an ACLED CSV export (plain or '.csv.gz') as a frame conformed to ``EVENTS``.

    One row per event (dyadic pairs collapsed), unplaced. Raises ``InputError`` listing every
    problem found (file, row, field); nothing partial is returned.
    """
    path = Path(path)
    raw = read_csv_text(path, required=REQUIRED, wanted=WANTED, hint=_hint)
    if ID_COLUMN not in raw.columns:
        # Id-less pulls get content-derived ids, so hash every column the file has.
        raw = read_csv_text(path, required=REQUIRED)
    report = Report(path)
    _check_layout(raw.columns, report)
    events = _parse(raw, report)
    flag_future(events, events["event_date"], "event_date", report, latest_day())
    shared = repeated(events["source_id"]) & events["source_id"].is_not_null()
    flag_conflicting_duplicates(events.filter(shared), "source_id", SAME_EVENT, report, ID_COLUMN)
    report.raise_if_any()
    dyadic = "actor1" in raw.columns and "actor2" not in raw.columns
    events = _collapse(events, shared, dyadic=dyadic)
    return _finish(events, path)


def _hint(names: Sequence[str]) -> str | None:
    return events_hint(names, "acled")


def _check_layout(columns: list[str], report: Report) -> None:
    if not {"iso3", "iso", "country"} & set(columns):
        report.add("required column is missing: need one of iso3, iso or country", field="country")
    for have, lack in (("latitude", "longitude"), ("longitude", "latitude")):
        if have in columns and lack not in columns:
            report.add(f"column '{have}' is present but '{lack}' is not", field=lack)


def _parse(raw: pl.DataFrame, report: Report) -> pl.DataFrame:
    """Typed EVENTS columns, still one row per input row (with ``ROW``); problems reported.

    Text other than the id is kept as read (polars already makes empty fields null): stripping
    every name costs more than all the casts together, and names are normalised again where
    they are matched.
    """
    texts = raw.select(
        ROW, *[clean(c) if c == ID_COLUMN else c for c in TEXT_COLUMNS if c in raw.columns]
    )
    numbers = parse_numbers(raw, [n for n in NUMBERS if n.column in raw.columns], report)
    dates = parse_date(raw, "event_date", DATE_FORMATS, report)
    frame = pl.concat([texts, numbers.drop(ROW)], how="horizontal").with_columns(dates)
    _flag_half_coordinates(raw, report)
    derived = pl.DataFrame(
        [
            _source_ids(raw, frame, report).alias("source_id"),
            _event_type(frame, report).alias("kind"),
            _country(frame).alias("iso3_or_name"),
        ]
    )
    return pl.concat([frame, derived], how="horizontal").select(
        ROW,
        "source_id",
        "event_date",
        _optional(frame, "latitude", pl.Float64),
        _optional(frame, "longitude", pl.Float64),
        _optional(frame, "geo_precision", pl.Int64),
        _optional(frame, "time_precision", pl.Int64),
        pl.col("kind").alias("event_type"),
        _optional(frame, "sub_event_type"),
        _optional(frame, "actor1"),
        _optional(frame, "actor2"),
        _assoc_actors(frame).alias("assoc_actors"),
        pl.col("iso3_or_name").alias("country"),
        _optional(frame, "admin1"),
        _optional(frame, "admin2"),
        _optional(frame, "location"),
        "fatalities",
        _optional(frame, "notes"),
        _optional(frame, "timestamp", pl.Int64).fill_null(0).alias("source_version"),
    )


def _optional(frame: pl.DataFrame, name: str, dtype: type[pl.DataType] = pl.Utf8) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit(None, dtype=dtype).alias(name)


def _flag_half_coordinates(raw: pl.DataFrame, report: Report) -> None:
    """A point needs both coordinates: flag a row giving one but leaving the other empty.

    Looks at the text, so a value that is present but invalid is reported once, as invalid."""
    if not {"latitude", "longitude"} <= set(raw.columns):
        return
    lat, lon = pl.col("latitude"), pl.col("longitude")
    report.flag(raw, lat.is_not_null() & lon.is_null(), "longitude", pl.lit("missing value"))
    report.flag(raw, lon.is_not_null() & lat.is_null(), "latitude", pl.lit("missing value"))


def _event_type(frame: pl.DataFrame, report: Report) -> pl.Series:
    """The normalised type; ACLED's abduction sub-type of civilian violence gets its own."""
    mapped = relabel(frame["event_type"], lambda v: EVENT_TYPES.get(v.strip().lower()))
    expected = ", ".join(f"'{t.capitalize()}'" for t in EVENT_TYPES)
    given = pl.col("event_type")
    reason = (
        pl.when(given.is_null())
        .then(pl.lit("missing event type"))
        .otherwise(pl.format("{} is not an ACLED event type ({})", quoted(given), pl.lit(expected)))
    )
    report.flag(frame, mapped.is_null(), "event_type", reason)
    if "sub_event_type" not in frame.columns:
        return mapped
    sub_types = frame["sub_event_type"].drop_nulls().unique().to_list()
    abducting = [v for v in sub_types if v.strip().lower() == ABDUCTION_SUB_TYPE]
    abduction = frame["sub_event_type"].is_in(abducting) & (mapped == vocab.CIVILIAN_VIOLENCE)
    return pl.select(
        pl.when(abduction.fill_null(False)).then(pl.lit(vocab.ABDUCTION)).otherwise(mapped)
    ).to_series()


def _source_ids(raw: pl.DataFrame, frame: pl.DataFrame, report: Report) -> pl.Series:
    if ID_COLUMN in frame.columns:
        report.flag(frame, pl.col(ID_COLUMN).is_null(), ID_COLUMN, pl.lit("missing event id"))
        return frame[ID_COLUMN]
    return _content_ids(raw)


def _content_ids(raw: pl.DataFrame) -> pl.Series:
    """Stable ids for files without ``event_id_cnty``: a hash of the row's text (revision stamp
    excluded), numbered among identical rows so distinct-but-identical events stay apart.

    hashlib rather than polars' hash, whose values may change between polars versions; the loop is
    acceptable because id-less files are API pulls limited to a few thousand rows.
    """
    columns = sorted(c for c in raw.columns if c not in (ROW, "timestamp"))
    keyed = raw.select(
        pl.concat_str([pl.col(c).fill_null("") for c in columns], separator="\x1f").alias("key")
    ).with_columns(nth=pl.int_range(1, pl.len() + 1).over("key"))
    digests = [hashlib.sha1(k.encode()).hexdigest()[:16] for k in keyed["key"].to_list()]
    return keyed.select(
        pl.format("h{}-{}", pl.Series(digests), pl.col("nth")).alias(ID_COLUMN)
    ).to_series()


def _assoc_actors(frame: pl.DataFrame) -> pl.Expr:
    parts = [pl.col(c) for c in ("assoc_actor_1", "assoc_actor_2") if c in frame.columns]
    if not parts:
        return pl.lit(None, dtype=pl.Utf8)
    joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    return pl.when(joined.str.len_bytes() > 0).then(joined)


def _country(frame: pl.DataFrame) -> pl.Series:
    """ISO3 from the iso3 column, else the ISO numeric code, else the name; else the name as is."""
    sources: list[tuple[str, Callable[[str], str | None]]] = [
        ("iso3", lambda v: v.strip().upper() or None),
        ("iso", iso3_for_numeric),
        ("country", lambda v: iso3_for_name(v) or v.strip() or None),
    ]
    country = pl.Series("country", [None] * frame.height, dtype=pl.Utf8)
    for column, label in sources:
        if column in frame.columns and country.null_count() > 0:
            country = country.fill_null(relabel(frame[column], label))
    return country


def _collapse(events: pl.DataFrame, shared: pl.Series, *, dyadic: bool) -> pl.DataFrame:
    """One row per ``source_id``: rows sharing an id already agree on ``SAME_EVENT``.

    Dyadic layout: actor1 from the first row, actor2 = the second row's actor1, associated actors
    of all rows merged (with any third row's actor1); fatalities taken once, not summed.
    """
    groups = events.filter(shared)
    if groups.is_empty():
        return events
    rest = [c for c in events.columns if c not in ("source_id", "actor2", "assoc_actors")]
    merged = groups.group_by("source_id", maintain_order=True).agg(
        pl.col(rest).exclude("source_version").first(),
        pl.col("source_version").max(),
        *(_dyadic_actors() if dyadic else [pl.col("actor2", "assoc_actors").first()]),
    )
    if dyadic:
        merged = merged.with_columns(_merged_assoc().alias("assoc_actors"))
    merged = merged.select(events.columns).cast(events.schema)
    return pl.concat([events.filter(~shared), merged]).sort(ROW)


def _dyadic_actors() -> list[pl.Expr]:
    return [
        pl.col("actor1").slice(1, 1).first().alias("actor2"),
        pl.col("assoc_actors").alias("assoc_lists"),
        pl.col("actor1").slice(2).alias("extra_actors"),
    ]


def _merged_assoc() -> pl.Expr:
    pieces = (
        pl.concat_list(
            pl.col("assoc_lists").list.eval(pl.element().str.split("; ").explode()),
            pl.col("extra_actors"),
        )
        .list.drop_nulls()
        .list.unique(maintain_order=True)
    )
    return pl.when(pieces.list.len() > 0).then(pieces.list.join("; "))


def _finish(events: pl.DataFrame, path: Path) -> pl.DataFrame:
    return EVENTS.conform(
        events.with_columns(
            source=pl.lit(SOURCE),
            violent=pl.col("event_type").is_in(list(vocab.VIOLENT_TYPES)),
            district_code=pl.lit(None, dtype=pl.Utf8),
            placement=pl.lit(vocab.UNPLACED),
            file=pl.lit(str(path)),
        )
    )
