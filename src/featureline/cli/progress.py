"""Live progress of a run: one row per step with status, attempt, duration and tokens."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

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
        if self.console.is_terminal:
            self.live = Live(
                self.table(), console=self.console, refresh_per_second=8, transient=False
            )
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.update(self.table())
            self.live.__exit__(*exc)

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
            self.live.update(self.table())
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

    def line(self, step: str, row: StepRow) -> str:
        style = STATUS_STYLE.get(row.status, "")
        errors = f", {row.errors} error(s)" if row.errors else ""
        cost = f"  ${row.cost:.4f}" if row.cost else ""
        return (
            f"[{style}]{row.status:>15}[/{style}]  {step:<15} attempt {row.attempt}  "
            f"{row.duration_s:6.2f}s  {row.tokens} tokens{cost}{errors}"
        )

    def table(self) -> Table:
        table = Table(title=f"pipeline {self.spec.name}", show_edge=False)
        for column in ("step", "status", "attempt", "duration", "tokens", "cost", "errors"):
            table.add_column(column)
        for step_id, row in self.rows.items():
            style = STATUS_STYLE.get(row.status, "")
            table.add_row(
                step_id,
                f"[{style}]{row.status}[/{style}]",
                str(row.attempt or ""),
                f"{row.duration_s:.2f}s" if row.attempt else "",
                str(row.tokens) if row.attempt else "",
                f"${row.cost:.4f}" if row.cost else "",
                str(row.errors) if row.errors else "",
            )
        return table
