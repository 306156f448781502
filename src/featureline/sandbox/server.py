"""A long-running sandboxed process (a service under load test) and its clients."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from featureline.sandbox.child import SandboxChild
from featureline.sandbox.limits import SandboxLimits
from featureline.sandbox.network import NAMESPACE
from featureline.sandbox.result import SandboxError, SandboxResult

if TYPE_CHECKING:
    from featureline.sandbox.runner import Sandbox

# Exit 0 once host:port accepts a connection, 2 when the wait runs out. It runs inside the
# sandbox (its own /proc with bubblewrap), so the host checks whether the server lives.
_PORT_PROBE = """
import socket, sys, time
host, port, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + wait
while time.monotonic() < deadline:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(2)
"""
_PROBE_SLICE = 3.0


class SandboxServer:
    """A long-running sandboxed process; ``stop()`` ends its whole process group.

    Use as a context manager. It is killed anyway after its ``wall_seconds``
    (``timed_out`` in the final result)."""

    def __init__(self, sandbox: Sandbox, child: SandboxChild) -> None:
        self._sandbox = sandbox
        self._child = child
        self._result: SandboxResult | None = None
        self._in_own_namespace = False
        self._lock = threading.Lock()
        self._watchdog = threading.Timer(child.limits.wall_seconds, child.kill_on_timeout)
        self._watchdog.daemon = True
        self._watchdog.start()

    @property
    def pid(self) -> int:
        return self._child.pid

    @property
    def workdir(self) -> Path:
        return self._child.workdir

    @property
    def network_isolation(self) -> str:
        return self._child.isolation

    @property
    def reachable_from_host(self) -> bool:
        """Whether this process (the caller) can connect to the server's ports."""
        return not self._child.isolation.startswith(NAMESPACE)

    def running(self) -> bool:
        return self._result is None and self._child.proc.poll() is None

    def run(
        self,
        argv: Sequence[str],
        workdir: Path | None = None,
        *,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
        limits: SandboxLimits | None = None,
    ) -> SandboxResult:
        """Run a client (a load test, a smoke request) in the server's network, with
        the same sandboxing as ``Sandbox.run``; ``workdir`` defaults to the server's."""
        if not self.running():
            raise SandboxError("the server is not running")
        join = None
        if self._child.isolation.startswith(NAMESPACE):
            self._wait_for_own_namespace()
            join = self.pid
        child = self._sandbox._spawn(
            argv,
            workdir or self.workdir,
            env=env,
            stdin=stdin,
            limits=limits,
            join_pid=join,
        )
        return child.wait(timeout=child.limits.wall_seconds)

    def _wait_for_own_namespace(self, timeout: float = 10.0) -> None:
        """The server's launcher moves into its new namespace a few milliseconds after
        it starts; joining before that would join the host's network."""
        if self._in_own_namespace:
            return
        host_ns = os.readlink("/proc/self/ns/net")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.running():
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{self.pid}/ns/net") != host_ns:
                    self._in_own_namespace = True
                    return
            time.sleep(0.005)
        raise SandboxError("the server did not enter its network namespace")

    def wait_for_port(self, port: int, *, host: str = "127.0.0.1", timeout: float = 15.0) -> None:
        """Return once something accepts connections on ``host:port`` in the server's
        network; SandboxError (with the server's output) if it dies or never listens."""
        deadline = time.monotonic() + timeout
        while self.running():
            wait = max(0.5, min(_PROBE_SLICE, deadline - time.monotonic()))
            argv = [self._sandbox.python, "-c", _PORT_PROBE, host, str(port), str(wait)]
            try:
                probe = self.run(argv, limits=SandboxLimits(wall_seconds=wait + 10))
            except SandboxError:
                if self.running():
                    raise
                break
            if probe.ok:
                return
            if probe.returncode != 2 and self.running():
                detail = probe.output_tail(5)
                raise SandboxError(
                    f"could not probe {host}:{port} in the server's network"
                    + (f": {detail}" if detail else "")
                )
            if time.monotonic() >= deadline and self.running():
                raise SandboxError(f"server did not listen on {host}:{port} within {timeout}s")
        final = self.stop()
        raise SandboxError(
            f"server exited ({final.summary()}) before listening on {host}:{port}: "
            f"{final.output_tail(10)}"
        )

    def stop(self, grace: float = 2.0) -> SandboxResult:
        """SIGTERM to the group, SIGKILL after ``grace`` seconds; idempotent."""
        with self._lock:
            if self._result is None:
                self._watchdog.cancel()
                child = self._child
                if child.proc.poll() is None:
                    child.signal_group(signal.SIGTERM)
                    try:
                        child.proc.wait(timeout=grace)
                    except subprocess.TimeoutExpired:
                        child.killed_by_us = True
                child.kill_tree()
                self._result = child.result()
            return self._result

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
