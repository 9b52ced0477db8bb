"""Readers for the project's own CSV formats: national deployments and partner-force presence.

Both formats are documented column by column in docs/FORMATS.md. A reader checks the whole
file and raises one :class:`~forecast.errors.InputError` naming file, row and field of every
problem, or returns the canonical table (``schema.DEPLOYMENTS`` / ``schema.PARTNER_PRESENCE``).
Districts are taken as given; placing coordinates in districts happens at ingest.

The private helpers below (text loading, checks) are shared with ``geopko.py``; they duplicate
what ``csvio.py`` offers and are meant to be merged into it.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import hashlib
import io
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from forecast.errors import InputError, Problem
from forecast.schema import DEPLOYMENTS, PARTNER_PRESENCE
from forecast.vocab import (
    PARTNER_AFRICA_CORPS,
    PARTNER_FRANCE,
    PARTNER_KINDS,
    PARTNER_OTHER,
    PARTNER_UN,
    PARTNER_WAGNER,
)

ROW: Final = "_row"  # 1-based data row (header excluded), carried through parsing

DEPLOYMENT_COLUMNS: Final = (
    "id",
    "name",
    "force",
    "kind",
    "latitude",
    "longitude",
    "district_code",
    "start",
    "end",
    "strength",
    "source",
)
PARTNER_COLUMNS: Final = (
    "id",
    "name",
    "partner",
    "force",
    "kind",
    "latitude",
    "longitude",
    "district_code",
    "start",
    "end",
    "strength",
    "source",
)
LOCATION_FIELD: Final = "latitude/longitude/district_code"

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


def read_deployments(path: Path) -> pl.DataFrame:
    """Read national force positions (docs/FORMATS.md) into ``schema.DEPLOYMENTS``."""
    file = str(path)
    frame = _load_text_csv(Path(path))
    _raise_if_any(_check_header(frame, file, DEPLOYMENT_COLUMNS, ("name", "force", "start")))
    frame = _with_missing(frame, DEPLOYMENT_COLUMNS)
    problems = _check_site_rows(frame, file, label="force")
    parsed = frame.with_columns(*_site_values())
    parsed = parsed.with_columns(
        pl.coalesce(
            pl.col("id"),
            stable_id(pl.col("name"), pl.col("force"), pl.col("start_date").dt.to_string()),
        ).alias("deployment_id")
    )
    problems += _duplicate_ids(parsed, file, "deployment_id", "name, force and start")
    _raise_if_any(problems)
    return DEPLOYMENTS.conform(parsed.with_columns(pl.lit(file).alias("file")))


def read_partners(path: Path) -> pl.DataFrame:
    """Read foreign partner-force presence (docs/FORMATS.md) into ``schema.PARTNER_PRESENCE``."""
    file = str(path)
    frame = _load_text_csv(Path(path))
    _raise_if_any(_check_header(frame, file, PARTNER_COLUMNS, ("name", "partner", "start")))
    frame = _with_missing(frame, PARTNER_COLUMNS).with_columns(
        partner_kind(pl.col("partner")).alias("partner_kind")
    )
    problems = _check_site_rows(frame, file, label="partner")
    problems += _flag(
        frame,
        file,
        pl.col("partner").is_not_null() & pl.col("partner_kind").is_null(),
        "partner",
        pl.format("{} is not a known partner; " + _PARTNER_HELP, _quoted(pl.col("partner"))),
    )
    parsed = frame.with_columns(
        pl.col("partner_kind").alias("partner"),
        # Without a force name, the spelling the author used ("Barkhane") is the best one.
        pl.coalesce(pl.col("force"), pl.col("partner")).alias("force"),
        *_site_values(),
    )
    parsed = parsed.with_columns(
        pl.coalesce(
            pl.col("id"),
            stable_id(pl.col("name"), pl.col("partner"), pl.col("start_date").dt.to_string()),
        ).alias("presence_id")
    )
    problems += _duplicate_ids(parsed, file, "presence_id", "name, partner and start")
    _raise_if_any(problems)
    return PARTNER_PRESENCE.conform(parsed.with_columns(pl.lit(file).alias("file")))


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


# --- row checks of the two formats ----------------------------------------------------------


def _site_values() -> list[pl.Expr]:
    """Typed dates, coordinates and strength of both formats (null where a check fails)."""
    return [
        _date(pl.col("start")).alias("start_date"),
        _date(pl.col("end")).alias("end_date"),
        _number(pl.col("latitude")).alias("latitude"),
        _number(pl.col("longitude")).alias("longitude"),
        _whole(pl.col("strength")).alias("strength"),
    ]


def _check_site_rows(frame: pl.DataFrame, file: str, *, label: str) -> list[Problem]:
    """Checks shared by deployments and partners: names, dates, coordinates, strength."""
    problems: list[Problem] = []
    for field in ("name", label, "start"):
        problems += _flag(frame, file, pl.col(field).is_null(), field, pl.lit("missing value"))
    for field in ("start", "end"):
        problems += _flag(
            frame,
            file,
            pl.col(field).is_not_null() & _date(pl.col(field)).is_null(),
            field,
            pl.format("{} is not a date in YYYY-MM-DD form", _quoted(pl.col(field))),
        )
    problems += _flag(
        frame,
        file,
        _date(pl.col("end")) < _date(pl.col("start")),
        "end",
        pl.format("end {} is before start {}", pl.col("end"), pl.col("start")),
    )
    problems += _coordinate_problems(frame, file)
    problems += _strength_problems(frame, file)
    return problems


def _coordinate_problems(frame: pl.DataFrame, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for field, other, limit in (("latitude", "longitude", 90), ("longitude", "latitude", 180)):
        given, value = pl.col(field).is_not_null(), _number(pl.col(field))
        problems += _flag(
            frame,
            file,
            given & value.is_null(),
            field,
            pl.format(
                "{} is not a number (decimal degrees, '.' as decimal mark)", _quoted(pl.col(field))
            ),
        )
        problems += _flag(
            frame,
            file,
            value.abs() > limit,
            field,
            pl.format(f"{{}} is outside [-{limit}, {limit}]", pl.col(field)),
        )
        problems += _flag(
            frame,
            file,
            pl.col(other).is_not_null() & ~given,
            field,
            pl.lit(f"{other} is given without {field}"),
        )
    problems += _flag(
        frame,
        file,
        pl.col("latitude").is_null()
        & pl.col("longitude").is_null()
        & pl.col("district_code").is_null(),
        LOCATION_FIELD,
        pl.lit("no location: give latitude and longitude, or district_code"),
    )
    return problems


def _strength_problems(frame: pl.DataFrame, file: str) -> list[Problem]:
    text = pl.col("strength")
    as_int = text.cast(pl.Int64, strict=False)
    return _flag(
        frame,
        file,
        text.is_not_null() & as_int.is_null(),
        "strength",
        pl.format("{} is not a whole number", _quoted(text)),
    ) + _flag(
        frame,
        file,
        (as_int < 0) | (as_int > 2**31 - 1),
        "strength",
        pl.format("{} is not a head count (must be 0 or more)", text),
    )


def _duplicate_ids(frame: pl.DataFrame, file: str, id_col: str, hashed: str) -> list[Problem]:
    # The first row of each id is computed before _flag filters the frame down to the repeats.
    marked = frame.with_columns(pl.col(ROW).min().over(id_col).alias("_first"))
    first = pl.col("_first")
    reason = pl.when(pl.col("id").is_not_null()).then(
        pl.format("id {} is already used on row {}", _quoted(pl.col("id")), first)
    )
    reason = reason.otherwise(
        pl.format(f"same {hashed} as row {{}}; give the rows distinct ids", first)
    )
    # A null id comes from a row already reported (bad start or partner): not a duplicate.
    repeat = pl.col(id_col).is_not_null() & (pl.col(ROW) > first)
    return _flag(marked, file, repeat, "id", reason)


# --- text loading and check helpers (shared with geopko.py) ---------------------------------


@dataclass(frozen=True)
class _Raw:
    text: str
    problems: list[Problem]


def _load_text_csv(path: Path, null_values: Sequence[str] = ()) -> pl.DataFrame:
    """Every column as stripped text (empty -> null), a lower-case header and a ``ROW`` column.

    gzip is undone by its magic bytes; blank lines are dropped but keep their row number, so
    row numbers match the file's lines (unless a quoted value spans lines).
    """
    file = str(path)
    if not path.is_file():
        raise InputError.single(file, "no such file")
    raw = _decode(path.read_bytes(), file)
    _raise_if_any(raw.problems)
    if not raw.text.strip():
        raise InputError.single(file, "empty file: no header and no rows")
    try:
        frame = pl.read_csv(
            io.StringIO(raw.text),
            infer_schema=False,
            null_values=list(null_values) or None,
        )
    except pl.exceptions.PolarsError as exc:
        raise InputError(
            _ragged_rows(raw.text, file) or [Problem(file, None, None, str(exc))]
        ) from exc
    frame = _normalise_header(frame, file)
    frame = frame.with_columns(pl.all().str.strip_chars().replace("", None)).with_row_index(
        ROW, offset=1
    )
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    frame = frame.filter(~pl.all_horizontal(pl.exclude(ROW).is_null()))
    if frame.is_empty():
        raise InputError.single(file, "empty file: a header but no data rows")
    return frame


def _decode(data: bytes, file: str) -> _Raw:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            return _Raw("", [Problem(file, None, None, f"damaged gzip file: {exc}")])
    try:
        return _Raw(data.decode("utf-8-sig"), [])
    except UnicodeDecodeError:
        pass
    # Only on failure: name every line with bytes that are not UTF-8 (line 1 is the header).
    problems = []
    for number, line in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = line[exc.start : exc.start + 1].hex().upper()
            problems.append(
                Problem(
                    file,
                    number - 1 if number > 1 else None,
                    None,
                    f"byte 0x{bad} is not UTF-8 (Latin-1 or Windows-1252?); save the file as UTF-8",
                )
            )
    return _Raw("", problems)


def _ragged_rows(text: str, file: str) -> list[Problem]:
    """Rows whose field count differs from the header's (only read after polars refused)."""
    rows = csv.reader(io.StringIO(text))
    width = len(next(rows, []))
    return [
        Problem(file, number, None, f"{len(row)} fields where the header has {width}")
        for number, row in enumerate(rows, start=1)
        if row and len(row) != width
    ]


