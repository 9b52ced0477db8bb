"""Top drivers in plain words: feature names from the model become sentences for field staff."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog

log = structlog.get_logger(__name__)

TARGET_WORDS = {
    "any": "political violence events",
    "fatal": "fatal events",
    "civilians": "events targeting civilians",
    "abduction": "abductions",
}
# training.history names its target-history features hist_<target>_<w>w and hist_<target>_since.
_HISTORY = re.compile(r"^hist_(?P<target>[a-z]+)_(?:(?P<weeks>\d+)w|(?P<since>since))$")


@dataclass(frozen=True)
class Wording:
    """How one feature is described: its meaning and the window it looks over."""

    meaning: str
    window: str | None = None


def load_catalogue() -> dict[str, Wording]:
    """The feature catalogue by name; empty when the features package is not there yet."""
    try:
        from features import catalogue  # type: ignore[attr-defined]

        specs = catalogue()
    except Exception as error:  # the catalogue is optional: fall back to raw names
        log.info("feature catalogue unavailable", error=str(error))
        return {}
    items = specs.values() if isinstance(specs, Mapping) else specs
    wordings: dict[str, Wording] = {}
    for spec in items:
        name = getattr(spec, "name", None)
        meaning = getattr(spec, "meaning", None)
        if name and meaning:
            wordings[str(name)] = Wording(
                str(meaning), _window_words(getattr(spec, "window", None))
            )
    return wordings


def _window_words(window: Any) -> str | None:
    """4 or "4 weeks" -> "last 4 weeks"; "static" and empty -> None; other text as is."""
    if window is None or window == "" or window == 0:
        return None
    if isinstance(window, int | float):
        weeks = int(window)
        return "this week" if weeks == 1 else f"last {weeks} weeks"
    text = str(window).strip()
    if text.lower() == "static":
        return None
    if re.fullmatch(r"\d+ weeks?", text):
        return "this week" if text.startswith("1 ") else f"last {text}"
    return text


def wording_for(name: str, catalogue: Mapping[str, Wording]) -> Wording | None:
    if name in catalogue:
        return catalogue[name]
    match = _HISTORY.match(name)
    if match and match["target"] in TARGET_WORDS:
        what = TARGET_WORDS[match["target"]]
        if match["since"]:
            return Wording(f"weeks since the last of the district's {what}")
        return Wording(f"{what} in the district", _window_words(int(match["weeks"])))
    return None


def format_value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "yes" if value else "no" if value is not None else "unknown"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "unknown"
        if value.is_integer():
            return str(int(value))
        return f"{value:.3g}"
    return str(value)


def subject(name: str, catalogue: Mapping[str, Wording]) -> str:
    """What a feature measures in words, e.g. 'events within 50 km, last 4 weeks'."""
    wording = wording_for(name, catalogue)
    if wording is None:
        return name
    if wording.window and wording.window not in wording.meaning:
        return f"{wording.meaning}, {wording.window}"
    return wording.meaning


def sentence(
    name: str,
    value: Any,
    contribution: float,
    catalogue: Mapping[str, Wording],
    subjects: dict[str, str] | None = None,
) -> str:
    """E.g. 'events within 50 km, last 4 weeks: 3 (raises risk)'.

    ``subjects`` memoises the wording per feature name (a snapshot keeps one).
    """
    if subjects is None:
        subjects = {}
    words = subjects.get(name)
    if words is None:
        words = subjects[name] = subject(name, catalogue)
    effect = "raises" if contribution > 0 else "lowers" if contribution < 0 else "does not change"
    return f"{words}: {format_value(value)} ({effect} risk)"


def explain(
    top_drivers: str | None,
    catalogue: Mapping[str, Wording],
    subjects: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Parse the forecasts table's top_drivers JSON and add a sentence to each driver."""
    if not top_drivers:
        return []
    try:
        drivers = json.loads(top_drivers)
    except ValueError:
        log.warning("top_drivers is not JSON", value=top_drivers[:200])
        return []
    out = []
    for driver in drivers if isinstance(drivers, list) else []:
        if not isinstance(driver, Mapping) or "feature" not in driver:
            continue
        name = str(driver["feature"])
        contribution = _number(driver.get("contribution")) or 0.0
        value = driver.get("value")
        out.append(
            {
                "feature": name,
                "value": _plain(value),
                "contribution": round(contribution, 4),
                "effect": "raises"
                if contribution > 0
                else "lowers"
                if contribution < 0
                else "none",
                "text": sentence(name, value, contribution, catalogue, subjects),
            }
        )
    return out


def _effect(contribution: float) -> str:
    return "raises" if contribution > 0 else "lowers" if contribution < 0 else "none"


def _plain(value: Any) -> int | float | str | bool | None:
    """A JSON-safe scalar: NaN and infinities (invalid JSON) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, int | float | str | bool) else None


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
