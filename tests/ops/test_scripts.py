"""The image's scripts as the containers run them: the weekly scheduler and the first-start
init. ``forecast`` is replaced by a recording stand-in on PATH, so what is tested is the
scripts' own logic: when they run what, and what they make of its exit code."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.ops.deployfiles import SCRIPTS

WEEKLY = SCRIPTS / "weekly.sh"
INIT = SCRIPTS / "init.sh"
STAND_IN = """#!/bin/sh
echo "$*" >> "$STAND_IN_LOG"
case "$1" in demo) : > "$FORECAST_HOME/forecast.duckdb" ;; esac
[ "$1" = retrain ] && exit "${STAND_IN_RETRAIN_EXIT:-0}"
exit 0
"""


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


@pytest.fixture
def sandbox(tmp_path: Path) -> dict[str, str]:
    """An environment with the stand-in first on PATH and the scripts after it, as in the
    image (/opt/forecast/bin); returns the environment."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "forecast"
    stand_in.write_text(STAND_IN)
    stand_in.chmod(0o755)
    home = tmp_path / "data"
    home.mkdir()
    return {
        "PATH": f"{bin_dir}:{SCRIPTS}:/usr/bin:/bin",
        "FORECAST_HOME": str(home),
        "STAND_IN_LOG": str(tmp_path / "calls.log"),
    }


def _calls(env: dict[str, str]) -> list[str]:
    log = Path(env["STAND_IN_LOG"])
    return log.read_text().splitlines() if log.exists() else []


def _run(script: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["/bin/sh", str(script), *args], env=env, capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize(
    ("now", "weekday", "hour", "expected"),
    [
        ("2024-06-03T02:59:59", "1", "3", "2024-06-03T03:00:00Z"),  # Monday, just before
        ("2024-06-03T03:00:00", "1", "3", "2024-06-10T03:00:00Z"),  # at the time: next week
        ("2024-06-05T12:00:00", "1", "3", "2024-06-10T03:00:00Z"),  # Wednesday
        ("2024-06-09T23:59:59", "1", "3", "2024-06-10T03:00:00Z"),  # Sunday night
        ("2024-12-30T04:00:00", "1", "3", "2025-01-06T03:00:00Z"),  # over the new year
        ("2024-02-26T10:00:00", "4", "0", "2024-02-29T00:00:00Z"),  # Thursday, leap day
        ("2024-06-09T21:00:00", "7", "22", "2024-06-09T22:00:00Z"),  # Sunday 22:00, same day
    ],
)
def test_next_run_time(now, weekday, hour, expected, sandbox):
    env = {
        **sandbox,
        "FORECAST_SCHEDULE_NOW": str(_epoch(now)),
        "FORECAST_RETRAIN_WEEKDAY": weekday,
        "FORECAST_RETRAIN_HOUR": hour,
    }
    result = _run(WEEKLY, "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    wait = _epoch(expected.rstrip("Z")) - _epoch(now)
    assert result.stdout.strip() == (
        f"next run {expected} ({_epoch(expected.rstrip('Z'))}), in {wait} s"
    )
    assert _calls(sandbox) == []  # a dry run runs nothing


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FORECAST_RETRAIN_WEEKDAY", "0"),
        ("FORECAST_RETRAIN_WEEKDAY", "mon"),
        ("FORECAST_RETRAIN_HOUR", "24"),
        ("FORECAST_RETRAIN_HOUR", "-1"),
    ],
)
def test_a_bad_schedule_is_refused(variable, value, sandbox):
    result = _run(WEEKLY, "--dry-run", env={**sandbox, variable: value})
    assert result.returncode == 2
    assert f"{variable} must be" in result.stdout


