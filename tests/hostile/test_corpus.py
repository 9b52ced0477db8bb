"""Every hostile file is refused by the real command: a non-zero exit, one clear message naming
the file (and the row and field where the fault is in one cell), no traceback, and the store's
tables exactly as they were. The corpus is written once per session (tests/hostile/corpus.py).
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.core.store import Store
from forecast.ingest import ingest_deployments, ingest_districts, ingest_events, ingest_partners
from tests.factories import (
    DEPLOYMENT_COLUMNS,
    PARTNER_COLUMNS,
    acled_row,
    write_acled,
    write_rows,
    write_two_districts,
)
from tests.hostile.corpus import CORPUS_MAX_INPUT_BYTES, Case, write_corpus

# GDAL says so on stderr as it refuses a garbage GeoPackage; the refusal is what is tested.
pytestmark = pytest.mark.filterwarnings("ignore:GPKG. bad application_id:RuntimeWarning")

_FOLDER = Path(tempfile.mkdtemp(prefix="hostile-corpus-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)
CASES = write_corpus(_FOLDER)
runner = CliRunner()


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store holding districts, events, deployments and partners, built once."""
    home = tmp_path_factory.mktemp("hostile-home")
    files = tmp_path_factory.mktemp("hostile-inputs")
    with Store(home / "forecast.duckdb") as store:
        ingest_districts(store, write_two_districts(files / "districts.geojson"))
        events = [
            acled_row("MLI1", "2020-01-06", 14.5, -4.5),
            acled_row("MLI2", "2020-01-07", 14.5, -3.5),
        ]
        ingest_events(store, write_acled(files / "events.csv", events))
        site = {
            "name": "Alpha camp",
            "force": "FAMa",
            "partner": "France",
            "latitude": 14.5,
            "longitude": -4.5,
            "start": "2019-01-01",
        }  # fmt: skip
        ingest_deployments(store, write_rows(files / "dep.csv", DEPLOYMENT_COLUMNS, [site]))
        ingest_partners(store, write_rows(files / "par.csv", PARTNER_COLUMNS, [site]))
    return home


@pytest.fixture
def home(demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from forecast.core.settings import get_settings

    monkeypatch.setenv("FORECAST_HOME", str(demo_home))
    monkeypatch.setenv("FORECAST_MAX_INPUT_BYTES", str(CORPUS_MAX_INPUT_BYTES))
    get_settings.cache_clear()
    yield demo_home
    get_settings.cache_clear()


def table_hashes(db: Path) -> dict[str, str]:
    """SHA-256 of every table's rows in a fixed order (read-only: the CLI must not be blocked)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        names = [r[0] for r in tables]
        hashes = {}
        for name in sorted(names):
            rows = con.execute(f'SELECT * FROM "{name}"').fetchall()
            digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
            hashes[name] = f"{len(rows)}:{digest}"
        return hashes
    finally:
        con.close()


def test_the_corpus_is_large_and_covers_every_reader() -> None:
    assert len(CASES) >= 200
    commands = {" ".join(c.command) for c in CASES}
    assert commands == {
        "ingest events",
        "ingest events --format ucdp",
        "ingest counts",
        "ingest deployments",
        "ingest partners",
        "ingest partners --format geopko",
        "ingest districts",
    }
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file_is_refused_cleanly(case: Case, home: Path) -> None:
    before = table_hashes(home / "forecast.duckdb")
    result = runner.invoke(app, case.args)
    message = result.output
    assert result.exit_code != 0, f"accepted: {message}"
    assert isinstance(result.exception, SystemExit), f"crashed: {result.exception!r}\n{message}"
    assert "Traceback" not in message
    assert case.path.name in message, message
    if case.row is not None:
        assert f"row {case.row}" in message, message
    if case.field is not None:
        assert f"field '{case.field}'" in message, message
    if case.says is not None:
        assert case.says in message, message
    assert max(map(len, message.splitlines())) < 1_000, "a line quotes a huge value in full"
    assert table_hashes(home / "forecast.duckdb") == before
