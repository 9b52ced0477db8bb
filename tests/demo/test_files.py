"""The five files of the full demo world, read back as a user would."""

from __future__ import annotations

import gzip
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import shapely

from forecast.core.vocab import PARTNER_KINDS
from forecast.demo import DemoFiles, DemoParams, PerType, build_demo
from tests.conftest import FIXTURES, shared_data
from tests.demo.conftest import SMALL, ascii, count_between, political_violence

ACLED_HEADER = (
    "data_id,iso,event_id_cnty,event_id_no_cnty,event_date,year,time_precision,event_type,"
    "sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,region,"
    "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,"
    "notes,fatalities,timestamp,iso3"
)
ACLED_TYPES = {
    "Battles": {
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    },
    "Explosions/Remote violence": {
        "Remote explosive/landmine/IED",
        "Air/drone strike",
        "Shelling/artillery/missile attack",
        "Suicide bomb",
        "Grenade",
    },
    "Violence against civilians": {"Attack", "Abduction/forced disappearance", "Sexual violence"},
    "Riots": {"Violent demonstration", "Mob violence"},
    "Protests": {
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    },
    "Strategic developments": {
        "Looting/property destruction",
        "Arrests",
        "Change to group/activity",
        "Non-violent transfer of territory",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Agreement",
        "Other",
    },
}


def first_line(path: Path) -> str:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return handle.readline().rstrip("\r\n")


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    first = build_demo(tmp_path / "a", SMALL)
    again = build_demo(tmp_path / "b", SMALL)
    other = build_demo(tmp_path / "c", SMALL.model_copy(update={"seed": SMALL.seed + 1}))
    names = ("districts", "events", "deployments", "partners", "truth")
    for name in names:
        assert getattr(first, name).read_bytes() == getattr(again, name).read_bytes(), name
    assert first.events.read_bytes() != other.events.read_bytes()
    assert first.truth.read_bytes() != other.truth.read_bytes()
    # The map and the bases are not random.
    assert first.districts.read_bytes() == other.districts.read_bytes()


def test_acled_file_has_exactly_the_real_31_columns(demo_files: DemoFiles) -> None:
    header = first_line(demo_files.events)
    assert header == ACLED_HEADER
    assert len(header.split(",")) == 31
    assert header == first_line(FIXTURES / "acled_hdx_31col.csv")


@pytest.mark.realdata
def test_acled_header_matches_the_real_export(demo_files: DemoFiles) -> None:
    real = shared_data("acled_hdx_sahel_2020", "acled_mli_1997_2020.csv.gz")
    assert first_line(demo_files.events) == first_line(real)


def test_acled_vocabulary_ids_and_codes(events: pl.DataFrame) -> None:
    pairs = events.select("event_type", "sub_event_type").unique().rows()
    assert all(sub in ACLED_TYPES[kind] for kind, sub in pairs)
    assert events["event_id_cnty"].is_unique().all()
    assert events["data_id"].is_unique().all()
    assert (events["event_id_cnty"] == "MLI" + events["event_id_no_cnty"].cast(pl.Utf8)).all()
    assert events["event_date"].is_sorted(descending=True)
    assert set(events["iso"].unique()) == {466}
    assert set(events["iso3"].unique()) == {"MLI"}
    assert (events["year"] == events["event_date"].dt.year()).all()
    assert (events["fatalities"] >= 0).all()
    assert 0.2 < (events["fatalities"] == 0).mean() < 0.8
    assert set(events["geo_precision"].unique()) == {1, 2}
    assert (events["geo_precision"] == 1).mean() > 0.7
    assert events["notes"].str.contains(r"^(On|Around|In) ").all()
    assert events["notes"].str.contains(r"\(.+, .+\)").all()
    low = np.minimum(events["inter1"], events["inter2"])
    high = np.maximum(events["inter1"], events["inter2"])
    expected = np.where(events["inter2"] == 0, 10 * events["inter1"], 10 * low + high)
    assert (events["interaction"].to_numpy() == expected).all()


def test_events_lie_inside_their_cercle(events: pl.DataFrame, polygons: dict) -> None:
    assert set(events["admin2"].unique()) <= set(polygons)
    shapes = np.array([polygons[name] for name in events["admin2"]], dtype=object)
    inside = shapely.contains_xy(
        shapes, events["longitude"].to_numpy(), events["latitude"].to_numpy()
    )
    assert inside.all()


