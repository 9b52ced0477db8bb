"""Words and documents: the bulletin's data in one language as JSON, HTML, Markdown and PDF.

:func:`document` turns :class:`~forecast.bulletin.data.BulletinData` into a plain dict in
one language (numbers kept, sentences added): that dict is the JSON file and the whole
context of the jinja2 templates, which hold layout only; every word comes from the
message catalogue (``forecast/templates/i18n/<lang>.toml``). At monthly cadence the
catalogue's ``[month]`` words come first (``Catalogue(lang, "month")``): "Monthly violence
risk bulletin", "next 3 months", "last month", drivers in months.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from forecast.bulletin import drivers as reader_drivers
from forecast.bulletin.data import (
    BulletinData,
    Holdings,
    Verification,
    entered_high,
    left_high,
)
from forecast.bulletin.i18n import Catalogue
from forecast.core import vocab
from training.served import is_fallback

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"


def horizon_label(t: Catalogue, weeks: int) -> str:
    return t("bulletin.horizon_one") if weeks == 1 else t("bulletin.horizon_many", weeks=weeks)


def country_label(t: Catalogue, countries: list[str]) -> str:
    if not countries:
        return t("countries.other")
    return ", ".join(t.get(f"countries.{code}", code) for code in countries)


# Drivers in a table cell: the two largest raising the risk; the notes have the rest.
TABLE_DRIVERS = 2


def _rows(
    frame: pl.DataFrame, t: Catalogue, lang: str, drivers: int = TABLE_DRIVERS
) -> list[dict[str, Any]]:
    """District rows with their numbers, formatted text and the drivers a reader sees
    (forecast.bulletin.drivers: actionable, merged, sign agreeing with meaning, >= 1 pt)."""
    out = []
    for row in frame.to_dicts():
        seen = reader_drivers.shown(row.get("top_drivers"), row["probability"], lang, t.cadence)
        out.append(
            {
                "code": row["code"],
                "name": row["name"],
                "admin1": row.get("admin1") or "",
                "probability": row["probability"],
                "band": row["band"],
                "band_index": row.get("band_index"),
                "high": bool(row.get("high")),
                "previous": row.get("previous"),
                "change": row.get("change"),
                "probability_text": t.percent(row["probability"]),
                "previous_text": t.percent(row.get("previous")),
                "band_text": t.band(row["band"]),
                "change_text": t.points(row.get("change")),
                "drivers": [
                    {
                        "feature": d.feature,
                        "value": d.value,
                        "contribution": d.contribution,
                        "points": d.points,
                        "merged": list(d.merged),
                        "text": d.text,
                    }
                    for d in seen
                ],
                "summary": reader_drivers.summary(seen, t, limit=drivers),
                "paragraph": reader_drivers.paragraph(seen, t),
            }
        )
    return out


def _families_line(data: BulletinData, t: Catalogue) -> str:
    """The footer's top driver families of the week (every district's listed drivers)."""
    ranked = reader_drivers.families(data.risk.get_column("top_drivers").to_list())
    held = data.holdings
    if held is not None:
        # a family of inputs the store does not hold is no claim to make about this week
        absent = {"partners"} if not held.partners else set()
        absent |= {"deployments"} if not held.deployments else set()
        ranked = [(name, share) for name, share in ranked if name not in absent]
    if not ranked:
        return ""
    items = [
        t("families.item", name=t.get(f"families.{name}", name), share=t.percent(share))
        for name, share in ranked
    ]
    return t("families.line", items=", ".join(items))


def _names(items: list[str], t: Catalogue, limit: int) -> str:
    if not items:
        return t("bulletin.verify_empty")
    shown = ", ".join(items[:limit])
    more = len(items) - limit
    return f"{shown} {t('bulletin.verify_more', n=more)}" if more > 0 else shown


def _period_day(t: Catalogue, day: Any) -> str:
    """A period's first day in words: the day (weekly), or the month and year (monthly)."""
    if t.cadence == "month" and day is not None:
        return t("dates.month", month=t(f"months.m{day.month}"), year=day.year)
    return t.day(day)


