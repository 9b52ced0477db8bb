"""Every test here runs the commands in-process: the variables they read or set are put
back as they were, set or not (MLflow exports the tracking URI a command sets, and a later
test's settings would read it)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

ISOLATED = (
    "FORECAST_ACLED_USERNAME",
    "FORECAST_ACLED_PASSWORD",
    "FORECAST_MLFLOW_TRACKING_URI",
    "MLFLOW_TRACKING_URI",
    "FORECAST_SERVICE_DB_URL",
)


@pytest.fixture(autouse=True)
def isolated() -> Iterator[None]:
    """No ACLED login; MLflow and the service DB in each test's home."""
    before = {name: os.environ.pop(name, None) for name in ISOLATED}
    try:
        yield
    finally:
        for name, value in before.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value
