"""Actor-group matching: which events involve jihadist groups, partner forces, foreign victims,
the national forces, Russian forces.

Matching is case-insensitive literal substring search (Aho-Corasick via polars) over a
few text columns, so the keyword lists in :class:`~features.config.FeatureConfig` can be
edited without regular-expression escaping. National forces are matched per country: a
keyword of Mali's counts only in Mali's events.
"""

from __future__ import annotations

import polars as pl

from features.config import FeatureConfig
from forecast.core import vocab

ACTOR_FIELDS = ("actor1", "actor2", "assoc_actors")
VICTIM_FIELDS = ("actor2", "assoc_actors", "notes")
SIDE_FIELDS = ("actor1", "actor2")  # one actor each; assoc_actors merges both sides' allies

# Attacks on army or partner positions: clashes and remote violence (IEDs, shelling,
# suicide bombs) whose second actor is the force attacked. ACLED lists the side that acted
# first: in the Sahel exports, notes of battles with the state side second describe
# militants attacking it 44% of the time (4% with the state side first), and the state
# side first in remote violence is mostly air strikes.
ATTACK_TYPES = (vocab.BATTLE, vocab.REMOTE_VIOLENCE)

# Which text columns each group is searched in, and whether only violent events count.
GROUP_FIELDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "foreign_victim": (VICTIM_FIELDS, True),
    "partner_force": (ACTOR_FIELDS, False),
    "jihadist": (ACTOR_FIELDS, False),
}


def group_exprs(config: FeatureConfig) -> dict[str, pl.Expr]:
    """A boolean expression per actor group over an events frame."""
    exprs: dict[str, pl.Expr] = {}
    for group, keywords in config.actor_groups.items():
        fields, violent_only = GROUP_FIELDS[group]
        if not keywords:
            exprs[group] = pl.lit(False)
            continue
        hit = pl.any_horizontal(
            pl.col(f).str.contains_any(list(keywords), ascii_case_insensitive=True).fill_null(False)
            for f in fields
        )
        exprs[group] = (hit & pl.col("violent")) if violent_only else hit
    return exprs


def army_exprs(events: pl.DataFrame, config: FeatureConfig) -> dict[str, pl.Expr]:
    """The army family's masks: national forces as an actor, attacks on army or partner
    positions, Russian forces as an actor."""
    distinct = _distinct(events)
    national = _national(distinct, config)
    partner = config.partner_force_keywords
    state = {f: national[f] | _named(distinct[f], f, partner) for f in SIDE_FIELDS}
    attack = pl.col("event_type").is_in(ATTACK_TYPES)
    return {
        "army": pl.any_horizontal(national.values()),
        # A national or partner force attacked by a side that is neither (not a mutiny or
        # friendly fire, where both sides match).
        "army_attacked": attack & state["actor2"] & ~state["actor1"],
        **_lasting(distinct, config),
    }


def lasting_exprs(events: pl.DataFrame, config: FeatureConfig) -> dict[str, pl.Expr]:
    """Groups whose "weeks since" reaches back over the whole history, not only the windows."""
    return _lasting(_distinct(events), config)


# The army masks search each actor field's distinct values (a few thousand strings against
# millions of events) and look the events up in the matches.


def _distinct(events: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {f: events.get_column(f).drop_nulls().unique().to_frame("value") for f in ACTOR_FIELDS}


def _named(values: pl.DataFrame, field: str, keywords: tuple[str, ...]) -> pl.Expr:
    """Whether the field contains a keyword (false for null)."""
    if not keywords:
        return pl.lit(False)
    hit = pl.col("value").str.contains_any(list(keywords), ascii_case_insensitive=True)
    return pl.col(field).is_in(values.filter(hit)["value"].implode()).fill_null(False)


def _lasting(distinct: dict[str, pl.DataFrame], config: FeatureConfig) -> dict[str, pl.Expr]:
    keywords = config.russian_force_keywords
    return {
        "russian_force": pl.any_horizontal(_named(distinct[f], f, keywords) for f in ACTOR_FIELDS)
    }


def _national(distinct: dict[str, pl.DataFrame], config: FeatureConfig) -> dict[str, pl.Expr]:
    """Per field, the pair (its value, the event's country) looked up among the values naming
    that country's forces: one hash lookup per field however many countries are listed."""
    countries = sorted({*config.national_force_keywords, *config.national_force_names})
    exprs: dict[str, pl.Expr] = {}
    for f, values in distinct.items():
        pairs = [(v, c) for c in countries for v in _own_forces(values, f, c, config)]
        if not pairs:
            exprs[f] = pl.lit(False)
            continue
        table = pl.DataFrame(pairs, schema={"value": pl.String, "country": pl.String}, orient="row")
        own = pl.struct(value=pl.col(f), country=pl.col("country"))
        exprs[f] = own.is_in(table.to_struct().implode()).fill_null(False)
    return exprs


def _own_forces(values: pl.DataFrame, field: str, country: str, config: FeatureConfig) -> list[str]:
    """The distinct values naming one country's state forces: a keyword, or a side's name."""
    keywords = list(config.national_force_keywords.get(country, ()))
    names = [n.lower() for n in config.national_force_names.get(country, ())]
    hit = pl.lit(False)
    if keywords:
        hit = hit | pl.col("value").str.contains_any(keywords, ascii_case_insensitive=True)
    if names and field in SIDE_FIELDS:
        hit = hit | pl.col("value").str.to_lowercase().is_in(names)
    return values.filter(hit)["value"].to_list()
