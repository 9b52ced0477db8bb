"""Issue 15, defect 1: every command on an empty or half-built home either works or ends
with one line naming what is missing and the command that makes it, never a traceback.

Every leaf command `forecast --help` lists is run against each stage of a home being
built: nothing at all, a store without districts, districts without events, events without
a panel, a weekly panel without forecasts. A command added later without an entry in
ARGS fails :func:`test_every_command_is_swept`.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from forecast.cli import app
from forecast.core.settings import get_settings
from forecast.core.store import Store
from forecast.sources.counts import COLUMNS as COUNT_COLUMNS
from tests.factories import acled_row, counts_row, write_acled, write_two_districts

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
STAGES = ("empty", "no-districts", "no-events", "events", "panel")
UNREACHABLE = "tcp://127.0.0.1:9"  # backfill's scheduler: refused at once, never the network

# Each leaf command with arguments that are valid on a ready home ({files}: this module's
# input files). Variants of one command (another cadence) are extra keys.
ARGS: dict[str, list[str]] = {
    "status": ["status"],
    "demo": ["demo"],
    "backfill": ["backfill", "--scheduler", UNREACHABLE],
    "backtest": ["backtest", "--no-log"],
    "train": ["train"],
    "train --cadence month": ["train", "--cadence", "month"],
    "tune": ["tune", "--trials", "1"],
    "score": ["score"],
    "score --cadence month": ["score", "--cadence", "month"],
    "retrain": ["retrain"],
    "bulletin": ["bulletin", "--lang", "en"],
    "serve": ["serve"],
    "ingest events": ["ingest", "events", "{files}/events.csv"],
    "ingest districts": ["ingest", "districts", "{files}/districts.geojson"],
    "ingest deployments": ["ingest", "deployments", str(REPO / "examples" / "deployments.csv")],
    "ingest partners": ["ingest", "partners", str(REPO / "examples" / "partners.csv")],
    "ingest counts": ["ingest", "counts", "{files}/counts.csv"],
    "ingest drop": ["ingest", "drop"],
    "features build": ["features", "build"],
    "features build --cadence month": ["features", "build", "--cadence", "month"],
    "features describe": ["features", "describe"],
    "keys create": ["keys", "create", "Sahel NGO"],
    "keys list": ["keys", "list"],
    "keys revoke": ["keys", "revoke", "1"],
    "pull acled": ["pull", "acled", "--country", "Mali"],
}

NO_STORE = "No store at"
NO_DISTRICTS = "No districts in the store"
NO_EVENTS = "No events in the store"
NO_EVENTS_OR_COUNTS = "No events or monthly counts in the store"
NO_MONTHLY_PANEL = "No monthly panel in the store"
SHORT_HISTORY = "Too little history for a backtest"
NO_FORECASTS_TABLE = "run the scoring step (`forecast score`)"

# What each stage lacks, for the commands that need the whole chain up to a backtest.
BACKTEST_MISSING = {
    "empty": NO_STORE,
    "no-districts": NO_DISTRICTS,
    "no-events": NO_EVENTS,
    "events": SHORT_HISTORY,  # the test history is a year long: too short for any fold
    "panel": SHORT_HISTORY,
}
MONTHLY_MISSING = {
    "empty": NO_STORE,
    "no-districts": NO_DISTRICTS,
    "no-events": NO_EVENTS_OR_COUNTS,
    "events": NO_MONTHLY_PANEL,
    "panel": NO_MONTHLY_PANEL,  # the stage builds the weekly panel only
}
OK = (0, None)


def expected(command: str, stage: str) -> tuple[int, str | None]:
    """The exit code and the line (a part of it) the command must print at this stage."""
    early = STAGES.index(stage) < STAGES.index("no-events")  # no districts yet
    table: dict[str, tuple[int, str | None]] = {
        "backtest": (1, BACKTEST_MISSING[stage]),
        "train": (1, BACKTEST_MISSING[stage]),
        "tune": (1, BACKTEST_MISSING[stage]),
        # The weekly job makes its own store, then ingests the (here empty) drop folder.
        "retrain": (1, NO_DISTRICTS if stage == "empty" else BACKTEST_MISSING[stage]),
        "train --cadence month": (1, MONTHLY_MISSING[stage]),
        "score --cadence month": (1, MONTHLY_MISSING[stage]),
        "score": (1, BACKTEST_MISSING[stage]) if stage in ("empty", "no-districts", "no-events")
        else OK,  # pairs without a champion get the logistic baseline
        "bulletin": (1, NO_STORE if stage == "empty" else NO_FORECASTS_TABLE),
        # With the data there, it goes on to the (unreachable) scheduler: exit 3, one line.
        "backfill": {"empty": (1, NO_STORE), "no-districts": (1, NO_DISTRICTS),
                     "no-events": (1, NO_EVENTS)}.get(stage, (3, "Cannot reach the Dask")),
        "features build": (1, NO_DISTRICTS) if early
        else (1, NO_EVENTS) if stage == "no-events" else OK,
        "features build --cadence month": (1, NO_DISTRICTS) if early
        else (1, NO_EVENTS_OR_COUNTS) if stage == "no-events" else OK,
        "ingest counts": (1, NO_DISTRICTS) if early else OK,
        "keys revoke": (1, "No active key with id 1: `forecast keys list`"),
        "pull acled": (2, "ACLED pull not configured"),
    }  # fmt: skip
    return table.get(command, OK)


# Commands that succeed but must say what the home still lacks, and what makes it.
NOTES: dict[tuple[str, str], str] = {
    **{("serve", s): "No forecasts in the store: run `forecast retrain`" for s in STAGES[1:]},
    ("serve", "empty"): "No store at",
    **{
        (f"ingest {kind}", s): "no districts in the store"
        for kind in ("events", "deployments", "partners")
        for s in ("empty", "no-districts")
    },
    ("status", "empty"): "No store yet",
    ("status", "no-districts"): "Next: No districts in the store: run `forecast ingest districts",
    ("status", "no-events"): "Next: No events in the store: run `forecast ingest events",
    ("status", "events"): "Next: No forecasts in the store: run `forecast retrain`",
    ("status", "panel"): "Next: No forecasts in the store: run `forecast retrain`",
    ("ingest drop", "empty"): "No files found",
}


def _write_counts(path: Path) -> Path:
    """Two months of ACLED's admin-2 monthly counts for the two test districts."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=list(COUNT_COLUMNS))
        out.writeheader()
        for code, name in (("ML0101", "Alpha"), ("ML0102", "Beta")):
            for month in ("January", "February"):
                out.writerow(counts_row(code, name, month, Year=2024, Events=2))
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("files")
    write_two_districts(folder / "districts.geojson")
    # A year of clashes in both districts: enough for a panel, too short for a backtest.
    rows = [
        acled_row(f"MLI{i}", f"2024-{1 + i % 12:02d}-{1 + i % 27:02d}", 14.5, -4.5 + i % 2)
        for i in range(40)
    ]
    write_acled(folder / "events.csv", rows)
    _write_counts(folder / "counts.csv")
    return folder


