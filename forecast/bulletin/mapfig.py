"""The bulletin's choropleth: district risk by band, borders, neighbouring countries, main
towns, a scale bar and a legend.

Drawn on an Agg canvas (no display, no pyplot state). Bands are told apart by colour
first: sequential YlOrRd whose lightness falls steadily, so they stay apart in grey and
for colour-blind readers. Only the top band carries a texture, a sparse thin hatch in a
lighter red: it marks the band without a legend lookup and survives a poor photocopy,
while a map that is mostly top band still shows its other bands as plain colour. Around
the districts the neighbouring countries are grey and named (``neighbours``), towns are
dots with labels (``towns``), and the scale bar is true for its latitude (``scalebar``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import shapely
import shapely.ops
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath

from forecast.bulletin.i18n import Catalogue
from forecast.bulletin.maplabels import CENTRED, FONT, Label, dot_boxes, place_labels
from forecast.bulletin.neighbours import neighbours
from forecast.bulletin.scalebar import draw_scale_bar
from forecast.bulletin.towns import Town
from forecast.core.bands import Bands

__all__ = ["FONT", "Style", "png_bytes", "risk_map"]

# No forecast: white with a grey cross-hatch, unlike any band in colour or in grey.
NO_DATA = "#ffffff"
NO_DATA_HATCH = "#8a8a8a"
NO_DATA_PATTERN = "xx"
TOP_HATCH = "/"  # six thin lines per inch: a texture, not a fill
TOP_HATCH_COLOUR = "#c7485f"
HATCH_LINEWIDTH = 0.7
BORDER_DISTRICT = "#6b6b6b"
BORDER_REGION = "#262626"
NEIGHBOUR_FILL = "#ececec"
NEIGHBOUR_EDGE = "#a3a3a3"
NEIGHBOUR_TEXT = "#6f6f6f"
PAD = 0.05  # share of the districts' extent shown around them, for the neighbours
# Towns within this many degrees of a district are drawn (the outlines are approximate).
TOWN_REACH_DEG = 0.15


@dataclass(frozen=True)
class Style:
    """Colour and hatch of each band, lowest first."""

    colours: tuple[str, ...]
    hatches: tuple[str, ...]

    @classmethod
    def for_bands(cls, bands: Bands) -> Style:
        n = len(bands.names)
        # With two bands the colours alone are far apart; a texture would only add noise.
        hatches = tuple(TOP_HATCH if n > 2 and i == n - 1 else "" for i in range(n))
        return cls(bands.colours, hatches)


def geometry_path(geometry: shapely.Geometry) -> MplPath:
    """A (multi)polygon as one matplotlib path, holes included."""
    polygons = [g for g in getattr(geometry, "geoms", [geometry]) if g.geom_type == "Polygon"]
    rings = [ring for poly in polygons for ring in (poly.exterior, *poly.interiors)]
    return MplPath.make_compound_path(
        *(MplPath(np.asarray(ring.coords)[:, :2], closed=True) for ring in rings)
    )


def boundary_segments(geometries: Sequence[shapely.Geometry]) -> list[np.ndarray]:
    """Line coordinates of every ring boundary, for one LineCollection."""
    lines = shapely.get_parts(shapely.boundary(np.asarray(geometries, dtype=object)))
    lines = shapely.get_parts(lines)
    return [np.asarray(line.coords)[:, :2] for line in lines if not line.is_empty]


def region_outlines(geometry: np.ndarray, admin1: np.ndarray) -> list[np.ndarray]:
    """Borders between regions (admin-1), from the union of each region's districts."""
    regions = []
    for name in np.unique(admin1.astype(str)):
        regions.append(shapely.union_all(geometry[admin1.astype(str) == name], grid_size=1e-6))
    return boundary_segments(regions)


def _legend_label(t: Catalogue, bands: Bands, i: int) -> str:
    lower = bands.lowers[i]
    name = t.band(bands.names[i])
    if i + 1 < len(bands.lowers):
        return f"{name} ({t.number(100 * lower)}\u2013{t.percent(bands.lowers[i + 1])})"
    return f"{name} (≥ {t.percent(lower)})"


