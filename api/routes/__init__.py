"""Routers per resource, assembled under /v1 (the full-stack template's api/routes layout)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import require
from api.routes import admin, districts, forecasts, incidents, map, model
from api.web import bulletins

api_router = APIRouter(prefix="/v1")
read = [Depends(require("read"))]
api_router.include_router(forecasts.router, dependencies=read)
api_router.include_router(districts.router, dependencies=read)
api_router.include_router(map.router, dependencies=read)
api_router.include_router(model.router, dependencies=read)
api_router.include_router(bulletins.router, dependencies=read)
api_router.include_router(incidents.router, dependencies=[Depends(require("report"))])
api_router.include_router(admin.router, dependencies=[Depends(require("admin"))])
