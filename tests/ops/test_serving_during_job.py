"""Serving while the weekly job runs: `forecast ingest`, `forecast score` and `forecast
retrain` run one after another against the home a `forecast serve` process is serving,
while a client keeps asking GET /v1/forecasts and GET /v1/districts/{code}.

What is promised (docs/OPERATIONS.md, "Two commands at once"): every answer is a 2xx (the
API serves its in-memory snapshot, so a locked store never reaches a request); no answer
shows a half-written week (each snapshot is read in one read-only visit of the store, which
the scoring writes in one transaction); the served week only moves forward; and the job
never fails because the server opened the store (a writer waits for the server's brief
read-only visit instead of failing on DuckDB's lock).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from tests.ops.serving import (
    RETRAIN_DONE,
    Answer,
    Client,
    Reloader,
    Server,
    build_home,
    create_key,
    forecast,
    job_env,
    serving,
)

pytestmark = pytest.mark.slow  # about 3 minutes on 2 cores: the demo is built and trained

Key = tuple[str, int, str]
RELOAD_PAUSE = 0.2


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    home = tmp_path_factory.mktemp("serving") / "home"
    held = build_home(home)
    return home, held


@pytest.fixture(scope="module")
def server(home: tuple[Path, Path]) -> Iterator[tuple[Server, str, str]]:
    read, admin = create_key(home[0]), create_key(home[0], "admin")
    with serving(home[0], home[0].parent / "serve.log") as running:
        yield running, read, admin


def _store_counts(path: Path) -> tuple[dict[Key, int], dict[Key, int]]:
    """Rows per (issue week, horizon, target) of the forecasts, and per (issue week,
    horizon) of the events intensity, as the store holds them."""
    with duckdb.connect(str(path), read_only=True) as con:
        forecasts = con.execute(
            "SELECT strftime(issue_week, '%Y-%m-%d'), horizon, target, count(*) FROM forecasts "
            "WHERE cadence = 'week' GROUP BY ALL"
        ).fetchall()
        intensity = con.execute(
            "SELECT strftime(issue_week, '%Y-%m-%d'), horizon, count(*) FROM intensity "
            "WHERE cadence = 'week' AND target = 'events' GROUP BY ALL"
        ).fetchall()
    rows = {(w, h, t): n for w, h, t, n in forecasts}
    events = {(w, h): n for w, h, n in intensity}
    return rows, {(w, h, t): events.get((w, h), 0) for w, h, t, _ in forecasts}


def _half_written(answers: list[Answer], rows: dict[Key, int], intense: dict[Key, int]) -> list:
    """Answers whose rows for a week are not the store's whole set for that week."""
    wrong = []
    for answer in answers:
        weeks = {key[0] for key in answer.rows}
        if not weeks:
            wrong.append((answer.path, answer.week, "no rows"))
            continue
        full = answer.path.startswith("/v1/forecasts")
        expected = {k: (n if full else 1) for k, n in rows.items() if k[0] in weeks}
        with_intensity = {
            k: (n if full else min(n, 1)) for k, n in intense.items() if k[0] in weeks
        }
        if answer.rows != expected or (full and answer.with_intensity != with_intensity):
            wrong.append((answer.path, answer.week, answer.rows, answer.with_intensity))
        elif full and answer.total != sum(answer.rows.values()):
            wrong.append((answer.path, answer.week, "total", answer.total))
        elif len(answer.versions) != len({k[1:] for k in answer.rows}):
            wrong.append((answer.path, answer.week, "versions", sorted(answer.versions)))
    return wrong


def _weeks_go_back(answers: list[Answer]) -> list[tuple[int, str, str]]:
    backward = []
    latest = ""
    for i, answer in enumerate(answers):
        week = answer.week or ""
        if week < latest:
            backward.append((i, latest, week))
        latest = max(latest, week)
    return backward


def _served_week(server: Server) -> str | None:
    return httpx.get(f"{server.url}/readyz", timeout=5).json().get("issue_week")


