"""Issue 15, defect 7: after `forecast train` or `retrain` a version that was not promoted
is followed by what serves instead: the champion it keeps only when there is one, else the
baseline (or nothing) the scoring puts in its place."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow import MlflowClient

from forecast.commands.training import serving_line
from training.tracking import CHAMPION


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> MlflowClient:
    """A registry of this module's own (MLflow's process-wide URI is left alone); each test
    uses its own model names."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('registry') / 'mlflow.db'}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _register(client: MlflowClient, name: str, tmp_path: Path, champion: bool) -> str:
    client.create_registered_model(name)
    version = client.create_model_version(name, source=(tmp_path / "model").as_uri()).version
    if champion:
        client.set_registered_model_alias(name, CHAMPION, version)
    return str(version)


def test_a_previous_champion_is_named_as_still_serving(
    client: MlflowClient, tmp_path: Path
) -> None:
    first = _register(client, "risk-any-h4", tmp_path, champion=True)
    client.create_model_version("risk-any-h4", source=(tmp_path / "model").as_uri())
    assert serving_line(client, "risk-any-h4", fallback=True) == (
        f"risk-any-h4: not promoted; champion v{first} keeps serving"
    )


def test_without_a_champion_the_baseline_serves(client: MlflowClient, tmp_path: Path) -> None:
    _register(client, "risk-any-h1", tmp_path, champion=False)  # only a challenger
    line = serving_line(client, "risk-any-h1", fallback=True)
    assert line == (
        "risk-any-h1: not promoted, and there is no champion to keep: its forecasts come "
        "from the logistic history baseline (risk-any-h1/baseline-logistic)"
    )
    assert "keeps serving" not in line and "previous" not in line


def test_without_a_champion_or_the_fallback_nothing_serves(client: MlflowClient) -> None:
    line = serving_line(client, "risk-fatal-h12", fallback=False)  # not even registered
    assert line.endswith("it is left unscored (FORECAST_BASELINE_FALLBACK=false)")


def test_a_count_model_without_a_champion_serves_no_counts(client: MlflowClient) -> None:
    line = serving_line(client, "count-events-h4", fallback=True)
    assert line.endswith("no champion to keep: no expected counts are served for it")
