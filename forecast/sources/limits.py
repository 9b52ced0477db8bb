"""Input limits shared by every reader: file size after decompression, field lengths, JSON
nesting, dates in the future. One table here; docs/FORMATS.md section 0 lists the same.

Sizes are counted while streaming, so memory stays bounded whatever the file claims: a gzip
or zip member is inflated chunk by chunk and abandoned as soon as it passes the cap.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from forecast.core.errors import InputError

CHUNK: Final = 1 << 20  # bytes inflated per step while counting
MAX_JSON_DEPTH: Final = 32  # a UCDP API page nests 3 deep; a GeoJSON polygon 5
SHOWN: Final = 40  # characters of an over-long value quoted back

# Longest text per field, in characters. Keys are normalised column names as the readers see
# them; a column not listed gets DEFAULT_CHARS. Generous for real exports (the longest ACLED
# note in the shared Sahel files is under 3,000 characters, actor lists under 300).
ID_CHARS: Final = 128
CODE_CHARS: Final = 64
NAME_CHARS: Final = 1_000
NOTE_CHARS: Final = 20_000
DEFAULT_CHARS: Final = 2_000
FIELD_CHARS: Final[Mapping[str, int]] = {
    # ids
    "id": ID_CHARS,
    "event_id_cnty": ID_CHARS,
    "event_id_no_cnty": ID_CHARS,
    "data_id": ID_CHARS,
    # codes
    "district_code": CODE_CHARS,
    "iso": CODE_CHARS,
    "iso3": CODE_CHARS,
    "admin2 pcode": CODE_CHARS,
    "admin1 pcode": CODE_CHARS,
    "code": CODE_CHARS,
    # free text
    "notes": NOTE_CHARS,
    "source": NOTE_CHARS,
    "source_headline": NOTE_CHARS,
    "source_article": NOTE_CHARS,
    "source_original": NOTE_CHARS,
    "where_description": NOTE_CHARS,
    "assoc_actor_1": NAME_CHARS,
    "assoc_actor_2": NAME_CHARS,
}
# Names (actors, places, forces) and every other listed-by-kind field.
NAME_FIELDS: Final = (
    "name",
    "force",
    "partner",
    "kind",
    "actor1",
    "actor2",
    "side_a",
    "side_b",
    "location",
    "admin1",
    "admin2",
    "admin3",
    "adm_1",
    "adm_2",
    "country",
    "where_coordinates",
)


def max_chars(column: str) -> int:
    """The longest value allowed in ``column`` (a normalised column name)."""
    key = column.strip().lower()
    if key in FIELD_CHARS:
        return FIELD_CHARS[key]
    return NAME_CHARS if key in NAME_FIELDS else DEFAULT_CHARS


def long_values(frame: pl.DataFrame, columns: list[str]) -> list[tuple[int, str, int, int]]:
    """(row index 0-based, column, length, limit) of every text value over its limit.

    One vectorised pass per column on byte lengths (a character is at least one byte, so only
    values longer in bytes than the limit can be too long in characters)."""
    found: list[tuple[int, str, int, int]] = []
    for column in columns:
        if frame.schema[column] != pl.Utf8:
            continue
        limit = max_chars(column)
        values = frame[column]
        suspects = (values.str.len_bytes() > limit).fill_null(False)
        if not suspects.any():
            continue
        lengths = values.str.len_chars()
        for index in (suspects & (lengths > limit)).arg_true().to_list():
            found.append((int(index), column, int(lengths[index]), limit))
    return found


def too_long(length: int, limit: int, value: str) -> str:
    return (
        f"value '{value[:SHOWN]}...' is {length:,} characters long; "
        f"at most {limit:,} are allowed in this field"
    )


# --- sizes ----------------------------------------------------------------------------------


def max_input_bytes() -> int:
    from forecast.core.settings import get_settings

    return get_settings().max_input_bytes


def too_big(path: Path | str, what: str) -> InputError:
    cap = max_input_bytes()
    return InputError.single(
        path,
        f"{what} is larger than the input limit of {cap:,} bytes (FORECAST_MAX_INPUT_BYTES); "
        "split the file or raise the limit",
    )


def check_plain_size(path: Path) -> None:
    """Refuse a file on disk larger than the cap (its size is known without reading it)."""
    if path.stat().st_size > max_input_bytes():
        raise too_big(path, "the file")


def gunzip_capped(path: Path, data: bytes) -> bytes:
    """``data`` (a gzip file, possibly several members) inflated, refused past the cap.

    Counts first without keeping the output, so a bomb costs one chunk of memory; only a
    file within the cap is inflated for real."""
    cap = max_input_bytes()
    _inflate(path, data, cap, keep=False)
    return _inflate(path, data, cap, keep=True)


def _inflate(path: Path, data: bytes, cap: int, *, keep: bool) -> bytes:
    parts: list[bytes] = []
    total = 0
    rest = data
    while rest:
        inflater = zlib.decompressobj(wbits=31)
        try:
            chunk = inflater.decompress(rest, CHUNK)
            while True:
                total += len(chunk)
                if total > cap:
                    raise too_big(path, "the decompressed content")
                if keep:
                    parts.append(chunk)
                if inflater.eof:
                    break
                # A full chunk may leave output pending inside zlib with no input left.
                if not inflater.unconsumed_tail and len(chunk) < CHUNK:
                    break
                chunk = inflater.decompress(inflater.unconsumed_tail, CHUNK)
        except zlib.error as exc:
            raise InputError.single(path, f"not a valid gzip file: {exc}") from exc
        if not inflater.eof:
            raise InputError.single(path, "not a valid gzip file: the compressed data ends early")
        # Trailing zero padding after the last member is allowed (gzip(1) does the same).
        rest = inflater.unused_data
        if rest and not rest.strip(b"\x00"):
            break
    return b"".join(parts)


def check_zip(path: Path) -> None:
    """Refuse a zip whose members inflate past the cap, counted by streaming (declared sizes
    can lie), and members with absolute or parent-relative names."""
    cap = max_input_bytes()
    try:
        with zipfile.ZipFile(path) as archive:
            total = 0
            for info in archive.infolist():
                if info.filename.startswith(("/", "\\")) or ".." in Path(info.filename).parts:
                    raise InputError.single(
                        path, f"zip member '{info.filename[:SHOWN]}' has an unsafe path"
                    )
                total += info.file_size
                if total > cap:
                    raise too_big(path, "the zip archive's content")
            total = 0
            for info in archive.infolist():
                with archive.open(info) as member:
                    while chunk := member.read(CHUNK):
                        total += len(chunk)
                        if total > cap:
                            raise too_big(path, "the zip archive's content")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise InputError.single(path, f"cannot open the zip archive: {exc}") from exc
    except RuntimeError as exc:  # an encrypted member
        raise InputError.single(path, f"cannot open the zip archive: {exc}") from exc


# --- JSON -----------------------------------------------------------------------------------

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSE = np.frombuffer(b"]}", dtype=np.uint8)


def json_depth(data: bytes) -> int:
    """How deep ``data``'s arrays and objects nest, without parsing it (strings removed first,
    so brackets inside them do not count): no recursion, and the running depth is taken a
    chunk at a time so the work arrays stay small beside the file."""
    skeleton = np.frombuffer(_JSON_STRING.sub(b"", data), dtype=np.uint8)
    deepest = depth = 0
    for start in range(0, skeleton.size, CHUNK):
        part = skeleton[start : start + CHUNK]
        steps = np.isin(part, _OPEN).astype(np.int32) - np.isin(part, _CLOSE)
        running = np.cumsum(steps) + depth
        deepest = max(deepest, int(running.max(initial=depth)))
        depth = int(running[-1]) if running.size else depth
    return deepest


def check_json_depth(path: Path | str, data: bytes) -> None:
    depth = json_depth(data)
    if depth > MAX_JSON_DEPTH:
        raise InputError.single(
            path, f"JSON nests {depth:,} levels deep; at most {MAX_JSON_DEPTH} are allowed"
        )


# --- dates ----------------------------------------------------------------------------------


def latest_day(today: date | None = None) -> date:
    """The latest date a source may carry: today (UTC) plus FORECAST_FUTURE_DAYS_TOLERANCE.

    The API's field reports follow the same rule with its default of one day (tomorrow)."""
    from forecast.core.settings import get_settings

    day = today or datetime.now(UTC).date()
    return day + timedelta(days=get_settings().future_days_tolerance)


def future_reason(latest: date) -> str:
    return (
        f"is in the future: dates after {latest.isoformat()} (today UTC plus "
        "FORECAST_FUTURE_DAYS_TOLERANCE) are refused"
    )