@pytest.mark.parametrize(
    ("code", "expected", "words"),
    [
        (0, 0, "new champion"),
        (10, 0, "no candidate passed the gate"),
        (20, 0, "nothing new"),
        (75, 0, "another retrain holds the lock"),
        (1, 1, "FAILED"),
        (3, 3, "FAILED"),
    ],
)
def test_once_maps_the_retrain_outcomes(code, expected, words, sandbox):
    env = {**sandbox, "STAND_IN_RETRAIN_EXIT": str(code), "FORECAST_RETRAIN_ARGS": "--jobs 4"}
    result = _run(WEEKLY, "--once", env=env)
    assert result.returncode == expected
    assert _calls(sandbox) == ["retrain --jobs 4"]
    lines = result.stdout.splitlines()
    assert lines[0].endswith("weekly: forecast retrain --jobs 4")
    assert f"weekly: exit {code} after " in lines[1] and words in lines[1]


def test_the_loop_runs_on_schedule_and_stops_on_sigterm(sandbox):
    # "Now" stays one second before the run time: every turn sleeps 1 s, then retrains.
    env = {**sandbox, "FORECAST_SCHEDULE_NOW": str(_epoch("2024-06-03T02:59:59"))}
    loop = subprocess.Popen(
        ["/bin/sh", str(WEEKLY)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 10
    while len(_calls(sandbox)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    loop.send_signal(signal.SIGTERM)
    out, _ = loop.communicate(timeout=10)
    assert loop.returncode == 0
    assert len(_calls(sandbox)) >= 2 and set(_calls(sandbox)) == {"retrain"}
    lines = out.decode().splitlines()
    assert lines[0].endswith("weekly: next run 2024-06-03T03:00:00Z")
    assert lines[-1].endswith("weekly: stopping")


def test_init_on_an_empty_volume_builds_the_demo_then_trains(sandbox):
    result = _run(INIT, env=sandbox)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _calls(sandbox) == ["keys list", "demo", "retrain"]
    assert "building the demo world" in result.stdout


def test_init_with_files_in_the_drop_folder_trains_on_them(sandbox):
    drop = Path(sandbox["FORECAST_HOME"]) / "drop" / "acled"
    drop.mkdir(parents=True)
    (drop / "export.csv").write_text("event_id_cnty\n")
    result = _run(INIT, env=sandbox)
    assert result.returncode == 0
    assert _calls(sandbox) == ["keys list", "retrain"]


def test_init_with_a_store_does_nothing_more(sandbox):
    (Path(sandbox["FORECAST_HOME"]) / "forecast.duckdb").write_bytes(b"")
    result = _run(INIT, env=sandbox)
    assert result.returncode == 0
    assert _calls(sandbox) == ["keys list"]
    assert "exists; nothing to do" in result.stdout


def test_init_without_demo_waits_for_data(sandbox):
    result = _run(INIT, env={**sandbox, "FORECAST_INIT_DEMO": "0"})
    assert result.returncode == 0
    assert _calls(sandbox) == ["keys list"]
    assert "put data files there" in result.stdout


def test_init_fails_when_the_first_retrain_fails(sandbox):
    # compose starts the API only after init succeeded: a failure must show as one.
    result = _run(INIT, env={**sandbox, "STAND_IN_RETRAIN_EXIT": "1"})
    assert result.returncode == 1
    assert _calls(sandbox) == ["keys list", "demo", "retrain"]


def test_init_needs_the_home_folder(sandbox):
    env = {k: v for k, v in sandbox.items() if k != "FORECAST_HOME"}
    result = _run(INIT, env=env)
    assert result.returncode != 0
    assert "FORECAST_HOME must name the data folder" in result.stderr
    assert _calls(sandbox) == []


def test_scripts_are_posix_sh():
    # The image's /bin/sh is dash: no bashisms, checked by dash itself where present.
    shell = "/bin/dash" if os.path.exists("/bin/dash") else "/bin/sh"
    for script in (WEEKLY, INIT):
        assert script.read_text().startswith("#!/bin/sh\n")
        assert subprocess.run([shell, "-n", str(script)]).returncode == 0
