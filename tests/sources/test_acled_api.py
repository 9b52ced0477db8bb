"""ACLED API pulls against recorded answers served by an httpx.MockTransport (never the network).

The fake server answers in the API's shape (forecast/sources/acled_wire.py says where that shape
comes from): a form-encoded password grant at /oauth/token, pages of
``{"status": 200, "success": true, "messages": [], "data": [...]}`` at /api/acled/read with
text values, and ``count``/``total_count`` only when ``with_total=true`` is asked for.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import traceback
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import polars as pl
import pytest
import structlog
from pydantic import SecretStr
from typer.testing import CliRunner

from forecast.cli import app
from forecast.core.errors import InputError
from forecast.core.settings import Settings
from forecast.core.store import Store
from forecast.ingest import ingest_districts, ingest_events
from forecast.sources import acled_api
from forecast.sources.acled_api import (
    client_from_settings,
    configured_countries,
    incremental_start,
    pull_acled,
    pull_if_configured,
)
from forecast.sources.acled_client import AcledClient, RetryPolicy, retry_after_seconds
from forecast.sources.acled_wire import (
    AcledAccessError,
    AcledConfigError,
    AcledCredentialsError,
    AcledError,
    AcledResponseError,
    AcledUnavailableError,
)
from tests.conftest import FIXTURES

BASE = "https://acled.test"
USERNAME = "analyst@ngo.example"
PASSWORD = "pw-Zq7!leak-canary-93"  # looked for in every output of the leak test
TOKEN = "tok-access-4f2a9c"
TODAY = date(2020, 8, 15)
EXPORT = FIXTURES / "acled_hdx_31col.csv"
GAZETTEER = FIXTURES / "districts_gazetteer.csv"
NEWEST = date(2020, 7, 31)


def export_rows() -> list[dict[str, Any]]:
    """The HDX fixture's seven Mali events, as the API sends them (every value as text)."""
    with EXPORT.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # The API sends fields the export lacks; the pull must ignore them.
    return [
        {**row, "disorder_type": "Political violence", "civilian_targeting": ""} for row in rows
    ]


Reply = httpx.Response | Exception


class FakeAcled:
    """ACLED's token and read endpoints over ``rows``; ``queue`` scripts answers per page."""

    def __init__(self, rows: list[dict[str, Any]] | None = None) -> None:
        self.rows = export_rows() if rows is None else rows
        self.requests: list[httpx.Request] = []
        self.queue: dict[tuple[str, int], list[Reply]] = {}
        self.always: dict[tuple[str, int], Callable[[], Reply]] = {}
        self.page_edit: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        page = int(request.url.params.get("page", 0))
        key = (request.url.path, page)
        if key in self.always:
            return _reply(self.always[key]())
        if self.queue.get(key):
            return _reply(self.queue[key].pop(0))
        if request.url.path == "/oauth/token":
            return self.token(request)
        if request.url.path == "/api/acled/read":
            return self.read(request, page)
        return httpx.Response(404, json={"message": "Not found"})

    def token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("grant_type") != "password" or form.get("client_id") != "acled":
            return httpx.Response(400, json={"error": "unsupported_grant_type"})
        if (form.get("username"), form.get("password")) != (USERNAME, PASSWORD):
            return httpx.Response(
                400,
                json={
                    "error": "invalid_grant",
                    "error_description": "The user credentials were incorrect.",
                    "message": "The user credentials were incorrect.",
                },
            )
        body = {
            "token_type": "Bearer",
            "expires_in": 86400,
            "access_token": TOKEN,
            "refresh_token": "tok-refresh-77",
        }
        return httpx.Response(200, json=body)

    def read(self, request: httpx.Request, page: int) -> httpx.Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"message": "Unauthorized"})
        params = request.url.params
        rows = [r for r in self.rows if r["country"] == params["country"]]
        if "event_date" in params:
            assert params["event_date_where"] == "BETWEEN"
            low, high = params["event_date"].split("|")
            rows = [r for r in rows if low <= r["event_date"] <= high]
        rows.sort(key=lambda r: (r["event_date"], r["event_id_cnty"]), reverse=True)
        limit = int(params["limit"])
        chunk = rows[(page - 1) * limit : page * limit]
        body: dict[str, Any] = {"status": 200, "success": True, "messages": [], "data": chunk}
        if params.get("with_total") == "true":
            body |= {"count": len(chunk), "total_count": len(rows)}
        if page in self.page_edit:
            body = self.page_edit[page](body)
        return httpx.Response(200, json=body)

    def reads(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/api/acled/read"]


def _reply(reply: Reply) -> httpx.Response:
    if isinstance(reply, Exception):
        raise reply
    return reply


@pytest.fixture
def fake() -> FakeAcled:
    return FakeAcled()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path / "home",
        acled_username=USERNAME,
        acled_password=PASSWORD,
        acled_base_url=BASE,
        acled_revision_days=60,
        acled_countries=[],
        countries=[],
    )


