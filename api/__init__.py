"""The FastAPI service: risk scores, explanations and history for NGO security teams."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from forecast.core.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app (see :func:`api.main.create_app`); imported lazily to keep imports light."""
    from api.main import create_app as factory

    return factory(settings)
