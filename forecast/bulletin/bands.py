"""Risk bands as the bulletin sees them: names, lower bounds, colours, which count as "high".

The bands of whoever writes the forecasts win, so the bulletin, the map page and the
forecasts table agree: ``forecast.bands`` when it exists, else ``forecast.scoring.BANDS``,
else the defaults here (those of ``api.settings.DEFAULT_BANDS``). Both ``(name, lower)``
and scoring's ``(upper, name)`` pairs are understood. Names are normalised to lower case
with underscores ("very high" -> "very_high"), the message catalogues' keys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_BANDS: tuple[tuple[str, float], ...] = (
    ("low", 0.0),
    ("elevated", 0.1),
    ("high", 0.25),
    ("very_high", 0.5),
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
    return name.strip().lower().replace(" ", "_").replace("-", "_")


@dataclass(frozen=True)
class Bands:
    """Band names with their lower probability bounds, lowest first."""

    names: tuple[str, ...]
    lowers: tuple[float, ...]
    high_from: int  # index of the first band that counts as high

    @property
    def high_threshold(self) -> float:
        return self.lowers[self.high_from]

    def classify(self, probability: np.ndarray) -> np.ndarray:
        """Band index of each probability (NaN gets -1)."""
        p = np.asarray(probability, dtype=np.float64)
        index = np.searchsorted(np.asarray(self.lowers), p, side="right") - 1
        return np.where(np.isnan(p), -1, np.clip(index, 0, len(self.names) - 1))

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


def _parse(value: object) -> list[tuple[str, float]] | None:
    """(name, lower) pairs from {name: lower}, [(name, lower)] or [(upper, name)]."""
    try:
        items = list(value.items() if isinstance(value, dict) else value)  # type: ignore[union-attr]
        if items and isinstance(items[0][0], int | float) and isinstance(items[0][1], str):
            ordered = sorted(items, key=lambda pair: float(pair[0]))
            lowers = [0.0, *(float(upper) for upper, _ in ordered[:-1])]
            return [(str(name), lower) for (_, name), lower in zip(ordered, lowers, strict=True)]
        pairs = [(str(name), float(lower)) for name, lower in items]
    except (TypeError, ValueError, IndexError):
        return None
    return sorted(pairs, key=lambda pair: pair[1]) or None


def _owner_pairs() -> list[tuple[str, float]] | None:
    """Bands from forecast.bands, else forecast.scoring (imported lazily: optional)."""
    import importlib

    for module_name in ("forecast.bands", "forecast.scoring"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for attr in ("BANDS", "THRESHOLDS", "DEFAULT_BANDS"):
            pairs = _parse(getattr(module, attr, None))
            if pairs:
                return pairs
    return None


def load_bands() -> Bands:
    """The bands of the forecasts' owner (see the module docstring), else the defaults."""
    pairs = _owner_pairs() or list(DEFAULT_BANDS)
    names = tuple(normalise(name) for name, _ in pairs)
    high_from = names.index(HIGH_BAND) if HIGH_BAND in names else max(len(names) - 2, 0)
    return Bands(names, tuple(lower for _, lower in pairs), high_from)
