"""Geo-PKO (Uppsala): UN peacekeeping deployment maps turned into UN-mission presence periods.

Two layouts are read, told apart by their header:

- the full v2.1 table (``geo_pko_v2_1_location_map.csv.gz``): one row per location per UN
  deployment map, several maps a year (``year``, ``month``), troops in ``no.troops`` as text
  with "unknown";
- the v2.3 dashboard summary ``FrontMap_v2_3.csv``: one row per location per year, the yearly
  mean troops in ``ave.no.troops`` (rows repeat per (mission, year, location); deduplicated).

A "map" is one (mission, month) in v2.1 (two maps of the same month are merged) and one
(mission, year) in v2.3. A presence period is a run of a location on consecutive maps of its
mission; the rule for its start and end is in docs/FORMATS.md and ``presence_periods``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Final

import polars as pl

from forecast.core.schema import PARTNER_PRESENCE
from forecast.core.vocab import PARTNER_UN
from forecast.sources.csvio import (
    ROW,
    Number,
    Report,
    column_problems,
    flag_future,
    flag_missing,
    parse_numbers,
    read_csv_text,
)
from forecast.sources.limits import latest_day
from forecast.sources.presence import stable_id

V21_COLUMNS: Final = ("mission", "year", "month", "location", "latitude", "longitude", "no.troops")
FRONTMAP_COLUMNS: Final = ("mission", "year", "location", "latitude", "longitude", "ave.no.troops")
SOURCE_V21: Final = "Geo-PKO v2.1 deployment maps"
SOURCE_FRONTMAP: Final = "Geo-PKO v2.3 FrontMap (yearly)"
LAYOUTS: Final = (
    f"expected the Geo-PKO v2.1 table ({', '.join(V21_COLUMNS)}) "
    f"or the v2.3 FrontMap ({', '.join(FRONTMAP_COLUMNS)})"
)
# Both layouts: a four-digit year, coordinates in range. Coordinates may be absent ('NA': v2.1
# has one such row, UNOCI 2008 "unclear"); such a period is kept and stays unplaced.
COMMON_NUMBERS: Final = (
    Number("year", pl.Int32, 1900, 2100, required=True, meaning="a year"),
    Number("latitude", pl.Float64, -90, 90, meaning="a number within [-90, 90]"),
    Number("longitude", pl.Float64, -180, 180, meaning="a number within [-180, 180]"),
)
V21_NUMBERS: Final = (
    *COMMON_NUMBERS,
    Number("month", pl.Int32, 1, 12, required=True, meaning="a month number 1-12"),
    Number("no.troops", pl.Float64, 0, meaning="a number of troops or 'unknown'"),
)
FRONTMAP_NUMBERS: Final = (
    *COMMON_NUMBERS,
    Number("ave.no.troops", pl.Float64, 0, meaning="a number of troops"),
)

# Missions still on the data's last maps although they had closed: without this their last
# locations would look open-ended. MINUSMA: withdrawal completed 31 Dec 2023 (S/RES/2690);
# its 2024 rows are the liquidation. UNAMID: mandate ended 31 Dec 2020 (S/RES/2559).
CLOSED_MISSIONS: Final[Mapping[str, date]] = MappingProxyType(
    {"MINUSMA": date(2023, 12, 31), "UNAMID": date(2020, 12, 31)}
)

OBSERVATION_SCHEMA: Final = {
    "mission": pl.Utf8,
    "map_date": pl.Date,
    "location": pl.Utf8,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
    "troops": pl.Float64,
}


def read_geopko(
    path: Path,
    missions: list[str] | None = None,
    *,
    closed: Mapping[str, date] = CLOSED_MISSIONS,
) -> pl.DataFrame:
    """UN presence periods from a Geo-PKO v2.1 table or v2.3 FrontMap, as PARTNER_PRESENCE.

    ``missions`` (case-insensitive) keeps only those missions; the data's last year, which
    decides whether a mission is still active, is taken from the whole file.
    """
    path = Path(path)
    frame = read_csv_text(path, required=(), null_values=["NA"], trim=True)
    report = Report(path)
    frontmap = "ave.no.troops" in frame.columns
    needed = FRONTMAP_COLUMNS if frontmap else V21_COLUMNS
    column_problems(frame.columns, needed, report, hint=LAYOUTS)
    report.raise_if_any()
    if frontmap:
        observations, source = _frontmap_observations(frame, report), SOURCE_FRONTMAP
    else:
        observations, source = _v21_observations(frame, report), SOURCE_V21
    last_year = observations["map_date"].dt.year().max()
    observations = _only_missions(observations, missions, report)
    periods = presence_periods(observations, data_last_year=int(last_year), closed=closed)
    return PARTNER_PRESENCE.conform(
        periods.with_columns(
            stable_id(
                pl.lit("geopko"),
                pl.col("force"),
                pl.col("name"),
                pl.col("start_date").dt.to_string(),
            ).alias("presence_id"),
            pl.lit(PARTNER_UN).alias("partner"),
            pl.lit("location").alias("kind"),
            pl.lit(source).alias("source"),
            pl.lit(str(path)).alias("file"),
        )
    )


def presence_periods(
    observations: pl.DataFrame,
    *,
    data_last_year: int,
    closed: Mapping[str, date] = CLOSED_MISSIONS,
) -> pl.DataFrame:
    """One row per run of a (mission, location) on consecutive maps of its mission.

    ``observations`` has OBSERVATION_SCHEMA: one row per location per map (``map_date`` is the
    first day of the map's month; Jan 1 for yearly data). A run starts on its first map's
    date. It ends the day before the mission's next map (the first one without the location);
    a run still on the mission's last map ends on Dec 31 of that map's year if the mission has
    no map in ``data_last_year``, at its closing date in ``closed`` (never before that Dec 31)
    if it closed, and is open (null) otherwise. Strength is the mean of the known troop
    numbers over the run's maps, rounded.
    """
    maps = (
        observations.select("mission", "map_date")
        .unique()
        .sort("mission", "map_date")
        .with_columns(
            pl.col("map_date").rank("dense").over("mission").cast(pl.Int32).alias("map_index"),
            pl.col("map_date").shift(-1).over("mission").alias("next_map"),
            pl.col("map_date").max().over("mission").dt.year().alias("mission_last_year"),
        )
    )
    runs = (
        observations.join(maps, on=["mission", "map_date"], how="left")
        .sort("mission", "location", "map_date")
        .with_columns(
            (pl.col("map_index").diff().over("mission", "location") != 1)
            .fill_null(True)
            .cum_sum()
            .over("mission", "location")
            .alias("run")
        )
    )
    located = pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null()
    periods = runs.group_by("mission", "location", "run").agg(
        pl.col("map_date").first().alias("start_date"),
        pl.col("map_date").last().alias("last_map"),
        pl.col("next_map").last(),
        pl.col("mission_last_year").first(),
        # Coordinates of the latest map that has them: later maps carry corrected geocoding.
        pl.col("latitude").filter(located).last(),
        pl.col("longitude").filter(located).last(),
        pl.col("troops").mean().round(0, mode="half_away_from_zero").alias("strength"),
    )
    closing = pl.col("mission").replace_strict(dict(closed), default=None, return_dtype=pl.Date)
    year_end = pl.date(pl.col("last_map").dt.year(), 12, 31)
    end = (
        pl.when(pl.col("next_map").is_not_null())
        .then(pl.col("next_map").dt.offset_by("-1d"))
        .when(pl.col("mission_last_year") < data_last_year)
        .then(year_end)
        .when(closing.is_not_null())
        .then(pl.max_horizontal(closing, year_end))
    )
    return periods.select(
        pl.col("location").alias("name"),
        pl.col("mission").alias("force"),
        "latitude",
        "longitude",
        "start_date",
        end.alias("end_date"),
        pl.col("strength").cast(pl.Int32),
    ).sort("force", "name", "start_date")


# --- the two layouts --------------------------------------------------------------------------


def _v21_observations(frame: pl.DataFrame, report: Report) -> pl.DataFrame:
    troops = pl.col("no.troops")
    frame = frame.with_columns(pl.when(troops.str.to_lowercase() != "unknown").then(troops))
    values = _checked_numbers(frame, V21_NUMBERS, report)
    rows = values.select(
        "mission",
        pl.date("year", "month", 1).alias("map_date"),
        "location",
        "latitude",
        "longitude",
        pl.col("no.troops").alias("troops"),
    )
    # A location listed twice on one map (two units there) counts once, with both units'
    # troops; the sum stays unknown when no unit's number is known.
    return (
        rows.group_by("mission", "map_date", "location", maintain_order=True)
        .agg(
            pl.col("latitude").first(),
            pl.col("longitude").first(),
            pl.when(pl.col("troops").count() > 0).then(pl.col("troops").sum()).alias("troops"),
        )
        .cast(OBSERVATION_SCHEMA)
    )


def _frontmap_observations(frame: pl.DataFrame, report: Report) -> pl.DataFrame:
    values = _checked_numbers(frame, FRONTMAP_NUMBERS, report)
    # The summary repeats (mission, year, location) with other columns differing; the yearly
    # mean troops is the same on each copy, so the first copy is kept.
    return (
        values.unique(["mission", "year", "location"], keep="first", maintain_order=True)
        .select(
            "mission",
            pl.date("year", 1, 1).alias("map_date"),
            "location",
            "latitude",
            "longitude",
            pl.col("ave.no.troops").alias("troops"),
        )
        .cast(OBSERVATION_SCHEMA)
    )


def _checked_numbers(
    frame: pl.DataFrame, numbers: tuple[Number, ...], report: Report
) -> pl.DataFrame:
    """Mission and location text with the layout's numbers parsed; raises on any problem."""
    flag_missing(frame, ("mission", "location"), report)
    values = parse_numbers(frame, numbers, report)
    month = pl.col("month") if "month" in values.columns else pl.lit(1)
    first_day = values.select(pl.date("year", month, 1)).to_series()
    flag_future(values, first_day, "year", report, latest_day())
    report.raise_if_any()
    return frame.select("mission", "location").with_columns(values.drop(ROW))


def _only_missions(
    observations: pl.DataFrame, missions: list[str] | None, report: Report
) -> pl.DataFrame:
    if missions is None:
        return observations
    wanted = {m.strip().upper() for m in missions}
    present = set(observations["mission"].str.to_uppercase().unique().to_list())
    for name in sorted(wanted - present):
        has = ", ".join(sorted(present))
        report.add(f"mission '{name}' is not in the file; it has {has}", field="mission")
    report.raise_if_any()
    return observations.filter(pl.col("mission").str.to_uppercase().is_in(sorted(wanted)))
