"""Where bulletins live on disk: ``<home>/outputs/bulletins/<2025-W23>/bulletin.<lang>.<ext>``.

Shared by the command that writes them and the API route that serves them, so both agree
on names without either knowing the other. The weekly bulletin (any violence, 4 weeks) has
the plain names the API serves; one written for another target or horizon is a variant,
``bulletin-<target>-h<h>.<lang>.<ext>`` beside it, and never replaces it.

The monthly bulletin (any violence, 3 months) lives under ``bulletins/<2025-06>/`` with the
same plain names; its variants are ``bulletin-<target>-m<h>``. A folder's name says its
cadence, so the weekly and monthly bulletins never mix.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

FORMATS: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}
WEEK_FOLDER = re.compile(r"^\d{4}-W\d{2}$")
MONTH_FOLDER = re.compile(r"^\d{4}-\d{2}$")
FOLDERS = {"week": WEEK_FOLDER, "month": MONTH_FOLDER}


def bulletins_root(outputs: Path) -> Path:
    return outputs / "bulletins"


def bulletin_path(outputs: Path, week_label: str, lang: str, fmt: str, variant: str = "") -> Path:
    return bulletins_root(outputs) / week_label / f"bulletin{variant}.{lang}.{fmt}"


def map_path(outputs: Path, week_label: str, lang: str, variant: str = "") -> Path:
    return bulletins_root(outputs) / week_label / f"map{variant}.{lang}.png"


def chart_path(outputs: Path, week_label: str, lang: str, variant: str = "") -> Path:
    """The escalating section's chart (expected counts, ranges and normals)."""
    return bulletins_root(outputs) / week_label / f"escalation{variant}.{lang}.png"


def variant_of(target: str, horizon: int, cadence: str = "week") -> str:
    """The file-name suffix of a bulletin: empty for the main one (any violence, 4 weeks;
    3 months at monthly cadence)."""
    if cadence == "month":
        return "" if (target, horizon) == ("any", 3) else f"-{target}-m{horizon}"
    return "" if (target, horizon) == ("any", 4) else f"-{target}-h{horizon}"


def weeks_available(outputs: Path, cadence: str = "week") -> list[str]:
    """Period folders of the cadence holding at least one bulletin, oldest first."""
    root = bulletins_root(outputs)
    if not root.is_dir():
        return []
    pattern = FOLDERS[cadence]
    return sorted(
        p.name for p in root.iterdir() if pattern.match(p.name) and any(p.glob("bulletin.*.*"))
    )


def find_bulletin(
    outputs: Path, week_label: str | None, lang: str, fmt: str, cadence: str = "week"
) -> Path | None:
    """The file of one period (the latest of the cadence with that file when
    ``week_label`` is None)."""
    weeks = [week_label] if week_label else list(reversed(weeks_available(outputs, cadence)))
    for label in weeks:
        path = bulletin_path(outputs, label, lang, fmt)
        if path.is_file():
            return path
    return None


def write_atomic(path: Path, content: bytes | str) -> Path:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
