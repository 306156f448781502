"""Clean up after a featureline that was killed: its sandboxed processes, cgroups, roots.

The sandbox normally leaves nothing behind (every command's tree is killed when it ends,
and with bubblewrap it dies with featureline even on ``kill -9``). Without bubblewrap a
process that detached itself can outlive a killed featureline; this sweep, run when a
run starts, resumes or is reviewed, finds everything whose owner is gone and removes it.
"""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

from featureline.sandbox.cgroups import reap_orphan_cgroups
from featureline.sandbox.owner import token_alive
from featureline.sandbox.workroot import reap_orphan_roots

OWNER_ENV = "FEATURELINE_SANDBOX_OWNER"


@dataclass
class Reaped:
    processes: list[int] = field(default_factory=list)
    cgroups: list[str] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.processes or self.cgroups or self.roots)


def orphan_processes() -> list[int]:
    """Processes started by a sandbox whose featureline owner no longer runs."""
    marker = f"{OWNER_ENV}=".encode()
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        for item in environ.split(b"\0"):
            if item.startswith(marker):
                token = item[len(marker) :].decode("ascii", "replace")
                if not token_alive(token):
                    found.append(int(entry.name))
                break
    return found


def reap_leftovers() -> Reaped:
    """Kill orphaned sandbox processes, remove their cgroups and roots; what was reaped."""
    reaped = Reaped()
    for pid in orphan_processes():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
            reaped.processes.append(pid)
    reaped.cgroups = reap_orphan_cgroups()
    reaped.roots = reap_orphan_roots()
    return reaped
