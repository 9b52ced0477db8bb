"""Formats and bounds of dates and periods, stated once for the validation and the schema.

pydantic reads a bare number as a Unix timestamp (``until=0`` is 1970-01-01) and knows no
bounds for a date, so every date the API takes goes through :data:`IsoDay`: ``YYYY-MM-DD``
between :data:`FIRST_DAY` and :data:`LAST_DAY`, with the same pattern in the OpenAPI
schema. 1989 is where the oldest source the service reads (UCDP GED) begins.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from forecast.sources.limits import latest_day

FIRST_DAY = date(1989, 1, 1)
LAST_DAY = date(2100, 12, 31)
# Exactly the calendar's days of 1989..2100, so that every string the schema admits is
# accepted: 31-day months, 30-day months, February to the 28th, and the 29th of February in
# the leap years (1992, 1996, 2000 ... 2096; 2100 is not one).
_YEAR = r"(19(89|9[0-9])|20[0-9]{2}|2100)"
_MONTH_DAY = (
    r"((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    r"|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    r"|02-(0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_DAY = r"(199[26]|20([02468][048]|[13579][26]))-02-29"
DATE_PATTERN = rf"^({_YEAR}-{_MONTH_DAY}|{_LEAP_DAY})$"
_DATE = re.compile(DATE_PATTERN)
DATE_SCHEMA: dict[str, Any] = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
DATE_WORDS = f"YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}"


def _alternatives(words: list[str]) -> str:
    return "(" + "|".join(words) + ")"


def _has_week_53(year: int) -> bool:
    return date(year, 12, 28).isocalendar()[1] == 53  # the 28th of December is in the last


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# A bulletin's period in its path: an ISO week (2025-W23) or any day of it at weekly
# cadence, a month (2025-06) or any day of it at monthly cadence. Week 53 only in the years
# that have one, so that what the schema admits the route accepts.
_DAY = DATE_PATTERN[1:-1]
_WEEK_53_YEARS = [str(y) for y in range(FIRST_DAY.year, LAST_DAY.year + 1) if _has_week_53(y)]
WEEK_PATTERN = (
    rf"^({_YEAR}-?W(0[1-9]|[1-4][0-9]|5[0-2])|{_alternatives(_WEEK_53_YEARS)}-?W53|{_DAY})$"
)
MONTH_PATTERN = rf"^({_YEAR}-(0[1-9]|1[0-2])|{_DAY})$"


def _days_up_to(last: int) -> str:
    return _alternatives([f"{d:02d}" for d in range(1, last + 1)])


def date_pattern_until(last: date) -> str:
    """Exactly the days from :data:`FIRST_DAY` to ``last``, as a pattern: the whole years
    before ``last``'s, then its year's months up to its day. For a bound that moves with
    the calendar (a field report may not be after tomorrow)."""
    years = list(range(FIRST_DAY.year, last.year))
    parts = []
    if years:
        parts.append(f"{_alternatives([str(y) for y in years])}-{_MONTH_DAY}")
        leap = [str(y) for y in years if _leap(y)]
        if leap:
            parts.append(f"{_alternatives(leap)}-02-29")
    months = []
    for month in range(1, last.month + 1):
        following = date(last.year + month // 12, month % 12 + 1, 1)
        length = (following - date(last.year, month, 1)).days
        days = last.day if month == last.month else length
        months.append(f"{month:02d}-{_days_up_to(days)}")
    parts.append(f"{last.year}-{_alternatives(months)}")
    return f"^{_alternatives(parts)}$"


def iso_day(value: object) -> object:
    """Admit ``YYYY-MM-DD`` text within the bounds (or a date already made, in Python);
    pydantic then parses it and checks the calendar."""
    if isinstance(value, date):
        if not FIRST_DAY <= value <= LAST_DAY:
            raise ValueError(f"a date from {FIRST_DAY} to {LAST_DAY} is expected")
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError(f"a date as {DATE_WORDS} is expected")
    return value


# The schema states what iso_day admits: the pattern sits with the string's format (inside
# anyOf when the parameter is optional), where clients and schemathesis read it.
IsoDay = Annotated[date, BeforeValidator(iso_day), WithJsonSchema(DATE_SCHEMA)]


def period_schema(cadence: str) -> dict[str, Any]:
    """The schema of a bulletin's period in its path at ``cadence``."""
    if cadence == "month":
        return {
            "pattern": MONTH_PATTERN,
            "description": "A month (2025-06) or any day of it (2025-06-04)",
            "examples": ["2025-06"],
        }
    return {
        "pattern": WEEK_PATTERN,
        "description": "An ISO week (2025-W23) or any day of it (2025-06-04)",
        "examples": ["2025-W23"],
    }


def latest_incident_day() -> date:
    """The latest date a field report may carry: the file readers' rule, today in UTC plus
    FORECAST_FUTURE_DAYS_TOLERANCE (one day by default: slack for reporters east of UTC)."""
    return latest_day()


def incident_date_schema(last: date) -> dict[str, Any]:
    """The field report's date as the schema states it on the day ``last`` is tomorrow."""
    return {
        "pattern": date_pattern_until(last),
        "formatMinimum": str(FIRST_DAY),
        "formatMaximum": str(last),
    }


def whole_number(value: object) -> object:
    """An integer, also as a float without a fraction (``3.0`` is an integer to JSON
    Schema, and to clients that write every number so); never text or a boolean."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("a whole number is expected")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("a whole number is expected")
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(whole_number)]
