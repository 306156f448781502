"""A run's latest checkpoint read as plain values, straight from a SQLite store.

Reading commands (`runs`, `status`, `show`, `cost`) need the state a checkpoint holds, not
LangGraph's machinery: importing ``langgraph.checkpoint`` alone costs ~0.4 s of CPU (it
loads langchain-core), compiling the pipeline more. The state is plain JSON data
(featureline.state), which langgraph-checkpoint-sqlite stores as MessagePack in its
``checkpoints`` and ``writes`` tables; this module reads those rows with ``ormsgpack``
(the serializer's own codec) and nothing else.

It decodes only what is plain: any value LangGraph stores as a Python object (an
extension type: an interrupt, a ``Send``), another serializer (encrypted, JSON) or another
schema raises :class:`UnreadableCheckpoint`, and the caller takes LangGraph's own path. A
conformance test compares both paths on runs in every state.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

import ormsgpack

BRANCH = "branch:to:"
"""LangGraph's trigger channel of a node (``Command(goto=node)`` and edges write it)."""
START = "__start__"


class UnreadableCheckpoint(Exception):
    """The checkpoint holds something only LangGraph can read; use its path instead."""


@dataclass(frozen=True)
class PlainCheckpoint:
    """The latest checkpoint of a thread: state values, the versions LangGraph uses to pick
    the next tasks, and the writes tasks of the next superstep had saved."""

    checkpoint_id: str
    values: dict[str, Any]
    channel_versions: dict[str, Any]
    versions_seen: dict[str, dict[str, Any]]
    pending_writes: list[tuple[str, str, Any]] = field(default_factory=list)

    def next_nodes(self) -> list[str]:
        """Nodes whose trigger channel changed since they last ran: the tasks LangGraph
        would run next (every node of a featureline graph is triggered by its own
        ``branch:to:`` channel; the input by ``__start__``)."""
        nodes = []
        for channel, version in self.channel_versions.items():
            if channel == START:
                node = START
            elif channel.startswith(BRANCH):
                node = channel[len(BRANCH) :]
            else:
                continue
            seen = self.versions_seen.get(node, {}).get(channel)
            if seen is None or version > seen:
                nodes.append(node)
        return nodes


def _refuse_extension(code: int, data: bytes) -> Any:
    raise UnreadableCheckpoint(f"a value stored as a Python object (extension {code})")


def _decode(kind: str | None, data: bytes | None) -> Any:
    if kind == "null" or data is None:
        return None
    if kind != "msgpack":
        raise UnreadableCheckpoint(f"values serialized as {kind!r}")
    try:
        return ormsgpack.unpackb(
            data, ext_hook=_refuse_extension, option=ormsgpack.OPT_NON_STR_KEYS
        )
    except ormsgpack.MsgpackDecodeError as exc:
        raise UnreadableCheckpoint(f"not MessagePack ({exc})") from exc


def latest_checkpoint(
    connection: sqlite3.Connection, thread_id: str, *, writes: bool = True
) -> PlainCheckpoint | None:
    """The thread's newest checkpoint (as ``SqliteSaver.get_tuple`` picks it) with its
    pending writes (unless ``writes`` is false); ``None`` when it has none."""
    row = connection.execute(
        "SELECT checkpoint_id, type, checkpoint FROM checkpoints "
        "WHERE thread_id = ? AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1",
        (thread_id,),
    ).fetchone()
    if row is None:
        return None
    checkpoint_id, kind, blob = row
    checkpoint = _decode(kind, blob)
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("channel_values"), dict):
        raise UnreadableCheckpoint("a checkpoint without channel values")
    pending = _pending_writes(connection, thread_id, str(checkpoint_id)) if writes else []
    return PlainCheckpoint(
        checkpoint_id=str(checkpoint_id),
        values=dict(checkpoint["channel_values"]),
        channel_versions=dict(checkpoint.get("channel_versions") or {}),
        versions_seen={k: dict(v) for k, v in (checkpoint.get("versions_seen") or {}).items()},
        pending_writes=pending,
    )


def _pending_writes(
    connection: sqlite3.Connection, thread_id: str, checkpoint_id: str
) -> list[tuple[str, str, Any]]:
    rows = connection.execute(
        "SELECT task_id, channel, type, value FROM writes "
        "WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id = ? "
        "ORDER BY task_id, idx",
        (thread_id, checkpoint_id),
    )
    return [(str(task), str(channel), _decode(kind, value)) for task, channel, kind, value in rows]


def count_checkpoints(connection: sqlite3.Connection, thread_id: str) -> int:
    row = connection.execute(
        "SELECT count(*) FROM checkpoints WHERE thread_id = ?", (thread_id,)
    ).fetchone()
    return int(row[0])


__all__ = [
    "PlainCheckpoint",
    "UnreadableCheckpoint",
    "count_checkpoints",
    "latest_checkpoint",
]
