"""ACLED's admin-2 monthly counts (HDX): reading, matching to districts, storing.

Every fixture is written here, in the exact HDX columns, with invented numbers: the real file's
licence forbids copying it (the realdata tests at the end read it where it is present).
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.core.errors import InputError
from forecast.core.store import Store
from forecast.ingest import ingest_counts, ingest_districts, ingest_drop_folder
from forecast.sources.counts import (
    COLUMNS,
    load_successions,
    load_variants,
    read_acled_monthly,
)
from tests.conftest import shared_data

TODAY = date(2026, 12, 7)

# Boundaries as OCHA's 2020 tables have them (P-codes, 50 cercles, Ménaka one cercle of Gao)...
OCHA = [
    ("ML0102", "Diéma", "Kayes"),
    ("ML0401", "Baraouéli", "Ségou"),
    ("ML0507", "Ténenkou", "Mopti"),
    ("ML0704", "Ménaka", "Gao"),
]
# ... and as GADM 3.6 has them: other codes, accents, another spelling of Baraoueli.
GADM = [
    ("MLI.3.2_1", "Diéma", "Kayes"),
    ("MLI.7.1_1", "Barouéli", "Ségou"),
    ("MLI.6.7_1", "Ténenkou", "Mopti"),
    ("MLI.2.4_1", "Ménaka", "Gao"),
]
MENAKA_UNITS = [
    ("ML1001", "Menaka"),
    ("ML1002", "Anderamboukane"),
    ("ML1003", "Inekar"),
    ("ML1004", "Tidermene"),
]


def write_districts(path: Path, districts: list[tuple[str, str, str]]) -> Path:
    """A CSV gazetteer (centroids only) of the given (code, name, admin1) cercles."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["code", "name", "admin1", "country", "latitude", "longitude"])
        for i, (code, name, admin1) in enumerate(districts):
            out.writerow([code, name, admin1, "MLI", 14.0 + i, -4.0 + i])
    return path


def row(
    pcode: str,
    admin2: str,
    admin1: str = "Kayes",
    month: str = "January",
    year: Any = 2020,
    events: Any = 1,
    fatalities: Any = 0,
) -> dict[str, Any]:
    return {
        "Country": "Mali",
        "Admin1": admin1,
        "Admin2": admin2,
        "ISO3": "MLI",
        "Admin2 Pcode": pcode,
        "Admin1 Pcode": pcode[:4],
        "Month": month,
        "Year": year,
        "Events": events,
        "Fatalities": fatalities,
    }


def write_counts(
    path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...] = COLUMNS
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        out.writeheader()
        out.writerows(rows)
    return path


def months(pcode: str, admin2: str, admin1: str, n: int, events: int = 1) -> list[dict[str, Any]]:
    """``n`` consecutive months of one unit from January 2020."""
    names = [date(2020, m, 1).strftime("%B") for m in range(1, 13)]
    return [
        row(pcode, admin2, admin1, names[i % 12], 2020 + i // 12, events, i % 3) for i in range(n)
    ]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "store.duckdb") as opened:
        yield opened


def stored(store: Store) -> pl.DataFrame:
    return store.read("counts").sort("district_code", "month")


def load(store: Store, tmp_path: Path, districts: list[tuple[str, str, str]]) -> None:
    ingest_districts(store, write_districts(tmp_path / "districts.csv", districts))


def test_pcodes_match_stored_codes_directly(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, OCHA)
    path = write_counts(
        tmp_path / "counts.csv",
        [row("ML0102", "Diema", events=3, fatalities=2), row("ML0507", "Tenenkou", "Mopti")],
    )
    report = ingest_counts(store, path, today=TODAY)
    assert report.matching == {"pcode": 2, "name": 0, "succession": 0, "unmatched": 0}
    assert report.rows_read == 2 and report.rows_changed == 2
    assert "matched by P-code 2, by name 0, via succession 0, unmatched 0" in report.summary()
    first = stored(store).row(0, named=True)
    assert first == {
        "source": "acled",
        "district_code": "ML0102",
        "month": date(2020, 1, 1),
        "events": 3,
        "fatalities": 2,
        "admin2_code": "ML0102",
        "admin2": "Diema",
        "admin1": "Kayes",
        "country": "MLI",
        "matched": "pcode",
        "units": 1,
        "file": str(path),
    }