@pytest.fixture
def store(settings: Settings) -> Store:
    with Store(settings.db_path) as opened:
        yield opened


def client_for(fake: FakeAcled, sleeps: list[float], password: str = PASSWORD) -> AcledClient:
    return AcledClient(
        username=SecretStr(USERNAME),
        password=SecretStr(password),
        base_url=BASE,
        transport=httpx.MockTransport(fake),
        sleep=sleeps.append,
        rng=random.Random(7),
    )


def pull(
    store: Store, settings: Settings, fake: FakeAcled, sleeps: list[float], **kw: Any
) -> acled_api.PullReport:
    kw.setdefault("page_size", 3)  # seven events: pages of 3, 3 and 1
    kw.setdefault("today", TODAY)
    with client_for(fake, sleeps, kw.pop("password", PASSWORD)) as client:
        return pull_acled(store, settings, ["Mali"], client=client, **kw)


def events(store: Store) -> pl.DataFrame:
    return store.read("events").drop("file").sort("source_id")


# --- token exchange and paging -----------------------------------------------------------


def test_token_exchange_is_a_form_encoded_password_grant(store, settings, fake, sleeps) -> None:
    pull(store, settings, fake, sleeps)
    token = fake.requests[0]
    assert (token.method, token.url.path) == ("POST", "/oauth/token")
    assert token.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(token.content.decode()).items()}
    assert form == {
        "username": USERNAME,
        "password": PASSWORD,
        "grant_type": "password",
        "client_id": "acled",
    }
    # One token for the whole pull, sent as a Bearer header, never in the URL.
    assert [r.url.path for r in fake.requests].count("/oauth/token") == 1
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in fake.reads())
    assert all(TOKEN not in str(r.url) and PASSWORD not in str(r.url) for r in fake.requests)


def test_pulls_every_page_until_a_short_one(store, settings, fake, sleeps) -> None:
    pages: list[tuple[str, int, int]] = []
    report = pull(
        store, settings, fake, sleeps, on_page=lambda c, p: pages.append((c, p.number, len(p.rows)))
    )
    assert pages == [("Mali", 1, 3), ("Mali", 2, 3), ("Mali", 3, 1)]
    params = [dict(r.url.params) for r in fake.reads()]
    assert [p["page"] for p in params] == ["1", "2", "3"]
    assert all(p["_format"] == "json" and p["limit"] == "3" for p in params)
    assert all(p["country"] == "Mali" for p in params)
    # No store yet: the full history is asked for, without a date filter or totals.
    assert all("event_date" not in p and "with_total" not in p for p in params)
    assert (report.pages, report.rows_received, report.rows_changed) == (3, 7, 7)
    assert report.newest_event == NEWEST
    assert store.count("events") == 7
    assert "7 events received, 7 new or changed" in report.summary()
    assert f"Newest event received: {NEWEST} (15 days ago)" in report.summary()


def test_an_exact_multiple_of_the_page_size_ends_on_an_empty_page(settings, fake, sleeps) -> None:
    fake.rows = fake.rows[:6]
    with Store(settings.db_path) as store:
        report = pull(store, settings, fake, sleeps)
    assert [r.url.params["page"] for r in fake.reads()] == ["1", "2", "3"]
    assert (report.pages, report.rows_received) == (3, 6)


def test_a_pulled_event_equals_the_same_event_read_from_an_export(
    store, settings, fake, sleeps, tmp_path
) -> None:
    ingest_districts(store, GAZETTEER)
    pull(store, settings, fake, sleeps)
    with Store(tmp_path / "from-csv.duckdb") as other:
        ingest_districts(other, GAZETTEER)
        ingest_events(other, EXPORT)
        expected = events(other)
    assert events(store).equals(expected)
    assert store.read("events")["file"].unique().to_list() == [f"ACLED API {BASE}/api/acled/read"]


