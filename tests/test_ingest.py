"""Ingestion end to end through the store: placement, idempotence, replacement, all-or-nothing."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.core.errors import InputError
from forecast.core.store import Store
from forecast.ingest import (
    ingest_deployments,
    ingest_districts,
    ingest_drop_folder,
    ingest_events,
    ingest_partners,
)
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
            {
                "name": "Camp A",
                "force": "FAMa",
                "latitude": 14.2,
                "longitude": -4.8,
                "start": "2015-01-01",
            },
            {
                "name": "Post B",
                "force": "FAMa",
                "district_code": "ML0102",
                "start": "2016-05-01",
                "end": "2019-12-31",
            },
        ],
    )
    partners = write_rows(
        tmp_path / "partners.csv",
        PARTNER_COLUMNS,
        [
            {
                "name": "Camp X",
                "partner": "UN",
                "force": "MINUSMA",
                "latitude": 14.9,
                "longitude": -3.2,
                "start": "2014-01-01",
                "end": "2023-12-31",
            },
        ],
    )
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


# --- the wrong command or format, and what is only worth a warning (issues 15 and 16) --------


def _refused(runner: CliRunner, args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    return result.output


def test_a_shapefile_given_to_ingest_events_says_to_use_ingest_districts(
    home: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    districts = write_two_districts(tmp_path / "districts.geojson")
    assert runner.invoke(app, ["ingest", "districts", str(districts)]).exit_code == 0
    shp = tmp_path / "gadm36_MLI_2.shp"
    shp.write_bytes(bytes.fromhex("0000270a") + bytes(96))
    zipped = tmp_path / "gadm36_MLI_shp.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(shp, shp.name)
    renamed = tmp_path / "boundaries.csv"  # a shapefile under another name: told by content
    renamed.write_bytes(shp.read_bytes())
    for path in (shp, zipped, renamed):
        for command in (["ingest", "events"], ["ingest", "deployments"], ["ingest", "counts"]):
            output = _refused(runner, [*command, str(path)])
            assert (
                f"{path.name}: this is a boundary file: use `forecast ingest districts`" in output
            )


def test_a_real_gadm_shapefile_given_to_ingest_events_is_told_apart(
    home: Path, tmp_path: Path
) -> None:
    from tests.conftest import shared_data

    shp = shared_data("gadm36_mali_niger", "gadm36_MLI_2.shp")
    output = _refused(CliRunner(), ["ingest", "events", str(shp)])
    assert "this is a boundary file: use `forecast ingest districts`" in output


UCDP_HEADER = (
    "id,date_start,date_end,type_of_violence,best,where_prec,date_prec,side_a,side_b,"
    "latitude,longitude,country\n"
)


def test_a_ucdp_file_read_as_acled_says_to_use_format_ucdp(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "ged.csv"
    path.write_text(UCDP_HEADER + "1,2020-01-06,2020-01-06,1,2,1,1,A,B,14.5,-4.5,Mali\n")
    output = _refused(CliRunner(), ["ingest", "events", str(path)])
    assert (
        "ged.csv: this looks like a UCDP GED file: use `forecast ingest events --format ucdp`"
        in (output)
    )
    # and the other way round
    acled = _events_file(tmp_path / "acled.csv")
    output = _refused(CliRunner(), ["ingest", "events", "--format", "ucdp", str(acled)])
    assert (
        "acled.csv: this looks like an ACLED export: use `forecast ingest events --format acled`"
        in (output)
    )


def test_a_counts_file_read_as_events_says_to_use_ingest_counts(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "hdx.csv"
    path.write_text(
        "Country,Admin1,Admin2,ISO3,Admin2 Pcode,Admin1 Pcode,Month,Year,Events,Fatalities\n"
        "Mali,Kayes,Diema,MLI,ML0102,ML01,January,2020,1,0\n"
    )
    for fmt in ("acled", "ucdp"):
        output = _refused(CliRunner(), ["ingest", "events", "--format", fmt, str(path)])
        assert "use `forecast ingest counts --format acled-monthly`" in output


def test_an_unknown_country_is_stored_with_a_warning(home: Path, tmp_path: Path) -> None:
    rows = [
        acled_row("ATL1", "2020-01-06", 14.5, -4.5, country="Atlantis", iso="", iso3=""),
        acled_row("MLI1", "2020-01-06", 14.5, -4.5),
    ]
    result = CliRunner().invoke(
        app, ["ingest", "events", str(write_acled(tmp_path / "a.csv", rows))]
    )
    assert result.exit_code == 0, result.output
    assert "2 events read" in result.output
    assert "warning: " in result.output and "country 'Atlantis' (1 events) is not a known" in (
        result.output
    )
    assert "MLI" not in result.output.split("warning:")[1]


def test_sites_in_a_district_that_is_not_stored_are_refused(store: Store, tmp_path: Path) -> None:
    ingest_districts(store, write_two_districts(tmp_path / "districts.geojson"))
    site = {
        "name": "Camp",
        "force": "FAMa",
        "partner": "France",
        "district_code": "ZZ9999",
        "start": "2020-01-01",
    }
    for ingest, columns in (
        (ingest_deployments, DEPLOYMENT_COLUMNS),
        (ingest_partners, PARTNER_COLUMNS),
    ):
        path = write_rows(tmp_path / f"{ingest.__name__}.csv", columns, [site])
        with pytest.raises(InputError) as caught:
            ingest(store, path)
        assert {(p.row, p.field) for p in caught.value.problems} == {(1, "district_code")}
    assert store.count("deployments") == 0 and store.count("partner_presence") == 0
    ok = write_rows(tmp_path / "ok.csv", DEPLOYMENT_COLUMNS, [dict(site, district_code="ML0101")])
    assert ingest_deployments(store, ok).rows_changed == 1