def test_ascii_names_match_accented_boundaries(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, GADM)
    path = write_counts(
        tmp_path / "counts.csv",
        [
            row("ML0102", "Diema"),
            row("ML0507", "Tenenkou", "Mopti"),
            # GADM writes Barouéli; its own variant name (and OCHA's) is Baraoueli.
            row("ML0401", "Baraoueli", "Segou"),
        ],
    )
    report = ingest_counts(store, path, today=TODAY)
    assert report.matching["name"] == 3
    assert dict(stored(store).select("admin2", "district_code").iter_rows()) == {
        "Diema": "MLI.3.2_1",
        "Tenenkou": "MLI.6.7_1",
        "Baraoueli": "MLI.7.1_1",
    }


@pytest.mark.parametrize(("districts", "menaka"), [(OCHA, "ML0704"), (GADM, "MLI.2.4_1")])
def test_split_cercles_are_summed_into_the_old_one(
    store: Store, tmp_path: Path, districts: list[tuple[str, str, str]], menaka: str
) -> None:
    load(store, tmp_path, districts)
    rows = [row(code, name, "Menaka", events=i + 1, fatalities=1) for i, (code, name) in
            enumerate(MENAKA_UNITS)]  # fmt: skip
    rows.append(row("ML0102", "Diema"))
    report = ingest_counts(store, write_counts(tmp_path / "counts.csv", rows), today=TODAY)
    assert report.matching["succession"] == 4 and report.matching["unmatched"] == 0
    assert report.rows_read == 5 and report.rows_changed == 2
    summed = stored(store).filter(pl.col("district_code") == menaka).row(0, named=True)
    assert (summed["events"], summed["fatalities"], summed["units"]) == (10, 4, 4)
    assert summed["matched"] == "succession"
    assert summed["admin2_code"] == "ML1001; ML1002; ML1003; ML1004"
    assert summed["admin2"] == "Menaka; Anderamboukane; Inekar; Tidermene"
    assert summed["admin1"] == "Menaka"


def test_new_units_present_in_the_boundaries_are_not_summed(store: Store, tmp_path: Path) -> None:
    # Boundaries in the 53-cercle scheme (the demo world's): every unit has its own district.
    load(store, tmp_path, [(code, name, "Ménaka") for code, name in MENAKA_UNITS])
    rows = [row(code, name, "Menaka") for code, name in MENAKA_UNITS]
    report = ingest_counts(store, write_counts(tmp_path / "counts.csv", rows), today=TODAY)
    assert report.matching["pcode"] == 4
    assert stored(store)["units"].to_list() == [1, 1, 1, 1]


def test_old_and_new_pcode_in_one_month_is_refused(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, OCHA)
    rows = [row("ML0704", "Menaka", "Gao"), row("ML1002", "Anderamboukane", "Menaka")]
    with pytest.raises(InputError) as caught:
        ingest_counts(store, write_counts(tmp_path / "counts.csv", rows), today=TODAY)
    assert "row 2, field 'Admin2 Pcode'" in str(caught.value)
    assert "also given by row 1 ('ML0704')" in str(caught.value)
    assert store.count("counts") == 0


def test_repeated_unit_and_month_is_refused(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, OCHA)
    rows = [row("ML0102", "Diema"), row("ML0401", "Baraoueli", "Segou"), row("ML0102", "Diema")]
    with pytest.raises(InputError) as caught:
        ingest_counts(store, write_counts(tmp_path / "counts.csv", rows), today=TODAY)
    [problem] = caught.value.problems
    assert (problem.row, problem.field) == (3, "Admin2 Pcode")
    assert "January 2020" in problem.reason


def test_unmatched_rows_are_reported_and_the_rest_is_stored(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, OCHA)
    rows = months("ML0102", "Diema", "Kayes", 60)
    rows.insert(10, row("ML9999", "Atlantis", "Nowhere", events=7, fatalities=5))
    report = ingest_counts(store, write_counts(tmp_path / "counts.csv", rows), today=TODAY)
    assert report.matching["unmatched"] == 1  # 1 of 61 rows: below the 2% default
    assert store.count("counts") == 60
    assert report.left_out == "1 rows (7 events, 5 fatalities) left out"
    [warning] = report.warnings
    assert "counts.csv, row 11, field 'Admin2 Pcode': 'ML9999'" in warning
    assert "Admin2 'Atlantis', Admin1 'Nowhere'" in warning
    assert "unmatched 1 (1 rows (7 events, 5 fatalities) left out)" in report.summary()


