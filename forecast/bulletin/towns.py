"""Main towns drawn on the bulletin map, per country, most important first.

Positions are from general knowledge, good to a few kilometres: enough to orient a
reader on a national map. The order is the labelling priority: when labels would
overlap, the later town loses its label (its dot stays).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Town:
    name: str
    lat: float
    lon: float
    capital: bool = False


TOWNS: Final[dict[str, tuple[Town, ...]]] = {
    "MLI": (
        Town("Bamako", 12.639, -8.003, capital=True),
        Town("Mopti", 14.493, -4.188),
        Town("Gao", 16.272, -0.045),
        Town("Tombouctou", 16.773, -3.007),
        Town("Kidal", 18.441, 1.407),
        Town("Ménaka", 15.918, 2.402),
        Town("Kayes", 14.447, -11.445),
        Town("Ségou", 13.431, -6.266),
        Town("Sikasso", 11.317, -5.667),
        Town("Koulikoro", 12.863, -7.560),
        Town("Taoudénit", 22.678, -3.979),
        Town("Nioro du Sahel", 15.230, -9.590),
        Town("Douentza", 15.002, -2.948),
        Town("Tessalit", 20.199, 1.011),
        Town("Kita", 13.035, -9.489),
        Town("San", 13.303, -4.896),
        Town("Koutiala", 12.392, -5.464),
        Town("Bougouni", 11.418, -7.483),
    ),
    "BFA": (
        Town("Ouagadougou", 12.371, -1.520, capital=True),
        Town("Bobo-Dioulasso", 11.178, -4.297),
        Town("Djibo", 14.102, -1.631),
        Town("Dori", 14.035, -0.035),
        Town("Ouahigouya", 13.578, -2.422),
        Town("Fada N'Gourma", 12.062, 0.358),
    ),
    "NER": (
        Town("Niamey", 13.512, 2.125, capital=True),
        Town("Tillabéri", 14.212, 1.453),
        Town("Agadez", 16.974, 7.991),
        Town("Tahoua", 14.889, 5.265),
        Town("Maradi", 13.500, 7.102),
        Town("Zinder", 13.805, 8.988),
        Town("Diffa", 13.315, 12.611),
    ),
}


def towns_for(countries: list[str]) -> list[Town]:
    """The towns of the given ISO3 countries, capitals first, then in listed order."""
    picked = [town for code in countries for town in TOWNS.get(code, ())]
    return sorted(picked, key=lambda town: not town.capital)
