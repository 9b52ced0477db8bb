"""The one settings object, read once from the environment (prefix ``FORECAST_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from forecast.core.bands import DEFAULT_BANDS, check_pairs


class Settings(BaseSettings):
    """Every knob of the service; override any field with ``FORECAST_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="FORECAST_", env_file=".env", extra="ignore")

    home: Path = Field(Path("var"), description="Folder holding the store, MLflow and outputs.")
    cadence: Literal["week", "month"] = Field(
        "week",
        description="Forecast period: ISO weeks, or calendar months (the commands' --cadence "
        "default; the API serves this cadence's forecasts).",
    )
    # None = the cadence's own (1, 4, 12 weeks; 1, 3, 6 months): see horizons_for.
    horizons: list[int] | None = Field(
        None, description="Forecast horizons in periods; default the cadence's."
    )
    targets: list[str] = Field(
        ["any", "fatal", "civilians", "abduction"], description="Forecast targets."
    )
    onset_window_weeks: int = Field(52, description="No event this long before t makes an onset.")
    nearest_centroid_max_km: float = Field(
        150.0, description="Farthest a gazetteer-only event may lie from its nearest centroid."
    )
    mlflow_tracking_uri: str | None = Field(
        None,
        description="MLflow tracking URI; default is SQLite under the home folder.",
        # MLflow's own variable works too, so one setting serves both the job and `mlflow`.
        validation_alias=AliasChoices("FORECAST_MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_URI"),
    )
    gate_metric: str = Field(
        "log_loss", description="Backtest metric the champion gate compares (a proper score)."
    )
    gate_resamples: int = Field(
        1000, ge=500, description="Paired block-bootstrap resamples of the gate's difference."
    )
    gate_confidence: float = Field(
        0.9,
        gt=0.5,
        lt=1.0,
        description="The bootstrap must put the candidate's gain above zero this often.",
    )
    gate_block_weeks: int = Field(
        0, ge=0, description="Issue weeks per bootstrap block; 0 = the horizon (at least 4)."
    )
    countries: list[str] = Field(
        default_factory=list,
        description="ISO3 codes the service forecasts and evaluates; empty = every loaded one.",
    )
    pool_countries: bool = Field(
        True,
        description="Train on every loaded country's districts (pooled); false trains only "
        "on `countries`.",
    )
    seed: int = Field(20131, description="Seed for the demo world and model fitting.")
    counts_max_unmatched: float = Field(
        0.02,
        ge=0.0,
        le=1.0,
        description="Largest share of a counts file's rows (forecast ingest counts) that may "
        "match no district; above it the file is refused.",
    )
    max_input_bytes: int = Field(
        536_870_912,
        ge=1024,
        description="Largest input file a reader accepts, counted after decompression (gzip, "
        "zip) and streamed, so a compression bomb is refused with bounded memory; 512 MiB.",
    )
    future_days_tolerance: int = Field(
        1,
        ge=0,
        description="Dates in input files may be at most this many days after today (UTC), as "
        "field reports may be dated tomorrow; later dates are refused.",
    )
    features_config: Path | None = Field(
        None, description="TOML/JSON feature configuration; default: the built-in one."
    )
    bands: list[tuple[str, float]] = Field(
        default_factory=lambda: list(DEFAULT_BANDS),
        description="Risk bands as (name, lower bound of probability); see forecast.core.bands.",
    )

    # Training (forecast backtest/train/tune/retrain).
    backtest_step: int = Field(52, ge=1, description="Weeks between backtest origins (refits).")
    backtest_years: int = Field(
        3, ge=1, description="Years of issue weeks a backtest predicts by default."
    )
    train_jobs: int = Field(2, ge=1, description="Processes for the (target, horizon) pairs.")
    top_k: int = Field(5, ge=1, description="k of the backtest's top-k precision.")
    calibration_weeks: int = Field(
        52, ge=1, description="Latest weeks held out to calibrate the model's probabilities."
    )
    tune_trials: int = Field(20, ge=1, description="optuna trials per (target, horizon).")
    baseline_fallback: bool = Field(
        True,
        description="Pairs without a champion are scored by the logistic history baseline, "
        "labelled <model>/baseline-logistic (training.fallback); false leaves them unscored.",
    )

    # Intensity (count models) and escalation; see forecast.escalation and docs/INTENSITY.md.
    count_targets: list[Literal["events", "fatalities"]] = Field(
        ["events", "fatalities"],
        description="Count targets trained and scored beside the probabilities (weekly "
        "cadence); empty disables intensity.",
    )
    escalation_up: float = Field(
        1.5,
        gt=1.0,
        description="Expected events at least this many times the district's normal are "
        "'escalating'.",
    )
    escalation_down: float = Field(
        0.67,
        gt=0.0,
        lt=1.0,
        description="Expected events at most this share of the district's normal are 'easing'.",
    )
    escalation_floor: float = Field(
        0.5,
        gt=0.0,
        description="Counts below this many per week of the horizon are read as this when "
        "forming the ratio, so a calm district's tiny changes are 'usual'.",
    )
    top_band_min_weekly_events: float = Field(
        1.0,
        ge=0.0,
        description="The top risk band also needs this many expected events per week of the "
        "horizon; a probable but small threat is one band lower. 0 = probability alone.",
    )

    # Serving (forecast serve, the API).
    host: str = Field("127.0.0.1", description="Address `forecast serve` binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port `forecast serve` binds.")
    workers: int = Field(1, ge=1, description="uvicorn worker processes.")
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
    max_body_bytes: int = Field(
        65_536,
        ge=1024,
        description="Largest request body the API reads (a field report is a few kB); larger "
        "is 413, refused before it is read.",
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
    store_lock_timeout_seconds: float = Field(
        300.0,
        ge=0,
        description="A `forecast` command that writes the store waits this long for another "
        "process to release it, then fails naming that process; 0 fails at once.",
    )

    # The ACLED API (forecast pull acled; forecast retrain pulls first when both are set).
    # SecretStr: masked in reprs, logs and dumps; unwrapped only to build the token request.
    acled_username: SecretStr | None = Field(
        None, description="myACLED account e-mail for the ACLED API (OAuth password grant)."
    )
    acled_password: SecretStr | None = Field(None, description="myACLED account password.")
    acled_base_url: str = Field(
        "https://acleddata.com", description="ACLED API root (a mirror or a test server)."
    )
    acled_revision_days: int = Field(
        60,
        ge=0,
        description="A pull starts this many days before the latest stored ACLED event of each "
        "country, since ACLED revises recent events.",
    )
    acled_countries: list[str] = Field(
        default_factory=list,
        description="ACLED country names pulled when none are given; empty = those of "
        "`countries`, else of the stored districts.",
    )

    @field_validator("bands")
    @classmethod
    def _checked_bands(cls, value: list[tuple[str, float]]) -> list[tuple[str, float]]:
        return check_pairs(value)

    def horizons_for(self, cadence: str | None = None) -> list[int]:
        """The horizons of ``cadence`` (default: this cadence): FORECAST_HORIZONS when set,
        else the cadence's own (1, 4, 12 weeks; 1, 3, 6 months)."""
        from forecast.core.cadence import get

        if self.horizons:
            return list(self.horizons)
        return list(get(cadence or self.cadence).horizons)

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

    @property
    def service_db(self) -> str:
        if self.service_db_url:
            return self.service_db_url
        return f"sqlite:///{(self.home / 'service.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