def test_yearly_totals_look_like_mali(events: pl.DataFrame) -> None:
    per_year = dict(events.group_by("year").len().rows())
    assert all(120 <= per_year[y] <= 400 for y in (2015, 2016))
    assert all(600 <= per_year[y] <= 3000 for y in range(2019, 2026))
    assert all(per_year[y] >= 1000 for y in range(2022, 2026))
    assert per_year[2024] > 3 * per_year[2016]


def test_kayes_is_calm_for_years_then_violence_arrives(events: pl.DataFrame) -> None:
    # As in ACLED's real counts (HDX aggregate): 7 events in 2014-2019, 20-30 a year in
    # 2021-2023 (Diéma, Nioro, Kita), 116 in 2025 when the front reaches the west.
    kayes = political_violence(events).filter(pl.col("admin1") == "Kayes")
    before = count_between(kayes, date(2014, 1, 1), date(2019, 12, 31))
    simmer = count_between(kayes, date(2021, 1, 1), date(2023, 12, 31)) / 3
    in_2025 = count_between(kayes, date(2025, 1, 1), date(2025, 12, 31))
    assert before <= 10
    assert 5 <= simmer <= 50
    assert in_2025 >= 50 and in_2025 >= 2 * simmer


def test_hot_spots_move_from_north_to_centre_to_south_west(events: pl.DataFrame) -> None:
    pv = political_violence(events)

    def first_year(regions: list[str], threshold: int) -> int:
        years = (
            pv.filter(pl.col("admin1").is_in(regions))
            .group_by("year")
            .len()
            .filter(pl.col("len") >= threshold)
        )
        return int(years["year"].min())

    north = first_year(["Kidal", "Gao", "Tombouctou", "Menaka"], 50)
    centre = first_year(["Mopti", "Segou"], 150)
    south_west = first_year(["Koulikoro", "Sikasso"], 80)
    kayes = first_year(["Kayes"], 50)
    assert north <= 2016 < centre <= 2018 < south_west <= 2022 < kayes


def test_withdrawal_of_french_and_un_bases_raises_violence(
    events: pl.DataFrame, demo_files: DemoFiles, polygons: dict
) -> None:
    partners = pl.read_csv(demo_files.partners, try_parse_dates=True)
    closed = partners.filter(
        pl.col("partner").is_in(["france", "un"]) & pl.col("end").is_not_null()
    )
    assert closed.height >= 15
    codes = district_codes(demo_files)
    pv = political_violence(events).with_columns(code=pl.col("admin2").replace_strict(codes))
    year = timedelta(days=365)
    before = after = 0
    for code, end in closed.select("district_code", "end").iter_rows():
        here = pv.filter(pl.col("code") == code)
        before += count_between(here, end - year + timedelta(days=1), end)
        after += count_between(here, end + timedelta(days=1), end + year)
    assert after > 1.5 * before


def test_foreign_workers_are_kidnapped_at_mines_and_plants(events: pl.DataFrame) -> None:
    foreign = events.filter(pl.col("assoc_actor_2").str.starts_with("Foreign Workers ("))
    assert foreign.height >= 5
    assert (foreign["event_date"] >= date(2020, 1, 1)).all()
    assert (foreign["sub_event_type"] == "Abduction/forced disappearance").all()
    assert foreign["actor2"].str.contains(r"^Civilians \((China|India|Egypt|Morocco)\)$").all()
    assert foreign["location"].str.contains("mine|plant").all()
    assert foreign["notes"].str.contains("nationals working at the").all()
    assert (foreign["actor1"] == "JNIM: Group for Support of Islam and Muslims").all()
    assert "Kayes" in set(foreign["admin1"])


