"""The reservation journal: every model call's worst case, written to the store before the
call is sent, so a call in flight when its process dies (``kill -9``) is not lost.

The API bills a call the moment it answers, whether or not featureline lives to record
it in the run's ledger. A row here is opened (worst case) before the request leaves,
settled with the priced usage when the answer arrives, and becomes redundant once the
call is in the run's ledger (its ``reservation`` id). A row that is in no ledger and whose
process is gone is *possibly billed*: ``cost`` shows it and a resume counts it against
``--max-cost`` — at its actual cost when the answer had arrived, else at its worst case.
The same SQL serves SQLite and PostgreSQL; only the placeholder style differs.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from featureline.lease import Holder

JOURNAL_TABLE = "featureline_reservations"
CREATE_RESERVATIONS = """
CREATE TABLE IF NOT EXISTS featureline_reservations (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    step TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    model TEXT NOT NULL,
    worst_usd TEXT NOT NULL,
    actual_usd TEXT,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started BIGINT,
    at TEXT NOT NULL
)
"""
_COLUMNS = (
    "id",
    "run_id",
    "step",
    "attempt",
    "purpose",
    "model",
    "worst_usd",
    "actual_usd",
    "pid",
    "host",
    "started",
    "at",
)


@dataclass(frozen=True)
class CallPlan:
    """What a reservation is for: one call of one attempt (or review) of one step."""

    run_id: str
    step: str
    attempt: int
    purpose: str
    model: str


@dataclass(frozen=True)
class JournalRow:
    """One reserved call as the journal holds it."""

    id: str
    plan: CallPlan
    worst_usd: Decimal
    actual_usd: Decimal | None
    pid: int
    host: str
    started: int | None
    at: datetime

    @property
    def answered(self) -> bool:
        """The answer arrived (and was priced) before the process went away."""
        return self.actual_usd is not None

    @property
    def cost_usd(self) -> Decimal:
        """What to count: the priced answer when it arrived, else the worst case."""
        return self.actual_usd if self.actual_usd is not None else self.worst_usd

    def describe(self) -> str:
        what = (
            f"answered (${self.cost_usd:.4f}), not in the ledger"
            if self.answered
            else f"in flight, worst case ${self.worst_usd:.4f}"
        )
        return (
            f"{self.plan.step} attempt {self.plan.attempt} {self.plan.purpose} on "
            f"{self.plan.model}: {what}; pid {self.pid} on {self.host} died "
            f"{self.at:%Y-%m-%d %H:%M:%S} UTC or later"
        )


def possibly_billed(
    rows: Iterable[JournalRow], in_ledger: set[str], alive: Callable[[JournalRow], bool]
) -> list[JournalRow]:
    """Rows no ledger accounts for, left by a process that is gone: maybe billed, never
    recorded. A live process's rows are its calls in flight (it records them itself)."""
    return [r for r in rows if r.id not in in_ledger and not alive(r)]


def journal_owner_alive(row: JournalRow, holder: Holder | None) -> bool:
    """Whether the process that journaled a call still runs: on this host its pid and start
    time say so; from another host, only while it holds the run's lease."""
    from featureline.sandbox.owner import pid_alive

    if row.host == socket.gethostname():
        return pid_alive(row.pid, row.started)
    return (
        holder is not None and (holder.pid, holder.host) == (row.pid, row.host) and holder.alive()
    )


def possibly_billed_usd(rows: Iterable[JournalRow]) -> Decimal:
    return sum((r.cost_usd for r in rows), Decimal(0))


class SqlReservations:
    """The journal over a DB-API connection (sqlite3 with '?', psycopg with '%s'); safe to
    share between LangGraph's worker threads. Every write commits before it returns."""

    def __init__(self, connection: Any, placeholder: str) -> None:
        self._conn = connection
        self._ph = placeholder
        self._lock = threading.Lock()
        self._me = (os.getpid(), socket.gethostname(), _start_time(os.getpid()))

    def setup(self) -> None:
        self._run(CREATE_RESERVATIONS)

    def open(self, plan: CallPlan, worst_usd: Decimal) -> str:
        """Journal a call about to be sent; its id goes into the ledger entry later."""
        ident = uuid.uuid4().hex
        pid, host, started = self._me
        marks = ", ".join("?" for _ in _COLUMNS)
        self._run(
            f"INSERT INTO featureline_reservations ({', '.join(_COLUMNS)}) VALUES ({marks})",
            (
                ident,
                plan.run_id,
                plan.step,
                plan.attempt,
                plan.purpose,
                plan.model,
                str(worst_usd),
                None,
                pid,
                host,
                started,
                datetime.now(UTC).isoformat(),
            ),
        )
        return ident

    def settle(self, ident: str, actual_usd: Decimal) -> None:
        """The answer arrived: it cost ``actual_usd`` (the worst case for an unknown one)."""
        self._run(
            "UPDATE featureline_reservations SET actual_usd = ? WHERE id = ?",
            (str(actual_usd), ident),
        )

    def for_run(self, run_id: str) -> list[JournalRow]:
        with self._lock:
            cursor = self._conn.execute(
                self._sql(
                    f"SELECT {', '.join(_COLUMNS)} FROM featureline_reservations "
                    "WHERE run_id = ? ORDER BY at, id"
                ),
                (run_id,),
            )
            rows = cursor.fetchall()
            self._commit()
        return [_row_from(row) for row in rows]

    def forget(self, ids: Iterable[str]) -> None:
        """Drop rows the run's ledger now holds (they are recorded there)."""
        for ident in ids:
            self._run("DELETE FROM featureline_reservations WHERE id = ?", (ident,))

    def _run(self, query: str, params: tuple[Any, ...] = ()) -> None:
        with self._lock:
            self._conn.execute(self._sql(query), params)
            self._commit()

    def _sql(self, query: str) -> str:
        return query.replace("?", self._ph)

    def _commit(self) -> None:
        commit = getattr(self._conn, "commit", None)
        if commit is not None and not getattr(self._conn, "autocommit", False):
            commit()


def _start_time(pid: int) -> int | None:
    from featureline.sandbox.owner import process_start_time

    return process_start_time(pid)


def _row_from(row: Any) -> JournalRow:
    values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
    data = dict(zip(_COLUMNS, values, strict=True))
    return JournalRow(
        id=str(data["id"]),
        plan=CallPlan(
            run_id=str(data["run_id"]),
            step=str(data["step"]),
            attempt=int(data["attempt"]),
            purpose=str(data["purpose"]),
            model=str(data["model"]),
        ),
        worst_usd=Decimal(data["worst_usd"]),
        actual_usd=Decimal(data["actual_usd"]) if data["actual_usd"] is not None else None,
        pid=int(data["pid"]),
        host=str(data["host"]),
        started=int(data["started"]) if data["started"] is not None else None,
        at=datetime.fromisoformat(str(data["at"])),
    )


__all__ = [
    "JOURNAL_TABLE",
    "CallPlan",
    "JournalRow",
    "SqlReservations",
    "journal_owner_alive",
    "possibly_billed",
    "possibly_billed_usd",
]
