"""Content-addressed storage for artifacts and sandbox evidence: each blob stored once.

Checkpoints hold only a blob's hash (``sha256:…`` of its canonical JSON, the same hash an
``ArtifactRecord`` carries), so the state a checkpoint copies stays small, every attempt
and every fork refers to the same bytes, and a blob is never rewritten. Blobs are zlib
compressed JSON in their own table beside the checkpoints; the same SQL serves SQLite and
PostgreSQL (only the placeholder and the binary column type differ).
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Iterable
from typing import Any

from featureline.artifacts.base import content_hash
from featureline.errors import StoreError

_DDL = """
CREATE TABLE IF NOT EXISTS featureline_blobs (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    data {binary} NOT NULL
)
"""

_CACHE_LIMIT = 512


def canonical_json(data: Any) -> bytes:
    """The bytes a blob's hash is taken over (same form as :func:`content_hash`)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


class ArtifactStore:
    """Blobs by content hash over a DB-API connection (sqlite3 '?' or psycopg '%s').

    Thread-safe: parallel steps of one run write through one instance. Reads are cached,
    which is safe because a hash names its content forever."""

    def __init__(self, connection: Any, placeholder: str, *, binary: str = "BLOB") -> None:
        self._conn = connection
        self._ph = placeholder
        self._binary = binary
        self._lock = threading.Lock()
        self._cache: dict[str, Any] = {}

    def setup(self) -> None:
        with self._lock:
            self._conn.execute(_DDL.format(binary=self._binary))
            self._commit()

    def _commit(self) -> None:
        commit = getattr(self._conn, "commit", None)
        if commit is not None and not getattr(self._conn, "autocommit", False):
            commit()

    def put(self, data: Any) -> str:
        """Store ``data`` (JSON-able) unless a blob of equal content exists; its hash."""
        digest = content_hash(data)
        if digest in self._cache:
            return digest
        raw = canonical_json(data)
        query = (
            "INSERT INTO featureline_blobs (hash, size, data) VALUES (?, ?, ?) "
            "ON CONFLICT (hash) DO NOTHING"
        ).replace("?", self._ph)
        with self._lock:
            self._conn.execute(query, (digest, len(raw), zlib.compress(raw, 6)))
            self._commit()
            self._remember(digest, data)
        return digest

    def get(self, digest: str) -> Any:
        """The blob named ``digest``; a missing or damaged one is a StoreError."""
        return self.get_many([digest])[digest]

    def get_many(self, digests: Iterable[str]) -> dict[str, Any]:
        wanted = [d for d in dict.fromkeys(digests) if d not in self._cache]
        if wanted:
            marks = ", ".join(self._ph for _ in wanted)
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT hash, data FROM featureline_blobs WHERE hash IN ({marks})", wanted
                ).fetchall()
            for row in rows:
                digest, data = (row["hash"], row["data"]) if isinstance(row, dict) else row
                self._remember(digest, _decode(digest, bytes(data)))
        missing = [d for d in digests if d not in self._cache]
        if missing:
            raise StoreError(f"artifact {missing[0]} is missing from the store")
        return {d: self._cache[d] for d in digests}

    def _remember(self, digest: str, data: Any) -> None:
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.pop(next(iter(self._cache)))
        self._cache[digest] = data

    def stats(self) -> tuple[int, int, int]:
        """(blobs, their JSON bytes, their stored bytes): for benchmarks and `status`."""
        with self._lock:
            row = self._conn.execute(
                "SELECT count(*), coalesce(sum(size), 0), "
                "coalesce(sum(length(data)), 0) FROM featureline_blobs"
            ).fetchone()
        values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
        return int(values[0]), int(values[1]), int(values[2])


def _decode(digest: str, stored: bytes) -> Any:
    try:
        raw = zlib.decompress(stored)
        data = json.loads(raw)
    except (zlib.error, ValueError) as exc:
        raise StoreError(f"artifact {digest} in the store is damaged ({exc})") from exc
    if content_hash(data) != digest:
        raise StoreError(f"artifact {digest} in the store does not match its hash")
    return data
