"""Open a store from a URL: LangGraph checkpoints plus the run index, on SQLite or PostgreSQL.

``sqlite:///path``, a plain path, or ``:memory:`` open SQLite; ``postgresql://...`` opens
PostgreSQL. The default is ``.featureline/runs.sqlite`` under the current directory.
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


@contextmanager
def _open_sqlite(url: str) -> Iterator[Store]:
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = _sqlite_path(url)
    if path != ":memory:":
        target = Path(path)
        if target.is_dir():
            raise StoreError(f"store {path} is a directory, not a SQLite file")
        target.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
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
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"store {path} is not a readable featureline store: {exc}") from exc
        try:
            yield Store(url=url, checkpointer=saver, runs=runs, blobs=blobs, claims=claims)
        finally:
            index_connection.close()
            blobs_connection.close()
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
    try:
        saver = PostgresSaver(connection)
        saver.setup()
        runs = SqlRunIndex(connection, "%s")
        runs.setup()
        # its own connection: the saver pipelines queries on its one, from any thread
        blobs_connection = psycopg.connect(url, autocommit=True, prepare_threshold=0)
        try:
            blobs, claims = _blob_tables(blobs_connection, "%s", "BYTEA", psycopg.IntegrityError)
            yield Store(url=url, checkpointer=saver, runs=runs, blobs=blobs, claims=claims)
        finally:
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
