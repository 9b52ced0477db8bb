"""The incident table in ACLED's export layout (the 31 columns of the HDX exports)."""

from __future__ import annotations

from datetime import date
from typing import Final

import numpy as np
import polars as pl

from forecast.demo import actors
from forecast.demo.gazetteer import COUNTRY_NAME, ISO3, ISO_NUMERIC
from forecast.demo.notes import NUMBER_WORDS, TOPICS, notes
from forecast.sources.acled import EXPORT_COLUMNS

ACLED_COLUMNS: Final = EXPORT_COLUMNS
SOURCES: Final = (
    ("Studio Tamani", "National", 0.16),
    ("Menastream", "New media", 0.14),
    ("AFP", "International", 0.10),
    ("RFI", "International", 0.07),
    ("Kibaru", "Subnational", 0.07),
    ("Mali Actu", "National", 0.06),
    ("AMAP", "National", 0.06),
    ("Twitter", "New media", 0.06),
    ("Facebook", "New media", 0.05),
    ("Undisclosed Source", "Other", 0.05),
    ("Xinhua", "International", 0.04),
    ("Reuters", "International", 0.04),
    ("Koro Kibaru", "Subnational", 0.03),
    ("Le Pays Dogon", "Subnational", 0.03),
    ("Jeune Afrique", "Regional", 0.04),
)
FIRST_DATA_ID: Final = 9_100_000
_EPOCH = np.datetime64(date(1970, 1, 1), "D")


def acled_table(incidents: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Number, source, date-stamp and describe the incidents; newest first, as ACLED exports."""
    frame = incidents.sort("event_date", "district_code", "type", "tie")
    n = frame.height
    inter1 = actors.inter_code(frame["actor1"].to_numpy())
    inter2 = actors.inter_code(frame["actor2"].to_numpy())
    day = frame["event_date"].to_numpy().astype("datetime64[D]")
    lag_days = rng.integers(5, 40, n)
    seconds = rng.integers(0, 86_400, n)
    source, scale = _sources(rng, n)
    frame = frame.with_columns(
        data_id=pl.Series(FIRST_DATA_ID + rng.permutation(n), dtype=pl.Int64),
        event_id_no_cnty=pl.int_range(1, n + 1, dtype=pl.Int64),
        time_precision=pl.Series(
            np.array([1, 2, 3])[np.searchsorted([0.9, 0.98], rng.random(n), side="right")],
            dtype=pl.Int64,
        ),
        inter1=pl.Series(inter1, dtype=pl.Int64),
        inter2=pl.Series(inter2, dtype=pl.Int64),
        interaction=pl.Series(actors.interaction(inter1, inter2), dtype=pl.Int64),
        source=pl.Series(source),
        source_scale=pl.Series(scale),
        timestamp=pl.Series((day + lag_days - _EPOCH).astype(np.int64) * 86_400 + seconds),
        suspected=pl.Series(rng.random(n) < 0.35),
        count_word=pl.Series(np.array(NUMBER_WORDS)[rng.integers(1, 5, n)]),
        topic=pl.Series(np.array(TOPICS)[rng.integers(0, len(TOPICS), n)]),
    )
    frame = frame.with_columns(notes=notes())
    return frame.select(
        pl.col("data_id"),
        pl.lit(ISO_NUMERIC, dtype=pl.Int64).alias("iso"),
        pl.format("{}{}", pl.lit(ISO3), pl.col("event_id_no_cnty")).alias("event_id_cnty"),
        pl.col("event_id_no_cnty"),
        pl.col("event_date"),
        pl.col("event_date").dt.year().cast(pl.Int64).alias("year"),
        pl.col("time_precision"),
        pl.col("event_type"),
        pl.col("sub_event_type"),
        _blank_null("actor1"),
        _blank_null("assoc_actor_1"),
        pl.col("inter1"),
        _blank_null("actor2"),
        _blank_null("assoc_actor_2"),
        pl.col("inter2"),
        pl.col("interaction"),
        pl.lit("Western Africa").alias("region"),
        pl.lit(COUNTRY_NAME).alias("country"),
        pl.col("admin1"),
        pl.col("admin2"),
        pl.lit(None, dtype=pl.Utf8).alias("admin3"),
        pl.col("location"),
        pl.col("latitude"),
        pl.col("longitude"),
        pl.col("geo_precision").cast(pl.Int64),
        pl.col("source"),
        pl.col("source_scale"),
        pl.col("notes"),
        pl.col("fatalities").cast(pl.Int64),
        pl.col("timestamp").cast(pl.Int64),
        pl.lit(ISO3).alias("iso3"),
    ).sort("event_date", "event_id_no_cnty", descending=True)


def _blank_null(name: str) -> pl.Expr:
    return pl.when(pl.col(name) == "").then(None).otherwise(pl.col(name)).alias(name)


def _sources(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """One source, or two joined by '; ' (scales joined by '-') for a quarter of incidents."""
    names = np.array([s[0] for s in SOURCES])
    scales = np.array([s[1] for s in SOURCES])
    weights = np.array([s[2] for s in SOURCES])
    cum = np.cumsum(weights) / weights.sum()
    last = len(names) - 1
    first = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), last)
    second = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), last)
    pair = (rng.random(n) < 0.25) & (second != first)
    source = np.where(
        pair, np.char.add(np.char.add(names[first], "; "), names[second]), names[first]
    )
    same = scales[first] == scales[second]
    joined = np.char.add(np.char.add(scales[first], "-"), scales[second])
    scale = np.where(pair & ~same, joined, scales[first])
    return source, scale
