"""The bulletin map drawn on the demo world's cercles: readable bands when most districts
are in the top band, a scale bar true for its latitude, grey named neighbouring countries,
labelled towns, and a legend that lists towns only when some are drawn.

The assertions are on matplotlib's artists; one looks at pixels inside a top-band
district to check that the texture leaves the colour readable.
"""

from __future__ import annotations

import io
import itertools
import math
import time

import numpy as np
import polars as pl
import pytest
import shapely
import shapely.ops
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.patches import Rectangle

from forecast.bulletin.i18n import Catalogue
from forecast.bulletin.mapfig import png_bytes, risk_map
from forecast.bulletin.scalebar import km_per_degree_lon
from forecast.bulletin.towns import TOWNS, towns_for
from forecast.core.bands import DEFAULT as BANDS
from forecast.core.schema import DISTRICTS
from forecast.demo.geography import build_geography
from tests.bulletin import world

TOP = len(BANDS.names) - 1


def demo_districts() -> pl.DataFrame:
    """The demo world's 53 cercles as the districts table (the polygons `forecast demo` writes)."""
    geo = build_geography()
    return DISTRICTS.conform(
        pl.DataFrame(
            {
                "code": geo.codes.tolist(),
                "name": geo.names.tolist(),
                "admin1": geo.region_names.tolist(),
                "country": ["MLI"] * geo.size,
                "geometry": shapely.to_wkb(geo.polygons).tolist(),
                "centroid_lat": geo.lat.tolist(),
                "centroid_lon": geo.lon.tolist(),
            }
        )
    )


def mostly_top(districts: pl.DataFrame) -> pl.DataFrame:
    """Seven districts in ten in the top band, one in each of the other three."""
    index = [(0, 1, 2, TOP, TOP, TOP, TOP, TOP, TOP, TOP)[i % 10] for i in range(districts.height)]
    return pl.DataFrame({"code": districts.get_column("code"), "band_index": index})


def draw(
    districts: pl.DataFrame, risk: pl.DataFrame, lang: str = "en", towns: list | None = None
) -> Figure:
    countries = districts.get_column("country").unique().to_list()
    fig = risk_map(
        districts,
        risk,
        BANDS,
        Catalogue(lang),
        horizon_label="next 4 weeks",
        towns=towns_for(countries) if towns is None else towns,
    )
    fig.canvas.draw()
    return fig


def texts(fig: Figure, gid: str) -> list:
    return [text for text in fig.axes[0].texts if text.get_gid() == gid]


def luma(colour: str | tuple) -> float:
    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.fixture(scope="module")
def demo() -> pl.DataFrame:
    return demo_districts()


@pytest.fixture(scope="module")
def demo_map(demo: pl.DataFrame) -> Figure:
    return draw(demo, mostly_top(demo))


def band_fills(fig: Figure) -> list[PathCollection]:
    """The band fills: the polygons' collections drawn at the districts' level."""
    return [
        c
        for c in fig.axes[0].collections
        if isinstance(c, PathCollection) and c.get_zorder() == 1 and len(c.get_paths())
    ]


def test_bands_differ_by_colour_and_only_the_top_band_is_textured(demo_map: Figure) -> None:
    fills = band_fills(demo_map)
    assert len(fills) == len(BANDS.names)  # every band is on this map, each one collection
    colours = [tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in fills]
    assert len(set(colours)) == len(fills)
    # Lightness falls band by band, far enough apart to tell in grey.
    lightness = sorted((luma(c) for c in colours), reverse=True)
    assert min(a - b for a, b in itertools.pairwise(lightness)) > 0.15
    hatched = [c for c in fills if c.get_hatch()]
    top_colour = to_rgb(BANDS.colours[TOP])
    assert len(hatched) <= 1
    for fill in hatched:  # a sparse texture on the top band only
        assert np.allclose(fill.get_facecolor()[0][:3], top_colour, atol=0.01)
        assert len(fill.get_hatch()) <= 2


def test_a_mostly_top_band_map_keeps_its_colour(demo: pl.DataFrame, demo_map: Figure) -> None:
    """Inside the largest top-band district most pixels are the band's own colour."""
    risk = mostly_top(demo)
    top = demo.join(risk, on="code").filter(pl.col("band_index") == TOP)
    shapes = shapely.from_wkb(top.get_column("geometry").to_numpy())
    biggest = shapes[int(np.argmax(shapely.area(shapes)))]
    spot = shapely.ops.polylabel(biggest, tolerance=0.01)
    buffer = io.BytesIO()
    demo_map.savefig(buffer, format="png", dpi=demo_map.dpi)  # uncropped: pixels = display
    pixels = imread(io.BytesIO(buffer.getvalue()))[..., :3]
    x, y = demo_map.axes[0].transData.transform((spot.x, spot.y))
    row, col = round(pixels.shape[0] - y), round(x)
    window = pixels[row - 12 : row + 12, col - 12 : col + 12].reshape(-1, 3)
    close = np.abs(window - np.array(to_rgb(BANDS.colours[TOP]))).max(axis=1) < 0.08
    assert close.mean() > 0.9, close.mean()  # the dots of the old texture left 0.74


