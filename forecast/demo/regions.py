"""Mali's geography of risk, in figures the demo world and ACLED's real counts both give.

The demo world is calibrated against ACLED's HDX aggregate for Mali (political-violence
events per cercle and month; ../shared/data/acled_hdx_mali_admin2_monthly): for each region
and period, the share of cercle-months with at least one event and the events per
cercle-month, and for the south-west the cercles reached in 2025. Monthly, not weekly,
because that is what the real file holds; political violence (battles, explosions/remote
violence, violence against civilians) because that is what it counts.

    .venv/bin/python -m forecast.demo.regions [--real PATH] [--seed N]

prints the tables of docs/DEMO.md: the demo world's figures beside the real ones (the real
file, by default $FORECAST_SHARED_DATA or ../shared/data, is read only when it is there;
nothing of it is copied into the repository).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Final

import polars as pl

from forecast.demo.gazetteer import REGIONS
from forecast.demo.geography import Geography

PERIODS: Final = ((2018, 2020), (2021, 2023), (2024, 2025))
SOUTH_WEST: Final = ("ML01", "ML02", "ML03")  # Kayes, Koulikoro, Sikasso
SPREAD_YEAR: Final = 2025
# HDX's "Events" count these ACLED event types (checked against event-level files: SOURCE.md).
POLITICAL_VIOLENCE_TYPES: Final = (
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
)
REAL_FILE: Final = Path("acled_hdx_mali_admin2_monthly/acled_mali_admin2_monthly_1997_2026.csv")
# The HDX file names months in English; the C-locale names, not calendar's (locale-bound).
_MONTHS: Final = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
PANEL_SCHEMA: Final = {
    "region": pl.Utf8,
    "district": pl.Utf8,
    "year": pl.Int32,
    "month": pl.Int32,
    "events": pl.Int64,
}


def demo_panel(events: pl.DataFrame, geography: Geography) -> pl.DataFrame:
    """Political-violence events per cercle and month of a demo world's ACLED-layout table.

    A complete panel (zeros included) over the calendar months the events span, so a month
    without events counts as one, as in the HDX file.
    """
    from forecast.demo.incidents import ascii_name

    region_names = {r.pcode: r.acled for r in REGIONS}
    codes = pl.DataFrame(
        {
            "admin1": [region_names[str(code)] for code in geography.region_codes],
            "admin2": [ascii_name(str(name)) for name in geography.names],
            "region": geography.region_codes.astype(str),
            "district": geography.codes.astype(str),
        }
    )
    pv = events.filter(pl.col("event_type").is_in(POLITICAL_VIOLENCE_TYPES))
    counted = (
        pv.join(codes, on=["admin1", "admin2"], how="left", validate="m:1")
        .with_columns(
            year=pl.col("event_date").dt.year().cast(pl.Int32),
            month=pl.col("event_date").dt.month().cast(pl.Int32),
        )
        .group_by("district", "year", "month")
        .agg(events=pl.len().cast(pl.Int64))
    )
    first, last = events["event_date"].min(), events["event_date"].max()
    months = pl.DataFrame(
        {"start": pl.date_range(first.replace(day=1), last, interval="1mo", eager=True)}
    ).select(
        year=pl.col("start").dt.year().cast(pl.Int32),
        month=pl.col("start").dt.month().cast(pl.Int32),
    )
    return (
        codes.select("region", "district")
        .join(months, how="cross")
        .join(counted, on=["district", "year", "month"], how="left")
        .with_columns(pl.col("events").fill_null(0))
        .select(list(PANEL_SCHEMA))
        .cast(PANEL_SCHEMA)
    )


def real_panel(path: Path) -> pl.DataFrame:
    """ACLED's HDX monthly file for Mali in the same layout as ``demo_panel``."""
    frame = pl.read_csv(path)
    return frame.select(
        region=pl.col("Admin1 Pcode"),
        district=pl.col("Admin2 Pcode"),
        year=pl.col("Year"),
        month=pl.col("Month").replace_strict(_MONTHS, range(1, 13)),
        events=pl.col("Events"),
    ).cast(PANEL_SCHEMA)


