"""Pure functions from the canonical tables to the district x week feature panel.

    panel = build_panel(tables)                  # full build
    panel = extend_panel(panel, tables)          # append new weeks only
    specs = catalogue()                          # one FeatureSpec per feature column

No file or network I/O here: the CLI (``forecast features``) loads and stores.
"""

from features.catalogue import FeatureSpec, markdown_table
from features.config import FeatureConfig
from features.panel import build_panel, catalogue, extend_panel

__all__ = [
    "FeatureConfig",
    "FeatureSpec",
    "build_panel",
    "catalogue",
    "extend_panel",
    "markdown_table",
]