def test_scale_bar_is_true_for_its_latitude(demo_map: Figure) -> None:
    ax = demo_map.axes[0]
    (bar,) = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_gid() == "scale-bar"]
    labels = [t.get_text() for t in texts(demo_map, "scale-bar-label")]
    assert labels[0] == "0" and labels[-1].endswith(" km")
    km = float(labels[-1].removesuffix(" km"))
    assert km in {10**k * step for k in range(0, 5) for step in (1, 2, 5)}
    lat = bar.get_y() + bar.get_height() / 2
    # A sphere of the mean radius along the bar's parallel: within 0.5% of the ellipsoid.
    sphere_km = math.radians(bar.get_width()) * 6371.0088 * math.cos(math.radians(lat))
    assert sphere_km == pytest.approx(km, rel=0.005)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert x0 < bar.get_x() and bar.get_x() + bar.get_width() < x1 and y0 < lat < y1
    # A fifth of the map or so: readable, not a ruler across it.
    assert 0.08 < bar.get_width() / (x1 - x0) < 0.3


def test_scale_bar_sits_where_it_hides_least_of_the_districts(
    demo: pl.DataFrame, demo_map: Figure
) -> None:
    (box,) = [p for p in demo_map.axes[0].patches if p.get_gid() == "scale-bar-background"]
    extent = box.get_bbox()
    drawn = shapely.box(extent.x0, extent.y0, extent.x1, extent.y1)
    covered = shapely.union_all(shapely.from_wkb(demo.get_column("geometry").to_numpy()))
    assert drawn.intersection(covered).area < 0.1 * drawn.area


@pytest.mark.parametrize(
    ("lat", "km"),
    # One degree of longitude on the WGS84 ellipsoid, from the standard tables.
    [(0.0, 111.320), (15.0, 107.551), (30.0, 96.486), (60.0, 55.800)],
)
def test_km_per_degree_of_longitude(lat: float, km: float) -> None:
    assert km_per_degree_lon(lat) == pytest.approx(km, abs=0.002)


def test_neighbours_are_grey_named_outlines_under_the_districts(demo_map: Figure) -> None:
    ax = demo_map.axes[0]
    (grey,) = [c for c in ax.collections if c.get_gid() == "neighbours"]
    assert len(grey.get_paths()) >= 7  # Mali has seven neighbours
    r, g, b = grey.get_facecolor()[0][:3]
    assert r == g == b and 0.8 < r < 1.0  # grey, light
    assert grey.get_zorder() < min(c.get_zorder() for c in band_fills(demo_map))
    names = {t.get_text() for t in texts(demo_map, "neighbour-name")}
    assert {"ALGERIA", "MAURITANIA", "NIGER", "BURKINA FASO", "GUINEA"} <= names
    assert "MALI" not in names  # the country shown is not its own neighbour


def test_neighbour_names_follow_the_language(demo: pl.DataFrame) -> None:
    fig = draw(demo, mostly_top(demo), lang="fr")
    names = {t.get_text() for t in texts(fig, "neighbour-name")}
    assert {"ALGÉRIE", "MAURITANIE", "GUINÉE"} <= names


def test_towns_are_drawn_and_labelled(demo_map: Figure) -> None:
    ax = demo_map.axes[0]
    (dots,) = [c for c in ax.collections if c.get_gid() == "towns"]
    drawn = np.asarray(dots.get_offsets())
    seats = [town for town in TOWNS["MLI"] if town.kind in ("capital", "admin1")]
    assert len(seats) == 11  # Bamako and the ten regions' seats
    for town in seats:
        assert np.isclose(drawn, (town.lon, town.lat)).all(axis=1).any(), town.name
    labelled = {t.get_text() for t in texts(demo_map, "town-label")}
    assert {town.name for town in seats} <= labelled
    legend = [t.get_text() for t in demo_map.legends[0].get_texts()]
    assert "Main towns" in legend


