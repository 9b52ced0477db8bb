"""The bulletin map on real boundaries (GADM 3.6 Mali and Niger, OCHA's Central African
Republic admin-2) from ../shared/data: the towns, neighbours and scale bar of each country.
Skipped, saying what is missing, where the data are not present."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from matplotlib.figure import Figure

from forecast.bulletin.towns import TOWNS
from forecast.sources.boundaries import read_districts
from tests.bulletin.test_map import TOP, draw, texts
from tests.conftest import shared_data

FILES = {
    "MLI": ("gadm36_mali_niger", "gadm36_MLI_2.shp"),
    "NER": ("gadm36_mali_niger", "gadm36_NER_2.shp"),
    "CAF": ("ocha_car_admin2", "caf_admbnda_adm2_200k_sigcaf_reach_itos_v2.shp"),
}
AROUND = {
    "MLI": {"ALGERIA", "MAURITANIA", "NIGER", "BURKINA FASO", "GUINEA"},
    "NER": {"ALGERIA", "LIBYA", "CHAD", "NIGERIA", "MALI"},
    "CAF": {"CHAD", "SUDAN", "CAMEROON", "DEM. REP. CONGO"},
}


@pytest.fixture(scope="module", params=sorted(FILES))
def real_map(request: pytest.FixtureRequest) -> tuple[str, Figure]:
    iso3 = request.param
    districts = read_districts(shared_data(*FILES[iso3]))
    assert districts.get_column("country").unique().to_list() == [iso3]
    # Most districts in the top band, the rest spread over the others.
    index = [(0, 1, 2, TOP, TOP, TOP)[i % 6] for i in range(districts.height)]
    risk = pl.DataFrame({"code": districts.get_column("code"), "band_index": index})
    return iso3, draw(districts, risk)


def test_every_seat_has_a_dot_and_most_a_label(real_map: tuple[str, Figure]) -> None:
    iso3, fig = real_map
    (dots,) = [c for c in fig.axes[0].collections if c.get_gid() == "towns"]
    drawn = np.asarray(dots.get_offsets())
    seats = [town for town in TOWNS[iso3] if town.kind in ("capital", "admin1")]
    for town in seats:
        assert np.isclose(drawn, (town.lon, town.lat)).all(axis=1).any(), town.name
    labelled = {t.get_text() for t in texts(fig, "town-label")}
    capital = next(town.name for town in seats if town.capital)
    assert capital in labelled
    # Where seats crowd (Bangui, Bimbo and Mbaïki; Niamey and its neighbours) a label may
    # give way rather than overlap.
    assert len(labelled & {town.name for town in seats}) >= 0.8 * len(seats)


def test_neighbours_and_scale_bar(real_map: tuple[str, Figure]) -> None:
    iso3, fig = real_map
    names = {t.get_text() for t in texts(fig, "neighbour-name")}
    assert AROUND[iso3] <= names
    assert [p for p in fig.axes[0].patches if p.get_gid() == "scale-bar"]


def test_labels_do_not_overlap(real_map: tuple[str, Figure]) -> None:
    _, fig = real_map
    renderer = fig.canvas.get_renderer()
    boxes = [
        t.get_window_extent(renderer)
        for t in fig.axes[0].texts
        if t.get_gid() in ("town-label", "neighbour-name")
    ]
    for i, box in enumerate(boxes):
        assert not any(box.overlaps(other) for other in boxes[i + 1 :])
