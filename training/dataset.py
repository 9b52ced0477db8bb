"""The training frame: the feature panel joined with history, labels and baseline inputs.

The panel (``features.build_panel``) gives one row per district per week with numeric
feature columns whose names training does not need to know: every column except the
keys is a model feature. To them the model adds a few history features of its own
target and of "any" violence computed from the events (``hist_*``), so every target's
model sees its own past whatever the panel holds.

At monthly cadence (``cadence="month"``) the panel is ``features.build_monthly_panel``'s
(key ``month``), and history, labels, onset flags and baseline inputs come from the monthly
counts (``features.monthly_counts``: the events inside their span, the ``counts`` table
elsewhere); the targets are ``any`` and ``fatal``. ``Dataset.week_idx`` then holds month
indices: everything downstream (folds, embargo, calibration) counts periods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import polars as pl

from forecast.core.cadence import WEEK, Cadence, check_targets
from forecast.core.cadence import get as get_cadence
from forecast.core.store import Store
from training.baselines import baseline_inputs
from training.history import (
    TARGETS,
    history_columns,
    history_features,
    monthly_grid,
    weekly_counts,
)
from training.labels import add_labels, label_name, onset_name

KEYS = ("district_code", "week")
EPOCH_MONDAY = date(1970, 1, 5)
# The period columns of either cadence's panel: never a model feature.
PERIOD_KEYS = ("week", "month")


def panel_feature_columns(panel: pl.DataFrame) -> list[str]:
    """Every numeric or boolean panel column except the keys."""
    return [
        name
        for name, dtype in panel.schema.items()
        if name not in (*KEYS, *PERIOD_KEYS) and (dtype.is_numeric() or dtype == pl.Boolean)
    ]


def ablation_columns(
    panel_features: Sequence[str], names: Sequence[str], families: Mapping[str, str]
) -> list[str]:
    """The panel columns to leave out for ``names``: each a feature family (``families``
    maps column -> family, from the catalogue) or a glob of column names
    ("cross_border_*"). Raises ValueError for a name that matches no panel column."""
    from fnmatch import fnmatchcase

    dropped: list[str] = []
    for name in names:
        hits = [c for c in panel_features if families.get(c) == name or fnmatchcase(c, name)]
        if not hits:
            known = ", ".join(sorted({families[c] for c in panel_features if c in families}))
            raise ValueError(f"{name!r} is no feature family ({known}) nor matches a feature")
        dropped.extend(c for c in hits if c not in dropped)
    return dropped


def week_index(weeks: pl.Series) -> np.ndarray:
    """Weeks as consecutive integers (Monday 1970-01-05 is 0) for fast masks."""
    return ((weeks - EPOCH_MONDAY).dt.total_days() // 7).to_numpy().astype(np.int64)


@dataclass(frozen=True)
class Dataset:
    """Panel rows with ``hist_*``, ``y_*``, ``onset_*`` and baseline inputs, by period.

    Countries: ``country`` is each row's ISO3 ("" when unknown; None when the dataset was
    built without districts). The rows of ``frame`` are the training rows; ``countries``
    are the ones evaluated (backtest predictions, metrics, the gate) and scored, every
    country when empty. :meth:`for_countries` sets both.

    ``cadence`` is the period of the rows (``forecast.core.cadence``); ``last_week`` is the last
    period of data and ``week_idx`` each row's period index, weeks or months alike.
    """

    frame: pl.DataFrame
    panel_features: tuple[str, ...]
    horizons: tuple[int, ...]
    targets: tuple[str, ...]
    last_week: date
    week_idx: np.ndarray = field(repr=False)
    country: np.ndarray | None = field(default=None, repr=False)
    countries: tuple[str, ...] = ()
    cadence: Cadence = WEEK

    @property
    def key(self) -> str:
        """The frame's period column: "week", or "month" at monthly cadence."""
        return self.cadence.key

    @property
    def loaded_countries(self) -> list[str]:
        """The countries of the rows (sorted ISO3 codes; "" for districts without one)."""
        return [] if self.country is None else sorted(set(self.country.tolist()))

    def in_countries(self, countries: Sequence[str] | None = None) -> np.ndarray:
        """Row mask of ``countries`` (default: the evaluated ones); every row for none."""
        chosen = self.countries if countries is None else _iso3(countries)
        if not chosen:
            return np.ones(self.frame.height, dtype=bool)
        if self.country is None:
            raise ValueError("this dataset has no district countries (no districts stored)")
        return np.isin(self.country, list(chosen))

    def for_countries(self, countries: Sequence[str], *, pool: bool = True) -> Dataset:
        """Evaluate and score ``countries`` (all when empty); train on every loaded
        country's rows when ``pool``, else on those countries' rows only.

        Raises ValueError for a country none of whose districts is loaded.
        """
        chosen = _iso3(countries)
        missing = [c for c in chosen if c not in self.loaded_countries]
        if missing:
            loaded = ", ".join(c for c in self.loaded_countries if c) or "none"
            raise ValueError(f"no districts of {', '.join(missing)} loaded (loaded: {loaded})")
        ds = replace(self, countries=chosen)
        if pool or not chosen:
            return ds
        keep = ds.in_countries()
        return replace(
            ds,
            frame=self.frame.filter(pl.Series(keep)),
            week_idx=self.week_idx[keep],
            country=None if self.country is None else self.country[keep],
        )

    def without(self, columns: Sequence[str]) -> Dataset:
        """The same rows with these panel columns left out of the model's features (an
        ablation); the baselines read their own columns and do not change."""
        drop = set(columns)
        return replace(self, panel_features=tuple(c for c in self.panel_features if c not in drop))

    def features(self, target: str) -> list[str]:
        """The model's columns for ``target``: the panel's, then the target's own history."""
        own = [] if target == "any" else history_columns(target, self.cadence)
        extra = history_columns("any", self.cadence) + own
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
    onset_weeks: int | None = None,
    last_week: date | None = None,
    district_countries: Mapping[str, str | None] | None = None,
    cadence: Cadence | str = WEEK,
    counts: pl.DataFrame | None = None,
) -> Dataset:
    """Join the panel with history features, labels, onset flags and baseline inputs.

    ``last_week`` is the last period of data (default: the panel's last one); events after
    it are ignored and labels whose window passes it are null. The history grid starts
    at the earliest event period (or the panel's start if later events only) so onset and
    conflict history see the past before the panel begins. ``district_countries`` (code ->
    ISO3, e.g. :func:`district_countries`) gives each row its country. ``onset_weeks`` is
    the onset window in periods (default the cadence's: 52 weeks, 12 months).

    At monthly cadence the history comes from :func:`features.monthly_counts` of ``events``
    and ``counts`` (the store's counts table; none when absent), split per country by
    ``district_countries``; targets other than any and fatal raise ValueError.
    """
    cad = get_cadence(cadence)
    check_targets(cad, targets)
    onset = cad.onset_window if onset_weeks is None else onset_weeks
    key = cad.key
    keys = ["district_code", key]
    panel_features = panel_feature_columns(panel)
    periods = panel[key]
    last = last_week or periods.max()
    districts = panel["district_code"].unique().to_list()
    first = periods.min()
    if cad is WEEK:
        placed = events.filter(pl.col("district_code").is_in(districts))
        if placed.height:
            first_event = placed.select(pl.col("event_date").dt.truncate("1w").min()).item()
            first = min(first, first_event)
        counts_grid = weekly_counts(placed, districts, first, last)
        target_names: Sequence[str] = TARGETS
    else:
        monthly = _monthly(events, counts, districts, district_countries, last)
        if monthly.height:
            first = min(first, monthly["month"].min())
        counts_grid = monthly_grid(monthly, districts, first, last)
        target_names = cad.targets
    labelled = add_labels(counts_grid, horizons, targets, onset)
    grid = baseline_inputs(labelled, targets, horizons, cad.conflictology_window)
    grid = grid.join(history_features(counts_grid, target_names, cad), on=keys, how="left")
    derived = [c for c in grid.columns if c not in keys and c not in target_names]
    frame = (
        panel.filter(pl.col(key) <= last)
        .drop([c for c in derived if c in panel.columns])
        .join(grid.select(*keys, *derived), on=keys, how="left")
        .sort(key, "district_code")
    )
    return Dataset(
        frame=frame,
        panel_features=tuple(c for c in panel_features if c not in derived),
        horizons=tuple(horizons),
        targets=tuple(targets),
        last_week=last,
        week_idx=cad.indices(frame[key]) if cad is not WEEK else week_index(frame[key]),
        country=_row_countries(frame["district_code"], district_countries),
        cadence=cad,
    )