def region_figures(
    panel: pl.DataFrame, periods: tuple[tuple[int, int], ...] = PERIODS
) -> pl.DataFrame:
    """Per region and period: share of cercle-months with events, events per cercle-month."""
    frames = [
        panel.filter(pl.col("year").is_between(first, last))
        .group_by("region")
        .agg(
            share=(pl.col("events") > 0).mean(),
            rate=pl.col("events").mean(),
        )
        .with_columns(period=pl.lit(f"{first}-{last}"))
        for first, last in periods
    ]
    return pl.concat(frames).sort("region", "period")


def spread_figures(
    panel: pl.DataFrame, regions: tuple[str, ...] = SOUTH_WEST, year: int = SPREAD_YEAR
) -> pl.DataFrame:
    """The south-west in one year: cercles with events in at least 3 months, and the share.

    Three months, not one, because a single stray event does not make a cercle part of the
    front; the share of cercle-months says how far in the violence has come.
    """
    per_district = (
        panel.filter(pl.col("region").is_in(regions) & (pl.col("year") == year))
        .group_by("region", "district")
        .agg(months=(pl.col("events") > 0).sum(), events=pl.col("events").sum())
    )
    return (
        per_district.group_by("region")
        .agg(
            cercles=pl.len(),
            reached=(pl.col("months") >= 3).sum(),
            share=pl.col("months").sum() / (12 * pl.len()),
            events=pl.col("events").sum(),
        )
        .sort("region")
    )


def markdown(demo: pl.DataFrame, real: pl.DataFrame | None) -> str:
    """The region table: demo share (and rate) beside the real one, per period."""
    names = {r.pcode: r.name for r in REGIONS}
    periods = sorted(demo["period"].unique())
    head = "| region | " + " | ".join(f"{p} demo | {p} real" for p in periods) + " |"
    lines = [head, "| --- |" + " --- | --- |" * len(periods)]
    for region in sorted(demo["region"].unique()):
        cells = []
        for period in periods:
            for frame in (demo, real):
                cells.append(_cell(frame, region, period))
        lines.append(f"| {names[region]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(frame: pl.DataFrame | None, region: str, period: str) -> str:
    if frame is None:
        return "-"
    row = frame.filter((pl.col("region") == region) & (pl.col("period") == period))
    if not row.height:
        return "-"
    return f"{row['share'][0]:.2f} ({row['rate'][0]:.2f})"


def spread_markdown(demo: pl.DataFrame, real: pl.DataFrame | None) -> str:
    names = {r.pcode: r.name for r in REGIONS}
    lines = [
        f"| {SPREAD_YEAR} | cercles reached demo | real | share of cercle-months demo | real |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in demo.iter_rows(named=True):
        other = None if real is None else real.filter(pl.col("region") == row["region"])
        reached = "-" if other is None else f"{other['reached'][0]} of {other['cercles'][0]}"
        share = "-" if other is None else f"{other['share'][0]:.2f}"
        lines.append(
            f"| {names[row['region']]} | {row['reached']} of {row['cercles']} | {reached} "
            f"| {row['share']:.2f} | {share} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from forecast.demo import DemoParams, build_world

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The same place the real-data tests look: $FORECAST_SHARED_DATA, else ../shared/data.
    shared = os.environ.get("FORECAST_SHARED_DATA")
    default = Path(shared) if shared else Path(__file__).resolve().parents[3] / "shared" / "data"
    default = default / REAL_FILE
    parser.add_argument("--real", type=Path, default=default, help="ACLED HDX monthly CSV")
    parser.add_argument("--seed", type=int, default=DemoParams().seed)
    args = parser.parse_args(argv)
    world = build_world(DemoParams(seed=args.seed))
    panel = demo_panel(world.events, world.geography)
    real = real_panel(args.real) if args.real.exists() else None
    if real is None:
        print(f"real file not found: {args.real}; showing the demo world only", file=sys.stderr)
    print("Share of cercle-months with political violence (events per cercle-month):\n")
    print(markdown(region_figures(panel), None if real is None else region_figures(real)))
    print()
    print(spread_markdown(spread_figures(panel), None if real is None else spread_figures(real)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
