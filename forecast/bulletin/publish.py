"""Making a week's bulletin: read the store, assemble, draw, render, write every format."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from forecast.bulletin.data import BulletinData, Freshness, Options, assemble
from forecast.bulletin.files import (
    FORMATS,
    bulletin_path,
    chart_path,
    map_path,
    variant_of,
    write_atomic,
)
from forecast.bulletin.i18n import Catalogue, available_languages
from forecast.bulletin.intensityfig import intensity_chart
from forecast.bulletin.load import latest_week, load_inputs
from forecast.bulletin.mapfig import png_bytes, risk_map
from forecast.bulletin.render import (
    document,
    horizon_label,
    render_html,
    render_markdown,
    render_pdf,
)
from forecast.bulletin.towns import towns_for
from forecast.core.bands import Bands
from forecast.core.freshness import today as current_day
from forecast.core.settings import get_settings
from forecast.core.store import Store


@dataclass
class Published:
    week: str
    files: list[Path] = field(default_factory=list)
    freshness: Freshness | None = None  # how old the data were (stale: the banner is on)


def map_png(data: BulletinData, districts: pl.DataFrame, lang: str) -> bytes:
    """The risk map of the bulletin's main horizon and target, as PNG."""
    t = Catalogue(lang, data.options.cadence)
    fig = risk_map(
        districts,
        data.risk,
        data.bands,
        t,
        horizon_label=horizon_label(t, data.options.horizon),
        new_codes=data.new_areas.get_column("code").to_list(),
        towns=towns_for(data.countries),
    )
    return png_bytes(fig)


def chart_png(data: BulletinData, lang: str) -> bytes | None:
    """The escalating section's chart as PNG; None when the section lists no district."""
    if data.escalating is None or data.escalating.is_empty():
        return None
    t = Catalogue(lang, data.options.cadence)
    fig = intensity_chart(data.escalating, t, horizon_label=horizon_label(t, data.options.horizon))
    return png_bytes(fig)


def write_bulletin(
    data: BulletinData,
    districts: pl.DataFrame,
    outputs: Path,
    langs: Sequence[str],
    formats: Sequence[str] = tuple(FORMATS),
) -> Published:
    """Write the bulletin in each language and format; returns the files written."""
    published = Published(data.label, freshness=data.freshness)
    variant = variant_of(data.options.target, data.options.horizon, data.options.cadence)
    for lang in langs:
        doc = document(data, lang)
        png = map_png(data, districts, lang)
        image = map_path(outputs, data.label, lang, variant)
        published.files.append(write_atomic(image, png))
        chart = chart_png(data, lang)
        chart_image = chart_path(outputs, data.label, lang, variant)
        if chart is not None:
            published.files.append(write_atomic(chart_image, chart))
        else:
            # A chart left from an earlier run of this period would contradict the text.
            chart_image.unlink(missing_ok=True)

        def path(fmt: str, lang: str = lang) -> Path:
            return bulletin_path(outputs, data.label, lang, fmt, variant)

        html = render_html(doc, png, chart)
        if "json" in formats:
            text = json.dumps(doc, ensure_ascii=False, indent=1, default=str)
            published.files.append(write_atomic(path("json"), text))
        if "html" in formats:
            published.files.append(write_atomic(path("html"), html))
        if "md" in formats:
            published.files.append(
                write_atomic(
                    path("md"),
                    render_markdown(doc, image.name, chart_image.name if chart else None),
                )
            )
        if "pdf" in formats:
            published.files.append(
                write_atomic(path("pdf"), render_pdf(html, base_url=str(image.parent)))
            )
    return published


def publish(
    store: Store,
    outputs: Path,
    week: date | None = None,
    langs: Sequence[str] | None = None,
    options: Options | None = None,
    *,
    today: date | None = None,
    stale_after_days: int | None = None,
    bands: Bands | None = None,
) -> Published:
    """The bulletin of ``week`` (default: the latest forecasts) in every format.

    Its data are judged stale as the API judges them: against ``today`` (default: today,
    UTC) and ``stale_after_days`` (default: FORECAST_STALE_AFTER_DAYS); ``bands`` default
    to FORECAST_BANDS, as the API's."""
    options = options or Options()
    if stale_after_days is None:
        stale_after_days = get_settings().stale_after_days
    week = week or latest_week(store, options.cadence)
    inputs = load_inputs(store, week, options)
    data = assemble(
        inputs.forecasts,
        inputs.districts,
        inputs.events,
        inputs.champions,
        week,
        options,
        bands,
        intensity=inputs.intensity,
        today=today or current_day(),
        stale_after_days=stale_after_days,
        holdings=inputs.holdings,
    )
    return write_bulletin(data, inputs.districts, outputs, langs or available_languages())
