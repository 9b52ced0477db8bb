"""Crash safety of the weekly job: ``kill -9`` anywhere in ``forecast retrain`` or ``forecast
score`` leaves the champions, the forecasts and the MLflow registry as they were before or
as they are after, and the next run succeeds.

The store (one DuckDB transaction) is the source of truth: the champions table, the
forecasts and their intensity rows change together. The registry's ``champion`` aliases
follow it: they are moved after the store's commit, and every run first puts back any alias
a kill left behind (training.tracking.reconcile_aliases).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forecast.core.schema import EVENTS
from tests.ops.serving import FORECAST, job_env
from training.synthetic import synthetic_world

FAST = {"n_estimators": 30, "learning_rate": 0.1, "min_child_samples": 20}


def _forecast(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FORECAST, *args],
        env=job_env(home),
        capture_output=True,
        text=True,
        timeout=600,
    )


def state(home: Path) -> dict[str, object]:
    """What the job promises to keep consistent: per model, the store's champion version,
    the registry's champion alias and the version that made the latest forecasts."""
    import duckdb
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    with duckdb.connect(str(home / "forecast.duckdb"), read_only=True) as con:
        champions = dict(con.execute("SELECT model_name, model_version FROM champions").fetchall())
        served = con.execute(
            "SELECT DISTINCT model_version FROM forecasts "
            "WHERE issue_week = (SELECT max(issue_week) FROM forecasts) "
            "UNION SELECT DISTINCT model_version FROM intensity "
            "WHERE issue_week = (SELECT max(issue_week) FROM intensity)"
        ).fetchall()
    uri = f"sqlite:///{home / 'mlflow.db'}"
    # The registry too: without it MLflow takes the one another test set process-wide.
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    aliases = {}
    for name in champions:
        try:
            aliases[name] = str(client.get_model_version_by_alias(name, "champion").version)
        except MlflowException:
            aliases[name] = None
    return {
        "champions": champions,
        "aliases": aliases,
        "served": sorted(v for (v,) in served),
    }


def consistent(snapshot: dict[str, object]) -> bool:
    """Registry aliases equal the store's champions, and the latest forecasts come from
    those champions (or, for a pair without one, from the labelled baseline)."""
    champions = snapshot["champions"]
    expected = {f"{name}/{version}" for name, version in champions.items()}
    served = {v for v in snapshot["served"] if not v.endswith("/baseline-logistic")}
    return snapshot["aliases"] == champions and served == expected


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with a small world, trained once by the job (champions and forecasts)."""
    from forecast.core.store import Store
    from training.tune import save_params

    home = tmp_path_factory.mktemp("crash") / "home"
    world = synthetic_world(districts=12, weeks=220, seed=5)
    with Store(home / "forecast.duckdb") as store:
        with store.transaction():
            store.upsert(EVENTS, world.events)
        store.replace("panel", world.panel)
    save_params(home, "any", 4, {"params": FAST})
    done = _forecast(home, "retrain", "--force")
    assert done.returncode in (0, 10), done.stdout + done.stderr
    assert consistent(state(home)), state(home)
    return home


def _kill_inside(home: Path, patch: str) -> None:
    """Run ``forecast retrain --force`` in a process killed (SIGKILL) by ``patch``."""
    code = (
        "import os, signal, sys\n"
        "from training import tracking\n"
        f"{patch}\n"
        "from forecast.cli import app\n"
        "sys.argv = ['forecast', 'retrain', '--force']\n"
        "app()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], env=job_env(home), capture_output=True, text=True, timeout=600
    )
    assert run.returncode == -signal.SIGKILL, run.stdout + run.stderr


def test_a_kill_between_the_commit_and_the_aliases_is_put_right(home: Path) -> None:
    """The narrowest window: the store has committed, the registry is half told."""
    _kill_inside(
        home,
        "moved = tracking.set_alias\n"
        "def set_alias(client, name, version, alias):\n"
        "    if alias == 'champion':\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    moved(client, name, version, alias)\n"
        "tracking.set_alias = set_alias",
    )
    killed = state(home)
    assert killed["aliases"] != killed["champions"], "the kill missed the window"
    # The next run of the job or of the scoring first puts the registry in line with the
    # store, which is the source of truth: its champions and forecasts changed together.
    scored = _forecast(home, "score")
    assert scored.returncode == 0, scored.stdout + scored.stderr
    after = state(home)
    assert consistent(after), after
    assert after["champions"] == killed["champions"]


def test_a_kill_before_the_commit_leaves_everything_before(home: Path) -> None:
    before = state(home)
    _kill_inside(
        home,
        "from forecast.jobs import retrain\n"
        "def _commit(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "retrain._commit = _commit",
    )
    assert state(home) == before


def _reconciled(home: Path) -> dict[str, object]:
    """The state once the registry has followed the store, as the next run's first step."""
    from forecast.core.store import Store
    from training.tracking import configure, reconcile_aliases

    client = configure(f"sqlite:///{home / 'mlflow.db'}", home / "mlartifacts")
    with Store(home / "forecast.duckdb", read_only=True) as store:
        reconcile_aliases(client, store)
    return state(home)


@pytest.mark.slow
def test_random_kills_of_retrain_and_score(home: Path) -> None:
    """20 kills at random moments of the two jobs (10 each). After each, once the registry
    has followed the store, champions, aliases and forecasts agree; every fourth kill is
    followed by a full scoring run, and a full retrain closes, both of which must succeed."""
    rng = random.Random(7)
    started = time.monotonic()
    full = _forecast(home, "retrain", "--force")
    assert full.returncode in (0, 10), full.stdout + full.stderr
    durations = {"retrain": time.monotonic() - started, "score": 6.0}
    for trial in range(20):
        args = ["retrain", "--force"] if trial % 2 == 0 else ["score"]
        process = subprocess.Popen(
            [*FORECAST, *args],
            env=job_env(home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, durations[args[0]]))
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert consistent(_reconciled(home)), f"trial {trial} ({args[0]}): {state(home)}"
        if trial % 4 == 3:
            check = _forecast(home, "score")
            assert check.returncode == 0, f"trial {trial}: {check.stdout}{check.stderr}"
    last = _forecast(home, "retrain", "--force")
    assert last.returncode in (0, 10), last.stdout + last.stderr
    assert consistent(state(home))
