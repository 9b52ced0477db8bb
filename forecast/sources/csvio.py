"""Reading source files into all-text frames, and vectorised checks that name file, row and field.

Readers load every column as text, then cast with ``strict=False`` and report the rows where a
non-empty input produced no value: one pass per column over the whole file instead of a Python
loop over rows, and every bad row is found, not only the first.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from forecast.errors import InputError, Problem

ROW: Final = "__row"  # 1-based data row number (header excluded), kept through parsing
SHOWN_CHARS: Final = 60  # longest input value quoted back in a problem
_DUPLICATE_SUFFIX = re.compile(r"^(.*)_duplicated_\d+$")
_NOT_UTF8_HINT = (
    "contains bytes that are not valid UTF-8 (probably Latin-1/Windows-1252); "
    "re-save the file as UTF-8"
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
    """The file's content, gunzipped when its name ends with '.gz'; empty files are rejected."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError.single(path, f"cannot read file: {exc.strerror or exc}") from exc
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError.single(path, f"not a valid gzip file: {exc}") from exc
    if not data or data.isspace():
        raise InputError.single(path, "file is empty (no header, no rows)")
    return data


def read_csv_text(
    path: Path, *, required: Collection[str], wanted: Collection[str] | None = None
) -> pl.DataFrame:
    """Read a CSV (or '.csv.gz') with every column as text, plus a 1-based ``ROW`` column.

    Header names are stripped and lower-cased. Only ``wanted`` columns are kept when given (the
    required ones always are). Raises ``InputError`` for an empty file, bytes that are not UTF-8
    (naming each affected row and field), malformed CSV, duplicate or missing columns.
    """
    source = _source(path)
    header = _read_header(path, source)
    names = [normal_name(n) for n in header]
    check_columns(path, names, required)
    keep = set(required) | (set(wanted) if wanted is not None else set(names))
    selected = [raw for raw, name in zip(header, names, strict=True) if name in keep]
    frame = _read_body(path, source, selected)
    frame = frame.rename({raw: normal_name(raw) for raw in selected})
    if frame.height == 0:
        raise InputError.single(path, "file has a header but no data rows")
    return frame.with_row_index(ROW, offset=1)


