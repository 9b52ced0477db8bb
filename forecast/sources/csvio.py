"""Reading source files into all-text frames, and vectorised checks that name file, row and field.

Readers load every column as text, then cast with ``strict=False`` and report the rows where a
non-empty input produced no value: one pass per column over the whole file instead of a Python
loop over rows, and every bad row is found, not only the first.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import polars as pl

from forecast.core.errors import InputError, Problem
from forecast.sources.limits import (
    check_plain_size,
    future_reason,
    gunzip_capped,
    long_values,
    too_long,
)

ROW: Final = "__row"  # 1-based data row number (header excluded), kept through parsing
SHOWN_CHARS: Final = 60  # longest input value quoted back in a problem
SHOWN_COLUMNS: Final = 60  # header names listed in a problem
MAX_COLUMNS: Final = 1_000  # ACLED has 31 columns, UCDP GED about 50, Geo-PKO v2.1 113
MAX_COLUMN_NAME: Final = 200  # longest column name accepted: longer is not a header
CLOSE_MATCH: Final = 0.8  # difflib ratio above which an unknown column is taken for a typo
_DUPLICATE_SUFFIX = re.compile(r"^(.*)_duplicated_\d+$")
_GZIP_MAGIC = b"\x1f\x8b"
_EMPTY = "file is empty (no header, no rows): an empty file cannot be loaded"
_LIKELY_LATIN1 = "(probably Latin-1/Windows-1252); re-save the file as UTF-8"
_NOT_UTF8_HINT = f"contains bytes that are not valid UTF-8 {_LIKELY_LATIN1}"
# In a file decoded as Latin-1 (one character per byte), the byte runs that are valid UTF-8
# multi-byte sequences; a byte >= 0x80 outside them is what strict decoding rejects.
_UTF8_SEQUENCE = (
    r"[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}"
    r"|\xED[\x80-\x9F][\x80-\xBF]|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}"
    r"|\xF4[\x80-\x8F][\x80-\xBF]{2}"
)


class Report:
    """Collects the problems of one file so a reader can raise them all at once."""

    def __init__(self, file: str | Path) -> None:
        self.file = str(file)
        self.problems: list[Problem] = []

    def add(self, reason: str, row: int | None = None, field: str | None = None) -> None:
        self.problems.append(Problem(self.file, row, field, reason))

    def flag(
        self, frame: pl.DataFrame, mask: pl.Expr | pl.Series, field: str, reason: pl.Expr
    ) -> None:
        """Add one problem per row of ``frame`` (which must hold ``ROW``) where ``mask`` is true.

        ``reason`` is evaluated on the matching rows only (cheap), so it must not use windows.
        """
        hits = frame.filter(mask).select(pl.col(ROW), reason.alias("reason"))
        self.problems.extend(
            Problem(self.file, int(row), field, str(why)) for row, why in hits.iter_rows()
        )

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(sorted(self.problems, key=_problem_order))


def _problem_order(problem: Problem) -> tuple[int, int, str]:
    return (0 if problem.row is None else 1, problem.row or 0, problem.field or "")


def quoted(expr: pl.Expr) -> pl.Expr:
    """An input value as it is quoted back in a problem: in quotes and cut short."""
    return pl.format("'{}'", expr.str.slice(0, SHOWN_CHARS))


def clean(name: str) -> pl.Expr:
    """Column ``name`` with surrounding blanks removed and empty strings made null."""
    stripped = pl.col(name).str.strip_chars()
    return pl.when(stripped.str.len_bytes() > 0).then(stripped).alias(name)


def read_bytes(path: Path) -> bytes:
    """The file's content, gunzipped when it is gzip (by name or content); empty files rejected.

    Both the file and its decompressed content must fit FORECAST_MAX_INPUT_BYTES; the
    decompressed size is counted while streaming, before anything is kept."""
    try:
        check_plain_size(path)
        data = path.read_bytes()
    except OSError as exc:
        raise _cannot_read(path, exc) from exc
    if _is_gzip(path, data[:2]):
        data = gunzip_capped(path, data)
    if not data or data.isspace():
        raise InputError.single(path, _EMPTY)
    return data


def read_csv_text(
    path: Path,
    *,
    required: Collection[str],
    wanted: Collection[str] | None = None,
    null_values: Sequence[str] = (),
    trim: bool = False,
    hint: Callable[[Sequence[str]], str | None] | None = None,
) -> pl.DataFrame:
    """Read a CSV (or gzip'd CSV) with every column as text, plus a 1-based ``ROW`` column.

    Header names are stripped and lower-cased. Only ``wanted`` columns are kept when given (the
    required ones always are). Cells equal to one of ``null_values`` are null, as empty ones
    are. ``trim`` strips every cell (blank -> null) and drops rows left without any value
    (their numbers stay used): worth it for hand-edited files, too slow for big exports.

    Raises ``InputError`` for an empty file, bytes that are not UTF-8, malformed CSV, duplicate
    or missing columns. Bad bytes are named per row and field, a wrong field count per row.
    ``hint`` names the command or format to use instead when the header is another layout.
    """
    source = _source(path)
    header = _read_header(path, source)
    names = [normal_name(n) for n in header]
    check_columns(path, names, required, hint=hint)
    keep = set(required) | (set(wanted) if wanted is not None else set(names))
    selected = [i for i, name in enumerate(names) if name in keep]
    frame = _read_body(path, source, header, selected, null_values).with_row_index(ROW, offset=1)
    # Before renaming: problems name the columns as the file spells them.
    check_lengths(path, frame.rename({header[i]: _shown_name(header[i]) for i in selected}))
    frame = frame.rename({header[i]: names[i] for i in selected})
    if trim:
        text = [names[i] for i in selected]
        frame = frame.with_columns(clean(c) for c in text)
        frame = frame.filter(pl.any_horizontal(pl.col(text).is_not_null()))
    if frame.height == 0:
        raise InputError.single(path, "file has a header but no data rows")
    return frame


def _source(path: Path) -> Path | bytes:
    """Gzip files are unpacked in memory; plain files are handed to polars by path (mmap)."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(_GZIP_MAGIC))
    except OSError as exc:
        raise _cannot_read(path, exc) from exc
    if _is_gzip(path, magic):
        return read_bytes(path)
    if not magic:
        raise InputError.single(path, _EMPTY)
    check_plain_size(path)
    return path


def _is_gzip(path: Path, magic: bytes) -> bool:
    return path.name.lower().endswith(".gz") or magic == _GZIP_MAGIC


def _cannot_read(path: Path, exc: OSError) -> InputError:
    why = "no such file" if isinstance(exc, FileNotFoundError) else exc.strerror or str(exc)
    return InputError.single(path, f"cannot read file: {why}")


def _shown_name(name: str) -> str:
    """A column name as problems show it: as the file spells it, blanks and BOM removed."""
    return name.strip().lstrip("\ufeff").strip()


def normal_name(name: str) -> str:
    """A column name as readers compare it: blanks and byte-order mark removed, lower case."""
    return name.strip().lstrip("\ufeff").strip().lower()


def _read_header(path: Path, source: Path | bytes) -> list[str]:
    try:
        header = pl.read_csv(source, n_rows=0, infer_schema=False).columns
    except pl.exceptions.NoDataError as exc:
        raise InputError.single(path, _EMPTY) from exc
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower():
            raise InputError.single(path, f"header {_NOT_UTF8_HINT}") from exc
        raise InputError.single(path, f"cannot read the CSV header: {_first_line(exc)}") from exc
    if not any(normal_name(name) for name in header):
        raise InputError.single(path, _EMPTY)
    # polars decodes the header leniently: undecodable bytes show up as U+FFFD.
    if any("\ufffd" in name for name in header):
        bad = shown_header(repr(name) for name in header if "\ufffd" in name)
        raise InputError.single(path, f"header {_NOT_UTF8_HINT} (in {bad})")
    return header


def check_lengths(path: Path | str, frame: pl.DataFrame) -> None:
    """Refuse values longer than their field's limit (forecast.sources.limits), before any
    parsing: a huge id or name is an error, not something to store or print."""
    report = Report(path)
    columns = [c for c in frame.columns if c != ROW]
    rows = frame[ROW] if ROW in frame.columns else None
    for index, column, length, limit in long_values(frame, columns):
        row = int(rows[index]) if rows is not None else index + 1
        report.add(too_long(length, limit, frame[column][index]), row=row, field=column)
    report.raise_if_any()


def flag_future(
    frame: pl.DataFrame, dates: pl.Series, field: str, report: Report, latest: date
) -> None:
    """Report each row of ``frame`` (with ``ROW``) whose date in ``dates`` is after ``latest``."""
    late = (dates > latest).fill_null(False)
    if late.any():
        hits = frame.select(ROW).with_columns(dates.alias("#date")).filter(late)
        reason = future_reason(latest)
        for row, day in hits.iter_rows():
            report.add(f"{day.isoformat()} {reason}", row=int(row), field=field)


def check_columns(
    path: Path,
    names: Sequence[str],
    required: Collection[str],
    *,
    hint: Callable[[Sequence[str]], str | None] | None = None,
) -> None:
    """Reject a header with a repeated name or a required one missing; when ``hint`` knows
    the header for another layout, its advice comes first."""
    report = Report(path)
    column_problems(names, required, report)
    if report.problems and hint is not None and (advice := hint(names)):
        report.problems.insert(0, Problem(report.file, None, None, advice))
    if report.problems:
        raise InputError(report.problems)


def column_problems(
    names: Sequence[str],
    required: Collection[str],
    report: Report,
    *,
    known: Collection[str] = (),
    hint: str = "",
) -> None:
    """Report repeated and missing columns, and unknown ones that look like a misspelt known one.

    ``names`` are normalised header names (polars' '_duplicated_N' copies count as repeats;
    ``ROW`` is ignored). ``hint`` is added to each missing column's reason. A column outside
    ``known`` is reported only when it is close to a known column the header lacks.
    """
    names = [n for n in names if n != ROW]
    long_names = [n for n in names if len(n) > MAX_COLUMN_NAME]
    for name in long_names:
        report.add(
            f"column name '{name[:SHOWN_CHARS]}...' is {len(name):,} characters long; at most "
            f"{MAX_COLUMN_NAME} are allowed (is the first line a header?)"
        )
    if long_names:
        return
    if len(names) > MAX_COLUMNS:
        report.add(
            f"the file has {len(names):,} columns (header names or JSON keys); at most "
            f"{MAX_COLUMNS:,} are allowed (is this the right file?)"
        )
        return
    present = set(names)
    bases = [_base_name(n, present) for n in names]
    for name, count in Counter(bases).items():
        if count > 1:
            times = "twice" if count == 2 else f"{count} times"
            report.add(f"column appears more than once in the header ({times})", field=name)
    header = shown_header(n for n, base in zip(names, bases, strict=True) if n == base)
    for column in (c for c in required if c not in names):
        reason = f"required column is missing (header has: {header})"
        report.add(f"{reason}; {hint}" if hint else reason, field=column)
    for name in (n for n in names if known and n not in known):
        close = difflib.get_close_matches(name, list(known), n=1, cutoff=CLOSE_MATCH)
        if close and close[0] not in names:
            report.add(f"unknown column; did you mean '{close[0]}'?", field=name)


def shown_header(names: Iterable[str]) -> str:
    """A header as quoted back in a problem: names cut short, at most SHOWN_COLUMNS of them."""
    listed = [n[:SHOWN_CHARS] for n in names]
    more = len(listed) - SHOWN_COLUMNS
    text = ", ".join(listed[:SHOWN_COLUMNS])
    return text + (f" and {more} more" if more > 0 else "")


def _base_name(name: str, names: Collection[str]) -> str:
    match = _DUPLICATE_SUFFIX.match(name)
    return match.group(1) if match and match.group(1) in names else name


def add_optional(frame: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    """``frame`` with each absent one of ``columns`` added as null text, so checks can name it."""
    absent = [c for c in columns if c not in frame.columns]
    return frame.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in absent)


def flag_missing(
    frame: pl.DataFrame, columns: Iterable[str], report: Report, reason: str = "missing value"
) -> None:
    """Report each row of ``frame`` where one of the ``columns`` is null."""
    for column in columns:
        report.flag(frame, pl.col(column).is_null(), column, pl.lit(reason))


def _read_body(
    path: Path,
    source: Path | bytes,
    header: list[str],
    selected: list[int],
    null_values: Sequence[str],
) -> pl.DataFrame:
    columns = [header[i] for i in selected]
    nulls = list(null_values) or None
    try:
        frame = pl.read_csv(source, infer_schema=False, columns=columns, null_values=nulls)
        if len(selected) < len(header):
            _refuse_extra_fields(path, source, len(header))
        return frame
    except pl.exceptions.ComputeError as exc:
        data = source if isinstance(source, bytes) else source.read_bytes()
        if "utf-8" in str(exc).lower():
            names = [_shown_name(c) for c in columns]
            problems = _undecodable_cells(path, data, selected, names)
        else:
            problems = _malformed_rows(path, data, exc)
        raise InputError(sorted(problems, key=_problem_order)) from exc


def _refuse_extra_fields(path: Path, source: Path | bytes, width: int) -> None:
    """Refuse rows with more fields than the header, as a full read does.

    polars drops the surplus silently when only some columns are read, so the rows are read
    again as ``width + 1`` columns keeping only the last: a row with an extra value has one
    there. (An extra field left empty reads as missing, so it is let through here, where a
    full read refuses it.) Rows with fewer fields read their missing cells as empty.
    """
    schema = {f"c{i}": pl.Utf8 for i in range(width + 1)}
    extra = pl.read_csv(
        source,
        has_header=False,
        skip_rows=1,
        schema=schema,
        columns=[width],
        missing_columns="insert",
        truncate_ragged_lines=True,
    ).to_series()
    if extra.is_not_null().any():
        data = source if isinstance(source, bytes) else source.read_bytes()
        problems = _malformed_rows(path, data, ValueError("more fields than the header"))
        raise InputError(sorted(problems, key=_problem_order))


def _undecodable_cells(
    path: Path, data: bytes, selected: list[int], names: list[str]
) -> list[Problem]:
    """Name every cell holding non-UTF-8 bytes (runs only once strict decoding failed).

    The file is re-read decoded as Latin-1, where each character is one byte, so the bad cells
    are found by a vectorised pattern and only those few are decoded in Python.
    """
    as_bytes = data.decode("latin-1").encode("utf-8")
    try:
        cells = pl.read_csv(as_bytes, infer_schema=False, columns=selected)
    except pl.exceptions.ComputeError as exc:  # malformed as well: the rows come first
        return _malformed_rows(path, data, exc)
    cells = cells.rename(dict(zip(cells.columns, names, strict=True)))
    only_bad = [
        pl.when(pl.col(n).str.replace_all(_UTF8_SEQUENCE, "").str.contains(r"[\x80-\xFF]"))
        .then(pl.col(n))
        .alias(n)
        for n in names
    ]
    bad = (
        cells.with_row_index(ROW, offset=1)
        .select(ROW, *only_bad)
        .unpivot(index=ROW, variable_name="field", value_name="text")
        .drop_nulls("text")
        .sort(ROW, maintain_order=True)
    )
    report = Report(path)
    for row, field, text in bad.iter_rows():
        raw = text.encode("latin-1")
        value = f"'{raw.decode('utf-8', errors='replace')[:SHOWN_CHARS]}'"
        report.add(f"{value} {_NOT_UTF8_HINT}", row=row, field=field)
    if not report.problems:
        report.add(f"file {_NOT_UTF8_HINT}")
    return report.problems


def _malformed_rows(path: Path, data: bytes, exc: Exception) -> list[Problem]:
    """Find rows whose field count differs from the header's; only runs once polars has failed."""
    text = data.decode("utf-8", errors="replace")
    report = Report(path)
    try:
        records = csv.reader(io.StringIO(text, newline=""), strict=True)
        width = len(next(records))
        for row, record in enumerate(records, start=1):
            if record and len(record) > width:
                report.add(f"has {len(record)} fields, the header has {width}", row=row)
    except csv.Error as err:
        report.add(f"malformed CSV: {err}")
    if not report.problems:
        report.add(f"malformed CSV: {_first_line(exc)}")
    return report.problems


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@dataclass(frozen=True)
class Number:
    """How to read one numeric column: its type, its allowed range, whether it may be empty.

    ``meaning`` names what a valid value is ("a month number 1-12"); when given, every bad
    value is reported as "'x' is not <meaning>" instead of naming the kind or the range.
    """

    column: str
    dtype: type[pl.DataType]
    low: float | None = None
    high: float | None = None
    required: bool = False
    meaning: str | None = None

    @property
    def kind(self) -> str:
        return "a whole number" if self.dtype.is_integer() else "a number"


def parse_numbers(frame: pl.DataFrame, specs: Sequence[Number], report: Report) -> pl.DataFrame:
    """Values of the ``specs`` columns of an all-text ``frame`` (plus ``ROW``); bad rows reported.

    A row is bad when its text is present but does not cast, is NaN or infinite, lies outside
    [low, high], or is missing where a value is required. Bad values come back as null. All
    columns are cast and checked in one pass each (polars spreads the columns over threads);
    only a column with a bad row takes the slower path that strips blanks, retries and reports.
    """
    cast = frame.select(
        ROW,
        *[s.column for s in specs],
        *[pl.col(s.column).cast(s.dtype, strict=False).alias(f"{s.column}#") for s in specs],
    )
    checks = [
        _bad(s, pl.col(s.column), pl.col(f"{s.column}#")).any().alias(s.column) for s in specs
    ]
    failing = cast.select(checks).row(0, named=True) if specs else {}
    columns = [cast[ROW]]
    for spec in specs:
        if failing[spec.column]:
            columns.append(_parse_failing(frame, spec, report))
        else:
            columns.append(cast[f"{spec.column}#"].alias(spec.column))
    return pl.DataFrame(columns)


def _bad(spec: Number, text: pl.Expr, value: pl.Expr) -> pl.Expr:
    return _unparsed(spec, text, value) | _out_of_range(spec, value) | _missing(spec, text)


def _unparsed(spec: Number, text: pl.Expr, value: pl.Expr) -> pl.Expr:
    unparsed = text.is_not_null() & value.is_null()
    if not spec.dtype.is_float():
        return unparsed
    # With both bounds, infinity fails the range check: only NaN needs the (cheaper) test.
    bounded = spec.low is not None and spec.high is not None
    odd = value.is_nan() if bounded else value.is_finite().not_()
    return unparsed | odd.fill_null(False)


def _out_of_range(spec: Number, value: pl.Expr) -> pl.Expr:
    too_low = (value < spec.low).fill_null(False) if spec.low is not None else pl.lit(False)
    too_high = (value > spec.high).fill_null(False) if spec.high is not None else pl.lit(False)
    return too_low | too_high


def _missing(spec: Number, text: pl.Expr) -> pl.Expr:
    return text.is_null() if spec.required else pl.lit(False)


def _parse_failing(frame: pl.DataFrame, spec: Number, report: Report) -> pl.Series:
    """Blanks stripped, cast again, bad rows reported and nulled."""
    checked = frame.select(ROW, clean(spec.column).alias("text")).with_columns(
        pl.col("text").cast(spec.dtype, strict=False).alias("value")
    )
    text, value = pl.col("text"), pl.col("value")
    bad = checked.select(_bad(spec, text, value)).to_series()
    invalid = (
        pl.format("{} is not {}", quoted(text), pl.lit(spec.meaning))
        if spec.meaning
        else pl.when(_unparsed(spec, text, value))
        .then(pl.format("{} is not {}", quoted(text), pl.lit(spec.kind)))
        .otherwise(pl.format("{} is outside {}", quoted(text), pl.lit(_range(spec))))
    )
    reason = pl.when(_missing(spec, text)).then(pl.lit("missing value")).otherwise(invalid)
    report.flag(checked, bad, spec.column, reason)
    return checked.select(pl.when(~bad).then(value)).to_series().alias(spec.column)


def relabel(values: pl.Series, label: Callable[[str], str | None]) -> pl.Series:
    """``label`` applied to each distinct value (few: types, country codes), mapped back in bulk."""
    distinct = values.drop_nulls().unique().to_list()
    lookup = {v: label(v) for v in distinct}
    return values.replace_strict(lookup, default=None, return_dtype=pl.Utf8)


def _range(spec: Number) -> str:
    def show(x: float | None) -> str:
        if x is None:
            return "inf"
        return str(int(x)) if spec.dtype.is_integer() or float(x).is_integer() else str(x)

    return f"[{'-inf' if spec.low is None else show(spec.low)}, {show(spec.high)}]"


@dataclass(frozen=True)
class DateFormat:
    """One way a source writes dates: a regex that recognises it and the strptime format.

    ``take`` cuts the text to its first characters before parsing (ISO datetimes -> the date);
    only then is the whole text checked against the regex, since strptime alone is exact.
    ``exact`` also checks the regex without cutting: strptime takes '2021-2-3' for '%Y-%m-%d'.
    ``meaning`` ("a date in YYYY-MM-DD form") replaces the example in the reason for a bad date.
    """

    pattern: str
    fmt: str
    example: str
    take: int | None = None
    exact: bool = False
    meaning: str | None = None

    def parse(self, text: pl.Expr) -> pl.Expr:
        cut = text if self.take is None else text.str.slice(0, self.take)
        parsed = cut.str.strptime(pl.Date, self.fmt, strict=False)
        if self.take is None and not self.exact:
            return parsed
        return pl.when(text.str.contains(self.pattern)).then(parsed)


DETECT_SAMPLE: Final = 1000
# strptime's %Y also takes two-digit years ("31 December 20" -> year 20): such dates are errors.
YEARS: Final = (1900, 2100)


def detect_date_format(texts: pl.Series, formats: Sequence[DateFormat]) -> DateFormat:
    """The format matching most of the first non-empty values (one format per file)."""
    sample = texts.drop_nulls().head(DETECT_SAMPLE).str.strip_chars()
    counts = [int(sample.str.contains(f.pattern).sum()) for f in formats]
    return formats[counts.index(max(counts))]


def parse_date(
    frame: pl.DataFrame,
    column: str,
    formats: Sequence[DateFormat],
    report: Report,
    *,
    required: bool = True,
) -> pl.Series:
    """Dates of the text ``column`` in the file's format; unparsable rows reported, and missing
    ones when ``required``. Bad dates come back as null."""
    texts = frame.select(ROW, column)
    chosen = detect_date_format(texts[column], formats)
    dates = texts.select(chosen.parse(pl.col(column))).to_series()
    if (dates.is_null() & texts[column].is_not_null()).any():
        # Only files with padded (or bad) dates pay for stripping every value.
        texts = frame.select(ROW, clean(column))
        dates = texts.select(chosen.parse(pl.col(column))).to_series()
    year = dates.dt.year()
    bad = dates.is_null() | (year < YEARS[0]).fill_null(False) | (year > YEARS[1]).fill_null(False)
    if not required:
        bad = bad & texts[column].is_not_null()
    if not bad.any():
        return dates.alias(column)
    text = pl.col(column)
    reason = (
        pl.when(text.is_null())
        .then(pl.lit("missing date"))
        .otherwise(
            pl.format("{} is not {}", quoted(text), pl.lit(_date_meaning(chosen, len(formats))))
        )
    )
    report.flag(texts, bad, column, reason)
    return dates.set(bad, None).alias(column)


def _date_meaning(chosen: DateFormat, choices: int) -> str:
    if chosen.meaning:
        return chosen.meaning
    found = "the format found in this file; " if choices > 1 else ""
    return f"a date like '{chosen.example}' ({found}years {YEARS[0]}-{YEARS[1]})"


def repeated(keys: pl.Series) -> pl.Series:
    """True where the key occurs more than once.

    Hashes first, since finding repeats among 64-bit ints is several times faster than among
    strings; exact comparison runs only on the few rows whose hash repeats.
    """
    candidates = keys.hash().is_duplicated()
    if not candidates.any():
        return candidates
    return candidates.scatter(candidates.arg_true(), keys.filter(candidates).is_duplicated())


def flag_conflicting_duplicates(
    frame: pl.DataFrame, key: str, columns: Sequence[str], report: Report, id_label: str
) -> None:
    """Report each later row sharing ``key`` with an earlier row but differing in ``columns``.

    ``frame`` holds parsed values and ``ROW``, in file order (pass only the repeated rows when
    known: cheaper). One problem per differing field; absent ``columns`` are skipped.
    """
    dups = frame.filter(pl.len().over(key) > 1)
    if dups.is_empty():
        return
    present = [c for c in columns if c in frame.columns]
    # First values are materialised before flagging: the window must see the whole group.
    dups = dups.with_columns(
        pl.col(ROW).first().over(key).alias("#first_row"),
        *[pl.col(c).first().over(key).alias(f"#first_{c}") for c in present],
    )
    for column in present:
        first = pl.col(f"#first_{column}")
        reason = pl.format(
            "{} {} also appears in row {} with a different {} ({} there, {} here)",
            pl.lit(id_label),
            quoted(pl.col(key)),
            pl.col("#first_row"),
            pl.lit(column),
            quoted(first.cast(pl.Utf8).fill_null("empty")),
            quoted(pl.col(column).cast(pl.Utf8).fill_null("empty")),
        )
        report.flag(dups, pl.col(column).ne_missing(first), column, reason)
