"""Driver sentences from feature names, in English and French, and the catalogues."""

from __future__ import annotations

import re

import pytest

from forecast import explain
from forecast.bulletin.i18n import Catalogue, _read, available_languages

EN, FR = Catalogue("en"), Catalogue("fr")


@pytest.mark.parametrize(
    ("feature", "value", "english", "french"),
    [
        (
            "pv_within_50km_4w",
            3,
            "3 attacks within 50 km in the last 4 weeks",
            "3 attaques à moins de 50 km au cours des 4 dernières semaines",
        ),
        (
            "partner_un_weeks_since_withdrawal",
            14,
            "UN base withdrawn 14 weeks ago",
            "retrait de la base de l’ONU il y a 14 semaines",  # noqa: RUF001
        ),
        (
            "partner_un_weeks_since_withdrawal_100km",
            1,
            "UN base within 100 km withdrawn 1 week ago",
            "retrait de la base de l’ONU à moins de 100 km il y a 1 semaine",  # noqa: RUF001
        ),
        (
            "events_abduction_1w",
            1,
            "1 kidnapping in the district this week",
            "1 enlèvement dans le cercle cette semaine",
        ),
        (
            "hist_any_52w",
            0,
            "no attacks in the district in the last 52 weeks",
            "aucune attaque dans le cercle au cours des 52 dernières semaines",
        ),
        (
            "nb_events_pv_12w",
            7,
            "7 attacks in neighbouring districts in the last 12 weeks",
            "7 attaques dans les cercles voisins au cours des 12 dernières semaines",
        ),
        (
            "events_pv_hl8",
            2.43,
            "2.4 attacks in the district (recent weeks weigh more, half-life 8 weeks)",
            "2,4 attaques dans le cercle"
            " (les semaines récentes comptent plus, demi-vie 8 semaines)",
        ),
        ("weeks_since_event", 0, "last attack this week", "dernière attaque cette semaine"),
        ("hist_abduction_since", 520, "no kidnapping on record", "aucun enlèvement enregistré"),
        (
            "nearest_event_km_4w",
            37.4,
            "nearest attack 37 km away in the last 4 weeks",
            "attaque la plus proche à 37 km au cours des 4 dernières semaines",
        ),
        (
            "partner_france_nearest_km",
            None,
            "no French base nearby",
            "aucune base française à proximité",
        ),
        (
            "partner_russia_wagner_100km",
            2,
            "Wagner sites within 100 km: 2",
            "sites de Wagner à moins de 100 km : 2",
        ),
        (
            "base_weeks_since_closed_100km",
            6,
            "army base within 100 km withdrawn 6 weeks ago",
            "retrait de la base de l’armée à moins de 100 km il y a 6 semaines",  # noqa: RUF001
        ),
        (
            "foreign_victim_100km_12w",
            1,
            "1 attack on foreigners within 100 km in the last 12 weeks",
            "1 attaque visant des étrangers à moins de 100 km au cours des 12 dernières semaines",
        ),
        (
            "trend_4v52",
            0.25,
            "attacks rising: 0.25 more a week over the last 4 weeks than over 52 weeks",
            "attaques en hausse : 0,25 de plus par semaine"
            " sur les 4 dernières semaines que sur 52 semaines",
        ),
        ("capital_km", 1203.6, "1,204 km from the capital", "à 1 204 km de la capitale"),
        ("rainy_season", 1, "rainy season", "saison des pluies"),
        ("border_district", 0, "not a border district", "cercle non frontalier"),
    ],
)
def test_sentences(feature: str, value: float | None, english: str, french: str) -> None:
    assert explain.sentence(feature, value, EN) == english
    assert explain.sentence(feature, value, FR) == french


def test_name_tokens_are_not_matched_inside_words() -> None:
    # "district" must not read as "dist" (a distance), "unit" not as the UN.
    reading = explain.read_feature("events_pv_in_district_4w")
    assert reading.measure == "count" and reading.scope == "district"
    assert explain.read_feature("unit_count").partner is None


