"""The hostile-file corpus: malformed files for every reader, each with the command that must
refuse it and, where the fault sits in one cell, the row and field the message must name.

``write_corpus(folder)`` writes the files and returns the cases. Every reader gets the same
byte-level faults (empty, binary, Latin-1, UTF-16, bad gzip, a gzip bomb, ragged rows, huge
fields, future dates, duplicates, another format's file, a boundary file), then the faults of
its own format (JSON nesting, geometry, CRS, zip bombs ...). Bombs are sized against the
corpus's input cap (``CORPUS_MAX_INPUT_BYTES``), set by the test, so the suite stays quick; the
memory test runs a 1 GiB bomb against the default cap.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import sqlite3
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from forecast.sources.counts import COLUMNS as COUNTS_COLUMNS
from tests.factories import (
    ACLED_COLUMNS,
    DEPLOYMENT_COLUMNS,
    PARTNER_COLUMNS,
    acled_row,
    counts_row,
    square,
)

CORPUS_MAX_INPUT_BYTES = 16 << 20
BOMB_BYTES = 128 << 20  # inflated size of the corpus's bombs: 8 times the cap
HUGE_ID = 100_000
HUGE_NAME = 2_000_000
HUGE_CODE = 100_000
DEEP = 100_000
WIDE = 100_000  # columns in the wide-header files


@dataclass(frozen=True)
class Case:
    """One hostile file and what refusing it must look like."""

    name: str
    command: tuple[str, ...]
    path: Path
    row: int | None = None
    field: str | None = None
    says: str | None = None  # a phrase the message must contain

    @property
    def args(self) -> list[str]:
        return [*self.command, str(self.path)]


@dataclass(frozen=True)
class Layout:
    """A CSV reader's valid file, and where its id, name, code and date fields are."""

    reader: str
    command: tuple[str, ...]
    columns: list[str]
    rows: list[dict[str, object]]
    id_field: str | None
    name_field: str
    code_field: str | None
    date_field: str | None
    end_field: str | None = None
    number_field: str | None = None
    number_bad: str = "-1"
    lat_field: str | None = None
    required: str = ""

    def text(
        self, rows: list[dict[str, object]] | None = None, columns: list[str] | None = None
    ) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns or self.columns, extrasaction="ignore")
        writer.writeheader()
        for row in self.rows if rows is None else rows:
            writer.writerow({c: row.get(c, "") for c in columns or self.columns})
        return out.getvalue()

    def changed(self, index: int, **values: object) -> list[dict[str, object]]:
        rows = [dict(r) for r in self.rows]
        rows[index].update(values)
        return rows


def _today() -> datetime:
    return datetime.now(UTC)


def _soon() -> str:
    """A date past the default tolerance (one day) but within weeks: the near-future case."""
    return (_today() + timedelta(days=30)).date().isoformat()


# --- the readers' valid files ---------------------------------------------------------------

UCDP_COLUMNS = [
    "id",
    "date_start",
    "date_end",
    "type_of_violence",
    "best",
    "low",
    "high",
    "where_prec",
    "date_prec",
    "side_a",
    "side_b",
    "latitude",
    "longitude",
    "country",
    "adm_1",
    "adm_2",
    "where_coordinates",
    "source_headline",
]
GEOPKO_COLUMNS = ["mission", "year", "month", "location", "latitude", "longitude", "no.troops"]
GAZETTEER_COLUMNS = ["code", "name", "admin1", "country", "latitude", "longitude"]


def _ucdp_row(event_id: int, day: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": event_id,
        "date_start": f"{day}T00:00:00",
        "date_end": f"{day}T00:00:00",
        "type_of_violence": 1,
        "best": 2,
        "low": 1,
        "high": 3,
        "where_prec": 1,
        "date_prec": 1,
        "side_a": "Government of Mali",
        "side_b": "JNIM",
        "latitude": 14.5,
        "longitude": -4.5,
        "country": "Mali",
        "adm_1": "Alpha Region",
        "adm_2": "Alpha",
        "where_coordinates": "Alpha",
        "source_headline": "Clash near Alpha",
    }
    row.update(kw)
    return row


