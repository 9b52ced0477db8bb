"""A tiny app for the web tests: the real page and bulletin routers beside fake JSON answers.

The fake ``/v1/map``, ``/v1/districts/{code}`` and ``/v1/districts/{code}/history`` answer
in the shapes of ``api.schemas`` (MapCollection, DistrictDetail, DistrictHistory) for three
square districts, and want the key ``test-key`` in ``X-API-Key`` like the real API. Their
intensity fields (expected counts, 80% ranges, escalation) come from :data:`INTENSITY`;
horizon 1 has none (no count model), so the page must say intensity is not available.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import shapely
import uvicorn
from fastapi import FastAPI, Request
from starlette.responses import JSONResponse

from api.web import bulletins, page
from forecast.core.bands import load_bands

KEY = "test-key"
DISTRICTS = {
    "D1": ("Gao", "Gao", shapely.box(-1.0, 15.5, 1.0, 17.5)),
    "D2": ("Kidal", "Kidal", shapely.box(0.0, 17.5, 2.5, 20.0)),
    "D3": ("Kayes", "Kayes", shapely.box(-12.0, 13.0, -9.5, 15.5)),
}
# probability by (horizon, target) and district: switching horizon recolours D2 and D3.
PROBABILITY = {
    (4, "any"): {"D1": 0.70, "D2": 0.20, "D3": 0.05},
    (12, "any"): {"D1": 0.90, "D2": 0.40, "D3": 0.15},
    (1, "any"): {"D1": 0.30, "D2": 0.05, "D3": 0.01},
}
# (expected events, events_80, expected deaths, deaths_80, (label, ratio, percentile,
# normal)) by horizon and district; a horizon missing here has no intensity at all.
INTENSITY: dict[int, dict[str, tuple]] = {
    4: {
        "D1": (7.2, [3, 12], 15.4, [4, 40], ("escalating", 2.9, 0.96, 2.5)),
        "D2": (2.0, [0, 5], 0.9, [0, 3], ("usual", 1.1, 0.55, 1.8)),
        "D3": (0.4, [0, 1], 0.1, [0, 1], ("easing", 0.5, 0.2, 1.2)),
    },
    12: {
        "D1": (21.6, [10, 35], 46.0, [12, 110], ("escalating", 2.9, 0.97, 7.5)),
        "D2": (6.0, [2, 11], 2.7, [0, 8], ("usual", 1.1, 0.5, 5.4)),
        "D3": (1.2, [0, 3], 0.3, [0, 1], ("easing", 0.4, 0.1, 3.6)),
    },
}
DRIVERS = [
    {
        "feature": "events_pv_50km_4w",
        "value": 3,
        "contribution": 0.8,
        "effect": "raises",
        "text": "3 attacks within 50 km in the last 4 weeks",
    },
    {
        "feature": "partner_un_weeks_since_withdrawal_100km",
        "value": 14,
        "contribution": 0.5,
        "effect": "raises",
        "text": "UN base within 100 km withdrawn 14 weeks ago",
    },
    {
        "feature": "events_pv_52w",
        "value": 0,
        "contribution": -0.3,
        "effect": "lowers",
        "text": "no attacks in the district in the last 52 weeks",
    },
]
META = {
    "model_version": "risk-any-h4/7",
    "data_as_of": "2025-06-15",
    "stale": False,
    "issue_week": "2025-06-09",
}


def intensity(horizon: int, code: str) -> dict:
    """The intensity fields of a forecast item, null where :data:`INTENSITY` has none."""
    found = INTENSITY.get(horizon, {}).get(code)
    if found is None:
        return {
            "expected_events": None,
            "events_80": None,
            "expected_fatalities": None,
            "fatalities_80": None,
            "escalation": None,
        }
    events, events_80, deaths, deaths_80, (label, ratio, percentile, normal) = found
    return {
        "expected_events": events,
        "events_80": events_80,
        "expected_fatalities": deaths,
        "fatalities_80": deaths_80,
        "escalation": {"label": label, "ratio": ratio, "percentile": percentile, "normal": normal},
    }


def band(p: float) -> str:
    bands = load_bands()
    return bands.names[int(bands.classify([p])[0])]


def _district(code: str) -> dict:
    name, admin1, shape = DISTRICTS[code]
    return {
        "code": code,
        "name": name,
        "admin1": admin1,
        "country": "MLI",
        "centroid_lat": shape.centroid.y,
        "centroid_lon": shape.centroid.x,
        "area_km2": None,
        "population": None,
    }


def _authorised(request: Request) -> JSONResponse | None:
    if request.headers.get("x-api-key") == KEY:
        return None
    return JSONResponse(
        {
            "type": "/problems/unauthorized",
            "title": "Unauthorized",
            "status": 401,
            "detail": "the API key is unknown or revoked",
        },
        status_code=401,
        media_type="application/problem+json",
    )


def make_app(home: Path) -> FastAPI:
    app = FastAPI()
    app.state.settings = SimpleNamespace(home=home)
    app.include_router(page.router)
    app.include_router(bulletins.router, prefix="/v1")

    @app.get("/v1/map")
    def fake_map(request: Request, horizon: int = 4, target: str = "any"):
        if (refused := _authorised(request)) is not None:
            return refused
        probs = PROBABILITY.get((horizon, target), {})
        features = [
            {
                "type": "Feature",
                "id": code,
                "geometry": shapely.geometry.mapping(shape),
                "properties": {
                    "code": code,
                    "name": name,
                    "admin1": admin1,
                    "country": "MLI",
                    "probability": probs.get(code),
                    "band": band(probs[code]) if code in probs else None,
                    "change": 0.05 if code in probs else None,
                    **intensity(horizon, code),
                },
            }
            for code, (name, admin1, shape) in DISTRICTS.items()
        ]
        return {
            **META,
            "type": "FeatureCollection",
            "horizon": horizon,
            "target": target,
            "features": features,
        }

    @app.get("/v1/districts/{code}")
    def fake_district(request: Request, code: str):
        if (refused := _authorised(request)) is not None:
            return refused
        forecasts = [
            {
                "horizon": h,
                "target": t,
                "probability": probs[code],
                "band": band(probs[code]),
                "previous_probability": probs[code] - 0.05,
                "change": 0.05,
                "model_version": "risk-any-h4/7",
                **intensity(h, code),
                "drivers": DRIVERS,
            }
            for (h, t), probs in PROBABILITY.items()
        ]
        return {
            **META,
            "district": _district(code),
            "forecasts": forecasts,
            "event_counts": {
                "last_4_weeks": 3,
                "last_12_weeks": 5,
                "last_52_weeks": 9,
                "fatalities_last_52_weeks": 12,
            },
            "recent_events": [],
        }

    @app.get("/v1/districts/{code}/history")
    def fake_history(request: Request, code: str, horizon: int = 4, target: str = "any"):
        if (refused := _authorised(request)) is not None:
            return refused
        weeks = ["2025-05-12", "2025-05-19", "2025-05-26", "2025-06-02", "2025-06-09"]
        probs = [0.2, 0.35, 0.5, 0.6, 0.7]
        happened = [False, True, True, None, None]
        items = [
            {
                "issue_week": w,
                "horizon": horizon,
                "target": target,
                "probability": p,
                "band": band(p),
                "model_version": "risk-any-h4/7",
                "observed_events": None if h is None else int(h),
                "happened": h,
                **intensity(horizon, code),
            }
            for w, p, h in zip(weeks, probs, happened, strict=True)
        ][::-1]  # newest first, as the API answers
        return {
            **META,
            "district": _district(code),
            "total": 5,
            "limit": 52,
            "offset": 0,
            "next_offset": None,
            "items": items,
        }

    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free loopback port in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the stub server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
