"""The escalating section's chart: each district's expected count with its ranges and normal.

One row per district (the section's order, top first) and one panel per count target
(events, and deaths when any row has them): the 95% interval as a light bar, the 80%
interval as a darker, thicker bar inside it, the expected count as a black dot and the
district's normal as a blue tick. Light and dark bars, a black dot and a dark tick stay
apart on a black-and-white printout too. Drawn on an Agg canvas like the map
(forecast.bulletin.mapfig): no display, no pyplot state.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from forecast.bulletin.i18n import Catalogue
from forecast.bulletin.mapfig import FONT

RANGE_95 = "#fdd0a2"
RANGE_80 = "#e6550d"
EXPECTED = "#000000"
NORMAL = "#08306b"
# (prefix of the count's columns in the escalating rows, catalogue key of the panel title)
PANELS: tuple[tuple[str, str], ...] = (
    ("", "intensity.chart_events"),
    ("fatalities_", "intensity.chart_deaths"),
)


def _column(rows: pl.DataFrame, name: str) -> np.ndarray:
    """A column as floats with NaN for null (matplotlib skips NaN bars and points)."""
    return rows.get_column(name).cast(pl.Float64).fill_null(np.nan).to_numpy()


def _panel(ax, rows: pl.DataFrame, prefix: str, title: str) -> None:
    y = np.arange(rows.height)[::-1].astype(float)  # the first district on top
    lower95, upper95 = _column(rows, f"{prefix}lower95"), _column(rows, f"{prefix}upper95")
    lower80, upper80 = _column(rows, f"{prefix}lower80"), _column(rows, f"{prefix}upper80")
    expected, normal = _column(rows, f"{prefix}expected"), _column(rows, f"{prefix}normal")
    ax.barh(y, upper95 - lower95, left=lower95, height=0.34, color=RANGE_95, zorder=2)
    ax.barh(y, upper80 - lower80, left=lower80, height=0.62, color=RANGE_80, zorder=3)
    ax.scatter(expected, y, s=30, color=EXPECTED, edgecolor="white", linewidth=0.8, zorder=5)
    ax.scatter(normal, y, s=160, marker="|", color=NORMAL, linewidth=2.2, zorder=4)
    top = np.nanmax(np.concatenate([upper95, upper80, expected, normal, [1.0]]))
    ax.set_xlim(0, math.ceil(top * 1.08 + 0.5))
    ax.set_ylim(-0.6, rows.height - 0.4)
    ax.set_title(title, fontsize=8.5, fontfamily=FONT, loc="left")
    ax.tick_params(axis="x", labelsize=7.5)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def intensity_chart(
    rows: pl.DataFrame, t: Catalogue, *, horizon_label: str, width_in: float = 7.0
) -> Figure:
    """The chart of the escalating rows (forecast.bulletin.data.ESCALATING_COLUMNS)."""
    panels = [
        (prefix, key)
        for prefix, key in PANELS
        if rows.get_column(f"{prefix}expected").drop_nulls().len()
    ]
    height_in = 0.95 + 0.32 * rows.height
    fig = Figure(figsize=(width_in, height_in), dpi=100)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    for ax, (prefix, key) in zip(axes, panels, strict=True):
        _panel(ax, rows, prefix, t(key, horizon=horizon_label))
    names = rows.get_column("name").to_list()
    strong = rows.get_column("escalating").fill_null(False).to_list()
    axes[0].set_yticks(np.arange(rows.height)[::-1], names, fontsize=8, fontfamily=FONT)
    for label, bold in zip(axes[0].get_yticklabels(), strong, strict=True):
        label.set_fontweight("bold" if bold else "normal")
    handles = [
        Patch(facecolor=RANGE_95, label=t("intensity.legend_95")),
        Patch(facecolor=RANGE_80, label=t("intensity.legend_80")),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor=EXPECTED,
            markeredgecolor="white",
            markersize=6,
            label=t("intensity.legend_expected"),
        ),
        Line2D(
            [],
            [],
            marker="|",
            linestyle="",
            color=NORMAL,
            markersize=11,
            markeredgewidth=2.2,
            label=t("intensity.legend_normal"),
        ),
    ]
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=4,
        frameon=False,
        prop={"family": FONT, "size": 7.5},
    )
    fig.subplots_adjust(left=0.2, right=0.98, top=1 - 0.3 / height_in, bottom=0.62 / height_in)
    return fig