def test_numbers_sent_as_json_numbers_read_like_text(store, settings, fake, sleeps) -> None:
    numeric = {"fatalities": int, "timestamp": int, "latitude": float, "longitude": float}
    fake.rows = [{**row, **{k: cast(row[k]) for k, cast in numeric.items()}} for row in fake.rows]
    pull(store, settings, fake, sleeps)
    texts = FakeAcled()
    with Store(settings.home / "text.duckdb") as other:
        pull(other, settings, texts, sleeps)
        assert events(store).equals(events(other))


# --- incremental pulls and revisions -----------------------------------------------------


def test_incremental_start_and_a_second_pull_changes_nothing(store, settings, fake, sleeps) -> None:
    pull(store, settings, fake, sleeps)
    before = events(store)
    start = NEWEST - timedelta(days=60)
    assert incremental_start(store, "Mali", 60) == start
    assert incremental_start(store, "Niger", 60) is None  # nothing stored: full history
    fake.requests.clear()
    again = pull(store, settings, fake, sleeps)
    params = fake.reads()[0].url.params
    assert params["event_date"] == f"{start}|{TODAY}"
    assert params["event_date_where"] == "BETWEEN"
    assert again.since == {"Mali": start}
    assert (again.rows_received, again.rows_changed) == (7, 0)
    assert events(store).equals(before)


def test_since_overrides_the_incremental_start(store, settings, fake, sleeps) -> None:
    report = pull(store, settings, fake, sleeps, since=date(2020, 7, 29))
    assert fake.reads()[0].url.params["event_date"] == f"2020-07-29|{TODAY}"
    assert report.rows_received == 3


def test_a_revised_event_replaces_the_stored_one_an_older_does_not(
    store, settings, fake, sleeps
) -> None:
    pull(store, settings, fake, sleeps)
    revised = fake.rows[0] | {
        "fatalities": "5",
        "timestamp": str(int(fake.rows[0]["timestamp"]) + 60),
    }
    fake.rows[0] = revised
    report = pull(store, settings, fake, sleeps)
    assert report.rows_changed == 1
    stored = store.con.execute(
        "SELECT fatalities, source_version FROM events WHERE source_id = 'MLI9001'"
    ).fetchone()
    assert stored == (5, int(revised["timestamp"]))
    fake.rows[0] = revised | {"fatalities": "9", "timestamp": "1500000000"}  # an older revision
    assert pull(store, settings, fake, sleeps).rows_changed == 0
    assert store.con.execute(
        "SELECT fatalities FROM events WHERE source_id = 'MLI9001'"
    ).fetchone() == (5,)


def test_the_pull_is_recorded_and_status_shows_its_newest_date(
    store, settings, fake, sleeps
) -> None:
    from forecast.status import render_status, store_status

    pull(store, settings, fake, sleeps)
    status = render_status(store_status(store))
    assert f"Data as of: {NEWEST}" in status
    assert "/api/acled/read (Mali)" in status
    kind, fmt, rows = store.con.execute("SELECT kind, format, rows_read FROM ingests").fetchone()
    assert (kind, fmt, rows) == ("events", "acled-api", 7)


def test_an_old_newest_event_warns_that_forecasts_will_be_stale(
    store, settings, fake, sleeps
) -> None:
    report = pull(store, settings, fake, sleeps, today=NEWEST + timedelta(days=120))
    assert report.stale
    assert "access tier may withhold recent months" in report.summary()
    assert not pull(store, settings, fake, sleeps, today=NEWEST + timedelta(days=3)).stale


# --- failures: credentials, access, retries ----------------------------------------------


def test_a_wrong_password_stops_at_the_token_with_one_line(store, settings, fake, sleeps) -> None:
    with pytest.raises(AcledCredentialsError) as caught:
        pull(store, settings, fake, sleeps, password="not-the-password")
    message = str(caught.value)
    assert message.startswith("POST /oauth/token: HTTP 400 (invalid_grant)")
    assert "FORECAST_ACLED_PASSWORD" in message and "\n" not in message
    assert fake.reads() == [] and sleeps == []  # a refused login is not retried


