"""Reading runs for the pages: views from the store, the runs table and fork lineage.

Everything here goes through :class:`featureline.engine.Engine` on the app's store URL,
opened per call, as the CLI's own read commands do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from featureline.engine import Engine
from featureline.errors import FeaturelineError
from featureline.providers.builtin import BuiltinSpecialist
from featureline.runindex import RunInfo
from featureline.store import open_store
from featureline.views import RunView


@contextmanager
def engine_for(store_url: str) -> Iterator[Engine]:
    """An engine for reading: the specialist is never called, so the offline one serves."""
    with open_store(store_url) as store:
        yield Engine(store, BuiltinSpecialist())


def load_view(store_url: str, run_id: str) -> RunView:
    with engine_for(store_url) as engine:
        return engine.view(run_id)


@dataclass
class RunRow:
    """One line of the runs table."""

    info: RunInfo
    status: str
    waiting: list[str]
    cost_usd: Decimal | None
    age: str
    forked_from: str | None
    forked_at: str | None
    forks: list[str] = field(default_factory=list)
    problem: str | None = None


def run_rows(store_url: str, now: datetime | None = None) -> list[RunRow]:
    """Every run, newest first, with its live status (from its checkpoints, not the index)."""
    moment = now or datetime.now(UTC)
    rows: list[RunRow] = []
    with engine_for(store_url) as engine:
        for info in engine.store.runs.list():
            origin = info.options.get("forked_from") or {}
            row = RunRow(
                info=info,
                status=info.status,
                waiting=[],
                cost_usd=None,
                age=age_text(moment, info.created_at),
                forked_from=origin.get("run_id"),
                forked_at=origin.get("at"),
            )
            try:
                view = engine.view(info.run_id)
                row.status = view.status
                row.waiting = [f"{p.step} #{p.attempt}" for p in view.pending]
                row.cost_usd = view.cost_usd
            except FeaturelineError as exc:
                row.problem = str(exc)
            rows.append(row)
    by_id = {row.info.run_id: row for row in rows}
    for row in rows:
        if row.forked_from in by_id:
            by_id[row.forked_from].forks.append(row.info.run_id)
    rows.sort(key=lambda r: r.info.created_at, reverse=True)
    return rows


def filter_rows(rows: list[RunRow], status: str, text: str) -> list[RunRow]:
    """Rows of one status (``""`` = any) whose id, title or pipeline contains ``text``."""
    needle = text.strip().lower()
    return [
        r
        for r in rows
        if (not status or r.status == status)
        and (
            not needle
            or needle in r.info.run_id.lower()
            or needle in r.info.title.lower()
            or needle in r.info.pipeline.lower()
        )
    ]


def age_text(now: datetime, then: datetime) -> str:
    """``42s``, ``5m``, ``3h``, ``2d``: how long ago, coarse as a table needs it."""
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def live_state(view: RunView, job_text: str | None) -> dict[str, object]:
    """What the run page's live stream sends: enough to recolour the graph and to know
    when the server-rendered panels need fetching again."""
    return {
        "status": view.status,
        "steps": {
            s.id: {"status": s.status, "attempts": s.attempts, "approved": s.approved_attempt}
            for s in view.steps
        },
        "pending": [f"{p.step}@{p.attempt}" for p in view.pending],
        "job": job_text,
    }
