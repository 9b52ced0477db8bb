"""The ACLED API's wire format as pydantic models, and the one-line errors a pull can end with.

What a response must look like to be used (the API of September 2025 onwards):

- ``POST {base}/oauth/token`` with the form fields ``username``, ``password``,
  ``grant_type=password`` and ``client_id=acled`` answers
  ``{"token_type": "Bearer", "expires_in": 86400, "access_token": "...", "refresh_token": "..."}``
  (the access token lasts 24 hours, the refresh token 14 days). A refused login is an OAuth2
  error body, ``{"error": "invalid_grant", "error_description": "...", "message": "..."}``, with
  HTTP 400 (or 401 from older OAuth servers).
- ``GET {base}/api/acled/read?_format=json&country=Mali&event_date=A|B&event_date_where=BETWEEN
  &limit=5000&page=N`` with ``Authorization: Bearer <token>`` answers
  ``{"status": 200, "success": true, "messages": [], "data": [{"event_id_cnty": "MLI1234", ...}]}``.
  Row values are text (``"fatalities": "3"``, ``"latitude": "14.35"``); numbers are accepted too.
  ``count`` (rows in this page) and ``total_count`` (rows matching the query) come only with
  ``with_total=true`` since 2026, so paging must not depend on them: a page shorter than
  ``limit`` is the last one. A refused query is ``{"status": 4xx, "success": false,
  "error": [{"status": 4xx, "message": "..."}]}`` (an object or text in some answers).

Based on:

- ACLED, "Getting started" (acleddata.com/api-documentation/getting-started): OAuth
  token-based authentication for programmatic access, the token endpoint and its lifetimes,
  ``https://acleddata.com/api/acled/read``; "Elements of ACLED's API": ``_format``, JSON answers
  carrying status and count beside the data, ``limit`` and ``page``; and "Importing data from the
  ACLED API into PowerBI": the form body (username, password, grant_type=password,
  client_id=acled) sent to ``oauth/token``, then the Bearer token to ``api/acled/read``.
- acledR, ACLED's own R client (github.com/dtacled/acledR, ``R/acled_auth.R``,
  ``R/acled_api.R``, "Oauth migration" pull request #42): the token URL and ``client_id``,
  ``_format=json``, ``event_date=a|b`` with ``event_date_where=BETWEEN``, the rows under ``data``.
- ACLED's notice of the ``with_total`` parameter, quoted in
  github.com/forecastingresearch/forecastbench/issues/188: ``count`` and ``total_count`` are
  no longer returned by default.
- Public clients reading the new API: koala73/worldmonitor (pull request #1437, the OAuth
  token manager) and others in Go and TypeScript that read ``status``, ``data`` and ``count``,
  treat row values as text, and take ``error[0].message`` when ``success`` is false.

The models are strict about what the pull relies on (``success``, ``data``, each row's
``event_id_cnty``, ``event_date``, ``event_type`` and ``fatalities``) and lenient about the
rest (extra fields are ignored), so the next change to the API fails in one clear place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from forecast.sources.acled import EXPORT_COLUMNS

CLIENT_ID: Final = "acled"
TOKEN_PATH: Final = "/oauth/token"
READ_PATH: Final = "/api/acled/read"
# ACLED's largest page; fewer, larger pages are kinder to its rate limits.
PAGE_SIZE: Final = 5000
SHOWN_CHARS: Final = 160  # longest piece of a server's answer quoted in an error
SHOWN_PROBLEMS: Final = 5  # validation problems listed in one error before "and N more"

# A cell of a row: ACLED sends text, but a number or null must not break the pull.
Cell = str | int | float | None
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class AcledError(RuntimeError):
    """A pull stopped; the message is one line naming what failed and what to do.

    It never holds a credential or a token: it is printed, logged and shown by the job.
    """


class AcledConfigError(AcledError):
    """Credentials or countries are not configured."""


class AcledCredentialsError(AcledError):
    """ACLED refused the username and password (or the token it issued)."""


class AcledAccessError(AcledError):
    """The login worked but this account may not read the API (HTTP 403)."""


class AcledUnavailableError(AcledError):
    """Retries on rate limits, server errors or transport errors ran out."""


class AcledResponseError(AcledError):
    """The API answered something this client does not understand: it may have changed."""


class TokenReply(BaseModel):
    """A granted token. The refresh token is ignored: a pull lasts minutes, and on expiry the
    client asks again with the password rather than keeping a second secret."""

    model_config = ConfigDict(extra="ignore")

    access_token: SecretStr = Field(min_length=1)
    token_type: str = "Bearer"
    expires_in: int | None = None


class TokenRefusal(BaseModel):
    """An OAuth2 error body (RFC 6749 section 5.2), as the token endpoint sends it."""

    model_config = ConfigDict(extra="ignore")

    error: str | None = None
    error_description: str | None = None
    message: str | None = None


class EventRow(BaseModel):
    """One event as the read endpoint sends it. Only what the ACLED reader needs to identify an
    event is checked here; the reader validates every value, as for a CSV export."""

    model_config = ConfigDict(extra="allow")

    event_id_cnty: Annotated[NonEmpty | int, Field(union_mode="left_to_right")]
    event_date: NonEmpty
    event_type: NonEmpty
    fatalities: Cell

    @model_validator(mode="before")
    @classmethod
    def _scalar_cells(cls, row: Any) -> Any:
        """A list or an object where the export has text means the API changed: say which."""
        if isinstance(row, dict):
            for name in EXPORT_COLUMNS:
                value = row.get(name)
                if isinstance(value, bool) or not isinstance(value, str | int | float | None):
                    raise ValueError(
                        f"field '{name}' holds {type(value).__name__}, not text or a number"
                    )
        return row

    def cell(self, name: str) -> Cell:
        """The value of a field, declared or extra; None when the row lacks it."""
        if name in type(self).model_fields:
            return getattr(self, name)
        return (self.model_extra or {}).get(name)


class ReadReply(BaseModel):
    """A page of the read endpoint. ``status`` and the counts are optional: they are checked
    when present, never needed (``count`` vanished once already)."""

    model_config = ConfigDict(extra="ignore")

    success: bool
    data: list[EventRow]
    status: int | None = None
    count: int | None = None
    total_count: int | None = None


class ErrorItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: int | None = None
    message: str | None = None
    code: str | int | None = None


class ErrorReply(BaseModel):
    """Whatever the API says when it refuses a query; every part is optional."""

    model_config = ConfigDict(extra="ignore")

    status: int | None = None
    success: bool | None = None
    error: list[ErrorItem] | ErrorItem | str | None = None
    message: str | None = None
    messages: list[Any] | None = None
    error_description: str | None = None


def problem_text(body: Any) -> str | None:
    """The API's own explanation in an error body, if it gives one."""
    if not isinstance(body, dict):
        return None
    try:
        reply = ErrorReply.model_validate(body)
    except ValidationError:
        return None
    error = reply.error
    if isinstance(error, list):
        error = error[0] if error else None
    if isinstance(error, ErrorItem):
        return error.message or (str(error.code) if error.code is not None else None)
    texts = [error, reply.error_description, reply.message]
    texts += [m for m in reply.messages or [] if isinstance(m, str)]
    return next((t for t in texts if t), None)


def describe(error: ValidationError, *, rows_at: str = "data") -> str:
    """A pydantic error as a short list: 'row 17, field 'event_id_cnty': Field required; ...'.

    Input values are not quoted: a page may be large, and the count of problems is enough to
    see that the shape changed.
    """
    problems = [_problem(e["loc"], e["msg"], rows_at) for e in error.errors(include_input=False)]
    shown = "; ".join(problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    return shown + (f"; and {more} more" if more > 0 else "")


def _problem(loc: Sequence[str | int], message: str, rows_at: str) -> str:
    if len(loc) >= 2 and loc[0] == rows_at and isinstance(loc[1], int):
        where = f"row {loc[1] + 1}"
        fields = [str(p) for p in loc[2:] if isinstance(p, str)]
        if fields:
            where += f", field '{fields[0]}'"
        return f"{where}: {message}"
    if not loc:
        return message
    return f"field '{'.'.join(str(p) for p in loc)}': {message}"