def test_a_401_on_the_token_endpoint_is_bad_credentials(store, settings, fake, sleeps) -> None:
    fake.queue[("/oauth/token", 0)] = [
        httpx.Response(401, json={"error": "invalid_credentials", "message": "Bad login"})
    ]
    with pytest.raises(AcledCredentialsError, match=r"HTTP 401 \(invalid_credentials\)"):
        pull(store, settings, fake, sleeps)


def test_a_401_on_read_renews_the_token_once_then_stops(store, settings, fake, sleeps) -> None:
    fake.queue[("/api/acled/read", 2)] = [httpx.Response(401, json={"message": "Token expired"})]
    assert pull(store, settings, fake, sleeps).rows_received == 7  # renewed once, went on
    assert [r.url.path for r in fake.requests].count("/oauth/token") == 2
    fake.always[("/api/acled/read", 1)] = lambda: httpx.Response(401, json={"message": "No"})
    with pytest.raises(AcledCredentialsError, match=r"^GET /api/acled/read page 1: HTTP 401"):
        pull(store, settings, fake, sleeps)


def test_a_403_says_the_account_has_no_api_access(store, settings, fake, sleeps) -> None:
    fake.always[("/api/acled/read", 1)] = lambda: httpx.Response(
        403,
        json={
            "status": 403,
            "success": False,
            "error": [{"status": 403, "message": "Access denied: no API access for this account"}],
        },
    )
    with pytest.raises(AcledAccessError) as caught:
        pull(store, settings, fake, sleeps)
    message = str(caught.value)
    assert message.startswith("GET /api/acled/read page 1: HTTP 403")
    assert "no API access for this account" in message and "\n" not in message
    assert sleeps == [] and store.count("events") == 0


def test_a_429_waits_as_told_then_goes_on(store, settings, fake, sleeps) -> None:
    fake.queue[("/api/acled/read", 2)] = [
        httpx.Response(429, headers={"Retry-After": "7"}, json={"message": "Too many requests"})
    ]
    report = pull(store, settings, fake, sleeps)
    assert report.rows_received == 7 and store.count("events") == 7
    assert len(sleeps) == 1 and 7 <= sleeps[0] <= 300
    assert [r.url.params["page"] for r in fake.reads()] == ["1", "2", "2", "3"]


def test_server_errors_and_dropped_connections_are_retried(store, settings, fake, sleeps) -> None:
    fake.queue[("/api/acled/read", 1)] = [
        httpx.ConnectError("connection reset"),
        httpx.Response(502, text="<html>Bad gateway</html>"),
    ]
    fake.queue[("/oauth/token", 0)] = [httpx.ReadTimeout("timed out")]
    assert pull(store, settings, fake, sleeps).rows_received == 7
    assert len(sleeps) == 3


def test_a_5xx_that_lasts_exhausts_the_retries_and_stores_nothing(
    store, settings, fake, sleeps
) -> None:
    pull(store, settings, fake, sleeps)
    before = events(store)
    fake.rows[0] = fake.rows[0] | {"fatalities": "44", "timestamp": "1700000000"}
    fake.always[("/api/acled/read", 2)] = lambda: httpx.Response(503, text="Service Unavailable")
    sleeps.clear()
    with pytest.raises(AcledUnavailableError) as caught:
        pull(store, settings, fake, sleeps)
    assert str(caught.value).startswith(
        "GET /api/acled/read page 2: gave up after 6 attempts (last: HTTP 503)"
    )
    policy = RetryPolicy()
    assert len(sleeps) == policy.attempts - 1
    assert all(0 < s <= policy.max_seconds for s in sleeps)
    assert sleeps[-1] > sleeps[0]  # exponential, jittered
    assert events(store).equals(before)  # page 1's revision was not stored


def test_retry_waits_are_bounded_and_read_retry_after_dates() -> None:
    policy, rng = RetryPolicy(attempts=10, base_seconds=1, max_seconds=8), random.Random(1)
    waits = [policy.wait(n, None, rng) for n in range(10)]
    assert all(0.5 <= w <= 8 for w in waits) and max(waits[5:]) <= 8
    assert policy.wait(0, 10_000, rng) == policy.retry_after_cap
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470) == 10
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


# --- failures: the answer changed --------------------------------------------------------


