"""Fixtures: a small store in tmp_path, an app on it, and keys of each scope."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import create_app
from forecast.core import servicedb
from forecast.core.settings import Settings
from tests.api.world import write_store

# Bands the hand-computed expectations use (pinned, not the configurable defaults).
TEST_BANDS = [("low", 0.0), ("elevated", 0.1), ("high", 0.25), ("very_high", 0.5)]


@pytest.fixture
def api_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store written once; tests get a copy (writing a DuckDB file takes a while)."""
    return write_store(tmp_path_factory.mktemp("world") / "forecast.duckdb")


@pytest.fixture
def world(api_home: Path, world_template: Path) -> Path:
    return Path(shutil.copy(world_template, api_home / "forecast.duckdb"))


def make_settings(home: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "home": home,
        "reload_poll_seconds": 0,
        "rate_limit_per_minute": 100_000,
        "bands": TEST_BANDS,
        "stale_after_days": 21,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(world: Path, api_home: Path) -> Settings:
    return make_settings(api_home)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def tokens(app: FastAPI) -> dict[str, str]:
    """A token per scope set: read, report, admin and read+report."""
    engine = app.state.engine
    return {
        name: servicedb.create_key(engine, f"{name}-key", scopes)[1]
        for name, scopes in {
            "read": ["read"],
            "report": ["report"],
            "admin": ["admin"],
            "field": ["read", "report"],
        }.items()
    }


@pytest.fixture
def reader(tokens: dict[str, str]) -> dict[str, str]:
    return {"X-API-Key": tokens["read"]}


@pytest.fixture(scope="session")
def shared(
    world_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """One app for the read-only tests (building an app per test is most of their time)."""
    home = tmp_path_factory.mktemp("shared")
    shutil.copy(world_template, home / "forecast.duckdb")
    shared_app = create_app(make_settings(home))
    engine = shared_app.state.engine
    token = servicedb.create_key(engine, "shared-read", ["read"])[1]
    with TestClient(shared_app) as test_client:
        yield test_client, {"read": token}
