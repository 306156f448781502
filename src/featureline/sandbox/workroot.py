"""The sandbox's own root directory: a temp dir named after its owner, size-limited.

An owned root is ``$TMPDIR/featureline-sandbox-<owner token>-<random>``. Where the
machine allows it (root, Linux) a private ``tmpfs`` of ``disk_bytes`` is mounted on it,
so the kernel caps what all the sandboxed commands write together, across any number of
files (``RLIMIT_FSIZE`` only caps each file). The owner token lets a later featureline
unmount and remove the roots of one that was killed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import sys
import tempfile
from pathlib import Path

from featureline.sandbox.owner import owner_token, token_alive

ROOT_PREFIX = "featureline-sandbox-"
MNT_DETACH = 2


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _mount_tmpfs(target: Path, size: int) -> str:
    """Mount a tmpfs of ``size`` bytes on ``target``; "" on success, else why not."""
    if not sys.platform.startswith("linux"):
        return f"size-limited tmpfs roots need Linux (this is {sys.platform})"
    options = f"size={size},mode=0700".encode()
    result = _libc().mount(b"tmpfs", os.fsencode(target), b"tmpfs", 0, options)
    if result != 0:
        errno = ctypes.get_errno()
        return f"cannot mount a size-limited tmpfs ({os.strerror(errno)})"
    return ""


def make_root(disk_bytes: int) -> tuple[Path, str]:
    """A fresh owned root and "" when its size is kernel-limited, else the reason it is not."""
    root = Path(tempfile.mkdtemp(prefix=f"{ROOT_PREFIX}{owner_token()}-"))
    why = _mount_tmpfs(root, disk_bytes)
    return root, why


def remove_root(root: Path) -> None:
    """Unmount (lazily, so an open file cannot block it) and delete an owned root."""
    if sys.platform.startswith("linux") and os.path.ismount(root):
        _libc().umount2(os.fsencode(root), MNT_DETACH)
    shutil.rmtree(root, ignore_errors=True)
    with contextlib.suppress(OSError):
        root.rmdir()


def reap_orphan_roots(tmp: Path | None = None) -> list[str]:
    """Remove the roots of featureline processes that no longer run."""
    base = tmp or Path(tempfile.gettempdir())
    reaped: list[str] = []
    try:
        entries = list(base.glob(f"{ROOT_PREFIX}*"))
    except OSError:
        return reaped
    for path in entries:
        parts = path.name[len(ROOT_PREFIX) :].split("-")
        if len(parts) < 3 or not (parts[0].isdigit() and parts[1].isdigit()):
            continue  # not ours to judge (an older naming, or someone else's)
        if token_alive(f"{parts[0]}-{parts[1]}"):
            continue
        remove_root(path)
        reaped.append(str(path))
    return reaped