def _monthly(
    events: pl.DataFrame,
    counts: pl.DataFrame | None,
    districts: Sequence[str],
    district_countries: Mapping[str, str | None] | None,
    last_month: date,
) -> pl.DataFrame:
    """features.monthly_counts for these districts, up to the last month of data."""
    from features.monthly_counts import monthly_counts
    from forecast.core.cadence import MONTH
    from forecast.core.schema import COUNTS

    mapping = district_countries or {}
    frame = pl.DataFrame(
        {"code": list(districts), "country": [mapping.get(c) for c in districts]},
        schema={"code": pl.Utf8, "country": pl.Utf8},
    )
    counts = COUNTS.empty() if counts is None else counts
    return monthly_counts(
        events.filter(pl.col("event_date") <= MONTH.last_day(last_month)),
        counts.filter(pl.col("month") <= last_month),
        frame,
    )


def _iso3(countries: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.strip().upper() for c in countries if c.strip()))


def _row_countries(
    codes: pl.Series, district_countries: Mapping[str, str | None] | None
) -> np.ndarray | None:
    if district_countries is None:
        return None
    mapping = {code: (country or "").upper() for code, country in district_countries.items()}
    return codes.replace_strict(mapping, default="", return_dtype=pl.Utf8).to_numpy()


def district_countries(store: Store) -> dict[str, str | None] | None:
    """District code -> ISO3 of the stored districts; None when none are stored."""
    if not store.has_table("districts"):
        return None
    districts = store.read("districts")
    if districts.is_empty():
        return None
    return dict(zip(districts["code"].to_list(), districts["country"].to_list(), strict=True))


