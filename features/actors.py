"""Actors: events involving foreign victims, partner forces, or jihadist groups.

Which events belong to a group is decided by keyword matching (see
:mod:`features.matching` and the editable lists in :class:`~features.config.FeatureConfig`).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from features.catalogue import FeatureSpec, km_label, weeks_label
from features.config import FeatureConfig
from features.context import Context
from features.matching import GROUP_FIELDS
from features.series import Trailing

FAMILY = "actors"
ZERO = "0 when there were none"
MEANING = {
    "foreign_victim": "violent events with foreign nationals, foreign or aid workers as victims",
    "partner_force": "events involving partner forces (UN, French, Wagner, Africa Corps ...)",
    "jihadist": "events involving jihadist groups (JNIM, Islamic State Sahel, Ansaroul Islam ...)",
}


def _meaning(group: str) -> str:
    fields, _ = GROUP_FIELDS[group]
    return f"{MEANING[group]}; keywords matched in {', '.join(fields)}"


def specs(config: FeatureConfig) -> list[FeatureSpec]:
    out: list[FeatureSpec] = []
    near = km_label(config.near_km)
    for group in config.actor_groups:
        for w in config.spread_windows:
            out.append(
                FeatureSpec(
                    f"{group}_{w}w",
                    FAMILY,
                    f"{_meaning(group)}; in the district",
                    weeks_label(w),
                    "events",
                    ZERO,
                )
            )
        for w in config.spread_windows:
            out.append(
                FeatureSpec(
                    f"{group}_{near}_{w}w",
                    FAMILY,
                    f"{_meaning(group)}; within {config.near_km:g} km of the centroid",
                    weeks_label(w),
                    "events",
                    ZERO,
                )
            )
        for w in config.actor_national_windows:
            out.append(
                FeatureSpec(
                    f"{group}_national_{w}w",
                    FAMILY,
                    f"{_meaning(group)}; in the district's country",
                    weeks_label(w),
                    "events",
                    ZERO,
                )
            )
    return out


def compute(ctx: Context) -> Iterator[tuple[str, np.ndarray]]:
    config, axis, recent = ctx.config, ctx.axis, ctx.recent
    near = km_label(config.near_km)
    for group in config.actor_groups:
        mask = recent.groups[group]
        district = Trailing(ctx.weekly(recent, mask, row0=axis.recent), axis.recent, axis.out)
        for w in config.spread_windows:
            yield f"{group}_{w}w", district.sum(w)
        band = Trailing(ctx.bands.pop(group)[config.near_km], axis.recent, axis.out)
        for w in config.spread_windows:
            yield f"{group}_{near}_{w}w", band.sum(w)
        national = Trailing(
            ctx.weekly_national(recent, mask, row0=axis.recent), axis.recent, axis.out
        )
        for w in config.actor_national_windows:
            yield f"{group}_national_{w}w", national.sum(w)[:, ctx.districts.country]