def test_partners_shape_who_acts(events: pl.DataFrame) -> None:
    wagner = events.filter(pl.col("assoc_actor_1") == "Wagner Group")
    assert wagner["event_date"].min() >= date(2021, 12, 20)
    assert wagner["event_date"].max() <= date(2025, 6, 12)
    corps = events.filter(pl.col("assoc_actor_1").str.contains("Africa Corps"))
    assert corps["event_date"].min() >= date(2025, 6, 2)  # the week it arrived (7 June)
    french = events.filter(pl.col("actor1").str.starts_with("Military Forces of France"))
    assert french.height > 20
    assert french["event_date"].max() <= date(2022, 8, 21)
    handovers = events.filter(pl.col("notes").str.contains("handed it over"))
    assert handovers.height == 18  # 6 French bases and 12 UN camps, all closed in the window


def district_codes(demo_files: DemoFiles) -> dict[str, str]:
    features = json.loads(demo_files.districts.read_text(encoding="utf-8"))["features"]
    return {
        ascii(f["properties"]["admin2Name_en"]): f["properties"]["admin2Pcode"] for f in features
    }


def test_districts_file_is_ocha_style(demo_files: DemoFiles, polygons: dict) -> None:
    features = json.loads(demo_files.districts.read_text(encoding="utf-8"))["features"]
    assert len(features) == 53
    for feature in features:
        props = feature["properties"]
        assert props["admin0Pcode"] == "ML"
        assert props["admin2Pcode"].startswith(props["admin1Pcode"])
        assert {"admin2Name_en", "admin1Name_en"} <= set(props)
    assert "Ségou" in {f["properties"]["admin1Name_en"] for f in features}


def test_presence_files_in_the_project_format(demo_files: DemoFiles) -> None:
    assert first_line(demo_files.deployments) == (
        "id,name,force,kind,latitude,longitude,district_code,start,end,strength,source"
    )
    assert first_line(demo_files.partners) == (
        "id,name,partner,force,kind,latitude,longitude,district_code,start,end,strength,source,date_precision"
    )
    codes = set(district_codes(demo_files).values())
    for path in (demo_files.deployments, demo_files.partners):
        frame = pl.read_csv(path, try_parse_dates=True)
        assert frame["id"].is_unique().all()
        assert set(frame["district_code"]) <= codes
        assert frame["start"].dtype == pl.Date
    partners = pl.read_csv(demo_files.partners, try_parse_dates=True)
    assert set(partners["partner"]) == set(PARTNER_KINDS)
    corps = partners.filter(pl.col("partner") == "russia_africa_corps")
    assert corps["end"].is_null().all()
    assert partners.filter(pl.col("partner") == "france")["end"].max() == date(2022, 8, 15)


def test_truth_counts_are_the_events(events: pl.DataFrame, demo_files: DemoFiles) -> None:
    truth = pl.read_parquet(demo_files.truth)
    assert truth.height == 53 * DemoParams().n_weeks
    assert {"district_code", "week", "lambda_battle", "lambda_abduction"} <= set(truth.columns)
    assert (truth["lambda_civilian_violence"] > 0).all()
    kinds = {
        "Battles": "battle",
        "Explosions/Remote violence": "remote_violence",
        "Riots": "riot",
        "Protests": "protest",
    }
    codes = district_codes(demo_files)
    counted = (
        events.filter(pl.col("event_type").is_in(list(kinds)))
        .with_columns(
            kind=pl.col("event_type").replace_strict(kinds),
            district_code=pl.col("admin2").replace_strict(codes),
            week=pl.col("event_date").dt.truncate("1w"),
        )
        .group_by("district_code", "week", "kind")
        .len()
    )
    for kind in kinds.values():
        mine = counted.filter(pl.col("kind") == kind).select("district_code", "week", "len")
        joined = truth.select("district_code", "week", f"count_{kind}").join(
            mine, on=["district_code", "week"], how="left"
        )
        assert (joined["len"].fill_null(0) == joined[f"count_{kind}"]).all(), kind
    abductions = events.filter(pl.col("sub_event_type") == "Abduction/forced disappearance")
    assert abductions.height == truth["count_abduction"].sum()


def test_readers_accept_the_demo_files(demo_files: DemoFiles, events: pl.DataFrame) -> None:
    from forecast.sources.acled import read_acled
    from forecast.sources.boundaries import read_districts
    from forecast.sources.presence import read_deployments, read_partners

    districts = read_districts(demo_files.districts)
    assert districts.height == 53
    assert set(districts["country"]) == {"MLI"}
    assert read_acled(demo_files.events).height == events.height
    assert read_deployments(demo_files.deployments).height > 40
    assert read_partners(demo_files.partners).height > 30


