"""From weekly counts to individual incidents: day, sub-type, place, coordinates, fatalities.

Each simulated count becomes that many incidents in its week and district. Places are the
listed towns and sites of the cercle (weight 3) or its invented villages (weight 1); most
incidents sit within a couple of kilometres of their place (geo_precision 1), some at the
cercle seat itself (geo_precision 2). Kidnappings of foreign workers happen at the mines and
plants. Every coordinate lies inside the incident's cercle polygon.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
import shapely

from forecast.core.vocab import (
    ABDUCTION,
    BATTLE,
    CIVILIAN_VIOLENCE,
    EVENT_TYPES,
    PARTNER_AFRICA_CORPS,
    PARTNER_FRANCE,
    PARTNER_UN,
    PARTNER_WAGNER,
    PROTEST,
    REMOTE_VIOLENCE,
    RIOT,
    STRATEGIC,
)
from forecast.demo import actors
from forecast.demo.exposure import Exposure
from forecast.demo.forces import Presence
from forecast.demo.gazetteer import FOREIGN_SITE_KINDS, REGIONS
from forecast.demo.geography import Geography, locate
from forecast.demo.params import DemoParams
from forecast.demo.process import Simulation
from forecast.demo.villages import Villages

ACLED_TYPE = {
    BATTLE: "Battles",
    REMOTE_VIOLENCE: "Explosions/Remote violence",
    CIVILIAN_VIOLENCE: "Violence against civilians",
    ABDUCTION: "Violence against civilians",
    RIOT: "Riots",
    PROTEST: "Protests",
    STRATEGIC: "Strategic developments",
}
# Sub-types and their shares; remote violence's mix shifts to drones from 2022 (second list).
SUB_TYPES: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    BATTLE: (
        ("Armed clash", "Non-state actor overtakes territory", "Government regains territory"),
        (0.93, 0.04, 0.03),
    ),
    REMOTE_VIOLENCE: (
        (
            "Remote explosive/landmine/IED",
            "Air/drone strike",
            "Shelling/artillery/missile attack",
            "Suicide bomb",
            "Grenade",
        ),
        (0.66, 0.08, 0.19, 0.04, 0.03),
    ),
    CIVILIAN_VIOLENCE: (("Attack", "Sexual violence"), (0.97, 0.03)),
    ABDUCTION: (("Abduction/forced disappearance",), (1.0,)),
    RIOT: (("Violent demonstration", "Mob violence"), (0.7, 0.3)),
    PROTEST: (
        ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
        (0.88, 0.10, 0.02),
    ),
    STRATEGIC: (
        (
            "Looting/property destruction",
            "Arrests",
            "Change to group/activity",
            "Non-violent transfer of territory",
            "Disrupted weapons use",
            "Headquarters or base established",
            "Agreement",
            "Other",
        ),
        (0.35, 0.12, 0.12, 0.10, 0.12, 0.04, 0.05, 0.10),
    ),
}
DRONE_ERA = date(2022, 1, 1)
REMOTE_AFTER_DRONES = (0.50, 0.35, 0.10, 0.03, 0.02)

# Fatalities: P(zero) and the mean and NB shape of the positive part, per sub-type.
FATALITIES: dict[str, tuple[float, float, float]] = {
    "Armed clash": (0.25, 5.0, 0.8),
    "Non-state actor overtakes territory": (0.5, 3.0, 1.0),
    "Government regains territory": (0.5, 3.0, 1.0),
    "Remote explosive/landmine/IED": (0.55, 2.5, 1.0),
    "Air/drone strike": (0.3, 6.0, 0.8),
    "Shelling/artillery/missile attack": (0.75, 1.5, 1.0),
    "Suicide bomb": (0.2, 8.0, 0.8),
    "Grenade": (0.6, 1.5, 1.0),
    "Attack": (0.2, 3.5, 0.6),
    "Abduction/forced disappearance": (0.93, 1.0, 1.0),
    "Violent demonstration": (0.9, 1.5, 1.0),
    "Mob violence": (0.6, 1.2, 1.0),
    "Excessive force against protesters": (0.5, 2.0, 1.0),
}
MAX_FATALITIES = 300
_PLACE_WEIGHT, _VILLAGE_WEIGHT = 3.0, 1.0
_JITTER_DEG = 0.015  # about 1.5 km


@dataclass(frozen=True)
class Candidates:
    """Every nameable place, grouped by district, with its drawing weight and kind."""

    name: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    district: np.ndarray
    kind: np.ndarray
    key: np.ndarray  # district + cumulative weight share within the district, sorted


def ascii_name(text: str) -> str:
    """ACLED writes Malian names without accents."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@dataclass(frozen=True)
