"""Top drivers in plain words: "3 attacks within 50 km in the last 4 weeks".

A driver is one ``{feature, value, contribution}`` of the forecasts table's ``top_drivers``
(contribution on the log-odds scale; positive raises the risk). The sentence comes from
what the feature name says (window ``_4w``, radius ``within_50km``, subject ``pv`` or
``abduction``, partner ``partner_un``, measure ``weeks_since_withdrawal`` ...), read by
:func:`read_feature`, and the words from the message catalogue of the language asked for.
When a name says nothing recognisable, the feature catalogue's meaning (``features``
package) or the name itself is printed beside the value, so no driver is ever dropped.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from forecast.bulletin.i18n import Catalogue

# Each word matches at the start of a name's token (``_``-separated), so "dist" does not
# match "district"; a trailing "$" asks for the whole token. Subjects are looked for in
# order and the first found wins: the specific ones ("foreign_victim") before "violence".
SUBJECTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cross_border", ("cross_border",)),
    ("army_attacked", ("army_attacked",)),
    ("army", ("army",)),
    ("foreign_victim", ("foreign_victim", "foreigner", "foreign_national")),
    ("russian_forces", ("partner_force_russia",)),
    ("partner_force", ("partner_force",)),
    ("jihadist", ("jihadist",)),
    ("abduction", ("abduction", "kidnap")),
    ("civilians", ("civilian",)),
    ("remote_violence", ("remote", "explosion")),
    ("battle", ("battle", "clash")),
    ("riot", ("riot",)),
    ("protest", ("protest",)),
    ("fatalities", ("fatalities", "deaths", "killed")),
    ("fatal", ("fatal",)),
    ("strategic", ("strategic",)),
    ("pv", ("pv$", "violen", "attack", "event", "incident", "any$", "conflict")),
)
PARTNERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("russia_africa_corps", ("africa_corps", "africacorps")),
    ("russia_wagner", ("wagner",)),
    ("un", ("un$", "minusma", "united_nations")),
    ("france", ("france", "french", "barkhane")),
    ("national", ("fama", "deployment", "garrison", "national_force", "army", "base")),
    ("other", ("partner",)),
)
SCOPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("neighbours", ("neighbo", "adjacent", "nbr$", "nb$")),
    ("national", ("national", "country", "nationwide")),
    ("admin1", ("admin1", "region")),
    ("district", ("in_district",)),
)

# Subjects read from events in which the national forces take part, not from their bases.
ARMY_SUBJECTS = frozenset({"army", "army_attacked"})

# training.history caps "weeks since the last event" at ten years when there was none.
SINCE_NEVER = 520

_WEEKS = re.compile(r"(?:^|_)(\d+)w(?=_|$)")
_HALF_LIFE = re.compile(r"(?:^|_)(?:hl|half_?life|decay)_?(\d+(?:p\d+)?)w?(?=_|$)")
_KM = re.compile(r"(\d+)_?km")
_VERSUS = re.compile(r"(?:^|_)(\d+)v(\d+)(?=_|$)")


@dataclass(frozen=True)
class Reading:
    """What a feature name says about itself."""

    measure: str  # count, since, distance, presence, trend, share, season, border, capital, other
    subject: str | None = None  # a key of SUBJECTS
    partner: str | None = None  # a key of PARTNERS
    scope: str = "district"  # district, radius, neighbours, national, admin1
    weeks: int | None = None  # trailing window
    half_life: float | None = None  # exponentially decayed sum
    km: int | None = None  # radius or distance band
    change: str | None = None  # for "since": withdrawal, arrival or None (last event)
    long: int | None = None  # for "trend": the long window compared with ``weeks``


@dataclass(frozen=True)
class Explained:
    """One driver in words, with its pull on the risk."""

    feature: str
    value: float | None
    contribution: float
    text: str

    @property
    def raises(self) -> bool:
        return self.contribution > 0


@cache
def _pattern(word: str) -> re.Pattern[str]:
    return re.compile("(?:^|_)" + word.replace("$", "(?:_|$)"))


def _has(name: str, words: Iterable[str]) -> bool:
    """Whether any word starts a token of ``name`` (see :data:`SUBJECTS`)."""
    return any(_pattern(word).search(name) for word in words)


def _first(name: str, table: Sequence[tuple[str, tuple[str, ...]]]) -> str | None:
    for key, words in table:
        if _has(name, words):
            return key
    return None


def _hist_subject(name: str) -> str | None:
    """``hist_<target>_...`` (training's history features) names its target directly."""
    match = re.match(r"(?:hist|label|base_\w+?)_(any|fatal|civilians|abduction)(?:_|$)", name)
    if not match:
        return None
    return {"any": "pv", "fatal": "fatal", "civilians": "civilians", "abduction": "abduction"}[
        match.group(1)
    ]


# Feature names are few (the catalogue's) and read for every driver of every served row.
@lru_cache(maxsize=4096)
def read_feature(name: str) -> Reading:
    """Parse a feature name into measure, subject, partner, place and window."""
    low = name.lower()
    weeks_match = _WEEKS.search(low)
    weeks = int(weeks_match.group(1)) if weeks_match else None
    hl_match = _HALF_LIFE.search(low)
    half_life = float(hl_match.group(1).replace("p", ".")) if hl_match else None
    km_match = _KM.search(low)
    km = int(km_match.group(1)) if km_match else None
    subject = _hist_subject(low) or _first(low, SUBJECTS)
    # Events with the army as an actor are events, not the army's bases.
    partner = None if subject in ARMY_SUBJECTS else _first(low, PARTNERS)
    if low == "country_code":
        return Reading("country")
    if subject == "army" and _has(low, ("districts",)):
        measure = "army_share" if _has(low, ("share",)) else "army_districts"
        return Reading(measure, subject, None, "national", weeks)
    explicit_scope = _first(low, SCOPES)
    scope = explicit_scope or ("radius" if km is not None else "district")

    if _has(low, ("since", "age$", "weeks_open")):
        change = None
        if _has(low, ("withdr", "left$", "depart", "end", "clos", "exit")):
            change = "withdrawal"
        elif _has(low, ("arriv", "start", "open", "deploy")):
            change = "arrival"
        if change is None and partner is not None and subject is None:
            change = "arrival"
        if change is not None:
            partner = partner or "other"
            if _has(low, ("nearest",)):
                scope = "nearest"
            elif explicit_scope is None and km is None:
                scope = "none"  # a site somewhere: no place to name
        return Reading("since", subject, partner, scope, weeks, half_life, km, change)
    if _has(low, ("dist$", "distance", "nearest", "km_to")):
        return Reading("distance", subject, partner, scope, weeks, half_life, km)
    if _has(low, ("trend", "ratio", "growth", "change", "accel")):
        versus = _VERSUS.search(low)
        short, long = (int(versus.group(1)), int(versus.group(2))) if versus else (weeks, None)
        return Reading("trend", subject or "pv", None, scope, short, half_life, km, None, long)
    if _has(low, ("share", "frac", "rate$")):
        return Reading("share", subject or "pv", partner, scope, weeks, half_life, km)
    if subject == "cross_border":
        return Reading("count", subject, None, scope, weeks, half_life, km)
    if _has(low, ("rain", "season", "wet$")):
        return Reading("season")
    if _has(low, ("border",)):
        return Reading("border_km" if _has(low, ("km$",)) else "border")
    if _has(low, ("capital",)):
        return Reading("capital")
    if _has(low, ("area",)):
        return Reading("area")
    if _has(low, ("population", "pop$")):
        return Reading("population")
    if _has(low, ("week_sin", "week_cos", "sin$", "cos$", "month")):
        return Reading("calendar")
    if _has(low, ("n_neighbo",)):
        return Reading("neighbour_count")
    if scope == "neighbours" and _has(low, ("with",)):
        return Reading("neighbours_with", subject or "pv", None, scope, weeks, half_life, km)
    if partner is not None and (subject is None or subject == "partner_force"):
        if subject == "partner_force":
            return Reading("count", subject, None, scope, weeks, half_life, km)
        return Reading("presence", None, partner, scope, weeks, half_life, km)
    if subject is not None:
        return Reading("count", subject, None, scope, weeks, half_life, km)
    return Reading("other", None, None, scope, weeks, half_life, km)


@cache
def _feature_specs() -> Mapping[str, Any]:
    """The feature catalogue by name, when the ``features`` package provides one."""
    try:
        from features import catalogue  # type: ignore[attr-defined]

        specs = catalogue()
    except Exception:  # the catalogue is optional: any failure means "no catalogue"
        return {}
    if isinstance(specs, Mapping):
        return dict(specs)
    return {getattr(spec, "name", ""): spec for spec in specs}


def _meaning(name: str) -> str:
    spec = _feature_specs().get(name)
    meaning = getattr(spec, "meaning", None) if spec is not None else None
    return str(meaning) if meaning else name.replace("_", " ")


def _period(t: Catalogue, reading: Reading) -> str:
    if reading.half_life is not None:
        return t("drivers.period.decayed", weeks=t.count(reading.half_life))
    if reading.weeks is None:
        return ""
    if reading.weeks == 1:
        return t("drivers.period.one")
    return t("drivers.period.many", weeks=reading.weeks)


def _where(t: Catalogue, reading: Reading) -> str:
    if reading.scope == "radius" and reading.km is not None:
        return t("drivers.where.radius", km=reading.km)
    if reading.scope in ("none", "nearest"):
        return ""
    return t(f"drivers.where.{reading.scope}")


def _ago(t: Catalogue, weeks: float) -> str:
    n = round(weeks)
    if n == 0:
        return t("drivers.ago.now")
    if n == 1:
        return t("drivers.ago.one")
    return t("drivers.ago.many", weeks=t.number(n))


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _count_phrase(t: Catalogue, subject: str, value: float) -> str:
    noun = f"drivers.nouns.{subject}"
    if round(value, 1) == 0:
        return t(f"{noun}.zero")
    form = "one" if round(value, 1) == 1 else "many"
    return t(f"{noun}.{form}", n=t.count(value))


def _partner(t: Catalogue, partner: str | None) -> dict[str, str]:
    key = f"drivers.partners.{partner or 'other'}"
    return {"partner": t(f"{key}.name"), "partner_of": t(f"{key}.of"), "sites": t(f"{key}.sites")}


def _tidy(text: str) -> str:
    """Collapse the double spaces an empty placeholder leaves."""
    return re.sub(r"\s+", " ", text).strip()


def sentence(feature: str, value: float | None, t: Catalogue) -> str:
    """One feature's value in plain words, in the catalogue's language."""
    return _tidy(_sentence(read_feature(feature), feature, value, t))


def _sentence(reading: Reading, feature: str, value: float | None, t: Catalogue) -> str:
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    v = 0.0 if missing else float(value)  # type: ignore[arg-type]
    measure = reading.measure
    words = _partner(t, reading.partner)
    noun = f"drivers.nouns.{reading.subject or 'pv'}"

    if measure == "count" and not missing:
        return _join(
            _count_phrase(t, reading.subject or "pv", v), _where(t, reading), _period(t, reading)
        )
    if measure == "since" and reading.change is not None:
        suffix = ".nearest" if reading.scope == "nearest" else ""
        if missing:
            return t(f"drivers.since.{reading.change}.never", where=_where(t, reading), **words)
        return t(
            f"drivers.since.{reading.change}{suffix}",
            where=_where(t, reading),
            ago=_ago(t, v),
            **words,
        )
    if measure == "since":
        if missing or v >= SINCE_NEVER:
            return t(f"{noun}.none")
        return t("drivers.since.event", last=t(f"{noun}.last"), ago=_ago(t, v))
    if measure == "distance" and reading.partner is not None and reading.subject is None:
        if missing:
            return t("drivers.distance.partner_none", **words)
        return t("drivers.distance.partner", km=t.number(v), **words)
    if measure == "distance":
        if missing:
            return _join(t(f"{noun}.zero"), _period(t, reading))
        return _join(
            t("drivers.distance.event", nearest=t(f"{noun}.nearest"), km=t.number(v)),
            _period(t, reading),
        )
    if measure == "presence" and not missing:
        return t("drivers.presence", where=_where(t, reading), n=t.count(v), **words)
    if measure == "trend" and not missing:
        what = t(f"{noun}.many", n="").strip()
        direction = "up" if v >= 0.005 else ("down" if v <= -0.005 else "flat")
        return t(
            f"drivers.trend.{direction}",
            what=what,
            value=t.number(abs(v), 2 if abs(v) < 1 else 1),
            weeks=reading.weeks or "?",
            long=reading.long or "?",
        )
    if measure == "neighbours_with" and not missing:
        return _join(t("drivers.neighbours_with", n=t.count(v), what=t(f"{noun}.any")),
                     _period(t, reading))  # fmt: skip
    if not missing and measure == "army_districts":
        return _join(t("drivers.army_districts", n=t.count(v)), _period(t, reading))
    if not missing and measure == "army_share":
        return _join(t("drivers.army_share", share=t.number(100 * v, 0)), _period(t, reading))
    if not missing and measure == "country":
        return t("drivers.country", country=country_name(v))
    if not missing and measure in ("season", "border"):
        return t(f"drivers.{measure}.{'yes' if v > 0 else 'no'}")
    if not missing and measure in (
        "capital", "border_km", "area", "population", "neighbour_count", "calendar"
    ):  # fmt: skip
        return t(f"drivers.{measure}", km=t.number(v), n=t.number(v, 0 if v.is_integer() else 2))
    shown = t("drivers.missing") if missing else t.number(v, 0 if float(v).is_integer() else 2)
    return t("drivers.other", what=_meaning(feature), value=shown)


def country_name(numeric: float) -> str:
    """The country of an ISO 3166-1 numeric code (the ``country_code`` feature)."""
    from forecast.core.countries import name_for_numeric

    return name_for_numeric(int(numeric)) or f"{numeric:g}"


def finite_number(value: Any) -> float | None:
    """``value`` as a float; None when missing, not a number, NaN or infinite."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def parse_drivers(top_drivers: str | Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """The ``top_drivers`` column (JSON text or already a list) as clean driver dicts.

    Items without a feature are skipped; ``value`` is a finite number or None and
    ``contribution`` a finite number (0 when unusable). Text that is not JSON raises
    ``ValueError``, for the caller to report.
    """
    if top_drivers is None or top_drivers == "":
        return []
    items = json.loads(top_drivers) if isinstance(top_drivers, str) else top_drivers
    if not isinstance(items, Sequence):
        return []
    return [
        {
            "feature": str(item["feature"]),
            "value": finite_number(item.get("value")),
            "contribution": finite_number(item.get("contribution")) or 0.0,
        }
        for item in items
        if isinstance(item, Mapping) and "feature" in item
    ]


@lru_cache(maxsize=65536)
def _worded(feature: str, value: float | None, lang: str) -> str:
    # The same (feature, value) recurs across weeks, horizons, targets and requests.
    return sentence(feature, value, Catalogue(lang))


def explain(
    top_drivers: str | Sequence[Mapping[str, Any]] | None,
    lang: str = "en",
    limit: int | None = 5,
) -> list[Explained]:
    """The largest drivers (by absolute contribution) in words, largest first (all: None)."""
    drivers = parse_drivers(top_drivers)
    drivers.sort(key=lambda d: -abs(d["contribution"]))
    return [
        Explained(
            d["feature"], d["value"], d["contribution"], _worded(d["feature"], d["value"], lang)
        )
        for d in drivers[:limit]
    ]


def summary(
    top_drivers: str | Sequence[Mapping[str, Any]] | None, lang: str = "en", limit: int = 3
) -> str:
    """The drivers raising the risk joined into one line ("a; b; c"), largest first."""
    t = Catalogue(lang)
    raising = [e.text for e in explain(top_drivers, lang, limit=limit * 3) if e.raises][:limit]
    return t("drivers.separator").join(raising)


def paragraph(explained: Iterable[Explained], lang: str = "en") -> str:
    """A short paragraph: what pushes the risk up, then what holds it down."""
    items = list(explained)
    up = [e.text for e in items if e.raises]
    return up_then_down(up, [e.text for e in items if not e.raises], Catalogue(lang))


def up_then_down(up: Sequence[str], down: Sequence[str], t: Catalogue) -> str:
    """The paragraph of worded drivers: those raising the risk, then those holding it down."""
    parts = []
    if up:
        parts.append(t("drivers.paragraph.up", items=t("drivers.separator").join(up)))
    if down:
        parts.append(t("drivers.paragraph.down", items=t("drivers.separator").join(down)))
    return " ".join(parts) if parts else t("drivers.paragraph.none")
