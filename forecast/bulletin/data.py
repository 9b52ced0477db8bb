"""What the bulletin says, as pure functions over frames: no files, no store, no words.

Every function takes polars frames shaped like the ``forecasts``, ``districts``, ``events``
and ``champions`` tables (``forecast.core.schema``) and returns frames or plain values; the
renderer turns them into words in a language. A "week" is the Monday of an ISO week.

At monthly cadence (``Options.cadence == "month"``) the periods are months (a "week" is
then a month's first day) and ``events`` is the monthly counts table of
``features.monthly_counts`` (``district_code, month, events, fatalities``): what happened is
read from it, ``any`` as events and ``fatal`` as deaths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

from forecast.core.bands import Bands, band_expr, load_bands
from forecast.core.cadence import Cadence
from forecast.core.cadence import get as get_cadence
from forecast.core.freshness import days_behind, is_stale
from forecast.core.targets import target_expressions
from forecast.explain import finite_number
from forecast.intensity import combine_bands
from training.served import is_fallback

WEEK = timedelta(days=7)
# Metrics read from the champion's backtest for the one-line skill summary, best first.
SKILL_METRICS: tuple[str, ...] = ("average_precision", "brier_skill", "roc_auc", "brier")
LOWER_IS_BETTER = frozenset({"brier", "log_loss", "ece"})

RISK_COLUMNS = (
    "code",
    "name",
    "admin1",
    "probability",
    "band",
    "band_index",
    "high",
    "previous",
    "previous_high",
    "change",
    "top_drivers",
)


@dataclass(frozen=True)
class Options:
    """Which forecasts the bulletin shows and how many of each list."""

    horizon: int = 4
    target: str = "any"
    kidnap_target: str = "abduction"
    verify_horizon: int = 1
    top_n: int = 10
    risers_n: int = 5
    kidnap_n: int = 5
    min_rise: float = 0.05  # probability points a riser must gain
    quiet_weeks: int = 52  # "no violence in the past year", in periods of the cadence
    notes_max: int = 8  # district paragraphs
    list_max: int = 12  # names listed under hits, misses, false alarms
    cadence: str = "week"  # or "month": the periods of the forecasts shown
    escalating_n: int = 8  # districts in the escalating section at most
    escalating_min: int = 4  # when fewer escalate, the next highest ratios fill up to this

    @classmethod
    def for_cadence(cls, cadence: str, **values: object) -> Options:
        """Options with the cadence's defaults: the bulletin horizon (4 weeks, 3 months) and
        a year of quiet periods (52 weeks, 12 months); ``values`` override them."""
        cad = get_cadence(cadence)
        defaults: dict[str, object] = {
            "horizon": cad.bulletin_horizon,
            "quiet_weeks": cad.periods_per_year,
            "cadence": cad.name,
        }
        given = {k: v for k, v in values.items() if v is not None}
        return cls(**{**defaults, **given})  # type: ignore[arg-type]

    @property
    def period(self) -> Cadence:
        return get_cadence(self.cadence)


def target_events(events: pl.DataFrame, target: str) -> pl.DataFrame:
    """Events that count toward a forecast target (the rule training's labels use)."""
    rule = target_expressions()[target]
    return events.filter(rule & pl.col("district_code").is_not_null())


def districts_with_events(
    events: pl.DataFrame, target: str, first_day: date, last_day: date
) -> pl.Series:
    """Codes of districts with at least one target event between the two days (inclusive).

    ``events`` may be the monthly counts (a ``month`` column): then a district-month counts
    when its month lies between the days' months and it had events (``any``) or deaths
    (``fatal``); other targets have no counts, hence no district.
    """
    if "month" in events.columns:
        column = {"any": "events", "fatal": "fatalities"}.get(target)
        if column is None:
            return pl.Series("district_code", [], dtype=pl.Utf8)
        first, last = first_day.replace(day=1), last_day.replace(day=1)
        hit = events.filter(pl.col("month").is_between(first, last) & (pl.col(column) > 0))
        return hit.get_column("district_code").unique().sort()
    hit = target_events(events, target).filter(pl.col("event_date").is_between(first_day, last_day))
    return hit.get_column("district_code").unique().sort()


def band_indices(frame: pl.DataFrame, bands: Bands, prob: str, band: str) -> pl.Expr:
    """Index of each row's band: from its name, or from its probability when unknown."""
    names = {name: i for i, name in enumerate(bands.names)}
    from_name = (
        pl.col(band)
        .str.to_lowercase()
        .str.replace_all(r"[\s-]", "_")
        .replace_strict(names, default=None, return_dtype=pl.Int32)
    )
    from_prob = band_expr(pl.col(prob), bands).replace_strict(names, return_dtype=pl.Int32)
    return pl.coalesce(from_name, from_prob)


def risk_table(
    forecasts: pl.DataFrame,
    districts: pl.DataFrame,
    week: date,
    horizon: int,
    target: str,
    bands: Bands | None = None,
    cadence: str = "week",
    intensity: pl.DataFrame | None = None,
    min_weekly_events: float = 0.0,
) -> pl.DataFrame:
    """This period's risk per district with the previous period's probability and the change.

    Columns: :data:`RISK_COLUMNS`, sorted by probability (highest first) then name.
    ``previous`` and ``change`` are null where the district had no forecast last week.

    The band is the API's (api.snapshot.prepare_forecasts): the probability, as shown to
    four decimals, on ``bands``, and the top band only where ``intensity`` expects
    ``min_weekly_events`` a week of the horizon (forecast.intensity.combine_bands); so the
    bulletin and the API never disagree on a district's band, whatever band was stored.
    """
    bands = bands or load_bands()

    def one_week(day: date) -> pl.DataFrame:
        rows = forecasts.filter(
            (pl.col("issue_week") == day)
            & (pl.col("horizon") == horizon)
            & (pl.col("target") == target)
        )
        rows = rows.with_columns(
            band_expr(pl.col("probability").round(4), bands).cast(pl.Utf8).alias("band")
        )
        if intensity is not None and min_weekly_events > 0:
            columns = rows.columns
            given = (
                pl.col("cadence").fill_null(cadence) if "cadence" in columns else pl.lit(cadence)
            )
            with_cadence = rows.with_columns(given.alias("cadence"))
            rows = combine_bands(with_cadence, intensity, bands, min_weekly_events).select(columns)
        return rows.with_columns(
            band_indices(rows, bands, "probability", "band").alias("band_index")
        )

    now = one_week(week)
    before = one_week(get_cadence(cadence).shift(week, -1)).select(
        pl.col("district_code"),
        pl.col("probability").alias("previous"),
        (pl.col("band_index") >= bands.high_from).alias("previous_high"),
    )
    names = districts.select(
        pl.col("code").alias("district_code"), pl.col("name"), pl.col("admin1")
    )
    return (
        now.join(before, on="district_code", how="left")
        .join(names, on="district_code", how="left")
        .select(
            pl.col("district_code").alias("code"),
            pl.coalesce("name", "district_code").alias("name"),
            pl.col("admin1"),
            pl.col("probability"),
            pl.col("band"),
            pl.col("band_index"),
            (pl.col("band_index") >= bands.high_from).alias("high"),
            pl.col("previous"),
            pl.col("previous_high"),
            (pl.col("probability") - pl.col("previous")).alias("change"),
            pl.col("top_drivers"),
        )
        .sort(["probability", "name"], descending=[True, False])
    )


def top_districts(risk: pl.DataFrame, n: int = 10) -> pl.DataFrame:
    """The ``n`` highest probabilities (ties broken by name)."""
    return risk.sort(["probability", "name"], descending=[True, False]).head(n)


def risers(risk: pl.DataFrame, n: int = 5, min_rise: float = 0.05) -> pl.DataFrame:
    """The ``n`` biggest rises since last week, each at least ``min_rise``."""
    return (
        risk.filter(pl.col("change") >= min_rise - 1e-12)
        .sort(["change", "name"], descending=[True, False])
        .head(n)
    )


def new_high_areas(
    risk: pl.DataFrame,
    events: pl.DataFrame,
    week: date,
    quiet_weeks: int = 52,
    cadence: str = "week",
) -> pl.DataFrame:
    """Districts newly in a high band with no political violence in the past year.

    "Newly" means not high last period (or not forecast then); "the past year" is the
    ``quiet_weeks`` periods up to and including this one, the data the forecast saw.
    """
    period = get_cadence(cadence)
    first = period.shift(week, -(quiet_weeks - 1))
    violent = districts_with_events(events, "any", first, period.last_day(week))
    return risk.filter(
        pl.col("high")
        & ~pl.col("previous_high").fill_null(False)
        & ~pl.col("code").is_in(violent.implode())
    ).sort(["probability", "name"], descending=[True, False])


def entered_high(risk: pl.DataFrame) -> pl.DataFrame:
    """Districts in a high band this period that were not last period (or had no forecast
    then), highest first."""
    return risk.filter(pl.col("high") & ~pl.col("previous_high").fill_null(False)).sort(
        ["probability", "name"], descending=[True, False]
    )


def left_high(risk: pl.DataFrame) -> pl.DataFrame:
    """Districts in a high band last period that are not this period, largest fall first."""
    return risk.filter(~pl.col("high") & pl.col("previous_high").fill_null(False)).sort(
        ["change", "name"]
    )


@dataclass(frozen=True)
class Verification:
    """Last week's forecasts against what happened in the weeks they covered."""

    issued: date
    horizon: int
    target: str
    start: date  # first day of the covered window
    end: date  # last day of the covered window
    complete: bool  # the store's events reach the window's end
    hits: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    quiet: int = 0
    forecasts: int = 0


def verify(
    forecasts: pl.DataFrame,
    districts: pl.DataFrame,
    events: pl.DataFrame,
    week: date,
    *,
    horizon: int = 1,
    target: str = "any",
    data_as_of: date | None = None,
    bands: Bands | None = None,
    cadence: str = "week",
) -> Verification | None:
    """Hits, misses and false alarms of the forecasts issued ``horizon`` periods before
    ``week``.

    A forecast issued at t covers periods t+1 .. t+h, so issuing at ``week - h`` makes the
    window end with ``week``, the latest period the data covers. Warned = a high band.
    None when no such forecasts exist.
    """
    period = get_cadence(cadence)
    issued = period.shift(week, -horizon)
    start = period.shift(issued, 1)
    end = period.last_day(week)
    risk = risk_table(forecasts, districts, issued, horizon, target, bands, cadence)
    if risk.is_empty():
        return None
    happened = districts_with_events(events, target, start, end)
    scored = risk.with_columns(pl.col("code").is_in(happened.implode()).alias("happened"))

    def names(expr: pl.Expr) -> list[str]:
        return scored.filter(expr).get_column("name").to_list()

    warned, hit = pl.col("high"), pl.col("happened")
    return Verification(
        issued=issued,
        horizon=horizon,
        target=target,
        start=start,
        end=end,
        complete=data_as_of is None or data_as_of >= end,
        hits=names(warned & hit),
        misses=names(~warned & hit),
        false_alarms=names(warned & ~hit),
        quiet=scored.filter(~warned & ~hit).height,
        forecasts=scored.height,
    )


@dataclass(frozen=True)
class Skill:
    """The champion's backtest on one metric beside its best baseline."""

    metric: str
    value: float
    baseline: str | None
    baseline_value: float | None


def backtest_skill(
    backtest: str | dict | None, metrics: tuple[str, ...] = SKILL_METRICS
) -> Skill | None:
    """The first metric of ``metrics`` the backtest holds, with the best baseline's value."""
    if not backtest:
        return None
    data = json.loads(backtest) if isinstance(backtest, str) else backtest
    model = data.get("model") or {}
    baselines = data.get("baselines") or {}
    for metric in metrics:
        value = finite_number(model.get(metric))
        if value is None:
            continue
        scored = [
            (name, v)
            for name, values in baselines.items()
            if (v := finite_number((values or {}).get(metric))) is not None
        ]
        if not scored:
            return Skill(metric, value, None, None)
        pick = min if metric in LOWER_IS_BETTER else max
        name, best = pick(scored, key=lambda pair: pair[1])
        return Skill(metric, value, name, best)
    return None


def champion_row(champions: pl.DataFrame, target: str, horizon: int) -> dict[str, Any] | None:
    rows = champions.filter((pl.col("target") == target) & (pl.col("horizon") == horizon))
    return rows.row(0, named=True) if rows.height else None


def iso_week_label(week: date) -> str:
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"


def parse_period(text: str, cadence: str = "week") -> date:
    """The first day of a period: :func:`parse_week` at weekly cadence; at monthly, of
    ``2025-06`` or of the month holding ``2025-06-04``."""
    if get_cadence(cadence).name == "week":
        return parse_week(text)
    cleaned = text.strip()
    if len(cleaned) == 7:  # YYYY-MM
        year, _, month = cleaned.partition("-")
        return date(int(year), int(month), 1)
    return date.fromisoformat(cleaned).replace(day=1)


def parse_week(text: str) -> date:
    """The Monday of ``2025-W23``, ``2025W23`` or of the ISO week holding ``2025-06-04``."""
    cleaned = text.strip().upper().replace("W-", "W")
    if "W" in cleaned:
        year, _, number = cleaned.partition("W")
        return date.fromisocalendar(int(year.rstrip("-")), int(number), 1)
    day = date.fromisoformat(cleaned)
    return day - timedelta(days=day.weekday())


ESCALATING_COLUMNS = (
    "code",
    "name",
    "admin1",
    "label",
    "escalating",
    "ratio",
    "percentile",
    "normal",
    "expected",
    "lower80",
    "upper80",
    "lower95",
    "upper95",
    "fatalities_expected",
    "fatalities_lower80",
    "fatalities_upper80",
    "fatalities_lower95",
    "fatalities_upper95",
    "fatalities_normal",
)


def escalating(
    intensity: pl.DataFrame,
    districts: pl.DataFrame,
    week: date,
    horizon: int,
    n: int = 8,
    fill: int = 4,
) -> pl.DataFrame:
    """The districts labelled ``escalating`` at ``horizon``, at most ``n``, the most
    expected events above their normal first; when fewer than ``fill`` are, the next
    highest ratios up to ``fill`` (their ``escalating`` is false), so the section still
    shows where counts run above normal.

    Escalating districts are ranked by excess (expected minus normal), not by ratio: the
    ratio floors both counts (forecast.escalation), so a calm district expecting 1.3 events
    against 0.5 reads 2.6 times its normal and would push out one expecting 4.5 against
    2.5, two more events to plan for.

    ``intensity`` has the intensity table's columns (forecast.core.schema.INTENSITY); the
    escalation and normal are the ``events`` row's, the ``fatalities_*`` columns that
    target's (null without a fatalities row). Columns: :data:`ESCALATING_COLUMNS`.
    """
    rows = intensity.filter((pl.col("issue_week") == week) & (pl.col("horizon") == horizon))
    rows = rows.with_columns(pl.col("expected", "normal", "ratio", "percentile").fill_nan(None))
    keep = ["district_code", "expected", "lower80", "upper80", "lower95", "upper95", "normal"]
    events = rows.filter(pl.col("target") == "events").unique("district_code", keep="last")
    deaths = (
        rows.filter(pl.col("target") == "fatalities")
        .unique("district_code", keep="last")
        .select(keep)
        .rename({c: f"fatalities_{c}" for c in keep[1:]})
    )
    names = districts.select(pl.col("code").alias("district_code"), "name", "admin1")
    ranked = (
        events.join(deaths, on="district_code", how="left")
        .join(names, on="district_code", how="left")
        .filter(pl.col("ratio").is_not_null())
        .with_columns(
            pl.coalesce("name", "district_code").alias("name"),
            pl.col("escalation").alias("label"),
            (pl.col("escalation") == "escalating").alias("escalating"),
        )
        .with_columns(
            # the rank within each group: excess for the escalating, ratio for the fill
            pl.when(pl.col("escalating"))
            .then(pl.col("expected") - pl.col("normal"))
            .otherwise(pl.col("ratio"))
            .alias("_rank")
        )
        .sort(["escalating", "_rank", "ratio", "name"], descending=[True, True, True, False])
    )
    count = int(ranked.get_column("escalating").sum())
    shown = ranked.head(max(min(count, n), min(fill, n)))
    return shown.select(pl.col("district_code").alias("code"), *ESCALATING_COLUMNS[1:])


@dataclass(frozen=True)
class Holdings:
    """What the store holds that a model could learn from: the footer claims no input
    beyond these (forecast.bulletin.load.holdings reads them)."""

    event_sources: dict[str, int] = field(default_factory=dict)  # source -> events stored
    deployments: int = 0  # national force positions
    partners: dict[str, int] = field(default_factory=dict)  # partner kind -> sites
    counts: int = 0  # rows of ACLED's admin-2 monthly counts
    target_events: dict[str, int] = field(default_factory=dict)  # target -> events counting

    def has_data(self, target: str) -> bool:
        """Whether the sources hold anything a forecast of ``target`` could learn from
        (ACLED's monthly counts have events and deaths, so ``any`` and ``fatal``)."""
        if self.counts and target in ("any", "fatal"):
            return True
        return self.target_events.get(target, 0) > 0


def served_by(forecasts: pl.DataFrame, week: date, horizon: int, target: str) -> str | None:
    """Who made one pair's forecasts of the week: "champion", "baseline" (the logistic
    history stand-in, forecast.scoring.is_fallback) or None without rows."""
    rows = forecasts.filter(
        (pl.col("issue_week") == week)
        & (pl.col("horizon") == horizon)
        & (pl.col("target") == target)
    )
    versions = rows.get_column("model_version").drop_nulls().unique().to_list()
    if not versions:
        return None
    return "baseline" if all(is_fallback(v) for v in versions) else "champion"


@dataclass(frozen=True)
class Freshness:
    """How old the bulletin's data were when it was made, by the API's rule
    (forecast.core.freshness): ``stale`` opens every format with a warning."""

    data_as_of: date | None
    today: date
    stale_after_days: int
    days_behind: int | None
    stale: bool


def freshness(data_as_of: date | None, today: date, stale_after_days: int) -> Freshness:
    return Freshness(
        data_as_of,
        today,
        stale_after_days,
        days_behind(data_as_of, today),
        is_stale(data_as_of, today, stale_after_days),
    )


@dataclass(frozen=True)
class BulletinData:
    """Everything the bulletin shows, before words."""

    week: date
    options: Options
    bands: Bands
    countries: list[str]
    data_as_of: date | None
    model_version: str | None
    skill: Skill | None
    risk: pl.DataFrame  # every district, this week, main horizon and target
    top: pl.DataFrame
    risers: pl.DataFrame
    new_areas: pl.DataFrame
    kidnapping: pl.DataFrame
    notes: pl.DataFrame  # highlighted districts, in the order their paragraphs appear
    high_before: int | None  # high districts last week (None without last week's forecasts)
    verification: Verification | None
    # :func:`escalating` at the bulletin's horizon; None when intensity is not available
    # (no intensity table, none for this period and horizon, e.g. at monthly cadence).
    escalating: pl.DataFrame | None = None
    # None when the bulletin was assembled without a clock (then no staleness is claimed).
    freshness: Freshness | None = None
    # What the store holds; None when not read (then the footer names no inputs).
    holdings: Holdings | None = None
    # served_by() of the main pair and of the kidnapping pair.
    served: dict[str, str | None] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The period's folder and name: 2025-W23, or 2025-06 at monthly cadence."""
        return self.options.period.label(self.week)


def highlighted(
    top: pl.DataFrame, risen: pl.DataFrame, new: pl.DataFrame, limit: int
) -> pl.DataFrame:
    """New areas first, then the top districts, then risers; each district once."""
    stacked = pl.concat([new.head(limit), top.head(5), risen], how="vertical_relaxed")
    return stacked.unique(subset="code", keep="first", maintain_order=True).head(limit)


def assemble(
    forecasts: pl.DataFrame,
    districts: pl.DataFrame,
    events: pl.DataFrame,
    champions: pl.DataFrame,
    week: date,
    options: Options | None = None,
    bands: Bands | None = None,
    intensity: pl.DataFrame | None = None,
    *,
    today: date | None = None,
    stale_after_days: int | None = None,
    holdings: Holdings | None = None,
    min_weekly_events: float | None = None,
) -> BulletinData:
    """The bulletin of ``week`` from the four tables (frames shaped as in forecast.core.schema)
    and, when the store has it, the intensity table (None: not available).

    With ``today`` and ``stale_after_days`` (FORECAST_STALE_AFTER_DAYS) the data's age is
    judged by the API's rule (:class:`Freshness`)."""
    options = options or Options()
    bands = bands or load_bands()
    main = (forecasts.get_column("issue_week") == week) & (
        forecasts.get_column("target") == options.target
    )
    this_week = forecasts.filter(main & (pl.col("horizon") == options.horizon))
    if this_week.is_empty():
        raise LookupError(
            f"no forecasts for the {options.period.unit} of {week} (horizon "
            f"{options.horizon}, target {options.target})"
        )
    cadence = options.cadence
    if min_weekly_events is None:
        from forecast.core.settings import get_settings

        min_weekly_events = get_settings().top_band_min_weekly_events
    risk = risk_table(
        forecasts,
        districts,
        week,
        options.horizon,
        options.target,
        bands,
        cadence,
        intensity=intensity,
        min_weekly_events=min_weekly_events,
    )
    top = top_districts(risk, options.top_n)
    risen = risers(risk, options.risers_n, options.min_rise)
    new = new_high_areas(risk, events, week, options.quiet_weeks, cadence)
    kidnap = top_districts(
        risk_table(
            forecasts,
            districts,
            week,
            options.horizon,
            options.kidnap_target,
            bands,
            cadence,
            intensity=intensity,
            min_weekly_events=min_weekly_events,
        ),
        options.kidnap_n,
    )
    # Scoring may leave data_as_of out; the newest event the bulletin sees stands in for it.
    data_as_of = this_week.get_column("data_as_of").max() or _newest(events, options.period)
    version = this_week.get_column("model_version").drop_nulls().mode().sort().to_list()
    champion = champion_row(champions, options.target, options.horizon)
    countries = (
        districts.filter(pl.col("code").is_in(risk.get_column("code").implode()))
        .get_column("country")
        .drop_nulls()
        .unique()
        .sort()
        .to_list()
    )
    had_before = risk.get_column("previous").is_not_null().any()
    return BulletinData(
        week=week,
        options=options,
        bands=bands,
        countries=countries,
        data_as_of=data_as_of,  # type: ignore[arg-type]
        model_version=version[0] if version else None,
        skill=backtest_skill(champion.get("backtest")) if champion else None,
        risk=risk,
        top=top,
        risers=risen,
        new_areas=new,
        kidnapping=kidnap,
        notes=highlighted(top, risen, new, options.notes_max),
        high_before=int(risk.get_column("previous_high").sum()) if had_before else None,
        verification=verify(
            forecasts,
            districts,
            events,
            week,
            horizon=options.verify_horizon,
            target=options.target,
            data_as_of=data_as_of,  # type: ignore[arg-type]
            bands=bands,
            cadence=cadence,
        ),
        escalating=_escalating(intensity, districts, week, options),
        freshness=None
        if today is None or stale_after_days is None
        else freshness(data_as_of, today, stale_after_days),  # type: ignore[arg-type]
        holdings=holdings,
        served={
            "main": served_by(forecasts, week, options.horizon, options.target),
            "kidnap": served_by(forecasts, week, options.horizon, options.kidnap_target),
        },
    )


def _escalating(
    intensity: pl.DataFrame | None, districts: pl.DataFrame, week: date, options: Options
) -> pl.DataFrame | None:
    """The escalating section's rows; None when there is nothing to say it from."""
    if intensity is None:
        return None
    here = intensity.filter(
        (pl.col("issue_week") == week)
        & (pl.col("horizon") == options.horizon)
        & (pl.col("target") == "events")
    )
    if here.is_empty():
        return None
    return escalating(
        intensity, districts, week, options.horizon, options.escalating_n, options.escalating_min
    )


def _newest(events: pl.DataFrame, period: Cadence) -> date | None:
    """The newest day the events (or, monthly, the counts) say anything about."""
    if "month" in events.columns:
        month = events.get_column("month").max()
        return None if month is None else period.last_day(month)  # type: ignore[arg-type]
    return events.get_column("event_date").max()  # type: ignore[return-value]
