"""The reading commands' fast path: a run's view and the runs table straight from a SQLite
store, without LangGraph (no graph compiled, no checkpointer imported) and without ever
creating or changing anything (the file is opened read-only).

It answers only what it can answer exactly as the engine would (:mod:`featureline.runread`
assembles both): a SQLite store whose latest checkpoint holds plain values and no pending
writes of an unfinished superstep. Anything else — PostgreSQL, a waiting gate's interrupt,
a superstep cut short with some tasks' writes saved, an older store without the journal
table — returns ``None`` and the caller takes the engine's path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from decimal import Decimal

from featureline.artifact_store import ArtifactStore
from featureline.checkpoint_reader import (
    UnreadableCheckpoint,
    count_checkpoints,
    latest_checkpoint,
)
from featureline.cli.readonly import sqlite_file
from featureline.errors import FeaturelineError
from featureline.reservations import JOURNAL_TABLE, JournalRow, SqlReservations
from featureline.runindex import RunInfo, SqlRunIndex
from featureline.runread import run_view, spec_of
from featureline.spend import spend_of_state
from featureline.views import RunView


@contextmanager
def _read_only(url: str | None) -> Iterator[sqlite3.Connection | None]:
    path = sqlite_file(url)
    if path is None or not path.is_file():
        yield None
        return
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        yield None
        return
    with closing(connection):
        yield connection


def read_view(url: str | None, run_id: str, *, count: bool = False) -> RunView | None:
    """The run's view as :meth:`featureline.engine.Engine.view` builds it, or ``None`` when
    only the engine can build it. An unknown run raises UnknownRunError as the engine does."""
    with _read_only(url) as connection:
        if connection is None:
            return None
        try:
            index = SqlRunIndex(connection, "?")
            info = index.get(run_id)
            checkpoint = latest_checkpoint(connection, run_id)
            if checkpoint is not None and checkpoint.pending_writes:
                return None  # an unfinished superstep: LangGraph applies its writes
            holder = index.leases.holder(run_id)
            return run_view(
                info,
                spec_of(info),
                checkpoint.values if checkpoint is not None else {},
                interrupts=[],
                has_next=bool(checkpoint.next_nodes()) if checkpoint is not None else False,
                writer_alive=holder is not None and holder.alive(),
                checkpoints=count_checkpoints(connection, run_id) if count else 0,
                blobs=ArtifactStore(connection, "?"),
                journal=_journal(connection, run_id),
                holder=holder,
            )
        except (sqlite3.Error, UnreadableCheckpoint):
            return None


def _journal(connection: sqlite3.Connection, run_id: str) -> list[JournalRow]:
    """The run's journal rows; none in a store no writer has opened since the journal
    existed (its table is created when a writer opens the store)."""
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (JOURNAL_TABLE,)
    ).fetchone()
    return SqlReservations(connection, "?").for_run(run_id) if found else []


Spend = tuple[int, Decimal] | None
"""(tokens, cost) from a run's latest checkpoint; ``None`` before its first checkpoint."""


def read_runs(url: str | None) -> list[tuple[RunInfo, Spend | Exception]] | None:
    """Every run, newest first, with its spend read as :func:`featureline.spend.run_spend`
    reads it (or the error that prevented it); ``None`` when only the store can say."""
    with _read_only(url) as connection:
        if connection is None:
            return None
        try:
            runs = SqlRunIndex(connection, "?").list()
            rows: list[tuple[RunInfo, Spend | Exception]] = []
            for info in runs:
                try:
                    checkpoint = latest_checkpoint(connection, info.run_id, writes=False)
                    spent = spend_of_state(checkpoint.values) if checkpoint is not None else None
                    rows.append((info, spent))
                except (FeaturelineError, ValueError, KeyError, TypeError) as exc:
                    rows.append((info, exc))
            return rows
        except (sqlite3.Error, UnreadableCheckpoint):
            return None


__all__ = ["read_runs", "read_view"]
