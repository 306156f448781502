"""The sandbox's exec wrapper, run as ``python -I -S launcher.py CONFIG_JSON ARGV...``.

It runs in the freshly forked child, so it touches nothing of the parent (unlike a
``preexec_fn``, which is unsafe when the parent has threads — and featureline runs
parallel steps in threads). In order it:

1. enters a network namespace: a new one (``unshare(CLONE_NEWNET)``, then brings up
   ``lo`` when loopback is allowed) or the one of a running sandboxed server
   (``setns``), when the config asks;
2. sets the rlimits;
3. ``exec``s the command (looked up on the sandbox's PATH).

Standard library only: it must not import featureline (``-I`` keeps the script's
directory and the environment's PYTHONPATH off ``sys.path``). Exit codes when it fails
before ``exec``: 125 (namespace or limits), 127 (command not found), 126 (not runnable).
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import resource
import socket
import struct
import sys
from typing import Any

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def _libc_call(name: str, *args: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{name}: {os.strerror(errno)}")


def new_network_namespace(loopback: bool) -> None:
    """Move this process into a fresh network namespace (only ``lo``, down by default)."""
    _libc_call("unshare", CLONE_NEWNET)
    if loopback:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            request = struct.pack("16sH22x", b"lo", 0)
            flags = struct.unpack("16sH22x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
            fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def join_network_namespace(pid: int) -> None:
    """Enter the network namespace of process ``pid`` (a running sandboxed server)."""
    fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
    try:
        _libc_call("setns", fd, CLONE_NEWNET)
    finally:
        os.close(fd)


def set_limits(limits: dict[str, int]) -> None:
    for name, soft in limits.items():
        which = getattr(resource, name)
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY and soft > hard:
            soft = hard
        if name == "RLIMIT_CPU":
            # SIGXCPU at the soft limit, SIGKILL one second later if it is ignored.
            new_hard = soft + 1 if hard == resource.RLIM_INFINITY else min(soft + 1, hard)
        else:
            new_hard = soft
        resource.setrlimit(which, (soft, new_hard))


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("featureline sandbox launcher: usage: CONFIG ARGV...", file=sys.stderr)
        return 125
    config: dict[str, Any] = json.loads(argv[1])
    command = argv[2:]
    try:
        if config.get("netns") == "new":
            new_network_namespace(bool(config.get("loopback", True)))
        elif config.get("netns") == "join":
            join_network_namespace(int(config["pid"]))
        set_limits({str(k): int(v) for k, v in config.get("rlimits", {}).items()})
    except (OSError, ValueError) as exc:
        print(f"featureline sandbox launcher: cannot isolate: {exc}", file=sys.stderr)
        return 125
    sys.stdout.flush()
    try:
        os.execvp(command[0], command)
    except FileNotFoundError:
        print(f"featureline sandbox: command not found: {command[0]}", file=sys.stderr)
        return 127
    except OSError as exc:
        print(f"featureline sandbox: cannot run {command[0]}: {exc}", file=sys.stderr)
        return 126
    return 126  # not reached: execvp does not return


if __name__ == "__main__":
    sys.exit(main(sys.argv))
