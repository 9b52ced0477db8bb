"""GET /: the map page, and GET /static/...: its assets (Leaflet vendored in the package).

The page is public (it holds no data); its script fetches ``/v1/map``, ``/v1/districts/{code}``
and ``/v1/districts/{code}/history`` with the API key the user pastes, so include this
router WITHOUT the auth dependency. Band colours, main towns and the page's words come from
the same sources as the bulletin (``forecast.bulletin``) and are put into the page as JSON.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import FileResponse, HTMLResponse, Response

from api.problems import shown
from forecast.bulletin.i18n import Catalogue, available_languages, section
from forecast.bulletin.towns import TOWNS
from forecast.core.bands import Bands, load_bands
from forecast.core.vocab import TARGETS

STATIC = Path(__file__).resolve().parent / "static"
HORIZONS = (1, 4, 12)
# The expected-events layer: classes of expected events over the horizon (lower bounds),
# roughly doubling, as counts are skewed; ColorBrewer PuBu, whose lightness falls steadily
# and which no one mistakes for the probability layer's YlOrRd.
EVENT_CLASSES: tuple[tuple[float, str], ...] = (
    (0.0, "#ece7f2"),
    (0.5, "#d0d1e6"),
    (1.0, "#a6bddb"),
    (2.0, "#74a9cf"),
    (5.0, "#3690c0"),
    (10.0, "#0570b0"),
    (20.0, "#034e7b"),
)
# The escalation layer: ColorBrewer RdBu's ends and a light grey between, readable by the
# colour-blind; districts without a label are left white like any missing forecast.
ESCALATION_COLOURS: tuple[tuple[str, str], ...] = (
    ("escalating", "#b2182b"),
    ("usual", "#d9d9d9"),
    ("easing", "#2166ac"),
)
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
}

router = APIRouter(include_in_schema=False)


def page_config(lang: str, bands: Bands | None = None, cadence: str = "week") -> dict:
    """What the page's script needs besides the API: bands, the intensity layers' classes
    and colours, towns, words; the horizons, targets and words of the served cadence
    (months at FORECAST_CADENCE=month)."""
    from forecast.core.cadence import WEEK
    from forecast.core.cadence import get as get_cadence

    cad = get_cadence(cadence)
    t = Catalogue(lang, cad.name)
    bands = bands or load_bands()
    horizons = HORIZONS if cad is WEEK else cad.horizons
    strings = section(lang, "page")
    if cad is not WEEK:
        strings.update(section(lang, "month.page"))
    return {
        "lang": lang,
        "bands": [
            {"name": name, "lower": lower, "colour": colour, "label": t.band(name)}
            for name, lower, colour in zip(bands.names, bands.lowers, bands.colours, strict=True)
        ],
        "horizons": [
            {
                "value": h,
                "label": t("bulletin.horizon_one")
                if h == 1
                else t("bulletin.horizon_many", weeks=h),
            }
            for h in horizons
        ],
        "event_classes": [{"lower": lower, "colour": colour} for lower, colour in EVENT_CLASSES],
        "escalation": [
            {"name": name, "colour": colour, "label": t(f"intensity.labels.{name}")}
            for name, colour in ESCALATION_COLOURS
        ],
        "default_horizon": cad.bulletin_horizon,
        "cadence": cad.name,
        "targets": [{"value": x, "label": t(f"targets.{x}")} for x in TARGETS if x in cad.targets],
        "towns": [
            {
                "name": town.name,
                "lat": town.lat,
                "lon": town.lon,
                "capital": town.capital,
                "country": country,
            }
            for country, towns in TOWNS.items()
            for town in towns
        ],
        "strings": strings,
    }


@cache
def render_page(lang: str, bands: Bands | None = None, cadence: str = "week") -> str:
    """index.html with the page's configuration put in (cached per language, bands and
    cadence)."""
    config = json.dumps(page_config(lang, bands, cadence), ensure_ascii=False)
    config = config.replace("</", "<\\/")
    template = (STATIC / "index.html").read_text(encoding="utf-8")
    t = Catalogue(lang)
    return (
        template.replace("__CONFIG__", config)
        .replace("__LANG__", lang)
        .replace("__TITLE__", t("page.title"))
    )


def _language(request: Request) -> str:
    known = available_languages()
    asked = request.query_params.get("lang")
    if asked in known:
        return asked  # type: ignore[return-value]
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        primary = part.split(";")[0].strip().split("-")[0].lower()
        if primary in known:
            return primary
    return "en"


def _bands(request: Request) -> Bands | None:
    """The app's configured bands (the process settings' when the app has none)."""
    pairs = getattr(getattr(request.app.state, "settings", None), "bands", None)
    return Bands.from_pairs(pairs) if pairs else None


@router.get("/", response_class=HTMLResponse, name="map_page")
async def map_page(request: Request) -> Response:
    """The map page (``?lang=fr`` or the browser's language)."""
    cadence = getattr(getattr(request.app.state, "settings", None), "cadence", "week")
    return HTMLResponse(
        render_page(_language(request), _bands(request), cadence),
        headers={"Cache-Control": "no-cache", "Vary": "Accept-Language"},
    )


def static_target(path: str) -> Path | None:
    """The file ``path`` names under api/web/static, or None: outside it, missing, or not
    a name a file system takes (a null byte, a component too long)."""
    try:
        target = (STATIC / path).resolve()
        inside = target.is_relative_to(STATIC) and target.is_file()
    except (OSError, ValueError):
        return None
    return target if inside else None


@router.get("/static/{path:path}")
async def static_file(path: str) -> Response:
    """A file under api/web/static (never outside it); else a 404 problem."""
    target = static_target(path)
    if target is None:
        raise StarletteHTTPException(404, f"no such file: /static/{shown(path)}")
    return FileResponse(
        target,
        media_type=MEDIA_TYPES.get(target.suffix, "application/octet-stream"),
        headers={"Cache-Control": "public, max-age=3600"},
    )