def _site(site_id: str, name: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": site_id,
        "name": name,
        "force": "FAMa",
        "partner": "France",
        "kind": "base",
        "latitude": 14.5,
        "longitude": -4.5,
        "district_code": "",
        "start": "2019-01-01",
        "end": "2020-01-01",
        "strength": 100,
        "source": "corpus",
    }
    row.update(kw)
    return row


def layouts() -> list[Layout]:
    acled_rows = [
        acled_row("MLI1", "2020-01-06", 14.5, -4.5),
        acled_row("MLI2", "2020-01-07", 14.5, -3.5, admin2="Beta"),
        acled_row("MLI3", "2020-01-08", 14.6, -4.6),
    ]
    sites = [_site("S1", "Alpha camp"), _site("S2", "Beta camp", latitude=14.5, longitude=-3.5)]
    return [
        Layout(
            "acled",
            ("ingest", "events"),
            list(ACLED_COLUMNS),
            acled_rows,
            "event_id_cnty",
            "actor1",
            "iso3",
            "event_date",
            number_field="fatalities",
            lat_field="latitude",
            required="event_type",
        ),
        Layout(
            "ucdp",
            ("ingest", "events", "--format", "ucdp"),
            UCDP_COLUMNS,
            [_ucdp_row(1, "2020-01-06"), _ucdp_row(2, "2020-01-07", adm_2="Beta")],
            "id",
            "side_a",
            None,
            "date_start",
            end_field="date_end",
            number_field="best",
            lat_field="latitude",
            required="best",
        ),
        Layout(
            "counts",
            ("ingest", "counts"),
            list(COUNTS_COLUMNS),
            [counts_row("ML0101", "Alpha", "January"), counts_row("ML0102", "Beta", "January")],
            None,
            "Admin2",
            "Admin2 Pcode",
            None,
            number_field="Events",
            required="Events",
        ),
        Layout(
            "deployments",
            ("ingest", "deployments"),
            DEPLOYMENT_COLUMNS,
            sites,
            "id",
            "name",
            "district_code",
            "start",
            end_field="end",
            number_field="strength",
            lat_field="latitude",
            required="force",
        ),
        Layout(
            "partners",
            ("ingest", "partners"),
            PARTNER_COLUMNS,
            sites,
            "id",
            "name",
            "district_code",
            "start",
            end_field="end",
            number_field="strength",
            lat_field="latitude",
            required="partner",
        ),
        Layout(
            "geopko",
            ("ingest", "partners", "--format", "geopko"),
            GEOPKO_COLUMNS,
            [
                {
                    "mission": "UNMX",
                    "year": 2018,
                    "month": 3,
                    "location": "Alpha",
                    "latitude": 14.5,
                    "longitude": -4.5,
                    "no.troops": 100,
                },
                {
                    "mission": "UNMX",
                    "year": 2018,
                    "month": 6,
                    "location": "Alpha",
                    "latitude": 14.5,
                    "longitude": -4.5,
                    "no.troops": 120,
                },
            ],
            None,
            "location",
            None,
            None,
            number_field="no.troops",
            lat_field="latitude",
            required="mission",
        ),
        Layout(
            "gazetteer",
            ("ingest", "districts"),
            GAZETTEER_COLUMNS,
            [
                {
                    "code": "ML0101",
                    "name": "Alpha",
                    "admin1": "Alpha Region",
                    "country": "MLI",
                    "latitude": 14.5,
                    "longitude": -4.5,
                },
                {
                    "code": "ML0102",
                    "name": "Beta",
                    "admin1": "Alpha Region",
                    "country": "MLI",
                    "latitude": 14.5,
                    "longitude": -3.5,
                },
            ],
            "code",
            "name",
            "code",
            None,
            lat_field="latitude",
            required="code",
        ),
    ]


# --- building blocks ------------------------------------------------------------------------


def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip'd (about a thousandth of ``size``)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


