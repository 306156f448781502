"""Read-only commands never create a store: is there one at the URL at all?

Kept apart from :mod:`featureline.store` (which imports LangGraph's checkpointers) so that
``featureline runs`` in an empty directory answers without loading them, and without
leaving a ``.featureline/`` behind.
"""

from __future__ import annotations

import os
from pathlib import Path

from featureline.paths import DEFAULT_STORE_PATH

STORE_ENV = "FEATURELINE_STORE"


def sqlite_file(url: str | None) -> Path | None:
    """The SQLite file a store URL names; ``None`` for PostgreSQL, ``:memory:`` and URLs
    the store itself will reject (it says why)."""
    resolved = url or os.environ.get(STORE_ENV) or str(DEFAULT_STORE_PATH)
    if resolved.startswith(("postgresql://", "postgres://")):
        return None
    path = resolved
    for prefix in ("sqlite:///", "sqlite://", "sqlite:"):
        if resolved.startswith(prefix):
            path = resolved[len(prefix) :]
            if prefix == "sqlite:///" and resolved.startswith("sqlite:////"):
                path = "/" + path.lstrip("/")
            break
    else:
        if "://" in resolved:
            return None
    return None if path in ("", ":memory:") else Path(path)


def store_is_missing(url: str | None) -> bool:
    """True when the URL names a SQLite file that does not exist (so it holds no runs)."""
    path = sqlite_file(url)
    return path is not None and not path.exists()


__all__ = ["sqlite_file", "store_is_missing"]