def _band_fills(ax: Axes, paths: np.ndarray, band_index: np.ndarray, style: Style) -> None:
    """One collection per band (gid ``band-<i>``) and one for districts without forecast."""
    for i in range(-1, len(style.colours)):
        chosen = paths[band_index == i]
        if not len(chosen):
            continue
        hatch = NO_DATA_PATTERN if i < 0 else (style.hatches[i] or None)
        fills = PathCollection(
            list(chosen),
            facecolor=NO_DATA if i < 0 else style.colours[i],
            edgecolor="none",
            hatch=hatch,
            linewidth=0.0,
            zorder=1,
            gid="band-none" if i < 0 else f"band-{i}",
        )
        if hatch:
            fills.set_hatchcolor(NO_DATA_HATCH if i < 0 else TOP_HATCH_COLOUR)
            fills.set_hatch_linewidth(HATCH_LINEWIDTH)
        ax.add_collection(fills)


def _draw_neighbours(
    ax: Axes,
    countries: list[str],
    extent: tuple[float, float, float, float],
    lang: str,
    outline: shapely.Geometry | None,
) -> list[Label]:
    """Grey outlines of the countries around; returns their name labels, which must stay
    off the districts drawn (``outline``): a 1:110m border need not match theirs."""
    around = neighbours(countries, extent)
    if not around:
        return []
    ax.add_collection(
        PathCollection(
            # Whole outlines, clipped by the axes: clipping them to the view would draw the
            # view's edge as a border.
            [geometry_path(country.geometry) for country, _ in around],
            facecolor=NEIGHBOUR_FILL,
            edgecolor=NEIGHBOUR_EDGE,
            linewidth=0.6,
            zorder=0,
            gid="neighbours",
        )
    )
    margin = outline.simplify(0.02).buffer(0.05) if outline is not None else None
    free = [(c, clipped if margin is None else clipped.difference(margin)) for c, clipped in around]
    return [
        Label(
            country.name(lang).upper(),
            _label_spots(room),
            {"fontsize": 7.5, "color": NEIGHBOUR_TEXT},
            offsets=CENTRED,
            gid="neighbour-name",
            halo=False,
            within=room,
        )
        for country, room in free
        if not room.is_empty
    ]


def _label_spots(shape: shapely.Geometry) -> list[tuple[float, float]]:
    """Points deep inside the largest pieces of a clipped outline, best first."""
    pieces = sorted(shapely.get_parts(shape), key=lambda piece: -piece.area)[:2]
    spots = []
    for piece in pieces:
        for point in (
            shapely.ops.polylabel(piece, tolerance=0.05),
            piece.representative_point(),
        ):
            spots.append((point.x, point.y))
    return spots


def _town_dots(ax: Axes, towns: Sequence[Town]) -> None:
    ax.scatter(
        [town.lon for town in towns],
        [town.lat for town in towns],
        s=[26 if town.capital else 14 if town.kind == "admin1" else 10 for town in towns],
        marker="o",
        facecolor="black",
        edgecolor="white",
        linewidth=0.8,
        zorder=5,
        gid="towns",
    )


def _shown_towns(
    towns: Sequence[Town], covered: shapely.Geometry | None, extent: tuple[float, ...]
) -> list[Town]:
    """The towns in or next to the districts drawn (in the extent when there are no shapes)."""
    lon0, lat0, lon1, lat1 = extent
    inside = [t for t in towns if lon0 <= t.lon <= lon1 and lat0 <= t.lat <= lat1]
    if covered is None or covered.is_empty:
        return inside
    points = shapely.points([(t.lon, t.lat) for t in inside]) if inside else []
    shapely.prepare(covered)
    near = shapely.dwithin(covered, points, TOWN_REACH_DEG)
    return [town for town, keep in zip(inside, near, strict=True) if keep]


