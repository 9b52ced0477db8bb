"""Incident history of the district itself: windowed counts, decays, weeks since, trend."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from features.catalogue import FeatureSpec, weeks_label
from features.config import FeatureConfig
from features.context import Context
from features.series import Trailing, decayed, finite_or_nan, weeks_since

FAMILY = "history"
ZERO = "0 when there were none"


def specs(config: FeatureConfig) -> list[FeatureSpec]:
    out: list[FeatureSpec] = []
    for kind in config.event_types:
        for w in config.windows:
            out.append(
                FeatureSpec(
                    f"events_{kind}_{w}w",
                    FAMILY,
                    f"{kind} events in the district",
                    weeks_label(w),
                    "events",
                    ZERO,
                )
            )
    pv = "political-violence events (" + ", ".join(config.violence_types) + ")"
    for w in config.windows:
        out.append(
            FeatureSpec(
                f"events_pv_{w}w", FAMILY, f"{pv} in the district", weeks_label(w), "events", ZERO
            )
        )
    for w in config.windows:
        out.append(
            FeatureSpec(
                f"fatal_events_{w}w",
                FAMILY,
                "events of any type with at least one death",
                weeks_label(w),
                "events",
                ZERO,
            )
        )
    for w in config.windows:
        out.append(
            FeatureSpec(
                f"fatalities_{w}w",
                FAMILY,
                "deaths (best estimate), all event types",
                weeks_label(w),
                "events",
                ZERO,
            )
        )
    for h in config.half_lives:
        out.append(
            FeatureSpec(
                f"events_pv_hl{h:g}",
                FAMILY,
                "political-violence events, each weighted 0.5 ** (age in weeks / half-life)",
                f"all history, half-life {h:g} weeks",
                "events",
                ZERO,
            )
        )
    for h in config.half_lives:
        out.append(
            FeatureSpec(
                f"fatalities_hl{h:g}",
                FAMILY,
                "deaths weighted 0.5 ** (age in weeks / half-life)",
                f"all history, half-life {h:g} weeks",
                "events",
                ZERO,
            )
        )
    out.append(
        FeatureSpec(
            "weeks_since_event",
            FAMILY,
            "weeks since the latest political-violence event in the district (0 = this week)",
            "all history",
            "events",
            "null until the district's first political-violence event",
        )
    )
    out.append(
        FeatureSpec(
            "weeks_since_fatal_event",
            FAMILY,
            "weeks since the latest event with deaths in the district (0 = this week)",
            "all history",
            "events",
            "null until the district's first fatal event",
        )
    )
    for short, long in config.trend_windows:
        out.append(
            FeatureSpec(
                f"trend_{short}v{long}",
                FAMILY,
                f"weekly rate of political-violence events over {short} weeks minus the rate "
                f"over {long} weeks (> 0: rising)",
                f"{long} weeks",
                "events",
                "0 when there were none",
            )
        )
    return out


def compute(ctx: Context) -> Iterator[tuple[str, np.ndarray]]:
    config, axis, recent, history = ctx.config, ctx.axis, ctx.recent, ctx.history
    for code, kind in enumerate(config.event_types):
        weekly = ctx.weekly(recent, recent.type_code == code, row0=axis.recent)
        trailing = Trailing(weekly, axis.recent, axis.out)
        for w in config.windows:
            yield f"events_{kind}_{w}w", trailing.sum(w)
    everything = np.ones(len(history.row), dtype=bool)
    pv = ctx.pv_all()
    fatal = ctx.weekly(history, history.fatal)
    fatalities = ctx.weekly(history, everything, history.fatalities)
    pv_trailing = Trailing(pv, 0, axis.out)
    for w in config.windows:
        yield f"events_pv_{w}w", pv_trailing.sum(w)
    fatal_trailing = Trailing(fatal, 0, axis.out)
    for w in config.windows:
        yield f"fatal_events_{w}w", fatal_trailing.sum(w)
    fatalities_trailing = Trailing(fatalities, 0, axis.out)
    for w in config.windows:
        yield f"fatalities_{w}w", fatalities_trailing.sum(w)
    for h in config.half_lives:
        yield f"events_pv_hl{h:g}", decayed(pv, h)[axis.out :]
    for h in config.half_lives:
        yield f"fatalities_hl{h:g}", decayed(fatalities, h)[axis.out :]
    yield "weeks_since_event", finite_or_nan(weeks_since(pv > 0)[axis.out :])
    yield "weeks_since_fatal_event", finite_or_nan(weeks_since(fatal > 0)[axis.out :])
    for short, long in config.trend_windows:
        yield f"trend_{short}v{long}", pv_trailing.sum(short) / short - pv_trailing.sum(long) / long
