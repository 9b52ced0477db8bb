"""Pooled training across countries: which rows train, which are evaluated, no leaks."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from training import backtest as bt
from training.baselines import Climatology
from training.dataset import Dataset, ablation_columns, build_dataset
from training.synthetic import World, synthetic_world

from .conftest import FAST

CODES = {"MLI": 466.0, "NER": 562.0}


def country_of(code: str) -> str:
    """Districts D000-D005 are Malian, D006-D011 Nigerien."""
    return "MLI" if int(code[1:]) < 6 else "NER"


@pytest.fixture(scope="module")
def two_countries() -> World:
    world = synthetic_world(districts=12, weeks=260, seed=5)
    # The country feature, as features.static writes it, so the spy sees each row's country.
    panel = world.panel.with_columns(
        pl.col("district_code")
        .map_elements(lambda c: CODES[country_of(c)], return_dtype=pl.Float64)
        .cast(pl.Float32)
        .alias("country_code")
    )
    return World(panel=panel, events=world.events)


@pytest.fixture(scope="module")
def pooled(two_countries: World) -> Dataset:
    codes = two_countries.panel["district_code"].unique().to_list()
    return build_dataset(
        two_countries.panel,
        two_countries.events,
        [4],
        district_countries={c: country_of(c) for c in codes},
    )


class Spy:
    """Stands in for the model; records each fit's (country code, week) rows."""

    seen: ClassVar[list[pd.DataFrame]] = []

    def fit(self, X: pd.DataFrame, y: np.ndarray, week: np.ndarray) -> Spy:
        Spy.seen.append(pd.DataFrame({"country": X["country_code"].to_numpy(), "week": week}))
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return np.full((len(X), 2), 0.5)


def spy_backtest(
    ds: Dataset, monkeypatch: pytest.MonkeyPatch, **kwargs: Any
) -> tuple[bt.BacktestResult, list[pl.DataFrame]]:
    """A backtest with the spy as model; also each baseline fit's training frame."""
    Spy.seen = []
    frames: list[pl.DataFrame] = []
    original_fit = Climatology.fit

    def spy_fit(self: Climatology, frame: pl.DataFrame, y: np.ndarray) -> Climatology:
        frames.append(frame.select("district_code", "week"))
        return original_fit(self, frame, y)

    monkeypatch.setattr(bt, "make_model", lambda params, target, horizon, seed: Spy())
    monkeypatch.setattr(Climatology, "fit", spy_fit)
    result = bt.backtest(ds, "any", 4, window=bt.Window(step=26), **kwargs)
    return result, frames


