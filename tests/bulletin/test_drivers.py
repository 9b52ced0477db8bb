"""Defect 3 of issue 15: the drivers a reader sees are actionable, their sign agrees with
their meaning, none prints as 0 points, and the footer names the week's driver families."""

from __future__ import annotations

import dataclasses
import json

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from forecast.bulletin import data
from forecast.bulletin.drivers import effect, families, shown
from forecast.bulletin.i18n import Catalogue
from forecast.bulletin.render import document
from forecast.explain import read_feature
from tests.bulletin import world


def _texts(drivers: list[dict], probability: float = 0.5, lang: str = "en") -> list[str]:
    return [d.text for d in shown(json.dumps(drivers), probability, lang)]


def test_an_old_base_opening_is_not_news() -> None:
    old = [{"feature": "base_nearest_weeks_open", "value": 716, "contribution": -0.4}]
    assert _texts(old) == []
    recent = [{"feature": "base_nearest_weeks_open", "value": 10, "contribution": -0.4}]
    assert _texts(recent) == ["nearest army base opened 10 weeks ago"]


def test_a_count_of_attacks_is_never_protective() -> None:
    drivers = [
        {"feature": "events_pv_1w", "value": 1, "contribution": -0.3},
        {"feature": "nb_events_pv_4w", "value": 0, "contribution": -0.2},
    ]
    seen = shown(json.dumps(drivers), 0.5)
    assert [(d.text, d.raises) for d in seen] == [
        ("no attacks in neighbouring districts in the last 4 weeks", False),
    ]


def test_no_attacks_never_raise_the_risk() -> None:
    assert _texts([{"feature": "events_pv_4w", "value": 0, "contribution": 0.4}]) == []


def test_time_since_and_distance_agree_with_their_meaning() -> None:
    drivers = [
        # an attack this week holding the risk down contradicts itself
        {"feature": "weeks_since_event", "value": 0, "contribution": -0.5},
        # a year without attacks raising it too
        {"feature": "hist_any_since", "value": 55, "contribution": 0.4},
        {"feature": "nearest_event_km_4w", "value": 20, "contribution": 0.3},
        {"feature": "nearest_event_km_12w", "value": 240, "contribution": 0.3},
    ]
    assert _texts(drivers) == ["nearest attack 20 km away in the last 4 weeks"]
    calm = [{"feature": "weeks_since_event", "value": 40, "contribution": -0.5}]
    assert _texts(calm) == ["last attack 40 weeks ago"]


def test_windows_of_one_subject_merge_into_one_driver() -> None:
    drivers = [
        {"feature": "hist_any_52w", "value": 76, "contribution": 1.9},
        {"feature": "hist_any_4w", "value": 10, "contribution": 0.9},
        {"feature": "events_pv_1w", "value": 1, "contribution": -0.2},  # merged, not shown
    ]
    (one,) = shown(json.dumps(drivers), 0.9)
    assert one.text == "76 attacks in the district in the last 52 weeks"
    assert one.merged == ("hist_any_52w", "hist_any_4w", "events_pv_1w")
    assert one.contribution == pytest.approx(2.6)
    assert one.points == round(effect(0.9, 2.6))


def test_geography_and_calendar_are_not_drivers() -> None:
    drivers = [
        {"feature": "week_sin", "value": 0.3, "contribution": 0.6},
        {"feature": "area_km2", "value": 12000, "contribution": 0.5},
        {"feature": "capital_km", "value": 800, "contribution": 0.5},
        {"feature": "country_code", "value": 466, "contribution": 0.5},
    ]
    assert _texts(drivers) == []


def test_none_shows_as_zero_points() -> None:
    drivers = [
        {"feature": "events_pv_4w", "value": 3, "contribution": 0.001},  # 0.03 pts: hidden
        {"feature": "partner_un_100km", "value": 2, "contribution": -0.03},  # 0.75: -1 pt
    ]
    (one,) = shown(json.dumps(drivers), 0.5)
    assert one.points == -1
    assert Catalogue("en").signed_points(one.points) == "\u22121 pts"