class AcledNames:
    admin1: np.ndarray  # per district, ACLED's region name
    admin2: np.ndarray  # per district, its name without accents


def _acled_names(geography: Geography) -> AcledNames:
    region = {r.pcode: r.acled for r in REGIONS}
    return AcledNames(
        admin1=np.array([region[code] for code in geography.region_codes]),
        admin2=np.array([ascii_name(str(name)) for name in geography.names]),
    )


def candidates(geography: Geography, villages: Villages) -> Candidates:
    """Real places and villages whose 4-decimal coordinates are inside their district.

    Names are in ACLED's spelling (no accents)."""
    name = np.concatenate(
        [[ascii_name(str(n)) for n in geography.place_names], villages.names]
    ).astype(str)
    lat = np.concatenate([geography.place_lat, villages.lat]).round(4)
    lon = np.concatenate([geography.place_lon, villages.lon]).round(4)
    district = np.concatenate([geography.place_district, villages.district])
    kind = np.concatenate([geography.place_kinds, np.full(len(villages.names), "village")])
    # Mines and plants only host the kidnappings of their workers.
    weight = np.select(
        [kind == "village", np.isin(kind, list(FOREIGN_SITE_KINDS))],
        [_VILLAGE_WEIGHT, 0.0],
        _PLACE_WEIGHT,
    )
    inside = shapely.contains_xy(geography.polygons[district], lon, lat)
    order = np.lexsort((np.arange(len(name)), district))
    order = order[inside[order]]
    name, lat, lon, district, kind, weight = (
        a[order] for a in (name, lat, lon, district, kind, weight)
    )
    cum = np.zeros(len(name))
    for d in np.unique(district):
        rows = district == d
        cum[rows] = np.cumsum(weight[rows]) / weight[rows].sum()
    return Candidates(name, lat, lon, district, kind, district + cum)


