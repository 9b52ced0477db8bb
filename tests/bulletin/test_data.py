"""The bulletin's contents against the hand-made world of tests.bulletin.world."""

from __future__ import annotations

import itertools
import json
from datetime import date

import polars as pl
import pytest

from forecast.bulletin import data
from forecast.core.bands import Bands, load_bands
from tests.bulletin import world


@pytest.fixture(scope="module")
def bulletin() -> data.BulletinData:
    return data.assemble(
        world.forecasts(),
        world.districts(),
        world.events(),
        world.champions(),
        world.WEEK,
        bands=world.BANDS,
    )


def test_top_list_is_ordered_by_probability(bulletin: data.BulletinData) -> None:
    assert bulletin.top.get_column("name").to_list() == [
        "Alpha", "Beta", "Gamma", "Zeta", "Delta", "Epsilon",
    ]  # fmt: skip
    assert bulletin.top.get_column("probability").to_list() == [0.80, 0.55, 0.40, 0.35, 0.28, 0.12]


def test_top_n_cuts_the_list() -> None:
    risk = data.risk_table(world.forecasts(), world.districts(), world.WEEK, 4, "any", world.BANDS)
    assert data.top_districts(risk, 3).get_column("code").to_list() == ["D1", "D2", "D3"]


def test_change_since_last_week(bulletin: data.BulletinData) -> None:
    change = dict(bulletin.risk.select("name", "change").iter_rows())
    assert change["Gamma"] == pytest.approx(0.36)
    assert change["Delta"] == pytest.approx(-0.02)
    assert change["Zeta"] is None  # not forecast last week


def test_risers_need_five_points_and_are_ordered(bulletin: data.BulletinData) -> None:
    assert bulletin.risers.get_column("name").to_list() == ["Gamma", "Beta", "Alpha"]
    # Epsilon rose by 2 points only
    assert "Epsilon" not in bulletin.risers.get_column("name").to_list()


def test_new_high_areas_without_violence_in_the_past_year(bulletin: data.BulletinData) -> None:
    # Beta's only older event is on the first day of the 52-week window: not quiet.
    # Zeta's is the day before: quiet. Delta was already high. Gamma had a protest only.
    assert bulletin.new_areas.get_column("name").to_list() == ["Gamma", "Zeta"]


def test_new_areas_respect_the_quiet_window_length() -> None:
    risk = data.risk_table(world.forecasts(), world.districts(), world.WEEK, 4, "any", world.BANDS)
    # With a 53-week window Zeta's battle (52 weeks and a day ago) counts.
    new = data.new_high_areas(risk, world.events(), world.WEEK, quiet_weeks=53)
    assert new.get_column("name").to_list() == ["Gamma"]


def test_kidnapping_risk_is_listed_separately(bulletin: data.BulletinData) -> None:
    assert bulletin.kidnapping.get_column("name").to_list() == ["Gamma", "Alpha", "Epsilon"]


def test_last_week_hits_misses_and_false_alarms(bulletin: data.BulletinData) -> None:
    v = bulletin.verification
    assert v is not None
    assert (v.issued, v.start, v.end) == (date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 15))
    assert v.hits == ["Alpha"]
    assert v.misses == ["Epsilon"]
    assert sorted(v.false_alarms) == ["Beta", "Zeta"]
    assert v.quiet == 2
    assert v.forecasts == 6
    assert v.complete


def test_verification_is_incomplete_when_data_stops_early() -> None:
    v = data.verify(
        world.forecasts(),
        world.districts(),
        world.events(),
        world.WEEK,
        data_as_of=date(2025, 6, 12),
        bands=world.BANDS,
    )
    assert v is not None and not v.complete


def test_no_verification_without_last_weeks_forecasts() -> None:
    v = data.verify(
        world.forecasts(), world.districts(), world.events(), date(2025, 1, 6), bands=world.BANDS
    )
    assert v is None


def test_model_line_inputs(bulletin: data.BulletinData) -> None:
    assert bulletin.model_version == "risk-any-h4/7"
    assert bulletin.data_as_of == date(2025, 6, 15)
    assert bulletin.skill == data.Skill("average_precision", 0.41, "conflictology", 0.33)
    assert bulletin.high_before == 2  # Alpha (0.70) and Delta (0.30)


def test_skill_picks_the_lowest_baseline_for_lower_is_better_metrics() -> None:
    skill = data.backtest_skill(json.dumps(world.BACKTEST), metrics=("log_loss", "brier"))
    assert skill == data.Skill("brier", 0.080, "conflictology", 0.085)


def test_skill_skips_missing_and_nan_metrics() -> None:
    backtest = {"model": {"average_precision": float("nan"), "roc_auc": 0.8}, "baselines": {}}
    assert data.backtest_skill(backtest) == data.Skill("roc_auc", 0.8, None, None)
    assert data.backtest_skill(None) is None


def test_highlighted_districts_new_areas_first(bulletin: data.BulletinData) -> None:
    assert bulletin.notes.get_column("name").to_list() == [
        "Gamma",
        "Zeta",
        "Alpha",
        "Beta",
        "Delta",
    ]


def test_unknown_band_names_fall_back_to_probability() -> None:
    frame = world.forecasts().with_columns(pl.lit("whatever").alias("band"))
    risk = data.risk_table(frame, world.districts(), world.WEEK, 4, "any", world.BANDS)
    assert dict(risk.select("code", "band_index").iter_rows()) == {
        "D1": 3, "D2": 3, "D3": 2, "D6": 2, "D4": 2, "D5": 1,
    }  # fmt: skip


def test_band_names_with_spaces_are_understood() -> None:
    frame = world.forecasts().with_columns(pl.col("band").str.replace("_", " "))
    risk = data.risk_table(frame, world.districts(), world.WEEK, 4, "any", world.BANDS)
    assert risk.filter(pl.col("code") == "D1").get_column("band_index").item() == 3


def test_missing_week_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="2024-01-01"):
        data.assemble(
            world.forecasts(), world.districts(), world.events(), world.champions(),
            date(2024, 1, 1), bands=world.BANDS,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "monday"),
    [
        ("2025-W24", date(2025, 6, 9)),
        ("2025W24", date(2025, 6, 9)),
        ("2025-06-12", date(2025, 6, 9)),
        ("2026-W01", date(2025, 12, 29)),
    ],
)
def test_parse_week(text: str, monday: date) -> None:
    assert data.parse_week(text) == monday
    assert data.parse_week(data.iso_week_label(monday)) == monday


def test_bulletin_bands_are_the_configured_ones() -> None:
    from forecast.core.settings import Settings

    bands = load_bands(Settings(bands=[("Low", 0.0), ("very high", 0.6), ("high", 0.3)]))
    assert bands.names == ("low", "high", "very_high")
    assert bands.lowers == (0.0, 0.3, 0.6)
    assert bands.names[bands.high_from] == "high"
    assert load_bands(Settings()).lowers == (0.0, 0.1, 0.3, 0.6)


def test_band_colours_get_darker() -> None:
    bands = Bands(("a", "b", "c", "d"), (0, 0.1, 0.2, 0.3), 2)

    def lightness(hex_colour: str) -> float:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return 0.299 * r + 0.587 * g + 0.114 * b

    grey = [lightness(c) for c in bands.colours]
    assert grey == sorted(grey, reverse=True)
    assert min(a - b for a, b in itertools.pairwise(grey)) > 40  # apart in grey print
