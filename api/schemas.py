"""Request and response models: they document the API (OpenAPI) and validate field reports.

Data answers are rendered from precomputed JSON for speed; these models describe exactly
that JSON, and the schemathesis test checks the answers against them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.validation import FIRST_DAY, IsoDay, WholeNumber, latest_incident_day
from forecast.core.servicedb import REPORT_TYPES
from forecast.core.vocab import TARGETS
from forecast.escalation import LABELS

Target = Literal["any", "fatal", "civilians", "abduction"]
CadenceName = Literal["week", "month"]
assert set(Target.__args__) == set(TARGETS)  # type: ignore[attr-defined]
EscalationLabel = Literal["escalating", "usual", "easing"]
assert set(EscalationLabel.__args__) == set(LABELS)  # type: ignore[attr-defined]
ReportType = Literal[tuple(REPORT_TYPES)]  # type: ignore[valid-type]
# Field names "date" would shadow the type inside a class body.
Day = date
Sort = Literal[
    "-probability", "probability", "-change", "change", "district", "-district", "name", "-name"
]


ISSUE_WEEK = "Monday of the ISO week the forecasts are issued for (weekly cadence)"
ISSUE_MONTH = "First day of the month the forecasts are issued for (monthly cadence)"


class Meta(BaseModel):
    """Carried by every data answer. A weekly service (FORECAST_CADENCE=week) answers with
    ``issue_week``; a monthly one with ``issue_month`` instead."""

    model_version: str = Field(
        description="Model versions behind the numbers (comma-joined when several)",
        examples=["risk-any-h4/7", "risk-any-m3/2"],
    )
    data_as_of: date | None = Field(
        description="Latest incident date in the data used (monthly: or the last day of the "
        "latest month the counts hold)"
    )
    stale: bool = Field(description="True when data_as_of is older than the configured age")
    cadence: CadenceName = Field(
        description="The forecast period: week or month (FORECAST_CADENCE)", examples=["week"]
    )
    issue_week: date | None = Field(None, description=ISSUE_WEEK, examples=["2024-06-03"])
    issue_month: date | None = Field(None, description=ISSUE_MONTH, examples=["2025-12-01"])


class Escalation(BaseModel):
    """The expected events against the district's own normal (forecast.escalation)."""

    label: EscalationLabel = Field(
        description="escalating when the ratio reaches FORECAST_ESCALATION_UP, easing when it "
        "falls to FORECAST_ESCALATION_DOWN, usual in between",
        examples=["escalating"],
    )
    ratio: float | None = Field(
        ge=0,
        description="Expected events over the normal, both floored at "
        "FORECAST_ESCALATION_FLOOR (so a calm district's tiny numbers read as usual)",
        examples=[2.8],
    )
    percentile: float | None = Field(
        ge=0,
        le=1,
        description="Share of the district's last 52 counts over the same number of periods "
        "that lie below the expected count (ties half): 0.96 = busier than 96% of the past year",
        examples=[0.96],
    )
    normal: float | None = Field(
        ge=0,
        description="The district's normal: mean of its last 52 counts of events over the "
        "horizon's number of periods",
        examples=[2.5],
    )


INTERVAL_80 = (
    "80% interval [lower, upper] of the count over the horizon: the count falls inside "
    "about 8 times in 10; null when not forecast"
)


INTENSITY_EXAMPLE: dict[str, Any] = {
    "expected_events": 7.2,
    "events_80": [3, 12],
    "expected_fatalities": 15.4,
    "fatalities_80": [4, 40],
    "escalation": {"label": "escalating", "ratio": 2.88, "percentile": 0.962, "normal": 2.5},
}


class Intensity(BaseModel):
    """How many events and deaths to expect over the horizon, beside the probability.

    From the intensity table of the same district, issue period and horizon (every
    target of a row shares them). Null where that table has no row: older stores,
    monthly cadence, intensity disabled (FORECAST_COUNT_TARGETS=[]). Always present.
    """

    expected_events: float | None = Field(
        ge=0,
        description="Expected political-violence events in periods t+1..t+horizon",
        examples=[7.2],
    )
    events_80: list[int] | None = Field(
        min_length=2, max_length=2, description=INTERVAL_80, examples=[[3, 12]]
    )
    expected_fatalities: float | None = Field(
        ge=0,
        description="Expected deaths in political violence in periods t+1..t+horizon",
        examples=[15.4],
    )
    fatalities_80: list[int] | None = Field(
        min_length=2, max_length=2, description=INTERVAL_80, examples=[[4, 40]]
    )
    escalation: Escalation | None = Field(
        description="Expected events against the district's own normal; null without an "
        "events forecast or without a past year to compare with (a new district)",
        examples=[INTENSITY_EXAMPLE["escalation"]],
    )


