"""Process-tree-wide limits: one cgroup per sandboxed command, killed and removed after it.

rlimits are per process (four processes may each use the whole memory limit); a cgroup
counts the whole tree. We nest our cgroups under the cgroup this process already lives
in (so whatever limits the caller has still apply above ours) and name them
``featureline-<owner token>-<n>``, so a later featureline can reap those of a crashed one.

Supported: cgroup v1 ``memory`` and ``pids`` controllers (each its own hierarchy), or a
unified v2 hierarchy with those controllers delegated. Where neither works,
``cgroup_support()`` says why and the sandbox falls back to rlimits, visibly.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from featureline.sandbox.owner import owner_token, token_alive

CGROUP_ROOT = Path("/sys/fs/cgroup")
PREFIX = "featureline-"
_counter = itertools.count(1)
_lock = threading.Lock()


@dataclass(frozen=True)
class _Controller:
    """Where one controller's files live and what they are called."""

    name: str  # "memory" | "pids" | "cpuacct" (accounting only)
    parent: Path  # the directory our cgroups are created in
    v2: bool

    def limit_files(self, memory_bytes: int, max_processes: int) -> list[tuple[str, str]]:
        if self.name == "memory":
            if self.v2:
                return [("memory.max", str(memory_bytes)), ("memory.swap.max", "0")]
            return [
                ("memory.limit_in_bytes", str(memory_bytes)),
                ("memory.memsw.limit_in_bytes", str(memory_bytes)),
            ]
        if self.name == "pids":
            return [("pids.max", str(max_processes))]
        return []


def _own_paths() -> dict[str, str]:
    """controller name (or "" for v2) -> this process's cgroup path."""
    paths: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for name in parts[1].split(",") if parts[1] else [""]:
            paths[name] = parts[2]
    return paths


def _controllers() -> tuple[list[_Controller], str]:
    own = _own_paths()
    if (CGROUP_ROOT / "cgroup.controllers").exists():  # unified (v2) only
        parent = CGROUP_ROOT / own.get("", "/").lstrip("/")
        try:
            enabled = (parent / "cgroup.subtree_control").read_text().split()
        except OSError as exc:
            return [], f"cgroup v2 at {parent} is not readable ({exc})"
        found = [_Controller(n, parent, True) for n in ("memory", "pids") if n in enabled]
        found += [_Controller("cpuacct", parent, True)] if found else []  # cpu.stat is core
        why = "" if found else f"cgroup v2 at {parent} delegates neither memory nor pids"
        return found, why
    found = []
    for name in ("memory", "pids", "cpuacct"):
        mount = CGROUP_ROOT / name
        if (mount / "cgroup.procs").exists():
            found.append(_Controller(name, mount / own.get(name, "/").lstrip("/"), False))
    limiting = [c for c in found if c.name != "cpuacct"]
    return found, "" if limiting else "no cgroup v1 memory/pids hierarchy is mounted"


@functools.cache
def _probe() -> tuple[tuple[_Controller, ...], str]:
    if not os.path.isdir(CGROUP_ROOT):
        return (), f"{CGROUP_ROOT} does not exist (not Linux, or cgroups not mounted)"
    controllers, why = _controllers()
    working: list[_Controller] = []
    problems = [why] if why else []
    for controller in controllers:
        probe = controller.parent / f"{PREFIX}{owner_token()}-probe-{controller.name}"
        try:
            probe.mkdir()
            try:
                for file, value in controller.limit_files(64 * 2**20, 64)[:1]:
                    (probe / file).write_text(value)
            finally:
                probe.rmdir()
            working.append(controller)
        except OSError as exc:
            problems.append(
                f"cannot create a {controller.name} cgroup in {controller.parent}: "
                f"{exc.strerror or exc}"
            )
    return tuple(working), "; ".join(problems)


def cgroup_support() -> tuple[tuple[str, ...], str]:
    """The controllers we can limit a process tree with here, and why any are missing."""
    controllers, why = _probe()
    return tuple(c.name for c in controllers if c.name != "cpuacct"), why


