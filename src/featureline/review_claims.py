"""Review claims: a decision is bound to the one gate interrupt it answers.

Before a decision (approve, reject, edit, reopen) is applied, its process claims the
waiting gate's interrupt id in this table; the primary key makes the claim atomic on
SQLite and PostgreSQL alike, so of two reviewers racing for one attempt exactly one wins
and the other is refused with the holder named — no decision lands on the wrong attempt
or silently vanishes. A claim whose holder died before applying it is taken over.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from featureline.errors import ReviewError

_DDL = """
CREATE TABLE IF NOT EXISTS featureline_review_claims (
    interrupt_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    step TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    at TEXT NOT NULL
)
"""

_COLUMNS = ("interrupt_id", "run_id", "step", "attempt", "verdict", "reviewer", "pid", "host", "at")


class ReviewClaims:
    """Claims over a DB-API connection (sqlite3 '?' or psycopg '%s')."""

    def __init__(self, connection: Any, placeholder: str, integrity: type[Exception]) -> None:
        self._conn = connection
        self._ph = placeholder
        self._integrity = integrity
        self._lock = threading.Lock()

    def setup(self) -> None:
        with self._lock:
            self._conn.execute(_DDL)
            self._commit()

    def _commit(self) -> None:
        commit = getattr(self._conn, "commit", None)
        if commit is not None and not getattr(self._conn, "autocommit", False):
            commit()

    def _sql(self, query: str) -> str:
        return query.replace("?", self._ph)

    def claim(
        self,
        run_id: str,
        interrupt_id: str,
        step: str,
        attempt: int,
        verdict: str,
        reviewer: str,
        holder_alive: Callable[[int, str], bool],
    ) -> None:
        """Claim the interrupt for this process, or raise ReviewError naming who holds it."""
        row = (
            interrupt_id,
            run_id,
            step,
            attempt,
            verdict,
            reviewer,
            os.getpid(),
            socket.gethostname(),
            datetime.now(UTC).isoformat(),
        )
        insert = self._sql(
            f"INSERT INTO featureline_review_claims ({', '.join(_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
        )
        for _ in range(2):
            try:
                with self._lock:
                    self._conn.execute(insert, row)
                    self._commit()
                return
            except self._integrity:
                self._rollback()
                holder = self._holder(interrupt_id)
                if holder is None:
                    continue
                if holder_alive(int(holder["pid"]), str(holder["host"])):
                    raise ReviewError(
                        f"{step} attempt {attempt} of run {run_id} was already answered: "
                        f"{holder['verdict']} by {holder['reviewer']} (process {holder['pid']} "
                        f"on {holder['host']}, {holder['at']})"
                    ) from None
                self.release(interrupt_id, int(holder["pid"]))
        raise ReviewError(f"could not claim {step} attempt {attempt} of run {run_id}; try again")

    def release(self, interrupt_id: str, pid: int | None = None) -> None:
        """Drop a claim (only ``pid``'s, when given): its decision was never applied."""
        query = "DELETE FROM featureline_review_claims WHERE interrupt_id = ?"
        params: tuple[Any, ...] = (interrupt_id,)
        if pid is not None:
            query += " AND pid = ?"
            params += (pid,)
        with self._lock:
            self._conn.execute(self._sql(query), params)
            self._commit()

    def _rollback(self) -> None:
        rollback = getattr(self._conn, "rollback", None)
        if rollback is not None and not getattr(self._conn, "autocommit", False):
            rollback()

    def _holder(self, interrupt_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                self._sql(
                    f"SELECT {', '.join(_COLUMNS)} FROM featureline_review_claims "
                    "WHERE interrupt_id = ?"
                ),
                (interrupt_id,),
            ).fetchone()
        if row is None:
            return None
        values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
        return dict(zip(_COLUMNS, values, strict=True))