class ForecastRow(Intensity):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "district_code": "ML0701",
                    "district_name": "Gao",
                    "admin1": "Gao",
                    "country": "MLI",
                    "issue_week": "2024-06-03",
                    "horizon": 4,
                    "target": "any",
                    "probability": 0.42,
                    "band": "high",
                    "previous_probability": 0.37,
                    "change": 0.05,
                    "model_version": "risk-any-h4/7",
                    **INTENSITY_EXAMPLE,
                }
            ]
        }
    )

    district_code: str = Field(examples=["ML0701"])
    district_name: str | None = Field(examples=["Gao"])
    admin1: str | None = Field(examples=["Gao"])
    country: str | None = Field(examples=["MLI"])
    issue_week: date | None = Field(None, description=ISSUE_WEEK)
    issue_month: date | None = Field(None, description=ISSUE_MONTH)
    horizon: int = Field(
        description="Periods ahead (weeks, or months): an event in periods t+1..t+horizon",
        examples=[4],
    )
    target: Target
    probability: float = Field(ge=0, le=1, examples=[0.42])
    band: str = Field(examples=["high"])
    previous_probability: float | None = Field(
        description="Same forecast one period (week, or month) earlier"
    )
    change: float | None = Field(description="probability minus previous_probability")
    model_version: str


class ForecastPage(Meta):
    total: int = Field(description="Rows matching the filters")
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last")
    items: list[ForecastRow]


class Driver(BaseModel):
    feature: str = Field(examples=["events_50km_4w"])
    value: float | int | str | bool | None = Field(examples=[3])
    contribution: float = Field(
        description="Contribution to the log-odds (summed over the merged features)",
        examples=[0.31],
    )
    effect: Literal["raises", "lowers"]
    points: int = Field(
        description="Percentage points the driver moves the probability by (never 0)",
        examples=[12],
    )
    merged: list[str] = Field(
        description="Every feature whose contribution is summed in this driver (the "
        "windows of one subject)",
        examples=[["events_50km_4w", "events_50km_12w"]],
    )
    text: str = Field(examples=["3 attacks within 50 km in the last 4 weeks"])


class DistrictForecast(Intensity):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "horizon": 4,
                    "target": "any",
                    "probability": 0.42,
                    "band": "high",
                    "previous_probability": 0.37,
                    "change": 0.05,
                    "model_version": "risk-any-h4/7",
                    **INTENSITY_EXAMPLE,
                    "drivers": [],
                }
            ]
        }
    )

    horizon: int
    target: Target
    probability: float = Field(ge=0, le=1)
    band: str
    previous_probability: float | None
    change: float | None
    model_version: str
    drivers: list[Driver]


class District(BaseModel):
    code: str
    name: str | None
    admin1: str | None
    country: str | None
    centroid_lat: float | None
    centroid_lon: float | None
    area_km2: float | None
    population: float | None


class Incident(BaseModel):
    event_date: date
    event_type: str
    sub_event_type: str | None
    fatalities: int | None
    location: str | None
    latitude: float | None
    longitude: float | None
    actor1: str | None
    actor2: str | None
    source: str
    source_id: str
    notes: str | None


class EventCounts(BaseModel):
    """Political violence events in the district up to data_as_of."""

    last_4_weeks: int
    last_12_weeks: int
    last_52_weeks: int
    fatalities_last_52_weeks: int


class MonthlyEventCounts(BaseModel):
    """Monthly cadence: political violence events in the district's latest months up to
    data_as_of, from the monthly counts (the events inside their span, the counts after)."""

    last_month: int
    last_3_months: int
    last_12_months: int
    fatalities_last_12_months: int


class DistrictDetail(Meta):
    district: District
    forecasts: list[DistrictForecast]
    event_counts: EventCounts | MonthlyEventCounts
    recent_events: list[Incident]