def test_too_many_unmatched_rows_refuse_the_file(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, OCHA)
    rows = [*months("ML0102", "Diema", "Kayes", 9), row("ML9999", "Atlantis", month="May")]
    path = write_counts(tmp_path / "counts.csv", rows)
    with pytest.raises(InputError) as caught:
        ingest_counts(store, path, today=TODAY)
    message = str(caught.value)
    assert "1 of 10 rows (10.0%) match no stored district, more than the 2.0% allowed" in message
    assert "row 10, field 'Admin2 Pcode': 'ML9999'" in message
    assert store.count("counts") == 0 and store.count("ingests") == 1  # the districts only
    # A looser threshold takes the same file.
    assert ingest_counts(store, path, max_unmatched=0.1, today=TODAY).rows_changed == 9


def test_without_districts_the_file_is_refused_saying_why(store: Store, tmp_path: Path) -> None:
    path = write_counts(tmp_path / "counts.csv", [row("ML0102", "Diema")])
    with pytest.raises(InputError, match="run `forecast ingest districts` first"):
        ingest_counts(store, path, today=TODAY)


def test_reingest_changes_nothing_and_a_corrected_file_replaces(
    store: Store, tmp_path: Path
) -> None:
    load(store, tmp_path, OCHA)
    rows = months("ML0102", "Diema", "Kayes", 3)
    path = write_counts(tmp_path / "counts.csv", rows)
    assert ingest_counts(store, path, today=TODAY).rows_changed == 3
    assert ingest_counts(store, path, today=TODAY).skipped
    assert ingest_counts(store, path, today=TODAY, force=True).rows_changed == 0
    renamed = shutil.copy(path, tmp_path / "renamed.csv")
    assert ingest_counts(store, Path(renamed), today=TODAY).rows_changed == 0
    rows[1]["Events"] = 9
    corrected = write_counts(tmp_path / "corrected.csv", rows)
    assert ingest_counts(store, corrected, today=TODAY).rows_changed == 1
    assert stored(store)["events"].to_list() == [1, 9, 1]
    assert store.count("counts") == 3


def test_bad_values_are_named_by_row_and_field(tmp_path: Path) -> None:
    rows = [
        row("ML0102", "Diema", events=-1),
        row("ML0102", "Diema", month="February", fatalities="1.5"),
        row("ML0102", "Diema", month="Janvier"),
        row("ML0102", "Diema", month="March", year="20x0"),
        row("ML0102", "Diema", month="January", year=2027),
        row("ML0102", "Diema", month="April", events=""),
        row("ML0102", "Diema", month=" may ", year=2021),  # case and blanks do not matter
    ]
    with pytest.raises(InputError) as caught:
        read_acled_monthly(write_counts(tmp_path / "bad.csv", rows), today=TODAY)
    found = {(p.row, p.field): p.reason for p in caught.value.problems}
    assert found == {
        (1, "Events"): "'-1' is not a whole number >= 0",
        (2, "Fatalities"): "'1.5' is not a whole number >= 0",
        (3, "Month"): "'Janvier' is not an English month name (January, February, March, "
        "April, May, June, July, August, September, October, November, December)",
        (4, "Year"): "'20x0' is not a year 1900-2100",
        (5, "Month"): "January 2027 is in the future (read on 2026-12-07): counts are of "
        "past months",
        (6, "Events"): "missing value",
    }


def test_missing_columns_are_named_with_the_expected_list(tmp_path: Path) -> None:
    columns = tuple(c for c in COLUMNS if c not in ("Events", "Admin2 Pcode"))
    path = write_counts(tmp_path / "short.csv", [row("ML0102", "Diema")], columns)
    with pytest.raises(InputError) as caught:
        read_acled_monthly(path, today=TODAY)
    assert [p.field for p in caught.value.problems] == ["Admin2 Pcode", "Events"]
    assert all(
        "Country, Admin1, Admin2, ISO3, Admin2 Pcode, Admin1 Pcode, Month, Year, Events, "
        "Fatalities" in p.reason
        for p in caught.value.problems
    )


