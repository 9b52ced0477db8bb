"""The training frame: the feature panel joined with history, labels and baseline inputs.

The panel (``features.build_panel``) gives one row per district per week with numeric
feature columns whose names training does not need to know: every column except the
keys is a model feature. To them the model adds a few history features of its own
target and of "any" violence computed from the events (``hist_*``), so every target's
model sees its own past whatever the panel holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from forecast.store import Store
from training.baselines import baseline_inputs
from training.history import TARGETS, history_columns, history_features, weekly_counts
from training.labels import DEFAULT_ONSET_WEEKS, add_labels, label_name, onset_name

KEYS = ("district_code", "week")
EPOCH_MONDAY = date(1970, 1, 5)


def panel_feature_columns(panel: pl.DataFrame) -> list[str]:
    """Every numeric or boolean panel column except the keys."""
    return [
        name
        for name, dtype in panel.schema.items()
        if name not in KEYS and (dtype.is_numeric() or dtype == pl.Boolean)
    ]


def week_index(weeks: pl.Series) -> np.ndarray:
    """Weeks as consecutive integers (Monday 1970-01-05 is 0) for fast masks."""
    return ((weeks - EPOCH_MONDAY).dt.total_days() // 7).to_numpy().astype(np.int64)


@dataclass(frozen=True)
class Dataset:
    """Panel rows with ``hist_*``, ``y_*``, ``onset_*`` and baseline inputs, by week."""

    frame: pl.DataFrame
    panel_features: tuple[str, ...]
    horizons: tuple[int, ...]
    targets: tuple[str, ...]
    last_week: date
    week_idx: np.ndarray = field(repr=False)

    def features(self, target: str) -> list[str]:
        """The model's columns for ``target``: the panel's, then the target's own history."""
        extra = history_columns("any") + ([] if target == "any" else history_columns(target))
        return list(self.panel_features) + [c for c in extra if c not in self.panel_features]

    def labels(self, target: str, horizon: int) -> pl.Series:
        return self.frame[label_name(target, horizon)]

    def onset(self, target: str) -> np.ndarray:
        return self.frame[onset_name(target)].to_numpy()

    def matrix(self, columns: Sequence[str], rows: np.ndarray | None = None) -> np.ndarray:
        """Float32 feature matrix (nulls as NaN), optionally for a boolean row mask."""
        frame = self.frame if rows is None else self.frame.filter(pl.Series(rows))
        return frame.select(pl.col(c).cast(pl.Float32) for c in columns).to_numpy()


def build_dataset(
    panel: pl.DataFrame,
    events: pl.DataFrame,
    horizons: Sequence[int],
    targets: Sequence[str] = TARGETS,
    *,
    onset_weeks: int = DEFAULT_ONSET_WEEKS,
    last_week: date | None = None,
) -> Dataset:
    """Join the panel with history features, labels, onset flags and baseline inputs.

    ``last_week`` is the last week of data (default: the panel's last week); events after
    it are ignored and labels whose window passes it are null. The history grid starts
    at the earliest event week (or the panel's start if later events only) so onset and
    conflict history see the past before the panel begins.
    """
    panel_features = panel_feature_columns(panel)
    weeks = panel["week"]
    last = last_week or weeks.max()
    districts = panel["district_code"].unique().to_list()
    placed = events.filter(pl.col("district_code").is_in(districts))
    first = weeks.min()
    if placed.height:
        first_event = placed.select(pl.col("event_date").dt.truncate("1w").min()).item()
        first = min(first, first_event)
    counts = weekly_counts(placed, districts, first, last)
    grid = baseline_inputs(add_labels(counts, horizons, targets, onset_weeks), targets, horizons)
    grid = grid.join(history_features(counts, TARGETS), on=list(KEYS), how="left")
    derived = [c for c in grid.columns if c not in KEYS and c not in TARGETS]
    frame = (
        panel.filter(pl.col("week") <= last)
        .drop([c for c in derived if c in panel.columns])
        .join(grid.select(*KEYS, *derived), on=list(KEYS), how="left")
        .sort("week", "district_code")
    )
    return Dataset(
        frame=frame,
        panel_features=tuple(c for c in panel_features if c not in derived),
        horizons=tuple(horizons),
        targets=tuple(targets),
        last_week=last,
        week_idx=week_index(frame["week"]),
    )


PANEL_TABLE = "panel"


def load_panel(store: Store, *, refresh: bool = False) -> pl.DataFrame:
    """The stored feature panel; built (or extended, with ``refresh``) by ``features``.

    A missing panel is built with ``features.build_panel``; ``refresh`` brings a stored
    one up to date with ``features.extend_panel`` (new weeks, recent weeks recomputed).
    """
    stored = store.has_table(PANEL_TABLE)
    if stored and not refresh:
        return store.read(PANEL_TABLE)
    import features

    tables = store.load_tables()
    if stored:
        panel = features.extend_panel(store.read(PANEL_TABLE), tables)
    else:
        panel = features.build_panel(tables)
    store.replace(PANEL_TABLE, panel)
    return panel


def dataset_from_store(
    store: Store,
    horizons: Sequence[int],
    targets: Sequence[str] = TARGETS,
    *,
    onset_weeks: int = DEFAULT_ONSET_WEEKS,
    panel: pl.DataFrame | None = None,
) -> Dataset:
    """The training frame from the stored panel (or the one given) and events."""
    from forecast.schema import EVENTS

    panel = load_panel(store) if panel is None else panel
    events = EVENTS.conform(store.read("events"))
    return build_dataset(panel, events, horizons, targets, onset_weeks=onset_weeks)
