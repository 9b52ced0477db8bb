"""Sharing the store file between processes: wait for the lock, say who holds it, read a copy.

DuckDB lets one process write a file, or several read it, never both: a second process
gets ``Could not set lock`` at once. This module turns that into behaviour an operator can
live with:

- :func:`connect` retries for as long as the process's :class:`LockWait` allows (the
  command line sets FORECAST_STORE_LOCK_TIMEOUT_SECONDS; library users such as the API wait
  not at all and keep their own retries), says once that it waits, and finally raises
  :class:`StoreBusyError`, one line naming the holder.
- A writer records itself (pid, host, command line, since when) in ``<store>.lock-info``
  while it has the store open, so the holder can be named; a record whose process is gone,
  or that is not the process DuckDB reports as the holder, is ignored.
- :func:`consistent_copy` copies the file as of the writer's last checkpoint, so read-only
  commands can run beside a writer instead of failing or waiting.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

LOCK_INFO_SUFFIX = ".lock-info"
# DuckDB names the conflicting process in its message: "... is held in /usr/bin/python3
# (PID 1234) ...". The lock-info record is trusted only when it is that process.
_HOLDER_PID = re.compile(r"\(PID (\d+)\)")
_LOCK_CONFLICT = "Could not set lock"
# The file's first 12 KiB: DuckDB's main header and its two alternating database headers.
# A checkpoint ends by writing one of the database headers.
_HEADERS_BYTES = 3 * 4096
_MAX_COMMAND_CHARS = 300


@dataclass(frozen=True)
class LockWait:
    """How long opening a locked store waits, and where the one waiting message goes.

    ``timeout`` 0 fails at once (the default outside the command line); ``setting`` names
    the knob in messages so the operator knows what to change.
    """

    timeout: float | Callable[[], float] = 0.0
    announce: Callable[[str], None] | None = None
    setting: str | None = None

    def seconds(self) -> float:
        # Read lazily: the command line installs its policy before settings are parsed, so
        # `forecast status --help` works even with a bad environment.
        return float(self.timeout() if callable(self.timeout) else self.timeout)

    def say(self, message: str) -> None:
        if self.announce is not None:
            self.announce(message)


NO_WAIT = LockWait()
_policy: LockWait = NO_WAIT
_thread = threading.local()


def current_wait() -> LockWait:
    """This thread's override (:func:`in_this_thread`), else the process's policy."""
    override: LockWait | None = getattr(_thread, "policy", None)
    return override if override is not None else _policy


@contextmanager
def in_this_thread(policy: LockWait) -> Iterator[LockWait]:
    """Use ``policy`` in this thread only, whatever the process's is: the API served by
    `forecast serve` keeps its own retries rather than the command line's long wait."""
    previous = getattr(_thread, "policy", None)
    _thread.policy = policy
    try:
        yield policy
    finally:
        _thread.policy = previous


@contextmanager
def waiting_for_lock(policy: LockWait) -> Iterator[LockWait]:
    """Make ``policy`` the process's default while the block runs (the command line's)."""
    global _policy
    previous, _policy = _policy, policy
    try:
        yield policy
    finally:
        _policy = previous


class StoreBusyError(duckdb.IOException):
    """Another process holds the store's lock. A ``duckdb.IOException`` still, so callers
    that retry on DuckDB's own lock error (the API's snapshot loader) keep working."""

    def __init__(self, path: Path, holder: str, waited: float | None, setting: str | None) -> None:
        self.path = path
        self.holder = holder
        message = f"the store {path} is busy, held by {holder}"
        if waited is not None:
            knob = f" ({setting})" if setting else ""
            message += f"; gave up after {waited:g} s{knob}"
        super().__init__(message)


# --- who holds it -------------------------------------------------------------------------


def lock_info_path(path: Path) -> Path:
    return path.with_name(path.name + LOCK_INFO_SUFFIX)


def _command_line(argv: list[str]) -> str:
    """A readable command line: ``forecast ingest events x.csv`` rather than the
    interpreter's path followed by the console script's."""
    words = list(argv)
    if len(words) > 1 and Path(words[0]).name.startswith("python") and words[1][:1] != "-":
        words = words[1:]  # "python /venv/bin/forecast ..." (a script run by its shebang)
    if words:
        words[0] = Path(words[0]).name
    text = shlex.join(words)
    return text if len(text) <= _MAX_COMMAND_CHARS else text[: _MAX_COMMAND_CHARS - 3] + "..."