def _invoke(home: Path, args: list[str]) -> Result:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FORECAST_HOME", str(home))
        get_settings.cache_clear()
        try:
            return runner.invoke(app, args)
        finally:
            get_settings.cache_clear()


def _ran(result: Result, args: list[str]) -> Result:
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory, files: Path) -> dict[str, Path]:
    """One home per stage, built through the command line as a user would."""
    root = tmp_path_factory.mktemp("stages")
    homes = {stage: root / stage for stage in STAGES}
    homes["no-districts"].mkdir()
    Store(homes["no-districts"] / "forecast.duckdb").close()
    steps = [
        ["ingest", "districts", str(files / "districts.geojson")],
        ["ingest", "events", str(files / "events.csv")],
        ["features", "build"],
    ]
    for stage, done in (("no-events", 1), ("events", 2), ("panel", 3)):
        for args in steps[:done]:
            _ran(_invoke(homes[stage], args), args)
    return homes


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run records its call instead of serving; serve's process-wide logging set-up
    and environment stay out of the other tests (structlog would keep the runner's stream)."""
    import uvicorn

    import forecast.core.logs

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(kw))
    monkeypatch.setattr(forecast.core.logs, "configure_logging", lambda **kw: None)
    monkeypatch.setenv("FORECAST_LOG_JSON", "1")  # serve sets it; undone after the test
    return calls


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as contexts:
        yield contexts