def _verification(v: Verification | None, t: Catalogue, limit: int) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "issued": v.issued.isoformat(),
        "horizon": v.horizon,
        "target": v.target,
        "start": v.start.isoformat(),
        "end": v.end.isoformat(),
        "complete": v.complete,
        "hits": v.hits,
        "misses": v.misses,
        "false_alarms": v.false_alarms,
        "quiet": v.quiet,
        "forecasts": v.forecasts,
        "intro": t(
            "bulletin.verify_intro",
            issued=_period_day(t, v.issued),
            start=_period_day(t, v.start),
            target=t(f"targets.{v.target}"),
            horizon=horizon_label(t, v.horizon),
        ),
        "counts": t(
            "bulletin.verify_counts",
            hits=len(v.hits),
            misses=len(v.misses),
            false_alarms=len(v.false_alarms),
            quiet=v.quiet,
        ),
        "hits_text": _names(v.hits, t, limit),
        "misses_text": _names(v.misses, t, limit),
        "false_alarms_text": _names(v.false_alarms, t, limit),
    }


def _rounded(value: float) -> tuple[float, int]:
    """An expected count as printed: one decimal below 1.5 (0.3 and 0.6 differ to a
    reader), whole above, where a decimal would be false precision."""
    if value >= 1.5 or abs(round(value, 1) - round(value)) < 1e-9:
        return float(round(value)), 0  # 0.96 is "1", not "1.0"
    return round(value, 1), 1


def _normal_text(t: Catalogue, value: float) -> str:
    return t.number(value, 1) if value < 10 else t.number(round(value))


def _count_phrase(t: Catalogue, key: str, value: float, horizon: str) -> str:
    """``intensity.<key>_one`` or ``_many`` by the language's singular range (English: 1
    only; French: below 2) applied to the number as printed."""
    printed, decimals = _rounded(value)
    low, high = (float(x) for x in t.raw("intensity.singular"))
    form = "one" if low <= printed <= high else "many"
    return t(f"intensity.{key}_{form}", n=t.number(printed, decimals), horizon=horizon)


def _count_sentence(
    t: Catalogue, key: str, row: dict[str, Any], prefix: str, horizon: str
) -> str | None:
    """The count in words, e.g. "about 7 events expected in the next 4 weeks (80% range
    3 to 12), against a usual 2.5"; None without an expected count."""
    expected = row.get(f"{prefix}expected")
    if expected is None:
        return None
    text = _count_phrase(t, key, expected, horizon)
    lower, upper = row.get(f"{prefix}lower80"), row.get(f"{prefix}upper80")
    if lower is not None and upper is not None:
        text = t("intensity.with_range", text=text, lower=lower, upper=upper)
    normal = row.get(f"{prefix}normal")
    if normal is not None:
        text = t("intensity.against", text=text, normal=_normal_text(t, normal))
    return text


def _escalating(data: BulletinData, t: Catalogue) -> dict[str, Any] | None:
    """The escalating section in words; None when intensity is not available."""
    if data.escalating is None:
        return None
    horizon = horizon_label(t, data.options.horizon)
    rows = []
    for row in data.escalating.to_dicts():
        label = row.get("label")
        values = {
            "name": row["name"],
            "admin1": row.get("admin1") or "",
            "ratio": t.number(row["ratio"], 1),
            "percentile": t.percent(row.get("percentile")),
            "weeks": data.options.horizon,
            "label": t.get(f"intensity.labels.{label}", label or ""),
        }
        head = "intensity.head_escalating" if row.get("escalating") else "intensity.head_other"
        rows.append(
            {
                **row,
                "head": t(head, **values),
                "label_text": values["label"],
                "events_text": _count_sentence(t, "events", row, "", horizon),
                "deaths_text": _count_sentence(t, "deaths", row, "fatalities_", horizon),
            }
        )
    count = sum(1 for r in rows if r.get("escalating"))
    return {
        "horizon": data.options.horizon,
        "escalating": count,
        "rows": rows,
        "filled": count < len(rows),
    }


def _days(t: Catalogue, n: int) -> str:
    return t("stale.days_one" if n == 1 else "stale.days_many", n=n)