def test_no_country_trains_on_labels_after_the_origin(
    pooled: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = 4
    result, frames = spy_backtest(pooled, monkeypatch, countries=["MLI"])
    folds = result.predictions.group_by("fold").agg(pl.col("issue_week").min()).sort("fold")
    assert folds.height == len(Spy.seen) == len(frames) >= 5
    for first_test, trained, base in zip(folds["issue_week"], Spy.seen, frames, strict=True):
        origin = bt.to_index(first_test)
        # Pooled: both countries train, each only on label windows ending before the origin.
        by_country = trained.groupby("country")["week"].max()
        assert sorted(by_country.index) == sorted(CODES.values())
        assert (by_country + h < origin).all(), by_country
        # The baselines fit on the same rows: the same countries, the same embargo.
        countries = {country_of(c) for c in base["district_code"].unique()}
        assert countries == {"MLI", "NER"}
        assert bt.to_index(base["week"].max()) + h < origin
        assert len(base) == len(trained)
    # Only Malian rows are predicted and scored.
    assert {country_of(c) for c in result.predictions["district_code"].unique()} == {"MLI"}


def test_unpooled_trains_on_the_evaluated_countries_only(
    pooled: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, frames = spy_backtest(pooled, monkeypatch, countries=["NER"], pool=False)
    assert all(set(t["country"]) == {CODES["NER"]} for t in Spy.seen)
    assert all({country_of(c) for c in f["district_code"]} == {"NER"} for f in frames)
    assert {country_of(c) for c in result.predictions["district_code"]} == {"NER"}
    # The same folds as the pooled run: one origin per block for every country.
    pooled_result, _ = spy_backtest(pooled, monkeypatch, countries=["NER"])
    assert result.predictions["origin"].unique().sort().to_list() == (
        pooled_result.predictions["origin"].unique().sort().to_list()
    )


def test_the_dataset_says_which_countries_train_and_evaluate(pooled: Dataset) -> None:
    assert pooled.loaded_countries == ["MLI", "NER"]
    assert pooled.in_countries().all()  # no countries chosen: every row
    mali = pooled.for_countries(["mli"])
    assert mali.countries == ("MLI",)
    assert mali.frame.height == pooled.frame.height  # pooled: every row still trains
    assert mali.in_countries().sum() == pooled.frame.height / 2
    alone = pooled.for_countries(["MLI"], pool=False)
    assert alone.frame.height == pooled.frame.height / 2
    assert set(alone.country) == {"MLI"} and len(alone.week_idx) == alone.frame.height
    with pytest.raises(ValueError, match="no districts of BFA loaded"):
        pooled.for_countries(["BFA"])


def test_the_default_backtest_evaluates_the_datasets_countries(pooled: Dataset) -> None:
    mali = pooled.for_countries(["MLI"])
    window = bt.Window(step=52, default_years=1)
    result = bt.backtest(mali, "any", 4, params=FAST, window=window, baselines=False)
    assert {country_of(c) for c in result.predictions["district_code"]} == {"MLI"}
    explicit = bt.backtest(
        pooled, "any", 4, params=FAST, window=window, baselines=False, countries=["MLI"]
    )
    assert result.predictions.equals(explicit.predictions)


def test_without_leaves_families_and_globs_out_of_the_model(pooled: Dataset) -> None:
    families = {"driver": "history", "noise_a": "noise", "noise_b": "noise"}
    columns = pooled.panel_features
    assert ablation_columns(columns, ["noise"], families) == ["noise_a", "noise_b"]
    assert ablation_columns(columns, ["noise_*", "noise"], families) == ["noise_a", "noise_b"]
    assert ablation_columns(columns, ["country_*"], families) == ["country_code"]
    with pytest.raises(ValueError, match="'army' is no feature family"):
        ablation_columns(columns, ["army"], families)
    lean = pooled.without(["noise_a", "noise_b"])
    assert "noise_a" not in lean.features("any") and "driver" in lean.features("any")
    assert "hist_any_4w" in lean.features("any")  # the model's own history prior stays


# --- the commands ---------------------------------------------------------------------------


@pytest.fixture
def app() -> typer.Typer:
    from forecast.commands.training import register

    app = typer.Typer()
    register(app)
    return app


def fill_two_country_store(db_path: Path, world: World) -> None:
    from forecast.core.schema import DISTRICTS, EVENTS
    from forecast.core.store import Store

    codes = sorted(world.panel["district_code"].unique().to_list())
    districts = DISTRICTS.conform(
        pl.DataFrame(
            {
                "code": codes,
                "name": codes,
                "country": [country_of(c) for c in codes],
                "centroid_lat": [14.0] * len(codes),
                "centroid_lon": [float(i) for i in range(len(codes))],
            }
        )
    )
    with Store(db_path) as store:
        with store.transaction():
            store.upsert(DISTRICTS, districts)
            store.upsert(EVENTS, world.events)
        store.replace("panel", world.panel)


def run_backtest(app: typer.Typer, tmp_path: Path, *options: str) -> tuple[Any, pl.DataFrame]:
    out = tmp_path / "preds.csv"
    args = ["backtest", "--horizon", "4", "--target", "any", "--start", "2016-01-04"]
    args += ["--step", "52", "--out", str(out), "--no-log", "--jobs", "1", *options]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result, pl.read_csv(out, try_parse_dates=True)


def test_backtest_command_country_pool_and_without(
    app: typer.Typer, home: Path, two_countries: World, tmp_path: Path
) -> None:
    from forecast.core.settings import get_settings

    from .conftest import fast_params

    fill_two_country_store(get_settings().db_path, two_countries)
    fast_params(home, [("any", 4)])
    result, everyone = run_backtest(app, tmp_path)
    assert {country_of(c) for c in everyone["district_code"]} == {"MLI", "NER"}
    assert "evaluated on all; trained on MLI,NER" in result.output
    result, mali = run_backtest(app, tmp_path, "--country", "MLI", "--without", "noise_*")
    assert {country_of(c) for c in mali["district_code"]} == {"MLI"}
    assert "evaluated on MLI; trained on MLI,NER; without noise_*" in result.output
    # Baselines are fitted on the same (pooled) rows whatever the model's columns.
    same = everyone.filter(pl.col("district_code").is_in(mali["district_code"].unique().implode()))
    assert same.sort("district_code", "issue_week")["logistic"].to_list() == pytest.approx(
        mali.sort("district_code", "issue_week")["logistic"].to_list()
    )
    result, alone = run_backtest(app, tmp_path, "--country", "MLI", "--no-pool")
    assert "trained on MLI" in result.output and "MLI,NER" not in result.output
    assert alone.columns == everyone.columns  # the documented columns, whatever the options
    refused = CliRunner().invoke(app, ["backtest", "--country", "BFA", "--no-log"])
    assert refused.exit_code == 2 and "no districts of BFA" in refused.output
    refused = CliRunner().invoke(app, ["backtest", "--without", "nothing", "--no-log"])
    assert refused.exit_code == 2 and "no feature family" in refused.output


def test_scoring_writes_only_the_services_countries(pooled: Dataset) -> None:
    from forecast.scoring import forecast_frame
    from training.fallback import fallbacks

    mali = pooled.for_countries(["MLI"])
    models = fallbacks(mali, [("any", 4)])
    frame = forecast_frame(mali, mali.last_week, models)
    assert {country_of(c) for c in frame["district_code"]} == {"MLI"}
    assert frame.height == 6
    everyone = forecast_frame(pooled, pooled.last_week, fallbacks(pooled, [("any", 4)]))
    assert everyone.height == 12
