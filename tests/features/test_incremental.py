"""extend_panel appends weeks and equals a full rebuild."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from features import FeatureConfig, build_panel, extend_panel
from tests.features import world
from tests.features.conftest import END, W0, scenario_tables, week


def test_extending_equals_a_full_build(scenario: world.CanonicalTables) -> None:
    full = build_panel(scenario, start=W0, end=END)
    for built_to in (0, 3, 9, 11):
        old = build_panel(scenario, start=W0, end=week(built_to))
        assert extend_panel(old, scenario, end=END).equals(full), built_to


def test_extending_by_default_reaches_the_latest_event(scenario: world.CanonicalTables) -> None:
    old = build_panel(scenario, start=W0, end=week(5))
    extended = extend_panel(old, scenario)
    assert extended["week"].max() == date(2024, 4, 8)
    assert extended.equals(build_panel(scenario, start=W0))


def test_extending_recomputes_only_the_new_weeks(
    scenario: world.CanonicalTables, monkeypatch: pytest.MonkeyPatch
) -> None:
    import features.panel as panel_module

    built: list[tuple[int, int]] = []
    real = panel_module._build

    def spy(tables, start_week, end_week, config):  # type: ignore[no-untyped-def]
        built.append((start_week, end_week))
        return real(tables, start_week, end_week, config)

    monkeypatch.setattr(panel_module, "_build", spy)
    old = build_panel(scenario, start=W0, end=week(9))
    built.clear()
    extend_panel(old, scenario, end=week(10), weeks_to_refresh=2)
    ((start_week, end_week),) = built
    assert end_week - start_week + 1 == 3  # W8, W9 refreshed and W10 new


def test_late_event_is_absorbed_by_the_refreshed_weeks() -> None:
    tables = scenario_tables()
    old = build_panel(tables, start=W0, end=week(9))
    late = world.event("late", week(8) + timedelta(days=2), "C1", fatalities=4, lat=16.5, lon=0.5)
    newer = world.tables([*events_of(tables), late], deployments_of(tables), partners_of(tables))
    full = build_panel(newer, start=W0, end=week(10))
    assert extend_panel(old, newer, end=week(10), weeks_to_refresh=4).equals(full)
    stale = extend_panel(old, newer, end=week(10), weeks_to_refresh=0)
    assert not stale.equals(full)  # W8 and W9 kept their old values
    assert stale.filter(pl.col("week") == week(10)).equals(full.filter(pl.col("week") == week(10)))


def test_changed_districts_or_configuration_rebuild(scenario: world.CanonicalTables) -> None:
    old = build_panel(scenario, start=W0, end=week(4))
    fewer = world.CanonicalTables(
        districts=scenario.districts.filter(pl.col("code") != "Z"),
        events=scenario.events,
        deployments=scenario.deployments,
        partners=scenario.partners,
    )
    assert extend_panel(old, fewer, end=END).equals(build_panel(fewer, start=W0, end=END))
    config = FeatureConfig(half_lives=(3,))
    rebuilt = extend_panel(old, scenario, end=END, config=config)
    assert rebuilt.equals(build_panel(scenario, start=W0, end=END, config=config))


def test_empty_panel_builds_and_end_before_panel_fails(scenario: world.CanonicalTables) -> None:
    empty = build_panel(scenario, start=W0, end=END).clear()
    assert extend_panel(empty, scenario).equals(build_panel(scenario))
    with pytest.raises(ValueError, match="before the panel"):
        extend_panel(build_panel(scenario, start=W0, end=END), scenario, end=week(3))


def events_of(tables: world.CanonicalTables) -> list[dict]:
    return tables.events.to_dicts()


def deployments_of(tables: world.CanonicalTables) -> list[dict]:
    return tables.deployments.to_dicts()


def partners_of(tables: world.CanonicalTables) -> list[dict]:
    return tables.partners.to_dicts()


def test_extending_a_reordered_panel(scenario: world.CanonicalTables) -> None:
    old = build_panel(scenario, start=W0, end=week(6)).sample(fraction=1.0, shuffle=True, seed=1)
    assert extend_panel(old, scenario, end=END).equals(build_panel(scenario, start=W0, end=END))
