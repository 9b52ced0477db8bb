"""The API's own knobs (env prefix ``FORECAST_``), to be merged into ``forecast.settings.Settings``.

Kept apart for now so the web layer can be built beside the rest; every field here has the
same meaning and environment variable it will have once merged.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Lower bounds of the risk bands, lowest first: the same as forecast.scoring.BANDS, which
# wins when importable so the API, the bulletin and the forecasts table agree.
DEFAULT_BANDS: tuple[tuple[str, float], ...] = (
    ("low", 0.0),
    ("elevated", 0.1),
    ("high", 0.3),
    ("very high", 0.6),
)


def default_bands() -> list[tuple[str, float]]:
    """Band names and lower bounds from scoring's thresholds when present, else the defaults."""
    for module_name in ("forecast.bands", "forecast.scoring"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for attr in ("BANDS", "THRESHOLDS"):
            parsed = parse_bands(getattr(module, attr, None))
            if parsed:
                return parsed
    return list(DEFAULT_BANDS)


def parse_bands(value: object) -> list[tuple[str, float]] | None:
    """Lower bounds from {name: lower}, [(name, lower)] or scoring's [(upper, name)]."""
    try:
        items = list(value.items() if isinstance(value, dict) else value)  # type: ignore[union-attr]
    except TypeError:
        return None
    if not items or not all(isinstance(i, tuple | list) and len(i) == 2 for i in items):
        return None
    try:
        if all(isinstance(i[1], str) for i in items):  # (upper bound, name), ascending
            uppers = sorted((float(u), str(n)) for u, n in items)
            lowers = [0.0] + [u for u, _ in uppers[:-1]]
            return [(name, lower) for (_, name), lower in zip(uppers, lowers, strict=True)]
        return sorted(((str(n), float(lower)) for n, lower in items), key=lambda p: p[1])
    except (TypeError, ValueError):
        return None


class ApiSettings(BaseSettings):
    """Serving settings; override any field with ``FORECAST_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="FORECAST_", env_file=".env", extra="ignore")

    home: Path = Field(Path("var"), description="Folder holding the store, MLflow and outputs.")
    host: str = Field("127.0.0.1", description="Address `forecast serve` binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port `forecast serve` binds.")
    workers: int = Field(1, ge=1, description="uvicorn worker processes.")
    bands: list[tuple[str, float]] = Field(
        default_factory=default_bands,
        description="Risk bands as (name, lower bound of probability), lowest first.",
    )
    stale_after_days: int = Field(
        21, ge=0, description="Answers say stale when data_as_of is older than this many days."
    )
    rate_limit_per_minute: int = Field(
        600, ge=1, description="Requests per minute per API key (token bucket, per worker)."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS; empty disables CORS."
    )
    reload_poll_seconds: float = Field(
        30.0, ge=0, description="Check the store for a new champion this often; 0 disables."
    )
    key_cache_seconds: float = Field(
        10.0, ge=0, description="API keys are re-read this often, so revocation takes effect."
    )
    recent_events: int = Field(
        20, ge=0, le=500, description="Incidents listed per district by /v1/districts/{code}."
    )
    service_db_url: str | None = Field(
        None, description="SQLAlchemy URL of the service DB (keys, field reports)."
    )
    store_lock_retries: int = Field(
        20, ge=1, description="Tries to open the store read-only while a writer holds it."
    )

    @field_validator("bands")
    @classmethod
    def _sorted_bands(cls, value: list[tuple[str, float]]) -> list[tuple[str, float]]:
        ordered = sorted(value, key=lambda p: p[1])
        if not ordered or ordered[0][1] > 0.0:
            raise ValueError("the lowest band must start at probability 0")
        return ordered

    @property
    def db_path(self) -> Path:
        return self.home / "forecast.duckdb"

    @property
    def service_db(self) -> str:
        if self.service_db_url:
            return self.service_db_url
        return f"sqlite:///{(self.home / 'service.db').resolve()}"


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    """The process-wide API settings, read once."""
    return ApiSettings()
