"""The Dask backfill on a real local cluster gives exactly the single-machine panel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from features import build_panel
from features.weeks import week_of
from forecast.backfill import (
    Block,
    backfill_panel,
    backfill_to_parquet,
    plan_blocks,
    week_blocks,
)
from forecast.commands.backfill import register
from forecast.core.schema import CanonicalTables
from forecast.core.settings import get_settings
from forecast.core.store import Store
from forecast.demo import DemoParams, build_demo
from forecast.ingest import ingest_demo_files

distributed = pytest.importorskip("distributed")

# Three years of the demo's Mali: 53 cercles, a few thousand events, bases and partner
# sites opening before the first week and some (Africa Corps) after the last.
WORLD = DemoParams(start=date(2020, 1, 6), end=date(2022, 12, 26), burn_in_weeks=4)


def ingest_world(folder: Path, db: Path) -> None:
    files = build_demo(folder, WORLD)
    with Store(db) as store:
        ingest_demo_files(store, files)


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backfill_world")
    ingest_world(folder / "demo", folder / "forecast.duckdb")
    return folder / "forecast.duckdb"


@pytest.fixture(scope="module")
def tables(world_db: Path) -> CanonicalTables:
    with Store(world_db, read_only=True) as store:
        return store.load_tables()


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    # Worker processes, as on a real cluster: the tasks and the tables cross a process
    # boundary (pickling) and the workers import the feature code themselves.
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as c,
    ):
        yield c


def test_blocks_cover_the_weeks_in_order_with_a_short_last_one() -> None:
    assert week_blocks(10, 20, 4) == [Block(10, 13), Block(14, 17), Block(18, 20)]
    assert week_blocks(10, 10, 52) == [Block(10, 10)]
    assert week_blocks(10, 13, 4) == [Block(10, 13)]
    with pytest.raises(ValueError, match="at least 1"):
        week_blocks(10, 20, 0)
    with pytest.raises(ValueError, match="before start"):
        week_blocks(21, 20, 4)


def test_block_dates_and_file_names_are_mondays() -> None:
    block = Block(week_of(date(2021, 1, 6)), week_of(date(2021, 3, 3)))
    assert (block.start, block.end) == (date(2021, 1, 4), date(2021, 3, 1))
    assert block.file_name == "panel-2021-01-04_2021-03-01.parquet"


def test_default_span_is_first_to_latest_event_week(tables: CanonicalTables) -> None:
    blocks = plan_blocks(tables, None, None, 52)
    # The demo's first event is in the week of 2020-01-06 and the latest on 2023-01-01,
    # a Sunday, so in the week of 2022-12-26: 156 weeks, three full blocks.
    assert tables.events["event_date"].min() == date(2020, 1, 6)
    assert tables.events["event_date"].max() == date(2023, 1, 1)
    assert [(b.start, b.end) for b in blocks] == [
        (date(2020, 1, 6), date(2020, 12, 28)),
        (date(2021, 1, 4), date(2021, 12, 27)),
        (date(2022, 1, 3), date(2022, 12, 26)),
    ]
    shifted = plan_blocks(tables, date(2021, 6, 2), None, 52)
    assert shifted[0].start == date(2021, 5, 31)
    assert shifted[-1].end == date(2022, 12, 26)


def test_without_events_start_and_end_are_needed() -> None:
    empty = CanonicalTables.empty()
    with pytest.raises(ValueError, match="no events"):
        plan_blocks(empty, date(2021, 1, 4), None, 52)
    blocks = plan_blocks(empty, date(2021, 1, 4), date(2021, 1, 31), 2)
    assert [(b.start, b.end) for b in blocks] == [
        (date(2021, 1, 4), date(2021, 1, 11)),
        (date(2021, 1, 18), date(2021, 1, 25)),
    ]
    with pytest.raises(ValueError, match="before start"):
        plan_blocks(empty, date(2021, 1, 4), date(2020, 12, 27), 2)


def test_uneven_blocks_equal_the_single_machine_panel(
    tables: CanonicalTables, client: distributed.Client
) -> None:
    # Starts mid-week before the first event (a whole block of quiet weeks), ends mid-week,
    # and 23-week blocks cut its 192 weeks (2019-03-04 .. 2022-10-31) unevenly: 8 x 23 + 8.
    start, end = date(2019, 3, 6), date(2022, 11, 3)
    expected = build_panel(tables, start=start, end=end)
    assert expected.height == 192 * 53
    with distributed.get_task_stream(client=client) as stream:
        panel = backfill_panel(tables, start=start, end=end, block_weeks=23, client=client)
    assert panel.equals(expected)
    tasks = [t for t in stream.data if str(t["key"]).startswith("panel-block-")]
    assert len(tasks) == 9
    assert len({t["worker"] for t in tasks}) == 2  # both worker processes built blocks


def test_default_span_and_one_week_blocks_equal_the_single_machine_panel(
    tables: CanonicalTables, client: distributed.Client
) -> None:
    assert backfill_panel(tables, client=client).equals(build_panel(tables))
    start, end = date(2021, 2, 1), date(2021, 3, 15)
    assert backfill_panel(tables, start=start, end=end, block_weeks=1, client=client).equals(
        build_panel(tables, start=start, end=end)
    )


def test_parquet_parts_read_back_as_the_panel(
    tables: CanonicalTables, client: distributed.Client, tmp_path: Path
) -> None:
    start, end = date(2020, 11, 30), date(2022, 6, 13)  # 81 weeks: 30 + 30 + 21
    paths = backfill_to_parquet(
        tables, tmp_path, start=start, end=end, block_weeks=30, client=client
    )
    assert [p.name for p in paths] == [
        "panel-2020-11-30_2021-06-21.parquet",
        "panel-2021-06-28_2022-01-17.parquet",
        "panel-2022-01-24_2022-06-13.parquet",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in paths]
    assert [pl.read_parquet(p).height for p in paths] == [30 * 53, 30 * 53, 21 * 53]
    expected = build_panel(tables, start=start, end=end)
    assert pl.read_parquet(tmp_path / "panel-*.parquet").equals(expected)


def test_parquet_refuses_to_mix_with_an_earlier_backfill(
    tables: CanonicalTables, client: distributed.Client, tmp_path: Path
) -> None:
    start, end = date(2021, 1, 4), date(2021, 4, 26)  # 17 weeks
    backfill_to_parquet(tables, tmp_path, start=start, end=end, block_weeks=5, client=client)
    with pytest.raises(FileExistsError, match="already holds 4 panel files"):
        backfill_to_parquet(tables, tmp_path, start=start, end=end, block_weeks=9, client=client)
    (tmp_path / "notes.txt").write_text("kept")
    paths = backfill_to_parquet(
        tables, tmp_path, start=start, end=end, block_weeks=9, client=client, overwrite=True
    )
    assert sorted(p.name for p in tmp_path.glob("panel-*.parquet")) == [p.name for p in paths]
    assert len(paths) == 2
    assert (tmp_path / "notes.txt").read_text() == "kept"
    expected = build_panel(tables, start=start, end=end)
    assert pl.read_parquet(tmp_path / "panel-*.parquet").equals(expected)


def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:  # keeps "backfill" a sub-command
        pass

    return app


@pytest.fixture
def home_with_world(home: Path, world_db: Path) -> Path:
    db = get_settings().db_path
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(world_db.read_bytes())
    return db


def test_cli_writes_parquet_through_a_scheduler_address(
    home_with_world: Path,
    tables: CanonicalTables,
    client: distributed.Client,
    tmp_path: Path,
) -> None:
    out = tmp_path / "panel"
    result = CliRunner().invoke(
        cli(),
        [
            "backfill",
            "--scheduler",
            client.scheduler.address,
            "--out",
            str(out),
            "--start",
            "2022-01-03",
            "--end",
            "2022-03-28",
            "--block-weeks",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 3 Parquet files" in result.output
    expected = build_panel(tables, start=date(2022, 1, 3), end=date(2022, 3, 28))
    assert pl.read_parquet(out / "panel-*.parquet").equals(expected)
    assert client.status == "running"  # the command closed its own client, not the cluster
    again = CliRunner().invoke(
        cli(), ["backfill", "--scheduler", client.scheduler.address, "--out", str(out)]
    )
    assert again.exit_code == 1
    assert "already holds 3 panel files" in again.output


def test_cli_without_out_stores_the_panel_table(
    home_with_world: Path, tables: CanonicalTables, client: distributed.Client
) -> None:
    args = ["backfill", "--scheduler", client.scheduler.address, "--start", "2022-10-03"]
    result = CliRunner().invoke(cli(), args)
    assert result.exit_code == 0, result.output
    assert "13 weeks (2022-10-03 .. 2022-12-26)" in result.output
    with Store(home_with_world, read_only=True) as store:
        stored = store.read("panel").sort("week", "district_code")
    assert stored.equals(build_panel(tables, start=date(2022, 10, 3)))


def test_cli_explains_an_unreachable_scheduler(home_with_world: Path) -> None:
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = CliRunner().invoke(cli(), ["backfill", "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 3
    assert "Cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output


def test_cli_explains_a_missing_store_and_shows_help(home: Path) -> None:
    result = CliRunner().invoke(cli(), ["backfill", "--out", str(home / "out")])
    assert result.exit_code == 1
    assert "No store at" in result.output
    help_text = CliRunner().invoke(cli(), ["backfill", "--help"]).output
    for option in ("--scheduler", "--out", "--start", "--end", "--block-weeks", "--workers"):
        assert option in help_text
