"""Pure functions from the canonical tables to the district x week (or x month) panel.

    panel = build_panel(tables)                  # full build
    panel = extend_panel(panel, tables)          # append new weeks only
    specs = catalogue()                          # one FeatureSpec per feature column
    monthly = build_monthly_panel(tables)        # district x month (forecast.core.cadence.MONTH)
    specs = monthly_catalogue()                  # its columns; ABSENT: the families it lacks

No file or network I/O here: the CLI (``forecast features``) loads and stores.
"""

from features.catalogue import FeatureSpec, markdown_table
from features.config import FeatureConfig
from features.monthly import ABSENT, MonthlyConfig, build_monthly_panel, monthly_catalogue
from features.monthly_counts import monthly_counts
from features.panel import build_panel, catalogue, extend_panel

__all__ = [
    "ABSENT",
    "FeatureConfig",
    "FeatureSpec",
    "MonthlyConfig",
    "build_monthly_panel",
    "build_panel",
    "catalogue",
    "extend_panel",
    "markdown_table",
    "monthly_catalogue",
    "monthly_counts",
]
