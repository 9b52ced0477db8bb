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

# A bulletin's period in its path: an ISO week (2025-W23) or any day of it at weekly
# cadence, a month (2025-06) or any day of it at monthly cadence.
_DAY = DATE_PATTERN[1:-1]
WEEK_PATTERN = rf"^([0-9]{{4}}-?W(0[1-9]|[1-4][0-9]|5[0-3])|{_DAY})$"
MONTH_PATTERN = rf"^([0-9]{{4}}-(0[1-9]|1[0-2])|{_DAY})$"


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