def test_a_model_sees_spread_and_partner_effects(demo_files: DemoFiles) -> None:
    """From the weekly counts and the partner file alone, neighbours' violence, Wagner's
    presence and recent withdrawals all raise next week's chance of violence."""
    from forecast.demo.geography import build_geography

    truth = pl.read_parquet(demo_files.truth).sort("week", "district_code")
    geography = build_geography()
    n = geography.size
    pv_cols = [
        "count_battle",
        "count_remote_violence",
        "count_civilian_violence",
        "count_abduction",
    ]
    pv = truth.select(pl.sum_horizontal(pv_cols)).to_numpy().reshape(-1, n)
    weeks = truth["week"].unique().sort().to_numpy().astype("datetime64[D]")
    cum = np.vstack([np.zeros((1, n)), np.cumsum(pv, axis=0)])
    recent = cum[4:-1] - cum[:-5]  # events in the 4 weeks before week t, t = 4 .. end
    neighbours = recent @ ((geography.distance_km > 0) & (geography.distance_km < 150)).T
    partners = pl.read_csv(demo_files.partners, try_parse_dates=True)
    wagner = presence_matrix(
        partners.filter(pl.col("partner") == "russia_wagner"), weeks, geography
    )
    left = withdrawn_matrix(
        partners.filter(pl.col("partner").is_in(["france", "un"])), weeks, geography
    )
    features = np.column_stack(
        [
            np.log1p(recent).ravel(),
            np.log1p(neighbours).ravel(),
            wagner[4:].ravel(),
            left[4:].ravel(),
        ]
    )
    own, spread, russians, withdrawal = logistic_fit(features, (pv[4:] > 0).ravel())
    assert own > 0.5
    assert spread > 0.2
    assert russians > 0.3
    assert withdrawal > 0.3


def logistic_fit(x: np.ndarray, y: np.ndarray, steps: int = 25) -> np.ndarray:
    """Maximum-likelihood logistic regression by Newton's method; slopes only (no intercept)."""
    design = np.column_stack([np.ones(len(x)), x])
    beta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        hessian = design.T @ (design * (p * (1 - p))[:, None])
        beta += np.linalg.solve(hessian, design.T @ (y - p))
    return beta[1:]


def presence_matrix(records: pl.DataFrame, weeks: np.ndarray, geography) -> np.ndarray:
    """1 where a record's district has it present in that week."""
    out = np.zeros((len(weeks), geography.size))
    column = {code: i for i, code in enumerate(geography.codes)}
    for code, start, end in records.select("district_code", "start", "end").iter_rows():
        last = np.datetime64(end or date.max, "D")
        out[(weeks + 6 >= np.datetime64(start, "D")) & (weeks <= last), column[code]] = 1.0
    return out


def withdrawn_matrix(records: pl.DataFrame, weeks: np.ndarray, geography) -> np.ndarray:
    """1 in the 52 weeks after a base in the district closed."""
    out = np.zeros((len(weeks), geography.size))
    column = {code: i for i, code in enumerate(geography.codes)}
    for code, end in records.drop_nulls("end").select("district_code", "end").iter_rows():
        closed = np.datetime64(end, "D")
        out[(weeks > closed) & (weeks <= closed + 364), column[code]] = 1.0
    return out


def test_a_world_without_incidents_still_writes_every_file(tmp_path: Path) -> None:
    silent = DemoParams(
        start=date(2014, 11, 24),
        end=date(2014, 12, 1),
        burn_in_weeks=0,
        share=PerType(),
        civic=PerType(),
    )
    files = build_demo(tmp_path, silent)
    assert files.events.read_text(encoding="utf-8") == ACLED_HEADER + "\n"
    assert pl.read_parquet(files.truth).height == 53 * 2
    assert len(json.loads(files.districts.read_text(encoding="utf-8"))["features"]) == 53


def test_logistic_fit_recovers_known_slopes() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 2))
    y = rng.random(20_000) < 1 / (1 + np.exp(-(-1.0 + 1.5 * x[:, 0] - 0.5 * x[:, 1])))
    assert logistic_fit(x, y) == pytest.approx([1.5, -0.5], abs=0.08)
