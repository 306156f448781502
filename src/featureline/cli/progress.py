"""Live progress of a run: one row per step with status, attempt, duration and tokens.

On a terminal the table redraws eight times a second: a step's timer runs while it is
produced, checked, run in the sandbox or reviewed, and its token count grows while the
answer streams (:mod:`featureline.activity`). SDK retries and a step's error are shown the
moment they happen (as lines when the output is not a terminal), not when the step's
siblings finish.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from featureline import activity
from featureline.cli.safe import line, styled

if TYPE_CHECKING:  # the run machinery loads only when a run is shown
    from featureline.engine import ProgressEvent
    from featureline.pipeline import PipelineSpec
    from featureline.views import RunView

STATUS_STYLE = {
    "pending": "dim",
    "running": "cyan",
    "checking": "cyan",
    "reviewing": "cyan",
    "revising": "yellow",
    "awaiting_review": "magenta",
    "approved": "green",
    "failed": "red",
    "errored": "red",
    "over_budget": "yellow",
}


@dataclass
class StepRow:
    status: str = "pending"
    attempt: int = 0
    duration_s: float = 0.0
    tokens: int = 0
    cost: Decimal = Decimal(0)
    errors: int = 0
    started: float | None = None


@dataclass
class ProgressBoard:
    """Folds ProgressEvents into rows; rendered live on a terminal, as lines otherwise."""

    spec: PipelineSpec
    console: Console
    rows: dict[str, StepRow] = field(default_factory=dict)
    live: Live | None = None
    _listening: Any = None
    _shown: dict[str, tuple[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.rows:
            self.rows = {step.id: StepRow() for step in self.spec.steps}

    @classmethod
    def continuing(cls, view: RunView, console: Console) -> ProgressBoard:
        """A board for a resumed or reviewed run, starting from where each step stands."""
        from featureline.engine import RunOptions

        spec = RunOptions.from_json(view.info.options).spec
        rows = {
            step.id: StepRow(
                status=step.status,
                attempt=step.attempts,
                duration_s=step.duration_s,
                tokens=step.usage.total_tokens,
                cost=step.cost_usd,
            )
            for step in view.steps
        }
        return cls(spec, console, rows)

    def __enter__(self) -> ProgressBoard:
        activity.reset()
        self._listening = activity.listening(self._on_activity)
        self._listening.__enter__()
        if self.console.is_terminal:
            # the renderable redraws itself on every refresh: timers tick between events
            self.live = Live(
                _LiveTable(self), console=self.console, refresh_per_second=8, transient=False
            )
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._listening is not None:
            self._listening.__exit__(*exc)
            self._listening = None
        if self.live is not None:
            self.live.update(self.table())
            self.live.__exit__(*exc)

    def _on_activity(self, step: str, now: activity.StepActivity) -> None:
        """Retries and errors as lines at once when there is no live table to show them."""
        if self.live is not None or step not in self.rows:
            return
        error, retries = self._shown.get(step, ("", 0))
        if now.error and now.error != error:
            self.console.print(Text(f"{'error':>15}  {step:<15} {now.error}"))
        elif now.note and now.retries != retries:
            self.console.print(Text(f"{'retry':>15}  {step:<15} {now.note}"))
        self._shown[step] = (now.error, now.retries)

    def __call__(self, event: ProgressEvent) -> None:
        row = self.rows.get(event.step)
        if row is None:
            return
        before = row.status
        if event.phase == "start":
            row.started = time.monotonic()  # the step's time includes its checks and reviews
            if event.role == "step":
                row.status = "running"
                row.attempt += 1
            elif event.role == "check":
                row.status = "checking"
            elif event.role == "review":
                row.status = "reviewing"
        else:
            self._apply(row, event)
        if self.live is not None:
            self.live.refresh()
        elif row.status != before and row.status not in {"running", "checking", "reviewing"}:
            self.console.print(self.line(event.step, row))

    def _apply(self, row: StepRow, event: ProgressEvent) -> None:
        update = event.update
        records = update.get("records") or []
        entries = update.get("ledger") or []
        if records:
            record = records[-1]
            row.attempt = record["attempt"]
            if not entries:  # providers without a ledger report usage on the record only
                usage = record.get("usage", {})
                row.tokens += sum(int(v) for v in usage.values())
        for entry in entries:
            row.tokens += sum(
                int(entry[k])
                for k in (
                    "input_tokens",
                    "output_tokens",
                    "cache_write_tokens",
                    "cache_read_tokens",
                )
            )
            row.cost += Decimal(str(entry["cost_usd"]))
        if event.role in {"step", "check", "review"} and row.started is not None:
            row.duration_s += time.monotonic() - row.started
            row.started = None
        findings = update.get("findings")
        if findings is not None:
            row.errors = sum(1 for f in findings if f["severity"] == "error")
        step_update = (update.get("steps") or {}).get(event.step, {})
        status = step_update.get("status")
        if status in {"errored", "over_budget"}:  # a stopped attempt: count what was made
            row.attempt = step_update.get("attempts", row.attempt)
        if event.waiting:
            row.status = "awaiting_review"
        elif status and status not in {"checking", "reviewing"}:
            row.status = status
        if event.error:
            row.status = "failed"

    def line(self, step: str, row: StepRow) -> Text:
        style = STATUS_STYLE.get(row.status, "")
        errors = f", {row.errors} error(s)" if row.errors else ""
        cost = f"  ${row.cost:.4f}" if row.cost else ""
        return line(
            styled(f"{row.status:>15}", style),
            f"  {step:<15} attempt {row.attempt}  "
            f"{row.duration_s:6.2f}s  {row.tokens} tokens{cost}{errors}",
        )

    def table(self) -> Table:
        """The board now: running timers include the time since the node started, token
        counts include what is streaming, and the last retry or error is shown beside."""
        table = Table(title=f"pipeline {self.spec.name}", show_edge=False)
        for column in (
            "step",
            "status",
            "attempt",
            "duration",
            "tokens",
            "cost",
            "errors",
            "now",
        ):
            table.add_column(column)
        live = activity.snapshot()
        clock = time.monotonic()
        for step_id, row in self.rows.items():
            style = STATUS_STYLE.get(row.status, "")
            now = live.get(step_id)
            running = row.started is not None
            duration = row.duration_s + (clock - row.started if row.started is not None else 0)
            streaming = now.streamed_tokens if now is not None and now.phase and running else 0
            table.add_row(
                step_id,
                styled(row.status, style),
                str(row.attempt or ""),
                f"{duration:.2f}s" if row.attempt or running else "",
                str(row.tokens + streaming) if row.attempt or streaming else "",
                f"${row.cost:.4f}" if row.cost else "",
                str(row.errors) if row.errors else "",
                Text(_now_note(now, running)),
            )
        return table


def _now_note(now: activity.StepActivity | None, running: bool) -> str:
    """What the step is doing: its error, the last retry, or streaming."""
    if now is None:
        return ""
    if now.error:
        return f"error: {now.error}"[:120]
    if now.note and running:
        return f"retry {now.retries}: {now.note}"[:120]
    if now.phase and running and now.streamed_tokens:
        return f"streaming (~{now.streamed_tokens} tokens)"
    return ""


class _LiveTable:
    """A renderable that asks the board for a fresh table each time Live redraws."""

    def __init__(self, board: ProgressBoard) -> None:
        self.board = board

    def __rich__(self) -> Table:
        return self.board.table()
