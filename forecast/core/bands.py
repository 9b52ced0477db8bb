"""Risk bands: the one definition the forecasts table, the API and the bulletin share.

A band is a name and the lowest probability it holds; a probability p is in the highest
band whose lower bound it reaches (``lower <= p``). The defaults,

    low [0, 0.1)  elevated [0.1, 0.3)  high [0.3, 0.6)  very_high [0.6, 1]

follow the weekly base rates of the Sahel's districts: most districts see political
violence in fewer than one window in ten, so 0.1 marks "above the usual quiet"; 0.3 is
roughly the rate of districts with a recent history of attacks, which security teams
already treat as dangerous; 0.6 means an event is more likely than not, the level at
which movements are usually suspended. They are configurable through
``forecast.core.settings.Settings.bands`` (``FORECAST_BANDS='[["low", 0], ["high", 0.4]]'``).
Names are snake_case: they are the message catalogues' keys and the API's filter values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from forecast.core.settings import Settings

DEFAULT_BANDS: tuple[tuple[str, float], ...] = (
    ("low", 0.0),
    ("elevated", 0.1),
    ("high", 0.3),
    ("very_high", 0.6),
)
# The band from which a district is called out as high; the second-highest band otherwise.
HIGH_BAND = "high"
# ColorBrewer YlOrRd, 9 classes: lightness falls steadily, so bands stay apart in grey.
YLORRD: tuple[str, ...] = (
    "#ffffcc",
    "#ffeda0",
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#fc4e2a",
    "#e31a1c",
    "#bd0026",
    "#800026",
)


def normalise(name: str) -> str:
    """Band name as a key: lower case, underscores ("Very high" -> "very_high")."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def check_pairs(pairs: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """(name, lower) pairs sorted by lower bound with normalised names; the lowest must be 0."""
    ordered = sorted(((normalise(str(n)), float(lower)) for n, lower in pairs), key=lambda p: p[1])
    if not ordered or ordered[0][1] != 0.0:
        raise ValueError("the lowest band must start at probability 0")
    names = [name for name, _ in ordered]
    if len(set(names)) != len(names):
        raise ValueError(f"band names repeat: {', '.join(names)}")
    return ordered


@dataclass(frozen=True)
class Bands:
    """Band names with their lower probability bounds, lowest first."""

    names: tuple[str, ...]
    lowers: tuple[float, ...]
    high_from: int  # index of the first band that counts as high

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[str, float]]) -> Bands:
        ordered = check_pairs(pairs)
        names = tuple(name for name, _ in ordered)
        high_from = names.index(HIGH_BAND) if HIGH_BAND in names else max(len(names) - 2, 0)
        return cls(names, tuple(lower for _, lower in ordered), high_from)

    @property
    def pairs(self) -> tuple[tuple[str, float], ...]:
        return tuple(zip(self.names, self.lowers, strict=True))

    @property
    def high_threshold(self) -> float:
        return self.lowers[self.high_from]

    def classify(self, probability: np.ndarray) -> np.ndarray:
        """Band index of each probability (NaN gets -1)."""
        return classify(probability, self)

    def index_of(self, name: str | None) -> int:
        """Position of a band name (-1 when unknown), tolerant of case, spaces and dashes."""
        if name is None:
            return -1
        key = normalise(name)
        return self.names.index(key) if key in self.names else -1

    @property
    def colours(self) -> tuple[str, ...]:
        """One YlOrRd colour per band, spread over the palette from lightest to darkest."""
        n = len(self.names)
        picks = np.rint(np.linspace(0, len(YLORRD) - 1, n)).astype(int) if n > 1 else [4]
        return tuple(YLORRD[i] for i in picks)


DEFAULT = Bands.from_pairs(DEFAULT_BANDS)


def _as_bands(bands: Bands | Sequence[tuple[str, float]]) -> Bands:
    return bands if isinstance(bands, Bands) else Bands.from_pairs(bands)


def band_expr(
    probability: pl.Expr, bands: Bands | Sequence[tuple[str, float]] = DEFAULT
) -> pl.Expr:
    """Band name of each probability: the highest band whose lower bound it reaches."""
    bands = _as_bands(bands)
    expr = pl.lit(bands.names[0])
    for name, lower in zip(bands.names[1:], bands.lowers[1:], strict=True):
        expr = pl.when(probability >= lower).then(pl.lit(name)).otherwise(expr)
    return expr


def classify(
    probability: np.ndarray | Sequence[float], bands: Bands | Sequence[tuple[str, float]] = DEFAULT
) -> np.ndarray:
    """Band index of each probability, as :func:`band_expr` (NaN gets -1)."""
    bands = _as_bands(bands)
    p = np.asarray(probability, dtype=np.float64)
    index = np.searchsorted(np.asarray(bands.lowers), p, side="right") - 1
    return np.where(np.isnan(p), -1, np.clip(index, 0, len(bands.names) - 1))


def load_bands(settings: Settings | None = None) -> Bands:
    """The configured bands (``settings.bands``; the process settings by default)."""
    if settings is None:
        from forecast.core.settings import get_settings

        settings = get_settings()
    return Bands.from_pairs(settings.bands)
