"""Message catalogues: every word the bulletin, the map and the driver sentences print.

One TOML file per language under ``forecast/templates/i18n/`` (``en.toml``, ``fr.toml``).
A translator copies ``en.toml`` to ``<code>.toml`` and translates the values; keys missing
from a language fall back to English, so a partial translation still renders.

The monthly cadence has its own words for what is a length of time ("this month", "next 3
months", "3 months ago"): the ``[month]`` table of a catalogue repeats those keys (``[month.
bulletin] title``, ``[month.drivers.ago] many`` ...), and ``Catalogue(lang, "month")`` looks
there first, then at the plain key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).resolve().parents[1] / "templates" / "i18n"
FALLBACK = "en"
DASH = "\u2013"  # en dash: shown for a missing value
MINUS = "\u2212"  # typographic minus sign


def available_languages() -> tuple[str, ...]:
    """Language codes with a catalogue file, English first."""
    codes = sorted(p.stem for p in CATALOGUE_DIR.glob("*.toml"))
    return tuple(sorted(codes, key=lambda code: code != FALLBACK))


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested TOML tables as dotted keys: {"a": {"b": 1}} -> {"a.b": 1}."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


@cache
def _read(code: str) -> dict[str, Any]:
    path = CATALOGUE_DIR / f"{code}.toml"
    if not path.exists():
        raise ValueError(f"no message catalogue for language {code!r} (looked for {path})")
    return flatten(tomllib.loads(path.read_text(encoding="utf-8")))


def section(lang: str, prefix: str) -> dict[str, str]:
    """Every message under ``prefix`` (e.g. "page"), English filling the gaps, unformatted."""
    start = f"{prefix}."
    merged = {**_read(FALLBACK), **(_read(lang) if lang != FALLBACK else {})}
    return {k.removeprefix(start): str(v) for k, v in merged.items() if k.startswith(start)}


@dataclass(frozen=True)
class Catalogue:
    """The messages of one language, with English behind it for missing keys; at monthly
    ``cadence`` the ``month.`` variant of a key comes first."""

    code: str
    cadence: str = "week"

    def _keys(self, key: str) -> tuple[str, ...]:
        return (f"month.{key}", key) if self.cadence == "month" else (key,)

    def raw(self, key: str) -> Any:
        own, fallback = _read(self.code), _read(FALLBACK)
        for candidate in self._keys(key):
            if candidate in own:
                return own[candidate]
            if candidate in fallback:
                return fallback[candidate]
        raise KeyError(key)

    def has(self, key: str) -> bool:
        own, fallback = _read(self.code), _read(FALLBACK)
        return any(k in own or k in fallback for k in self._keys(key))

    def __call__(self, key: str, /, **values: Any) -> str:
        """The message for ``key`` with ``{placeholders}`` filled from ``values``."""
        text = self.raw(key)
        return str(text).format(**values) if values else str(text)

    def get(self, key: str, default: str) -> str:
        return str(self.raw(key)) if self.has(key) else default

    def number(self, value: float, decimals: int = 0) -> str:
        """A number with this language's decimal and thousands separators."""
        text = f"{value:,.{decimals}f}"
        sep_dec = self.get("number.decimal", ".")
        sep_thou = self.get("number.thousands", ",")
        return text.replace(",", "\0").replace(".", sep_dec).replace("\0", sep_thou)

    def count(self, value: float) -> str:
        """A count: whole numbers plain, weighted (decayed) sums with one decimal."""
        whole = abs(value - round(value)) < 0.05
        return self.number(round(value) if whole else value, 0 if whole else 1)

    def percent(self, probability: float | None, decimals: int = 0) -> str:
        if probability is None:
            return DASH
        return self("number.percent", value=self.number(100 * probability, decimals))

    def points(self, change: float | None) -> str:
        """A change of probability in percentage points, signed ("+12 pts"); the sign is the
        printed number's, so a change that rounds to nothing reads "±0", never "\u22120"."""
        if change is None:
            return self("number.new")
        return self.signed_points(round(100 * change))

    def signed_points(self, points: int) -> str:
        """Whole percentage points with their sign: "+12 pts", "\u22123 pts", "±0 pts"."""
        sign = "+" if points > 0 else (MINUS if points < 0 else "±")
        return self("number.points", value=sign + self.number(abs(points), 0))

    def day(self, value: date | None) -> str:
        if value is None:
            return DASH
        month = self(f"months.m{value.month}")
        return self("dates.day", day=value.day, month=month, year=value.year)

    def day_iso(self, value: str | None) -> str:
        """:meth:`day` of an ISO date string (as stored in the JSON document)."""
        return self.day(date.fromisoformat(value) if value else None)

    def band(self, name: str | None) -> str:
        if name is None:
            return DASH
        key = name.strip().lower().replace(" ", "_").replace("-", "_")
        return self.get(f"bands.{key}", name.replace("_", " "))