def _stale(data: BulletinData, t: Catalogue) -> dict[str, Any] | None:
    """The out-of-date banner (data's date, days behind, what to do); None when the data
    are fresh or the bulletin was assembled without a clock."""
    fresh = data.freshness
    if fresh is None or not fresh.stale:
        return None
    if fresh.days_behind is None:
        behind = t("stale.undated")
    else:
        behind = t(
            "stale.behind",
            data_as_of=t.day(fresh.data_as_of),
            days=_days(t, fresh.days_behind),
            today=t.day(fresh.today),
            limit=_days(t, fresh.stale_after_days),
        )
    return {
        "data_as_of": fresh.data_as_of.isoformat() if fresh.data_as_of else None,
        "today": fresh.today.isoformat(),
        "days_behind": fresh.days_behind,
        "stale_after_days": fresh.stale_after_days,
        "title": t("stale.title"),
        "behind": behind,
        "action": t("stale.action"),
    }


CHANGES_NAMES = 8  # districts named per line of the summary, then "and N more"
CHANGES_RISES = 3


def _named_list(t: Catalogue, items: list[str]) -> str:
    shown = ", ".join(items[:CHANGES_NAMES])
    more = len(items) - CHANGES_NAMES
    return f"{shown} {t('changes.more', n=more)}" if more > 0 else shown


def _change_item(t: Catalogue, row: dict[str, Any]) -> str:
    return t(
        "changes.item",
        name=row["name"],
        probability=t.percent(row["probability"]),
        change=t.points(row.get("change")),
    )


def _changes(data: BulletinData, t: Catalogue, section: dict[str, Any] | None) -> dict[str, Any]:
    """The summary on top: the data's date, districts entering (and leaving) a high band,
    the largest rises and any escalation, each in one short line."""
    comparable = data.high_before is not None
    entered = entered_high(data.risk).to_dicts() if comparable else []
    left = left_high(data.risk).to_dicts() if comparable else []
    rises = data.risers.head(CHANGES_RISES).to_dicts()
    lines = [
        t(
            "changes.data",
            data_as_of=t.day(data.data_as_of),
            start=_period_day(t, data.week),
            horizon=horizon_label(t, data.options.horizon),
        )
    ]
    if not comparable:
        lines.append(t("changes.no_previous"))
    else:
        names = [_change_item(t, r) for r in entered]
        lines.append(
            t("changes.entered", items=_named_list(t, names))
            if names
            else t("changes.entered_none")
        )
        if left:
            lines.append(
                t("changes.left", items=_named_list(t, [_change_item(t, r) for r in left]))
            )
        lines.append(
            t("changes.rises", items=", ".join(_change_item(t, r) for r in rises))
            if rises
            else t("changes.rises_none", points=t.points(data.options.min_rise))
        )
    escalating = [r for r in (section or {}).get("rows", []) if r.get("escalating")]
    if escalating:
        items = [t("changes.escalating_item", name=r["name"], ratio=t.number(r["ratio"], 1))
                 for r in escalating]  # fmt: skip
        lines.append(t("changes.escalating", items=_named_list(t, items)))
    elif section is not None:
        lines.append(t("changes.escalating_none"))
    return {
        "title": t("changes.title"),
        "comparable": comparable,
        "entered": [r["code"] for r in entered],
        "left": [r["code"] for r in left],
        "rises": [r["code"] for r in rises],
        "escalating": [r["code"] for r in escalating],
        "lines": lines,
    }


def _amount(n: int) -> str:
    return "zero" if n == 0 else "one" if n == 1 else "many"


def _model_line(data: BulletinData, t: Catalogue) -> str:
    version = data.model_version or "?"
    as_of = t.day(data.data_as_of)
    if is_fallback(version):
        return t("bulletin.model_line_baseline", version=version, data_as_of=as_of)
    skill = data.skill
    if skill is None:
        return t("bulletin.model_line_no_backtest", version=version, data_as_of=as_of)
    metric = t.get(f"metrics.{skill.metric}", skill.metric.replace("_", " "))
    baseline = skill.baseline or "?"
    return t(
        "bulletin.model_line",
        version=version,
        data_as_of=as_of,
        metric=metric,
        value=t.number(skill.value, 2),
        baseline_value="?" if skill.baseline_value is None else t.number(skill.baseline_value, 2),
        baseline=t.get(f"baselines.{baseline}", baseline.replace("_", " ")),
    )