def test_the_api_answers_every_request_while_ingest_score_and_retrain_run(
    home: tuple[Path, Path], server: tuple[Server, str, str]
) -> None:
    home_path, held = home
    running, token, admin = server
    first = httpx.get(
        f"{running.url}/v1/forecasts",
        params={"limit": 10000},
        headers={"X-API-Key": token},
        timeout=10,
    ).json()
    codes = sorted({item["district_code"] for item in first["items"]})[:5]
    start_week = first["issue_week"]
    paths = ["/v1/forecasts?limit=10000", *(f"/v1/districts/{code}" for code in codes)]
    client = Client(running.url, token, paths)
    # Reloads beside the poll, so the job's commands also meet the server's read lock.
    reloader = Reloader(running.url, admin, pause=RELOAD_PAUSE)
    client.start()
    reloader.start()
    marks: list[tuple[str, int]] = []
    jobs = {}
    try:
        time.sleep(1.0)
        marks.append(("idle", len(client.answers)))
        for name, args in (
            ("ingest", ("ingest", "events", str(held))),
            ("score", ("score",)),
            ("retrain", ("retrain",)),
        ):
            jobs[name] = forecast(home_path, *args)
            marks.append((name, len(client.answers)))
        # The job has ended; the server's poll picks up its last write.
        deadline = time.monotonic() + 60
        rows, _ = _store_counts(home_path / "forecast.duckdb")
        newest = max(week for week, _, _ in rows)
        while _served_week(running) != newest and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # a few answers from the new snapshot
    finally:
        answers = client.stop()
        reloads = reloader.stop()

    for name, done in jobs.items():
        allowed = RETRAIN_DONE if name == "retrain" else (0,)
        assert done.returncode in allowed, f"forecast {name}: {done.returncode}\n{done.stderr}"
        assert "Traceback" not in done.stderr and "Could not set lock" not in done.stderr
    statuses = Counter(answer.status for answer in answers)
    failed = [a for a in answers if a.status // 100 != 2]
    assert not failed, f"{len(failed)} of {len(answers)} not 2xx: {statuses}; first {failed[:3]}"
    # A reload beside a writer is refused at once, saying when to try again; nothing else.
    refused = [r for r in reloads if r[0] != 200]
    assert all(r[0] == 503 and r[1].endswith("store-busy") and r[2] for r in refused), refused
    assert len(refused) < len(reloads), "no reload succeeded"
    counts = dict(marks)
    during = {
        "ingest": counts["ingest"] - counts["idle"],
        "score": counts["score"] - counts["ingest"],
        "retrain": counts["retrain"] - counts["score"],
    }
    assert all(n >= 5 for n in during.values()), f"too few requests during a command: {during}"

    rows, intense = _store_counts(home_path / "forecast.duckdb")
    assert not _half_written(answers, rows, intense)[:3]
    assert not _weeks_go_back(answers)[:3]
    assert answers[-1].week == newest > start_week, (start_week, answers[-1].week, newest)
    waited = sum(done.stderr.count("Waiting for the store") for done in jobs.values())
    print(
        f"\n{len(answers)} requests, all 2xx ({dict(statuses)}); during ingest "
        f"{during['ingest']}, score {during['score']}, retrain {during['retrain']}; "
        f"served week {start_week} -> {newest}; {len(reloads)} reloads "
        f"({len(reloads) - len(refused)} done, {len(refused)} busy); "
        f"the job waited for the server's read {waited} times; exit codes "
        + ", ".join(f"{name} {done.returncode}" for name, done in jobs.items())
    )


# Opens the store as the API's snapshot read does (read-only, api.snapshot._open_read_only)
# and keeps it open for a while, as a slow read on a big store would.
READ_VISIT = """
import sys, time
from forecast.core.store import Store
store = Store(sys.argv[1], read_only=True)
print("open", flush=True)
time.sleep(float(sys.argv[2]))
store.close()
"""


def test_a_writer_beside_the_apis_read_waits_for_it_then_runs(home: tuple[Path, Path]) -> None:
    """The other direction, made certain: a job command that opens the store while the
    server is reading it waits for the read to end instead of failing on the lock."""
    home_path, held = home
    reader = subprocess.Popen(
        [sys.executable, "-c", READ_VISIT, str(home_path / "forecast.duckdb"), "4"],
        env=job_env(home_path),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        done = forecast(home_path, "ingest", "events", str(held))
    finally:
        reader.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert "Waiting for the store" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_the_checks_see_a_half_written_week_and_a_week_going_back() -> None:
    """The checks above are not vacuous: a week short of a district, intensity missing for
    one district, an answer without rows, or an older week after a newer one is caught."""
    rows = {("2026-11-09", 4, "any"): 3, ("2026-11-16", 4, "any"): 3}
    intense = dict(rows)

    def answer(week: str, n: int, with_intensity: int) -> Answer:
        key = (week, 4, "any")
        return Answer(
            "/v1/forecasts?limit=10000",
            200,
            0.0,
            week=week,
            rows={key: n} if n else {},
            with_intensity={key: with_intensity} if n else {},
            total=n,
            versions=frozenset({"risk-any-h4/1"}),
        )

    whole = [answer("2026-11-09", 3, 3), answer("2026-11-16", 3, 3)]
    assert not _half_written(whole, rows, intense) and not _weeks_go_back(whole)
    broken = [answer("2026-11-16", 2, 2), answer("2026-11-16", 3, 2), answer("2026-11-16", 0, 0)]
    assert len(_half_written(broken, rows, intense)) == 3
    assert _weeks_go_back(list(reversed(whole))) == [(1, "2026-11-16", "2026-11-09")]