def test_misspelt_column_gets_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "typo.csv"
    write_counts(path, [row("ML0102", "Diema")])
    path.write_text(path.read_text().replace("Fatalities", "Fatalites", 1))
    with pytest.raises(InputError, match="did you mean 'fatalities'"):
        read_acled_monthly(path, today=TODAY)


def test_shipped_tables_are_sourced_and_consistent() -> None:
    successions = load_successions()
    assert sorted(successions["new_pcode"]) == ["ML1001", "ML1002", "ML1003", "ML1004"]
    assert set(successions["old_pcode"]) == {"ML0704"}
    raw = pl.read_csv(Path(__file__).parents[2] / "data" / "gazetteer" / "pcode_successions.csv")
    assert raw.columns[:6] == ["new_pcode", "new_name", "old_pcode", "old_name", "old_admin1",
                               "country"]  # fmt: skip
    assert raw["source"].str.contains("https://").all() and raw["note"].is_not_null().all()
    variants = load_variants()
    assert variants.height >= 1
    assert (
        pl.read_csv(Path(__file__).parents[2] / "data" / "gazetteer" / "name_variants.csv")[
            "source"
        ]
        .str.contains("https://")
        .all()
    )


def test_command_and_status_and_drop_folder(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    districts = write_districts(tmp_path / "districts.csv", OCHA)
    assert runner.invoke(app, ["ingest", "districts", str(districts)]).exit_code == 0
    rows = [row(code, name, "Menaka") for code, name in MENAKA_UNITS] + [row("ML0102", "Diema")]
    path = write_counts(tmp_path / "counts.csv", rows)
    result = runner.invoke(app, ["ingest", "counts", str(path), "--format", "acled-monthly"])
    assert result.exit_code == 0, result.output
    assert (
        "5 counts read (acled-monthly), 2 new or changed; matched by P-code 1, by name 0, "
        "via succession 4, unmatched 0" in result.output
    )
    status = runner.invoke(app, ["status"])
    assert (
        "Counts (acled): 2 district-months in 2 districts, 2020-01 to 2020-01, 5 events, "
        "0 fatalities" in status.output
    )
    bad = write_counts(tmp_path / "bad.csv", [row("ML0102", "Diema", events=-3)])
    refused = runner.invoke(app, ["ingest", "counts", str(bad)])
    assert refused.exit_code == 2 and "field 'Events'" in refused.output
    drop = home / "drop" / "counts"
    drop.mkdir(parents=True)
    write_counts(drop / "later.csv", [row("ML0102", "Diema", month="February")])
    with Store(home / "forecast.duckdb") as opened:
        [report] = ingest_drop_folder(opened, home / "drop")
        assert report.kind == "counts" and report.rows_changed == 1


# --- the real files (../shared/data); skipped, naming the file, where absent -------------

HDX_COUNTS = ("acled_hdx_mali_admin2_monthly", "acled_mali_admin2_monthly_1997_2026.csv")


@pytest.mark.realdata
def test_hdx_counts_load_whole_into_gadm_cercles(store: Store) -> None:
    counts = shared_data(*HDX_COUNTS)
    ingest_districts(store, shared_data("gadm36_mali_niger", "gadm36_MLI_2.shp"))
    report = ingest_counts(store, counts, today=TODAY)
    # 53 units x 352 months; Ménaka's four 2016 cercles summed into GADM's one.
    assert report.matching == {"pcode": 0, "name": 17248, "succession": 1408, "unmatched": 0}
    assert store.count("counts") == 50 * 352
    events, fatalities, menaka = store.con.execute(
        "SELECT sum(events), sum(fatalities), "
        "count(*) FILTER (WHERE units = 4 AND district_code = 'MLI.2.4_1') FROM counts"
    ).fetchone()
    assert (events, fatalities, menaka) == (11028, 30734, 352)  # the totals of SOURCE.md


@pytest.mark.realdata
def test_hdx_counts_match_the_demo_worlds_pcodes(store: Store, tmp_path: Path) -> None:
    from forecast.demo.gazetteer import CERCLES, REGIONS

    counts = shared_data(*HDX_COUNTS)
    regions = {r.pcode: r.name for r in REGIONS}
    load(store, tmp_path, [(c.code, c.name, regions[c.region]) for c in CERCLES])
    report = ingest_counts(store, counts, today=TODAY)
    assert report.matching == {"pcode": 53 * 352, "name": 0, "succession": 0, "unmatched": 0}