def _no_data(data: BulletinData, target: str, t: Catalogue) -> str | None:
    """One sentence when the sources hold no event of ``target`` at all; else None (also
    when the holdings were not read)."""
    held = data.holdings
    if held is None or held.has_data(target):
        return None
    return t("bulletin.no_data", target=t(f"targets.{target}"), sources=_sources(held, t))


def _listed(t: Catalogue, items: list[str]) -> str:
    """ "a, b and c" in the catalogue's language."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t('inputs.and')} {items[-1]}"


def _sources(holdings: Holdings, t: Catalogue) -> str:
    names = [t.get(f"inputs.sources.{s}", s) for s in sorted(holdings.event_sources)]
    if holdings.counts:
        names.append(t("inputs.sources.counts"))
    return _listed(t, names) or t("inputs.sources.none")


def _partner_names(holdings: Holdings, t: Catalogue) -> str:
    names = [
        t("inputs.partner_other")
        if kind == "other"
        else t.get(f"drivers.partners.{kind}.name", kind)
        for kind in sorted(holdings.partners, key=_partner_rank)
    ]
    return ", ".join(names)


def _partner_rank(kind: str) -> tuple[int, str]:
    """The vocabulary's order (UN, French, Wagner, Africa Corps, other); unknown kinds last."""
    known = list(vocab.PARTNER_KINDS)
    return (known.index(kind) if kind in known else len(known), kind)


def _served_sentence(kind: str, subject: str, holdings: Holdings, t: Catalogue) -> str:
    """What one model learnt from: the baseline reads events alone; a champion every input
    the store holds, and the footer says which it does not hold."""
    sources = _sources(holdings, t)
    if kind == "baseline":
        return t("inputs.baseline", subject=subject, sources=sources)
    used, missing = [t("inputs.events", sources=sources)], []
    if holdings.deployments:
        used.append(t("inputs.deployments", n=t.number(holdings.deployments)))
    else:
        missing.append(t("inputs.deployments_none"))
    if holdings.partners:
        used.append(t("inputs.partners", names=_partner_names(holdings, t)))
    else:
        missing.append(t("inputs.partners_none"))
    text = t("inputs.model", subject=subject, inputs=_listed(t, used))
    return f"{text} {t('inputs.not_loaded', items=_listed(t, missing))}" if missing else text


def _method(data: BulletinData, t: Catalogue) -> str:
    """The footer's method: which model served the rows and on what it was trained, from
    the store's holdings (no claim when they were not read), then the calibration."""
    parts = []
    holdings, served = data.holdings, data.served
    main = served.get("main")
    if holdings is not None and main is not None:
        subject = t(
            "inputs.subject_main",
            target=t(f"targets.{data.options.target}"),
            horizon=horizon_label(t, data.options.horizon),
        )
        parts.append(_served_sentence(main, subject, holdings, t))
        kidnap = served.get("kidnap")
        if kidnap is not None and kidnap != main:
            parts.append(_served_sentence(kidnap, t("inputs.subject_kidnap"), holdings, t))
    parts.append(t("inputs.calibrated", bands=_bands_text(data, t)))
    return " ".join(parts)


def _bands_text(data: BulletinData, t: Catalogue) -> str:
    lowers = data.bands.lowers
    parts = []
    for i, name in enumerate(data.bands.names):
        upper = t.percent(lowers[i + 1] if i + 1 < len(lowers) else 1.0)
        parts.append(f"{t.band(name)} {t.number(100 * lowers[i])}\u2013{upper}")
    return ", ".join(parts)


