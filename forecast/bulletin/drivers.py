"""Which drivers a reader sees, and how much each moved the probability.

The forecasts table keeps each row's largest contributions (log-odds, the model's own
accounting). Read raw, some say nothing a security officer can act on ("time of year",
"district area 12,000 km²", "nearest army base opened 716 weeks ago") and some contradict
their own words: a count of attacks listed as holding the risk down, because next to
another window of the same count it corrects the model's total. The bulletin shows a
driver only when

1. it is **actionable**: the district's geography and the calendar are left out, and a
   base or partner site's opening or withdrawal only counts while it is news (within a
   year);
2. its windows are **merged**: the contributions of one subject over different windows
   (attacks in the district over 1, 4, 12, 26, 52 weeks) add up, as log-odds do, into one
   driver worded by its largest member of the same sign;
3. its **sign agrees with its meaning**: an attack count raises the risk only when there
   were attacks and holds it down only when there were none; time since the last attack
   and distance to the nearest raise it only when recent or near and hold it down only
   when long ago or far; a trend raises it only when rising. A driver that contradicts
   its meaning is dropped (never shown with the opposite sign);
4. it **moves the probability by at least half a point**: its effect is the change in the
   probability were its pull removed, p - sigmoid(logit(p) - contribution), rounded to
   whole points, so none prints as 0.

:func:`families` sums every listed contribution of the week by the feature catalogue's
family (history, spread, partners ...) for the footer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from forecast import explain as weekly
from forecast.bulletin import words
from forecast.bulletin.i18n import Catalogue
from forecast.core.cadence import get as get_cadence

# Measures about the district itself or the date: nothing to act on this week.
NOT_ACTIONABLE = frozenset(
    {"area", "population", "neighbour_count", "border", "border_km", "capital", "country",
     "calendar"}
)  # fmt: skip
# Counts of events: more means more violence.
MORE_IS_RISK = frozenset({"count", "neighbours_with", "army_districts", "army_share"})
NEWS_YEARS = 1.0  # a base's opening or withdrawal is news for a year
RECENT_YEARS = 0.25  # "last attack" raises the risk when within a quarter
NEAR_KM = 50.0  # "nearest attack" raises the risk when within this distance
MIN_POINTS = 0.5  # an effect that rounds to 0 points is not shown

# The catalogue's families; training's history columns (hist_*) are the district's history.
HISTORY = "history"


@dataclass(frozen=True)
class Driver:
    """One driver as the bulletin prints it."""

    feature: str  # the merged group's lead feature
    value: float | None
    contribution: float  # the group's summed log-odds
    points: int  # effect on the probability in whole percentage points, never 0
    text: str
    merged: tuple[str, ...]  # every feature whose contribution is in it

    @property
    def raises(self) -> bool:
        return self.contribution > 0


def effect(probability: float, contribution: float) -> float:
    """Probability points the pull ``contribution`` (log-odds) adds to ``probability``."""
    p = min(max(probability, 1e-6), 1 - 1e-6)
    # clamped: a corrupt contribution of 1e6 must not overflow exp()
    without = min(max(math.log(p / (1 - p)) - contribution, -50.0), 50.0)
    return 100 * (p - 1 / (1 + math.exp(-without)))


def _group(reading: weekly.Reading) -> tuple[Any, ...]:
    """What a driver is about, without its window: the windows of one subject merge."""
    return (
        reading.measure,
        reading.subject,
        reading.partner,
        reading.scope,
        reading.km,
        reading.change,
    )


def actionable(reading: weekly.Reading, value: float | None, periods_per_year: int) -> bool:
    if reading.measure in NOT_ACTIONABLE:
        return False
    if reading.measure == "since" and reading.change is not None:
        # "no withdrawal on record" is no news; an opening 716 weeks ago neither.
        return value is not None and value <= NEWS_YEARS * periods_per_year
    return True


def coherent(
    reading: weekly.Reading, value: float | None, raises: bool, periods_per_year: int
) -> bool:
    """Whether a pull in this direction agrees with what the value means."""
    measure = reading.measure
    if measure in MORE_IS_RISK:
        present = value is not None and round(value, 1) > 0
        return present if raises else not present
    if measure == "trend":
        return value is not None and (value >= 0.005 if raises else value <= -0.005)
    if measure == "since" and reading.change is None:  # the last event
        recent = value is not None and value < min(
            RECENT_YEARS * periods_per_year, weekly.SINCE_NEVER
        )
        return recent if raises else not recent
    if measure == "distance" and reading.subject is not None:  # the nearest event
        near = value is not None and value < NEAR_KM
        return near if raises else not near
    return True  # presence, bases, partner sites, season: either way can be true


def _worded(feature: str, value: float | None, t: Catalogue) -> str:
    if t.cadence == "month":
        return words.month_sentence(feature, value, t)
    return weekly.sentence(feature, value, t)


def shown(
    top_drivers: str | Sequence[Mapping[str, Any]] | None,
    probability: float,
    lang: str = "en",
    cadence: str = "week",
    limit: int | None = 5,
) -> list[Driver]:
    """The drivers of one forecast a reader sees (module docstring), largest effect first."""
    per_year = get_cadence(cadence).periods_per_year
    t = Catalogue(lang, cadence)
    try:
        items = weekly.parse_drivers(top_drivers)
    except ValueError:  # a malformed cell shows no driver, as in the API, never a traceback
        return []
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for item in items:
        reading = weekly.read_feature(item["feature"])
        if actionable(reading, item["value"], per_year):
            groups.setdefault(_group(reading), []).append({**item, "reading": reading})
    out = []
    for members in groups.values():
        total = sum(m["contribution"] for m in members)
        same_sign = [m for m in members if m["contribution"] * total > 0]
        if not same_sign:
            continue
        lead = max(same_sign, key=lambda m: abs(m["contribution"]))
        if not coherent(lead["reading"], lead["value"], total > 0, per_year):
            continue
        points = effect(probability, total)
        if abs(points) < MIN_POINTS:
            continue
        out.append(
            Driver(
                lead["feature"],
                lead["value"],
                total,
                int(math.copysign(max(1, round(abs(points))), points)),
                _worded(lead["feature"], lead["value"], t),
                tuple(m["feature"] for m in members),
            )
        )
    out.sort(key=lambda d: (-abs(d.points), -abs(d.contribution), d.feature))
    return out[:limit]


def with_points(driver: Driver, t: Catalogue) -> str:
    """ "3 attacks within 50 km in the last 4 weeks (+12 pts)"."""
    return t("drivers.with_points", text=driver.text, points=t.signed_points(driver.points))


def summary(drivers: Iterable[Driver], t: Catalogue, limit: int = 3) -> str:
    """The drivers raising the risk, with their points, in one line."""
    raising = [with_points(d, t) for d in drivers if d.raises][:limit]
    return t("drivers.separator").join(raising)


def paragraph(drivers: Iterable[Driver], t: Catalogue) -> str:
    """What pushes the risk up, then what holds it down, each with its points."""
    items = list(drivers)
    up = [with_points(d, t) for d in items if d.raises]
    return weekly.up_then_down(up, [with_points(d, t) for d in items if not d.raises], t)


@cache
def _family_of() -> dict[str, str]:
    import features

    specs = [*features.catalogue(), *features.monthly_catalogue()]
    return {spec.name: spec.family for spec in specs}


def family(feature: str) -> str:
    """The feature catalogue's family of a feature; training's hist_* columns are the
    district's own history; a name the catalogue lacks is placed by what it says."""
    if feature.startswith("hist_"):
        return HISTORY
    known = _family_of().get(feature)
    return known if known is not None else _family_by_reading(weekly.read_feature(feature))


