"""Weekly exposure of each district to each force, from the presence records.

Proximity of a base to a district is exp(-km/reach), 1 inside the district. A partner's
exposure is the largest proximity over its bases present that week (in [0, 1]); national
bases add up and saturate (1 - exp(-sum)). The withdrawal surge is, over French and UN bases
already closed, the largest proximity x exp(-weeks since closing / e-folding weeks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from forecast.core.vocab import (
    PARTNER_AFRICA_CORPS,
    PARTNER_FRANCE,
    PARTNER_OTHER,
    PARTNER_UN,
    PARTNER_WAGNER,
)
from forecast.demo.forces import FAMA, Presence
from forecast.demo.geography import Geography
from forecast.demo.params import DemoParams

# The exposures, in the order of their columns in the truth table.
EXPOSURES = ("france", "un", "wagner", "africa_corps", "other", "fama", "withdrawal", "site")
_KIND = {
    "france": PARTNER_FRANCE,
    "un": PARTNER_UN,
    "wagner": PARTNER_WAGNER,
    "africa_corps": PARTNER_AFRICA_CORPS,
    "other": PARTNER_OTHER,
    "fama": FAMA,
}
_WITHDRAWING = frozenset({PARTNER_FRANCE, PARTNER_UN})


@dataclass(frozen=True)
class Exposure:
    names: tuple[str, ...]
    values: np.ndarray  # weeks x districts x len(names)

    def of(self, name: str) -> np.ndarray:
        return self.values[:, :, self.names.index(name)]


def week_starts(first: date, n_weeks: int) -> np.ndarray:
    """Mondays as numpy datetime64[D]."""
    return np.datetime64(first, "D") + 7 * np.arange(n_weeks)


def exposures(
    records: tuple[Presence, ...],
    geography: Geography,
    params: DemoParams,
    mondays: np.ndarray,
    sites: np.ndarray,
) -> Exposure:
    """All exposures for the given weeks (mondays) and districts."""
    kinds = np.array([r.partner for r in records])
    lat = np.array([r.lat for r in records])
    lon = np.array([r.lon for r in records])
    start = np.array([np.datetime64(r.start, "D") for r in records])
    end = np.array([np.datetime64(r.end or date.max, "D") for r in records])
    # Present during week t if the stay overlaps Monday..Sunday.
    present = (start[None, :] <= mondays[:, None] + 6) & (end[None, :] >= mondays[:, None])
    layers = []
    for name, kind in _KIND.items():
        effect = getattr(params, name)
        mine = kinds == kind
        near = geography.proximity(lat[mine], lon[mine], effect.reach_km)  # bases x districts
        weighted = present[:, mine, None] * near[None, :, :]
        if kind == FAMA:
            layers.append(1.0 - np.exp(-weighted.sum(axis=1)))
        else:
            layers.append(weighted.max(axis=1, initial=0.0))
    layers.append(_withdrawal(kinds, lat, lon, end, geography, params, mondays))
    layers.append(np.broadcast_to(sites, (len(mondays), geography.size)).astype(float))
    return Exposure(EXPOSURES, np.stack(layers, axis=2))


def _withdrawal(
    kinds: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    end: np.ndarray,
    geography: Geography,
    params: DemoParams,
    mondays: np.ndarray,
) -> np.ndarray:
    closing = np.isin(kinds, list(_WITHDRAWING)) & (end < np.datetime64(date.max, "D"))
    near = geography.proximity(lat[closing], lon[closing], params.withdrawal.reach_km)
    since = (mondays[:, None] - end[closing][None, :]).astype(float) / 7.0  # weeks
    decay = np.where(since > 0, np.exp(-np.clip(since, 0, None) / params.withdrawal.weeks), 0.0)
    return (decay[:, :, None] * near[None, :, :]).max(axis=1, initial=0.0)