def test_no_label_overlaps_another(demo_map: Figure) -> None:
    renderer = demo_map.canvas.get_renderer()
    boxes = [
        (t.get_text(), t.get_window_extent(renderer))
        for t in demo_map.axes[0].texts
        if t.get_gid() in ("town-label", "neighbour-name", "new-area-label")
    ]
    boxes += [
        ("scale bar", p.get_window_extent(renderer))
        for p in demo_map.axes[0].patches
        if p.get_gid() == "scale-bar-background"
    ]
    assert len(boxes) > 15
    for i, (name, box) in enumerate(boxes):
        for other, box2 in boxes[i + 1 :]:
            assert not box.overlaps(box2), (name, other)


def car_districts() -> pl.DataFrame:
    """Three boxes over the Central African Republic's west, centre and east."""
    boxes = [shapely.box(15.0, 3.5, 19.0, 8.0), shapely.box(19.0, 3.5, 23.0, 9.0)]
    boxes.append(shapely.box(23.0, 4.5, 27.0, 8.0))
    return DISTRICTS.conform(
        pl.DataFrame(
            {
                "code": ["CF1", "CF2", "CF3"],
                "name": ["West", "Centre", "East"],
                "admin1": ["A", "B", "C"],
                "country": ["CAF"] * 3,
                "geometry": shapely.to_wkb(boxes).tolist(),
                "centroid_lat": [b.centroid.y for b in boxes],
                "centroid_lon": [b.centroid.x for b in boxes],
            }
        )
    )


def test_central_african_towns_are_drawn() -> None:
    districts = car_districts()
    fig = draw(districts, pl.DataFrame({"code": ["CF1", "CF2", "CF3"], "band_index": [3, 1, 0]}))
    labelled = {t.get_text() for t in texts(fig, "town-label")}
    assert {"Bangui", "Bambari", "Bria", "Obo"} <= labelled
    assert "Main towns" in [t.get_text() for t in fig.legends[0].get_texts()]
    names = {t.get_text() for t in texts(fig, "neighbour-name")}
    assert {"CHAD", "SUDAN"} <= names


def test_legend_leaves_out_towns_when_none_are_drawn() -> None:
    districts = car_districts().with_columns(pl.lit("XXX").alias("country"))
    fig = draw(districts, pl.DataFrame({"code": ["CF1"], "band_index": [2]}))
    assert not [c for c in fig.axes[0].collections if c.get_gid() == "towns"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Main towns" not in legend
    assert len(legend) == len(BANDS.names) + 2  # bands, no forecast, newly high


def test_towns_outside_the_districts_are_not_drawn(demo: pl.DataFrame) -> None:
    """Only the districts of a country's south are loaded: its northern towns stay off."""
    south = demo.filter(pl.col("centroid_lat") < 14.0)
    fig = draw(south, mostly_top(south))
    labelled = {t.get_text() for t in texts(fig, "town-label")}
    assert "Bamako" in labelled
    assert not labelled & {"Kidal", "Taoudénit", "Tessalit", "Gao"}


def test_map_renders_fast(demo: pl.DataFrame) -> None:
    start = time.perf_counter()
    png_bytes(draw(demo, mostly_top(demo)))
    elapsed = time.perf_counter() - start
    # About a second on one free core; the bound leaves room for a busy CI machine.
    assert elapsed < 8.0


@pytest.mark.parametrize("which", ["demo", "squares"])
def test_country_names_stay_off_the_districts(demo: pl.DataFrame, which: str) -> None:
    """A 1:110m border need not match the districts': a name never lies over them."""
    districts = demo if which == "demo" else world.districts()
    fig = draw(districts, mostly_top(districts))
    ax = fig.axes[0]
    covered = shapely.union_all(shapely.from_wkb(districts.get_column("geometry").to_numpy()))
    renderer = fig.canvas.get_renderer()
    names = texts(fig, "neighbour-name")
    assert names or which == "squares"
    for name in names:
        box = name.get_window_extent(renderer)
        (x0, y0), (x1, y1) = ax.transData.inverted().transform([box.p0, box.p1])
        assert not shapely.box(x0, y0, x1, y1).intersects(covered), name.get_text()


def test_a_gazetteer_without_polygons_still_gets_context(demo: pl.DataFrame) -> None:
    """Districts known only by their centroids: dots for them, and towns, neighbours and
    the scale bar around."""
    points = demo.with_columns(pl.lit(None, dtype=pl.Binary).alias("geometry"))
    fig = draw(points, mostly_top(points))
    ax = fig.axes[0]
    assert [c for c in ax.collections if c.get_gid() == "districts-without-shape"]
    assert "Bamako" in {t.get_text() for t in texts(fig, "town-label")}
    assert texts(fig, "neighbour-name")
    assert [p for p in ax.patches if p.get_gid() == "scale-bar"]
