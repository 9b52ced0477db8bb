"""Issue 15, defect 7: a failed load says "still serving the previous one" only when there is
one; before the first load it says that nothing is served and what the routes answer."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import structlog

from api.snapshot import NotReadyError, SnapshotHolder


def _failing() -> Any:
    raise NotReadyError("the store has no forecasts yet")


def _warnings(holder: SnapshotHolder) -> list[dict[str, Any]]:
    with structlog.testing.capture_logs() as logs, pytest.raises(NotReadyError):
        holder.reload()
    return [entry for entry in logs if entry["log_level"] == "warning"]


def test_a_first_load_that_fails_does_not_claim_a_previous_snapshot() -> None:
    [warning] = _warnings(SnapshotHolder(_failing))
    assert "previous" not in warning["event"]
    assert "nothing is served yet" in warning["event"]
    assert "503" in warning["event"]
    assert warning["error"] == "the store has no forecasts yet"
    assert "serving" not in warning


def test_a_reload_that_fails_names_the_snapshot_still_served() -> None:
    holder = SnapshotHolder(_failing)
    holder.swap(SimpleNamespace(model_version="risk-any-h4/3"))  # type: ignore[arg-type]
    [warning] = _warnings(holder)
    assert warning["event"] == "snapshot reload failed; still serving the previous one"
    assert warning["serving"] == "risk-any-h4/3"
    assert holder.current.model_version == "risk-any-h4/3"