def _leaf_commands(group: Any, prefix: tuple[str, ...] = ()) -> list[str]:
    names = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        if hasattr(command, "commands"):
            names.extend(_leaf_commands(command, path))
        else:
            names.append(" ".join(path))
    return names


def test_every_command_is_swept() -> None:
    leaves = set(_leaf_commands(typer.main.get_command(app)))
    swept = {name.split(" --")[0] for name in ARGS}
    assert leaves == swept


def _home_at(stage: str, stages: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the stage's home: a command may write to it."""
    home = tmp_path / "home"
    if stages[stage].exists():  # the empty stage has no folder at all
        shutil.copytree(stages[stage], home)
    return home


# The demo builds and ingests a whole world (seconds): once on a fresh home, once on top of
# another's data, not on every stage.
CASES = [
    (command, stage)
    for command in ARGS
    for stage in STAGES
    if command != "demo" or stage in ("empty", "events")
]


@pytest.mark.parametrize(("command", "stage"), CASES, ids=[f"{c}@{s}" for c, s in CASES])
def test_command_on_a_half_built_home(
    command: str,
    stage: str,
    stages: dict[str, Path],
    files: Path,
    tmp_path: Path,
    served: list[dict[str, Any]],
    stack: ExitStack,
) -> None:
    if command == "backfill":
        dask = pytest.importorskip("dask", reason="backfill needs the [scale] extra (dask)")
        pytest.importorskip("distributed", reason="backfill needs the [scale] extra (dask)")
        stack.enter_context(dask.config.set({"distributed.comm.timeouts.connect": "1s"}))
    home = _home_at(stage, stages, tmp_path)
    args = [a.replace("{files}", str(files)) for a in ARGS[command]]
    result = _invoke(home, args)

    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{command} raised {result.exception!r}:\n{output}"
    )
    assert "Traceback" not in output, output
    code, line = expected(command, stage)
    assert result.exit_code == code, f"{command} at {stage}: exit {result.exit_code}\n{output}"
    if line is not None:
        said = [text for text in output.splitlines() if line in text]
        assert len(said) == 1, f"{command} at {stage}: expected one line with {line!r}:\n{output}"
        if code in (1, 2):  # a missing step names what to do: a command, or a setting
            assert "`forecast " in said[0] or "FORECAST_" in said[0], said[0]
    note = NOTES.get((command, stage))
    if note is not None:
        assert note in output, f"{command} at {stage}: expected {note!r}:\n{output}"
    if command == "serve":
        assert len(served) == 1  # it starts: a deployment's readiness probe waits on /readyz


def test_score_on_an_empty_home_as_a_user_runs_it(tmp_path: Path) -> None:
    """The reported defect, through the installed console script in its own process."""
    forecast = Path(sys.executable).with_name("forecast")
    if not forecast.exists():
        pytest.skip(f"no console script beside {sys.executable}: pip install -e .")
    env = {**os.environ, "FORECAST_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [str(forecast), "score"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [
        f"Not ready: No store at {tmp_path / 'home' / 'forecast.duckdb'}: run `forecast ingest "
        "districts FILE` (or `forecast demo` for the demo world)"
    ]
    assert not (tmp_path / "home" / "forecast.duckdb").exists()  # nothing made on the way
