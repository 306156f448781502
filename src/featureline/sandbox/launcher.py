"""The sandbox's exec wrapper, run as ``python -I -S launcher.py CONFIG_JSON ARGV...``.

It runs in the freshly forked child, so it touches nothing of the parent (unlike a
``preexec_fn``, which is unsafe when the parent has threads — and featureline runs
parallel steps in threads). In order it:

0. asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``; kept across
   ``exec``, so bubblewrap or the command inherit it) and joins the command's cgroups,
   so everything it starts is counted and can be killed as one;
1. enters a network namespace: a new one (``unshare(CLONE_NEWNET)``, then brings up
   ``lo`` when loopback is allowed) or the one of a running sandboxed server
   (``setns``), when the config asks;
2. sets the rlimits;
3. ``exec``s the command (looked up on the sandbox's PATH), through bubblewrap when the
   config names it.

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
import shutil
import socket
import struct
import sys
from typing import Any

CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
SIGKILL = 9
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


def die_with_parent(parent: int) -> None:
    """SIGKILL when the featureline thread that started us dies; if it died before the
    request was in place, do not start at all."""
    if sys.platform.startswith("linux"):  # elsewhere: the process group and reaping only
        _libc_call("prctl", PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0)
    if parent and os.getppid() != parent:
        raise OSError(0, "the featureline process that started the sandbox is gone")


def join_cgroups(procs_files: list[str]) -> None:
    """Move this process (and so all it will start) into the command's cgroups."""
    for path in procs_files:
        with open(path, "w", encoding="ascii") as procs:
            procs.write(str(os.getpid()))


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
        die_with_parent(int(config.get("parent", 0)))
        join_cgroups([str(p) for p in config.get("cgroups", [])])
        if config.get("netns") == "new":
            new_network_namespace(bool(config.get("loopback", True)))
        elif config.get("netns") == "join":
            join_network_namespace(int(config["pid"]))
        set_limits({str(k): int(v) for k, v in config.get("rlimits", {}).items()})
    except (OSError, ValueError) as exc:
        print(f"featureline sandbox launcher: cannot isolate: {exc}", file=sys.stderr)
        return 125
    sys.stdout.flush()
    bwrap = [str(a) for a in config.get("bwrap", [])]
    if bwrap:
        # the sandbox sees the same paths, so resolve here and report a missing command
        # the same way in every mode
        found = shutil.which(command[0]) if "/" not in command[0] else command[0]
        if found is None or not os.path.exists(found):
            print(f"featureline sandbox: command not found: {command[0]}", file=sys.stderr)
            return 127
        command = [*bwrap, os.path.abspath(found), *command[1:]]
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
