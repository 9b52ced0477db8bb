"""Driver sentences at either cadence: forecast.explain's, with months where they are months.

``forecast.explain`` reads a feature name (``events_pv_4w``, ``weeks_since_event``) and words
it from the message catalogue; its windows and "ago" are weeks. The monthly panel's names
(``events_pv_3m``, ``months_since_event``, ``partner_un_months_since_arrival_100km``) are read
by the same rules, and worded with a monthly catalogue (``Catalogue(lang, "month")``: "3
months ago", "this month") plus the month window that the weekly reader does not parse (the
``_3m`` / ``_hl3m`` of a name), so a monthly driver never says "weeks". Weekly drivers go
through forecast.explain unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, lru_cache
from typing import Any

from forecast import explain as weekly
from forecast.bulletin.i18n import Catalogue
from forecast.explain import Explained

_MONTHS = re.compile(r"(?:^|_)(\d+)m(?=_|$)")
_HALF_LIFE_MONTHS = re.compile(r"(?:^|_)hl(\d+(?:p\d+)?)m(?=_|$)")
# Measures whose weekly sentence ends with the window ("in the last 4 weeks").
_WINDOWED = frozenset({"count", "neighbours_with"})


def _missing(value: float | None) -> bool:
    return value is None or value != value  # NaN


@cache
def _meanings() -> tuple[dict[str, str], dict[str, str]]:
    """The weekly and the monthly catalogue's meaning of each feature name."""
    import features

    week = {s.name: s.meaning for s in features.catalogue()}
    month = {s.name: s.meaning for s in features.monthly_catalogue()}
    return week, month


def month_sentence(feature: str, value: float | None, t: Catalogue) -> str:
    """One monthly feature's value in words (``t`` a monthly catalogue)."""
    text = weekly.sentence(feature, value, t)
    week, month = _meanings()
    if feature in week and feature in month and week[feature] in text:
        # A sentence that fell back to the meaning: the monthly panel's, not the weekly one.
        text = text.replace(week[feature], month[feature])
    reading = weekly.read_feature(feature)
    if reading.measure not in _WINDOWED or _missing(value) or reading.weeks is not None:
        return text
    low = feature.lower()
    half_life = _HALF_LIFE_MONTHS.search(low)
    window = _MONTHS.search(low)
    if half_life:
        months = float(half_life.group(1).replace("p", "."))
        period = t("drivers.period.decayed", weeks=t.count(months))
    elif window:
        n = int(window.group(1))
        period = t("drivers.period.one") if n == 1 else t("drivers.period.many", weeks=n)
    else:
        return text
    return f"{text} {period}"


@lru_cache(maxsize=65536)
def _worded(feature: str, value: float | None, lang: str, cadence: str) -> str:
    if cadence != "month":
        return weekly.sentence(feature, value, Catalogue(lang))
    return month_sentence(feature, value, Catalogue(lang, cadence))


def explain(
    top_drivers: str | Sequence[Mapping[str, Any]] | None,
    lang: str = "en",
    limit: int | None = 5,
    cadence: str = "week",
) -> list[Explained]:
    """forecast.explain.explain at either cadence: the largest drivers in words."""
    if cadence != "month":
        return weekly.explain(top_drivers, lang, limit)
    drivers = weekly.parse_drivers(top_drivers)
    drivers.sort(key=lambda d: -abs(d["contribution"]))
    return [
        Explained(
            d["feature"],
            d["value"],
            d["contribution"],
            _worded(d["feature"], d["value"], lang, cadence),
        )
        for d in drivers[:limit]
    ]


def summary(
    top_drivers: str | Sequence[Mapping[str, Any]] | None,
    lang: str = "en",
    limit: int = 3,
    cadence: str = "week",
) -> str:
    """The drivers raising the risk joined into one line, largest first."""
    if cadence != "month":
        return weekly.summary(top_drivers, lang, limit)
    t = Catalogue(lang, cadence)
    explained = explain(top_drivers, lang, limit=limit * 3, cadence=cadence)
    return t("drivers.separator").join([e.text for e in explained if e.raises][:limit])


def paragraph(explained: Iterable[Explained], lang: str = "en") -> str:
    """What pushes the risk up, then what holds it down (no length of time in it)."""
    return weekly.paragraph(explained, lang)
