"""Training at monthly cadence: labels and onset by month, history from the monthly counts,
the backtest's issue_month, cadence-specific names, refused targets."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

import features
from forecast.core.cadence import MONTH
from forecast.core.schema import COUNTS
from tests.features import world as fworld
from training.backtest import Window, backtest, prediction_columns
from training.baselines import MonthlyHistoryForecaster, logistic_columns
from training.dataset import Dataset, build_dataset
from training.gate import GateRule
from training.synthetic_monthly import monthly_world
from training.tracking import gate, gate_block, model_name
from training.tune import inner_dataset, params_key


def month(m: int, year: int = 2020) -> date:
    return date(year, m, 1)


def _counts(rows: list[tuple[str, date, int, int]]) -> pl.DataFrame:
    return COUNTS.conform(
        pl.DataFrame(
            {
                "source": "acled",
                "district_code": [r[0] for r in rows],
                "month": [r[1] for r in rows],
                "events": [r[2] for r in rows],
                "fatalities": [r[3] for r in rows],
                "matched": "pcode",
                "units": 1,
            }
        )
    )


@pytest.fixture(scope="module")
def tiny_month() -> Dataset:
    """A and B, 2019-12 .. 2020-12. Events (Mali's event-level data): one battle in B on
    2019-12-31, so December 2019 comes from the events (A's counts of 5 are ignored). Counts
    from 2020: A 2 events in March (no deaths), 1 in July (3 deaths); B 1 in October."""
    events = fworld.events([fworld.event("e1", date(2019, 12, 31), "B")])
    counts = _counts(
        [
            ("A", month(12, 2019), 5, 5),
            ("A", month(3), 2, 0),
            ("A", month(7), 1, 3),
            ("B", month(10), 1, 0),
        ]
    )
    months = [month(12, 2019), *(month(m) for m in range(1, 13))]
    panel = pl.DataFrame(
        {
            "district_code": ["A"] * 13 + ["B"] * 13,
            "month": months * 2,
            "x": [float(i) for i in range(26)],
        }
    )
    return build_dataset(
        panel,
        events,
        [1, 3],
        ["any", "fatal"],
        cadence="month",
        counts=counts,
        district_countries={"A": "MLI", "B": "MLI"},
    )


def _value(ds: Dataset, code: str, m: date, column: str):
    rows = ds.frame.filter((pl.col("district_code") == code) & (pl.col("month") == m))
    return rows[column][0]


def test_labels_by_month(tiny_month: Dataset) -> None:
    assert _value(tiny_month, "A", month(2), "y_any_h1") == 1  # March
    assert _value(tiny_month, "A", month(3), "y_any_h1") == 0
    assert _value(tiny_month, "A", month(4), "y_any_h3") == 1  # May .. July
    assert _value(tiny_month, "A", month(8), "y_any_h3") == 0  # September .. November
    assert _value(tiny_month, "A", month(1), "y_fatal_h3") == 0  # March's events killed no one
    assert _value(tiny_month, "A", month(4), "y_fatal_h3") == 1  # July's 3 deaths
    assert _value(tiny_month, "B", month(9), "y_any_h1") == 1
    assert _value(tiny_month, "A", month(12), "y_any_h1") is None  # past the data
    assert _value(tiny_month, "A", month(10), "y_any_h3") is None
    assert _value(tiny_month, "A", month(12, 2019), "y_any_h3") == 1  # March


def test_onset_history_and_baseline_inputs_by_month(tiny_month: Dataset) -> None:
    # Onset: no event in the 12 months up to t.
    assert _value(tiny_month, "A", month(2), "onset_any") is True  # December 2019 was 0
    assert _value(tiny_month, "A", month(3), "onset_any") is False
    assert _value(tiny_month, "B", month(11), "onset_any") is False  # December 2019's battle
    assert _value(tiny_month, "B", month(12), "onset_any") is False  # October
    assert _value(tiny_month, "A", month(5), "hist_any_3m") == 2
    assert _value(tiny_month, "A", month(5), "hist_any_since") == 2
    assert _value(tiny_month, "A", month(8), "hist_fatal_6m") == 3  # deaths, not events
    assert _value(tiny_month, "B", month(1), "hist_any_1m") == 0
    assert _value(tiny_month, "B", month(12, 2019), "hist_any_1m") == 1
    assert _value(tiny_month, "A", month(5), "base_recent_any_h3") == 1
    assert tiny_month.features("fatal")[-5:] == [
        "hist_fatal_1m",
        "hist_fatal_3m",
        "hist_fatal_6m",
        "hist_fatal_12m",
        "hist_fatal_since",
    ]
    assert "hist_any_3m" in tiny_month.features("any")
    assert "x" in tiny_month.features("any")
    assert tiny_month.week_idx.tolist()[:2] == [MONTH.index(month(12, 2019))] * 2


def test_other_targets_are_refused_at_monthly_cadence(tiny_month: Dataset) -> None:
    with pytest.raises(ValueError, match="at monthly cadence the targets are any and fatal"):
        build_dataset(tiny_month.frame.select("district_code", "month", "x"), fworld.events([]),
                      [1], ["civilians"], cadence="month")  # fmt: skip


@pytest.fixture(scope="module")
def month_ds() -> Dataset:
    tables = monthly_world(districts=12, months=96, seed=4)
    panel = features.build_monthly_panel(tables)
    return build_dataset(
        panel,
        tables.events,
        [1, 3],
        ["any", "fatal"],
        cadence="month",
        counts=tables.counts,
        district_countries=dict.fromkeys(tables.districts["code"], "MLI"),
    )


def test_monthly_backtest_has_issue_month_and_month_folds(month_ds: Dataset) -> None:
    result = backtest(month_ds, "any", 3, params={"n_estimators": 30})
    preds = result.predictions
    assert [c for c in prediction_columns(MONTH)] == [
        "district_code",
        "issue_month",
        "horizon",
        "target",
        "probability",
        "observed",
        "climatology",
        "persistence",
        "conflictology",
        "logistic",
    ]
    assert set(prediction_columns(MONTH)) <= set(preds.columns)
    assert "issue_week" not in preds.columns
    assert (preds["issue_month"].dt.day() == 1).all()
    # Three years of issue months, refitted every 12 months.
    assert preds["issue_month"].n_unique() == 36
    assert preds["fold"].n_unique() == 3
    assert preds["origin"].unique().sort().to_list() == [
        MONTH.shift(preds["issue_month"].min(), 12 * k) for k in range(3)
    ]
    assert result.metric("log_loss") > 0
    assert set(result.overall["all"]) == {"model", *prediction_columns(MONTH)[6:]}


def test_monthly_model_uses_the_monthly_prior_and_calibration(month_ds: Dataset) -> None:
    from training.train import fit_final

    model = fit_final(month_ds, "fatal", 1, {"n_estimators": 10}, month_ds.features("fatal"), 0)
    assert model.calibration_weeks == 12
    assert list(model.prior_columns) == logistic_columns("fatal", "month")
    assert model.prior_columns[-2:] == ("hist_any_3m", "hist_any_12m")


def test_a_weekly_window_is_refused_for_a_monthly_dataset(month_ds: Dataset) -> None:
    with pytest.raises(ValueError, match="weekly backtest window for a monthly dataset"):
        backtest(month_ds, "any", 1, window=Window(step=52))


def test_names_gate_blocks_and_tuning_by_cadence(month_ds: Dataset) -> None:
    assert model_name("any", 3, "month") == "risk-any-m3"
    assert model_name("any", 4) == "risk-any-h4"
    assert params_key("fatal", 6, "month") == "fatal-m6"
    result = backtest(month_ds, "any", 1, params={"n_estimators": 20})
    assert gate_block(GateRule(), result) == 3  # at least a quarter
    assert gate_block(GateRule(block_weeks=8), result) == 3  # block_weeks counts weeks
    decision = gate(result, GateRule(resamples=500))
    assert decision.values["block_weeks"] == 3.0
    inner = inner_dataset(month_ds, 3, date(2002, 1, 1))
    assert inner.cadence is MONTH and inner.frame["month"].max() == date(2001, 12, 1)
    cut = inner.frame.filter(pl.col("month") == date(2001, 10, 1))["y_any_h3"]
    assert cut.null_count() == cut.len()  # its window (Nov .. Jan) reaches the cut


def test_monthly_logistic_baseline_reads_monthly_columns(month_ds: Dataset) -> None:
    rows = month_ds.labels("any", 1).is_not_null().to_numpy()
    columns = logistic_columns("any", "month")
    X = month_ds.frame.filter(pl.Series(rows)).select(columns).to_pandas()
    y = month_ds.labels("any", 1).drop_nulls().to_numpy()
    model = MonthlyHistoryForecaster("any").fit(X, y)
    assert model.get_params() == {"target": "any", "C": 1.0}
    p = model.predict_proba(X)[:, 1]
    assert 0 < p.mean() < 1 and np.isfinite(p).all()


def test_the_embargo_is_h_months(month_ds: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    import training.backtest as bt

    trained: list[np.ndarray] = []

    class Spy:
        def fit(self, X, y, week):
            trained.append(np.asarray(week))
            return self

        def predict_proba(self, X):
            return np.full((len(X), 2), 0.5)

    monkeypatch.setattr(bt, "make_model", lambda params, target, horizon, seed: Spy())
    h = 3
    result = bt.backtest(month_ds, "any", h, window=Window.of(MONTH, step=5))
    firsts = result.predictions.group_by("fold").agg(pl.col("issue_month").min()).sort("fold")
    assert firsts.height == len(trained) >= 6
    for first_test, weeks in zip(firsts["issue_month"], trained, strict=True):
        assert weeks.max() + h < MONTH.index(first_test)
        assert weeks.max() + h == MONTH.index(first_test) - 1  # nothing more is held out


def test_monthly_retrain_beside_the_weekly_models(tmp_path, tracking) -> None:
    """``retrain --cadence month``: the monthly panel, risk-*-m* models, monthly rows."""
    from forecast.core.schema import COUNTS, DISTRICTS, PARTNER_PRESENCE
    from forecast.core.settings import Settings
    from forecast.core.store import Store
    from forecast.jobs.retrain import ExitCode, retrain
    from training.tune import save_params

    uri, _, _ = tracking
    tables = monthly_world(districts=12, months=96, seed=4)
    settings = Settings(
        home=tmp_path / "home", mlflow_tracking_uri=uri, targets=["any", "civilians"], seed=1
    )
    with Store(settings.db_path) as store, store.transaction():
        store.upsert(DISTRICTS, tables.districts)
        store.upsert(COUNTS, tables.counts)
        store.upsert(PARTNER_PRESENCE, tables.partners)
    for h in (1, 3, 6):
        save_params(settings.home, "any", h, {"params": {"n_estimators": 20}}, "month")
    report = retrain(settings, jobs=1, cadence="month")
    assert report.code in (ExitCode.PROMOTED, ExitCode.NOT_PROMOTED), "\n".join(report.lines)
    # civilians cannot be labelled from counts: the settings' other targets are left out.
    assert [o.name for o in report.outcomes] == ["risk-any-m1", "risk-any-m3", "risk-any-m6"]
    with Store(settings.db_path) as store:
        assert store.has_table("panel_month") and not store.has_table("panel")
        rows = store.read("forecasts")
    assert set(rows["cadence"]) == {"month"} and rows.height == 12 * 3
    assert set(rows["issue_week"]) == {tables.counts["month"].max()}
    assert {v.split("/")[0] for v in rows["model_version"]} == {
        "risk-any-m1", "risk-any-m3", "risk-any-m6",
    }  # fmt: skip
    assert any(line.startswith("scored issue month") for line in report.lines)


def test_tuning_searches_inside_the_monthly_training_window(month_ds: Dataset) -> None:
    from training.tune import tune

    entry = tune(month_ds, "any", 1, metric="log_loss", n_trials=2, seed=3, log_trials=False)
    until = date.fromisoformat(entry["until"])
    # The outer backtest's first origin: three years of issue months before the last one.
    assert until.day == 1 and until == MONTH.shift(month_ds.last_week, -36)
    assert entry["trials"] == 2 and entry["value"] > 0
