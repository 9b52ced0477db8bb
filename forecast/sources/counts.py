"""Published aggregate counts per admin-2 unit and month: ACLED's admin-2 monthly counts (HDX).

Teams without an ACLED account still have ACLED's public subnational aggregates on HDX: one row
per admin-2 unit and month (``Country, Admin1, Admin2, ISO3, Admin2 Pcode, Admin1 Pcode, Month,
Year, Events, Fatalities``). Two steps, kept apart so the first needs no store:

- ``read_acled_monthly`` checks the file alone (columns, counts, months, years, no future
  month) and raises one ``InputError`` naming every bad row;
- ``match_counts`` finds each row's stored district: the row's P-code, else its admin-2 name
  (``forecast.assign``'s normalisation, admin-1 breaking ties), else a P-code succession
  (``data/gazetteer/pcode_successions.csv``: a cercle split after the stored boundaries were
  drawn is summed into the old one), else a documented spelling variant
  (``data/gazetteer/name_variants.csv``). Rows left unmatched are reported; above a share of
  the file it is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from forecast.assign import DistrictIndex, name_key
from forecast.core.countries import iso3_for_name
from forecast.core.errors import Problem
from forecast.core.schema import COUNTS
from forecast.sources.csvio import (
    ROW,
    Number,
    Report,
    column_problems,
    normal_name,
    parse_numbers,
    quoted,
    read_csv_text,
    relabel,
    shown_header,
)
from forecast.sources.limits import latest_day
from forecast.sources.sniff import counts_hint

SOURCE: Final = "acled"
FORMAT: Final = "acled-monthly"
# The HDX layout, in order, spelt as ACLED writes it (problems name columns this way).
COLUMNS: Final = (
    "Country",
    "Admin1",
    "Admin2",
    "ISO3",
    "Admin2 Pcode",
    "Admin1 Pcode",
    "Month",
    "Year",
    "Events",
    "Fatalities",
)
# Redundant with ISO3 and Admin1: a file without them loses nothing the matching uses.
OPTIONAL: Final = frozenset({"Country", "Admin1 Pcode"})
REQUIRED: Final = tuple(c for c in COLUMNS if c not in OPTIONAL)
MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MAX_COUNT: Final = 2**31 - 1  # the INTEGER columns' range
NUMBERS: Final = (
    Number("Year", pl.Int64, 1900, 2100, required=True, meaning="a year 1900-2100"),
    Number("Events", pl.Int64, 0, MAX_COUNT, required=True, meaning="a whole number >= 0"),
    Number("Fatalities", pl.Int64, 0, MAX_COUNT, required=True, meaning="a whole number >= 0"),
)

# How a row found its district (the ``matched`` column).
BY_PCODE: Final = "pcode"
BY_NAME: Final = "name"
BY_SUCCESSION: Final = "succession"
UNMATCHED: Final = "unmatched"
MATCHES: Final = (BY_PCODE, BY_NAME, BY_SUCCESSION)

# The shipped tables: beside the package in a source checkout, under /opt/forecast/data in the
# image (the Dockerfile copies data/ there).
GAZETTEER_FOLDERS: Final = (
    Path(__file__).resolve().parents[2] / "data" / "gazetteer",
    Path("/opt/forecast/data/gazetteer"),
)
SUCCESSIONS_FILE: Final = "pcode_successions.csv"
VARIANTS_FILE: Final = "name_variants.csv"
SUCCESSION_COLUMNS: Final = ("new_pcode", "old_pcode", "old_name", "old_admin1", "country")
VARIANT_COLUMNS: Final = ("country", "name", "variant")
# A unit is the source's admin-2 unit as the file names it; matching runs once per unit.
UNIT: Final = ("admin2_code", "admin2", "admin1", "country")


def read_acled_monthly(path: Path, *, today: date | None = None) -> pl.DataFrame:
    """Rows of an ACLED admin-2 monthly counts file, checked, one per input row.

    Columns: ``ROW``, ``admin2_code``, ``admin2``, ``admin1``, ``country`` (ISO3), ``month``
    (first day), ``events``, ``fatalities``. A month after the one of ``today`` (UTC by default)
    plus FORECAST_FUTURE_DAYS_TOLERANCE is an error: aggregates are of the past. Raises
    ``InputError`` with every problem.
    """
    path = Path(path)
    raw = read_csv_text(path, required=(), trim=True)
    report = Report(path)
    _check_columns(raw.columns, report)
    report.raise_if_any()
    raw = raw.rename({normal_name(c): c for c in COLUMNS if normal_name(c) in raw.columns})
    numbers = parse_numbers(raw, NUMBERS, report)
    months = _month_numbers(raw, report)
    frame = pl.DataFrame(
        [
            raw[ROW],
            raw["Admin2 Pcode"].str.to_uppercase().alias("admin2_code"),
            raw["Admin2"].alias("admin2"),
            raw["Admin1"].alias("admin1"),
            _country(raw).alias("country"),
            pl.select(pl.date(numbers["Year"], months, 1)).to_series().alias("month"),
            numbers["Events"].alias("events"),
            numbers["Fatalities"].alias("fatalities"),
        ]
    )
    _flag_future(frame, today or datetime.now(UTC).date(), report)
    report.raise_if_any()
    return frame


def _check_columns(names: Sequence[str], report: Report) -> None:
    """Repeated or misspelt columns, and each missing required one with the expected list."""
    known = [normal_name(c) for c in COLUMNS]
    column_problems(names, (), report, known=known)
    header = shown_header(n for n in names if n != ROW)
    lacking = [c for c in REQUIRED if normal_name(c) not in names]
    if lacking and (advice := counts_hint(names)):
        report.add(advice)
    for column in REQUIRED:
        if normal_name(column) not in names:
            report.add(
                "required column is missing; an ACLED admin-2 monthly file has "
                f"{', '.join(COLUMNS)} (this header has: {header})",
                field=column,
            )


def _month_numbers(raw: pl.DataFrame, report: Report) -> pl.Series:
    """Month 1-12 from the English month name (any case); bad or missing ones reported."""
    lookup = {m.lower(): i for i, m in enumerate(MONTHS, start=1)}
    numbers = (
        raw["Month"].str.to_lowercase().replace_strict(lookup, default=None, return_dtype=pl.Int8)
    )
    given = pl.col("Month")
    reason = (
        pl.when(given.is_null())
        .then(pl.lit("missing value"))
        .otherwise(
            pl.format(
                "{} is not an English month name ({})", quoted(given), pl.lit(", ".join(MONTHS))
            )
        )
    )
    report.flag(raw, numbers.is_null(), "Month", reason)
    return numbers


def _country(raw: pl.DataFrame) -> pl.Series:
    """ISO3 as given, else from the country name; null when neither says."""
    iso3 = raw["ISO3"].str.to_uppercase()
    if "Country" in raw.columns:
        iso3 = iso3.fill_null(relabel(raw["Country"], iso3_for_name))
    return iso3


def _flag_future(frame: pl.DataFrame, today: date, report: Report) -> None:
    # The month of the latest day allowed (the tolerance may reach into the next month).
    latest = latest_day(today)
    current = date(latest.year, latest.month, 1)
    reason = pl.format(
        "{} is in the future (read on {}): counts are of past months",
        pl.col("month").dt.strftime("%B %Y"),
        pl.lit(today.isoformat()),
    )
    report.flag(frame, (pl.col("month") > current).fill_null(False), "Month", reason)


@dataclass
class CountsMatch:
    """What ``match_counts`` found: the rows to store and what was left out."""

    rows: pl.DataFrame  # COUNTS columns (file still null), one per district and month
    rows_read: int
    by: dict[str, int] = field(default_factory=dict)  # input rows per match kind + unmatched
    unmatched: list[Problem] = field(default_factory=list)
    unmatched_events: int = 0
    unmatched_fatalities: int = 0


def match_counts(
    frame: pl.DataFrame,
    districts: pl.DataFrame,
    path: Path,
    *,
    max_unmatched: float,
    successions: pl.DataFrame | None = None,
    variants: pl.DataFrame | None = None,
) -> CountsMatch:
    """Place the rows of ``read_acled_monthly`` in ``districts`` (schema.DISTRICTS columns).

    Units of a documented succession that land in one district are summed into it; any other
    two rows for one district and month are an error. Raises ``InputError`` for those, and
    when more than ``max_unmatched`` of the rows match no district (each such row named).
    ``successions`` and ``variants`` default to the shipped tables.
    """
    successions = load_successions() if successions is None else successions
    variants = load_variants() if variants is None else variants
    units = resolve_units(frame.select(UNIT).unique(), districts, successions, variants)
    rows = frame.join(units, on=list(UNIT), how="left", nulls_equal=True, maintain_order="left")
    report = Report(path)
    unmatched = _unmatched_problems(rows, districts, Report(path))
    _flag_duplicates(rows.filter(pl.col("district_code").is_not_null()), report)
    lost = rows.filter(pl.col("district_code").is_null())
    if lost.height > max_unmatched * rows.height:
        report.problems.extend(unmatched)
        report.add(
            f"{lost.height} of {rows.height} rows ({lost.height / rows.height:.1%}) match no "
            f"stored district, more than the {max_unmatched:.1%} allowed "
            "(FORECAST_COUNTS_MAX_UNMATCHED)"
            + (
                "; no districts are stored: run `forecast ingest districts` first"
                if not districts.height
                else ""
            )
        )
    report.raise_if_any()
    counts = rows.group_by("matched").len()
    return CountsMatch(
        rows=_summed(rows.filter(pl.col("district_code").is_not_null())),
        rows_read=rows.height,
        by={k: 0 for k in (*MATCHES, UNMATCHED)} | dict(counts.iter_rows()),
        unmatched=unmatched,
        unmatched_events=int(lost["events"].sum()),
        unmatched_fatalities=int(lost["fatalities"].sum()),
    )


def resolve_units(
    units: pl.DataFrame,
    districts: pl.DataFrame,
    successions: pl.DataFrame,
    variants: pl.DataFrame,
) -> pl.DataFrame:
    """``units`` (UNIT columns, distinct) with ``district_code``, ``matched`` and ``old_pcode``.

    First that applies wins: the P-code is a stored code; the name matches one district; the
    P-code is a succession's new unit whose old unit is stored (by P-code, else by name); a
    documented spelling variant of the name matches. A unit found by name in the very district
    its succession leads to (the new Ménaka cercle in GADM's old one) counts as a succession:
    it is summed there with its sister units.
    """
    n = units.height
    codes = np.full(n, None, dtype=object)
    how = np.full(n, UNMATCHED, dtype=object)
    stored = set(districts["code"].to_list())
    index = DistrictIndex(districts) if districts.height else None

    def take(found: np.ndarray, kind: str) -> None:
        hit = np.not_equal(found, None) & np.equal(codes, None)
        codes[hit] = found[hit]
        how[hit] = kind

    pcodes = units["admin2_code"].to_numpy().astype(object)
    take(np.where([c in stored for c in pcodes], pcodes, None), BY_PCODE)
    old = units.join(
        _successions_by_new(successions),
        left_on="admin2_code",
        right_on="new_pcode",
        how="left",
        maintain_order="left",
    )
    old_code = _old_districts(old, stored, index)
    if index is not None:
        take(index.by_name(units["admin2"], units["admin1"], units["country"]), BY_NAME)
        successor = [
            kind == BY_NAME and was is not None and code == was
            for kind, code, was in zip(how, codes, old_code, strict=True)
        ]
        how[np.asarray(successor, dtype=bool)] = BY_SUCCESSION
    take(old_code, BY_SUCCESSION)
    if index is not None:
        alternative = _variant_names(units, variants)
        take(index.by_name(alternative, units["admin1"], units["country"]), BY_NAME)
    return units.with_columns(
        pl.Series("district_code", codes.tolist(), dtype=pl.Utf8),
        pl.Series("matched", how.tolist(), dtype=pl.Utf8),
        old["old_pcode"],
    )


def _successions_by_new(successions: pl.DataFrame) -> pl.DataFrame:
    return successions.select(
        pl.col("new_pcode").str.strip_chars().str.to_uppercase(),
        pl.col("old_pcode").str.strip_chars().str.to_uppercase(),
        "old_name",
        "old_admin1",
        pl.col("country").str.strip_chars().str.to_uppercase().alias("old_country"),
    ).unique("new_pcode", keep="first")


def _old_districts(old: pl.DataFrame, stored: set[str], index: DistrictIndex | None) -> np.ndarray:
    """Stored district of each unit's old (pre-succession) unit: by P-code, else by name."""
    old_pcodes = old["old_pcode"].to_numpy().astype(object)
    found = np.where([c in stored for c in old_pcodes], old_pcodes, None).astype(object)
    if index is not None:
        by_name = index.by_name(old["old_name"], old["old_admin1"], old["old_country"])
        found = np.where(np.equal(found, None) & np.not_equal(old_pcodes, None), by_name, found)
    return found


def _variant_names(units: pl.DataFrame, variants: pl.DataFrame) -> pl.Series:
    """Per unit, the other spelling of its admin-2 name in ``variants`` (either way), or null."""
    pairs = (
        pl.concat(
            [
                variants.select(pl.col("country"), pl.col("variant").alias("as_given"), "name"),
                variants.select(
                    pl.col("country"),
                    pl.col("name").alias("as_given"),
                    pl.col("variant").alias("name"),
                ),
            ]
        )
        .select(
            pl.col("country").str.strip_chars().str.to_uppercase(),
            name_key(pl.col("as_given")).alias("key"),
            pl.col("name").alias("alternative"),
        )
        .unique(["country", "key"], keep="first")
    )
    keyed = units.select(pl.col("country"), name_key(pl.col("admin2")).alias("key"))
    return keyed.join(pairs, on=["country", "key"], how="left", maintain_order="left")[
        "alternative"
    ]


def _unmatched_problems(
    rows: pl.DataFrame, districts: pl.DataFrame, report: Report
) -> list[Problem]:
    """One problem per row without a district, naming its P-code and names."""
    why = (
        "no districts are stored"
        if not districts.height
        else ("matches no stored district by P-code, name or succession")
    )
    reason = pl.format(
        "{} (Admin2 {}, Admin1 {}) {}",
        quoted(pl.col("admin2_code").fill_null("")),
        quoted(pl.col("admin2").fill_null("")),
        quoted(pl.col("admin1").fill_null("")),
        pl.lit(why),
    )
    report.flag(rows, pl.col("district_code").is_null(), "Admin2 Pcode", reason)
    return report.problems


def _flag_duplicates(rows: pl.DataFrame, report: Report) -> None:
    """Two rows for one district and month are summed only when all are units of one
    documented succession; anything else (a repeated row, an old and a new P-code side by
    side) would count the same violence twice."""
    key = ["district_code", "month"]
    shared = rows.filter(pl.len().over(key) > 1)
    if shared.is_empty():
        return
    succession = (
        (pl.col("matched") == BY_SUCCESSION).all().over(key)
        & (pl.col("old_pcode").n_unique().over(key) == 1)
        & (pl.col("admin2_code").n_unique().over(key) == pl.len().over(key))
    )
    shared = shared.with_columns(
        succession.alias("#summed"),
        pl.col(ROW).first().over(key).alias("#first_row"),
        pl.col("admin2_code").first().over(key).alias("#first_code"),
    )
    reason = pl.format(
        "district {}, {}: also given by row {} ({}); rows for one district and month are "
        "summed only for the units of one P-code succession (data/gazetteer/pcode_successions.csv)",
        quoted(pl.col("district_code")),
        pl.col("month").dt.strftime("%B %Y"),
        pl.col("#first_row"),
        quoted(pl.col("#first_code").fill_null("")),
    )
    bad = ~pl.col("#summed") & (pl.col(ROW) != pl.col("#first_row"))
    report.flag(shared, bad, "Admin2 Pcode", reason)


def _summed(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per district and month (sister units of a succession added up)."""
    joined = pl.col("admin2_code", "admin2").str.join("; ")
    summed = (
        rows.sort("admin2_code", ROW, nulls_last=True)
        .group_by("district_code", "month", maintain_order=True)
        .agg(
            pl.col("events", "fatalities").sum(),
            joined,
            pl.col("admin1").drop_nulls().unique(maintain_order=True).str.join("; "),
            pl.col("country").first(),
            pl.col("matched").first(),
            pl.len().alias("units"),
        )
        .with_columns(pl.lit(SOURCE).alias("source"))
    )
    return COUNTS.conform(summed.sort("district_code", "month"))


def gazetteer_file(name: str) -> Path:
    """A shipped table of ``data/gazetteer``, from a checkout or the image."""
    for folder in GAZETTEER_FOLDERS:
        if (folder / name).is_file():
            return folder / name
    looked = ", ".join(str(f / name) for f in GAZETTEER_FOLDERS)
    raise FileNotFoundError(f"the shipped table {name} is missing (looked for {looked})")


def load_successions(path: Path | None = None) -> pl.DataFrame:
    """The P-code successions table (``new_pcode, old_pcode, old_name, old_admin1, country``)."""
    return _table(path or gazetteer_file(SUCCESSIONS_FILE), SUCCESSION_COLUMNS)


def load_variants(path: Path | None = None) -> pl.DataFrame:
    """The spelling variants table (``country, name, variant``)."""
    return _table(path or gazetteer_file(VARIANTS_FILE), VARIANT_COLUMNS)


def _table(path: Path, columns: Sequence[str]) -> pl.DataFrame:
    raw = read_csv_text(path, required=columns, trim=True)
    report = Report(path)
    for column in columns:
        report.flag(raw, pl.col(column).is_null(), column, pl.lit("missing value"))
    report.raise_if_any()
    return raw.select(columns)


def left_out_summary(match: CountsMatch) -> str:
    """How much of the file was not stored, for the ingest's summary line."""
    rows = match.by.get(UNMATCHED, 0)
    return (
        f"{rows} rows ({match.unmatched_events} events, {match.unmatched_fatalities} "
        "fatalities) left out"
    )
