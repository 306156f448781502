"""One running sandboxed command: its process, its cgroups, its drained output."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from featureline.sandbox.cgroups import CommandCgroup
from featureline.sandbox.limits import SandboxLimits
from featureline.sandbox.output import BoundedCapture
from featureline.sandbox.result import SandboxResult, looks_out_of_memory

_DRAIN_SECONDS = 2.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class SandboxChild:
    """A started command. ``wait``/``finish`` always kill what is left of its tree (process
    group and cgroups) and reap it, so nothing outlives the command."""

    def __init__(
        self,
        command: list[str],
        full_argv: list[str],
        workdir: Path,
        env: dict[str, str],
        stdin: str | None,
        limits: SandboxLimits,
        isolation: str,
        dropped: tuple[str, ...],
        cgroup: CommandCgroup | None,
        via_bubblewrap: bool,
    ) -> None:
        self.command = command
        self.workdir = workdir
        self.limits = limits
        self.isolation = isolation
        self.dropped = dropped
        self.cgroup = cgroup
        self.via_bubblewrap = via_bubblewrap
        self.timed_out = False
        self.killed_by_us = False
        self.cpu_seconds: float | None = None
        self._finished = False
        self._finish_lock = threading.Lock()
        self.started = time.monotonic()
        try:
            self.proc = subprocess.Popen(
                full_argv,
                cwd=workdir,
                env=env,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
            )
        except BaseException:
            if cgroup is not None:
                cgroup.kill_and_remove()
            raise
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._out = BoundedCapture(self.proc.stdout, limits.max_output_bytes)
        self._err = BoundedCapture(self.proc.stderr, limits.max_output_bytes)
        if stdin is not None:
            threading.Thread(target=self._feed, args=(stdin,), daemon=True).start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _feed(self, text: str) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.write(text.encode("utf-8"))
        with contextlib.suppress(OSError):
            self.proc.stdin.close()

    def signal_group(self, sig: int) -> None:
        # The group id is the child's pid; it stays valid while any member lives.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def kill_tree(self) -> None:
        """SIGKILL the process group and everything in the command's cgroups."""
        self.signal_group(signal.SIGKILL)
        if self.cgroup is not None:
            self.cgroup.kill_and_remove()

    def kill_on_timeout(self) -> None:
        if self.proc.poll() is None:
            self.timed_out = True
            self.killed_by_us = True
        self.kill_tree()

    def _wait_exited(self, timeout: float | None) -> bool:
        """Wait until the child has exited *without reaping it*, so its CPU time can still
        be read; False on timeout."""
        if not hasattr(os, "waitid"):  # macOS: wait normally, CPU time from the cgroup only
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.001
        while True:
            try:
                info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG)
            except ChildProcessError:
                return True  # already reaped (a watchdog's poll)
            if info is not None:
                self.cpu_seconds = self._measure_cpu()
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _measure_cpu(self) -> float | None:
        """The tree's CPU time: the cgroup's account when there is one (it sees processes
        bubblewrap's init reaped), else the exited child's own and its waited children's."""
        measured = self.cgroup.cpu_seconds() if self.cgroup is not None else None
        return measured if measured is not None else _cpu_seconds(self.pid)

    def wait(self, timeout: float | None) -> SandboxResult:
        try:
            if not self._wait_exited(timeout):
                self.kill_on_timeout()
                self.proc.wait()
        finally:
            self.kill_tree()  # whatever it left running in the background
        return self.result()

    def result(self) -> SandboxResult:
        returncode = self.proc.wait()
        with self._finish_lock:
            if not self._finished:
                self._finished = True
                self.kill_tree()
        if self.via_bubblewrap and returncode is not None and 128 < returncode <= 128 + 64:
            returncode = -(returncode - 128)  # bwrap reports "killed by signal N" as 128+N
        duration = time.monotonic() - self.started
        self._out.join(_DRAIN_SECONDS)
        self._err.join(_DRAIN_SECONDS)
        stderr = self._err.text()
        cpu_exceeded = self._cpu_exceeded(returncode)
        oom = self.cgroup is not None and self.cgroup.oom_killed()
        memory = not cpu_exceeded and (
            oom or looks_out_of_memory(returncode, stderr, self.killed_by_us)
        )
        return SandboxResult(
            command=list(self.command),
            returncode=returncode,
            stdout=self._out.text(),
            stderr=stderr,
            duration_s=round(duration, 3),
            timed_out=self.timed_out,
            memory_exceeded=memory,
            network_isolation=self.isolation,
            workdir=self.workdir,
            dropped_env=self.dropped,
            cpu_exceeded=cpu_exceeded,
            processes_exceeded=self.cgroup is not None and self.cgroup.processes_exhausted(),
            cpu_seconds=self.cpu_seconds,
        )

    def _cpu_exceeded(self, returncode: int | None) -> bool:
        if self.killed_by_us:
            return False
        if returncode == -signal.SIGXCPU:
            return True
        limit = self.limits.effective_cpu_seconds
        used = self.cpu_seconds
        return returncode == -signal.SIGKILL and used is not None and used >= limit * 0.9


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of an exited, unreaped child and the children it waited for."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return sum(int(fields[i]) for i in (11, 12, 13, 14)) / _CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None
