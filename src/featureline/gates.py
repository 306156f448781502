"""Gate decisions: what a reviewer may answer, and what the gate does with an outcome.

The policy logic here is pure; ``graph.py`` wires it into nodes and does the interrupt.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from featureline.pipeline import GatePolicy

Verdict = Literal["approve", "reject", "edit"]


class GateDecision(BaseModel):
    """A reviewer's answer to a gate interrupt."""

    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    comment: str = ""
    reviewer: str = "reviewer"
    artifact: dict[str, Any] | None = Field(
        default=None, description="the edited artifact, for 'edit'"
    )


class ReviewRecord(BaseModel):
    """One gate decision as kept in history (rule 5): automatic and human alike."""

    step: str
    attempt: int
    round: int
    policy: GatePolicy
    verdict: Literal["approve", "reject", "edit", "refused", "failed", "reopen"]
    """``reopen``: a reviewer sent an earlier step (and everything after it) back."""
    reviewer: str
    comment: str = ""
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    edited_hash: str | None = None


def needs_human(policy: GatePolicy, has_errors: bool) -> bool:
    """Human gates always ask; auto gates ask only when checks still fail after the last attempt."""
    return policy == "human" or (policy == "auto" and has_errors)


def review_prompt(
    step: str, attempt: int, policy: GatePolicy, findings: list[dict[str, Any]]
) -> dict[str, Any]:
    """The interrupt payload shown to the reviewer."""
    errors = [f for f in findings if f["severity"] == "error"]
    reason = (
        f"checks still report {len(errors)} error(s) after the last allowed attempt"
        if errors
        else "review requested by the gate policy"
    )
    return {
        "step": step,
        "attempt": attempt,
        "policy": policy,
        "reason": reason,
        "errors": len(errors),
        "findings": findings,
        "choices": ["approve", "reject", "edit"] if not errors else ["reject", "edit"],
    }
