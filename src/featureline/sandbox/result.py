"""What a sandboxed command did, and the sandbox's own failure type."""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from pathlib import Path

from featureline.errors import RunFailure

_MEMORY_MARKERS = (
    "MemoryError",
    "Cannot allocate memory",
    "std::bad_alloc",
    "out of memory",
    "failed to allocate",
)


class SandboxError(RunFailure):
    """The sandbox itself could not do what was asked (not: the command failed)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(f"sandbox: {problem}")


@dataclass(frozen=True)
class SandboxResult:
    """One finished (or killed) sandboxed command.

    ``stdout``/``stderr`` are truncated to ``max_output_bytes`` each (head and tail kept,
    a ``… [truncated N bytes] …`` line in between). ``returncode`` is negative when a
    signal ended the process (``-9`` after a timeout). ``network_isolation`` describes
    the isolation that was in force (network mode first, then filesystem view, tree
    limits and disk cap). ``dropped_env`` names caller variables refused because they
    looked like secrets. ``timed_out`` is the wall clock; ``cpu_exceeded`` the CPU-time
    rlimit (``cpu_seconds`` is what the tree used, when it could be measured).
    """

    command: list[str]
    returncode: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool
    memory_exceeded: bool
    network_isolation: str
    workdir: Path
    dropped_env: tuple[str, ...] = field(default=())
    cpu_exceeded: bool = False
    processes_exceeded: bool = False
    cpu_seconds: float | None = None

    @property
    def ok(self) -> bool:
        """Exited 0, in time, within memory and CPU time."""
        return (
            self.returncode == 0
            and not self.timed_out
            and not self.memory_exceeded
            and not self.cpu_exceeded
        )

    def output_tail(self, n: int = 20) -> str:
        """The last ``n`` lines of stdout then stderr, for a one-glance failure report."""
        parts = [s.rstrip("\n") for s in (self.stdout, self.stderr) if s.strip()]
        lines = "\n".join(parts).splitlines()
        return "\n".join(lines[-n:]) if n > 0 else ""

    def summary(self) -> str:
        """One line: how it ended."""
        if self.timed_out:
            how = "timed out (wall clock)"
        elif self.cpu_exceeded:
            how = "exceeded its CPU time limit"
        elif self.memory_exceeded:
            how = "ran out of memory"
        elif self.returncode is not None and self.returncode < 0:
            how = f"killed by signal {-self.returncode}"
        else:
            how = f"exited {self.returncode}"
        if self.processes_exceeded:
            how += " (hit the process limit)"
        return f"{' '.join(self.command)}: {how} after {self.duration_s:.2f}s"


def looks_out_of_memory(returncode: int | None, stderr: str, killed_by_us: bool) -> bool:
    """Best effort: an allocation error in the output, or a SIGKILL we did not send
    (the kernel's OOM killer)."""
    if killed_by_us:
        return False
    if any(marker in stderr for marker in _MEMORY_MARKERS):
        return returncode != 0
    return returncode == -signal.SIGKILL
