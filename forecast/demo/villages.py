"""Invented villages, so that incidents have the spread of places real reports have.

Names are put together from syllables common in Malian place names (Bambara/Soninke in the
south and west, Fulfulde in the centre, Tamasheq in the north); any likeness to a real
village is chance. Each village lies inside its cercle's polygon; names are unique within a
cercle and never those of a listed real place, but may repeat across cercles (as real ones do).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.demo.geography import Geography, sample_points

_SOUTH = (
    ("Ba", "Bou", "Da", "Dia", "Fa", "Kalan", "Kon", "Kou", "Ma", "Nia", "Sa", "Si", "So", "Tié"),
    ("koro", "dougou", "bougou", "bala", "ni", "kassa", "fara", "dji", "sso", "bé", "la"),
)
_CENTRE = (
    ("Ouro ", "Wouro ", "Sé", "Dou", "Tan", "Kan", "Dia", "Bou", "Ti", "Yo", "Nian"),
    ("ga", "gou", "modi", "ré", "kéré", "dé", "sogou", "kana", "fourou", "bandou"),
)
_NORTH = (
    ("In-", "Tin-", "Ti", "Ta", "Es-", "Ar", "Am", "Agh", "Teg", "Ik"),
    ("akar", "hama", "tebi", "ghar", "assa", "zawan", "ouzzel", "tahane", "deyni", "rhar"),
)
_STYLE = {
    "ML01": _SOUTH,
    "ML02": _SOUTH,
    "ML03": _SOUTH,
    "ML09": _SOUTH,
    "ML04": _CENTRE,
    "ML05": _CENTRE,
    "ML06": _NORTH,
    "ML07": _NORTH,
    "ML08": _NORTH,
    "ML10": _NORTH,
}
_PER_DEGREE2 = 3.0  # villages per square degree, on top of the minimum
_MIN, _MAX = 6, 20


@dataclass(frozen=True)
class Villages:
    names: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    district: np.ndarray


def make_villages(geography: Geography, rng: np.random.Generator) -> Villages:
    """A handful of villages per cercle, more in large ones."""
    area = np.array([p.area for p in geography.polygons])
    counts = np.clip(_MIN + np.round(area * _PER_DEGREE2), _MIN, _MAX).astype(int)
    district = np.repeat(np.arange(geography.size), counts)
    lat, lon = sample_points(rng, geography.polygons, district)
    real = {str(n).lower() for n in geography.place_names}
    names = []
    for style, n in zip(_region_styles(geography), counts, strict=True):
        names += _draw_names(rng, style, n, set(real))
    return Villages(np.array(names), lat.round(4), lon.round(4), district)


def _region_styles(geography: Geography) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [_STYLE[code] for code in geography.region_codes]


def _draw_names(
    rng: np.random.Generator,
    style: tuple[tuple[str, ...], tuple[str, ...]],
    n: int,
    taken: set[str],
) -> list[str]:
    heads, tails = style
    combos = [h + (t.capitalize() if h.endswith((" ", "-")) else t) for h in heads for t in tails]
    names = []
    for i in rng.permutation(len(combos)):
        name = combos[i][0].upper() + combos[i][1:]
        if name.lower() not in taken:
            taken.add(name.lower())
            names.append(name)
            if len(names) == n:
                return names
    raise ValueError("not enough distinct village names for this style")