def expand(sim: Simulation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Week, district and type index of every simulated incident."""
    week, district, kind = np.nonzero(sim.counts)
    times = sim.counts[week, district, kind]
    return np.repeat(week, times), np.repeat(district, times), np.repeat(kind, times)


def sub_types(rng: np.random.Generator, types: np.ndarray, day: np.ndarray) -> np.ndarray:
    out = np.empty(len(types), dtype=object)
    drones = day >= np.datetime64(DRONE_ERA, "D")
    for kind, (names, shares) in SUB_TYPES.items():
        rows = types == kind
        probs = np.tile(shares, (int(rows.sum()), 1))
        if kind == REMOTE_VIOLENCE:
            probs[drones[rows]] = REMOTE_AFTER_DRONES
        out[rows] = np.array(names)[actors.choose(rng, probs)]
    return out.astype(str)


def fatalities(
    rng: np.random.Generator, sub: np.ndarray, actor1: np.ndarray, assoc1: np.ndarray
) -> np.ndarray:
    """Zero-inflated negative binomial per sub-type; attacks by the army with Russians kill more."""
    kinds, which = np.unique(sub, return_inverse=True)
    table = np.array([FATALITIES.get(str(k), (1.0, 1.0, 1.0)) for k in kinds]).reshape(-1, 3)
    p0, mean, shape = table[which].T
    harsher = np.char.startswith(actor1.astype(str), "Military Forces of Mali") & (assoc1 != "")
    mean = np.where(harsher & (sub == "Attack"), mean * 1.8, mean)
    extra = rng.negative_binomial(shape, shape / (shape + np.maximum(mean - 1.0, 1e-9)))
    killed = np.where(rng.random(len(sub)) < p0, 0, 1 + extra)
    return np.minimum(killed, MAX_FATALITIES)


def incidents(
    sim: Simulation,
    geography: Geography,
    villages: Villages,
    exposure: Exposure,
    params: DemoParams,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """One row per simulated incident, every ACLED field but ids, sources and notes."""
    week, district, kind = expand(sim)
    n = len(week)
    day = sim.mondays[week] + rng.integers(0, 7, n)
    types = np.array(EVENT_TYPES)[kind]
    sub = sub_types(rng, types, day)
    places = candidates(geography, villages)
    site = np.isin(places.kind, list(FOREIGN_SITE_KINDS))
    has_site = np.isin(np.arange(geography.size), places.district[site])
    foreign = (
        (types == ABDUCTION)
        & has_site[district]
        & (day >= np.datetime64(params.foreign_abductions_from, "D"))
        & (rng.random(n) < params.foreign_abduction_share)
    )
    burn = params.burn_in_weeks
    ctx = actors.Context(
        day=day,
        type=types,
        sub=sub,
        district=geography.codes[district],
        region=geography.region_codes[district],
        france=exposure.of("france")[burn + week, district],
        un=exposure.of("un")[burn + week, district],
        wagner=exposure.of("wagner")[burn + week, district],
        africa_corps=exposure.of("africa_corps")[burn + week, district],
        foreign=foreign,
    )
    dyad = actors.dyads(rng, ctx)
    precision = np.where(rng.random(n) < params.geo_precision2_share, 2, 1)
    pick = _pick_places(rng, places, district, precision, foreign)
    lat, lon = _jitter(rng, geography, places, pick, district, precision)
    killed = fatalities(rng, sub, dyad.actor1, dyad.assoc1)
    killed[foreign] = 0
    names = _acled_names(geography)
    return pl.DataFrame(
        {
            "event_date": day.astype("datetime64[D]"),
            "type": types,
            "event_type": np.array([ACLED_TYPE[t] for t in EVENT_TYPES])[kind],
            "sub_event_type": sub,
            "actor1": dyad.actor1,
            "assoc_actor_1": dyad.assoc1,
            "actor2": dyad.actor2,
            "assoc_actor_2": dyad.assoc2,
            "admin1": names.admin1[district],
            "admin2": names.admin2[district],
            "location": places.name[pick],
            "place_kind": places.kind[pick],
            "latitude": lat,
            "longitude": lon,
            "geo_precision": precision,
            "fatalities": killed,
            "foreign": foreign,
            "district_code": ctx.district,
            "tie": rng.random(n),
        }
    ).with_columns(pl.col("event_date").cast(pl.Date))


def _pick_places(
    rng: np.random.Generator,
    places: Candidates,
    district: np.ndarray,
    precision: np.ndarray,
    foreign: np.ndarray,
) -> np.ndarray:
    """Index into ``places`` for each incident."""
    pick = np.searchsorted(places.key, district + rng.random(len(district)) * (1 - 1e-12))
    pick = np.minimum(pick, len(places.key) - 1)
    seat = _first_of_kind(places, {"seat"}, district)
    pick = np.where((precision == 2) & (seat >= 0), seat, pick)
    site = _random_of_kind(rng, places, FOREIGN_SITE_KINDS, district)
    return np.where(foreign & (site >= 0), site, pick)


def _first_of_kind(places: Candidates, kinds: set[str], district: np.ndarray) -> np.ndarray:
    """Per incident, the first place of the given kinds in its district, -1 if none."""
    first = np.full(int(max(district.max(initial=0), places.district.max(initial=0))) + 1, -1)
    rows = np.flatnonzero(np.isin(places.kind, list(kinds)))
    holders, at = np.unique(places.district[rows], return_index=True)
    first[holders] = rows[at]
    return first[district]


def _random_of_kind(
    rng: np.random.Generator, places: Candidates, kinds: frozenset[str], district: np.ndarray
) -> np.ndarray:
    """Per incident, a random place of the given kinds in its district, -1 if none."""
    rows = np.flatnonzero(np.isin(places.kind, list(kinds)))
    size = int(max(district.max(initial=0), places.district.max(initial=0))) + 1
    count = np.bincount(places.district[rows], minlength=size)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    k = np.floor(rng.random(len(district)) * count[district]).astype(int)
    chosen = rows[np.minimum(start[district] + k, max(len(rows) - 1, 0))] if len(rows) else k
    return np.where(count[district] > 0, chosen, -1)


def _jitter(
    rng: np.random.Generator,
    geography: Geography,
    places: Candidates,
    pick: np.ndarray,
    district: np.ndarray,
    precision: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates near the place (exactly the place at precision 2), inside the district."""
    spread = np.where(precision == 1, _JITTER_DEG, 0.0)
    lat = (places.lat[pick] + rng.normal(0, 1, len(pick)) * spread).round(4)
    lon = (places.lon[pick] + rng.normal(0, 1, len(pick)) * spread).round(4)
    inside = shapely.contains_xy(geography.polygons[district], lon, lat)
    return np.where(inside, lat, places.lat[pick]), np.where(inside, lon, places.lon[pick])


def base_changes(
    records: tuple[Presence, ...],
    geography: Geography,
    params: DemoParams,
) -> pl.DataFrame:
    """Scripted strategic developments: partners leaving bases and Russians setting up."""
    first, last = np.datetime64(params.start, "D"), np.datetime64(params.end, "D") + 6
    rows = []
    for r in records:
        if r.partner in (PARTNER_FRANCE, PARTNER_UN) and r.end is not None:
            rows.append((r, r.end, "Non-violent transfer of territory"))
        if r.partner in (PARTNER_WAGNER, PARTNER_AFRICA_CORPS):
            rows.append((r, r.start, "Headquarters or base established"))
    rows = [row for row in rows if first <= np.datetime64(row[1], "D") <= last]
    if not rows:
        return pl.DataFrame()
    lat = np.array([r.lat for r, _, _ in rows])
    lon = np.array([r.lon for r, _, _ in rows])
    district = locate(lat, lon, geography.polygons)
    day = np.array([np.datetime64(d, "D") for _, d, _ in rows])
    partner = np.array([r.partner for r, _, _ in rows])
    army = actors.mali_army(day)
    foreign = np.select(
        [partner == PARTNER_FRANCE, partner == PARTNER_UN, partner == PARTNER_WAGNER],
        [actors.france(day), actors.MINUSMA, actors.WAGNER],
        actors.AFRICA_CORPS,
    )
    leaving = np.isin(partner, [PARTNER_FRANCE, PARTNER_UN])
    names = _acled_names(geography)
    return pl.DataFrame(
        {
            "event_date": day,
            "type": np.full(len(rows), STRATEGIC),
            "event_type": np.full(len(rows), ACLED_TYPE[STRATEGIC]),
            "sub_event_type": np.array([s for _, _, s in rows]),
            "actor1": foreign,
            "assoc_actor_1": np.full(len(rows), ""),
            "actor2": np.where(leaving, army, ""),
            "assoc_actor_2": np.full(len(rows), ""),
            "admin1": names.admin1[district],
            "admin2": names.admin2[district],
            "location": [ascii_name(r.name) for r, _, _ in rows],
            "place_kind": np.full(len(rows), "base"),
            "latitude": lat.round(4),
            "longitude": lon.round(4),
            "geo_precision": np.ones(len(rows), dtype=int),
            "fatalities": np.zeros(len(rows), dtype=int),
            "foreign": np.zeros(len(rows), dtype=bool),
            "district_code": geography.codes[district],
            "tie": np.zeros(len(rows)),
        }
    ).with_columns(pl.col("event_date").cast(pl.Date))