def _process_command(pid: int) -> str | None:
    """The command line of a live process on this machine (Linux /proc), else None."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    words = [w.decode("utf-8", "replace") for w in raw.split(b"\0") if w]
    return _command_line(words) if words else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, alive
    return True


def read_lock_info(path: Path) -> dict[str, Any] | None:
    try:
        info = json.loads(lock_info_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and isinstance(info.get("pid"), int) else None


def _credible(info: dict[str, Any], reported: int | None) -> bool:
    """Is this record about the process holding the lock now? A process that died without
    closing leaves its record behind, and its pid may since belong to something else."""
    if info.get("host") != socket.gethostname():
        # Another machine on a shared volume: DuckDB's pid means nothing here, and its
        # liveness cannot be checked; the record is all there is.
        return reported is None
    if reported is not None:
        return bool(info["pid"] == reported)
    return _alive(info["pid"])


def describe_holder(path: Path, error: str = "") -> str:
    """Who holds the store, in words: from the lock-info record when it is credible, else
    from the process DuckDB names in ``error``."""
    found = _HOLDER_PID.search(error)
    reported = int(found.group(1)) if found else None
    info = read_lock_info(path)
    if info is not None and _credible(info, reported):
        where = "" if info.get("host") == socket.gethostname() else f" on {info.get('host')}"
        since = f", since {info['since']}" if info.get("since") else ""
        return f"`{info.get('command') or 'a writer'}` (pid {info['pid']}{where}{since})"
    if reported is not None:
        command = _process_command(reported)
        return f"`{command}` (pid {reported})" if command else f"process {reported}"
    return "another process"


_recorded: dict[Path, int] = {}
_recorded_lock = threading.Lock()


def record_writer(path: Path) -> None:
    """Note in ``<store>.lock-info`` that this process writes the store (call with the write
    lock held, so no other writer can be recording). Counted per process: several stores
    open on one file share DuckDB's database, and the record goes with the last."""
    key = path.resolve()
    with _recorded_lock:
        _recorded[key] = _recorded.get(key, 0) + 1
        if _recorded[key] > 1:
            return
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": _command_line(sys.argv),
            "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        }
        target = lock_info_path(path)
        temporary = target.with_name(f"{target.name}.{os.getpid()}")
        try:
            temporary.write_text(json.dumps(info), encoding="utf-8")
            os.replace(temporary, target)  # readers never see half a record
        except OSError:
            pass  # informational only: a read-only folder must not stop the writer


def forget_writer(path: Path) -> None:
    """Remove this process's record once its last store on ``path`` closed."""
    key = path.resolve()
    with _recorded_lock:
        count = _recorded.get(key, 0) - 1
        if count > 0:
            _recorded[key] = count
            return
        _recorded.pop(key, None)
        info = read_lock_info(path)
        if info is not None and info["pid"] == os.getpid():
            with contextlib.suppress(OSError):
                lock_info_path(path).unlink()


# --- opening --------------------------------------------------------------------------------


def is_lock_conflict(error: BaseException) -> bool:
    return isinstance(error, duckdb.IOException) and _LOCK_CONFLICT in str(error)


def connect(path: Path, *, read_only: bool, wait: LockWait) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect``, waiting up to ``wait``'s timeout while another process holds the
    lock; then :class:`StoreBusyError`."""
    deadline: float | None = None
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            if not is_lock_conflict(error):
                raise
            holder = describe_holder(path, str(error))
            timeout = wait.seconds()
            now = time.monotonic()
            if deadline is None:
                if timeout <= 0:
                    raise StoreBusyError(path, holder, None, None) from None
                deadline = now + timeout
                knob = f" ({wait.setting})" if wait.setting else ""
                wait.say(
                    f"Waiting for the store {path}: {holder} has it open; "
                    f"giving up after {timeout:g} s{knob}"
                )
            if now >= deadline:
                raise StoreBusyError(path, holder, timeout, wait.setting) from None
            time.sleep(min(delay, max(deadline - now, 0.0)))
            delay = min(delay * 2, 1.0)


def _headers(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(_HEADERS_BYTES)


@contextmanager
def consistent_copy(path: Path, tries: int = 5) -> Iterator[Path | None]:
    """A private copy of the store file as of its last checkpoint, or None when no copy
    stayed consistent in ``tries`` (a writer checkpointing without pause).

    The write-ahead log is left behind: what it holds is not checkpointed yet. The copy is
    consistent when no checkpoint completed while it was taken (the headers are the same
    before and after): DuckDB writes a checkpoint's blocks into space the previous header
    does not use and reuses blocks only after the checkpoint that freed them completed.
    """
    folder = Path(tempfile.mkdtemp(prefix="forecast-snapshot-"))
    copy = folder / path.name
    try:
        for attempt in range(tries):
            before = _headers(path)
            shutil.copyfile(path, copy)
            if _headers(path) == before:
                break
            time.sleep(0.05 * (attempt + 1))
        else:
            yield None
            return
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)