def _legend(fig: Figure, t: Catalogue, bands: Bands, style: Style, towns: bool, title: str):
    handles: list = []
    for i in range(len(bands.names)):
        patch = Patch(
            facecolor=style.colours[i],
            edgecolor="#3a3a3a",
            linewidth=0.5,
            hatch=style.hatches[i] or None,
            label=_legend_label(t, bands, i),
        )
        if style.hatches[i]:
            patch.set_hatchcolor(TOP_HATCH_COLOUR)
            patch.set_hatch_linewidth(HATCH_LINEWIDTH)
        handles.append(patch)
    no_data = Patch(
        facecolor=NO_DATA, edgecolor="#3a3a3a", linewidth=0.5, hatch=NO_DATA_PATTERN,
        label=t("map.no_data"),
    )  # fmt: skip
    no_data.set_hatchcolor(NO_DATA_HATCH)
    handles.append(no_data)
    handles.append(
        Patch(facecolor="none", edgecolor="black", linewidth=2.4, label=t("map.new_area"))
    )
    if towns:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor="black",
                markeredgecolor="white",
                markersize=5,
                label=t("map.towns"),
            )
        )
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=3,
        fontsize=7.5,
        title=title,
        title_fontsize=8.5,
        frameon=False,
        prop={"family": FONT, "size": 7.5},
        handlelength=2.2,
        handleheight=1.3,
        columnspacing=1.4,
    )


def risk_map(
    districts: pl.DataFrame,
    risk: pl.DataFrame,
    bands: Bands,
    t: Catalogue,
    *,
    horizon_label: str,
    new_codes: Sequence[str] = (),
    towns: Sequence[Town] = (),
    width_in: float = 7.0,
) -> Figure:
    """The choropleth of ``risk`` (columns code, band_index) over ``districts``' polygons."""
    joined = districts.select(
        "code", "name", "admin1", "country", "geometry", "centroid_lat", "centroid_lon"
    ).join(risk.select("code", "band_index"), on="code", how="left")
    has_shape = joined.get_column("geometry").is_not_null().to_numpy()
    shaped = joined.filter(pl.Series(has_shape))
    geometry = shapely.from_wkb(shaped.get_column("geometry").to_numpy())
    band_index = shaped.get_column("band_index").fill_null(-1).to_numpy()
    countries = joined.get_column("country").drop_nulls().unique().sort().to_list()

    extent = _extent(joined, geometry)
    lon0, lat0, lon1, lat1 = extent
    aspect = 1.0 / math.cos(math.radians((lat0 + lat1) / 2))
    height_in = min(max(width_in * (lat1 - lat0) * aspect / (lon1 - lon0), 3.0), 9.0) + 0.95
    fig = Figure(figsize=(width_in, height_in), dpi=100)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    ax = fig.add_axes((0.01, 0.9 / height_in, 0.98, 1 - 0.95 / height_in))
    ax.set_axis_off()
    ax.set_aspect(aspect)
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)

    style = Style.for_bands(bands)
    outline = shapely.union_all(geometry, grid_size=1e-6) if len(geometry) else None
    neighbour_labels = _draw_neighbours(ax, countries, extent, t.code, outline)
    _band_fills(ax, np.array([geometry_path(g) for g in geometry], dtype=object), band_index, style)
    _borders(ax, geometry, shaped.get_column("admin1").fill_null("").to_numpy(), outline)
    new_mask = shaped.get_column("code").is_in(list(new_codes)).to_numpy()
    if new_mask.any():
        ax.add_collection(
            LineCollection(
                boundary_segments(geometry[new_mask]), colors="black", linewidths=2.4, zorder=4
            )
        )
    _points_without_shape(ax, joined.filter(pl.Series(~has_shape)), style)
    draw_scale_bar(ax, outline if outline is not None else shapely.GeometryCollection())

    shown = _shown_towns(towns, outline, extent)
    if shown:
        _town_dots(ax, shown)
    # Labels measure themselves in display units: fix the axes box first (a full draw here
    # would cost as much as the PNG).
    ax.apply_aspect()
    _labels(fig, ax, shaped, geometry, new_mask, shown, neighbour_labels)
    _legend(fig, t, bands, style, bool(shown), t("map.legend_title", horizon=horizon_label))
    return fig