def _normalise_header(frame: pl.DataFrame, file: str) -> pl.DataFrame:
    names = [name.strip().lower() for name in frame.columns]
    duplicates = sorted({n for n in names if names.count(n) > 1 or "_duplicated_" in n})
    if duplicates:
        raise InputError(
            [
                Problem(file, None, n.split("_duplicated_")[0], "column appears twice")
                for n in duplicates
            ]
        )
    return frame.rename(dict(zip(frame.columns, names, strict=True)))


def _check_header(
    frame: pl.DataFrame, file: str, known: Sequence[str], required: Iterable[str]
) -> list[Problem]:
    """Missing required and location columns; unknown columns that look like typos."""
    have = set(frame.columns)
    expected = ", ".join(known)
    problems = [
        Problem(file, None, name, f"missing column (the header should be: {expected})")
        for name in required
        if name not in have
    ]
    coordinates = {"latitude", "longitude"}
    if not have & {"latitude", "longitude", "district_code"}:
        problems.append(
            Problem(
                file,
                None,
                LOCATION_FIELD,
                "missing columns: need latitude and longitude, or district_code",
            )
        )
    elif have & coordinates and not coordinates <= have:
        lacking = (coordinates - have).pop()
        problems.append(Problem(file, None, lacking, "missing column (needed with its pair)"))
    for name in sorted(have - set(known) - {ROW}):
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        if close and close[0] not in have:
            problems.append(
                Problem(file, None, name, f"unknown column; did you mean '{close[0]}'?")
            )
    return problems


