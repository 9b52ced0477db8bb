"""Spread features on the scenario: neighbours, distance bands, nearest event, nation."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from pytest import approx

from features import FeatureConfig, build_panel
from tests.features import world
from tests.features.conftest import END, W0, at, haversine_km, scenario_tables

C = world.CENTROIDS


def test_neighbours_share_a_border_including_corners(panel: pl.DataFrame) -> None:
    assert at(panel, 0, "n_neighbours") == {
        "A1": 3, "A2": 5, "A3": 3, "B1": 5, "B2": 8, "B3": 5, "C1": 3, "C2": 5, "C3": 3, "Z": 0,
    }  # fmt: skip


def test_neighbour_sums(panel: pl.DataFrame) -> None:
    # W2: A1 holds e1 + e3 (3 deaths), A2 holds e2.
    counts = at(panel, 2, "nb_events_pv_4w")
    assert counts["A1"] == 1  # its neighbour A2
    assert counts["A2"] == 2  # its neighbour A1
    assert counts["B2"] == 3  # both
    assert counts["C3"] == 0
    assert counts["Z"] == 0  # no polygon, no neighbours
    assert at(panel, 2, "nb_fatalities_4w")["B1"] == 3
    assert at(panel, 2, "nb_with_events_4w")["B2"] == 2
    assert at(panel, 2, "nb_with_events_4w")["A1"] == 1
    # Decayed: A2 sees A1's events aged 2 and 0 weeks.
    assert at(panel, 2, "nb_events_pv_hl2")["A2"] == approx(0.5 + 1.0)


def test_distance_bands_count_points_within_the_radius(panel: pl.DataFrame) -> None:
    # W2 events: e1 at A1's centroid, e2 at A2's centroid, e3 at (14.7, 0.5).
    e3 = (14.7, 0.5)
    assert haversine_km(C["B1"], e3) == approx(88.96, abs=0.01)
    assert haversine_km(C["A1"], C["A2"]) == approx(107.65, abs=0.01)
    expected = {  # district: (50 km, 100 km, 200 km)
        "A1": (2, 2, 3),  # e1 at 0 km, e3 at 22 km, e2 at 108 km
        "A2": (1, 1, 3),  # e2 at 0 km, e1 at 108 km, e3 at 110 km
        "B1": (0, 1, 3),  # e3 at 89 km, e1 at 111 km, e2 at 155 km
        "B2": (0, 0, 3),  # 111, 140 and 155 km
        "A3": (0, 0, 1),  # e2 at 108 km, e1 at 215 km
        "C3": (0, 0, 0),
        "Z": (0, 0, 0),
    }
    for code, counts in expected.items():
        got = tuple(at(panel, 2, f"events_pv_{r}km_4w")[code] for r in (50, 100, 200))
        assert got == counts, code


def test_unplaced_events_count_by_distance_only(panel: pl.DataFrame) -> None:
    # e5 (W5) has no district but lies 1.3° north of C2's centroid (144.6 km).
    assert at(panel, 5, "events_pv_200km_4w")["C2"] == 1
    assert at(panel, 5, "events_pv_100km_4w")["C2"] == 0
    assert at(panel, 5, "events_pv_4w")["C2"] == 0
    assert at(panel, 5, "nearest_event_km_4w")["C2"] == approx(
        haversine_km(C["C2"], (17.8, 1.5)), rel=1e-6
    )


def test_nearest_event_over_the_window(panel: pl.DataFrame) -> None:
    # W2: C3's nearest event of the last 4 weeks is e2 at A2's centroid.
    assert at(panel, 2, "nearest_event_km_4w")["C3"] == approx(
        haversine_km(C["C3"], C["A2"]), rel=1e-6
    )
    assert at(panel, 2, "nearest_event_km_4w")["A1"] == 0
    # W6: over 4 weeks (W3..W6) only e5 and e6 remain; over 12 weeks e1-e3 still count.
    assert at(panel, 6, "nearest_event_km_4w")["A1"] == approx(
        min(haversine_km(C["A1"], (17.8, 1.5)), haversine_km(C["A1"], C["Z"])), rel=1e-6
    )
    assert at(panel, 6, "nearest_event_km_12w")["A1"] == 0


def test_nearest_event_is_missing_before_any_event() -> None:
    early = W0 - timedelta(weeks=2)
    panel = build_panel(scenario_tables(), start=early, end=END)
    first = panel.filter(pl.col("week") == early)
    assert first["nearest_event_km_4w"].null_count() == first.height
    assert first["nearest_event_km_12w"].null_count() == first.height


def test_national_totals_include_unplaced_events_of_the_country(panel: pl.DataFrame) -> None:
    national = at(panel, 5, "national_events_pv_4w")  # W2..W5: e3 and e5 in MLI
    assert national["A1"] == 2 and national["C3"] == 2
    assert national["Z"] == 0  # NER
    assert at(panel, 6, "national_fatalities_4w")["Z"] == 5
    assert at(panel, 2, "national_fatalities_4w")["B3"] == 3


@pytest.mark.parametrize("grid_deg", [0.01, 0.2])
def test_band_counts_agree_with_brute_force(grid_deg: float) -> None:
    """Bands on a finer and a coarser grid match a direct distance check of snapped points."""
    rng = np.random.default_rng(4)
    n = 120
    lats = rng.uniform(13.5, 17.5, n)
    lons = rng.uniform(-0.5, 3.5, n)
    rows = [
        world.event(f"r{i}", W0, None, lat=float(la), lon=float(lo))
        for i, (la, lo) in enumerate(zip(lats, lons, strict=True))
    ]
    tables = world.tables(rows)
    config = FeatureConfig(grid_deg=grid_deg)
    panel = build_panel(tables, start=W0, end=W0, config=config)
    snapped = np.round(np.column_stack([lats, lons]) / grid_deg) * grid_deg
    for code in ("A1", "B2", "C3"):
        distances = [haversine_km(C[code], (float(a), float(b))) for a, b in snapped]
        for r in (50, 100, 200):
            expected = sum(d <= r for d in distances)
            assert at(panel, 0, f"events_pv_{r}km_4w")[code] == expected, (code, r)


# --- events across the border -------------------------------------------------------------
# Burkina Faso (BFA) has no district loaded; Niger (NER) only Z, far to the east.
F1 = (13.8, 0.5)  # south of A1, below the grid: 77.84 km from A1, 132.98 from A2, 189.03 from B1
F2 = (14.5, 3.6)  # east of A3: 118.42 km from A3, 162.24 from B3
F6 = (14.0, 3.5)  # also east of A3: 121.27 km from A3, 198.45 from B3
F4 = (13.5, 9.5)  # west of Z: 54.06 km from Z's centroid


def border_tables(**z_values: object) -> world.CanonicalTables:
    """Foreign and unplaced events around the grid; ``z_values`` change district Z."""
    e = world.event
    rows = [
        e("f1", W0, None, lat=F1[0], lon=F1[1], country="BFA"),
        e("f1b", W0, None, lat=F1[0], lon=F1[1], country=None),  # unknown country
        e("f1c", W0, None, lat=F1[0], lon=F1[1], country="BFA", event_type="protest"),
        e("f1d", W0, None, lat=F1[0], lon=F1[1], country="MLI"),  # Malian, unplaced
        e("f4", W0 + timedelta(weeks=1), None, lat=F4[0], lon=F4[1], country="MLI"),
        e("f2", W0 + timedelta(weeks=2), None, lat=F2[0], lon=F2[1], country="NER"),
        e("f6", W0 + timedelta(weeks=2), "Z", lat=F6[0], lon=F6[1], country="NER"),  # placed
    ]
    return world.with_district_values(world.tables(rows), {"Z": z_values})


@pytest.fixture(scope="module")
def border_panel() -> pl.DataFrame:
    return build_panel(border_tables(), start=W0, end=W0 + timedelta(weeks=6))


def test_cross_border_bands_count_other_countries_events(border_panel: pl.DataFrame) -> None:
    # W2, 4 weeks: f1 (BFA, unplaced), f2 (NER, unplaced), f6 (NER, placed in Z) across the
    # border from the Malian squares; f4 (MLI, unplaced) across it from Niger's Z. f1b has
    # no country, f1c is a protest, f1d is Malian: none is cross-border for Mali.
    near = at(border_panel, 2, "cross_border_events_pv_100km_4w")
    far = at(border_panel, 2, "cross_border_events_pv_200km_4w")
    assert near == {c: 1 if c in ("A1", "Z") else 0 for c in world.CODES}
    assert far == {
        "A1": 1, "A2": 1, "A3": 2, "B1": 1, "B2": 0, "B3": 2, "C1": 0, "C2": 0, "C3": 0, "Z": 1,
    }  # fmt: skip
    # The window: f1 (W0) has left the 4-week window by W4, not the 12-week one.
    assert at(border_panel, 4, "cross_border_events_pv_100km_4w")["A1"] == 0
    assert at(border_panel, 4, "cross_border_events_pv_100km_12w")["A1"] == 1
    assert at(border_panel, 4, "cross_border_events_pv_200km_52w")["A3"] == 2


def test_distance_features_count_every_country_placed_or_not(border_panel: pl.DataFrame) -> None:
    # The plain bands take f1, f1b and f1d (any country, none placed), not the protest f1c.
    assert at(border_panel, 0, "events_pv_100km_4w")["A1"] == 3
    assert at(border_panel, 2, "events_pv_200km_4w")["A3"] == 2  # f2 and f6
    assert at(border_panel, 0, "nearest_event_km_4w")["A1"] == approx(
        haversine_km(C["A1"], F1), rel=1e-6
    )
    assert at(border_panel, 2, "nearest_event_km_4w")["A3"] == approx(
        haversine_km(C["A3"], F2), rel=1e-6
    )
    # Nothing here shares a border with a placed event: neighbours stay at zero.
    assert at(border_panel, 2, "nb_events_pv_4w")["A3"] == 0
    # National totals: Mali's unplaced f1d and f4; Burkina's and unknown events count nowhere.
    assert at(border_panel, 2, "national_events_pv_4w")["A1"] == 2
    assert at(border_panel, 2, "national_events_pv_4w")["Z"] == 2  # f2 and f6


def test_cross_border_is_zero_for_a_district_without_a_country() -> None:
    tables = border_tables(country=None)
    panel = build_panel(tables, start=W0, end=W0 + timedelta(weeks=2))
    assert at(panel, 1, "cross_border_events_pv_100km_4w")["Z"] == 0
    assert at(panel, 1, "events_pv_100km_4w")["Z"] == 1  # f4 is still near it
    assert at(panel, 2, "cross_border_events_pv_200km_4w")["A3"] == 1  # f6's Z has no country
