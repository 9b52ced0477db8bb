"""Run a benchmark's measured part in a fresh process, so its peak memory is its own.

The script is called again with ``--child`` and the given arguments; its last line of
output is a JSON object of figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def run_child(script: str, *args: object) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, script, "--child", *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])
