"""An HTTP client for ACLED's API: the OAuth token, paging, retries, and one clear error.

The wire format and its sources are in :mod:`forecast.sources.acled_wire`. The client yields
validated pages; it knows nothing of the store (that is :mod:`forecast.sources.acled_api`).

Credentials are :class:`pydantic.SecretStr` and are unwrapped only to build the token form;
every text taken from a server's answer is redacted before it goes into an error or a log, and
errors are raised outside ``except`` blocks so no chained httpx exception (whose request holds
the form body) travels with them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Final, TypeVar

import httpx
import structlog
from pydantic import BaseModel, SecretStr, ValidationError

from forecast.sources.acled_wire import (
    CLIENT_ID,
    PAGE_SIZE,
    READ_PATH,
    SHOWN_CHARS,
    TOKEN_PATH,
    AcledAccessError,
    AcledConfigError,
    AcledCredentialsError,
    AcledResponseError,
    AcledUnavailableError,
    EventRow,
    ReadReply,
    TokenRefusal,
    TokenReply,
    describe,
    problem_text,
)

log = structlog.get_logger(__name__)

DEFAULT_BASE_URL: Final = "https://acleddata.com"
# A Sahel pull is tens of pages; more than this means the API ignores `page`.
MAX_PAGES: Final = 2000
REFUSED_LOGIN: Final = frozenset({"invalid_grant", "invalid_credentials", "access_denied"})
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded in attempts and in each wait.

    The wait before retry n (0-based) is drawn between half and all of
    ``min(max_seconds, base_seconds * 2**n)``, so concurrent jobs spread out. A server's
    ``Retry-After`` is honoured (as a floor), up to ``retry_after_cap`` seconds.
    """

    attempts: int = 6
    base_seconds: float = 1.0
    max_seconds: float = 60.0
    retry_after_cap: float = 300.0

    def wait(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        ceiling = min(self.max_seconds, self.base_seconds * 2**retry)
        backoff = rng.uniform(ceiling / 2, ceiling)
        if retry_after is None:
            return backoff
        return min(self.retry_after_cap, max(retry_after, backoff))


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: a delay ('120') or an HTTP date; None when absent or odd."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


@dataclass
class Page:
    """One validated page of the read endpoint."""

    number: int
    rows: list[EventRow]
    total: int | None = None  # total_count, only when the query asked with_total=true


@dataclass(repr=False, eq=False)
class AcledClient:
    """ACLED's API for one account. Use as a context manager (closes the connection pool).

    ``transport`` replaces the network (tests pass an ``httpx.MockTransport``); ``sleep`` and
    ``rng`` make the backoff testable.
    """

    username: SecretStr
    password: SecretStr
    base_url: str = DEFAULT_BASE_URL
    transport: httpx.BaseTransport | None = None
    timeout: float = 120.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if not self.username.get_secret_value() or not self.password.get_secret_value():
            raise AcledConfigError(
                "ACLED credentials are not set: set FORECAST_ACLED_USERNAME and "
                "FORECAST_ACLED_PASSWORD (your myACLED login)"
            )
        self._token: SecretStr | None = None
        self._http = httpx.Client(
            base_url=self.base_url.rstrip("/"),
            transport=self.transport,
            timeout=self.timeout,
            # A redirect would mean the API moved (or a login page): report it, do not follow.
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "sahel-forecast"},
        )

    def __repr__(self) -> str:
        return f"AcledClient(base_url={self.base_url!r})"

    def __enter__(self) -> AcledClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- reading ------------------------------------------------------------------------

    def pages(
        self, query: Mapping[str, str], *, page_size: int = PAGE_SIZE, max_pages: int = MAX_PAGES
    ) -> Iterator[Page]:
        """Every page of a read query, validated, until a page shorter than ``page_size``."""
        previous: str | None = None
        for number in range(1, max_pages + 1):
            page = self._read_page(query, number, page_size)
            where = f"GET {READ_PATH} page {number}"
            if len(page.rows) > page_size:
                raise AcledResponseError(
                    f"{where}: {len(page.rows)} rows for limit={page_size}: the API no longer "
                    "honours `limit`, so paging cannot be trusted"
                )
            first = str(page.rows[0].event_id_cnty) if page.rows else None
            if previous is not None and first == previous:
                raise AcledResponseError(
                    f"{where}: starts with the same event ({first}) as page {number - 1}: the API "
                    "ignored `page`, so paging cannot be trusted"
                )
            yield page
            if len(page.rows) < page_size:
                return
            previous = first
        raise AcledResponseError(
            f"GET {READ_PATH}: more than {max_pages} full pages of {page_size} rows; narrow the "
            "query (--since, fewer countries)"
        )

    def _read_page(self, query: Mapping[str, str], number: int, page_size: int) -> Page:
        where = f"GET {READ_PATH} page {number}"
        params = {**query, "_format": "json", "limit": str(page_size), "page": str(number)}
        response = self._authorised_get(params, where)
        if response.status_code == 403:
            raise AcledAccessError(
                f"{where}: HTTP 403: ACLED accepted the login but this account may not use the API "
                f"({self._said(response)}); accept ACLED's terms of use and complete your myACLED "
                "profile, or ask access@acleddata.com for API access"
            )
        body = self._json(response, where, expected=200)
        if isinstance(body, dict) and body.get("success") is False:
            raise AcledResponseError(
                f"{where}: the API answered success=false: {self._said_body(body, response)}"
            )
        reply = self._validated(ReadReply, body, where)
        self._check_counts(reply, where)
        log.info("acled.page", path=READ_PATH, page=number, rows=len(reply.data))
        return Page(number=number, rows=reply.data, total=reply.total_count)

    def _authorised_get(self, params: Mapping[str, str], where: str) -> httpx.Response:
        response = self._send("GET", READ_PATH, where, params=params, auth_header=True)
        if response.status_code == 401:
            # Access tokens last 24 hours; one expiring mid-pull is renewed once.
            self._token = None
            response = self._send("GET", READ_PATH, where, params=params, auth_header=True)
        if response.status_code == 401:
            raise AcledCredentialsError(
                f"{where}: HTTP 401: ACLED rejected the access token it had just issued "
                f"({self._said(response)}); check FORECAST_ACLED_USERNAME and "
                "FORECAST_ACLED_PASSWORD, and that the account is active"
            )
        return response

    @staticmethod
    def _check_counts(reply: ReadReply, where: str) -> None:
        if reply.status is not None and reply.status != 200:
            raise AcledResponseError(f"{where}: envelope says status {reply.status} with HTTP 200")
        if reply.count is not None and reply.count != len(reply.data):
            raise AcledResponseError(
                f"{where}: envelope says count {reply.count} but data holds {len(reply.data)} rows"
            )

    # --- the token ----------------------------------------------------------------------

    def _bearer(self) -> str:
        if self._token is None:
            self._token = self._fetch_token()
        return f"Bearer {self._token.get_secret_value()}"

    def _fetch_token(self) -> SecretStr:
        where = f"POST {TOKEN_PATH}"
        form = {
            "username": self.username.get_secret_value(),
            "password": self.password.get_secret_value(),
            "grant_type": "password",
            "client_id": CLIENT_ID,
        }
        response = self._send("POST", TOKEN_PATH, where, data=form)
        if response.status_code in (400, 401):
            raise self._refused_login(response, where)
        if response.status_code == 403:
            raise AcledAccessError(
                f"{where}: HTTP 403: ACLED refuses this account a token ({self._said(response)}); "
                "check that the account is verified and allowed API access"
            )
        reply = self._validated(TokenReply, self._json(response, where, expected=200), where)
        log.info("acled.token", path=TOKEN_PATH, expires_in=reply.expires_in)
        return reply.access_token

    def _refused_login(self, response: httpx.Response, where: str) -> Exception:
        refusal = TokenRefusal.model_validate(_json_or_none(response) or {})
        code = refusal.error or "no error code"
        if refusal.error is None or refusal.error in REFUSED_LOGIN:
            return AcledCredentialsError(
                f"{where}: HTTP {response.status_code} ({code}): ACLED rejected the username or "
                "password; check FORECAST_ACLED_USERNAME (your myACLED e-mail) and "
                "FORECAST_ACLED_PASSWORD"
            )
        # invalid_client, unsupported_grant_type...: the token exchange itself changed.
        return AcledResponseError(
            f"{where}: HTTP {response.status_code} ({code}): ACLED refused the token request "
            f"itself ({self._said(response)}); the OAuth exchange may have changed"
        )

    # --- transport, retries, decoding ---------------------------------------------------

    def _send(
        self, method: str, path: str, where: str, *, auth_header: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One request, retried on 429, 5xx and transport errors; other answers are returned."""
        last = ""
        for attempt in range(self.retry.attempts):
            retry_after: float | None = None
            headers = {"Authorization": self._bearer()} if auth_header else None
            try:
                response = self._http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError as error:
                last = self._redact(f"{type(error).__name__}: {error}")
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response
                last = f"HTTP {response.status_code}"
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            if attempt + 1 < self.retry.attempts:
                wait = self.retry.wait(attempt, retry_after, self.rng)
                log.warning("acled.retry", where=where, failure=last, wait_seconds=round(wait, 1))
                self.sleep(wait)
        raise AcledUnavailableError(
            f"{where}: gave up after {self.retry.attempts} attempts (last: {last}); ACLED may be "
            "down or rate-limiting this account: try again later"
        )

    def _json(self, response: httpx.Response, where: str, *, expected: int) -> Any:
        if response.is_redirect:
            target = self._redact(response.headers.get("Location", "?"))[:SHOWN_CHARS]
            raise AcledResponseError(
                f"{where}: HTTP {response.status_code} redirect to {target}: the API may have "
                "moved (set FORECAST_ACLED_BASE_URL)"
            )
        if response.status_code != expected:
            raise AcledResponseError(
                f"{where}: HTTP {response.status_code}: {self._said(response)}"
            )
        body = _json_or_none(response)
        if body is None:
            kind = response.headers.get("Content-Type", "no content type")
            raise AcledResponseError(
                f"{where}: expected JSON, got {kind}: {self._snippet(response.text)!r}"
            )
        return body

    def _validated(self, model: type[ModelT], body: Any, where: str) -> ModelT:
        failure = None
        try:
            return model.model_validate(body)
        except ValidationError as error:
            failure = describe(error)
        raise AcledResponseError(f"{where}: unexpected response: {self._redact(failure)}")

    def _said(self, response: httpx.Response) -> str:
        return self._said_body(_json_or_none(response), response)

    def _said_body(self, body: Any, response: httpx.Response) -> str:
        text = problem_text(body) or response.text or "empty answer"
        return self._snippet(text)

    def _snippet(self, text: str) -> str:
        return self._redact(" ".join(text.split()))[:SHOWN_CHARS]

    def _redact(self, text: str) -> str:
        """``text`` without the credentials or the token, should a server ever echo them."""
        secrets = [self.username, self.password, self._token]
        for secret in secrets:
            value = secret.get_secret_value() if secret is not None else ""
            if value:
                text = text.replace(value, "***")
        return text


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
