"""Actor-group matching: which events involve jihadist groups, partner forces, foreign victims.

Matching is case-insensitive literal substring search (Aho-Corasick via polars) over a
few text columns, so the keyword lists in :class:`~features.config.FeatureConfig` can be
edited without regular-expression escaping.
"""

from __future__ import annotations

import polars as pl

from features.config import FeatureConfig

ACTOR_FIELDS = ("actor1", "actor2", "assoc_actors")
VICTIM_FIELDS = ("actor2", "assoc_actors", "notes")

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
