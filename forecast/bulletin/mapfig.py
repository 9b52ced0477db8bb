"""The bulletin's choropleth: district risk by band, borders, main towns and a legend.

Drawn on an Agg canvas (no display, no pyplot state). Bands get sequential YlOrRd
colours whose lightness falls steadily, and the high bands a hatch, so the map still
reads on a black-and-white printout. Town labels are placed greedily: each tries eight
positions around its dot and keeps the first that overlaps nothing placed before.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import matplotlib.patheffects as path_effects
import numpy as np
import polars as pl
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox

from forecast.bands import Bands
from forecast.bulletin.i18n import Catalogue
from forecast.bulletin.towns import Town

# No forecast: white with a grey cross-hatch, unlike any band in colour or in grey.
NO_DATA = "#ffffff"
NO_DATA_HATCH = "#8a8a8a"
NO_DATA_PATTERN = "xxx"
BORDER_DISTRICT = "#6b6b6b"
BORDER_REGION = "#262626"
FONT = "DejaVu Sans"
# Label offsets (points) tried around a town's dot, in order of preference.
OFFSETS: tuple[tuple[float, float, str, str], ...] = (
    (5, 3, "left", "bottom"),
    (5, -3, "left", "top"),
    (-5, 3, "right", "bottom"),
    (-5, -3, "right", "top"),
    (0, 6, "center", "bottom"),
    (0, -6, "center", "top"),
    (7, 0, "left", "center"),
    (-7, 0, "right", "center"),
)


@dataclass(frozen=True)
class Style:
    """Colour and hatch of each band, lowest first."""

    colours: tuple[str, ...]
    hatches: tuple[str, ...]

    @classmethod
    def for_bands(cls, bands: Bands) -> Style:
        n = len(bands.names)
        # Hatch the high bands but the darkest, whose dots need no colour to stand out.
        hatches = tuple(
            "////" if bands.high_from <= i < n - 1 else ("...." if i == n - 1 and n > 2 else "")
            for i in range(n)
        )
        return cls(bands.colours, hatches)


def geometry_path(geometry: shapely.Geometry) -> MplPath:
    """A (multi)polygon as one matplotlib path, holes included."""
    polygons = getattr(geometry, "geoms", [geometry])
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


def _place_labels(fig: Figure, ax, labels: Sequence[tuple[str, float, float, dict]]) -> int:
    """Add labels greedily where they overlap nothing; returns how many were dropped."""
    renderer = fig.canvas.get_renderer()
    axes_box = ax.get_window_extent(renderer)
    dots = []
    for _, x, y, _ in labels:
        px, py = ax.transData.transform((x, y))
        dots.append(Bbox.from_extents(px - 3, py - 3, px + 3, py + 3))
    placed: list[Bbox] = []
    dropped = 0
    for k, (text, x, y, style) in enumerate(labels):
        obstacles = [*placed, *(dot for j, dot in enumerate(dots) if j != k)]
        for dx, dy, ha, va in OFFSETS:
            artist = ax.annotate(
                text,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontfamily=FONT,
                zorder=6,
                **style,
            )
            artist.set_path_effects([path_effects.withStroke(linewidth=2.6, foreground="white")])
            box = artist.get_window_extent(renderer).expanded(1.04, 1.1)
            inside = axes_box.contains(box.x0, box.y0) and axes_box.contains(box.x1, box.y1)
            if inside and not any(box.overlaps(other) for other in obstacles):
                placed.append(box)
                break
            artist.remove()
        else:
            dropped += 1
    return dropped


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
        "code", "name", "admin1", "geometry", "centroid_lat", "centroid_lon"
    ).join(risk.select("code", "band_index"), on="code", how="left")
    has_shape = joined.get_column("geometry").is_not_null().to_numpy()
    shaped = joined.filter(pl.Series(has_shape))
    geometry = shapely.from_wkb(shaped.get_column("geometry").to_numpy())
    band_index = shaped.get_column("band_index").fill_null(-1).to_numpy()

    lon0, lat0, lon1, lat1 = _extent(joined, geometry)
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
    matplotlib.rcParams["hatch.linewidth"] = 0.6
    paths = np.array([geometry_path(g) for g in geometry], dtype=object)
    for i in range(-1, len(bands.names)):
        chosen = paths[band_index == i]
        if not len(chosen):
            continue
        dark = i >= 0 and i == len(bands.names) - 1
        ax.add_collection(
            PathCollection(
                list(chosen),
                facecolor=NO_DATA if i < 0 else style.colours[i],
                edgecolor=NO_DATA_HATCH if i < 0 else ("#ffffff" if dark else "#3a3a3a"),
                hatch=NO_DATA_PATTERN if i < 0 else (style.hatches[i] or None),
                linewidth=0.0,
                zorder=1,
            )
        )
    ax.add_collection(
        LineCollection(
            boundary_segments(geometry), colors=BORDER_DISTRICT, linewidths=0.35, zorder=2
        )
    )
    admin1 = shaped.get_column("admin1").fill_null("").to_numpy()
    ax.add_collection(
        LineCollection(
            region_outlines(geometry, admin1), colors=BORDER_REGION, linewidths=0.9, zorder=3
        )
    )
    outline = shapely.union_all(geometry, grid_size=1e-6)
    ax.add_collection(
        LineCollection(boundary_segments([outline]), colors="black", linewidths=1.5, zorder=3)
    )

    new_mask = shaped.get_column("code").is_in(list(new_codes)).to_numpy()
    if new_mask.any():
        ax.add_collection(
            LineCollection(
                boundary_segments(geometry[new_mask]), colors="black", linewidths=2.4, zorder=4
            )
        )
    _points_without_shape(ax, joined.filter(pl.Series(~has_shape)), style)

    visible = [town for town in towns if lon0 <= town.lon <= lon1 and lat0 <= town.lat <= lat1]
    ax.scatter(
        [town.lon for town in visible],
        [town.lat for town in visible],
        s=[26 if town.capital else 12 for town in visible],
        marker="o",
        facecolor="black",
        edgecolor="white",
        linewidth=0.8,
        zorder=5,
    )
    # Newly high districts are named on the map too, before towns claim the space.
    spots = shapely.point_on_surface(geometry[new_mask])
    labels = [
        (name, spot.x, spot.y, {"fontsize": 8, "fontweight": "bold", "fontstyle": "italic"})
        for name, spot in zip(shaped.get_column("name").to_numpy()[new_mask], spots, strict=True)
    ]
    labels += [
        (
            town.name,
            town.lon,
            town.lat,
            {
                "fontsize": 8.5 if town.capital else 7.5,
                "fontweight": "bold" if town.capital else "normal",
            },
        )
        for town in visible
    ]
    fig.canvas.draw()
    _place_labels(fig, ax, labels)

    handles = [
        Patch(
            facecolor=style.colours[i],
            edgecolor="#3a3a3a" if i < len(bands.names) - 1 else "white",
            hatch=style.hatches[i] or None,
            label=_legend_label(t, bands, i),
        )
        for i in range(len(bands.names))
    ]
    handles.append(
        Patch(
            facecolor=NO_DATA,
            edgecolor=NO_DATA_HATCH,
            hatch=NO_DATA_PATTERN,
            label=t("map.no_data"),
        )
    )
    handles.append(
        Patch(facecolor="none", edgecolor="black", linewidth=2.4, label=t("map.new_area"))
    )
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
        title=t("map.legend_title", horizon=horizon_label),
        title_fontsize=8.5,
        frameon=False,
        prop={"family": FONT, "size": 7.5},
        handlelength=2.2,
        handleheight=1.3,
        columnspacing=1.4,
    )
    return fig


def _extent(joined: pl.DataFrame, geometry: np.ndarray) -> tuple[float, float, float, float]:
    if len(geometry):
        lon0, lat0, lon1, lat1 = shapely.total_bounds(geometry)
    else:
        lat = joined.get_column("centroid_lat")
        lon = joined.get_column("centroid_lon")
        lon0, lat0, lon1, lat1 = lon.min(), lat.min(), lon.max(), lat.max()
    pad_x = 0.03 * (lon1 - lon0 or 1.0)
    pad_y = 0.03 * (lat1 - lat0 or 1.0)
    return lon0 - pad_x, lat0 - pad_y, lon1 + pad_x, lat1 + pad_y


def _points_without_shape(ax, rows: pl.DataFrame, style: Style) -> None:
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
    )


def png_bytes(fig: Figure, dpi: int = 200) -> bytes:
    """The figure as PNG."""
    buffer = io.BytesIO()
    fig.savefig(
        buffer, format="png", dpi=dpi, facecolor="white", bbox_inches="tight", pad_inches=0.08
    )
    return buffer.getvalue()
