"""Ingestion end to end through the store: placement, idempotence, replacement, all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.errors import InputError
from forecast.ingest import (
    ingest_deployments,
    ingest_districts,
    ingest_drop_folder,
    ingest_events,
    ingest_partners,
)
from forecast.store import Store
from tests.factories import (
    DEPLOYMENT_COLUMNS,
    PARTNER_COLUMNS,
    acled_row,
    write_acled,
    write_rows,
    write_two_districts,
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "store.duckdb") as opened:
        yield opened


def _events_file(path: Path, fatalities: int = 1, timestamp: int = 1_600_000_000) -> Path:
    return write_acled(
        path,
        [
            acled_row("MLI1", "2020-01-06", 14.5, -4.5, fatalities=fatalities, timestamp=timestamp),
            acled_row("MLI2", "2020-01-07", 14.5, -3.5, admin2="Beta", timestamp=timestamp),
            # Outside both squares, but the source names Beta: placed by name.
            acled_row("MLI3", "2020-01-08", 20.0, 0.0, admin2="Beta", timestamp=timestamp),
            # No coordinates and an unknown name: counted as unplaced, not dropped.
            acled_row("MLI4", "2020-01-09", "", "", admin2="Nowhere", timestamp=timestamp),
        ],
    )


def _placements(store: Store) -> dict[str, tuple[str | None, str]]:
    rows = store.con.execute(
        "SELECT source_id, district_code, placement FROM events ORDER BY source_id"
    ).fetchall()
    return {sid: (code, how) for sid, code, how in rows}


def test_events_are_placed_by_point_then_name_and_unplaced_are_reported(
    store: Store, tmp_path: Path
) -> None:
    ingest_districts(store, write_two_districts(tmp_path / "districts.geojson"))
    report = ingest_events(store, _events_file(tmp_path / "events.csv"))
    assert report.rows_read == 4 and report.rows_changed == 4
    assert report.placement == {"point": 2, "admin2_name": 1, "unplaced": 1}
    assert report.placed_share == pytest.approx(0.75)
    assert _placements(store) == {
        "MLI1": ("ML0101", "point"),
        "MLI2": ("ML0102", "point"),
        "MLI3": ("ML0102", "admin2_name"),
        "MLI4": (None, "unplaced"),
    }


def test_reingesting_the_same_file_changes_nothing(store: Store, tmp_path: Path) -> None:
    ingest_districts(store, write_two_districts(tmp_path / "districts.geojson"))
    path = _events_file(tmp_path / "events.csv")
    ingest_events(store, path)
    before = store.read("events")
    again = ingest_events(store, path)
    assert again.skipped and again.rows_changed == 0
    forced = ingest_events(store, path, force=True)
    assert forced.rows_read == 4 and forced.rows_changed == 0
    assert store.read("events").equals(before)


def test_newer_export_replaces_revised_events(store: Store, tmp_path: Path) -> None:
    ingest_events(store, _events_file(tmp_path / "old.csv"))
    newer = ingest_events(store, _events_file(tmp_path / "new.csv", 7, 1_700_000_000))
    assert newer.rows_changed == 4
    fatalities = dict(store.con.execute("SELECT source_id, fatalities FROM events").fetchall())
    assert fatalities["MLI1"] == 7
    assert store.count("events") == 4


def test_bad_file_loads_nothing_and_names_row_and_field(store: Store, tmp_path: Path) -> None:
    ingest_events(store, _events_file(tmp_path / "good.csv"))
    bad = write_acled(
        tmp_path / "bad.csv",
        [
            acled_row("MLI10", "2020-02-01", 14.5, -4.5),
            acled_row("MLI11", "2020-02-31", 14.5, -4.5),
            acled_row("MLI12", "2020-02-03", 94.5, -4.5),
        ],
    )
    with pytest.raises(InputError) as caught:
        ingest_events(store, bad)
    message = str(caught.value)
    assert "bad.csv" in message
    assert "row 2" in message and "event_date" in message
    assert "row 3" in message and "latitude" in message
    assert store.count("events") == 4
    assert store.count("ingests") == 1


def test_districts_loaded_after_events_place_them(store: Store, tmp_path: Path) -> None:
    ingest_events(store, _events_file(tmp_path / "events.csv"))
    assert {how for _, how in _placements(store).values()} == {"unplaced"}
    ingest_districts(store, write_two_districts(tmp_path / "districts.geojson"))
    assert _placements(store)["MLI1"] == ("ML0101", "point")
    assert _placements(store)["MLI3"] == ("ML0102", "admin2_name")


def test_sites_are_placed_from_coordinates_or_keep_their_district(
    store: Store, tmp_path: Path
) -> None:
    ingest_districts(store, write_two_districts(tmp_path / "districts.geojson"))
    deployments = write_rows(
        tmp_path / "deployments.csv",
        DEPLOYMENT_COLUMNS,
        [
            {"name": "Camp A", "force": "FAMa", "latitude": 14.2, "longitude": -4.8,
             "start": "2015-01-01"},
            {"name": "Post B", "force": "FAMa", "district_code": "ML0102",
             "start": "2016-05-01", "end": "2019-12-31"},
        ],
    )  # fmt: skip
    partners = write_rows(
        tmp_path / "partners.csv",
        PARTNER_COLUMNS,
        [
            {"name": "Camp X", "partner": "UN", "force": "MINUSMA", "latitude": 14.9,
             "longitude": -3.2, "start": "2014-01-01", "end": "2023-12-31"},
        ],
    )  # fmt: skip
    ingest_deployments(store, deployments)
    ingest_partners(store, partners)
    sites = dict(store.con.execute("SELECT name, district_code FROM deployments").fetchall())
    assert sites == {"Camp A": "ML0101", "Post B": "ML0102"}
    partner = store.con.execute("SELECT partner, district_code FROM partner_presence").fetchall()
    assert partner == [("un", "ML0102")]


def test_drop_folder_ingests_new_files_once(store: Store, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    (drop / "districts").mkdir(parents=True)
    (drop / "acled").mkdir()
    write_two_districts(drop / "districts" / "mali.geojson")
    _events_file(drop / "acled" / "week1.csv")
    first = ingest_drop_folder(store, drop)
    assert [(r.kind, r.rows_changed) for r in first] == [("districts", 2), ("events", 4)]
    second = ingest_drop_folder(store, drop)
    assert all(r.skipped for r in second)


def test_cli_rejects_bad_file_with_exit_code_2_and_status_reads(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    districts = write_two_districts(tmp_path / "districts.geojson")
    assert runner.invoke(app, ["ingest", "districts", str(districts)]).exit_code == 0
    good = runner.invoke(app, ["ingest", "events", str(_events_file(tmp_path / "e.csv"))])
    assert good.exit_code == 0, good.output
    assert "4 events read" in good.output and "75.0% placed" in good.output
    bad = write_acled(tmp_path / "bad.csv", [acled_row("MLI9", "yesterday", 14.5, -4.5)])
    result = runner.invoke(app, ["ingest", "events", str(bad), "--format", "acled"])
    assert result.exit_code == 2
    assert "bad.csv, row 1, field 'event_date'" in result.output
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0
    assert "Districts: 2 in MLI" in status.output
    assert "Events (acled): 4 from 2020-01-06 to 2020-01-09" in status.output
    assert "Data as of: 2020-01-09" in status.output