def _borders(
    ax: Axes, geometry: np.ndarray, admin1: np.ndarray, outline: shapely.Geometry | None
) -> None:
    """District borders, thicker region borders, and the country's outline thickest."""
    if outline is None:
        return
    ax.add_collection(
        LineCollection(
            boundary_segments(geometry), colors=BORDER_DISTRICT, linewidths=0.35, zorder=2
        )
    )
    ax.add_collection(
        LineCollection(
            region_outlines(geometry, admin1), colors=BORDER_REGION, linewidths=0.9, zorder=3
        )
    )
    ax.add_collection(
        LineCollection(boundary_segments([outline]), colors="black", linewidths=1.5, zorder=3)
    )


def _labels(
    fig: Figure,
    ax: Axes,
    shaped: pl.DataFrame,
    geometry: np.ndarray,
    new_mask: np.ndarray,
    towns: Sequence[Town],
    neighbour_labels: list[Label],
) -> None:
    """New areas first, then towns by rank, then the country names in what space is left."""
    renderer = fig.canvas.get_renderer()
    scale_bar = [
        artist.get_window_extent(renderer)
        for artist in [*ax.patches, *ax.texts]
        if (artist.get_gid() or "").startswith("scale-bar")
    ]
    dots = dot_boxes(ax, [(town.lon, town.lat) for town in towns])
    spots = shapely.point_on_surface(geometry[new_mask])
    new_names = shaped.get_column("name").to_numpy()[new_mask]
    labels = [
        Label(
            str(name),
            [(spot.x, spot.y)],
            {"fontsize": 8, "fontweight": "bold", "fontstyle": "italic"},
            gid="new-area-label",
        )
        for name, spot in zip(new_names, spots, strict=True)
    ]
    labels += [
        Label(
            town.name,
            [(town.lon, town.lat)],
            {
                "fontsize": 8.5 if town.capital else 7.5,
                "fontweight": "bold" if town.capital else "normal",
            },
            extra={"dot": k},
        )
        for k, town in enumerate(towns)
    ]
    _, taken = place_labels(ax, labels, [*dots, *scale_bar])
    place_labels(ax, neighbour_labels, [*dots, *scale_bar, *taken])


def _extent(joined: pl.DataFrame, geometry: np.ndarray) -> tuple[float, float, float, float]:
    if len(geometry):
        lon0, lat0, lon1, lat1 = shapely.total_bounds(geometry)
    else:
        lat = joined.get_column("centroid_lat")
        lon = joined.get_column("centroid_lon")
        lon0, lat0, lon1, lat1 = lon.min(), lat.min(), lon.max(), lat.max()
    pad_x = PAD * (lon1 - lon0 or 1.0)
    pad_y = PAD * (lat1 - lat0 or 1.0)
    return lon0 - pad_x, lat0 - pad_y, lon1 + pad_x, lat1 + pad_y


def _points_without_shape(ax: Axes, rows: pl.DataFrame, style: Style) -> None:
    """Gazetteer-only districts (no polygon) as coloured circles at their centroids."""
    if rows.is_empty():
        return
    index = rows.get_column("band_index").fill_null(-1).to_numpy()
    colours = [NO_DATA if i < 0 else style.colours[i] for i in index]
    ax.scatter(
        rows.get_column("centroid_lon").to_numpy(),
        rows.get_column("centroid_lat").to_numpy(),
        s=90,
        c=colours,
        edgecolor="#3a3a3a",
        linewidth=0.6,
        zorder=2,
        gid="districts-without-shape",
    )


def png_bytes(fig: Figure, dpi: int = 200) -> bytes:
    """The figure as PNG."""
    buffer = io.BytesIO()
    fig.savefig(
        buffer, format="png", dpi=dpi, facecolor="white", bbox_inches="tight", pad_inches=0.08
    )
    return buffer.getvalue()
