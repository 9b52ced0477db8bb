"""Which events count toward each forecast target: one rule for labels, history and bulletin."""

from __future__ import annotations

import polars as pl

from forecast.core import vocab


def target_expressions() -> dict[str, pl.Expr]:
    """Whether an event counts toward each target (forecast.core.vocab decides the types)."""
    violence = pl.col("event_type").is_in(sorted(vocab.POLITICAL_VIOLENCE))
    return {
        "any": violence,
        "fatal": violence & (pl.col("fatalities").fill_null(0) > 0),
        "civilians": pl.col("event_type").is_in(sorted(vocab.CIVILIAN_TARGETING)),
        "abduction": pl.col("event_type") == vocab.ABDUCTION,
    }
