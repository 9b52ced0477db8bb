"""Escalation: a district's expected count against its own normal.

For a district, issue period t and horizon h, the **normal** is the mean of its last 52
h-period counts (the windows ending at t, t-1, .., t-51; training.counts' past sample),
and

- ``ratio`` = max(expected, floor) / max(normal, floor): the floor keeps a calm
  district's 0.02 expected events against a normal of 0.005 from reading as "four times
  its normal";
- ``percentile``: the share of those 52 past counts below the expected count (ties count
  half): 0.95 means the coming h periods are expected to be busier than 95% of the past
  year's;
- ``escalation``: ``escalating`` when the ratio reaches ``up``, ``easing`` when it falls to
  ``down``, ``usual`` in between (settings ``escalation_up``, ``escalation_down``,
  ``escalation_floor``). A district with no past sample (a new district) has no label.

Pure numpy: the scoring writes the results into the ``intensity`` table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ESCALATING = "escalating"
USUAL = "usual"
EASING = "easing"
LABELS = (ESCALATING, USUAL, EASING)


@dataclass(frozen=True)
class Thresholds:
    up: float = 1.5
    down: float = 0.67
    floor: float = 0.5

    def __post_init__(self) -> None:
        if not (0 < self.down < 1 < self.up) or self.floor <= 0:
            raise ValueError(f"need 0 < down < 1 < up and floor > 0, got {self}")

    @classmethod
    def from_settings(cls, settings: object) -> Thresholds:
        return cls(
            up=float(getattr(settings, "escalation_up", cls.up)),
            down=float(getattr(settings, "escalation_down", cls.down)),
            floor=float(getattr(settings, "escalation_floor", cls.floor)),
        )


def normal(past: np.ndarray) -> np.ndarray:
    """Mean of each row's past counts, missing windows ignored (NaN when none)."""
    past = np.asarray(past, np.float64)
    seen = np.isfinite(past)
    total = np.where(seen, past, 0.0).sum(axis=1)
    n = seen.sum(axis=1)
    return np.divide(total, n, out=np.full(len(past), np.nan), where=n > 0)


def percentile(expected: np.ndarray, past: np.ndarray) -> np.ndarray:
    """Share of each row's past counts below its expected count, ties half (NaN when none)."""
    past = np.asarray(past, np.float64)
    e = np.asarray(expected, np.float64)[:, None]
    seen = np.isfinite(past)
    below = (seen & (past < e)).sum(axis=1) + 0.5 * (seen & (past == e)).sum(axis=1)
    n = seen.sum(axis=1)
    return np.divide(below, n, out=np.full(len(past), np.nan), where=n > 0)


def ratio(expected: np.ndarray, usual: np.ndarray, floor: float) -> np.ndarray:
    """Expected over normal, both floored (NaN where the normal is unknown)."""
    e = np.maximum(np.asarray(expected, np.float64), floor)
    u = np.asarray(usual, np.float64)
    return np.where(np.isfinite(u), e / np.maximum(np.nan_to_num(u, nan=floor), floor), np.nan)


def label(r: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    """``escalating`` / ``usual`` / ``easing`` per ratio; None where the ratio is unknown."""
    r = np.asarray(r, np.float64)
    out = np.full(len(r), USUAL, dtype=object)
    out[r >= thresholds.up] = ESCALATING
    out[r <= thresholds.down] = EASING
    out[~np.isfinite(r)] = None
    return out


@dataclass(frozen=True)
class Escalation:
    normal: np.ndarray
    ratio: np.ndarray
    percentile: np.ndarray
    label: np.ndarray


def escalation(expected: np.ndarray, past: np.ndarray, thresholds: Thresholds) -> Escalation:
    """Normal, ratio, percentile and label of each row's expected count."""
    usual = normal(past)
    r = ratio(expected, usual, thresholds.floor)
    return Escalation(usual, r, percentile(expected, past), label(r, thresholds))
