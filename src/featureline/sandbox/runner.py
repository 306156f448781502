"""Run generated code in a subprocess sandbox (DESIGN rule 7).

What is enforced, for every command:

* **its own process group** (``start_new_session``); on timeout, and after every run,
  the whole group gets SIGKILL and the child is reaped — nothing is left running
  (a grandchild that calls ``setsid`` itself escapes the group; it is not chased);
* **limits**: wall clock (enforced here), and rlimits set in the child before ``exec``
  by a small launcher (never a ``preexec_fn``: the parent has threads): address space,
  CPU time, file size, open files, no core dumps;
* **environment built from scratch**: minimal PATH (the featureline Python's ``bin``
  first), HOME = workdir, TMPDIR inside the workdir, fixed locale and hash seed, no user
  site-packages; caller variables that look like secrets are dropped and reported;
* **network**: a private network namespace with only ``lo`` (needs Linux and
  CAP_SYS_ADMIN, probed once) — enforced by the kernel for every process; otherwise a
  *socket guard*: an audit hook in the sandbox's ``sitecustomize`` that refuses
  non-loopback connect/send/resolve in Python processes (not in non-Python children);
* **writes**: cwd, HOME and TMPDIR are inside the workdir; ``write_files`` refuses paths
  that escape it; in every mode the same ``sitecustomize`` refuses Python writes outside
  the workdir (``open`` for writing, ``os.open``, rename, remove, mkdir…). Not enforced:
  writes by non-Python children, or by code that bypasses the hook (``ctypes``,
  ``python -I``/``-S``). There is no filesystem namespace: as root, such code can write
  wherever root can. The sandbox stops accidents, not a determined attacker.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from featureline.errors import UnsafePathError
from featureline.safepaths import path_problem, safe_join
from featureline.sandbox.env import build_env
from featureline.sandbox.limits import SandboxLimits
from featureline.sandbox.network import (
    GUARD,
    GUARD_DIR,
    NAMESPACE,
    NetworkChoice,
    launcher_argv,
    namespace_support,
)
from featureline.sandbox.output import BoundedCapture
from featureline.sandbox.result import SandboxError, SandboxResult, looks_out_of_memory

_DRAIN_SECONDS = 2.0

_PORT_PROBE = """
import socket, sys, time
host, port, pid, wait = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
deadline = time.monotonic() + wait
while time.monotonic() < deadline:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                sys.exit(3)
    except OSError:
        sys.exit(3)
    time.sleep(0.05)
