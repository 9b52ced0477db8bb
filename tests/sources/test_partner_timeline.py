"""The shipped partner-force timeline for Mali (data/partners/mali.csv), read by the real reader.

These tests pin the facts the file was built from (docs/FORMATS.md, "The shipped partner
timeline"): a change to a date or a dropped source must show up here, not pass silently.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from features.context import SAME_PLACE_DEG
from forecast.core.vocab import PARTNER_KINDS
from forecast.sources.geopko import read_geopko
from forecast.sources.presence import DATE_PRECISIONS, read_partners
from tests.conftest import shared_data

TIMELINE = Path(__file__).resolve().parents[2] / "data" / "partners" / "mali.csv"
MALI_LAT = (10.1, 25.1)
MALI_LON = (-12.3, 4.3)
SERVAL_START = date(2013, 1, 11)
BARKHANE_START = date(2014, 8, 1)
MINUSMA_START = date(2013, 7, 1)
URL = re.compile(r"^https?://\S+$")
# Items of the source column that are not a URL: a named public document, or a note.
NAMED_DOCUMENT = re.compile(r"^(Geo-PKO|UN |UN Security Council|ACLED)")
NOTE = re.compile(r"^(note|coordinates): \S")


@pytest.fixture(scope="module")
def timeline() -> pl.DataFrame:
    return read_partners(TIMELINE, with_precision=True)


def rows(frame: pl.DataFrame, partner: str, name: str | None = None) -> pl.DataFrame:
    """The rows of one partner kind, optionally at one site (by name)."""
    picked = frame.filter(pl.col("partner") == partner)
    return picked if name is None else picked.filter(pl.col("name") == name)


def one(frame: pl.DataFrame, partner: str, name: str) -> dict:
    found = rows(frame, partner, name)
    assert found.height == 1, f"expected one {partner} row at {name}, found {found.height}"
    return found.row(0, named=True)


def source_items(source: str) -> list[str]:
    return [item.strip() for item in source.split(" ; ")]


# --- the file as a whole ----------------------------------------------------------------------


def test_every_row_has_an_id_and_ids_are_unique(timeline: pl.DataFrame) -> None:
    ids = timeline["presence_id"]
    assert ids.str.starts_with("mli-").all()
    assert ids.n_unique() == timeline.height


def test_every_row_names_a_url_or_a_public_document(timeline: pl.DataFrame) -> None:
    for presence_id, source in timeline.select("presence_id", "source").iter_rows():
        assert source, f"{presence_id}: no source"
        items = source_items(source)
        cited = [i for i in items if URL.match(i) or NAMED_DOCUMENT.match(i)]
        assert cited, f"{presence_id}: no URL or named document in {source!r}"
        odd = [i for i in items if i not in cited and not NOTE.match(i)]
        assert not odd, f"{presence_id}: items that are neither a source nor a note: {odd}"


def test_every_row_says_where_its_coordinates_come_from(timeline: pl.DataFrame) -> None:
    for presence_id, source in timeline.select("presence_id", "source").iter_rows():
        assert any(i.startswith("coordinates: ") for i in source_items(source)), presence_id


def test_date_precision_is_given_and_valid(timeline: pl.DataFrame) -> None:
    assert timeline["date_precision"].is_in(DATE_PRECISIONS).all()
    # All three precisions occur: the column is used, not filled with one value.
    assert set(timeline["date_precision"]) == set(DATE_PRECISIONS)


def test_periods_are_ordered(timeline: pl.DataFrame) -> None:
    ended = timeline.filter(pl.col("end_date").is_not_null())
    assert (ended["end_date"] >= ended["start_date"]).all()
    assert timeline["start_date"].min() >= SERVAL_START


def test_coordinates_lie_in_mali(timeline: pl.DataFrame) -> None:
    assert timeline["latitude"].is_not_null().all()
    assert timeline["latitude"].is_between(*MALI_LAT).all()
    assert timeline["longitude"].is_between(*MALI_LON).all()


def test_all_partner_kinds_are_covered(timeline: pl.DataFrame) -> None:
    assert set(timeline["partner"]) == set(PARTNER_KINDS)
    assert set(rows(timeline, "other")["force"]) == {"Takuba", "EUTM Mali"}


def test_one_row_per_site_and_presence_period(timeline: pl.DataFrame) -> None:
    """Two stays of one kind at one site never overlap (a re-occupation would be a new row)."""
    ordered = timeline.sort("partner", "name", "start_date").with_columns(
        pl.col("end_date").shift(1).over("partner", "name").alias("previous_end")
    )
    overlapping = ordered.filter(
        pl.col("previous_end").is_not_null() & (pl.col("start_date") <= pl.col("previous_end"))
    )
    assert overlapping.is_empty(), overlapping.select("presence_id")


# --- France: Serval/Barkhane -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "end"),
    [
        ("Kidal", date(2021, 10, 15)),
        ("Tessalit", date(2021, 11, 15)),
        ("Tombouctou", date(2021, 12, 14)),
        ("Gossi", date(2022, 4, 19)),
        ("Ménaka", date(2022, 6, 13)),
        ("Gao", date(2022, 8, 15)),
    ],
)
def test_french_handovers(timeline: pl.DataFrame, name: str, end: date) -> None:
    assert one(timeline, "france", name)["end_date"] == end


def test_french_presence_ends_at_gao_in_august_2022(timeline: pl.DataFrame) -> None:
    france = rows(timeline, "france")
    assert france["end_date"].is_not_null().all()
    assert france["end_date"].max() == date(2022, 8, 15)
    assert one(timeline, "france", "Gao")["start_date"] == date(2013, 1, 26)


def test_serval_bases_carry_both_names_and_later_bases_barkhane(timeline: pl.DataFrame) -> None:
    """One row per continuous presence: bases opened under Serval are "Serval/Barkhane"."""
    france = rows(timeline, "france")
    early = france.filter(pl.col("start_date") < BARKHANE_START)
    assert set(early["force"]) == {"Serval/Barkhane"}
    assert set(early["name"]) == {"Bamako", "Gao", "Tombouctou", "Kidal", "Tessalit"}
    assert set(france.filter(pl.col("start_date") >= BARKHANE_START)["force"]) == {"Barkhane"}


# --- other: Takuba and EUTM Mali -------------------------------------------------------------


def test_takuba_at_gao_and_menaka_2020_to_2022(timeline: pl.DataFrame) -> None:
    takuba = rows(timeline, "other").filter(pl.col("force") == "Takuba")
    assert set(takuba["name"]) == {"Gao", "Ménaka"}
    assert takuba["start_date"].dt.year().is_in([2020]).all()
    assert takuba["end_date"].max() == date(2022, 6, 30)


def test_eutm_left_koulikoro_in_2023_and_mali_when_its_mandate_ended(
    timeline: pl.DataFrame,
) -> None:
    koulikoro = one(timeline, "other", "Koulikoro")
    assert koulikoro["force"] == "EUTM Mali"
    assert koulikoro["start_date"] == date(2013, 4, 2)
    assert (koulikoro["end_date"].year, koulikoro["end_date"].month) == (2023, 5)
    headquarters = rows(timeline, "other", "Bamako").row(0, named=True)
    assert headquarters["end_date"] == date(2024, 5, 18)


# --- UN: MINUSMA ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "end"),
    [
        ("Ogossagou", date(2023, 8, 4)),
        ("Ber", date(2023, 8, 13)),
        ("Goundam", date(2023, 8, 16)),
        ("Ménaka", date(2023, 8, 25)),
        ("Tessalit", date(2023, 10, 21)),
        ("Douentza", date(2023, 10, 21)),
        ("Aguelhok", date(2023, 10, 23)),
        ("Kidal", date(2023, 10, 31)),
        ("Ansongo", date(2023, 11, 18)),
        ("Mopti-Sévaré", date(2023, 12, 9)),
        ("Tombouctou", date(2023, 12, 28)),
        ("Gao", date(2024, 7, 22)),
        ("Bamako", date(2024, 11, 15)),
    ],
)
def test_minusma_handovers(timeline: pl.DataFrame, name: str, end: date) -> None:
    row = one(timeline, "un", name)
    assert row["force"] == "MINUSMA"
    assert row["end_date"] == end


def test_minusma_opens_no_earlier_than_its_mandate(timeline: pl.DataFrame) -> None:
    un = rows(timeline, "un")
    assert un["start_date"].min() == MINUSMA_START
    assert one(timeline, "un", "Bamako")["date_precision"] == "day"
    # Camps whose opening day is unknown say so: a 1 July 2013 start is only year-precise.
    guessed = un.filter((pl.col("start_date") == MINUSMA_START) & (pl.col("name") != "Bamako"))
    assert (guessed["date_precision"] == "year").all()
    assert one(timeline, "un", "Ber")["start_date"].year == 2015


def test_minusma_camps_sit_where_geo_pko_puts_them(timeline: pl.DataFrame) -> None:
    """Same ~1 km cell as the Geo-PKO location, so the features count each camp once."""
    geopko = read_geopko(shared_data("geo_pko", "FrontMap_v2_3.csv"), ["MINUSMA"])

    def cells(frame: pl.DataFrame) -> set[tuple[float, float]]:
        grid = frame.select((pl.col("latitude", "longitude") / SAME_PLACE_DEG).round())
        return set(grid.iter_rows())

    camps = rows(timeline, "un").filter(pl.col("name") != "Ogossagou")  # not in Geo-PKO
    assert cells(camps) <= cells(geopko)


# --- Russia: Wagner, then the Africa Corps ----------------------------------------------------


def test_wagner_from_december_2021_to_june_2025(timeline: pl.DataFrame) -> None:
    wagner = rows(timeline, "russia_wagner")
    assert wagner["start_date"].min() >= date(2021, 12, 1)
    assert (wagner["end_date"] == date(2025, 6, 6)).all()
    assert one(timeline, "russia_wagner", "Tombouctou")["start_date"].year == 2022
    assert one(timeline, "russia_wagner", "Kidal")["start_date"] == date(2023, 11, 14)
    # Wagner reached Kidal only after the UN had left it.
    assert (
        one(timeline, "russia_wagner", "Kidal")["start_date"]
        > one(timeline, "un", "Kidal")["end_date"]
    )


def test_africa_corps_takes_over_wagner_sites_in_june_2025(timeline: pl.DataFrame) -> None:
    corps = rows(timeline, "russia_africa_corps")
    assert corps.height >= 1
    assert (corps["start_date"] == date(2025, 6, 6)).all()
    assert corps["end_date"].is_null().all()
    wagner_sites = set(rows(timeline, "russia_wagner")["name"])
    assert set(corps["name"]) <= wagner_sites
    assert {"Kidal", "Gao", "Tombouctou", "Ménaka"} <= set(corps["name"])
