"""Static district attributes and the calendar."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from features import geometry
from features.catalogue import FeatureSpec
from features.config import FeatureConfig
from features.context import Context
from forecast.core.countries import ISO3_BY_NUMERIC

STATIC = "static"
CALENDAR = "calendar"
# Mean ISO-year length in weeks (400-year cycle: 20,871 weeks).
WEEKS_PER_YEAR = 20871 / 400
# ISO 3166-1 numeric code per ISO3: the country feature's value (MLI 466, NER 562, BFA 854).
NUMERIC_BY_ISO3 = {iso3: float(code) for code, iso3 in ISO3_BY_NUMERIC.items()}


def specs(config: FeatureConfig) -> list[FeatureSpec]:
    return [
        FeatureSpec(
            "area_km2",
            STATIC,
            "district area",
            "static",
            "districts",
            "null when the district has no polygon",
        ),
        FeatureSpec(
            "population",
            STATIC,
            "district population",
            "static",
            "districts",
            "null when not given",
        ),
        FeatureSpec(
            "n_neighbours",
            STATIC,
            "districts sharing a border (polygons within the tolerance)",
            "static",
            "districts",
            "0 when the district has no polygon",
        ),
        FeatureSpec(
            "border_district",
            STATIC,
            "1 when the polygon touches its country's outline (union of the country's "
            "district polygons), or, without polygon, when the centroid is within "
            f"{config.border_km:g} km of it",
            "static",
            "districts",
            "null when the country has no polygons",
        ),
        FeatureSpec(
            "border_km",
            STATIC,
            "km from the centroid to the country outline (international border)",
            "static",
            "districts",
            "null when the country has no polygons",
        ),
        FeatureSpec(
            "capital_km",
            STATIC,
            "km from the centroid to the country's capital (FeatureConfig.capitals)",
            "static",
            "districts",
            "null when the country has no configured capital",
        ),
        FeatureSpec(
            "country_code",
            STATIC,
            "the district's country as its ISO 3166-1 numeric code (Mali 466, Niger 562, "
            "Burkina Faso 854), so a model pooled over countries can tell them apart; "
            "a plain number, split by the trees like any other (see compute)",
            "static",
            "districts",
            "null when the district has no country or one outside forecast.core.countries",
        ),
        FeatureSpec(
            "week_sin",
            CALENDAR,
            "sin(2π (ISO week - 1) / 52.18)",
            "current week",
            "-",
            "never missing",
        ),
        FeatureSpec(
            "week_cos",
            CALENDAR,
            "cos(2π (ISO week - 1) / 52.18)",
            "current week",
            "-",
            "never missing",
        ),
        FeatureSpec(
            "rainy_season",
            CALENDAR,
            "1 when the week's Thursday falls in a rainy-season month (default June-September)",
            "current week",
            "-",
            "never missing",
        ),
    ]


def compute(ctx: Context) -> Iterator[tuple[str, np.ndarray]]:
    d, config = ctx.districts, ctx.config
    frame = d.frame
    yield "area_km2", frame["area_km2"].cast(float).fill_null(np.nan).to_numpy()[None, :]
    yield "population", frame["population"].cast(float).fill_null(np.nan).to_numpy()[None, :]
    yield "n_neighbours", np.asarray(ctx.neighbours.sum(axis=0)).ravel()[None, :]
    flag, border_km = geometry.border_features(
        ctx.geometries, d.country, d.lat, d.lon, config.neighbour_tolerance_deg, config.border_km
    )
    yield "border_district", flag[None, :]
    yield "border_km", border_km[None, :]
    yield (
        "capital_km",
        geometry.capital_km(d.countries, d.country, d.lat, d.lon, config.capitals)[None, :],
    )
    yield "country_code", country_codes(d.countries, d.country)[None, :]
    iso_week, month = _calendar(ctx.axis.out_weeks)
    angle = 2 * np.pi * (iso_week - 1) / WEEKS_PER_YEAR
    yield "week_sin", np.sin(angle)[:, None]
    yield "week_cos", np.cos(angle)[:, None]
    yield "rainy_season", np.isin(month, config.rainy_months).astype(np.float64)[:, None]


def country_codes(countries: list[str], country: np.ndarray) -> np.ndarray:
    """ISO 3166-1 numeric code of each district's country, NaN when unknown.

    A stable number rather than a categorical index: the code of a country does not change
    when another country is loaded, so a champion's recipe stays valid; with a handful of
    countries two threshold splits isolate any one of them, which is all LightGBM's
    one-vs-rest categorical splits would do for so few categories, without feeding
    categorical handling through calibration, SHAP drivers and the MLflow signature.
    """
    codes = np.array([NUMERIC_BY_ISO3.get(name.upper(), np.nan) for name in countries])
    return codes[country] if codes.size else np.full(country.shape, np.nan)


def _calendar(weeks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ISO week number and month of each week, both taken from the week's Thursday."""
    thursdays = np.datetime64("1970-01-08") + (7 * weeks).astype("timedelta64[D]")
    months = thursdays.astype("datetime64[M]").astype(np.int64) % 12 + 1
    jan1 = thursdays.astype("datetime64[Y]").astype("datetime64[D]")
    iso_week = (thursdays - jan1).astype(np.int64) // 7 + 1
    return iso_week.astype(np.float64), months
