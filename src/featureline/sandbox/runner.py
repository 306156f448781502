"""Run generated code in a subprocess sandbox (DESIGN rules 7 and 11).

What is enforced, for every command, in the strongest form the machine allows (the
``network_isolation`` string of every result says which was in force; ``weaknesses()``
lists every guarantee that is missing here, and featureline warns about them):

* **nothing outlives it**: its own process group and, with cgroups, its own cgroup; on
  timeout and after every run the whole tree is SIGKILLed and reaped. The launcher asks
  for SIGKILL when featureline dies (``PR_SET_PDEATHSIG``), and under bubblewrap the
  private pid namespace takes every descendant with it, even after ``kill -9`` of
  featureline. Anything a killed featureline left (processes, cgroups, roots) is reaped
  by ``featureline.sandbox.reaper`` on the next run, resume or review;
* **filesystem** (bubblewrap): only the work dir is writable; the interpreter, its
  environment and ``/usr`` are read-only; private ``/proc`` and ``/tmp``; no HOME, no
  host sockets, all capabilities dropped. Without bubblewrap: a ``sitecustomize`` audit
  hook refuses Python writes outside the work dir (stops accidents, not attackers);
* **limits**: wall clock (here), memory and processes for the whole tree (cgroups),
  per-process address space, CPU time, file size and open files (rlimits), and disk
  for the whole sandbox (a size-limited tmpfs root);
* **environment built from scratch**: minimal PATH (the featureline Python's ``bin``
  first), HOME = work dir, TMPDIR inside it, no user site-packages; caller variables that
  look like secrets are dropped and reported;
* **network**: a private network namespace with only ``lo`` (needs CAP_SYS_ADMIN); else
  the socket guard in the same ``sitecustomize`` (Python processes only).
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Literal

from featureline.errors import UnsafePathError
from featureline.logging import get_logger
from featureline.safepaths import path_problem, safe_join
from featureline.sandbox.bubblewrap import BUBBLEWRAP, bubblewrap_support, bwrap_argv, python_roots
from featureline.sandbox.cgroups import CommandCgroup, cgroup_support
from featureline.sandbox.child import SandboxChild
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
from featureline.sandbox.owner import owner_token
from featureline.sandbox.reaper import OWNER_ENV
from featureline.sandbox.result import SandboxError, SandboxResult
from featureline.sandbox.server import SandboxServer
from featureline.sandbox.workroot import make_root, remove_root

FilesystemChoice = Literal["auto", "bubblewrap", "none"]
_TMP_BYTES = 64 * 1024 * 1024  # the private /tmp under bubblewrap


class Sandbox:
    """Workspaces and sandboxed runs under one root directory.

    ``root`` defaults to a fresh temp dir that ``close()`` removes; pass a fixed root to
    make ``workspace(key)`` paths stable across processes (resume). ``network`` is
    ``"auto"`` (namespace when available, else the socket guard), ``"namespace"`` (fail
    with SandboxError when unavailable) or ``"guard"`` (always the socket guard).
    ``filesystem`` is ``"auto"`` (bubblewrap when it works here), ``"bubblewrap"`` (fail
    with SandboxError when it does not) or ``"none"`` (the audit hook only).
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
        filesystem: FilesystemChoice = "auto",
        python: str | None = None,
    ) -> None:
        if network not in ("auto", "namespace", "guard"):
            raise ValueError(f"network must be auto, namespace or guard, not {network!r}")
        if filesystem not in ("auto", "bubblewrap", "none"):
            raise ValueError(f"filesystem must be auto, bubblewrap or none, not {filesystem!r}")
        self._owns_root = root is None
        if root is None:
            root, self._disk_why = make_root(limits.disk_bytes)
        else:
            self._disk_why = "a caller-supplied root has no size limit of its own"
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self.limits = limits
        self.python = python or sys.executable
        self._network_choice: NetworkChoice = network
        self._filesystem_choice: FilesystemChoice = filesystem
        self._net: str | None = None
        self._bwrap: str | None = None
        self._resolved = False
        self._lock = threading.Lock()
        self._warned = False

    # -- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        """Remove the root when the sandbox created it (unmounting its tmpfs); a caller's
        root stays."""
        if self._owns_root:
            remove_root(self.root)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- isolation -------------------------------------------------------------------

    def _resolve(self) -> None:
        with self._lock:
            if self._resolved:
                return
            if self._network_choice == "guard":
                self._net = GUARD
            else:
                works, why = namespace_support(self.python)
                if works:
                    self._net = NAMESPACE
                elif self._network_choice == "namespace":
                    raise SandboxError(f"no network namespace available: {why}")
                else:
                    self._net = GUARD
            if self._filesystem_choice != "none":
                bwrap, why = bubblewrap_support(self.python)
                if bwrap is None and self._filesystem_choice == "bubblewrap":
                    raise SandboxError(f"no bubblewrap filesystem view available: {why}")
                self._bwrap = bwrap
            self._resolved = True

    @property
    def network_isolation(self) -> str:
        """The isolation this sandbox's runs get, network mode first (``"network
        namespace"`` or ``"socket guard"``), then the filesystem view, the tree-wide
        limits and the disk cap: e.g. ``"network namespace; bubblewrap filesystem view
        (private pid/mount/ipc); cgroup limits (memory, pids); disk tmpfs 1024 MiB"``."""
        self._resolve()
        parts = [self._net or GUARD]
        parts.append(
            f"{BUBBLEWRAP} filesystem view (private pid/mount/ipc)"
            if self._bwrap
            else "no filesystem view (write guard only)"
        )
        controllers, _ = cgroup_support()
        parts.append(
            f"cgroup limits ({', '.join(controllers)})" if controllers else "per-process rlimits"
        )
        parts.append(
            f"disk tmpfs {self.limits.disk_bytes // 2**20} MiB"
            if not self._disk_why
            else "per-file size limit only"
        )
        return "; ".join(parts)

    @property
    def uses_bubblewrap(self) -> bool:
        self._resolve()
        return self._bwrap is not None

    def weaknesses(self) -> list[str]:
        """Every guarantee this machine cannot give, one sentence each (empty when the
        sandbox runs at full strength)."""
        self._resolve()
        missing = []
        if self._net != NAMESPACE:
            missing.append(
                "no network namespace: outbound network is refused only for Python code "
                f"(socket guard); {namespace_support(self.python)[1]}"
            )
        if self._bwrap is None:
            why = (
                "switched off"
                if self._filesystem_choice == "none"
                else bubblewrap_support(self.python)[1]
            )
            missing.append(
                "no private filesystem view: generated code can read HOME, the parent's "
                f"/proc and host sockets, and non-Python writes are not confined ({why})"
            )
        controllers, why = cgroup_support()
        for name, what in (("memory", "memory"), ("pids", "process count")):
            if name not in controllers:
                missing.append(f"no {what} limit for the whole process tree ({why})")
        if self._disk_why:
            missing.append(f"no disk limit across files ({self._disk_why})")
        return missing

    def _warn_once(self) -> None:
        if self._warned:
            return
        self._warned = True
        for weakness in self.weaknesses():
            get_logger().warning("sandbox.weaker", missing=weakness)

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
    ) -> SandboxChild:
        command = [str(a) for a in argv]
        if not command or not command[0]:
            raise ValueError("argv must name a command")
        workdir = self._check_workdir(workdir)
        limits = limits or self.limits
        isolation = self.network_isolation
        self._warn_once()
        tmpdir = workdir / ".tmp"
        tmpdir.mkdir(exist_ok=True)
        if self._net == NAMESPACE:
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
        config["parent"] = os.getpid()
        child_env, dropped = build_env(
            workdir=workdir,
            tmpdir=tmpdir,
            python_bin_dir=Path(self.python).parent,
            guard_dir=GUARD_DIR,
            net_mode=net_mode,
            extra=env,
        )
        child_env[OWNER_ENV] = owner_token()
        if self._bwrap is not None:
            config["bwrap"] = bwrap_argv(
                self._bwrap,
                workdir=workdir,
                read_only=[*python_roots(self.python), str(GUARD_DIR)],
                tmp_bytes=min(_TMP_BYTES, limits.disk_bytes),
            )
        cgroup = CommandCgroup(limits.memory_bytes, limits.max_processes)
        config["cgroups"] = cgroup.procs_files()
        full_argv = launcher_argv(self.python, config, command)
        return SandboxChild(
            command,
            full_argv,
            workdir,
            child_env,
            stdin,
            limits,
            isolation,
            dropped,
            cgroup if cgroup.dirs else None,
            via_bubblewrap=self._bwrap is not None,
        )

    def _check_workdir(self, workdir: Path) -> Path:
        resolved = Path(workdir).resolve()
        if not resolved.is_dir():
            raise SandboxError(f"workdir {workdir} is not a directory")
        if resolved == self.root or not resolved.is_relative_to(self.root):
            raise SandboxError(f"workdir {workdir} is not inside the sandbox root {self.root}")
        return resolved