def _without(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {k: v for k, v in body.items() if k != key}


def _row_without(index: int, key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def edit(body: dict[str, Any]) -> dict[str, Any]:
        rows = [dict(r) for r in body["data"]]
        rows[index].pop(key)
        return body | {"data": rows}

    return edit


@pytest.mark.parametrize(
    ("page", "edit", "expected"),
    [
        (2, _without("data"), "GET /api/acled/read page 2: unexpected response: field 'data': "),
        (
            3,
            _row_without(0, "event_id_cnty"),
            "GET /api/acled/read page 3: unexpected response: row 1, field 'event_id_cnty': "
            "Field required",
        ),
        (2, _without("success"), "page 2: unexpected response: field 'success'"),
        (
            1,
            lambda body: body | {"data": [body["data"][0] | {"actor1": {"name": "JNIM"}}]},
            "page 1: unexpected response: row 1: Value error, field 'actor1' holds dict",
        ),
        (2, lambda body: body | {"count": 999}, "page 2: envelope says count 999 but data holds"),
        (
            2,
            lambda body: {"success": False, "error": {"message": "Invalid filter: country"}},
            "page 2: the API answered success=false: Invalid filter: country",
        ),
        (1, lambda body: body | {"data": body["data"] * 2}, "6 rows for limit=3"),
    ],
    ids=[
        "no data",
        "row without id",
        "no success",
        "nested cell",
        "wrong count",
        "success false",
        "no limit",
    ],
)
def test_a_malformed_page_is_one_clear_error_and_nothing_is_stored(
    store, settings, fake, sleeps, page, edit, expected
) -> None:
    fake.page_edit[page] = edit
    with pytest.raises(AcledResponseError) as caught:
        pull(store, settings, fake, sleeps)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert store.count("events") == 0 and store.count("ingests") == 0


def test_pages_that_repeat_mean_paging_is_ignored(store, settings, fake, sleeps) -> None:
    first_page = fake.read
    fake.read = lambda request, page: first_page(request, 1)  # type: ignore[method-assign]
    with pytest.raises(AcledResponseError, match="page 2: starts with the same event"):
        pull(store, settings, fake, sleeps)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            httpx.Response(
                200, text="<html><body>Log in</body></html>", headers={"Content-Type": "text/html"}
            ),
            "page 1: expected JSON, got text/html",
        ),
        (
            httpx.Response(302, headers={"Location": "https://acled.test/user/login"}),
            "page 1: HTTP 302 redirect to https://acled.test/user/login",
        ),
        (
            httpx.Response(404, json={"message": "No route found"}),
            "page 1: HTTP 404: No route found",
        ),
    ],
    ids=["html", "redirect", "moved"],
)
def test_answers_that_are_not_the_api_are_named(store, settings, fake, sleeps, reply, expected):
    fake.always[("/api/acled/read", 1)] = lambda: reply
    with pytest.raises(AcledResponseError, match=expected):
        pull(store, settings, fake, sleeps)


def test_a_bad_value_is_rejected_by_the_reader_naming_page_and_row(
    store, settings, fake, sleeps
) -> None:
    fake.rows[4] = fake.rows[4] | {"fatalities": "-2"}  # page 2, row 2 (dates descending)
    with pytest.raises(InputError) as caught:
        pull(store, settings, fake, sleeps)
    (problem,) = caught.value.problems
    assert str(problem).startswith(
        "ACLED API /api/acled/read (Mali, page 2), row 2, field 'fatalities': '-2' is outside"
    )
    assert store.count("events") == 0


def test_totals_are_neither_needed_nor_asked_for(store, settings, fake, sleeps) -> None:
    # 2026: count and total_count come only with with_total=true. The pull pages without them
    # and does not ask for them (they slow the API down); given, they must agree.
    report = pull(store, settings, fake, sleeps)
    assert report.rows_received == 7
    assert all("with_total" not in r.url.params for r in fake.reads())
    totals: list[int | None] = []
    with client_for(fake, sleeps) as client:
        pages = list(client.pages({"country": "Mali", "with_total": "true"}, page_size=3))
    totals = [p.total for p in pages]
    assert totals == [7, 7, 7]


# --- credentials never leak --------------------------------------------------------------

