"""Fixtures for the training tests: a hand-made mini world and a planted-signal world."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from forecast.core import vocab
from forecast.core.schema import EVENTS
from training.dataset import Dataset, build_dataset
from training.synthetic import World, synthetic_world

MONDAY0 = date(2024, 1, 1)  # a Monday
FAST = {"n_estimators": 40, "learning_rate": 0.1, "min_child_samples": 20}


def week(n: int) -> date:
    return MONDAY0 + timedelta(weeks=n)


def tiny_events() -> pl.DataFrame:
    """A: battle (no deaths) in week 2, fatal abduction in week 5.
    B: protest in week 0 (not political violence), fatal attack on civilians in week 7.
    Dates are Wednesdays so the week truncation is exercised."""
    rows = [
        ("A", 2, vocab.BATTLE, 0),
        ("A", 5, vocab.ABDUCTION, 3),
        ("B", 0, vocab.PROTEST, 0),
        ("B", 7, vocab.CIVILIAN_VIOLENCE, 1),
    ]
    return EVENTS.conform(
        pl.DataFrame(
            {
                "source": "test",
                "source_id": [str(i) for i in range(len(rows))],
                "event_date": [week(w) + timedelta(days=2) for _, w, _, _ in rows],
                "event_type": [t for _, _, t, _ in rows],
                "violent": [t != vocab.PROTEST for _, _, t, _ in rows],
                "fatalities": [f for *_, f in rows],
                "source_version": 1,
                "district_code": [d for d, *_ in rows],
                "placement": vocab.PLACED_POINT,
            }
        )
    )


def tiny_panel(weeks: int = 10) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "district_code": ["A"] * weeks + ["B"] * weeks,
            "week": [week(w) for w in range(weeks)] * 2,
            "x": [float(i) for i in range(2 * weeks)],
        }
    )


@pytest.fixture(scope="session")
def tiny() -> Dataset:
    return build_dataset(tiny_panel(), tiny_events(), [1, 4], onset_weeks=3)


@pytest.fixture(scope="session")
def world() -> World:
    return synthetic_world(districts=15, weeks=260, seed=3)


@pytest.fixture(scope="session")
def world_ds(world: World) -> Dataset:
    return build_dataset(world.panel, world.events, [4])


@pytest.fixture(scope="module")
def tracking(tmp_path_factory: pytest.TempPathFactory):
    """A fresh local MLflow (SQLite + artifact folder) for one test module."""
    from training.tracking import configure

    root: Path = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = configure(uri, root / "artifacts")
    return uri, root, client


def fill_store(db_path: Path, world: World) -> None:
    """A store holding the world's events and its panel (as `forecast features build` would)."""
    from forecast.core.store import Store

    with Store(db_path) as store:
        with store.transaction():
            store.upsert(EVENTS, world.events)
        store.replace("panel", world.panel)


def fast_params(home: Path, pairs: list[tuple[str, int]]) -> None:
    """Store small LightGBM parameters as if `forecast tune` had chosen them."""
    from training.tune import save_params

    for target, horizon in pairs:
        save_params(home, target, horizon, {"params": FAST})


def promote_fast(world: World, client, target: str = "any", horizon: int = 4):
    """Train the FAST model for one pair on the world, register it and make it champion."""
    from training.backtest import Window
    from training.train import TrainConfig, promote, train_candidates

    ds = build_dataset(world.panel, world.events, [horizon])
    config = TrainConfig(
        "average_precision", 1, Window(step=52, default_years=1), params={(target, horizon): FAST}
    )
    _, (outcome,) = train_candidates(ds, [(target, horizon)], config, client)
    promote(client, outcome)
    return outcome