class CommandCgroup:
    """The cgroups of one sandboxed command (one per working controller)."""

    def __init__(self, memory_bytes: int, max_processes: int) -> None:
        with _lock:
            name = f"{PREFIX}{owner_token()}-{next(_counter)}"
        self.dirs: dict[str, Path] = {}
        self._v2 = False
        self._removed = False
        self._final: tuple[float | None, bool, bool] | None = None
        for controller in _probe()[0]:
            path = controller.parent / name
            try:
                path.mkdir()
                for file, value in controller.limit_files(memory_bytes, max_processes):
                    with contextlib.suppress(FileNotFoundError):  # no swap accounting
                        (path / file).write_text(value)
            except OSError:
                with contextlib.suppress(OSError):
                    path.rmdir()
                continue
            self.dirs[controller.name] = path
            self._v2 = controller.v2

    @property
    def controllers(self) -> tuple[str, ...]:
        """The controllers that limit this command (accounting-only ones left out)."""
        return tuple(name for name in self.dirs if name != "cpuacct")

    def procs_files(self) -> list[str]:
        """What the launcher writes its pid into before it execs anything."""
        return [str(path / "cgroup.procs") for path in self.dirs.values()]

    def cpu_seconds(self) -> float | None:
        """CPU time the whole tree used, or None without CPU accounting."""
        if self._final is not None:
            return self._final[0]
        path = self.dirs.get("cpuacct")
        if path is None:
            return None
        if self._v2:
            usec = _counter_in(path / "cpu.stat", "usage_usec")
            return usec / 1e6
        try:
            return int((path / "cpuacct.usage").read_text()) / 1e9
        except (OSError, ValueError):
            return None

    def oom_killed(self) -> bool:
        if self._final is not None:
            return self._final[1]
        path = self.dirs.get("memory")
        if path is None:
            return False
        name = "memory.events" if self._v2 else "memory.oom_control"
        return _counter_in(path / name, "oom_kill") > 0

    def processes_exhausted(self) -> bool:
        if self._final is not None:
            return self._final[2]
        path = self.dirs.get("pids")
        return path is not None and _counter_in(path / "pids.events", "max") > 0

    def kill_and_remove(self, timeout: float = 5.0) -> bool:
        """SIGKILL every process in the cgroups until they are empty, then remove them;
        False when something could not be removed (a later start reaps it). The
        accounting (CPU, OOM kills, process-limit hits) is kept for the result."""
        if self._removed:
            return True
        if self._final is None:
            for path in self.dirs.values():  # stop the tree first so the numbers are final
                _freeze_by_killing(path)
            self._snapshot()
        removed = all([_kill_and_remove(path, timeout) for path in self.dirs.values()])
        self._removed = True
        return removed

    def _snapshot(self) -> None:
        self._final = (self.cpu_seconds(), self.oom_killed(), self.processes_exhausted())


def _counter_in(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _members(path: Path) -> list[int]:
    try:
        return [int(p) for p in (path / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _freeze_by_killing(path: Path) -> None:
    """One SIGKILL round: what is left cannot allocate or fork any more."""
    for pid in _members(path):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _kill_and_remove(path: Path, timeout: float) -> bool:
    kill_file = path / "cgroup.kill"
    deadline = time.monotonic() + timeout
    while True:
        members = _members(path)
        if not members:
            break
        if kill_file.exists():
            with contextlib.suppress(OSError):
                kill_file.write_text("1")
        for pid in members:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    # the last members may still be exiting; rmdir fails with EBUSY until they are gone
    while True:
        try:
            path.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)


def reap_orphan_cgroups() -> list[str]:
    """Kill and remove cgroups left by featureline processes that no longer run."""
    reaped: list[str] = []
    for controller in _probe()[0]:
        try:
            entries = list(controller.parent.iterdir())
        except OSError:
            continue
        for path in entries:
            token = _token_of(path.name)
            if token is None or token_alive(token):
                continue
            if _kill_and_remove(path, timeout=5.0):
                reaped.append(str(path))
    return reaped


def _token_of(name: str) -> str | None:
    if not name.startswith(PREFIX):
        return None
    parts = name[len(PREFIX) :].split("-")
    return f"{parts[0]}-{parts[1]}" if len(parts) >= 3 else None
