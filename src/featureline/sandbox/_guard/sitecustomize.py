"""featureline sandbox guard, loaded by every Python the sandbox starts.

The sandbox puts this directory first on PYTHONPATH, so Python's ``site`` imports it at
start-up (and any other ``sitecustomize`` is shadowed). It installs an audit hook
(PEP 578), which cannot be removed once added and sees the C-level operations behind
``open``, ``io.open``, ``os.open``, ``pathlib``, ``socket.connect``/``connect_ex``,
``create_connection`` and ``getaddrinfo``:

* writes (open for writing, create, remove, rename, mkdir, chmod, truncate…) outside
  the roots in ``FEATURELINE_SANDBOX_WRITE_ROOTS`` (plus ``/dev/null`` and the standard
  streams) raise ``PermissionError``; reading anywhere stays allowed;
* when ``FEATURELINE_SANDBOX_NET`` is ``guard-loopback`` or ``guard-none``, connecting,
  sending or resolving anything that is not loopback (or anything at all, for
  ``guard-none``) raises ``PermissionError``.

This stops accidents and ordinary code, not a determined attacker: ``ctypes``, a
non-Python child process or ``python -S``/``-I`` get around it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Any

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_ALWAYS_WRITABLE = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"})
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def _roots() -> tuple[str, ...]:
    raw = os.environ.get("FEATURELINE_SANDBOX_WRITE_ROOTS", "")
    return tuple(os.path.realpath(p) for p in raw.split(os.pathsep) if p)


_WRITE_ROOTS = _roots()
_NET_MODE = os.environ.get("FEATURELINE_SANDBOX_NET", "")


def _resolve(path: Any, dir_fd: Any = None) -> str | None:
    if isinstance(path, int):
        return None  # an fd already open: nothing new to check
    raw = os.fsdecode(os.fspath(path))
    if isinstance(dir_fd, int) and dir_fd >= 0 and not os.path.isabs(raw):
        raw = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), raw)
    return os.path.realpath(raw)


def _check_write(path: Any, what: str, dir_fd: Any = None) -> None:
    try:
        target = _resolve(path, dir_fd)
    except (TypeError, ValueError, OSError):
        target = repr(path)
    if target is None or target in _ALWAYS_WRITABLE or target.startswith("/dev/fd/"):
        return
    for root in _WRITE_ROOTS:
        if target == root or target.startswith(root.rstrip(os.sep) + os.sep):
            return
    raise PermissionError(
        f"featureline sandbox: {what} {target} denied (writes are allowed only inside "
        f"{', '.join(_WRITE_ROOTS) or 'nothing'})"
    )


def _is_loopback_host(host: Any) -> bool:
    if host is None:
        return True  # passive / local lookup
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.strip("[]").split("%", 1)[0]
    if host.lower() in _LOOPBACK_NAMES or host in ("", "0.0.0.0", "::"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _check_address(sock: Any, address: Any, what: str) -> None:
    family = getattr(sock, "family", None)
    if family == getattr(socket, "AF_UNIX", object()):
        return
    host = address[0] if isinstance(address, tuple) and address else address
    inet = family in (socket.AF_INET, socket.AF_INET6)
    if inet and _NET_MODE == "guard-loopback" and _is_loopback_host(host):
        return
    raise PermissionError(f"featureline sandbox: network access to {host!r} denied ({what})")


def _check_lookup(host: Any, what: str) -> None:
    if _NET_MODE == "guard-loopback" and _is_loopback_host(host):
        return
    raise PermissionError(f"featureline sandbox: network access to {host!r} denied ({what})")


_SEND_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
_LOOKUP_EVENTS = frozenset(
    {
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "socket.gethostbyaddr",
    }
)


def _opens_for_writing(mode: Any, flags: Any) -> bool:
    if isinstance(flags, int) and flags & _WRITE_FLAGS:
        return True
    return isinstance(mode, str) and any(c in mode for c in "wax+")


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "open":
        if args[0] is not None and _opens_for_writing(args[1], args[2]):
            _check_write(args[0], "writing")
    elif event in _PATH_EVENTS:
        for index, fd_index in _PATH_EVENTS[event]:
            dir_fd = args[fd_index] if fd_index is not None and fd_index < len(args) else None
            _check_write(args[index], event, dir_fd)
    elif not _NET_MODE.startswith("guard"):
        return
    elif event in _SEND_EVENTS:
        if args[1] is not None:
            _check_address(args[0], args[1], event)
    elif event in _LOOKUP_EVENTS:
        _check_lookup(args[0], event)


# event -> (index of a path argument that gets written, index of its dir_fd or None)
_PATH_EVENTS: dict[str, tuple[tuple[int, int | None], ...]] = {
    "os.remove": ((0, 1),),
    "os.rmdir": ((0, 1),),
    "os.mkdir": ((0, 2),),
    "os.rename": ((0, 2), (1, 3)),
    "os.symlink": ((1, 2),),
    "os.link": ((1, 3),),
    "os.truncate": ((0, None),),
    "os.chmod": ((0, 2),),
    "os.chown": ((0, 3),),
    "os.utime": ((0, 3),),
    "os.mkfifo": ((0, 2),),
    "os.mknod": ((0, 3),),
    "shutil.rmtree": ((0, 1),),
    "shutil.move": ((0, None), (1, None)),
    "shutil.copyfile": ((1, None),),
}

if _WRITE_ROOTS or _NET_MODE.startswith("guard"):
    sys.addaudithook(_hook)