def document(data: BulletinData, lang: str = "en") -> dict[str, Any]:
    """The bulletin in one language: numbers, names, sentences; the JSON file's content."""
    opts = data.options
    t = Catalogue(lang, opts.cadence)
    horizon = horizon_label(t, opts.horizon)
    target = t(f"targets.{opts.target}")
    week_end = opts.period.last_day(data.week)
    year, number, _ = data.week.isocalendar()
    if opts.cadence == "month":
        period_name = _period_day(t, data.week)
    else:
        period_name = t("dates.week", week=number, year=year)
    # A target the sources never record (kidnapping in UCDP GED) is said in one sentence,
    # not listed as every district at 0% in alphabetical order.
    main_gap = _no_data(data, opts.target, t)
    # (without kidnapping forecasts at all, e.g. monthly, the section says that instead)
    kidnap_gap = None if data.kidnapping.is_empty() else _no_data(data, opts.kidnap_target, t)
    top = [] if main_gap else _rows(data.top, t, lang)
    new = [] if main_gap else _rows(data.new_areas, t, lang)
    kidnap = [] if kidnap_gap else _rows(data.kidnapping, t, lang)
    high_now = int(data.risk.get_column("high").sum())

    key = []
    if main_gap:
        key.append(main_gap)
    elif high_now:
        key.append(
            t(
                "bulletin.key_high",
                n=high_now,
                target=target,
                horizon=horizon,
                previous="\u2013" if data.high_before is None else data.high_before,
            )
        )
    else:
        key.append(t("bulletin.key_high_none", target=target, horizon=horizon))
    if top:
        key.append(t("bulletin.key_top", **_named(top[0])))
    if not main_gap:
        key.append(
            t("bulletin.key_new", names=", ".join(r["name"] for r in new))
            if new
            else t("bulletin.key_new_none")
        )
    if kidnap:
        key.append(t("bulletin.key_kidnap", **_named(kidnap[0])))
    section = _escalating(data, t)
    if section and section["escalating"]:
        names = ", ".join(r["name"] for r in section["rows"] if r.get("escalating"))
        key.append(t("intensity.key_escalating", names=names, horizon=horizon))
    if section is None:
        escalating_note = t("intensity.not_available")
    elif not section["rows"]:
        escalating_note = t("intensity.none", horizon=horizon)
    elif section["filled"]:
        n = section["escalating"]
        escalating_note = t(f"intensity.filled_{_amount(n)}", n=n)
    else:
        escalating_note = ""

    return {
        "lang": lang,
        "cadence": opts.cadence,
        "week": data.label,
        opts.period.issue_column: data.week.isoformat(),
        "week_end": week_end.isoformat(),
        "countries": data.countries,
        "horizon": opts.horizon,
        "target": opts.target,
        "kidnap_target": opts.kidnap_target,
        "model_version": data.model_version,
        "data_as_of": data.data_as_of.isoformat() if data.data_as_of else None,
        "stale": _stale(data, t),
        "skill": None
        if data.skill is None
        else {
            "metric": data.skill.metric,
            "value": data.skill.value,
            "baseline": data.skill.baseline,
            "baseline_value": data.skill.baseline_value,
        },
        "bands": [
            {"name": n, "lower": lo, "label": t.band(n), "colour": colour, "index": i}
            for i, (n, lo, colour) in enumerate(
                zip(data.bands.names, data.bands.lowers, band_colours(data), strict=True)
            )
        ],
        "high_now": high_now,
        "high_before": data.high_before,
        "top": top,
        "risers": [] if main_gap else _rows(data.risers, t, lang),
        "new_areas": new,
        "kidnapping": kidnap,
        "notes": [] if main_gap else _rows(data.notes, t, lang),
        "verification": _verification(data.verification, t, opts.list_max),
        "escalating": section,
        "changes": _changes(data, t, section),
        "text": {
            "html_lang": t("meta.html_lang"),
            "title": t("bulletin.title"),
            "subtitle": t(
                "bulletin.subtitle", country=country_label(t, data.countries), week=period_name
            ),
            "issued": t(
                "bulletin.issued",
                start=_period_day(t, data.week),
                data_as_of=t.day(data.data_as_of),
            ),
            "period": t("dates.range", start=t.day(data.week), end=t.day(week_end)),
            "key_messages": key,
            "map_caption": t("bulletin.map_caption", target=target, horizon=horizon),
            "kidnap_intro": t("bulletin.kidnap_intro", horizon=horizon),
            "no_data_main": main_gap,
            "no_data_kidnap": kidnap_gap,
            "risers_none": t("bulletin.risers_none", points=t.points(opts.min_rise)),
            "escalating_intro": t("intensity.intro", horizon=horizon),
            "escalating_note": escalating_note,
            "escalating_caption": t("intensity.chart_caption"),
            "model_line": _model_line(data, t),
            "families": _families_line(data, t),
            "method": _method(data, t),
            "horizon": horizon,
            "target": target,
        },
    }