PANEL_TABLE = "panel"


def load_panel(
    store: Store, *, refresh: bool = False, cadence: Cadence | str = WEEK
) -> pl.DataFrame:
    """The stored feature panel; built (or extended, with ``refresh``) by ``features``.

    A missing panel is built with ``features.build_panel``; ``refresh`` brings a stored
    one up to date with ``features.extend_panel`` (new weeks, recent weeks recomputed).
    The monthly panel (table ``panel_month``) is rebuilt whole: 30 years of months build
    in a second or two.
    """
    cad = get_cadence(cadence)
    table = cad.panel_table
    stored = store.has_table(table)
    if stored and not refresh:
        return store.read(table)
    import features

    tables = store.load_tables()
    if cad is not WEEK:
        panel = features.build_monthly_panel(tables)
    elif stored:
        panel = features.extend_panel(store.read(table), tables)
    else:
        panel = features.build_panel(tables)
    store.replace(table, panel)
    return panel


def dataset_from_store(
    store: Store,
    horizons: Sequence[int],
    targets: Sequence[str] = TARGETS,
    *,
    onset_weeks: int | None = None,
    panel: pl.DataFrame | None = None,
    countries: Sequence[str] = (),
    pool: bool = True,
    cadence: Cadence | str = WEEK,
) -> Dataset:
    """The training frame from the stored panel (or the one given) and events.

    ``countries`` and ``pool`` are the settings of the same names: which countries are
    evaluated and scored (all when empty), and whether every loaded country trains
    (see :meth:`Dataset.for_countries`). At monthly cadence the store's counts table joins
    the events (:func:`build_dataset`).
    """
    from forecast.core.schema import COUNTS, EVENTS

    cad = get_cadence(cadence)
    check_targets(cad, targets)
    panel = load_panel(store, cadence=cad) if panel is None else panel
    events = EVENTS.conform(store.read("events"))
    counts = None
    if cad is not WEEK and store.has_table("counts"):
        counts = COUNTS.conform(store.read("counts"))
    ds = build_dataset(
        panel,
        events,
        horizons,
        targets,
        onset_weeks=onset_weeks,
        district_countries=district_countries(store),
        cadence=cad,
        counts=counts,
    )
    return ds.for_countries(countries, pool=pool) if countries else ds
