"""The one settings object, read once from the environment (prefix ``FORECAST_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the service; override any field with ``FORECAST_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="FORECAST_", env_file=".env", extra="ignore")

    home: Path = Field(Path("var"), description="Folder holding the store, MLflow and outputs.")
    horizons: list[int] = Field([1, 4, 12], description="Forecast horizons in weeks.")
    targets: list[str] = Field(
        ["any", "fatal", "civilians", "abduction"], description="Forecast targets."
    )
    onset_window_weeks: int = Field(52, description="No event this long before t makes an onset.")
    nearest_centroid_max_km: float = Field(
        150.0, description="Farthest a gazetteer-only event may lie from its nearest centroid."
    )
    mlflow_tracking_uri: str | None = Field(
        None, description="MLflow tracking URI; default is SQLite under the home folder."
    )
    gate_metric: str = Field(
        "average_precision", description="Backtest metric the champion gate compares."
    )
    seed: int = Field(20131, description="Seed for the demo world and model fitting.")

    @property
    def db_path(self) -> Path:
        return self.home / "forecast.duckdb"

    @property
    def mlflow_uri(self) -> str:
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.home / 'mlflow.db').resolve()}"

    @property
    def artifact_root(self) -> Path:
        return self.home / "mlartifacts"

    @property
    def outputs(self) -> Path:
        return self.home / "outputs"

    @property
    def drop_folder(self) -> Path:
        return self.home / "drop"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
