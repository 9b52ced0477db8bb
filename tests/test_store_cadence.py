"""Schema 3: forecasts and champions carry a cadence; older stores' rows become weekly."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from forecast.core.schema import CANONICAL, CHAMPIONS, FORECASTS, SCHEMA_VERSION
from forecast.core.store import Store
from forecast.scoring import replace_champions, write_forecasts

# The forecasts and champions tables as schema 2 created them (no cadence column).
V2_FORECASTS = """CREATE TABLE forecasts (district_code VARCHAR NOT NULL, issue_week DATE NOT NULL,
  horizon INTEGER NOT NULL, target VARCHAR NOT NULL, probability DOUBLE NOT NULL,
  band VARCHAR NOT NULL, model_version VARCHAR NOT NULL, top_drivers VARCHAR, data_as_of DATE)"""
V2_CHAMPIONS = """CREATE TABLE champions (target VARCHAR NOT NULL, horizon INTEGER NOT NULL,
  model_name VARCHAR NOT NULL, model_version VARCHAR NOT NULL, run_id VARCHAR,
  train_start DATE, train_end DATE, backtest VARCHAR, promoted_at TIMESTAMP)"""
MONDAY = date(2024, 6, 3)


def _version_2_store(path: Path) -> None:
    con = duckdb.connect(str(path))
    for table in CANONICAL:
        con.execute(table.ddl())
    con.execute(V2_FORECASTS)
    con.execute(V2_CHAMPIONS)
    con.execute(
        "INSERT INTO forecasts VALUES ('ML0101', ?, 4, 'any', 0.4, 'high', 'risk-any-h4/3', "
        "'[]', ?)",
        [MONDAY, date(2024, 6, 2)],
    )
    con.execute(
        "INSERT INTO champions VALUES ('any', 4, 'risk-any-h4', '3', 'r', ?, ?, '{}', ?)",
        [date(2018, 1, 1), date(2024, 5, 1), datetime(2024, 6, 3)],
    )
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    con.execute("INSERT INTO schema_version VALUES (2)")
    con.close()


def _forecast(cadence: str, issue: date, probability: float) -> pl.DataFrame:
    return FORECASTS.conform(
        pl.DataFrame(
            {
                "district_code": ["ML0101"],
                "issue_week": [issue],
                "horizon": [4],
                "target": ["any"],
                "probability": [probability],
                "band": ["high"],
                "model_version": [f"risk-any-{'h' if cadence == 'week' else 'm'}4/1"],
                "cadence": [cadence],
            }
        )
    )


def test_a_version_2_store_gains_cadence_and_its_rows_are_weekly(tmp_path: Path) -> None:
    path = tmp_path / "v2.duckdb"
    _version_2_store(path)
    with Store(path) as store:
        assert store.con.execute("SELECT max(version) FROM schema_version").fetchone() == (
            SCHEMA_VERSION,
        )
        forecasts = store.read("forecasts")
        assert forecasts["cadence"].to_list() == ["week"]
        assert store.read("champions")["cadence"].to_list() == ["week"]
        # A monthly forecast with the same date, target and horizon sits beside it.
        write_forecasts(store, _forecast("month", date(2024, 6, 1), 0.7))
        write_forecasts(store, _forecast("month", MONDAY, 0.2))
        rows = store.read("forecasts").sort("cadence", "issue_week")
        assert rows.select("cadence", "issue_week", "probability").rows() == [
            ("month", date(2024, 6, 1), 0.7),
            ("month", MONDAY, 0.2),
            ("week", MONDAY, 0.4),
        ]
        # Re-scoring the weekly one replaces it, not the monthly ones.
        write_forecasts(store, _forecast("week", MONDAY, 0.5))
        assert store.read("forecasts").filter(pl.col("cadence") == "week")[
            "probability"
        ].to_list() == [0.5]
        assert store.count("forecasts") == 3
        with store.transaction() as con:
            monthly = CHAMPIONS.conform(
                pl.DataFrame(
                    {"target": ["any"], "horizon": [4], "model_name": ["risk-any-m4"],
                     "model_version": ["1"], "cadence": ["month"]}
                )
            )  # fmt: skip
            replace_champions(con, monthly)
        champions = store.read("champions").sort("cadence")
        assert champions.select("cadence", "model_name").rows() == [
            ("month", "risk-any-m4"),
            ("week", "risk-any-h4"),
        ]


def test_new_stores_write_the_cadence(tmp_path: Path) -> None:
    with Store(tmp_path / "new.duckdb") as store:
        write_forecasts(store, _forecast("week", MONDAY, 0.5).drop("cadence"))
        assert store.read("forecasts")["cadence"].to_list() == ["week"]