def _source(path: Path) -> Path | bytes:
    """Gzip files are unpacked in memory; plain files are handed to polars by path (mmap)."""
    if path.name.lower().endswith(".gz"):
        return read_bytes(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError.single(path, f"cannot read file: {exc.strerror or exc}") from exc
    if size == 0:
        raise InputError.single(path, "file is empty (no header, no rows)")
    return path


def normal_name(name: str) -> str:
    """A column name as readers compare it: blanks and byte-order mark removed, lower case."""
    return name.strip().lstrip("\ufeff").strip().lower()


def _read_header(path: Path, source: Path | bytes) -> list[str]:
    try:
        header = pl.read_csv(source, n_rows=0, infer_schema=False).columns
    except pl.exceptions.NoDataError as exc:
        raise InputError.single(path, "file is empty (no header, no rows)") from exc
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower():
            raise InputError.single(path, f"header {_NOT_UTF8_HINT}") from exc
        raise InputError.single(path, f"cannot read the CSV header: {_first_line(exc)}") from exc
    if not any(normal_name(name) for name in header):
        raise InputError.single(path, "file is empty (no header, no rows)")
    # polars decodes the header leniently: undecodable bytes show up as U+FFFD.
    if any("\ufffd" in name for name in header):
        bad = ", ".join(repr(name) for name in header if "\ufffd" in name)
        raise InputError.single(path, f"header {_NOT_UTF8_HINT} (in {bad})")
    return header


def check_columns(path: Path, names: Sequence[str], required: Collection[str]) -> None:
    """Reject a header with a repeated name (polars' '_duplicated_N') or a required one missing."""
    report = Report(path)
    for name in names:
        match = _DUPLICATE_SUFFIX.match(name)
        if match and match.group(1) in names:
            report.add("column appears more than once in the header", field=match.group(1))
    missing = [c for c in required if c not in names]
    for column in missing:
        report.add(f"required column is missing (header has: {', '.join(names)})", field=column)
    report.raise_if_any()


def _read_body(path: Path, source: Path | bytes, columns: list[str]) -> pl.DataFrame:
    try:
        return pl.read_csv(source, infer_schema=False, columns=columns)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower():
            problems = _undecodable_rows(path, source, columns)
        else:
            problems = _malformed_rows(path, source, exc)
        raise InputError(sorted(problems, key=_problem_order)) from exc


def _undecodable_rows(path: Path, source: Path | bytes, columns: list[str]) -> list[Problem]:
    """Name every row and field holding non-UTF-8 bytes (runs only once strict decoding failed)."""
    lossy = pl.read_csv(source, infer_schema=False, columns=columns, encoding="utf8-lossy")
    lossy = lossy.with_row_index(ROW, offset=1)
    report = Report(path)
    for column in columns:
        bad = pl.col(column).str.contains("\ufffd", literal=True).fill_null(False)
        reason = pl.format("{} {}", quoted(pl.col(column)), pl.lit(_NOT_UTF8_HINT))
        report.flag(lossy, bad, normal_name(column), reason)
    if not report.problems:
        report.add(f"file {_NOT_UTF8_HINT}")
    return report.problems


def _malformed_rows(path: Path, source: Path | bytes, exc: Exception) -> list[Problem]:
    """Find rows whose field count differs from the header's; only runs once polars has failed."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    text = data.decode("utf-8", errors="replace")
    report = Report(path)
    try:
        records = csv.reader(io.StringIO(text, newline=""), strict=True)
        width = len(next(records))
        for row, record in enumerate(records, start=1):
            if record and len(record) != width:
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
    """How to read one numeric column: its type, its allowed range, whether it may be empty."""

    column: str
    dtype: type[pl.DataType]
    low: float | None = None
    high: float | None = None
    required: bool = False

    @property
    def kind(self) -> str:
        return "a whole number" if self.dtype.is_integer() else "a number"


def parse_numbers(frame: pl.DataFrame, specs: Sequence[Number], report: Report) -> pl.DataFrame:
    """Values of the ``specs`` columns of an all-text ``frame`` (plus ``ROW``); bad rows reported.

    A row is bad when its text is present but does not cast, is NaN, lies outside [low, high], or
    is missing where a value is required. Bad values come back as null. All columns are cast and
    checked in one pass each (polars spreads the columns over threads); only a column with a
    bad row takes the slower path that strips blanks, retries and reports.
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
    return unparsed | value.is_nan().fill_null(False) if spec.dtype.is_float() else unparsed


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
    reason = (
        pl.when(_missing(spec, text))
        .then(pl.lit("missing value"))
        .when(_unparsed(spec, text, value))
        .then(pl.format("{} is not {}", quoted(text), pl.lit(spec.kind)))
        .otherwise(pl.format("{} is outside {}", quoted(text), pl.lit(_range(spec))))
    )
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
    """

    pattern: str
    fmt: str
    example: str
    take: int | None = None

    def parse(self, text: pl.Expr) -> pl.Expr:
        if self.take is None:
            return text.str.strptime(pl.Date, self.fmt, strict=False)
        parsed = text.str.slice(0, self.take).str.strptime(pl.Date, self.fmt, strict=False)
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
    frame: pl.DataFrame, column: str, formats: Sequence[DateFormat], report: Report
) -> pl.Series:
    """Dates of the text ``column`` in the file's format; missing or unparsable rows reported."""
    texts = frame.select(ROW, column)
    chosen = detect_date_format(texts[column], formats)
    dates = texts.select(chosen.parse(pl.col(column))).to_series()
    if (dates.is_null() & texts[column].is_not_null()).any():
        # Only files with padded (or bad) dates pay for stripping every value.
        texts = frame.select(ROW, clean(column))
        dates = texts.select(chosen.parse(pl.col(column))).to_series()
    year = dates.dt.year()
    bad = dates.is_null() | (year < YEARS[0]).fill_null(False) | (year > YEARS[1]).fill_null(False)
    if not bad.any():
        return dates.alias(column)
    text = pl.col(column)
    reason = (
        pl.when(text.is_null())
        .then(pl.lit("missing date"))
        .otherwise(
            pl.format(
                "{} is not a date like '{}' (the format found in this file; years {}-{})",
                quoted(text),
                pl.lit(chosen.example),
                pl.lit(YEARS[0]),
                pl.lit(YEARS[1]),
            )
        )
    )
    report.flag(texts, bad, column, reason)
    return dates.set(bad, None).alias(column)


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
