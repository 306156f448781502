"""Resource limits for one sandboxed command and their translation into rlimits."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxLimits:
    """What one sandboxed command may use.

    ``wall_seconds`` is enforced by the parent (the whole process tree is killed with
    SIGKILL when it runs out). ``memory_bytes`` and ``max_processes`` apply to the whole
    tree when cgroups are available (``memory_bytes`` is also each process's address
    space limit, always). ``cpu_seconds``, ``file_size_bytes`` and ``open_files`` are
    kernel rlimits set before ``exec``, inherited by everything the command spawns and
    counted *per process*. ``disk_bytes`` caps what all commands of one sandbox write
    together (a size-limited tmpfs root, when the machine allows mounting one).
    """

    wall_seconds: float = 60.0
    memory_bytes: int = 1024 * 1024 * 1024  # RLIMIT_AS (address space, per process)
    cpu_seconds: int | None = None  # RLIMIT_CPU; None -> ceil(wall_seconds) + 1
    max_output_bytes: int = 64 * 1024  # per stream; head and tail kept, the middle cut
    file_size_bytes: int = 50 * 1024 * 1024  # RLIMIT_FSIZE
    open_files: int = 1024  # RLIMIT_NOFILE
    allow_loopback: bool = True  # the generated service's own tests talk to 127.0.0.1
    max_processes: int = 256  # pids cgroup: processes and threads of the whole tree
    disk_bytes: int = 1024 * 1024 * 1024  # tmpfs size of a sandbox's own root

    def __post_init__(self) -> None:
        if self.wall_seconds <= 0:
            raise ValueError("wall_seconds must be positive")
        for name in (
            "memory_bytes",
            "max_output_bytes",
            "file_size_bytes",
            "open_files",
            "max_processes",
            "disk_bytes",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.cpu_seconds is not None and self.cpu_seconds <= 0:
            raise ValueError("cpu_seconds must be positive")

    @property
    def effective_cpu_seconds(self) -> int:
        """The CPU-time limit actually applied."""
        if self.cpu_seconds is not None:
            return self.cpu_seconds
        return math.ceil(self.wall_seconds) + 1

    def rlimits(self) -> dict[str, int]:
        """The rlimits for the launcher: resource name -> soft limit (0 for core dumps)."""
        return {
            "RLIMIT_AS": self.memory_bytes,
            "RLIMIT_CPU": self.effective_cpu_seconds,
            "RLIMIT_FSIZE": self.file_size_bytes,
            "RLIMIT_NOFILE": self.open_files,
            "RLIMIT_CORE": 0,
        }
