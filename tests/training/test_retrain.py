"""The retraining job end to end: exit codes, the lock, and failures that change nothing.

The tests share one store and one MLflow registry and run in file order: the first
promotes champions, the later ones check what happens on top of them.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from filelock import FileLock

from forecast.core.settings import Settings
from forecast.core.store import Store
from forecast.jobs.retrain import LOCK_FILE, ExitCode, retrain
from training import tracking as tracking_module
from training.backtest import Window
from training.synthetic import World
from training.tracking import CHAMPION, model_name

from .conftest import fast_params, fill_store

PAIRS = [("any", 4), ("fatal", 4)]
WINDOW = Window(step=52, default_years=1)


@pytest.fixture(scope="module")
def settings(world: World, tracking, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    uri, _, _ = tracking
    home = tmp_path_factory.mktemp("retrain-home")
    s = Settings(home=home, mlflow_tracking_uri=uri, targets=["any", "fatal"], horizons=[4], seed=2)
    fill_store(s.db_path, world)
    fast_params(home, PAIRS)
    return s


def champions(client) -> dict[str, str]:
    return {
        model_name(t, h): str(client.get_model_version_by_alias(model_name(t, h), CHAMPION).version)
        for t, h in PAIRS
    }


def forecasts(settings: Settings) -> pl.DataFrame:
    with Store(settings.db_path) as store:
        return store.read("forecasts").sort("target", "horizon", "district_code")


def test_first_run_promotes_and_scores_the_latest_week(
    settings: Settings, world: World, tracking
) -> None:
    report = retrain(settings, window=WINDOW, jobs=1)
    assert report.code == ExitCode.PROMOTED, "\n".join(report.lines)
    assert champions(tracking[2]) == {"risk-any-h4": "1", "risk-fatal-h4": "1"}
    stored = forecasts(settings)
    assert stored.height == 2 * world.panel["district_code"].n_unique()
    assert stored["issue_week"].unique().to_list() == [world.panel["week"].max()]


def test_first_run_records_the_champions_and_the_api_serves_them(
    settings: Settings, world: World
) -> None:
    from fastapi.testclient import TestClient

    from api import create_app
    from forecast.core import servicedb

    with Store(settings.db_path) as store:
        table = store.read("champions").sort("target")
        stored = store.read("forecasts")
    # The count models (events, fatalities) are gated on CRPS beside the risk models.
    assert table.select("target", "horizon", "model_name", "model_version").rows() == [
        ("any", 4, "risk-any-h4", "1"),
        ("events", 4, "count-events-h4", "1"),
        ("fatal", 4, "risk-fatal-h4", "1"),
        ("fatalities", 4, "count-fatalities-h4", "1"),
    ]
    # The final model is fitted on every labelled week: up to h weeks before the last.
    last = world.panel["week"].max()
    assert table["train_end"].to_list() == [last - timedelta(weeks=4)] * 4
    assert table["train_start"].to_list() == [world.panel["week"].min()] * 4
    with Store(settings.db_path) as store:
        intensity = store.read("intensity")
    assert set(intensity["target"]) == {"events", "fatalities"}
    assert set(intensity["issue_week"]) == set(stored["issue_week"])
    backtest = json.loads(table["backtest"][0])
    assert set(backtest) == {"model", "baselines"}
    assert {"climatology", "persistence", "conflictology", "logistic"} <= set(backtest["baselines"])
    assert 0.0 <= backtest["model"]["average_precision"] <= 1.0
    assert stored["data_as_of"].unique().to_list() == [world.events["event_date"].max()]
    assert set(stored["band"].unique()) <= {"low", "elevated", "high", "very_high"}

    api_settings = settings.model_copy(update={"reload_poll_seconds": 0})
    app = create_app(api_settings)
    token = servicedb.create_key(app.state.engine, "reader", ["read"])[1]
    with TestClient(app) as client:
        body = client.get("/v1/model", headers={"X-API-Key": token}).json()
    assert [(c["target"], c["horizon"], c["model_version"]) for c in body["champions"]] == [
        ("any", 4, "1"),
        ("events", 4, "1"),
        ("fatal", 4, "1"),
        ("fatalities", 4, "1"),
    ]
    assert body["champions"][0]["backtest"]["model"] == backtest["model"]
    assert body["served"] == [
        {"target": "any", "horizon": 4, "model_version": "risk-any-h4/1", "by": "champion"},
        {"target": "fatal", "horizon": 4, "model_version": "risk-fatal-h4/1", "by": "champion"},
    ]


def test_second_run_without_new_data_does_nothing(settings: Settings) -> None:
    report = retrain(settings, window=WINDOW, jobs=1)
    assert report.code == ExitCode.NOTHING_NEW
    assert int(ExitCode.NOTHING_NEW) == 20


def test_a_held_lock_stops_a_second_job(settings: Settings) -> None:
    with FileLock(str(Path(settings.home) / LOCK_FILE)):
        report = retrain(settings, window=WINDOW, jobs=1)
    assert report.code == ExitCode.LOCKED == 75


def test_a_registry_failure_after_the_commit_is_put_right_by_the_next_run(
    settings: Settings,
    tracking,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The store commits first and the aliases follow: a registry that fails half way
    leaves the store's new champions and forecasts in place, and the next run moves the
    aliases the failed one could not (training.tracking.reconcile_aliases)."""
    client = tracking[2]
    real = tracking_module.set_alias
    calls: list[str] = []

    def flaky(client, name, version, alias) -> None:
        calls.append(name)
        if len(calls) == 2:
            raise RuntimeError("registry went away")
        real(client, name, version, alias)

    monkeypatch.setattr(tracking_module, "set_alias", flaky)
    report = retrain(settings, window=WINDOW, jobs=1, force=True)
    assert report.code == ExitCode.FAILED
    assert "registry went away" in "\n".join(report.lines)
    assert len(calls) == 2
    with Store(settings.db_path) as store:
        stored = dict(store.read("champions").select("model_name", "model_version").rows())

    def aliases() -> dict[str, str]:
        return {
            name: str(client.get_model_version_by_alias(name, CHAMPION).version) for name in stored
        }

    assert aliases() != stored  # the registry lags the store
    monkeypatch.setattr(tracking_module, "set_alias", real)
    with Store(settings.db_path) as store:
        lines = tracking_module.reconcile_aliases(client, store)
    assert lines and all("champion alias put back" in line for line in lines)
    assert aliases() == stored


