"""One writer per run (DESIGN rule 11): a lease row in the store, beside the run index.

``run``, ``resume`` and ``review`` hold a run's lease while they execute it. Taking it is
one atomic statement (``INSERT … ON CONFLICT DO NOTHING``); a lease whose holder is dead
— its process is gone on this host, or its heartbeat is older than ``LEASE_TTL`` on
another host — is taken over with a compare-and-set on the holder's token, so two
processes racing for an abandoned lease cannot both win. The same SQL serves SQLite and
PostgreSQL. A run's "running" status is derived from a live lease, so a crashed run
reads ``stopped``.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from featureline.errors import RunLockedError
from featureline.logging import get_logger
from featureline.sandbox.owner import pid_alive, process_start_time

LEASE_TTL = timedelta(seconds=60)
HEARTBEAT_SECONDS = 15.0

CREATE_LEASES = """
CREATE TABLE IF NOT EXISTS featureline_leases (
    run_id TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started BIGINT,
    since TEXT NOT NULL,
    heartbeat TEXT NOT NULL
)
"""
_COLUMNS = ("run_id", "token", "pid", "host", "started", "since", "heartbeat")


@dataclass(frozen=True)
class Holder:
    """Who holds a run's lease."""

    run_id: str
    token: str
    pid: int
    host: str
    started: int | None
    since: datetime
    heartbeat: datetime

    def alive(self, now: datetime | None = None) -> bool:
        """On this host: the process still runs (same pid and start time). Elsewhere: its
        heartbeat is recent."""
        if self.host == socket.gethostname():
            return pid_alive(self.pid, self.started)
        return (now or datetime.now(UTC)) - self.heartbeat < LEASE_TTL

    def describe(self) -> str:
        return f"pid {self.pid} on host {self.host} since {self.since:%Y-%m-%d %H:%M:%S} UTC"


class SqlLeases:
    """The lease table over a DB-API connection shared with the run index (its lock too)."""

    def __init__(self, connection: Any, placeholder: str, lock: threading.Lock) -> None:
        self._conn = connection
        self._ph = placeholder
        self._lock = lock
        self._held: set[Lease] = set()

    def setup(self) -> None:
        with self._lock:
            self._conn.execute(CREATE_LEASES)
            self._commit()

    def close(self) -> None:
        """Release every lease still held through this store before its connection closes:
        a heartbeat must not outlive the connection it writes through."""
        for lease in list(self._held):
            try:
                lease.release()
            except Exception as exc:  # closing must not mask what is being unwound
                get_logger(run_id=lease.run_id).warning("lease.release_failed", error=str(exc))

    def _commit(self) -> None:
        commit = getattr(self._conn, "commit", None)
        if commit is not None and not getattr(self._conn, "autocommit", False):
            commit()

    def _run(self, query: str, params: tuple[Any, ...] = ()) -> int:
        with self._lock:
            cursor = self._conn.execute(query.replace("?", self._ph), params)
            count = int(cursor.rowcount)
            self._commit()
        return count

    def holder(self, run_id: str) -> Holder | None:
        with self._lock:
            cursor = self._conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM featureline_leases WHERE run_id = ?".replace(
                    "?", self._ph
                ),
                (run_id,),
            )
            row = cursor.fetchone()
            self._commit()
        return _holder_from(row) if row is not None else None

    def holders(self) -> dict[str, Holder]:
        with self._lock:
            cursor = self._conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM featureline_leases")
            rows = cursor.fetchall()
            self._commit()
        return {h.run_id: h for h in map(_holder_from, rows)}

    def acquire(self, run_id: str) -> Lease:
        """Take the run's lease, or raise RunLockedError naming the live holder."""
        now = datetime.now(UTC)
        pid = os.getpid()
        token = uuid.uuid4().hex
        values = (
            run_id,
            token,
            pid,
            socket.gethostname(),
            process_start_time(pid),
            now.isoformat(),
            now.isoformat(),
        )
        for _ in range(5):
            inserted = self._run(
                f"INSERT INTO featureline_leases ({', '.join(_COLUMNS)}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING",
                values,
            )
            if inserted == 1:
                return self._hold(run_id, token)
            current = self.holder(run_id)
            if current is None:
                continue  # released in between: try again
            if current.alive():
                raise RunLockedError(run_id, current.describe())
            taken = self._run(
                "UPDATE featureline_leases SET token = ?, pid = ?, host = ?, started = ?, "
                "since = ?, heartbeat = ? WHERE run_id = ? AND token = ?",
                (*values[1:], run_id, current.token),
            )
            if taken == 1:
                get_logger(run_id=run_id).warning(
                    "lease.taken_over", dead_holder=current.describe()
                )
                return self._hold(run_id, token)
        current = self.holder(run_id)
        raise RunLockedError(run_id, current.describe() if current else "another process")

    def _hold(self, run_id: str, token: str) -> Lease:
        lease = Lease(self, run_id, token)
        self._held.add(lease)
        return lease

    def beat(self, run_id: str, token: str) -> bool:
        """Refresh the heartbeat; False when the lease is no longer ours."""
        now = datetime.now(UTC).isoformat()
        return (
            self._run(
                "UPDATE featureline_leases SET heartbeat = ? WHERE run_id = ? AND token = ?",
                (now, run_id, token),
            )
            == 1
        )

    def release(self, run_id: str, token: str) -> None:
        self._run("DELETE FROM featureline_leases WHERE run_id = ? AND token = ?", (run_id, token))


class Lease:
    """A held lease; a daemon thread keeps its heartbeat fresh until ``release()``."""

    def __init__(self, table: SqlLeases, run_id: str, token: str) -> None:
        self.table = table
        self.run_id = run_id
        self.token = token
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._heartbeat, daemon=True)
        self._thread.start()

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                if not self.table.beat(self.run_id, self.token):
                    get_logger(run_id=self.run_id).error("lease.lost")
                    return
            except Exception as exc:  # a store hiccup must not kill the run; log it
                get_logger(run_id=self.run_id).warning("lease.heartbeat_failed", error=str(exc))

    def release(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.table._held.discard(self)
        self.table.release(self.run_id, self.token)


def _holder_from(row: Any) -> Holder:
    values = (
        row
        if isinstance(row, tuple | list)
        else tuple(row.values() if isinstance(row, dict) else row)
    )
    data = dict(zip(_COLUMNS, values, strict=True))
    return Holder(
        run_id=str(data["run_id"]),
        token=str(data["token"]),
        pid=int(data["pid"]),
        host=str(data["host"]),
        started=int(data["started"]) if data["started"] is not None else None,
        since=datetime.fromisoformat(str(data["since"])),
        heartbeat=datetime.fromisoformat(str(data["heartbeat"])),
    )
