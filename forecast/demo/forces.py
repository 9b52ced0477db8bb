"""Who was where: the demo world's national bases and foreign partner presences.

Written from public knowledge of the conflict and APPROXIMATE: dates are right to within weeks
or months, positions to within tens of kilometres, strengths are orders of magnitude. The
same records drive the simulated violence (forecast.demo.process) and are written to
deployments.csv / partners.csv, so a model reading the files sees exactly what the world used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from forecast.core.vocab import (
    PARTNER_AFRICA_CORPS,
    PARTNER_FRANCE,
    PARTNER_OTHER,
    PARTNER_UN,
    PARTNER_WAGNER,
)

FAMA: Final = "fama"  # the national army, the one "partner" of deployments.csv
FORCE_KINDS: Final = (
    PARTNER_FRANCE,
    PARTNER_UN,
    PARTNER_WAGNER,
    PARTNER_AFRICA_CORPS,
    PARTNER_OTHER,
    FAMA,
)

_MINUSMA = "MINUSMA"
_BARKHANE = "Barkhane"
_WAGNER = "Wagner Group"
_AFRICA_CORPS = "Africa Corps"
_RUSSIA_LEFT = date(2025, 6, 6)  # Wagner announced its departure; Africa Corps took over
_AFRICA_CORPS_IN = date(2025, 6, 7)


@dataclass(frozen=True)
class Presence:
    name: str
    partner: str  # a vocab.PARTNER_KINDS value, or FAMA for national deployments
    force: str
    kind: str
    lat: float
    lon: float
    start: date
    end: date | None  # last day present; None = still there
    strength: int | None
    source: str = "demo world (synthetic, approximate)"


def _fama(
    name: str,
    lat: float,
    lon: float,
    strength: int,
    start: date = date(2013, 3, 1),
    end: date | None = None,
    kind: str = "garrison",
) -> Presence:
    return Presence(name, FAMA, "FAMa", kind, lat, lon, start, end, strength)


def _un(name: str, lat: float, lon: float, start: date, end: date, strength: int) -> Presence:
    return Presence(name, PARTNER_UN, _MINUSMA, "camp", lat, lon, start, end, strength)


def _france(name: str, lat: float, lon: float, start: date, end: date, strength: int) -> Presence:
    return Presence(name, PARTNER_FRANCE, _BARKHANE, "base", lat, lon, start, end, strength)


def _wagner(name: str, lat: float, lon: float, start: date, strength: int) -> Presence:
    return Presence(name, PARTNER_WAGNER, _WAGNER, "base", lat, lon, start, _RUSSIA_LEFT, strength)


def _africa_corps(name: str, lat: float, lon: float, strength: int) -> Presence:
    return Presence(
        name,
        PARTNER_AFRICA_CORPS,
        _AFRICA_CORPS,
        "base",
        lat,
        lon,
        _AFRICA_CORPS_IN,
        None,
        strength,
    )


MINUSMA_START: Final = date(2013, 7, 1)

PARTNERS: Final = (
    # Serval, then Barkhane (from August 2014): northern bases, handed over 2021-2022.
    _france("Gao", 16.25, -0.01, date(2013, 2, 5), date(2022, 8, 15), 1800),
    _france("Kidal", 18.44, 1.41, date(2013, 1, 30), date(2021, 10, 12), 300),
    _france("Tessalit", 20.22, 1.02, date(2013, 3, 8), date(2021, 11, 15), 400),
    _france("Tombouctou", 16.73, -3.01, date(2013, 1, 28), date(2021, 12, 14), 300),
    _france("Ménaka", 15.91, 2.40, date(2018, 4, 1), date(2022, 6, 13), 400),
    _france("Gossi", 15.82, -1.30, date(2019, 11, 15), date(2022, 4, 19), 300),
    # The UN mission: camps closed between August and December 2023.
    _un("Gao", 16.27, -0.05, MINUSMA_START, date(2023, 12, 12), 4000),
    _un("Tombouctou", 16.75, -3.00, MINUSMA_START, date(2023, 12, 15), 2000),
    _un("Kidal", 18.45, 1.40, MINUSMA_START, date(2023, 10, 31), 1500),
    _un("Tessalit", 20.20, 1.00, MINUSMA_START, date(2023, 10, 21), 700),
    _un("Aguelhok", 19.46, 0.86, MINUSMA_START, date(2023, 10, 23), 700),
    _un("Ber", 16.87, -2.55, date(2014, 1, 15), date(2023, 8, 13), 400),
    _un("Goundam", 16.41, -3.67, date(2017, 1, 10), date(2023, 8, 26), 300),
    _un("Ménaka", 15.92, 2.40, date(2014, 4, 1), date(2023, 12, 4), 1000),
    _un("Ansongo", 15.66, 0.50, date(2014, 3, 1), date(2023, 11, 28), 600),
    _un("Douentza", 15.00, -2.95, date(2015, 5, 1), date(2023, 11, 20), 500),
    _un("Mopti-Sévaré", 14.53, -4.10, date(2014, 1, 1), date(2023, 12, 15), 1200),
    _un("Ogossagou", 14.08, -3.41, date(2019, 4, 1), date(2023, 8, 4), 150),
    # European missions: training (EUTM) and the Takuba task force.
    Presence(
        "Koulikoro",
        PARTNER_OTHER,
        "EUTM Mali",
        "training camp",
        12.87,
        -7.55,
        date(2013, 4, 2),
        date(2024, 5, 18),
        600,
    ),
    Presence(
        "Ménaka",
        PARTNER_OTHER,
        "Takuba",
        "base",
        15.91,
        2.41,
        date(2020, 7, 15),
        date(2022, 6, 30),
        400,
    ),
    # Russian contractors from late 2021, Africa Corps from June 2025.
    _wagner("Sénou", 12.55, -7.95, date(2021, 12, 20), 400),
    _wagner("Sévaré", 14.53, -4.10, date(2022, 1, 5), 300),
    _wagner("Tombouctou", 16.73, -3.01, date(2022, 1, 5), 200),
    _wagner("Diabaly", 14.69, -6.02, date(2022, 3, 1), 150),
    _wagner("Gossi", 15.82, -1.30, date(2022, 4, 20), 150),
    _wagner("Ménaka", 15.92, 2.40, date(2022, 6, 14), 200),
    _wagner("Gao", 16.27, -0.05, date(2022, 8, 16), 300),
    _wagner("Boni", 15.05, -2.25, date(2022, 9, 1), 100),
    _wagner("Tessalit", 20.20, 1.00, date(2023, 10, 25), 150),
    _wagner("Kidal", 18.44, 1.41, date(2023, 11, 14), 300),
    _africa_corps("Sénou", 12.55, -7.95, 500),
    _africa_corps("Sévaré", 14.53, -4.10, 300),
    _africa_corps("Tombouctou", 16.73, -3.01, 200),
    _africa_corps("Gao", 16.27, -0.05, 300),
    _africa_corps("Ménaka", 15.92, 2.40, 200),
    _africa_corps("Kidal", 18.44, 1.41, 300),
    _africa_corps("Tessalit", 20.20, 1.00, 150),
)

DEPLOYMENTS: Final = (
    _fama("Camp Soundiata Keïta, Kati", 12.74, -8.07, 3000, kind="base"),
    _fama("Air base 101, Sénou", 12.55, -7.95, 800, kind="air base"),
    _fama("Koulikoro military school", 12.86, -7.56, 500, kind="base"),
    _fama("Ségou", 13.44, -6.26, 800, kind="base"),
    _fama("Sévaré", 14.53, -4.10, 1500, kind="base"),
    _fama("Gao", 16.27, -0.04, 1500, kind="base"),
    _fama("Tombouctou", 16.77, -3.01, 800, kind="base"),
    _fama("Kayes", 14.45, -11.44, 500, kind="base"),
    _fama("Sikasso", 11.32, -5.67, 500, kind="base"),
    _fama("Ménaka", 15.92, 2.40, 300),
    _fama("Ansongo", 15.66, 0.50, 200),
    _fama("Bourem", 16.95, -0.35, 200),
    _fama("Labbezanga", 14.95, 0.70, 100, end=date(2019, 12, 5), kind="post"),
    _fama("Indelimane", 15.75, 1.45, 100, start=date(2018, 6, 1), end=date(2019, 11, 10)),
    _fama("Tessit", 15.20, 0.35, 150),
    _fama("Gossi", 15.82, -1.30, 150),
    _fama("Hombori", 15.28, -1.70, 150),
    _fama("Boni", 15.05, -2.25, 150),
    _fama("Douentza", 15.00, -2.95, 300),
    _fama("Boulkessi", 14.38, -1.72, 300, start=date(2017, 6, 1)),
    _fama("Mondoro", 14.32, -1.95, 200, start=date(2017, 6, 1)),
    _fama("Bandiagara", 14.35, -3.61, 200),
    _fama("Bankass", 14.08, -3.52, 150),
    _fama("Koro", 14.07, -3.08, 150),
    _fama("Djenné", 13.91, -4.55, 100),
    _fama("Ténenkou", 14.46, -4.92, 150),
    _fama("Dioura", 14.83, -5.27, 150),
    _fama("Diafarabé", 14.16, -5.00, 100),
    _fama("Youwarou", 15.37, -4.26, 100),
    _fama("Niono", 14.25, -5.99, 300),
    _fama("Diabaly", 14.69, -6.02, 200),
    _fama("Nampala", 15.28, -5.55, 150),
    _fama("Sokolo", 14.73, -6.12, 150),
    _fama("Macina", 13.96, -5.36, 100),
    _fama("San", 13.30, -4.90, 150),
    _fama("Léré", 15.72, -4.91, 150),
    _fama("Niafunké", 15.93, -4.00, 100),
    _fama("Goundam", 16.41, -3.67, 100),
    _fama("Diré", 16.27, -3.39, 100),
    _fama("Nara", 15.17, -7.29, 200),
    _fama("Kidal", 18.44, 1.41, 200, start=date(2020, 2, 13)),
    _fama("Ber", 16.87, -2.55, 200, start=date(2023, 8, 13)),
    _fama("Tessalit", 20.20, 1.00, 300, start=date(2023, 10, 21)),
    _fama("Aguelhok", 19.46, 0.86, 200, start=date(2023, 10, 23)),
    _fama("Anéfis", 18.05, 0.60, 200, start=date(2023, 10, 7)),
    _fama("Koutiala", 12.39, -5.46, 200),
    _fama("Bougouni", 11.42, -7.48, 200),
    _fama("Kita", 13.04, -9.49, 150),
    _fama("Nioro du Sahel", 15.23, -9.59, 200),
    _fama("Diéma", 14.54, -9.19, 150, start=date(2024, 9, 1)),
    _fama("Diboli", 14.52, -12.05, 150, start=date(2025, 7, 5), kind="post"),
    _fama("Sandaré", 14.71, -10.29, 100, start=date(2025, 2, 1), kind="post"),
    _fama("Kéniéba", 12.84, -11.24, 200, start=date(2025, 3, 1)),
)
