"""Which network isolation the sandbox can use here, probed once per process."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Literal

NetworkChoice = Literal["auto", "namespace", "guard"]

NAMESPACE = "network namespace"
GUARD = "socket guard"

LAUNCHER = Path(__file__).with_name("launcher.py")
GUARD_DIR = Path(__file__).with_name("_guard")

_PROBE = """
import socket
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
socket.create_connection(server.getsockname(), timeout=2).close()
print(len(socket.if_nameindex()))
"""

_probe_lock = threading.Lock()


def launcher_argv(python: str, config: dict[str, object], argv: list[str]) -> list[str]:
    """The full command line: the launcher (isolated, no site) wrapping ``argv``."""
    return [python, "-I", "-S", str(LAUNCHER), json.dumps(config, sort_keys=True), *argv]


@functools.cache
def _probe(python: str) -> tuple[bool, str]:
    if not sys.platform.startswith("linux"):
        return False, f"network namespaces need Linux (this is {sys.platform})"
    command = launcher_argv(
        python, {"netns": "new", "loopback": True}, [python, "-I", "-S", "-c", _PROBE]
    )
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=15, env={}, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"probe failed to run: {exc}"
    if done.returncode != 0:
        return False, (done.stderr.strip().splitlines() or ["unknown error"])[-1]
    if done.stdout.strip() != "1":
        return False, f"new namespace is not empty (interfaces: {done.stdout.strip()})"
    return True, "unshare(CLONE_NEWNET) works and loopback comes up"


def namespace_support(python: str = sys.executable) -> tuple[bool, str]:
    """Whether a private network namespace with a working loopback can be created
    (needs Linux and CAP_SYS_ADMIN, e.g. root), and why not. Cached per process."""
    with _probe_lock:
        return _probe(python)