class HistoryRow(Intensity):
    issue_week: date | None = Field(None, description=ISSUE_WEEK)
    issue_month: date | None = Field(None, description=ISSUE_MONTH)
    horizon: int
    target: Target
    probability: float = Field(ge=0, le=1)
    band: str
    model_version: str
    observed_events: int | None = Field(
        description="Target events in periods t+1..t+horizon (monthly fatal: deaths); null "
        "until that window is over"
    )
    happened: bool | None


class DistrictHistory(Meta):
    district: District
    total: int
    limit: int
    offset: int
    next_offset: int | None
    items: list[HistoryRow]


class Band(BaseModel):
    name: str
    lower: float
    upper: float | None


class Champion(BaseModel):
    target: str
    horizon: int
    cadence: CadenceName = "week"
    model_name: str
    model_version: str
    run_id: str | None
    train_start: date | None
    train_end: date | None
    backtest: dict[str, Any] | None = Field(
        description="{model: {metric: value}, baselines: {name: {metric: value}}}"
    )
    promoted_at: datetime | None


class Served(BaseModel):
    target: str
    horizon: int
    model_version: str = Field(
        description="what wrote the latest week's forecasts of this pair (comma-joined if mixed)"
    )
    by: Literal["champion", "baseline"] = Field(
        description="baseline: no model has passed the gate for this pair yet, so the "
        "logistic history baseline is served (model_version ends in /baseline-logistic)"
    )


class ModelInfo(Meta):
    loaded_at: datetime
    weeks_available: int
    first_week: date
    bands: list[Band]
    champions: list[Champion]
    served: list[Served]


class MapProperties(Intensity):
    """A district's risk for the map's horizon and target, and its intensity (the map
    page's expected-events and escalation layers)."""

    code: str
    name: str | None
    admin1: str | None
    country: str | None
    probability: float | None
    band: str | None
    change: float | None


class MapFeature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any] | None
    properties: MapProperties


class MapCollection(Meta):
    type: Literal["FeatureCollection"]
    horizon: int
    target: Target
    features: list[MapFeature]


class IncidentIn(BaseModel):
    """A field report from a partner organisation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reporter_id": "NGO-GAO-2024-0113",
                    "date": "2024-06-03",
                    "latitude": 16.27,
                    "longitude": -0.04,
                    "type": "kidnapping",
                    "fatalities": 0,
                    "description": "Two staff of a local NGO abducted on the Gao-Ansongo road.",
                }
            ]
        },
    )

    reporter_id: str = Field(
        min_length=1,
        max_length=128,
        strict=True,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
        description="Your own id for the report; sending it again is safe (idempotent)",
    )
    date: IsoDay = Field(
        description=f"Day of the incident, YYYY-MM-DD: not before {FIRST_DAY} nor after "
        "tomorrow (UTC, a day of slack for reporters east of it)",
        # The bounds in the schema (pattern, formatMinimum, formatMaximum) move with the
        # calendar: api.main adds them when it makes the schema (each day).
    )
    latitude: float = Field(ge=-90, le=90, strict=True)
    longitude: float = Field(ge=-180, le=180, strict=True)
    type: ReportType = Field(description="Kind of incident; mapped to the event vocabulary")
    # A whole number, also written 3.0 (JSON Schema's integer); never "3" or 3.5.
    fatalities: WholeNumber = Field(0, ge=0, le=10_000)
    description: str | None = Field(None, max_length=4000, strict=True)

    @field_validator("date")
    @classmethod
    def _not_future(cls, value: Day) -> Day:
        # One day of slack for reporters east of UTC.
        if value > latest_incident_day():
            raise ValueError("date is in the future")
        if value < FIRST_DAY:
            raise ValueError("date is before 1989, older than any source the service uses")
        return value


class IncidentOut(BaseModel):
    id: str = Field(description="source_id of the event it becomes: <key id>:<reporter id>")
    reporter_id: str
    date: Day
    latitude: float
    longitude: float
    type: str
    event_type: str = Field(description="Normalised event type (forecast.core.vocab)")
    fatalities: int
    description: str | None
    received_at: datetime
    created: bool = Field(description="False when this report was already stored")


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    model_version: str
    cadence: CadenceName = "week"
    issue_week: date = Field(description="First day of the latest issue period")
    data_as_of: date | None
    loaded_at: datetime


class Reloaded(Ready):
    previous_model_version: str | None
