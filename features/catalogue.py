"""The feature catalogue: one documented entry per panel column, in panel order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeatureSpec:
    """What one panel column means.

    ``window`` says how far back it looks ("4 weeks", "static", ...); ``missing`` says
    what an absent value means ("0 when ..." or "null when ...").
    """

    name: str
    family: str
    meaning: str
    window: str
    source_table: str
    missing: str

    @property
    def nullable(self) -> bool:
        return self.missing.startswith("null")


def weeks_label(window: int) -> str:
    return "this week" if window == 1 else f"{window} weeks"


def km_label(km: float) -> str:
    return f"{km:g}km"


def markdown_table(specs: list[FeatureSpec]) -> str:
    """The catalogue as a Markdown table (used for docs/FEATURES.md)."""
    lines = [
        "| name | family | meaning | window | source | missing |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for s in specs:
        cells = (f"`{s.name}`", s.family, s.meaning, s.window, s.source_table, s.missing)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