sys.exit(2)
"""


class _Child:
    """One running sandboxed process with its output being drained."""

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
    ) -> None:
        self.command = command
        self.workdir = workdir
        self.limits = limits
        self.isolation = isolation
        self.dropped = dropped
        self.timed_out = False
        self.killed_by_us = False
        self.started = time.monotonic()
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

    def kill_on_timeout(self) -> None:
        if self.proc.poll() is None:
            self.timed_out = True
            self.killed_by_us = True
        self.signal_group(signal.SIGKILL)

    def wait(self, timeout: float | None) -> SandboxResult:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_on_timeout()
            self.proc.wait()
        finally:
            self.signal_group(signal.SIGKILL)  # whatever it left running in the background
        return self.result()

    def result(self) -> SandboxResult:
        returncode = self.proc.wait()
        duration = time.monotonic() - self.started
        self._out.join(_DRAIN_SECONDS)
        self._err.join(_DRAIN_SECONDS)
        stderr = self._err.text()
        return SandboxResult(
            command=list(self.command),
            returncode=returncode,
            stdout=self._out.text(),
            stderr=stderr,
            duration_s=round(duration, 3),
            timed_out=self.timed_out,
            memory_exceeded=looks_out_of_memory(returncode, stderr, self.killed_by_us),
            network_isolation=self.isolation,
            workdir=self.workdir,
            dropped_env=self.dropped,
        )


class Sandbox:
    """Workspaces and sandboxed runs under one root directory.

    ``root`` defaults to a fresh temp dir that ``close()`` removes; pass a fixed root to
    make ``workspace(key)`` paths stable across processes (resume). ``network`` is
    ``"auto"`` (namespace when available, else the socket guard), ``"namespace"`` (fail
    with SandboxError when unavailable) or ``"guard"`` (always the socket guard).
    ``python`` is the interpreter the launcher runs on; its ``bin`` directory comes
    first on the sandbox PATH, so ``python``, ``pytest`` and ``uvicorn`` resolve to the
    featureline environment (which has what generated services need).
    """

    def __init__(
        self,
        root: Path | None = None,
        limits: SandboxLimits = SandboxLimits(),  # noqa: B008 (frozen, shared safely)
        *,
        network: NetworkChoice = "auto",
        python: str | None = None,
    ) -> None:
        if network not in ("auto", "namespace", "guard"):
            raise ValueError(f"network must be auto, namespace or guard, not {network!r}")
        self._owns_root = root is None
        if root is None:
            root = Path(tempfile.mkdtemp(prefix="featureline-sandbox-"))
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self.limits = limits
        self.python = python or sys.executable
        self._network_choice: NetworkChoice = network
        self._isolation: str | None = None
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        """Remove the root when the sandbox created it; a caller's root stays."""
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- network ---------------------------------------------------------------------

    @property
    def network_isolation(self) -> str:
        """``"network namespace"`` or ``"socket guard"``: what this sandbox's runs get."""
        with self._lock:
            if self._isolation is None:
                if self._network_choice == "guard":
                    self._isolation = GUARD
                else:
                    works, why = namespace_support(self.python)
                    if works:
                        self._isolation = NAMESPACE
                    elif self._network_choice == "namespace":
                        raise SandboxError(f"no network namespace available: {why}")
                    else:
                        self._isolation = GUARD
            return self._isolation

    # -- files -----------------------------------------------------------------------

    def workspace(self, key: str) -> Path:
        """The directory for ``key`` (e.g. ``"run-id/step/attempt"``), emptied: the same
        key always gives the same path under this root, fresh on every call (DESIGN
        rule 2: a re-run node starts from a clean slate)."""
        path = safe_join(self.root, key)
        if path == self.root:
            raise UnsafePathError(key, "a workspace key must name a directory below the root")
        if path.exists() or path.is_symlink():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        path.mkdir(parents=True)
        return path

    def write_files(self, workdir: Path, files: Mapping[str, str]) -> None:
        """Write generated files under ``workdir``; every path must be relative and stay
        inside (featureline.errors.UnsafePathError otherwise, before anything is written)."""
        problems = [(name, path_problem(name)) for name in files]
        for name, problem in problems:
            if problem:
                raise UnsafePathError(name, problem)
        targets = [(safe_join(workdir, name), content) for name, content in files.items()]
        for target, content in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")

    # -- running ---------------------------------------------------------------------

    def run(
        self,
        argv: Sequence[str],
        workdir: Path,
        *,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
        limits: SandboxLimits | None = None,
    ) -> SandboxResult:
        """Run ``argv`` in ``workdir`` (a directory under the root) and wait for it,
        at most ``limits.wall_seconds``. Never raises for what the command does: a
        failure, a timeout or a crash is in the result."""
        child = self._spawn(argv, workdir, env=env, stdin=stdin, limits=limits)
        return child.wait(timeout=child.limits.wall_seconds)

    def start(
        self,
        argv: Sequence[str],
        workdir: Path,
        *,
        env: Mapping[str, str] | None = None,
        limits: SandboxLimits | None = None,
    ) -> SandboxServer:
        """Start a long-running command (a server for a load test) and return at once.

        ``limits.wall_seconds`` is its maximum lifetime. In namespace mode the server
        lives in its own network namespace: the host cannot reach it, so run the client
        with ``server.run(...)``, which joins the server's namespace (and works the same
        in guard mode, where the host can also connect directly)."""
        return SandboxServer(self, self._spawn(argv, workdir, env=env, stdin=None, limits=limits))

    def _spawn(
        self,
        argv: Sequence[str],
        workdir: Path,
        *,
        env: Mapping[str, str] | None,
        stdin: str | None,
        limits: SandboxLimits | None,
        join_pid: int | None = None,
    ) -> _Child:
        command = [str(a) for a in argv]
        if not command or not command[0]:
            raise ValueError("argv must name a command")
        workdir = self._check_workdir(workdir)
        limits = limits or self.limits
        isolation = self.network_isolation
        tmpdir = workdir / ".tmp"
        tmpdir.mkdir(exist_ok=True)
        if isolation == NAMESPACE:
            net_mode = "namespace"
            config: dict[str, object] = (
                {"netns": "join", "pid": join_pid}
                if join_pid is not None
                else {"netns": "new", "loopback": limits.allow_loopback}
            )
        else:
            net_mode = "guard-loopback" if limits.allow_loopback else "guard-none"
            config = {}
        config["rlimits"] = limits.rlimits()
        child_env, dropped = build_env(
            workdir=workdir,
            tmpdir=tmpdir,
            python_bin_dir=Path(self.python).parent,
            guard_dir=GUARD_DIR,
            net_mode=net_mode,
            extra=env,
        )
        full_argv = launcher_argv(self.python, config, command)
        return _Child(command, full_argv, workdir, child_env, stdin, limits, isolation, dropped)

    def _check_workdir(self, workdir: Path) -> Path:
        resolved = Path(workdir).resolve()
        if not resolved.is_dir():
            raise SandboxError(f"workdir {workdir} is not a directory")
        if resolved == self.root or not resolved.is_relative_to(self.root):
            raise SandboxError(f"workdir {workdir} is not inside the sandbox root {self.root}")
        return resolved


class SandboxServer:
    """A long-running sandboxed process; ``stop()`` ends its whole process group.

    Use as a context manager. It is killed anyway after its ``wall_seconds``
    (``timed_out`` in the final result)."""

    def __init__(self, sandbox: Sandbox, child: _Child) -> None:
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
        return self._child.isolation != NAMESPACE

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
        if self._child.isolation == NAMESPACE:
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
        argv = [self._sandbox.python, "-c", _PORT_PROBE, host, str(port), str(self.pid)]
        try:
            probe = self.run([*argv, str(timeout)], limits=SandboxLimits(wall_seconds=timeout + 5))
        except SandboxError:
            if self.running():
                raise
        else:
            if probe.ok:
                return
            if probe.returncode != 3 and self.running():
                detail = probe.output_tail(5)
                raise SandboxError(
                    f"server did not listen on {host}:{port} within {timeout}s"
                    + (f": {detail}" if detail else "")
                )
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
                child.signal_group(signal.SIGKILL)
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
