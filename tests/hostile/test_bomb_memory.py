"""A 1 MB gzip bomb (1 GiB of zeros) is refused with bounded memory, measured in a child.

The command runs as its own process, as an operator would run it, with the default input cap
(FORECAST_MAX_INPUT_BYTES unset); its peak resident set comes from ``os.wait4`` in a small
launcher, which reports the rusage of that one child (``ru_maxrss``, KiB on Linux).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.corpus import gzip_bomb

GIB = 1 << 30
FORECAST = Path(sys.executable).with_name("forecast")


# A small launcher forks the command and reports that child's rusage. Forking straight from
# pytest would count pytest's own resident pages, shared with the child until its exec.
LAUNCHER = """
import os, sys
out, program, *args = sys.argv[1:]
pid = os.fork()
if pid == 0:
    os.execv(program, [program, *args])
_, status, usage = os.wait4(pid, 0)
with open(out, "w") as handle:
    handle.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def peak_rss_of(args: list[str], env: dict[str, str], report: Path) -> tuple[int, int, str]:
    """(exit status, peak RSS in bytes, stderr) of one child process."""
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(report), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    return launched.returncode, int(report.read_text()) * 1024, launched.stderr


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in KiB is Linux's")
@pytest.mark.parametrize(
    ("command", "name"),
    [(["ingest", "events"], "bomb.csv.gz"), (["ingest", "events", "-f", "ucdp"], "bomb.json.gz")],
)
def test_gzip_bomb_is_refused_under_1_gib(tmp_path: Path, command: list[str], name: str) -> None:
    bomb = tmp_path / name
    bomb.write_bytes(gzip_bomb(GIB))
    assert bomb.stat().st_size < 1_100_000  # about 1 MB on disk
    env = {k: v for k, v in os.environ.items() if k != "FORECAST_MAX_INPUT_BYTES"}
    env["FORECAST_HOME"] = str(tmp_path / "home")
    status, peak, err = peak_rss_of([str(FORECAST), *command, str(bomb)], env, tmp_path / "maxrss")
    print(f"{name}: exit {status}, peak RSS {peak / 2**20:.0f} MiB")
    assert status == 2, err
    assert "FORECAST_MAX_INPUT_BYTES" in err and name in err
    assert "Traceback" not in err
    assert peak < GIB, f"peak RSS {peak / 2**20:.0f} MiB"
