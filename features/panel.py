"""Assembling the district x week panel from the feature families, in full or incrementally."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from features import actors, army, history, presence, spread, static
from features.catalogue import FeatureSpec
from features.config import FeatureConfig
from features.context import Context, build_context
from features.weeks import mondays, week_expr, week_of
from forecast.core.schema import CanonicalTables

KEYS = ("district_code", "week")


@dataclass(frozen=True)
class Family:
    specs: Callable[[FeatureConfig], list[FeatureSpec]]
    compute: Callable[[Context], Iterator[tuple[str, np.ndarray]]]


# Panel column order: families in this order, each in its own spec order.
FAMILIES = (
    Family(history.specs, history.compute),
    Family(spread.specs, spread.compute),
    Family(actors.specs, actors.compute),
    Family(army.specs, army.compute),
    Family(presence.deployment_specs, presence.compute_deployments),
    Family(presence.partner_specs, presence.compute_partners),
    Family(static.specs, static.compute),
)


def catalogue(config: FeatureConfig | None = None) -> list[FeatureSpec]:
    """Every feature column of the panel, in column order."""
    config = config or FeatureConfig()
    return [spec for family in FAMILIES for spec in family.specs(config)]


def build_panel(
    tables: CanonicalTables,
    *,
    start: date | None = None,
    end: date | None = None,
    config: FeatureConfig | None = None,
) -> pl.DataFrame:
    """One row per district per ISO week from ``start`` to ``end`` (both snapped to Mondays).

    Defaults: from the week of the first event to the week of the latest event. Row t
    uses only records dated up to the Sunday ending week t; events before ``start``
    still count as history.
    """
    config = config or FeatureConfig()
    start_week = week_of(start) if start else _event_week(tables, "min")
    end_week = week_of(end) if end else _event_week(tables, "max")
    if end_week < start_week:
        raise ValueError(f"end ({end}) is before start ({start})")
    return _build(tables, start_week, end_week, config)


def extend_panel(
    panel: pl.DataFrame,
    tables: CanonicalTables,
    *,
    end: date | None = None,
    config: FeatureConfig | None = None,
    weeks_to_refresh: int = 4,
) -> pl.DataFrame:
    """The panel with weeks after its last one appended, computing only those weeks.

    The last ``weeks_to_refresh`` stored weeks are recomputed too, to absorb events that
    arrived late for recent weeks. Older rows are kept as they are: the function assumes
    no back-dated edits further back (then run a full build). When the districts or the
    feature configuration differ from the panel's, it rebuilds from the panel's first week.
    The result equals ``build_panel`` over the same weeks.
    """
    config = config or FeatureConfig()
    if panel.height == 0:
        return build_panel(tables, end=end, config=config)
    first_week = week_of(panel["week"].min())  # type: ignore[arg-type]
    last_week = week_of(panel["week"].max())  # type: ignore[arg-type]
    end_week = week_of(end) if end else max(_event_week(tables, "max"), last_week)
    if end_week < last_week:
        raise ValueError("end is before the panel's last week; use build_panel for a shorter panel")
    codes = tables.districts["code"].sort()
    if not _compatible(panel, codes, config, last_week - first_week + 1):
        return _build(tables, first_week, end_week, config)
    if not _in_order(panel, codes):
        panel = panel.sort("week", "district_code")  # e.g. read back in another order
    refresh_from = max(first_week, last_week - max(weeks_to_refresh, 0) + 1)
    fresh = _build(tables, refresh_from, end_week, config)
    kept = panel.slice(0, (refresh_from - first_week) * codes.len())
    return pl.concat([kept, fresh], how="vertical", rechunk=False)


def _compatible(panel: pl.DataFrame, codes: pl.Series, config: FeatureConfig, n_weeks: int) -> bool:
    """Same feature columns, same districts, one row per district and week."""
    if panel.columns != [*KEYS, *(s.name for s in catalogue(config))]:
        return False
    if panel.height != n_weeks * codes.len() or panel["week"].n_unique() != n_weeks:
        return False
    present = panel["district_code"].unique().sort()
    return present.equals(codes, check_names=False)


def _in_order(panel: pl.DataFrame, codes: pl.Series) -> bool:
    """Rows sorted by week, then district code (the order build_panel returns)."""
    n_weeks = panel.height // codes.len()
    expected = codes.gather(np.tile(np.arange(codes.len()), n_weeks))
    return bool(panel["week"].is_sorted()) and bool(
        (panel["district_code"] == expected.alias("district_code")).all()
    )


def _event_week(tables: CanonicalTables, which: str) -> int:
    weeks = tables.events.select(week_expr("event_date").alias("w"))["w"]
    value = weeks.min() if which == "min" else weeks.max()
    if value is None:
        raise ValueError("no events: give start and end explicitly")
    return int(value)  # type: ignore[arg-type]


def _build(
    tables: CanonicalTables, start_week: int, end_week: int, config: FeatureConfig
) -> pl.DataFrame:
    ctx = build_context(tables, start_week, end_week, config)
    n_weeks, n_districts = ctx.axis.n_out, ctx.districts.n
    specs = catalogue(config)
    # One block for all feature columns: the panel's memory is a single allocation that
    # short-lived intermediates cannot fragment. Each column is a zero-copy view of a row.
    block = np.empty((len(specs), n_weeks * n_districts), dtype=np.float32)
    produced = (item for family in FAMILIES for item in family.compute(ctx))
    columns = [
        pl.Series("district_code", ctx.districts.codes, dtype=pl.String).gather(
            np.tile(np.arange(n_districts), n_weeks)
        ),
        mondays(np.repeat(ctx.axis.out_weeks, n_districts)),
    ]
    for i, (spec, (name, values)) in enumerate(zip(specs, produced, strict=True)):
        if name != spec.name:
            raise RuntimeError(f"family produced {name!r} where the catalogue has {spec.name!r}")
        block[i].reshape(n_weeks, n_districts)[...] = values
        columns.append(pl.Series(name, block[i], nan_to_null=True))
    return pl.DataFrame(columns)