def _family_by_reading(reading: weekly.Reading) -> str:
    if reading.partner == "national":
        return "deployments"
    if reading.partner is not None:
        return "partners"
    if reading.subject in weekly.ARMY_SUBJECTS:
        return "army"
    if reading.subject in ("jihadist", "foreign_victim", "partner_force", "russian_forces"):
        return "actors"
    if reading.measure in NOT_ACTIONABLE - {"calendar"}:
        return "static"
    if reading.measure in ("calendar", "season"):
        return "calendar"
    if reading.scope in ("radius", "neighbours", "national") or reading.subject == "cross_border":
        return "spread"
    if reading.measure in ("count", "since", "trend", "distance", "share"):
        return HISTORY
    return "other"


def families(top_drivers: Iterable[str | None], n: int = 3) -> list[tuple[str, float]]:
    """The week's top driver families: each family's share of the absolute log-odds of
    every listed driver of every district, largest first (at most ``n``, none below
    half a percent)."""
    totals: dict[str, float] = {}
    for cell in top_drivers:
        try:
            items = weekly.parse_drivers(cell)
        except ValueError:
            continue
        for item in items:
            name = family(item["feature"])
            totals[name] = totals.get(name, 0.0) + abs(item["contribution"])
    grand = sum(totals.values())
    if grand <= 0:
        return []
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    # a family whose share prints as 0% is not one the model leaned on
    return [(name, value / grand) for name, value in ranked[:n] if value / grand >= 0.005]
