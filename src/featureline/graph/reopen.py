"""Reopening a step: the state transition behind ``rewind``, ``review --reopen`` and forks.

LangGraph's own time travel (``update_state`` on a past checkpoint) leaves this graph
with nothing to run, because all routing is ``Command(goto)``. A reopen is instead a new
*input* to the run's latest checkpoint: LangGraph discards the unfinished tasks of that
checkpoint (an interrupted gate, a step in flight when the process died) and runs
``START -> dispatch``. The input resets the reopened step and everything downstream of it
to ``pending`` (a new round; attempt numbers go on, so every earlier attempt stays in
history), carries over what tasks of the interrupted superstep had already finished, and
sends steps outside the reopened set whose task it discarded back to that node
(``resume_at``). Pure: the engine reads the checkpoint and applies the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from featureline.errors import ReviewError
from featureline.gates import ReviewRecord
from featureline.graph.names import DISPATCH, step_of_node
from featureline.pipeline import GatePolicy, PipelineSpec
from featureline.state import RunState, StepState

BRANCH_PREFIX = "branch:to:"
"""LangGraph's channel for ``Command(goto=node)``."""


@dataclass(frozen=True)
class TaskWrites:
    """A task of the run's latest checkpoint: its node, and the writes it had saved when
    the run stopped (``finished``) — none for a task that was in flight or interrupted."""

    node: str
    writes: list[tuple[str, Any]] = field(default_factory=list)
    finished: bool = False


@dataclass(frozen=True)
class Rejection:
    """A waiting gate's rejection that reopens an upstream step instead of its own."""

    step: str
    attempt: int
    round: int
    policy: GatePolicy


def downstream_of(spec: PipelineSpec, step_id: str) -> list[str]:
    """``step_id`` and every step that depends on it, directly or not, in pipeline order."""
    closed = {step_id}
    grown = True
    while grown:  # a pipeline file need not list steps in dependency order
        grown = False
        for step in spec.steps:
            if step.id not in closed and any(dep in closed for dep in step.depends_on):
                closed.add(step.id)
                grown = True
    return [s.id for s in spec.steps if s.id in closed]


def reopen_input(
    state: RunState,
    spec: PipelineSpec,
    step_id: str,
    *,
    comment: str,
    reviewer: str,
    policy: GatePolicy,
    tasks: Sequence[TaskWrites] = (),
    rejection: Rejection | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The input that reopens ``step_id`` of a run whose latest state is ``state``."""
    if step_id not in spec.step_ids:
        raise ReviewError(f"unknown step {step_id!r}: steps are {', '.join(spec.step_ids)}")
    at = now or datetime.now(UTC)
    update = carried_writes(tasks)
    steps: dict[str, StepState] = {**state["steps"], **update.get("steps", {})}
    target = steps[step_id]
    if target["attempts"] == 0:
        raise ReviewError(f"step {step_id} has not run yet, so there is nothing to reopen")
    reopened = downstream_of(spec, step_id)
    if rejection is not None and rejection.step not in reopened:
        raise ReviewError(
            f"step {step_id} is not upstream of {rejection.step}: reopen one of "
            f"{', '.join(s.id for s in spec.steps if rejection.step in downstream_of(spec, s.id))}"
        )
    changed: dict[str, StepState] = dict(update.get("steps", {}))
    for node in _resume_targets(tasks):
        sid = step_of_node(node)
        if sid and sid not in reopened:
            changed[sid] = {**steps[sid], "resume_at": node}
    from_attempt = target["approved_attempt"] or target["attempts"]
    if rejection is not None:
        why = (
            f"Reviewer {reviewer} rejected {rejection.step} attempt {rejection.attempt} "
            f"and reopened {step_id} (attempt {from_attempt}): {comment}"
        )
    else:
        why = f"Reviewer {reviewer} reopened {step_id} (attempt {from_attempt}): {comment}"
    reset: list[str] = []
    for sid in reopened:
        st = steps[sid]
        if st["attempts"] == 0 and st["status"] == "pending":
            continue  # never ran: nothing to reset
        reset.append(sid)
        changed[sid] = {
            **st,
            "status": "pending",
            "round": st["round"] + 1,
            "round_attempts": 0,
            "approved_attempt": None,
            "feedback": [why] if sid == step_id else [],
            "error": None,
            "stopped_in": None,
            "resume_at": None,
        }
    reviews: list[dict[str, Any]] = list(update.get("reviews", []))
    if rejection is not None:
        reviews.append(
            ReviewRecord(
                step=rejection.step,
                attempt=rejection.attempt,
                round=rejection.round,
                policy=rejection.policy,
                verdict="reject",
                reviewer=reviewer,
                comment=f"{comment} (reopens {step_id})",
                at=at,
            ).model_dump(mode="json")
        )
    reviews.append(
        ReviewRecord(
            step=step_id,
            attempt=from_attempt,
            round=target["round"],
            policy=policy,
            verdict="reopen",
            reviewer=reviewer,
            comment=comment,
            at=at,
        ).model_dump(mode="json")
    )
    reopen = {
        "step": step_id,
        "attempt": from_attempt,
        "reviewer": reviewer,
        "comment": comment,
        "at": at.isoformat(),
        "reset": reset,
        "gate": {"step": rejection.step, "attempt": rejection.attempt} if rejection else None,
    }
    return {**update, "steps": changed, "reviews": reviews, "reopens": [reopen]}


def carried_writes(tasks: Sequence[TaskWrites]) -> dict[str, Any]:
    """What finished tasks of the interrupted superstep wrote, folded into one update with
    the state's reducers (``steps`` merged per key, history lists appended)."""
    update: dict[str, Any] = {}
    for task in tasks:
        if not task.finished:
            continue
        for channel, value in task.writes:
            if channel.startswith(BRANCH_PREFIX) or channel.startswith("__"):
                continue
            if channel == "steps":
                update["steps"] = {**update.get("steps", {}), **value}
            elif isinstance(value, list):
                update[channel] = [*update.get(channel, []), *value]
            else:
                update[channel] = value
    return update


def _resume_targets(tasks: Sequence[TaskWrites]) -> list[str]:
    """The nodes the run would have run next: unfinished tasks, and where finished ones
    routed to (dispatch itself is re-entered by the reopen anyway)."""
    targets: list[str] = []
    for task in tasks:
        if not task.finished:
            targets.append(task.node)
            continue
        targets += [c[len(BRANCH_PREFIX) :] for c, _ in task.writes if c.startswith(BRANCH_PREFIX)]
    return [t for t in targets if t != DISPATCH]
