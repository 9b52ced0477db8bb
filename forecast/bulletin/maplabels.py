"""Greedy placement of the bulletin map's text: town names, new areas, country names.

Each label tries its candidate positions in order and keeps the first whose box stays in
the axes, overlaps nothing placed before nor any obstacle (town dots, the scale bar, the
country names) and, when the label has a ``within`` shape, lies inside it. A label that
finds no place is dropped rather than drawn over another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.patheffects as path_effects
import shapely
from matplotlib.axes import Axes
from matplotlib.text import Text
from matplotlib.transforms import Bbox

FONT = "DejaVu Sans"
# Label offsets (points) tried around a town's dot, in order of preference.
AROUND: tuple[tuple[float, float, str, str], ...] = (
    (5, 3, "left", "bottom"),
    (5, -3, "left", "top"),
    (-5, 3, "right", "bottom"),
    (-5, -3, "right", "top"),
    (0, 6, "center", "bottom"),
    (0, -6, "center", "top"),
    (7, 0, "left", "center"),
    (-7, 0, "right", "center"),
)
CENTRED: tuple[tuple[float, float, str, str], ...] = ((0, 0, "center", "center"),)


@dataclass(frozen=True)
class Label:
    text: str
    spots: Sequence[tuple[float, float]]  # anchor points in data coordinates, tried in order
    style: dict[str, Any]
    offsets: tuple[tuple[float, float, str, str], ...] = AROUND
    gid: str = "town-label"
    halo: bool = True
    within: shapely.Geometry | None = None  # the label's box must lie inside this shape
    extra: dict[str, Any] = field(default_factory=dict)


def dot_boxes(ax: Axes, points: Sequence[tuple[float, float]], radius: float = 3) -> list[Bbox]:
    """Display boxes of the town dots, obstacles for every label."""
    boxes = []
    for x, y in points:
        px, py = ax.transData.transform((x, y))
        boxes.append(Bbox.from_extents(px - radius, py - radius, px + radius, py + radius))
    return boxes


def _fits(ax: Axes, box: Bbox, shape: shapely.Geometry | None) -> bool:
    if shape is None:
        return True
    (x0, y0), (x1, y1) = ax.transData.inverted().transform([(box.x0, box.y0), (box.x1, box.y1)])
    return bool(shape.contains(shapely.box(x0, y0, x1, y1)))


def place_labels(
    ax: Axes, labels: Sequence[Label], obstacles: Sequence[Bbox] = ()
) -> tuple[list[Text], list[Bbox]]:
    """Add the labels that find a free place; returns them and the boxes they took.

    ``obstacles`` are display boxes (dots, other labels) nothing may overlap; a label's own
    dot is not in the way of its label, so pass dots via ``Label.extra['dot']`` indexes.
    """
    renderer = ax.figure.canvas.get_renderer()
    axes_box = ax.get_window_extent(renderer)
    placed: list[Bbox] = []
    artists: list[Text] = []
    for label in labels:
        own = label.extra.get("dot")
        blocking = [*placed, *(box for i, box in enumerate(obstacles) if i != own)]
        artist = _place_one(ax, renderer, axes_box, label, blocking)
        if artist is not None:
            artists.append(artist)
            placed.append(artist.get_window_extent(renderer).expanded(1.04, 1.1))
    return artists, placed


def _place_one(
    ax: Axes, renderer: Any, axes_box: Bbox, label: Label, blocking: list[Bbox]
) -> Text | None:
    for x, y in label.spots:
        for dx, dy, ha, va in label.offsets:
            common = {"ha": ha, "va": va, "fontfamily": FONT, "zorder": 6, "gid": label.gid}
            # A name centred on its spot (a country's) is plain text; a town's is an
            # annotation offset from its dot.
            artist = (
                ax.text(x, y, label.text, **common, **label.style)
                if dx == dy == 0
                else ax.annotate(
                    label.text,
                    (x, y),
                    xytext=(dx, dy),
                    textcoords="offset points",
                    **common,
                    **label.style,
                )
            )
            if label.halo:
                artist.set_path_effects(
                    [path_effects.withStroke(linewidth=2.6, foreground="white")]
                )
            box = artist.get_window_extent(renderer).expanded(1.04, 1.1)
            inside = axes_box.contains(box.x0, box.y0) and axes_box.contains(box.x1, box.y1)
            if (
                inside
                and not any(box.overlaps(other) for other in blocking)
                and _fits(ax, box, label.within)
            ):
                return artist
            artist.remove()
    return None
