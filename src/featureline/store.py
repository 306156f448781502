"""Open a store from a URL: LangGraph checkpoints plus the run index, on SQLite or PostgreSQL.

``sqlite:///path``, a plain path, or ``:memory:`` open SQLite; ``postgresql://...`` opens
PostgreSQL. The default is ``.featureline/runs.sqlite`` under the current directory.

Any database error while the store is open (read-only file, corrupted page, full disk,
lost connection) leaves as one StoreError naming the store and the kind of failure —
never the driver's message, which can quote stored rows.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver

from featureline.artifact_store import ArtifactStore
from featureline.errors import StoreError
from featureline.paths import DEFAULT_STORE_PATH
from featureline.reservations import SqlReservations
from featureline.review_claims import ReviewClaims
from featureline.runindex import SqlRunIndex

STORE_ENV = "FEATURELINE_STORE"


@dataclass
class Store:
    url: str
    checkpointer: BaseCheckpointSaver[str]
    runs: SqlRunIndex
    blobs: ArtifactStore
    claims: ReviewClaims
    reservations: SqlReservations
    """The reservation journal: calls reserved before they are sent (featureline.budget)."""


def resolve_store_url(url: str | None) -> str:
    return url or os.environ.get(STORE_ENV) or str(DEFAULT_STORE_PATH)


@contextmanager
def open_store(url: str | None = None) -> Iterator[Store]:
    """Open (and create when new) the store at ``url``; raise StoreError with a reason."""
    resolved = resolve_store_url(url)
    if resolved.startswith(("postgresql://", "postgres://")):
        with _open_postgres(resolved) as store:
            yield store
    else:
        with _open_sqlite(resolved) as store:
            yield store


def _sqlite_path(url: str) -> str:
    if url.startswith("sqlite:///"):
        return (
            url[len("sqlite:///") - 1 :]
            if url.startswith("sqlite:////")
            else url[len("sqlite:///") :]
        )
    if url.startswith("sqlite://"):
        return url[len("sqlite://") :]
    if url.startswith("sqlite:"):
        return url[len("sqlite:") :]
    if "://" in url:
        raise StoreError(
            f"unsupported store URL {url!r}: use a path, sqlite:///path or postgresql://"
        )
    return url


_SQLITE_REASONS = (
    ("SQLITE_READONLY", "is read-only (check the permissions of the file and its directory)"),
    ("SQLITE_CORRUPT", "is damaged (a corrupted page): restore it from a backup"),
    ("SQLITE_NOTADB", "is not a SQLite database"),
    ("SQLITE_CANTOPEN", "cannot be opened (missing directory or no permission)"),
    ("SQLITE_IOERR", "had a disk I/O error"),
    ("SQLITE_FULL", "cannot grow: the disk is full"),
    ("SQLITE_BUSY", "is locked by another process"),
    ("SQLITE_LOCKED", "is locked by another connection"),
    ("SQLITE_PERM", "denied access (permission)"),
    ("SQLITE_AUTH", "denied access (authorization)"),
)


def sqlite_problem(exc: sqlite3.Error) -> str:
    """What went wrong, from the error code only (the message may quote stored data)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, reason in _SQLITE_REASONS:
        if name.startswith(prefix):
            return reason
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if any(c in text for c in "{[\"'") or len(text) > 100:
        return f"failed ({name or type(exc).__name__})"
    return f"failed: {text}"


def _read_only(path: str) -> bool:
    """Whether the store file or its directory cannot be written (read-only mount too)."""
    if path == ":memory:":
        return False
    target = Path(path).resolve()
    try:
        if os.statvfs(target.parent).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return not os.access(target.parent, os.W_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    )


def postgres_problem(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    code = getattr(exc, "sqlstate", None)
    if primary and not any(c in primary for c in "{[") and len(primary) <= 120:
        return f"failed: {primary}" + (f" (SQLSTATE {code})" if code else "")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if any(c in first for c in "{[") or len(first) > 120:
        return f"failed ({type(exc).__name__}{f', SQLSTATE {code}' if code else ''})"
    return f"failed: {first}"


@contextmanager
def _open_sqlite(url: str) -> Iterator[Store]:
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = _sqlite_path(url)
    if path != ":memory:":
        target = Path(path)
        if target.is_dir():
            raise StoreError(f"store {path} is a directory, not a SQLite file")
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
    except sqlite3.Error as exc:
        raise StoreError(f"store {path} {sqlite_problem(exc)}") from exc
    try:
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            saver = SqliteSaver(connection)
            saver.setup()
            index_connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
            runs = SqlRunIndex(index_connection, "?")
            runs.setup()
            blobs_connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
            blobs, claims = _blob_tables(blobs_connection, "?", "BLOB", sqlite3.IntegrityError)
            journal_connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
            journal = SqlReservations(journal_connection, "?")
            journal.setup()
        except sqlite3.Error as exc:
            if _read_only(path):
                raise StoreError(
                    f"store {path} is read-only (its file, directory or filesystem): "
                    "featureline needs to write to it"
                ) from exc
            raise StoreError(
                f"store {path} is not a readable featureline store: it {sqlite_problem(exc)}"
            ) from exc
        try:
            yield Store(
                url=url,
                checkpointer=saver,
                runs=runs,
                blobs=blobs,
                claims=claims,
                reservations=journal,
            )
        except sqlite3.Error as exc:
            raise StoreError(f"store {path} {sqlite_problem(exc)}") from exc
        finally:
            runs.leases.close()
            index_connection.close()
            blobs_connection.close()
            journal_connection.close()
    finally:
        connection.close()


@contextmanager
def _open_postgres(url: str) -> Iterator[Store]:
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    try:
        connection = psycopg.connect(
            url, autocommit=True, prepare_threshold=0, row_factory=dict_row
        )
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"cannot connect to PostgreSQL store: {first}") from exc
    where = _redacted(url)
    try:
        try:
            saver = PostgresSaver(connection)
            saver.setup()
            runs = SqlRunIndex(connection, "%s")
            runs.setup()
            # its own connection: the saver pipelines queries on its one, from any thread
            blobs_connection = psycopg.connect(url, autocommit=True, prepare_threshold=0)
        except psycopg.Error as exc:
            raise StoreError(f"PostgreSQL store {where} {postgres_problem(exc)}") from exc
        try:
            blobs, claims = _blob_tables(blobs_connection, "%s", "BYTEA", psycopg.IntegrityError)
            journal = SqlReservations(blobs_connection, "%s")
            journal.setup()
            yield Store(
                url=url,
                checkpointer=saver,
                runs=runs,
                blobs=blobs,
                claims=claims,
                reservations=journal,
            )
        except psycopg.Error as exc:
            raise StoreError(f"PostgreSQL store {where} {postgres_problem(exc)}") from exc
        finally:
            runs.leases.close()
            blobs_connection.close()
    finally:
        connection.close()


def _blob_tables(
    connection: object, placeholder: str, binary: str, integrity: type[Exception]
) -> tuple[ArtifactStore, ReviewClaims]:
    """The content-addressed artifact table and the review claims, created when new."""
    blobs = ArtifactStore(connection, placeholder, binary=binary)
    blobs.setup()
    claims = ReviewClaims(connection, placeholder, integrity)
    claims.setup()
    return blobs, claims


def _redacted(url: str) -> str:
    """The URL without its password."""
    head, sep, tail = url.partition("://")
    if "@" in tail:
        credentials, _, host = tail.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{head}{sep}{user}@{host}"
    return url
