"""A kilometre scale bar for the bulletin map, true along the parallel it is drawn on.

The map is plate carrée with its aspect set for the middle latitude, so a degree of
longitude covers fewer kilometres the further north it lies (at 25°N about 7% fewer than
at 10°N). The bar's length in degrees is computed for its own latitude on the WGS84
ellipsoid, and it sits in the map corner that covers the least of the districts.
"""

from __future__ import annotations

import math

import shapely
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch, Rectangle

from forecast.bulletin.maplabels import FONT

WGS84_A_KM = 6378.137
WGS84_E2 = 0.00669437999014
GID = "scale-bar"
LABEL_GID = "scale-bar-label"
# The bar aims at about a fifth of the map's width, rounded down to 1, 2 or 5 x 10^n km.
SHARE_OF_WIDTH = 0.2
MARGIN = 0.03  # share of the axes between the bar and the map's edge
SEGMENTS = 4


def km_per_degree_lon(lat: float) -> float:
    """Length of one degree of longitude along the parallel ``lat`` (WGS84), in km."""
    phi = math.radians(lat)
    radius = WGS84_A_KM * math.cos(phi) / math.sqrt(1 - WGS84_E2 * math.sin(phi) ** 2)
    return math.pi / 180 * radius


def nice_length(km: float) -> float:
    """The largest 1, 2 or 5 x 10^n not above ``km`` (km > 0)."""
    power = 10 ** math.floor(math.log10(km))
    return max(step * power for step in (1, 2, 5) if step * power <= km)


def _corners(ax: Axes, width: float, height: float) -> list[tuple[float, float]]:
    """Lower-left corners of the bar's box in each map corner, in preference order."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    mx, my = MARGIN * (x1 - x0), MARGIN * (y1 - y0)
    left, right = x0 + mx, x1 - mx - width
    bottom, top = y0 + my, y1 - my - height
    return [(left, bottom), (right, bottom), (left, top), (right, top)]


def _data_per_point(ax: Axes) -> tuple[float, float]:
    """Data units per typographic point along x and y at the figure's size."""
    inverse = ax.transData.inverted()
    dpi = ax.figure.dpi
    (ax0, ay0), (ax1, ay1) = inverse.transform([(0, 0), (dpi / 72, dpi / 72)])
    return abs(ax1 - ax0), abs(ay1 - ay0)


def draw_scale_bar(ax: Axes, covered: shapely.Geometry) -> float:
    """Draw the bar in the corner where it hides least of ``covered`` (the districts);
    returns its length in km."""
    x0, x1 = ax.get_xlim()
    px, py = _data_per_point(ax)
    # The end label ("200 km") is centred on the bar's end, so the right pad is wider.
    pad_l, pad_r, pad_y = 7 * px, 20 * px, 5 * py
    bar_h, text_h = 4 * py, 11 * py
    box_h = bar_h + text_h + 2 * pad_y
    # The bar's latitude depends on the corner; a first guess at the middle picks the length.
    y_mid = sum(ax.get_ylim()) / 2
    km = nice_length(SHARE_OF_WIDTH * (x1 - x0) * km_per_degree_lon(y_mid))
    best: tuple[float, float, float, float] | None = None
    for cx, cy in _corners(ax, 0, box_h):
        lat = cy + pad_y + bar_h / 2
        length = km / km_per_degree_lon(lat)
        width = pad_l + length + pad_r
        cx = min(cx, x1 - MARGIN * (x1 - x0) - width)
        overlap = shapely.box(cx, cy, cx + width, cy + box_h).intersection(covered).area
        if best is None or overlap < best[0] - 1e-9:
            best = (overlap, cx, cy, length)
    assert best is not None
    _, cx, cy, length = best
    ax.add_patch(
        FancyBboxPatch(
            (cx, cy),
            pad_l + length + pad_r,
            box_h,
            boxstyle="round,pad=0",
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
            zorder=7,
            gid=f"{GID}-background",
        )
    )
    bar_x, bar_y = cx + pad_l, cy + pad_y
    step = length / SEGMENTS
    for i in range(SEGMENTS):
        ax.add_patch(
            Rectangle(
                (bar_x + i * step, bar_y),
                step,
                bar_h,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="none",
                zorder=8,
                gid=f"{GID}-segment",
            )
        )
    # The outline is the bar: its width is the scale's length in degrees at its latitude.
    ax.add_patch(
        Rectangle(
            (bar_x, bar_y),
            length,
            bar_h,
            facecolor="none",
            edgecolor="black",
            linewidth=0.6,
            zorder=9,
            gid=GID,
        )
    )
    for at, text in ((0.0, "0"), (length / 2, _km(km / 2)), (length, f"{_km(km)} km")):
        ax.text(
            bar_x + at,
            bar_y + bar_h + 1.5 * py,
            text,
            ha="center",
            va="bottom",
            fontsize=7,
            fontfamily=FONT,
            zorder=9,
            gid=LABEL_GID,
        )
    return km


def _km(value: float) -> str:
    return f"{value:g}"