def band_colours(data: BulletinData) -> tuple[str, ...]:
    return data.bands.colours


def _named(row: dict[str, Any]) -> dict[str, str]:
    return {"name": row["name"], "admin1": row["admin1"], "probability": row["probability_text"]}


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _markdown_escape
    env.filters["code_parts"] = code_parts
    return env


def code_parts(text: object) -> list[tuple[str, bool]]:
    """A catalogue sentence cut at its `backticks`: (text, is a command) pairs, so the
    HTML template can set the commands in <code> while escaping everything."""
    parts = re.split(r"`([^`]+)`", str(text))
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


def _markdown_escape(text: object) -> str:
    """Escape the characters that would start Markdown formatting inside a table cell."""
    return str(text).replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _data_uri(png: bytes | None) -> str | None:
    return "data:image/png;base64," + base64.b64encode(png).decode() if png else None


def render_html(doc: dict[str, Any], map_png: bytes | None, chart_png: bytes | None = None) -> str:
    """A self-contained HTML page (the map and the escalating chart embedded), readable on
    screen and in print."""
    t = Catalogue(doc["lang"], doc.get("cadence", "week"))
    return (
        environment()
        .get_template("bulletin.html.j2")
        .render(doc=doc, t=t, map_src=_data_uri(map_png), chart_src=_data_uri(chart_png))
    )


def render_markdown(
    doc: dict[str, Any], map_file: str | None, chart_file: str | None = None
) -> str:
    """Markdown beside the map and chart image files (relative names) for chat and e-mail."""
    t = Catalogue(doc["lang"], doc.get("cadence", "week"))
    return (
        environment()
        .get_template("bulletin.md.j2")
        .render(doc=doc, t=t, map_file=map_file, chart_file=chart_file)
    )


# Tighter print styles tried in turn when the last page would hold a few lines only (the
# French bulletin's fifth page held two): the same content, a little denser.
FIT_STEPS: tuple[str, ...] = (
    "",
    "body { font-size: 9pt !important; line-height: 1.38 !important; }"
    " td { padding-top: .2rem !important; padding-bottom: .2rem !important; }"
    " h2 { margin-top: 1rem !important; }",
    "body { font-size: 8.5pt !important; line-height: 1.32 !important; }"
    " td { padding-top: .15rem !important; padding-bottom: .15rem !important; }"
    " h2 { margin-top: .8rem !important; } figure.chart img { max-height: 90mm !important; }",
)
END_ANCHOR = "bulletin-end"  # the id after the footer, where the content ends
NEAR_EMPTY = 0.2  # a last page whose content ends above this share of its height


def _last_page_share(document: Any) -> float:
    """How far down the last page the content reaches (0 = top, 1 = bottom); 1 when the
    document has one page or no end anchor."""
    if len(document.pages) < 2:
        return 1.0
    page = document.pages[-1]
    position = page.anchors.get(END_ANCHOR)
    return 1.0 if position is None else position[1] / page.height


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The HTML page printed to PDF by WeasyPrint (A4, the print stylesheet).

    When the last page would be near-empty, denser styles (:data:`FIT_STEPS`) are tried and
    the first without such a page is kept; if none manages, the one with fewest pages."""
    from weasyprint import CSS, HTML  # here: it loads pango, which the API never needs

    page = HTML(string=html, base_url=base_url)
    tried = []
    for css in FIT_STEPS:
        document = page.render(stylesheets=[CSS(string=css)] if css else None)
        if _last_page_share(document) >= NEAR_EMPTY:
            return document.write_pdf()
        tried.append(document)
    return min(tried, key=lambda d: len(d.pages)).write_pdf()
