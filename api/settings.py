"""Deprecated alias: the API reads :class:`forecast.settings.Settings`, the one settings object.

Kept only for callers outside ``api/`` that still import it (``forecast.commands.serve``,
``tests/ops``); import from ``forecast.settings`` instead.
"""

from __future__ import annotations

from forecast.settings import Settings as ApiSettings
from forecast.settings import get_settings as get_api_settings

__all__ = ["ApiSettings", "get_api_settings"]
