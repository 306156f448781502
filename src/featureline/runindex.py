"""The run index: one row per run (title, status, options) beside the checkpoints.

Checkpoints hold the state; this table makes `featureline runs` a single query instead of
a scan over every checkpoint, and keeps what is needed to rebuild a run's graph on resume.
The same SQL serves SQLite and PostgreSQL; only the placeholder style differs.

The stored ``status`` is what the last writer wrote; a run reads ``running`` only while a
live process holds its lease (featureline.lease), so a crashed run reads ``stopped``.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from featureline.errors import UnknownRunError
from featureline.lease import Holder, SqlLeases

RunStatus = Literal["running", "waiting", "done", "failed", "stopped"]


class RunInfo(BaseModel):
    run_id: str
    title: str
    created_at: datetime
    updated_at: datetime
    status: RunStatus
    pipeline: str
    provider: str
    options: dict[str, Any] = Field(default_factory=dict)
    pid: int | None = None
    host: str | None = None


class RunIndex(Protocol):
    def create(self, info: RunInfo) -> None: ...
    def get(self, run_id: str) -> RunInfo: ...
    def exists(self, run_id: str) -> bool: ...
    def list(self) -> list[RunInfo]: ...
    def set_status(self, run_id: str, status: RunStatus, pid: int | None = None) -> None: ...


_COLUMNS = (
    "run_id",
    "title",
    "created_at",
    "updated_at",
    "status",
    "pipeline",
    "provider",
    "options",
    "pid",
    "host",
)

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS featureline_runs (
    run_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    status TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    provider TEXT NOT NULL,
    options TEXT NOT NULL,
    pid INTEGER,
    host TEXT
)
"""


class SqlRunIndex:
    """A RunIndex over any DB-API connection (sqlite3 with '?', psycopg with '%s')."""

    def __init__(self, connection: Any, placeholder: str) -> None:
        self._conn = connection
        self._ph = placeholder
        self._lock = threading.Lock()
        self.leases = SqlLeases(connection, placeholder, self._lock)

    def setup(self) -> None:
        with self._lock:
            self._conn.execute(CREATE_TABLE)
            self._commit()
        self.leases.setup()

    def _commit(self) -> None:
        commit = getattr(self._conn, "commit", None)
        if commit is not None and not getattr(self._conn, "autocommit", False):
            commit()

    def _sql(self, query: str) -> str:
        return query.replace("?", self._ph)

    def create(self, info: RunInfo) -> None:
        values = _row_from(info)
        marks = ", ".join("?" for _ in _COLUMNS)
        with self._lock:
            self._conn.execute(
                self._sql(f"INSERT INTO featureline_runs ({', '.join(_COLUMNS)}) VALUES ({marks})"),
                values,
            )
            self._commit()

    def get(self, run_id: str) -> RunInfo:
        with self._lock:
            cursor = self._conn.execute(
                self._sql(f"SELECT {', '.join(_COLUMNS)} FROM featureline_runs WHERE run_id = ?"),
                (run_id,),
            )
            row = cursor.fetchone()
        if row is None:
            raise UnknownRunError(run_id)
        info = _info_from(row)
        return with_lease(info, self.leases.holder(run_id))

    def exists(self, run_id: str) -> bool:
        with self._lock:
            cursor = self._conn.execute(
                self._sql("SELECT 1 FROM featureline_runs WHERE run_id = ?"), (run_id,)
            )
            return cursor.fetchone() is not None

    def list(self) -> list[RunInfo]:
        with self._lock:
            cursor = self._conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM featureline_runs ORDER BY created_at DESC"
            )
            rows = cursor.fetchall()
        holders = self.leases.holders()
        return [with_lease(info, holders.get(info.run_id)) for info in map(_info_from, rows)]

    def set_status(self, run_id: str, status: RunStatus, pid: int | None = None) -> None:
        with self._lock:
            self._conn.execute(
                self._sql(
                    "UPDATE featureline_runs SET status = ?, updated_at = ?, pid = ? "
                    "WHERE run_id = ?"
                ),
                (status, datetime.now(UTC).isoformat(), pid, run_id),
            )
            self._commit()


def with_lease(info: RunInfo, holder: Holder | None) -> RunInfo:
    """The info as it stands: ``running`` needs a live lease holder (whose pid and host
    it then shows); a ``running`` row without one was left by a crash and is ``stopped``."""
    if holder is not None and holder.alive():
        return info.model_copy(update={"status": "running", "pid": holder.pid, "host": holder.host})
    if info.status == "running":
        return info.model_copy(update={"status": "stopped"})
    return info


def _row_from(info: RunInfo) -> tuple[Any, ...]:
    return (
        info.run_id,
        info.title,
        info.created_at.isoformat(),
        info.updated_at.isoformat(),
        info.status,
        info.pipeline,
        info.provider,
        json.dumps(info.options, sort_keys=True),
        info.pid,
        info.host,
    )


def _info_from(row: Any) -> RunInfo:
    values = (
        row
        if isinstance(row, tuple | list)
        else tuple(row.values() if isinstance(row, dict) else row)
    )
    data = dict(zip(_COLUMNS, values, strict=True))
    data["options"] = json.loads(data["options"])
    return RunInfo.model_validate(data)
