"""The demo world's map of Mali, written from general knowledge: nothing here is copied data.

Cercles carry OCHA COD P-codes in the 53-unit scheme (Ménaka region split into four cercles,
ML1001-ML1004, as in ACLED's HDX aggregates; the other P-codes are those of the OCHA 2020
tables). Centroids, town positions and the country outline are APPROXIMATE (a few tens of
kilometres off is normal): they are good enough for a synthetic world, not for real mapping.
Coordinates are (latitude, longitude) in decimal degrees, WGS84.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

COUNTRY_PCODE: Final = "ML"
COUNTRY_NAME: Final = "Mali"
ISO_NUMERIC: Final = 466
ISO3: Final = "MLI"


@dataclass(frozen=True)
class Region:
    pcode: str
    name: str  # as OCHA writes it, accents kept
    acled: str  # as ACLED writes admin1 (ASCII)


@dataclass(frozen=True)
class Cercle:
    code: str
    name: str  # OCHA French name, accents kept
    region: str  # Region.pcode
    lat: float  # approximate centre of the cercle (not its seat)
    lon: float
    # Extra Voronoi generators whose cells join this cercle's: how a big cercle wrapped around
    # a small one (Kati around Bamako) gets a sensible shape out of a plain Voronoi diagram.
    extra: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    kind: str = "town"  # seat (cercle chef-lieu), town, mine, plant


REGIONS: Final = (
    Region("ML01", "Kayes", "Kayes"),
    Region("ML02", "Koulikoro", "Koulikoro"),
    Region("ML03", "Sikasso", "Sikasso"),
    Region("ML04", "Ségou", "Segou"),
    Region("ML05", "Mopti", "Mopti"),
    Region("ML06", "Tombouctou", "Tombouctou"),
    Region("ML07", "Gao", "Gao"),
    Region("ML08", "Kidal", "Kidal"),
    Region("ML09", "Bamako", "Bamako"),
    Region("ML10", "Ménaka", "Menaka"),
)

CERCLES: Final = (
    Cercle("ML0101", "Bafoulabé", "ML01", 13.55, -10.45),
    Cercle("ML0102", "Diéma", "ML01", 14.30, -9.25),
    Cercle("ML0103", "Kayes", "ML01", 14.35, -11.20),
    Cercle("ML0104", "Kéniéba", "ML01", 12.95, -11.10),
    Cercle("ML0105", "Kita", "ML01", 13.10, -9.30),
    Cercle("ML0106", "Nioro", "ML01", 15.05, -9.60),
    Cercle("ML0107", "Yélimané", "ML01", 15.00, -10.60),
    Cercle("ML0201", "Banamba", "ML02", 13.70, -7.30),
    Cercle("ML0202", "Dioïla", "ML02", 12.45, -6.60),
    Cercle("ML0203", "Kangaba", "ML02", 11.85, -8.45),
    Cercle(
        "ML0204",
        "Kati",
        "ML02",
        12.80,
        -8.12,
        ((12.48, -8.05), (12.60, -7.83), (12.78, -7.92), (12.35, -8.20), (13.10, -8.40)),
    ),
    Cercle("ML0205", "Kolokani", "ML02", 13.70, -8.10),
    Cercle("ML0206", "Koulikoro", "ML02", 13.05, -7.35),
    Cercle("ML0207", "Nara", "ML02", 15.00, -7.40),
    Cercle("ML0301", "Bougouni", "ML03", 11.30, -7.40),
    Cercle("ML0302", "Kadiolo", "ML03", 10.65, -5.75),
    Cercle("ML0303", "Kolondiéba", "ML03", 11.00, -6.75),
    Cercle("ML0304", "Koutiala", "ML03", 12.35, -5.50),
    Cercle("ML0305", "Sikasso", "ML03", 11.30, -5.60),
    Cercle("ML0306", "Yanfolila", "ML03", 11.05, -8.15),
    Cercle("ML0307", "Yorosso", "ML03", 12.25, -4.80),
    Cercle("ML0401", "Baraouéli", "ML04", 13.05, -6.75),
    Cercle("ML0402", "Bla", "ML04", 12.90, -5.75),
    Cercle("ML0403", "Macina", "ML04", 13.95, -5.35),
    Cercle("ML0404", "Niono", "ML04", 14.70, -5.80),
    Cercle("ML0405", "San", "ML04", 13.25, -4.85),
    Cercle("ML0406", "Ségou", "ML04", 13.45, -6.30),
    Cercle("ML0407", "Tominian", "ML04", 13.35, -4.30),
    Cercle("ML0501", "Bandiagara", "ML05", 14.45, -3.45),
    Cercle("ML0502", "Bankass", "ML05", 13.95, -3.60),
    Cercle("ML0503", "Djenné", "ML05", 13.90, -4.45),
    Cercle("ML0504", "Douentza", "ML05", 15.00, -2.30),
    Cercle("ML0505", "Koro", "ML05", 14.00, -2.90),
    Cercle("ML0506", "Mopti", "ML05", 14.55, -4.05),
    Cercle("ML0507", "Ténenkou", "ML05", 14.50, -5.00),
    Cercle("ML0508", "Youwarou", "ML05", 15.30, -4.50),
    Cercle("ML0601", "Diré", "ML06", 16.15, -3.40),
    Cercle("ML0602", "Goundam", "ML06", 16.90, -4.70, ((16.45, -3.80),)),
    Cercle("ML0603", "Gourma-Rharous", "ML06", 16.20, -1.80),
    Cercle("ML0604", "Niafunké", "ML06", 15.80, -4.20),
    Cercle("ML0605", "Tombouctou", "ML06", 20.00, -3.20, ((17.10, -3.00),)),
    Cercle("ML0701", "Ansongo", "ML07", 15.35, 0.70),
    Cercle("ML0702", "Bourem", "ML07", 17.70, -0.40),
    Cercle("ML0703", "Gao", "ML07", 16.35, 0.30),
    Cercle("ML0801", "Abeïbara", "ML08", 19.60, 2.10),
    Cercle("ML0802", "Kidal", "ML08", 18.40, 1.20),
    Cercle("ML0803", "Tessalit", "ML08", 20.50, 0.60),
    Cercle("ML0804", "Tin-Essako", "ML08", 18.70, 3.00),
    Cercle("ML0901", "Bamako", "ML09", 12.63, -7.98),
    Cercle("ML1001", "Ménaka", "ML10", 15.95, 2.10),
    Cercle("ML1002", "Andéramboukane", "ML10", 15.40, 3.20),
    Cercle("ML1003", "Inékar", "ML10", 16.00, 3.50),
    Cercle("ML1004", "Tidermène", "ML10", 16.80, 2.30),
)

# Rough outline of Mali as (longitude, latitude), anticlockwise from the north-west corner.
OUTLINE: Final = (
    (-6.55, 25.00),  # tripoint with Algeria and Mauritania
    (-6.05, 20.50),
    (-5.60, 16.60),
    (-5.35, 16.30),
    (-5.50, 15.50),
    (-7.80, 15.50),
    (-9.40, 15.45),
    (-10.70, 15.45),
    (-11.55, 15.55),
    (-11.85, 15.00),
    (-12.24, 14.76),  # Falémé meets the Senegal river: Senegal and Mauritania
    (-12.10, 14.30),
    (-11.95, 13.80),
    (-11.70, 13.40),
    (-11.45, 12.95),
    (-11.37, 12.40),  # tripoint with Senegal and Guinea
    (-10.70, 11.90),
    (-10.20, 11.95),
    (-9.80, 12.10),
    (-9.30, 12.40),
    (-8.80, 12.10),
    (-8.60, 11.60),
    (-8.40, 11.30),
    (-8.30, 10.60),
    (-8.20, 10.10),  # tripoint with Guinea and Côte d'Ivoire
    (-7.60, 10.20),
    (-7.00, 10.15),
    (-6.65, 10.65),
    (-6.25, 10.70),
    (-6.00, 10.25),
    (-5.52, 10.40),  # tripoint with Côte d'Ivoire and Burkina Faso
    (-5.35, 11.10),
    (-5.15, 11.80),
    (-4.45, 12.05),
    (-4.30, 12.70),
    (-4.35, 13.15),
    (-3.95, 13.48),
    (-3.60, 13.20),
    (-3.10, 13.60),
    (-2.85, 13.65),
    (-2.00, 14.20),
    (-1.10, 14.80),
    (-0.45, 15.08),
    (0.23, 15.05),  # tripoint with Burkina Faso and Niger
    (0.95, 14.97),
    (1.30, 15.28),
    (3.00, 15.35),
    (3.60, 15.50),
    (4.20, 16.40),
    (4.25, 19.15),  # tripoint with Niger and Algeria
    (3.30, 18.97),
    (3.12, 19.13),
    (3.27, 19.40),
    (3.30, 19.80),
    (2.90, 20.00),
    (1.80, 20.60),
    (1.15, 21.10),
    (-4.83, 25.00),
)

# Towns, bases and sites used to name and place incidents. The seat of each cercle comes first.
PLACES: Final = (
    # Kayes
    Place("Bafoulabé", 13.81, -10.83, "seat"),
    Place("Diéma", 14.54, -9.19, "seat"),
    Place("Kayes", 14.45, -11.44, "seat"),
    Place("Kéniéba", 12.84, -11.24, "seat"),
    Place("Kita", 13.04, -9.49, "seat"),
    Place("Nioro du Sahel", 15.23, -9.59, "seat"),
    Place("Yélimané", 15.12, -10.57, "seat"),
    Place("Diboli", 14.52, -12.05),
    Place("Sandaré", 14.71, -10.29),
    Place("Manantali", 13.20, -10.43),
    Place("Diamou", 14.09, -11.27),
    Place("Sadiola", 13.90, -11.70),
    Place("Sadiola gold mine", 13.88, -11.66, "mine"),
    Place("Loulo gold mine", 13.03, -11.42, "mine"),
    Place("Fekola gold mine", 12.62, -11.39, "mine"),
    Place("Diamou cement plant", 14.07, -11.25, "plant"),
    # Koulikoro
    Place("Banamba", 13.55, -7.45, "seat"),
    Place("Dioïla", 12.49, -6.79, "seat"),
    Place("Kangaba", 11.93, -8.41, "seat"),
    Place("Kati", 12.74, -8.07, "seat"),
    Place("Kolokani", 13.57, -8.03, "seat"),
    Place("Koulikoro", 12.86, -7.56, "seat"),
    Place("Nara", 15.17, -7.29, "seat"),
    Place("Didiéni", 13.88, -8.08),
    Place("Mourdiah", 14.47, -7.47),
    Place("Fana", 12.77, -6.95),
    Place("Kassela", 12.55, -7.75),
    # Sikasso
    Place("Bougouni", 11.42, -7.48, "seat"),
    Place("Kadiolo", 10.55, -5.76, "seat"),
    Place("Kolondiéba", 11.09, -6.89, "seat"),
    Place("Koutiala", 12.39, -5.46, "seat"),
    Place("Sikasso", 11.32, -5.67, "seat"),
    Place("Yanfolila", 11.17, -8.15, "seat"),
    Place("Yorosso", 12.36, -4.78, "seat"),
    Place("Manankoro", 10.55, -7.45),
    Place("Zégoua", 10.47, -5.65),
    Place("Koury", 12.17, -4.80),
    Place("Syama gold mine", 10.73, -6.07, "mine"),
    Place("Morila gold mine", 11.67, -6.80, "mine"),
    Place("Goulamina lithium mine", 11.30, -7.40, "mine"),
    # Ségou
    Place("Baraouéli", 13.07, -6.83, "seat"),
    Place("Bla", 12.95, -5.76, "seat"),
    Place("Macina", 13.96, -5.36, "seat"),
    Place("Niono", 14.25, -5.99, "seat"),
    Place("San", 13.30, -4.90, "seat"),
    Place("Ségou", 13.44, -6.26, "seat"),
    Place("Tominian", 13.28, -4.39, "seat"),
    Place("Diabaly", 14.69, -6.02),
    Place("Nampala", 15.28, -5.55),
    Place("Sokolo", 14.73, -6.12),
    Place("Markala", 13.70, -6.07),
    # Mopti
    Place("Bandiagara", 14.35, -3.61, "seat"),
    Place("Bankass", 14.08, -3.52, "seat"),
    Place("Djenné", 13.91, -4.55, "seat"),
    Place("Douentza", 15.00, -2.95, "seat"),
    Place("Koro", 14.07, -3.08, "seat"),
    Place("Mopti", 14.49, -4.18, "seat"),
    Place("Ténenkou", 14.46, -4.92, "seat"),
    Place("Youwarou", 15.37, -4.26, "seat"),
    Place("Sévaré", 14.53, -4.10),
    Place("Konna", 14.95, -3.89),
    Place("Boni", 15.05, -2.25),
    Place("Hombori", 15.28, -1.70),
    Place("Mondoro", 14.32, -1.95),
    Place("Boulkessi", 14.38, -1.72),
    Place("Dinangourou", 14.30, -2.45),
    Place("Diallassagou", 13.70, -3.60),
    Place("Ogossagou", 14.08, -3.41),
    Place("Sangha", 14.47, -3.30),
    Place("Sofara", 14.01, -4.24),
    Place("Diafarabé", 14.16, -5.00),
    Place("Dioura", 14.83, -5.27),
    # Tombouctou
    Place("Diré", 16.27, -3.39, "seat"),
    Place("Goundam", 16.41, -3.67, "seat"),
    Place("Gourma-Rharous", 16.88, -1.93, "seat"),
    Place("Niafunké", 15.93, -4.00, "seat"),
    Place("Tombouctou", 16.77, -3.01, "seat"),
    Place("Léré", 15.72, -4.91),
    Place("Tonka", 16.12, -4.03),
    Place("Ras El Ma", 16.62, -4.33),
    Place("Ber", 16.87, -2.55),
    Place("Araouane", 18.90, -3.53),
    Place("Taoudenni", 22.68, -3.98),
    Place("Gossi", 15.82, -1.30),
    Place("Bambara Maoundé", 15.90, -2.70),
    # Gao
    Place("Ansongo", 15.66, 0.50, "seat"),
    Place("Bourem", 16.95, -0.35, "seat"),
    Place("Gao", 16.27, -0.04, "seat"),
    Place("Bamba", 17.03, -1.40),
    Place("Tarkint", 17.30, 0.05),
    Place("Talataye", 15.62, 0.86),
    Place("Tessit", 15.20, 0.35),
    Place("Ouatagouna", 15.18, 0.72),
    Place("Labbezanga", 14.95, 0.70),
    Place("Indelimane", 15.75, 1.45),
    # Kidal
    Place("Abeïbara", 19.12, 1.75, "seat"),
    Place("Kidal", 18.44, 1.41, "seat"),
    Place("Tessalit", 20.20, 1.01, "seat"),
    Place("Tin-Essako", 18.45, 2.48, "seat"),
    Place("Aguelhok", 19.46, 0.86),
    Place("Anéfis", 18.05, 0.60),
    Place("Tinzaouaten", 19.95, 2.96),
    # Bamako
    Place("Bamako", 12.64, -8.00, "seat"),
    Place("Sénou", 12.55, -7.95),
    # Ménaka
    Place("Ménaka", 15.92, 2.40, "seat"),
    Place("Andéramboukane", 15.42, 3.03, "seat"),
    Place("Inékar", 15.95, 3.15, "seat"),
    Place("Tidermène", 16.55, 2.30, "seat"),
)

# Where foreign nationals work (mines, plants): the targets of kidnappings for ransom.
FOREIGN_SITE_KINDS: Final = frozenset({"mine", "plant"})