def test_a_malformed_cell_shows_no_driver() -> None:
    assert shown("{not json", 0.5) == []
    good = json.dumps([{"feature": "events_pv_4w", "value": 1, "contribution": 1.0}])
    assert families(["{not json", good]) == [("history", 1.0)]


def test_a_huge_contribution_does_not_overflow() -> None:
    assert effect(0.5, 1e6) == pytest.approx(50) and effect(0.5, -1e6) == pytest.approx(-50)


def test_a_change_that_rounds_to_nothing_has_no_sign() -> None:
    en = Catalogue("en")
    assert en.points(-0.004) == "±0 pts" and en.points(0.004) == "±0 pts"
    assert en.points(-0.006) == "\u22121 pts"


COUNT_FEATURES = ("events_pv_4w", "hist_any_52w", "nb_events_pv_12w", "fatalities_4w")
OTHER_FEATURES = ("weeks_since_event", "partner_un_100km", "trend_4v52", "week_cos")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "feature": st.sampled_from(COUNT_FEATURES + OTHER_FEATURES),
                "value": st.one_of(st.none(), st.integers(0, 30).map(float)),
                "contribution": st.floats(-3, 3),
            }
        ),
        max_size=6,
    ),
    st.floats(0.01, 0.99),
)
def test_no_shown_driver_contradicts_its_meaning(drivers: list[dict], p: float) -> None:
    for d in shown(json.dumps(drivers), p):
        assert d.points != 0 and (d.points > 0) == d.raises
        reading = read_feature(d.feature)
        assert reading.measure not in ("calendar",)
        if reading.measure == "count":
            assert (d.value or 0) > 0 if d.raises else not d.value


def test_families_are_shares_of_the_weeks_pull() -> None:
    cells = [
        json.dumps([{"feature": "hist_any_52w", "value": 3, "contribution": 3.0}]),
        json.dumps(
            [
                {"feature": "nb_events_pv_4w", "value": 2, "contribution": -0.6},
                {"feature": "partner_un_100km", "value": 1, "contribution": 0.4},
                {"feature": "week_sin", "value": 0.1, "contribution": 0.001},
            ]
        ),
        None,
    ]
    ranked = families(cells)
    assert [name for name, _ in ranked] == ["history", "spread", "partners"]
    assert [round(share, 3) for _, share in ranked] == [0.75, 0.15, 0.1]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        # hist_any_52w in all six rows (6 x 0.3), pv_within_50km_4w 0.8, a UN withdrawal 0.5
        (
            "en",
            "This week the forecasts leaned most on violence in the district (58%), violence nearby"
            " and across the country (26%), foreign partner-force sites (16%)",
        ),
        ("fr", "Cette semaine, les prévisions se sont surtout appuyées sur la violence dans le"),
    ],
)
def test_the_footer_names_the_top_families(lang: str, expected: str) -> None:
    bulletin = data.assemble(
        world.forecasts(), world.districts(), world.events(), world.champions(), world.WEEK,
        bands=world.BANDS,
    )  # fmt: skip
    doc = document(bulletin, lang)
    assert doc["text"]["families"].startswith(expected)
    # every shown driver of every list carries its points, none of them 0
    rows = doc["top"] + doc["notes"] + doc["kidnapping"] + doc["new_areas"]
    assert all(d["points"] != 0 for row in rows for d in row["drivers"])


def test_the_notes_never_list_an_attack_as_protective() -> None:
    drivers = json.dumps(
        [
            {"feature": "pv_within_50km_4w", "value": 3, "contribution": 0.8},
            {"feature": "events_pv_1w", "value": 1, "contribution": -0.5},
        ]
    )
    bulletin = data.assemble(
        world.forecasts(), world.districts(), world.events(), world.champions(), world.WEEK,
        bands=world.BANDS,
    )  # fmt: skip
    top = bulletin.top.with_columns(top_drivers=data.pl.lit(drivers))
    doc = document(dataclasses.replace(bulletin, top=top, notes=top), "en")
    note = doc["notes"][0]["paragraph"]
    assert "Holding it down" not in note and "1 attack" not in note
    assert note.startswith("Risk is pushed up by: 3 attacks within 50 km in the last 4 weeks (+")