def test_unknown_feature_falls_back_to_name_and_value() -> None:
    assert explain.sentence("zz_mystery_score", 1.5, EN) in {
        "zz mystery score: 1.50",
        "zz mystery score: 1.5",
    }


def test_explain_orders_by_absolute_contribution_and_paragraph_splits_by_sign() -> None:
    drivers = (
        '[{"feature": "hist_any_52w", "value": 0, "contribution": -0.9},'
        ' {"feature": "pv_within_50km_4w", "value": 3, "contribution": 0.8},'
        ' {"feature": "partner_un_weeks_since_withdrawal", "value": 14, "contribution": 0.5}]'
    )
    explained = explain.explain(drivers, "en")
    assert [e.feature for e in explained] == [
        "hist_any_52w", "pv_within_50km_4w", "partner_un_weeks_since_withdrawal",
    ]  # fmt: skip
    assert explain.summary(drivers, "en") == (
        "3 attacks within 50 km in the last 4 weeks; UN base withdrawn 14 weeks ago"
    )
    assert explain.paragraph(explained, "en") == (
        "Risk is pushed up by: 3 attacks within 50 km in the last 4 weeks; UN base withdrawn "
        "14 weeks ago. Holding it down: no attacks in the district in the last 52 weeks."
    )
    assert (
        explain.explain(None) == [] and explain.paragraph([], "fr") == "Aucun facteur enregistré."
    )


def test_every_catalogue_feature_gets_a_sentence() -> None:
    """The features package's real names read as sentences, not as the raw-name fallback."""
    features = pytest.importorskip("features")
    if not hasattr(features, "catalogue"):
        pytest.skip("features.catalogue() not written yet")
    for spec in features.catalogue():
        for t in (EN, FR):
            assert explain.sentence(spec.name, 2.0, t)
            assert explain.read_feature(spec.name).measure != "other", spec.name


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("lang", [code for code in available_languages() if code != "en"])
def test_translations_have_every_key_and_the_same_placeholders(lang: str) -> None:
    english, other = _read("en"), _read(lang)
    assert set(english) == set(other)
    for key, text in english.items():
        assert _placeholders(str(other[key])) <= _placeholders(str(text)) | {"partner_of"}, key


def test_numbers_dates_and_changes_per_language() -> None:
    from datetime import date

    assert EN.percent(0.345) == "34%" and FR.percent(0.345) == "34 %"
    assert EN.points(0.36) == "+36 pts" and FR.points(-0.02) == "\u22122 pts"
    assert EN.points(None) == "new" and FR.points(None) == "nouveau"
    assert EN.day(date(2025, 6, 9)) == "9 June 2025" and FR.day(date(2025, 6, 9)) == "9 juin 2025"
    assert FR.band("very high") == "très élevé"


ARMY_SENTENCES = {
    ("army_events_100km_4w", 3): (
        "3 events involving the national army within 100 km in the last 4 weeks"
    ),
    ("army_attacked_12w", 1): (
        "1 attack on army or partner positions in the district in the last 12 weeks"
    ),
    ("army_nearest_km_4w", 12): (
        "nearest event involving the national army 12 km away in the last 4 weeks"
    ),
    ("army_districts_share_12w", 0.25): (
        "army operations in 25% of the country's districts in the last 12 weeks"
    ),
    ("cross_border_events_pv_200km_52w", 4): (
        "4 attacks across the border within 200 km in the last 52 weeks"
    ),
    ("partner_force_russia_weeks_since_100km", 6): (
        "last event involving Russian forces 6 weeks ago"
    ),
    ("country_code", 466): "country: Mali",
}


@pytest.mark.parametrize(("key", "english"), ARMY_SENTENCES.items())
def test_army_cross_border_and_country_features_read_as_what_they_count(
    key: tuple[str, float], english: str
) -> None:
    # Army and cross-border columns count events, never bases or the district's own attacks.
    assert explain.sentence(*key, EN) == english
