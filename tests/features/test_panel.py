"""The panel's shape, ordering, catalogue and missing values."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from features import FeatureConfig, build_panel, catalogue, markdown_table
from tests.features import world
from tests.features.conftest import END, W0, at

DOCS = Path(__file__).resolve().parents[2] / "docs" / "FEATURES.md"


def test_panel_columns_are_the_catalogue(panel: pl.DataFrame) -> None:
    names = [spec.name for spec in catalogue()]
    assert panel.columns == ["district_code", "week", *names]
    assert len(set(names)) == len(names)
    assert all(panel.schema[n] == pl.Float32 for n in names)
    assert panel.schema["week"] == pl.Date


def test_catalogue_follows_the_configuration() -> None:
    config = FeatureConfig(windows=(2, 8), spread_windows=(8,), radii_km=(30,), half_lives=(5,))
    tables = world.tables([world.event("x", W0, "A1")])
    panel = build_panel(tables, start=W0, end=W0, config=config)
    names = [spec.name for spec in catalogue(config)]
    assert panel.columns == ["district_code", "week", *names]
    assert {"events_battle_8w", "events_pv_30km_8w", "events_pv_hl5"} <= set(names)
    assert "events_pv_4w" not in names


def test_one_row_per_district_and_week_in_order(panel: pl.DataFrame) -> None:
    assert panel.height == 13 * len(world.CODES)
    assert panel["week"].min() == W0 and panel["week"].max() == END
    assert panel.select(pl.col("week").dt.weekday().unique()).item() == 1  # Mondays
    assert panel.equals(panel.sort("week", "district_code"))
    assert panel.filter(pl.col("week") == W0)["district_code"].to_list() == world.CODES


def test_every_spec_is_documented() -> None:
    for spec in catalogue():
        assert spec.meaning and spec.window and spec.source_table, spec.name
        assert spec.missing.startswith(("0 when", "null when", "null until", "never")), spec.name
        assert spec.family in {
            "history",
            "spread",
            "actors",
            "army",
            "deployments",
            "partners",
            "static",
            "calendar",
        }


def test_nulls_only_where_the_catalogue_allows(panel: pl.DataFrame) -> None:
    for spec in catalogue():
        if not spec.nullable:
            assert panel[spec.name].null_count() == 0, spec.name
        assert panel[spec.name].is_nan().sum() == 0, spec.name


def test_district_without_events_gets_zeros_and_documented_nulls(panel: pl.DataFrame) -> None:
    # B3 never has an event of its own; check every family's treatment in W4.
    row = panel.filter((pl.col("week") == date(2024, 1, 29)) & (pl.col("district_code") == "B3"))
    assert row.height == 1
    for spec in catalogue():
        value = row[spec.name][0]
        if (
            spec.name.startswith(("events_", "fatal_events_", "fatalities_"))
            and "km" not in spec.name
        ):
            assert value == 0, spec.name
    assert row["weeks_since_event"][0] is None
    assert row["weeks_since_fatal_event"][0] is None
    assert row["nearest_event_km_4w"][0] is not None  # events elsewhere: a distance exists
    assert at(panel, 4, "partner_france_nearest_km")["B3"] is None  # no French site ever


def test_defaults_run_from_the_first_to_the_latest_event(scenario: world.CanonicalTables) -> None:
    panel = build_panel(scenario)
    assert panel["week"].min() == W0
    assert panel["week"].max() == date(2024, 4, 8)  # e8's week


def test_no_events_needs_explicit_weeks() -> None:
    with pytest.raises(ValueError, match="no events"):
        build_panel(world.tables())
    panel = build_panel(world.tables(), start=W0, end=W0)
    assert panel.height == len(world.CODES)
    assert panel["events_pv_52w"].sum() == 0
    assert panel["nearest_event_km_4w"].null_count() == panel.height


def test_docs_show_the_current_catalogue() -> None:
    assert markdown_table(catalogue()) in DOCS.read_text(encoding="utf-8")
