"""Who did what to whom: ACLED-style actor names for the demo incidents.

Names follow ACLED's conventions (a state force carries its regime's years; groups change
names when they merge or rebrand) as far as known; the mix of perpetrators per zone and type
is a rough picture of Mali's conflict, not a measurement. Presence shows in the actors too:
near Wagner or Africa Corps, more violence against civilians is by the army with Russian
personnel; near French or UN bases, more battles involve them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

NONE = ""
CIVILIANS = "Civilians (Mali)"
UNIDENTIFIED = "Unidentified Armed Group (Mali)"
JNIM = "JNIM: Group for Support of Islam and Muslims"
KATIBA_MACINA = "Katiba Macina"
ANSAR_DINE = "Ansar Dine"
ISGS = "Islamic State (Greater Sahara)"
IS_SAHEL = "Islamic State (Sahel)"
CMA = "CMA: Coordination of Movements of the Azawad"
CSP = "CSP-PSD: Permanent Strategic Framework for Peace, Security and Development"
FLA = "FLA: Azawad Liberation Front"
MSA = "MSA: Movement for Azawad Salvation"
GATIA = "GATIA: Imghad Tuareg and Allies Self-Defense Group"
DAN_NA = "Dan Na Ambassagou"
DOGON = "Dogon Ethnic Militia (Mali)"
DOZO = "Dozo Militia"
FULANI = "Fulani Ethnic Militia (Mali)"
WAGNER = "Wagner Group"
AFRICA_CORPS = "Military Forces of Russia (2000-) Africa Corps"
MINUSMA = (
    "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-)"
)
RIOTERS = "Rioters (Mali)"
PROTESTERS = "Protesters (Mali)"
FOREIGN_NATIONALITIES = ("China", "India", "Egypt", "Morocco")
FOREIGN_WEIGHTS = (0.55, 0.2, 0.15, 0.1)

_COUPS = (date(2020, 8, 18), date(2021, 5, 24))
_MILITIAS = frozenset({DAN_NA, DOGON, DOZO, FULANI})
_NORTH = frozenset({"ML06", "ML07", "ML08", "ML10"})
_CENTRE = frozenset({"ML04", "ML05"})
_DOGON_COUNTRY = frozenset({"ML0501", "ML0502", "ML0505", "ML0504"})
# Share of jihadist violence by the Islamic State, by cercle (others: 2 %).
IS_SHARE = {
    "ML0701": 0.6, "ML0703": 0.35, "ML0702": 0.2, "ML0603": 0.15, "ML0504": 0.1,
    "ML0804": 0.2, "ML1001": 0.65, "ML1002": 0.7, "ML1003": 0.65, "ML1004": 0.5,
}  # fmt: skip
_IS_DEFAULT = 0.02
_SOUTH_IS = frozenset({"ML01", "ML02", "ML03", "ML09"})

# Perpetrator classes and their mix per (type, zone): jihadist, Azawad movement, militia,
# unidentified. The army's share is added on top from presence (see perpetrators()).
JIHADIST, AZAWAD, MILITIA, UNKNOWN, STATE = range(5)
_MIX = {
    ("battle", "north"): (0.65, 0.20, 0.00, 0.15),
    ("battle", "centre"): (0.70, 0.00, 0.15, 0.15),
    ("battle", "south"): (0.80, 0.00, 0.05, 0.15),
    ("civilian_violence", "north"): (0.55, 0.10, 0.05, 0.30),
    ("civilian_violence", "centre"): (0.45, 0.00, 0.30, 0.25),
    ("civilian_violence", "south"): (0.55, 0.00, 0.10, 0.35),
    ("abduction", "north"): (0.60, 0.05, 0.00, 0.35),
    ("abduction", "centre"): (0.60, 0.00, 0.05, 0.35),
    ("abduction", "south"): (0.65, 0.00, 0.00, 0.35),
}


@dataclass(frozen=True)
class Context:
    """What the actor rules look at, one entry per incident."""

    day: np.ndarray  # datetime64[D]
    type: np.ndarray  # normalised event type
    sub: np.ndarray  # ACLED sub_event_type
    district: np.ndarray  # P-code
    region: np.ndarray  # admin-1 P-code
    france: np.ndarray  # exposures in [0, 1]
    un: np.ndarray
    wagner: np.ndarray
    africa_corps: np.ndarray
    foreign: np.ndarray  # bool: an abduction of foreign workers


@dataclass(frozen=True)
class Dyads:
    actor1: np.ndarray
    assoc1: np.ndarray
    actor2: np.ndarray
    assoc2: np.ndarray


def _before(day: np.ndarray, when: date) -> np.ndarray:
    return day < np.datetime64(when, "D")


def mali_army(day: np.ndarray) -> np.ndarray:
    return np.select(
        [_before(day, _COUPS[0]), _before(day, _COUPS[1])],
        ["Military Forces of Mali (2013-2020)", "Military Forces of Mali (2020-2021)"],
        "Military Forces of Mali (2021-)",
    )


def mali_police(day: np.ndarray) -> np.ndarray:
    return np.select(
        [_before(day, _COUPS[0]), _before(day, _COUPS[1])],
        ["Police Forces of Mali (2013-2020)", "Police Forces of Mali (2020-2021)"],
        "Police Forces of Mali (2021-)",
    )


def france(day: np.ndarray) -> np.ndarray:
    return np.select(
        [_before(day, date(2017, 5, 14)), _before(day, date(2022, 5, 14))],
        ["Military Forces of France (2012-2017)", "Military Forces of France (2017-2022)"],
        "Military Forces of France (2022-)",
    )


def zone(region: np.ndarray) -> np.ndarray:
    return np.where(
        np.isin(region, list(_NORTH)),
        "north",
        np.where(np.isin(region, list(_CENTRE)), "centre", "south"),
    )


def jihadist(rng: np.random.Generator, ctx: Context) -> np.ndarray:
    """JNIM (or its forerunners) or the Islamic State, by place and date."""
    codes, which = np.unique(ctx.district, return_inverse=True)
    share = np.array([IS_SHARE.get(str(c), _IS_DEFAULT) for c in codes])[which]
    share[np.isin(ctx.region, list(_SOUTH_IS))] = 0.0
    islamic_state = rng.random(len(ctx.day)) < share
    before_jnim = _before(ctx.day, date(2017, 3, 2))
    al_qaeda = np.where(
        before_jnim, np.where(np.isin(ctx.region, list(_CENTRE)), KATIBA_MACINA, ANSAR_DINE), JNIM
    )
    state = np.where(_before(ctx.day, date(2022, 3, 21)), ISGS, IS_SAHEL)
    return np.where(islamic_state, state, al_qaeda)


def azawad(rng: np.random.Generator, ctx: Context) -> np.ndarray:
    """The armed movements of the north; in the Ménaka area, the pro-government ones."""
    movement = np.select(
        [_before(ctx.day, date(2023, 9, 1)), _before(ctx.day, date(2024, 12, 1))], [CMA, CSP], FLA
    )
    east = (ctx.region == "ML10") | (ctx.district == "ML0701")
    return np.where(east, np.where(rng.random(len(ctx.day)) < 0.5, MSA, GATIA), movement)


def militia(rng: np.random.Generator, ctx: Context) -> np.ndarray:
    dogon = np.where(_before(ctx.day, date(2016, 12, 1)), DOGON, DAN_NA)
    local = np.where(np.isin(ctx.district, list(_DOGON_COUNTRY)), dogon, DOZO)
    return np.where(rng.random(len(ctx.day)) < 0.25, FULANI, local)


def army_with_russians(rng: np.random.Generator, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """The Malian army, with Wagner or Africa Corps as associates where they are near."""
    u = rng.random(len(ctx.day))
    assoc = np.where(
        u < ctx.wagner, WAGNER, np.where(u < ctx.wagner + ctx.africa_corps, AFRICA_CORPS, NONE)
    )
    return mali_army(ctx.day), assoc


def perpetrators(rng: np.random.Generator, ctx: Context) -> np.ndarray:
    """Class (JIHADIST .. STATE) of the first actor of battles and attacks on civilians."""
    n = len(ctx.day)
    zones = zone(ctx.region)
    mix = np.zeros((n, 4))
    for (kind, where), probs in _MIX.items():
        mix[(ctx.type == kind) & (zones == where)] = probs
    state = np.select(
        [ctx.type == "civilian_violence", ctx.type == "abduction"],
        [
            0.05 + 0.55 * ctx.wagner + 0.45 * ctx.africa_corps,
            0.03 + 0.35 * ctx.wagner + 0.3 * ctx.africa_corps,
        ],
        0.0,
    ).clip(0.0, 0.8)
    probs = np.column_stack([mix * (1 - state)[:, None], state])
    probs[probs.sum(axis=1) == 0, JIHADIST] = 1.0
    return choose(rng, probs)


def choose(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Index drawn from each row of ``probs`` (rows need not sum to exactly 1)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), probs.shape[1] - 1)


def dyads(rng: np.random.Generator, ctx: Context) -> Dyads:
    """Actors of every incident, by its type and sub-type."""
    n = len(ctx.day)
    army, army_assoc = army_with_russians(rng, ctx)
    jihad = jihadist(rng, ctx)
    cls = perpetrators(rng, ctx)
    named = np.select(
        [cls == JIHADIST, cls == AZAWAD, cls == MILITIA, cls == UNKNOWN],
        [jihad, azawad(rng, ctx), militia(rng, ctx), np.full(n, UNIDENTIFIED)],
        army,
    )
    out = _Columns(
        a1=named.astype(object),
        s1=np.where(cls == STATE, army_assoc, NONE).astype(object),
        a2=np.full(n, NONE, dtype=object),
        s2=np.full(n, NONE, dtype=object),
    )
    sides = _Sides(army, army_assoc, jihad, cls)
    for fill in (_battles, _remote, _civilians, _unrest, _strategic):
        fill(rng, ctx, out, sides)
    return Dyads(out.a1.astype(str), out.s1.astype(str), out.a2.astype(str), out.s2.astype(str))


@dataclass(frozen=True)
class _Columns:
    """The four actor columns being filled; each ``_fill`` step writes into them in place."""

    a1: np.ndarray
    s1: np.ndarray
    a2: np.ndarray
    s2: np.ndarray


@dataclass(frozen=True)
class _Sides:
    """Who is available to act in each incident, drawn once for all steps."""

    army: np.ndarray
    army_assoc: np.ndarray
    jihad: np.ndarray
    cls: np.ndarray


def _battles(rng: np.random.Generator, ctx: Context, out: _Columns, sides: _Sides) -> None:
    """Battles: the perpetrator against a force, a partner or a rival (in place)."""
    a1, s1, a2, s2 = out.a1, out.s1, out.a2, out.s2
    army, army_assoc, jihad = sides.army, sides.army_assoc, sides.jihad
    battle = ctx.type == "battle"
    n = len(ctx.day)
    opponent = choose(
        rng,
        np.column_stack([0.5 * ctx.france, 0.35 * ctx.un, np.full(n, 0.25), np.full(n, 0.75)]),
    )
    is_jihadist = np.isin(a1, [JNIM, KATIBA_MACINA, ANSAR_DINE, ISGS, IS_SAHEL])
    rival = np.where(
        np.isin(a1, [ISGS, IS_SAHEL]),
        np.where(_before(ctx.day, date(2017, 3, 2)), ANSAR_DINE, JNIM),
        np.where(
            is_jihadist,
            np.where(np.isin(ctx.region, list(_NORTH)), azawad(rng, ctx), militia(rng, ctx)),
            jihad,
        ),
    )
    takes = ctx.sub == "Government regains territory"
    overtakes = ctx.sub == "Non-state actor overtakes territory"
    opponent = np.where(takes | (overtakes & (opponent == 2)), 3, opponent)
    foe = np.select(
        [opponent == 0, opponent == 1, opponent == 2], [france(ctx.day), MINUSMA, rival], army
    )
    foe_assoc = np.where(opponent == 3, army_assoc, NONE)
    # The forces attack as often as they are attacked; retaking ground is always the army's,
    # taking it never theirs.
    swap = (opponent != 2) & ((rng.random(n) < 0.35) | takes) & ~overtakes
    keep = battle & ~swap
    flip = battle & swap
    a1_old, s1_old = a1.copy(), s1.copy()
    a2[keep], s2[keep] = foe[keep], foe_assoc[keep]
    a1[flip], s1[flip] = foe[flip], foe_assoc[flip]
    a2[flip], s2[flip] = a1_old[flip], s1_old[flip]


def _remote(rng: np.random.Generator, ctx: Context, out: _Columns, sides: _Sides) -> None:
    """Explosions: IEDs and shelling by armed groups, air strikes by the forces (in place)."""
    a1, s1, a2, s2 = out.a1, out.s1, out.a2, out.s2
    army, army_assoc, jihad = sides.army, sides.army_assoc, sides.jihad
    remote = ctx.type == "remote_violence"
    n = len(ctx.day)
    from_air = remote & (ctx.sub == "Air/drone strike")
    french_jet = from_air & (rng.random(n) < 0.6 * (ctx.france > 0.3))
    a1[remote] = np.where(rng.random(n) < 0.85, jihad, UNIDENTIFIED)[remote]
    s1[remote] = NONE
    a1[from_air] = np.where(french_jet, france(ctx.day), army)[from_air]
    s1[from_air] = np.where(french_jet, NONE, army_assoc)[from_air]
    a2[from_air] = jihad[from_air]
    target = choose(
        rng,
        np.column_stack(
            [
                0.6 * ctx.un,
                0.4 * ctx.france,
                np.full(n, 0.45),
                np.full(n, 0.25),
                np.full(n, 0.1),
            ]
        ),
    )
    hit = np.select(
        [target == 0, target == 1, target == 2, target == 3],
        [np.full(n, MINUSMA), france(ctx.day), army, np.full(n, CIVILIANS)],
        NONE,
    )
    ground = remote & ~from_air
    a2[ground] = hit[ground]
    s2[ground & (target == 2)] = army_assoc[ground & (target == 2)]
    shelled = remote & (ctx.sub == "Shelling/artillery/missile attack")
    a2[shelled] = np.where(rng.random(n) < 0.8 * ctx.un, MINUSMA, army)[shelled]
    bombed = remote & (ctx.sub == "Suicide bomb")
    a1[bombed] = jihad[bombed]
    u = rng.random(n)
    camp = np.where(
        u < 0.6 * ctx.un, MINUSMA, np.where(u < 0.6 * (ctx.un + ctx.france), france(ctx.day), army)
    )
    a2[bombed] = camp[bombed]
    grenade = remote & (ctx.sub == "Grenade")
    a1[grenade], a2[grenade] = UNIDENTIFIED, CIVILIANS
    s2[shelled | grenade | bombed] = NONE


def _civilians(rng: np.random.Generator, ctx: Context, out: _Columns, sides: _Sides) -> None:
    """Attacks and abductions: civilians as second actor, foreigners at sites (in place)."""
    a1, s1, a2, s2, cls = out.a1, out.s1, out.a2, out.s2, sides.cls
    n = len(ctx.day)
    targeted = np.isin(ctx.type, ["civilian_violence", "abduction"])
    a2[targeted] = CIVILIANS
    fulani = targeted & ((cls == STATE) | np.isin(a1, list(_MILITIAS - {FULANI})))
    dogon = targeted & (cls == JIHADIST) & np.isin(ctx.district, list(_DOGON_COUNTRY))
    tag = rng.random(n) < 0.6
    s2[fulani & tag] = "Fulani Ethnic Group (Mali)"
    s2[dogon & tag] = "Dogon Ethnic Group (Mali)"
    foreign = ctx.foreign
    if foreign.any():
        country = np.array(FOREIGN_NATIONALITIES)[
            choose(rng, np.tile(FOREIGN_WEIGHTS, (int(foreign.sum()), 1)))
        ]
        a1[foreign] = np.where(_before(ctx.day[foreign], date(2017, 3, 2)), ANSAR_DINE, JNIM)
        s1[foreign] = NONE
        a2[foreign] = np.char.add(np.char.add("Civilians (", country), ")")
        s2[foreign] = np.char.add(np.char.add("Foreign Workers (", country), ")")


def _unrest(rng: np.random.Generator, ctx: Context, out: _Columns, sides: _Sides) -> None:
    """Riots and protests, with the police where it intervenes (in place)."""
    a1, a2 = out.a1, out.a2
    n = len(ctx.day)
    riot = ctx.type == "riot"
    protest = ctx.type == "protest"
    police = mali_police(ctx.day)
    a1[riot], a1[protest] = RIOTERS, PROTESTERS
    u = rng.random(n)
    a2[riot] = np.where(u < 0.3, police, np.where(u < 0.5, CIVILIANS, NONE))[riot]
    a2[protest] = NONE
    checked = protest & (ctx.sub == "Protest with intervention")
    a2[checked] = police[checked]


def _strategic(rng: np.random.Generator, ctx: Context, out: _Columns, sides: _Sides) -> None:
    """Strategic developments: looting, arrests, base changes ... (in place)."""
    a1, s1, a2 = out.a1, out.s1, out.a2
    army, army_assoc, jihad = sides.army, sides.army_assoc, sides.jihad
    n = len(ctx.day)
    strategic = ctx.type == "strategic"
    by_state = np.isin(
        ctx.sub, ["Arrests", "Headquarters or base established", "Disrupted weapons use"]
    ) | ((ctx.sub == "Non-violent transfer of territory") & (rng.random(n) < 0.4))
    looted = ctx.sub == "Looting/property destruction"
    a1[strategic] = np.where(looted & (rng.random(n) < 0.5), UNIDENTIFIED, jihad)[strategic]
    s1[strategic] = NONE
    a1[strategic & by_state] = army[strategic & by_state]
    s1[strategic & by_state] = army_assoc[strategic & by_state]
    on_people = strategic & np.isin(
        ctx.sub, ["Looting/property destruction", "Arrests", "Agreement"]
    )
    a2[strategic] = NONE
    a2[on_people] = CIVILIANS
    defused = strategic & (ctx.sub == "Disrupted weapons use")
    a2[defused] = jihad[defused]
    other = strategic & (ctx.sub == "Other")
    a1[other] = UNIDENTIFIED


def inter_code(actor: np.ndarray) -> np.ndarray:
    """ACLED's actor type: 1 state, 2 rebel, 3 political militia, 4 identity militia, 5 rioters,
    6 protesters, 7 civilians, 8 external/other forces, 0 none."""
    text = np.asarray(actor, dtype=str)
    starts = np.char.startswith
    return np.select(
        [
            text == NONE,
            starts(text, "Military Forces of Mali") | starts(text, "Police Forces of Mali"),
            starts(text, "Military Forces of") | starts(text, "MINUSMA") | (text == WAGNER),
            text == RIOTERS,
            text == PROTESTERS,
            starts(text, "Civilians"),
            np.isin(text, list(_MILITIAS)),
            np.isin(text, [UNIDENTIFIED, GATIA, MSA]),
        ],
        [0, 1, 8, 5, 6, 7, 4, 3],
        2,
    )


def interaction(inter1: np.ndarray, inter2: np.ndarray) -> np.ndarray:
    """ACLED's interaction code: the two actor types, smaller first (10 x type when alone)."""
    low, high = np.minimum(inter1, inter2), np.maximum(inter1, inter2)
    return np.where(inter2 == 0, 10 * inter1, 10 * low + high)