def _with_missing(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Add absent optional columns as null text so every check can name them."""
    absent = [c for c in columns if c not in frame.columns]
    return frame.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in absent)


def _flag(
    frame: pl.DataFrame, file: str, bad: pl.Expr, field: str, reason: pl.Expr
) -> list[Problem]:
    """One problem per row where ``bad`` is true (null counts as fine)."""
    hits = frame.filter(bad.fill_null(False)).select(pl.col(ROW), reason.alias("reason"))
    return [Problem(file, int(row), field, str(why)) for row, why in hits.iter_rows()]


def _raise_if_any(problems: list[Problem]) -> None:
    if problems:
        ordered = sorted(problems, key=lambda p: (p.row is not None, p.row or 0))
        raise InputError(ordered)


def _quoted(text: pl.Expr) -> pl.Expr:
    return pl.format("'{}'", text.str.slice(0, 60))


def _date(text: pl.Expr) -> pl.Expr:
    """YYYY-MM-DD only (chrono would also take '2021-2-3'); null when absent or invalid."""
    well_formed = text.str.contains(r"^\d{4}-\d{2}-\d{2}$")
    return pl.when(well_formed).then(text.str.to_date("%Y-%m-%d", strict=False))


def _number(text: pl.Expr) -> pl.Expr:
    """A finite decimal number; null when absent or not one."""
    value = text.cast(pl.Float64, strict=False)
    return pl.when(value.is_finite()).then(value)


def _whole(text: pl.Expr) -> pl.Expr:
    value = text.cast(pl.Int64, strict=False)
    return pl.when((value >= 0) & (value <= 2**31 - 1)).then(value)


def _spelling_key(text: pl.Expr) -> pl.Expr:
    return (
        text.str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
        .str.replace_all(r"[\s_\-]+", " ")
        .str.replace_all(r" ?/ ?", "/")
        .str.strip_chars()
    )