LEAKY_FAILURES: dict[str, Callable[[FakeAcled], None]] = {
    # Servers that echo what they were sent: the client must redact, not trust them.
    "token refused": lambda f: f.queue.setdefault(("/oauth/token", 0), []).append(
        httpx.Response(400, json={"error": "invalid_grant", "message": f"bad login {PASSWORD}"})
    ),
    "token refused oddly": lambda f: f.queue.setdefault(("/oauth/token", 0), []).append(
        httpx.Response(400, json={"error": "invalid_client", "message": f"got {PASSWORD}"})
    ),
    "403": lambda f: f.always.__setitem__(
        ("/api/acled/read", 1),
        lambda: httpx.Response(403, json={"error": [{"message": f"denied {USERNAME} {TOKEN}"}]}),
    ),
    "5xx": lambda f: f.always.__setitem__(
        ("/api/acled/read", 2), lambda: httpx.Response(500, text=f"trace: password={PASSWORD}")
    ),
    "transport": lambda f: f.always.__setitem__(
        ("/oauth/token", 0), lambda: httpx.ConnectError(f"cannot send password={PASSWORD}")
    ),
    "html": lambda f: f.always.__setitem__(
        ("/api/acled/read", 1),
        lambda: httpx.Response(200, text=f"<p>{PASSWORD} {TOKEN}</p>"),
    ),
    "malformed": lambda f: f.page_edit.__setitem__(3, _without("data")),
}


@pytest.mark.parametrize("failure", list(LEAKY_FAILURES))
def test_credentials_appear_in_no_output_log_or_exception(
    failure, store, settings, fake, sleeps, capsys, caplog
) -> None:
    LEAKY_FAILURES[failure](fake)
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as logs, pytest.raises(AcledError) as caught:
        pull(store, settings, fake, sleeps)
    error = caught.value
    texts = [
        str(error),
        repr(error),
        "".join(traceback.format_exception(error)),
        json.dumps(logs, default=str),
        caplog.text,
        *capsys.readouterr(),
        repr(settings),
        str(settings.model_dump()),
        settings.model_dump_json(),
    ]
    assert error.__cause__ is None and error.__context__ is None  # no httpx request attached
    for text in texts:
        assert PASSWORD not in text and TOKEN not in text
    assert USERNAME not in str(error)


def test_the_cli_never_prints_the_password(home, monkeypatch, fake) -> None:
    monkeypatch.setenv("FORECAST_ACLED_USERNAME", USERNAME)
    monkeypatch.setenv("FORECAST_ACLED_PASSWORD", PASSWORD)
    monkeypatch.setenv("FORECAST_ACLED_BASE_URL", BASE)
    _patch_transport(monkeypatch, fake)
    LEAKY_FAILURES["token refused"](fake)
    result = CliRunner().invoke(app, ["pull", "acled", "--country", "Mali"])
    assert result.exit_code == 1
    assert PASSWORD not in result.output and PASSWORD not in result.stderr
    assert result.stderr.startswith("ACLED pull failed, nothing stored: POST /oauth/token")


# --- the command line and the weekly job's hook ------------------------------------------


def _patch_transport(monkeypatch: pytest.MonkeyPatch, fake: FakeAcled) -> None:
    real = acled_api.client_from_settings

    def with_fake(settings: Settings) -> AcledClient:
        client = real(settings)
        client.close()
        return AcledClient(
            username=client.username,
            password=client.password,
            base_url=client.base_url,
            transport=httpx.MockTransport(fake),
            sleep=lambda seconds: None,
        )

    monkeypatch.setattr(acled_api, "client_from_settings", with_fake)


def test_cli_pulls_then_status_shows_the_newest_date(home, monkeypatch, fake) -> None:
    monkeypatch.setenv("FORECAST_ACLED_USERNAME", USERNAME)
    monkeypatch.setenv("FORECAST_ACLED_PASSWORD", PASSWORD)
    monkeypatch.setenv("FORECAST_ACLED_BASE_URL", BASE)
    _patch_transport(monkeypatch, fake)
    runner = CliRunner()
    result = runner.invoke(app, ["pull", "acled", "--country", "Mali", "--since", "2020-07-01"])
    assert result.exit_code == 0, result.output
    assert (
        "Mali (since 2020-07-01): 1 page(s), 7 events received, 7 new or changed" in result.output
    )
    assert f"Newest event received: {NEWEST}" in result.output
    # Old data: the API will call forecasts made on it stale, and the pull says so.
    assert "FORECAST_STALE_AFTER_DAYS (21)" in result.output
    assert f"Data as of: {NEWEST}" in runner.invoke(app, ["status"]).output
    again = runner.invoke(app, ["pull", "acled", "-c", "Mali"])
    assert again.exit_code == 0 and "7 events received, 0 new or changed" in again.output


