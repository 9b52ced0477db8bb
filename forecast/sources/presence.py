"""Readers for the project's own CSV formats: national deployments and partner-force presence.

Both formats are documented column by column in docs/FORMATS.md. A reader checks the whole
file and raises one :class:`~forecast.core.errors.InputError` naming file, row and field of every
problem, or returns the canonical table (``schema.DEPLOYMENTS`` / ``schema.PARTNER_PRESENCE``).
Districts are taken as given; placing coordinates in districts happens at ingest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Final

import polars as pl

from forecast.core.schema import DEPLOYMENTS, PARTNER_PRESENCE
from forecast.core.vocab import (
    PARTNER_AFRICA_CORPS,
    PARTNER_FRANCE,
    PARTNER_KINDS,
    PARTNER_OTHER,
    PARTNER_UN,
    PARTNER_WAGNER,
)
from forecast.sources.csvio import (
    ROW,
    DateFormat,
    Number,
    Report,
    add_optional,
    column_problems,
    flag_future,
    flag_missing,
    parse_date,
    parse_numbers,
    quoted,
    read_csv_text,
)
from forecast.sources.limits import latest_day

# Columns after the force name, the same in both formats.
_SITE_COLUMNS = (
    "kind",
    "latitude",
    "longitude",
    "district_code",
    "start",
    "end",
    "strength",
    "source",
)
DEPLOYMENT_COLUMNS: Final = ("id", "name", "force", *_SITE_COLUMNS)
# ``date_precision`` says how well start/end are known (docs/FORMATS.md section 3). It is
# checked here but not stored: partner_presence has no such column (see ``read_partners``).
PRECISION_COLUMN: Final = "date_precision"
DATE_PRECISIONS: Final = ("day", "month", "year")
PARTNER_COLUMNS: Final = ("id", "name", "partner", "force", *_SITE_COLUMNS, PRECISION_COLUMN)
LOCATION_FIELD: Final = "latitude/longitude/district_code"
COORDINATES: Final = ("latitude", "longitude")
ISO_DATE: Final = DateFormat(
    r"^\d{4}-\d{2}-\d{2}$",
    "%Y-%m-%d",
    "2020-12-31",
    exact=True,
    meaning="a date in YYYY-MM-DD form",
)
_DEGREES = "(decimal degrees, '.' as decimal mark)"
SITE_NUMBERS: Final = (
    Number("latitude", pl.Float64, -90, 90, meaning=f"a number within [-90, 90] {_DEGREES}"),
    Number("longitude", pl.Float64, -180, 180, meaning=f"a number within [-180, 180] {_DEGREES}"),
    Number("strength", pl.Int64, 0, 2**31 - 1),
)

# Accepted spellings of each partner kind, keyed by ``_spelling_key`` (lower case, accents
# and punctuation runs folded). Takuba was a European task force (French-led, with Estonian,
# Czech, Swedish, Italian ... troops), so it is "other", not "france"; its name stays in force.
PARTNER_ALIASES: Final[dict[str, str]] = {
    "un": PARTNER_UN,
    "u.n.": PARTNER_UN,
    "united nations": PARTNER_UN,
    "minusma": PARTNER_UN,
    "minusca": PARTNER_UN,
    "france": PARTNER_FRANCE,
    "french": PARTNER_FRANCE,
    "french forces": PARTNER_FRANCE,
    "french army": PARTNER_FRANCE,
    "barkhane": PARTNER_FRANCE,
    "operation barkhane": PARTNER_FRANCE,
    "serval": PARTNER_FRANCE,
    "operation serval": PARTNER_FRANCE,
    "russia wagner": PARTNER_WAGNER,
    "russia/wagner": PARTNER_WAGNER,
    "wagner": PARTNER_WAGNER,
    "wagner group": PARTNER_WAGNER,
    "pmc wagner": PARTNER_WAGNER,
    "russia africa corps": PARTNER_AFRICA_CORPS,
    "russia/africa corps": PARTNER_AFRICA_CORPS,
    "africa corps": PARTNER_AFRICA_CORPS,
    "afrika korps": PARTNER_AFRICA_CORPS,
    "russian africa corps": PARTNER_AFRICA_CORPS,
    "takuba": PARTNER_OTHER,
    "task force takuba": PARTNER_OTHER,
    "other": PARTNER_OTHER,
}
_PARTNER_HELP = (
    f"use one of {', '.join(PARTNER_KINDS)} "
    "(spellings such as UN, MINUSMA, France, Barkhane, Wagner, Africa Corps are accepted)"
)


# --- public readers -------------------------------------------------------------------------


def read_deployments(path: Path, *, known_codes: Collection[str] | None = None) -> pl.DataFrame:
    """Read national force positions (docs/FORMATS.md) into ``schema.DEPLOYMENTS``.

    ``known_codes`` (the stored districts' codes) makes any other ``district_code`` an error.
    """
    path = Path(path)
    frame = _read_sites(path, DEPLOYMENT_COLUMNS, ("name", "force", "start"))
    report = Report(path)
    parsed = _parse_sites(frame, report, label="force", known_codes=known_codes)
    parsed = _identified(parsed, report, "deployment_id", label="force")
    report.raise_if_any()
    return DEPLOYMENTS.conform(parsed.with_columns(pl.lit(str(path)).alias("file")))


def read_partners(
    path: Path, *, with_precision: bool = False, known_codes: Collection[str] | None = None
) -> pl.DataFrame:
    """Read foreign partner-force presence (docs/FORMATS.md) into ``schema.PARTNER_PRESENCE``.

    The optional ``date_precision`` column is always validated; it is returned (lower case,
    null where not given) only with ``with_precision``, as an extra last column, because the
    store's partner_presence table does not keep it. ``known_codes`` as for deployments.
    """
    path = Path(path)
    frame = _read_sites(path, PARTNER_COLUMNS, ("name", "partner", "start"))
    frame = frame.with_columns(partner_kind(pl.col("partner")).alias("partner_kind"))
    report = Report(path)
    report.flag(
        frame,
        pl.col("partner").is_not_null() & pl.col("partner_kind").is_null(),
        "partner",
        pl.format("{} is not a known partner; " + _PARTNER_HELP, quoted(pl.col("partner"))),
    )
    parsed = _parse_sites(frame, report, label="partner", known_codes=known_codes).with_columns(
        pl.col("partner_kind").alias("partner"),
        # Without a force name, the spelling the author used ("Barkhane") is the best one.
        pl.coalesce(pl.col("force"), pl.col("partner")).alias("force"),
    )
    # The id hashes the normalised partner, so "Barkhane" and "France" rows can collide.
    parsed = _identified(parsed, report, "presence_id", label="partner")
    precision = _date_precision(frame, report)
    report.raise_if_any()
    table = PARTNER_PRESENCE.conform(parsed.with_columns(pl.lit(str(path)).alias("file")))
    return table.with_columns(precision) if with_precision else table


def partner_kind(spelling: pl.Expr) -> pl.Expr:
    """The ``vocab.PARTNER_KINDS`` value for each spelling (case-insensitive), null if unknown."""
    return _spelling_key(spelling).replace_strict(
        PARTNER_ALIASES, default=None, return_dtype=pl.Utf8
    )


def stable_id(*parts: pl.Expr) -> pl.Expr:
    """Hex SHA-1 of the parts joined with '|': the same record gets the same id on every read.

    polars' own hash is not stable across versions, so the digest is computed with hashlib;
    null when any part is null.
    """
    joined = pl.concat_str(list(parts), separator="|")
    return joined.map_batches(
        lambda texts: pl.Series(
            [None if t is None else hashlib.sha1(t.encode()).hexdigest() for t in texts],
            dtype=pl.Utf8,
        ),
        return_dtype=pl.Utf8,
    )


# --- the header and rows of both formats ----------------------------------------------------


def _read_sites(path: Path, columns: Sequence[str], required: Sequence[str]) -> pl.DataFrame:
    """The file as trimmed text with every format column (absent ones null); header checked."""
    frame = read_csv_text(path, required=(), trim=True)
    report = Report(path)
    hint = f"the format's columns are {', '.join(columns)}"
    column_problems(frame.columns, required, report, known=columns, hint=hint)
    _check_location_columns(frame.columns, report)
    report.raise_if_any()
    return add_optional(frame, columns)


def _check_location_columns(names: Sequence[str], report: Report) -> None:
    have = set(names)
    if not have & {*COORDINATES, "district_code"}:
        reason = "missing columns: need latitude and longitude, or district_code"
        report.add(reason, field=LOCATION_FIELD)
    elif have & set(COORDINATES) and not set(COORDINATES) <= have:
        lacking = (set(COORDINATES) - have).pop()
        report.add("missing column (needed with its pair)", field=lacking)


def _parse_sites(
    frame: pl.DataFrame,
    report: Report,
    *,
    label: str,
    known_codes: Collection[str] | None = None,
) -> pl.DataFrame:
    """Typed dates, coordinates and strength of both formats (null where a check fails)."""
    flag_missing(frame, ("name", label), report)
    start = parse_date(frame, "start", [ISO_DATE], report)
    end = parse_date(frame, "end", [ISO_DATE], report, required=False)
    latest = latest_day()
    flag_future(frame, start, "start", report, latest)
    flag_future(frame, end, "end", report, latest)
    if known_codes is not None:
        _flag_unknown_codes(frame, known_codes, report)
    numbers = parse_numbers(frame, SITE_NUMBERS, report)
    parsed = frame.with_columns(
        *numbers.drop(ROW), start.alias("start_date"), end.alias("end_date")
    )
    report.flag(
        parsed,
        pl.col("end_date") < pl.col("start_date"),
        "end",
        pl.format("end {} is before start {}", pl.col("end"), pl.col("start")),
    )
    _flag_locations(frame, report)
    return parsed


def _flag_unknown_codes(frame: pl.DataFrame, known: Collection[str], report: Report) -> None:
    code = pl.col("district_code")
    report.flag(
        frame,
        code.is_not_null() & ~code.is_in(list(known)),
        "district_code",
        pl.format(
            "{} is not a stored district code (codes come from `forecast ingest districts`)",
            quoted(code),
        ),
    )


def _flag_locations(frame: pl.DataFrame, report: Report) -> None:
    """One coordinate without the other, or no location at all (judged on the text)."""
    for field, other in (COORDINATES, COORDINATES[::-1]):
        report.flag(
            frame,
            pl.col(other).is_not_null() & pl.col(field).is_null(),
            field,
            pl.lit(f"{other} is given without {field}"),
        )
    report.flag(
        frame,
        pl.all_horizontal(pl.col(*COORDINATES, "district_code").is_null()),
        LOCATION_FIELD,
        pl.lit("no location: give latitude and longitude, or district_code"),
    )


def _date_precision(frame: pl.DataFrame, report: Report) -> pl.Series:
    """``date_precision`` in lower case (null where empty); other values are reported.

    ``frame`` is the file's rows in order, so the series lines up with the parsed table.
    """
    value = pl.col(PRECISION_COLUMN).str.to_lowercase()
    allowed = ", ".join(DATE_PRECISIONS)
    report.flag(
        frame,
        value.is_not_null() & ~value.is_in(DATE_PRECISIONS),
        PRECISION_COLUMN,
        pl.format(f"{{}} is not a date precision; use {allowed}", quoted(pl.col(PRECISION_COLUMN))),
    )
    return frame.select(value.alias(PRECISION_COLUMN)).to_series()


def _identified(frame: pl.DataFrame, report: Report, id_col: str, *, label: str) -> pl.DataFrame:
    """``frame`` with ``id_col``: the given id, else the stable id of name, ``label`` and start.

    Repeated ids are reported; the first row of each id is found before ``flag`` filters the
    frame down to the repeats.
    """
    start = pl.col("start_date").dt.to_string()
    generated = stable_id(pl.col("name"), pl.col(label), start)
    frame = frame.with_columns(pl.coalesce(pl.col("id"), generated).alias(id_col))
    marked = frame.with_columns(pl.col(ROW).min().over(id_col).alias("_first"))
    first = pl.col("_first")
    reason = pl.when(pl.col("id").is_not_null()).then(
        pl.format("id {} is already used on row {}", quoted(pl.col("id")), first)
    )
    reason = reason.otherwise(
        pl.format(f"same name, {label} and start as row {{}}; give the rows distinct ids", first)
    )
    # A null id comes from a row already reported (bad start or partner): not a duplicate.
    repeat = pl.col(id_col).is_not_null() & (pl.col(ROW) > first)
    report.flag(marked, repeat, "id", reason)
    return frame


def _spelling_key(text: pl.Expr) -> pl.Expr:
    return (
        text.str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
        .str.replace_all(r"[\s_\-]+", " ")
        .str.replace_all(r" ?/ ?", "/")
        .str.strip_chars()
    )
