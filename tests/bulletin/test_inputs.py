"""Defect 4 of issue 15: the footer claims only the inputs the store holds, and says which
model served the rows (a champion, or the logistic history baseline that uses events alone)."""

from __future__ import annotations

from datetime import date
from html import unescape
from pathlib import Path

import polars as pl
import pytest

from forecast.bulletin.publish import publish
from forecast.core.schema import DEPLOYMENTS, DISTRICTS, EVENTS, PARTNER_PRESENCE
from forecast.core.store import Store
from tests.bulletin import world

FOLDER = ("bulletins", "2025-W24")


def _deployments() -> pl.DataFrame:
    return DEPLOYMENTS.conform(
        pl.DataFrame(
            {
                "deployment_id": ["b1", "b2"],
                "name": ["Camp A", "Camp B"],
                "force": ["FAMa", "FAMa"],
                "start_date": [date(2020, 1, 1)] * 2,
            }
        )
    )


def _partners() -> pl.DataFrame:
    return PARTNER_PRESENCE.conform(
        pl.DataFrame(
            {
                "presence_id": ["p1", "p2"],
                "name": ["Gao", "Menaka"],
                "partner": ["un", "russia_wagner"],
                "start_date": [date(2021, 1, 1)] * 2,
            }
        )
    )


def _footer(
    tmp: Path, *, baseline: bool = False, presence: bool = False, source: str = "acled"
) -> dict[str, str]:
    forecasts = world.forecasts()
    if baseline:
        forecasts = forecasts.with_columns(
            model_version=pl.format("risk-{}-h{}/baseline-logistic", "target", "horizon")
        )
    with Store(tmp / "forecast.duckdb") as store:
        with store.transaction():
            store.upsert(DISTRICTS, world.districts())
            store.upsert(EVENTS, world.events().with_columns(source=pl.lit(source)))
            if presence:
                store.upsert(DEPLOYMENTS, _deployments())
                store.upsert(PARTNER_PRESENCE, _partners())
        store.replace("forecasts", forecasts)
        store.replace("champions", world.champions())
        publish(store, tmp / "out", world.WEEK, ["en", "fr"], today=world.WEEK, stale_after_days=21)
    folder = tmp.joinpath("out", *FOLDER)
    out = {}
    for lang in ("en", "fr"):
        md = (folder / f"bulletin.{lang}.md").read_text()
        html = unescape((folder / f"bulletin.{lang}.html").read_text())
        out[lang] = md[md.rindex("---") :]
        assert out[lang].split("\n\n")[-2] in html  # the same method line in the HTML
    return out


def test_no_deployments_or_partners_loaded_are_not_claimed(tmp_path: Path) -> None:
    footer = _footer(tmp_path)
    en, fr = footer["en"], footer["fr"]
    assert (
        "The forecasts of the map and lists (political violence, next 4 weeks) come from a "
        "machine-learning model trained on incidents from ACLED. Not loaded, hence not used: "
        "troop deployments and partner-force sites."
    ) in en
    assert "national troop deployments" not in en and "foreign partner-force" not in en
    assert "Non chargés, donc non utilisés : déploiements de troupes et sites des forces" in fr
    assert "UCDP" not in en + fr  # only the sources the store holds


def test_loaded_inputs_are_named(tmp_path: Path) -> None:
    en = _footer(tmp_path, presence=True)["en"]
    assert (
        "trained on incidents from ACLED, national troop deployments (2 positions) and "
        "foreign partner-force sites (UN, Wagner)."
    ) in en
    assert "Not loaded" not in en


@pytest.mark.parametrize("presence", [False, True])
def test_a_baseline_served_bulletin_claims_no_model_inputs(tmp_path: Path, presence: bool) -> None:
    footer = _footer(tmp_path, baseline=True, presence=presence)
    en, fr = footer["en"], footer["fr"]
    assert (
        "come from the logistic history baseline: a logistic regression on each district's own "
        "past events (ACLED); troop deployments and partner forces play no part in them."
    ) in en
    assert "machine-learning" not in en and "apprentissage automatique" not in fr
    assert "la référence logistique sur l’historique" in fr  # noqa: RUF001


def test_the_source_is_the_stores(tmp_path: Path) -> None:
    en = _footer(tmp_path, source="ucdp")["en"]
    assert "trained on incidents from UCDP GED." in en and "ACLED" not in en


def test_a_kidnapping_pair_served_otherwise_says_so(tmp_path: Path) -> None:
    """The world's abduction rows are a champion's too; with the main pair on the baseline,
    each list says which model made it."""
    forecasts = world.forecasts().with_columns(
        model_version=pl.when(pl.col("target") == "any")
        .then(pl.lit("risk-any-h4/baseline-logistic"))
        .otherwise(pl.col("model_version"))
    )
    with Store(tmp_path / "forecast.duckdb") as store:
        with store.transaction():
            store.upsert(DISTRICTS, world.districts())
            store.upsert(EVENTS, world.events())
        store.replace("forecasts", forecasts)
        publish(store, tmp_path / "out", world.WEEK, ["en"], today=world.WEEK, stale_after_days=21)
    md = tmp_path.joinpath("out", *FOLDER, "bulletin.en.md").read_text()
    assert "(political violence, next 4 weeks) come from the logistic history baseline" in md
    assert "The kidnapping forecasts come from a machine-learning model trained on" in md
