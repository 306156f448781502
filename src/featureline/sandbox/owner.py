"""Who owns a sandbox resource: a process identity that survives pid reuse.

Every temp dir, cgroup and process the sandbox creates carries the owner token of the
featureline process that made it (``<pid>-<start time in clock ticks>``). A later
featureline can then tell an orphan (owner dead) from a live neighbour's resource (owner
alive, even with the same pid reused by an unrelated process) and reap only orphans.
"""

from __future__ import annotations

import functools
import os
import re

TOKEN_PATTERN = re.compile(r"(\d+)-(\d+)")


def process_start_time(pid: int) -> int | None:
    """The start time of ``pid`` in clock ticks since boot (``/proc/PID/stat`` field 22),
    or None when there is no such live process (a zombie counts as dead). Without
    ``/proc`` (macOS) a live process reads 0: alive, start time unknown."""
    if not os.path.isdir("/proc/self"):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return 0
        return 0
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if not fields or fields[0] in ("Z", "X"):
        return None
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


@functools.cache
def _token_for(pid: int) -> str:
    return f"{pid}-{process_start_time(pid) or 0}"


def owner_token() -> str:
    """This process's token (recomputed after a fork: the pid is part of the cache key)."""
    return _token_for(os.getpid())


def token_alive(token: str) -> bool:
    """Whether the process a token names still runs (same pid *and* same start time)."""
    match = TOKEN_PATTERN.fullmatch(token)
    if match is None:
        return False
    pid, started = int(match.group(1)), int(match.group(2))
    now = process_start_time(pid)
    return now is not None and (started == 0 or now == 0 or now == started)


def pid_alive(pid: int, start_time: int | None = None) -> bool:
    """Whether ``pid`` runs here (and, when given, started at ``start_time``)."""
    now = process_start_time(pid)
    if now is None:
        return False
    return start_time is None or now == 0 or start_time == now
