"""A decision from the page, checked before a worker is started: the same refusals the
CLI and the engine give (one verdict, a comment for a rejection, the gate still waiting
for the attempt shown, no approval over error findings, an edit that validates against
the artifact's schema), so a refusal comes back at once with where the run stands.

The worker checks again under the run's claim, so a race between two reviewers still
ends with exactly one decision applied.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from featureline.artifacts import ARTIFACT_TYPES
from featureline.errors import ReviewError
from featureline.timetravel import describe_step, waiting_target
from featureline.views import RunView

VERDICTS = ("approve", "reject", "edit")


class InvalidEdit(ReviewError):
    """An edited artifact that is not JSON or does not validate against its schema."""


@dataclass(frozen=True)
class Decision:
    step: str
    attempt: int
    verdict: str
    comment: str
    reopen: str | None
    edited: dict[str, Any] | None


def parse_attempt(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ReviewError(f"attempt must be a number, not {text!r}") from None
    if value < 1:
        raise ReviewError("attempt must be 1 or more")
    return value


def check_decision(
    view: RunView,
    step: str,
    attempt: int,
    verdict: str,
    comment: str,
    edit_text: str,
    reopen: str,
) -> Decision:
    if verdict not in VERDICTS:
        raise ReviewError(f"unknown decision {verdict!r}: approve, reject or edit")
    if verdict == "reject" and not comment.strip():
        raise ReviewError("a rejection needs a comment saying what to change")
    reopen_step = reopen.strip() or None
    if reopen_step is not None:
        if verdict != "reject":
            raise ReviewError("reopening an upstream step goes with a rejection: say why")
        if reopen_step not in {s.id for s in view.steps}:
            steps = ", ".join(s.id for s in view.steps)
            raise ReviewError(f"unknown step {reopen_step!r}: steps are {steps}")
        if view.step(reopen_step).attempts == 0:
            raise ReviewError(f"step {reopen_step} has not run yet, so there is nothing to reopen")
    target = waiting_target(view, step, attempt)
    if verdict == "approve" and target.errors:
        raise ReviewError(
            f"step {step} has {target.errors} error finding(s) and cannot be approved: "
            "reject it with a comment or edit the artifact"
        )
    edited = parse_edit(view.step(step).kind, edit_text) if verdict == "edit" else None
    return Decision(step, attempt, verdict, comment.strip(), reopen_step, edited)


def parse_edit(kind: str, text: str) -> dict[str, Any]:
    """The edited artifact, validated against the artifact's pydantic model (its schema)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEdit(
            f"edited artifact is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise InvalidEdit("edited artifact must be a JSON object of the artifact's fields")
    try:
        ARTIFACT_TYPES[kind].model_validate(data)
    except ValueError as exc:
        lines = str(exc).splitlines()
        raise InvalidEdit(f"edited {kind} artifact is not valid: {' '.join(lines[:3])}") from None
    return data


def where_it_stands(view: RunView) -> str:
    """One line for a refusal: the run's status and what its gates wait for."""
    if view.pending:
        waiting = ", ".join(f"{p.step} attempt {p.attempt}" for p in view.pending)
        return f"run {view.info.run_id} is {view.status}; waiting for review: {waiting}"
    steps = "; ".join(f"{s.id} {describe_step(view, s.id)}" for s in view.steps if s.attempts)
    return f"run {view.info.run_id} is {view.status}" + (f"; {steps}" if steps else "")
