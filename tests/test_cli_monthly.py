"""The monthly cadence end to end through the command line, as a team with only ACLED's
admin-2 monthly counts would run it: ingest districts and counts, build the monthly panel,
backtest, train, score, write the bulletin."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from typer.testing import CliRunner

from forecast.cli import app
from forecast.core.store import Store
from forecast.sources.counts import COLUMNS
from training.tune import save_params

FAST = {"n_estimators": 30, "learning_rate": 0.1, "min_child_samples": 20}
NAMES = [date(2020, m, 1).strftime("%B") for m in range(1, 13)]


def _gazetteer(path: Path, n: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["code", "name", "admin1", "country", "latitude", "longitude"])
        for i in range(n):
            out.writerow([f"ML{i + 1:04d}", f"Cercle {i}", "Kayes", "MLI", 13 + i % 3, -9 + i // 3])
    return path


def _counts(path: Path, n: int, months: int, seed: int = 5) -> Path:
    """HDX monthly counts from 2018-01: each cercle's events follow its own persistent rate."""
    rng = np.random.default_rng(seed)
    rate = np.exp(rng.normal(-0.5, 1.0, size=n))
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        out.writeheader()
        level = np.ones(n)
        for m in range(months):
            level = np.clip(0.8 * level + 0.2 * rng.lognormal(0, 0.8, size=n), 0.05, 20)
            events = rng.poisson(rate * level)
            for i in range(n):
                out.writerow(
                    {
                        "Country": "Mali",
                        "Admin1": "Kayes",
                        "Admin2": f"Cercle {i}",
                        "ISO3": "MLI",
                        "Admin2 Pcode": f"ML{i + 1:04d}",
                        "Admin1 Pcode": "ML01",
                        "Month": NAMES[m % 12],
                        "Year": 2018 + m // 12,
                        "Events": int(events[i]),
                        "Fatalities": int(rng.poisson(1.5 * events[i])),
                    }
                )
    return path


def test_monthly_cadence_from_counts_to_bulletin(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code in (0, 10), f"{args}: {result.output}"
        return result.output

    run("ingest", "districts", str(_gazetteer(tmp_path / "cercles.csv", 9)))
    counts = _counts(tmp_path / "mali_admin2_monthly.csv", 9, 72)
    assert "unmatched 0" in run("ingest", "counts", str(counts), "--format", "acled-monthly")
    built = run("features", "build", "--cadence", "month")
    assert "Built monthly panel (panel_month): 648 rows, 9 districts, 72 months" in built
    described = run("features", "describe", "--cadence", "month", "--family", "history")
    assert "months_since_event" in described and "absent at monthly cadence" in described

    for target in ("any", "fatal"):
        for h in (1, 3):
            save_params(home, target, h, {"params": FAST}, "month")
    preds = tmp_path / "preds.csv"
    out = run(
        "backtest", "--cadence", "month", "--horizon", "3", "--target", "any",
        "--start", "2021-01-01", "--end", "2023-06-01", "--out", str(preds), "--no-log",
    )  # fmt: skip
    assert "gate any h=3:" in out
    frame = pl.read_csv(preds, try_parse_dates=True)
    assert frame.columns == [
        "district_code", "issue_month", "horizon", "target", "probability", "observed",
        "climatology", "persistence", "conflictology", "logistic", "onset",
    ]  # fmt: skip
    assert frame["issue_month"].min() == date(2021, 1, 1)
    assert frame["issue_month"].max() == date(2023, 6, 1)
    refused = runner.invoke(app, ["backtest", "--cadence", "month", "--target", "abduction"])
    assert refused.exit_code == 2
    assert "at monthly cadence the targets are any and fatal" in refused.output

    trained = run("train", "--cadence", "month", "--horizon", "1")
    assert "risk-any-m1 v1" in trained and "risk-fatal-m1 v1" in trained
    scored = run("score", "--cadence", "month")
    # Every monthly horizon (1, 3, 6); untrained ones are the labelled baseline.
    assert "54 forecasts for issue month 2023-12-01" in scored
    with Store(home / "forecast.duckdb") as store:
        rows = store.read("forecasts")
        promoted = store.read("champions") if store.has_table("champions") else None
    assert set(rows["cadence"]) == {"month"} and set(rows["issue_week"]) == {date(2023, 12, 1)}
    assert promoted is None or set(promoted["cadence"]) == {"month"}
    versions = set(rows["model_version"])
    assert all(v.startswith(("risk-any-m", "risk-fatal-m")) for v in versions)
    assert "risk-any-m6/baseline-logistic" in versions

    written = run("bulletin", "--cadence", "month", "--lang", "en")
    assert "Bulletin 2023-12:" in written
    doc = json.loads((home / "outputs" / "bulletins" / "2023-12" / "bulletin.en.json").read_text())
    assert doc["text"]["title"] == "Monthly violence risk bulletin"
    assert doc["issue_month"] == "2023-12-01" and doc["horizon"] == 3