def test_a_bad_drop_file_fails_before_anything_changes(settings: Settings, tracking) -> None:
    drop = Path(settings.home) / "drop" / "acled"
    drop.mkdir(parents=True)
    (drop / "broken.csv").write_text("not,an,acled,export\n1,2,3,4\n")
    before = forecasts(settings)
    before_champions = champions(tracking[2])
    report = retrain(settings, window=WINDOW, jobs=1, force=True)
    assert report.code == ExitCode.FAILED
    assert champions(tracking[2]) == before_champions
    assert forecasts(settings).equals(before)


def test_pending_field_reports_are_ingested_once(tmp_path: Path) -> None:
    from forecast.core import servicedb, vocab
    from forecast.jobs.retrain import RetrainReport, ingest_field_reports

    settings = Settings(home=tmp_path)
    engine = servicedb.connect(settings.service_db)
    key, _ = servicedb.create_key(engine, "field", ["report"])
    content = {
        "event_date": date(2024, 5, 2),
        "latitude": 14.5,
        "longitude": -4.2,
        "type": "ied",
        "fatalities": 2,
        "description": "road mine",
    }
    servicedb.store_field_report(engine, key.id, "r-1", content)
    report = RetrainReport(ExitCode.FAILED)
    with Store(settings.db_path) as store:
        assert ingest_field_reports(store, settings, report) == 1
        events = store.read("events", "source = 'field_report'")
        # A second pass finds nothing pending: the report was marked ingested.
        assert ingest_field_reports(store, settings, report) == 0
    assert events.select("source_id", "event_date", "event_type", "fatalities").rows() == [
        (f"{key.id}:r-1", date(2024, 5, 2), vocab.REMOTE_VIOLENCE, 2)
    ]
    # No districts stored here: the report is kept, unplaced, until districts arrive.
    assert events["district_code"].to_list() == [None]
    assert servicedb.pending_field_reports(engine).is_empty()
    assert report.lines == ["field reports: 1 ingested (1 changed, 1 unplaced)"]