def zip_bomb(path: Path, member: str, size: int) -> Path:
    block = bytes(1 << 20)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(member, "w", force_zip64=True) as out,
    ):
        for _ in range(size // len(block)):
            out.write(block)
    return path


def feature_collection(features: list[dict[str, object]], **top: object) -> dict[str, object]:
    return {"type": "FeatureCollection", **top, "features": features}


def district(code: str, name: str, x0: float, **props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {"shapeID": code, "shapeName": name, "shapeGroup": "MLI", **props},
        "geometry": {"type": "Polygon", "coordinates": square(x0, 14.0, 1.0)},
    }


SHP_HEADER = bytes.fromhex("0000270a") + bytes(20) + (50).to_bytes(4, "big") + bytes(72)


# --- the generic faults of every CSV reader -------------------------------------------------


def _generic(folder: Path, lay: Layout, bomb: bytes) -> list[Case]:
    cases: list[Case] = []
    rng = random.Random(f"corpus-{lay.reader}")

    def put(kind: str, data: bytes | str, suffix: str = ".csv", **expect: object) -> None:
        path = folder / f"{lay.reader}-{kind}{suffix}"
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        cases.append(Case(f"{lay.reader}-{kind}", lay.command, path, **expect))  # type: ignore[arg-type]

    base = lay.text()
    put("empty", b"")
    put("blank", "  \n\n \n")
    put("header-only", lay.text(rows=[]))
    put("binary", rng.randbytes(4096))
    put("nul-bytes", b"\x00" * 2048)
    latin = lay.text(rows=lay.changed(1, **{lay.name_field: "Ségou"})).encode("latin-1")
    put("latin1-cell", latin, row=2, field=lay.name_field, says="not valid UTF-8")
    put("latin1-header", ("Désignation," + base).encode("latin-1"), says="not valid UTF-8")
    put("utf16", base.encode("utf-16"))
    gz = None if lay.reader == "gazetteer" else "gzip"
    put("gzip-truncated", gzip.compress(base.encode())[:40], suffix=".csv.gz", says=gz)
    put("gzip-fake", base, suffix=".csv.gz", says=gz)
    # The gazetteer reader takes no .gz (refused as a file type, before any inflating).
    capped = None if lay.reader == "gazetteer" else "FORECAST_MAX_INPUT_BYTES"
    put("gzip-bomb", bomb, suffix=".csv.gz", says=capped)
    header_bomb = gzip.compress(base.encode()) + bomb
    put("gzip-bomb-after-data", header_bomb, suffix=".csv.gz", says=capped)
    lines = base.splitlines()
    put("extra-field", "\n".join([*lines[:2], lines[2] + ",surplus", *lines[3:]]) + "\n", row=2)
    put("unclosed-quote", "\n".join([*lines[:2], '"' + lines[2]]) + "\n")
    put("only-delimiters", ",,,,\n,,,,\n")
    wide = ",".join([*lay.columns, *(f"c{i}" for i in range(WIDE))])
    put("wide-header", wide + "\n" + lines[1] + "," * WIDE + "\n", says="columns")
    put(
        "huge-name",
        lay.text(rows=lay.changed(0, **{lay.name_field: "N" * HUGE_NAME})),
        row=1,
        field=lay.name_field,
        says="characters long",
    )
    if lay.id_field:
        put(
            "huge-id",
            lay.text(rows=lay.changed(0, **{lay.id_field: "I" * HUGE_ID})),
            row=1,
            field=lay.id_field,
            says="characters long",
        )
    if lay.code_field:
        put(
            "huge-code",
            lay.text(rows=lay.changed(1, **{lay.code_field: "C" * HUGE_CODE})),
            row=2,
            field=lay.code_field,
            says="characters long",
        )
    put(
        "huge-cell-everywhere",
        lay.text(rows=[{c: "x" * 30_000 for c in lay.columns}]),
        row=1,
        says="characters long",
    )
    if lay.date_field:
        for kind, day in (
            ("future-2099", "2099-12-31"),
            ("future-2030", "2030-06-01"),
            ("future-soon", _soon()),
        ):
            value = f"{day}T00:00:00" if lay.reader == "ucdp" else day
            extra = {lay.end_field: value} if lay.end_field else {}
            put(
                kind,
                lay.text(rows=lay.changed(1, **{lay.date_field: value, **extra})),
                row=2,
                field=lay.date_field,
                says="in the future",
            )
        put(
            "bad-date",
            lay.text(rows=lay.changed(0, **{lay.date_field: "2021-13-45"})),
            row=1,
            field=lay.date_field,
        )
        put(
            "date-two-digit-year",
            lay.text(rows=lay.changed(0, **{lay.date_field: "0020-01-01"})),
            row=1,
            field=lay.date_field,
        )
    if lay.end_field:
        start = str(lay.rows[0][lay.date_field or ""])
        end = "2010-01-01" + (start[10:] if lay.reader == "ucdp" else "")
        put(
            "end-before-start",
            lay.text(rows=lay.changed(0, **{lay.end_field: end})),
            row=1,
            field=lay.end_field,
            says="before",
        )
        far = "2090-01-01" + ("T00:00:00" if lay.reader == "ucdp" else "")
        put(
            "end-in-2090",
            lay.text(rows=lay.changed(0, **{lay.end_field: far})),
            row=1,
            field=lay.end_field,
            says="in the future",
        )
    if lay.id_field and lay.reader != "gazetteer":
        twin = dict(lay.rows[1], **{lay.id_field: lay.rows[0][lay.id_field]})
        twin[lay.name_field] = "Someone else"
        if lay.number_field:
            twin[lay.number_field] = 77
        put("duplicate-id", lay.text(rows=[lay.rows[0], twin]), row=2)
    if lay.reader == "gazetteer":
        put("duplicate-code", lay.text(rows=[lay.rows[0], lay.rows[0]]), row=2, field="code")
    header = ",".join([*lay.columns, lay.columns[0]])
    put("duplicate-column", header + "\n" + "\n".join(lines[1:]) + "\n", says="more than once")
    without = [c for c in lay.columns if c != lay.required]
    put("missing-column", lay.text(columns=without), says=lay.required)
    if lay.number_field:
        for kind, value in (
            ("bad-number", lay.number_bad),
            ("nan", "NaN"),
            ("inf", "inf"),
            ("text-number", "twelve"),
        ):
            put(
                kind,
                lay.text(rows=lay.changed(0, **{lay.number_field: value})),
                row=1,
                field=lay.number_field,
            )
    if lay.lat_field:
        put(
            "latitude-200",
            lay.text(rows=lay.changed(1, **{lay.lat_field: 200})),
            row=2,
            field=lay.lat_field,
        )
    shp = folder / f"{lay.reader}-boundary.shp"
    shp.write_bytes(SHP_HEADER)
    if lay.reader != "gazetteer":
        cases.append(Case(f"{lay.reader}-boundary-shp", lay.command, shp, says="ingest districts"))
        zipped = folder / f"{lay.reader}-boundary.zip"
        with zipfile.ZipFile(zipped, "w") as archive:
            archive.writestr("gadm36_MLI_2.shp", SHP_HEADER)
            archive.writestr("gadm36_MLI_2.dbf", b"\x03")
        cases.append(
            Case(f"{lay.reader}-boundary-zip", lay.command, zipped, says="ingest districts")
        )
        put(
            "geojson",
            json.dumps(feature_collection([district("A", "Alpha", -5.0)])),
            suffix=".json" if lay.reader != "ucdp" else ".geojson",
            says="ingest districts",
        )
        put(
            "geojson-as-csv",
            json.dumps(feature_collection([district("A", "Alpha", -5.0)])),
            says="ingest districts",
        )
    put("deep-json-as-csv", "[" * DEEP + "]" * DEEP)
    cases.append(
        Case(f"{lay.reader}-missing-file", lay.command, folder / f"{lay.reader}-absent.csv")
    )
    device = folder / f"{lay.reader}-dev-zero.csv"
    if Path("/dev/zero").exists() and not device.is_symlink():
        device.symlink_to("/dev/zero")  # endless zeros behind an ordinary name
        cases.append(Case(f"{lay.reader}-dev-zero", lay.command, device))
    folder_case = folder / f"{lay.reader}-a-folder.csv"
    folder_case.mkdir(exist_ok=True)
    cases.append(Case(f"{lay.reader}-a-folder", lay.command, folder_case))
    return cases


# Another reader's valid file given to this one: refused, with the right command where known.
WRONG_FORMAT: dict[str, dict[str, str | None]] = {
    "acled": {
        "ucdp": "--format ucdp",
        "counts": "ingest counts",
        "deployments": None,
        "geopko": None,
        "gazetteer": None,
    },
    "ucdp": {
        "acled": "--format acled",
        "counts": "ingest counts",
        "partners": None,
        "geopko": None,
        "gazetteer": None,
    },
    "counts": {
        "acled": "ingest events",
        "ucdp": "--format ucdp",
        "deployments": None,
        "gazetteer": None,
    },
    "deployments": {"acled": None, "ucdp": None, "counts": None, "geopko": None, "gazetteer": None},
    "partners": {"acled": None, "ucdp": None, "counts": None, "deployments": None, "geopko": None},
    "geopko": {"acled": None, "ucdp": None, "counts": None, "partners": None, "gazetteer": None},
    "gazetteer": {"acled": None, "counts": None, "deployments": None, "geopko": None},
}


def _wrong_formats(folder: Path, by_reader: dict[str, Layout]) -> list[Case]:
    cases = []
    for reader, others in WRONG_FORMAT.items():
        for other, says in others.items():
            path = folder / f"{reader}-given-{other}.csv"
            path.write_text(by_reader[other].text(), encoding="utf-8")
            cases.append(
                Case(f"{reader}-given-{other}", by_reader[reader].command, path, says=says)
            )
    return cases


def _specific(folder: Path, by_reader: dict[str, Layout]) -> list[Case]:
    """Faults a single reader has: stored district codes, unknown kinds, ACLED's dyads ..."""
    deployments, partners = by_reader["deployments"], by_reader["partners"]
    acled = by_reader["acled"]
    cases = []

    def put(reader: str, kind: str, text: str, **expect: object) -> None:
        lay = by_reader[reader]
        path = folder / f"{reader}-{kind}.csv"
        path.write_text(text, encoding="utf-8")
        cases.append(Case(f"{reader}-{kind}", lay.command, path, **expect))  # type: ignore[arg-type]

    for lay in (deployments, partners):
        rows = lay.changed(1, district_code="ZZ9999", latitude="", longitude="")
        put(
            lay.reader,
            "unknown-district",
            lay.text(rows=rows),
            row=2,
            field="district_code",
            says="not a stored district code",
        )
        rows = lay.changed(0, latitude="", longitude="", district_code="")
        put(lay.reader, "no-location", lay.text(rows=rows), row=1)
        put(
            lay.reader,
            "misspelt-column",
            lay.text().replace("strength", "strenght", 1),
            says="did you mean",
        )
        rows = lay.changed(0, start="15/12/2021")
        put(lay.reader, "dmy-date", lay.text(rows=rows), row=1, field="start")
    put(
        "partners",
        "unknown-partner",
        partners.text(rows=partners.changed(0, partner="Atlantis")),
        row=1,
        field="partner",
    )
    put(
        "acled",
        "unknown-event-type",
        acled.text(rows=acled.changed(2, event_type="Picnic")),
        row=3,
        field="event_type",
    )
    put(
        "acled",
        "missing-id",
        acled.text(rows=acled.changed(1, event_id_cnty="")),
        row=2,
        field="event_id_cnty",
    )
    put(
        "acled",
        "half-coordinates",
        acled.text(rows=acled.changed(0, longitude="")),
        row=1,
        field="longitude",
    )
    counts = by_reader["counts"]
    put(
        "counts",
        "bad-month",
        counts.text(rows=counts.changed(0, Month="Janvier")),
        row=1,
        field="Month",
    )
    put(
        "counts",
        "future-month",
        counts.text(rows=counts.changed(1, Year=2099)),
        row=2,
        field="Month",
        says="in the future",
    )
    put(
        "counts",
        "unmatched",
        counts.text(
            rows=[
                counts_row("ZZ9999", "Atlantis", "January"),
                counts_row("ZZ9998", "Lemuria", "May"),
            ]
        ),
        says="matches no stored district",
    )
    twice = [counts.rows[0], counts.rows[0]]
    put("counts", "duplicate-row", counts.text(rows=twice), row=2)
    geopko = by_reader["geopko"]
    put(
        "geopko",
        "future-year",
        geopko.text(rows=geopko.changed(1, year=2099)),
        row=2,
        field="year",
        says="in the future",
    )
    put("geopko", "month-13", geopko.text(rows=geopko.changed(0, month=13)), row=1, field="month")
    return cases


# --- UCDP's JSON ----------------------------------------------------------------------------


def _ucdp_json(folder: Path, bomb: bytes) -> list[Case]:
    command = ("ingest", "events", "--format", "ucdp")
    good = [_ucdp_row(1, "2020-01-06"), _ucdp_row(2, "2020-01-07")]
    cases = []

    def put(kind: str, data: bytes | str, suffix: str = ".json", **expect: object) -> None:
        path = folder / f"ucdp-json-{kind}{suffix}"
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        cases.append(Case(f"ucdp-json-{kind}", command, path, **expect))  # type: ignore[arg-type]

    def page(rows: list[dict[str, object]]) -> str:
        return json.dumps({"TotalCount": len(rows), "Result": rows})

    put("deep-list", "[" * DEEP + "]" * DEEP, says="levels deep")
    wide = [dict(good[0], **{f"k{i}": i for i in range(WIDE)}), good[1]]
    put("wide-record", page(wide), says="columns")
    put("deep-object", '{"a":' * DEEP + "1" + "}" * DEEP, says="levels deep")
    put(
        "deep-in-result",
        '{"Result": [' + '{"x":' * 1000 + "1" + "}" * 1000 + "]}",
        says="levels deep",
    )
    put("invalid", '{"Result": [', says="not valid JSON")
    put("scalar", "42")
    put("list-of-numbers", "[1, 2, 3]", row=1)
    put("empty-list", "[]")
    put("result-not-list", '{"Result": 5}')
    put("latin1", page(good).replace("Alpha", "Ségou").encode("latin-1"), says="UTF-8")
    huge = [dict(good[0], side_a="A" * HUGE_NAME), good[1]]
    put("huge-name", page(huge), row=1, field="side_a", says="characters long")
    huge_id = [dict(good[0], id="9" * HUGE_ID), good[1]]
    put("huge-id", page(huge_id), row=1, field="id", says="characters long")
    put("gzip-bomb", bomb, suffix=".json.gz", says="FORECAST_MAX_INPUT_BYTES")
    future = [good[0], dict(good[1], date_start="2099-01-01", date_end="2099-01-01")]
    put("future", page(future), row=2, field="date_start", says="in the future")
    backwards = [dict(good[0], date_end="2019-01-01"), good[1]]
    put("end-before-start", page(backwards), row=1, field="date_end", says="before")
    missing = [{k: v for k, v in r.items() if k != "best"} for r in good]
    put("missing-key", page(missing), says="best")
    twins = [good[0], dict(good[0], best=40)]
    put("duplicate-id", page(twins), row=2)
    put("nan", page([dict(good[0], best=float("nan")), good[1]]), row=1, field="best")
    put("binary", random.Random("ucdp-json").randbytes(2048))
    put("empty", b"")
    return cases


# --- boundaries -----------------------------------------------------------------------------


def _districts(folder: Path) -> list[Case]:
    command = ("ingest", "districts")
    good = [district("ML0101", "Alpha", -5.0), district("ML0102", "Beta", -4.0)]
    cases = []

    def put(kind: str, data: bytes | str, suffix: str = ".geojson", **expect: object) -> None:
        path = folder / f"districts-{kind}{suffix}"
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        cases.append(Case(f"districts-{kind}", command, path, **expect))  # type: ignore[arg-type]

    def geo(features: list[dict[str, object]], **top: object) -> str:
        return json.dumps(feature_collection(features, **top))

    put("deep", "[" * DEEP + "]" * DEEP, says="levels deep")
    put("invalid-json", '{"type": "FeatureCollection", "features": [')
    put("scalar", "42")
    put("empty", b"")
    put("binary", random.Random("districts").randbytes(4096))
    latin = geo(good).replace("Beta", "Ségou").encode("latin-1")
    put("latin1-names", latin, row=2, field="shapeName", says="not valid UTF-8")
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}}
    put("unknown-crs", geo(good, crs=crs), field="crs", says="CRS")
    nonsense = {"type": "name", "properties": {"name": "Atlantis Grid 1900"}}
    put("nonsense-crs", geo(good, crs=nonsense), field="crs", says="CRS")
    point = dict(good[1], geometry={"type": "Point", "coordinates": [-3.5, 14.5]})
    put("point-geometry", geo([good[0], point]), row=2, field="geometry")
    put("null-geometry", geo([good[0], dict(good[1], geometry=None)]), row=2, field="geometry")
    projected = dict(
        good[1],
        geometry={
            "type": "Polygon",
            "coordinates": [
                [[500000, 1500000], [510000, 1500000], [510000, 1510000], [500000, 1500000]]
            ],
        },
    )
    put("projected-without-crs", geo([good[0], projected]), row=2, field="geometry")
    flat = dict(
        good[1], geometry={"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]}
    )
    put("zero-area", geo([good[0], flat]), row=2, field="geometry")
    put("duplicate-codes", geo([good[0], district("ML0101", "Beta", -4.0)]), row=2, field="shapeID")
    anonymous = [{**f, "properties": {"foo": "bar"}} for f in good]
    put("no-code-field", geo(anonymous), says="code")
    put("empty-code", geo([good[0], district("", "Beta", -4.0)]), row=2, field="shapeID")
    put(
        "huge-code",
        geo([good[0], district("C" * HUGE_CODE, "Beta", -4.0)]),
        row=2,
        field="shapeID",
        says="characters long",
    )
    put(
        "huge-name",
        geo([district("ML0101", "N" * HUGE_NAME, -5.0), good[1]]),
        row=1,
        field="shapeName",
        says="characters long",
    )
    put(
        "bad-country",
        geo([district("ML0101", "Alpha", -5.0, shapeGroup="Atlantis"), good[1]]),
        row=1,
        field="shapeGroup",
    )
    put("no-features", geo([]))
    put("features-not-list", json.dumps({"type": "FeatureCollection", "features": 5}))
    put("unsupported-suffix", geo(good), suffix=".txt", says="unsupported file type")
    put("gzipped-geojson", gzip.compress(geo(good).encode()), suffix=".geojson.gz")
    shp = folder / "districts-truncated.shp"
    shp.write_bytes(SHP_HEADER[:60])
    cases.append(Case("districts-truncated-shp", command, shp))
    garbage = folder / "districts-garbage.gpkg"
    garbage.write_bytes(b"SQLite format 3\x00" + random.Random("gpkg").randbytes(4096))
    cases.append(Case("districts-garbage-gpkg", command, garbage))
    empty_db = folder / "districts-empty-db.gpkg"
    sqlite3.connect(empty_db).execute("CREATE TABLE empty_table (x)").connection.close()
    cases.append(Case("districts-empty-db-gpkg", command, empty_db))
    lonely = folder / "districts-no-dbf.shp"
    lonely.write_bytes(SHP_HEADER)
    cases.append(Case("districts-no-dbf-shp", command, lonely))
    cases += _zips(folder, command, geo(good), latin)
    return cases


def _zips(folder: Path, command: tuple[str, ...], good: str, latin: bytes) -> list[Case]:
    cases = []

    def archive(kind: str, members: dict[str, bytes], **expect: object) -> None:
        path = folder / f"districts-zip-{kind}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in members.items():
                out.writestr(name, data)
        cases.append(Case(f"districts-zip-{kind}", command, path, **expect))  # type: ignore[arg-type]

    bomb = zip_bomb(folder / "districts-zip-bomb.zip", "gadm36_MLI_2.shp", BOMB_BYTES)
    cases.append(Case("districts-zip-bomb", command, bomb, says="FORECAST_MAX_INPUT_BYTES"))
    archive("two-layers", {"a.shp": SHP_HEADER, "b.shp": SHP_HEADER}, says="exactly one")
    archive("no-layer", {"readme.txt": b"nothing here"}, says="exactly one")
    archive("traversal", {"../../evil.geojson": good.encode()}, says="unsafe path")
    archive("latin1-geojson", {"d.geojson": latin}, row=2, field="shapeName")
    archive("deep-geojson", {"d.geojson": ("[" * DEEP + "]" * DEEP).encode()})
    archive("garbage-shp", {"d.shp": random.Random("zip").randbytes(1024)})
    truncated = folder / "districts-zip-truncated.zip"
    truncated.write_bytes((folder / "districts-zip-two-layers.zip").read_bytes()[:50])
    cases.append(Case("districts-zip-truncated", command, truncated))
    return cases


def write_corpus(folder: Path) -> list[Case]:
    """Write every hostile file under ``folder``; the cases in a stable order."""
    folder.mkdir(parents=True, exist_ok=True)
    bomb = gzip_bomb(BOMB_BYTES)
    all_layouts = layouts()
    by_reader = {lay.reader: lay for lay in all_layouts}
    cases: list[Case] = []
    for lay in all_layouts:
        cases += _generic(folder, lay, bomb)
    cases += _wrong_formats(folder, by_reader)
    cases += _specific(folder, by_reader)
    cases += _ucdp_json(folder, bomb)
    cases += _districts(folder)
    return cases
