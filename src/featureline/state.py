"""The graph state. Everything in it is plain JSON data, so any checkpointer can store it
and old runs stay readable when the Python models evolve."""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, NotRequired

from typing_extensions import TypedDict

StepStatus = Literal[
    "pending",
    "running",
    "checking",
    "reviewing",
    "revising",
    "awaiting_review",
    "approved",
    "failed",
    "errored",
    "over_budget",
]
"""``errored``: the provider failed after its retries (the paid calls are in the ledger);
``over_budget``: the next call could pass the run's budget, so it was not made. Both end
the run as ``stopped``; ``resume`` restarts the step where it stopped."""

StopPhase = Literal["produce", "review"]


class StepState(TypedDict):
    """Where one step stands. ``feedback`` is what its next attempt must address."""

    status: StepStatus
    attempts: int
    round: int
    round_attempts: int
    feedback: list[str]
    approved_attempt: int | None
    error: NotRequired[str | None]
    """Why the step stopped (``errored`` / ``over_budget``), in one line."""
    stopped_in: NotRequired[StopPhase | None]
    """Which node to restart on resume: the step's own (``produce``) or its review."""


def new_step_state() -> StepState:
    return StepState(
        status="pending", attempts=0, round=1, round_attempts=0, feedback=[], approved_attempt=None
    )


def merge_steps(left: dict[str, StepState], right: dict[str, StepState]) -> dict[str, StepState]:
    """Parallel steps each write their own key; a later write of one key replaces it whole."""
    return {**left, **right}


class RunState(TypedDict, total=False):
    run_id: str
    request: dict[str, Any]
    steps: Annotated[dict[str, StepState], merge_steps]
    records: Annotated[list[dict[str, Any]], operator.add]
    """Every attempt of every step (ArtifactRecord data): nothing is ever replaced (rule 5)."""
    findings: Annotated[list[dict[str, Any]], operator.add]
    """Every finding, tagged with step and attempt."""
    reviews: Annotated[list[dict[str, Any]], operator.add]
    """Every gate decision: who, when, verdict, comment, edits."""
    evidence: Annotated[list[dict[str, Any]], operator.add]
    """What featureline measured in the sandbox (test reports, load results), per attempt."""
    ledger: Annotated[list[dict[str, Any]], operator.add]
    """Every model call (LedgerEntry data: step, attempt, purpose, model, tokens, cost),
    failed ones included: what was paid for is never dropped."""
    budget_usd: str | None
    """The run's spending limit in USD (a decimal string; ``None``: no limit). Starts as
    ``--max-cost``; ``resume --max-cost`` replaces it, and the checkpoint keeps the change."""


def latest_record(state: RunState, step: str) -> dict[str, Any] | None:
    return next((r for r in reversed(state.get("records", [])) if r["step"] == step), None)


def record_of(state: RunState, step: str, attempt: int) -> dict[str, Any] | None:
    return next(
        (r for r in state.get("records", []) if r["step"] == step and r["attempt"] == attempt), None
    )


def findings_of(state: RunState, step: str, attempt: int) -> list[dict[str, Any]]:
    return [f for f in state.get("findings", []) if f["step"] == step and f["attempt"] == attempt]