def test_cli_without_credentials_exits_2_before_creating_a_store(home) -> None:
    result = CliRunner().invoke(app, ["pull", "acled", "--country", "Mali"])
    assert result.exit_code == 2
    assert "FORECAST_ACLED_USERNAME" in result.stderr
    assert not (home / "forecast.duckdb").exists()


def test_cli_403_exits_1_with_one_line(home, monkeypatch, fake) -> None:
    monkeypatch.setenv("FORECAST_ACLED_USERNAME", USERNAME)
    monkeypatch.setenv("FORECAST_ACLED_PASSWORD", PASSWORD)
    _patch_transport(monkeypatch, fake)
    fake.always[("/api/acled/read", 1)] = lambda: httpx.Response(403, json={"message": "Forbidden"})
    result = CliRunner().invoke(app, ["pull", "acled", "--country", "Mali"])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "HTTP 403" in result.stderr


def test_pull_if_configured_does_nothing_without_credentials(store, settings, fake, sleeps):
    bare = settings.model_copy(update={"acled_username": None, "acled_password": None})
    assert pull_if_configured(store, bare) is None
    blank = settings.model_copy(update={"acled_password": SecretStr("  ")})
    assert pull_if_configured(store, blank) is None
    with pytest.raises(AcledConfigError, match="FORECAST_ACLED_USERNAME"):
        client_from_settings(bare)


def test_pull_if_configured_pulls_the_configured_countries(store, settings, fake, sleeps):
    named = settings.model_copy(update={"acled_countries": ["Mali"]})
    with client_for(fake, sleeps) as client:
        report = pull_if_configured(store, named, client=client)
    assert report is not None and report.countries == ["Mali"] and report.rows_received == 7


def test_countries_default_to_the_settings_then_the_stored_districts(store, settings) -> None:
    assert configured_countries(store, settings) == []
    ingest_districts(store, GAZETTEER)
    assert configured_countries(store, settings) == ["Mali", "Niger"]  # ISO3 -> ACLED names
    iso3 = settings.model_copy(update={"countries": ["NER", "BFA"]})
    assert configured_countries(store, iso3) == ["Niger", "Burkina Faso"]
    with pytest.raises(AcledConfigError, match="--country"):
        pull_acled(store, settings, [], client=None)


# --- the weekly job ------------------------------------------------------------------------


def _job_pull(store: Store, settings: Settings, fake: FakeAcled, sleeps: list[float], monkeypatch):
    from forecast.jobs import retrain as job

    monkeypatch.setattr(acled_api, "client_from_settings", lambda _: client_for(fake, sleeps))
    report = job.RetrainReport(job.ExitCode.FAILED)
    changed = job._pull(store, settings.model_copy(update={"acled_countries": ["Mali"]}), report)
    return changed, report


def test_the_weekly_job_pulls_first_when_credentials_are_set(
    store, settings, fake, sleeps, monkeypatch
) -> None:
    changed, report = _job_pull(store, settings, fake, sleeps, monkeypatch)
    assert changed == store.count("events") == len(fake.rows)
    assert any("events received" in line for line in report.lines)
    assert _job_pull(store, settings, fake, sleeps, monkeypatch)[0] == 0  # nothing new


def test_a_failed_pull_in_the_weekly_job_stores_nothing_and_lets_the_job_go_on(
    store, settings, fake, sleeps, monkeypatch
) -> None:
    fake.always[("/api/acled/read", 1)] = lambda: httpx.Response(
        403, json={"status": 403, "success": False, "error": [{"message": "Access denied"}]}
    )
    changed, report = _job_pull(store, settings, fake, sleeps, monkeypatch)
    assert changed == 0 and store.count("events") == 0
    assert report.lines[-1].startswith("ACLED pull failed, nothing stored")
    assert PASSWORD not in "\n".join(report.lines)


def test_the_weekly_job_skips_the_pull_without_credentials(store, tmp_path) -> None:
    from forecast.jobs import retrain as job

    bare = Settings(home=tmp_path / "bare", acled_username=None, acled_password=None)
    report = job.RetrainReport(job.ExitCode.FAILED)
    assert job._pull(store, bare, report) == 0 and report.lines == []
