"""Reading what a reopen or a bound review needs from a run: the tasks its latest
checkpoint left unfinished (with what finished ones had saved), and which waiting gate a
decision is for — refusing, with where things stand, a decision that no longer fits."""

from __future__ import annotations

from typing import Any

from featureline.errors import ReviewError
from featureline.graph import TaskWrites
from featureline.store import Store
from featureline.views import PendingReview, RunView


def task_writes(store: Store, run_id: str, snapshot: Any) -> list[TaskWrites]:
    """Each task of the latest checkpoint with the writes it saved before the run stopped.
    A node writes its state update only when it returns, so a task that saved one finished
    (a gate answered by a resume saves its interrupt and resume too); a task that saved
    only an interrupt, an error or nothing is unfinished. The state LangGraph shows applies
    finished writes, but a reopen discards them unless it carries them (it does)."""
    saved = store.checkpointer.get_tuple({"configurable": {"thread_id": run_id}})
    by_task: dict[str, list[tuple[str, Any]]] = {}
    for task_id, channel, value in (saved.pending_writes if saved else None) or []:
        by_task.setdefault(task_id, []).append((channel, value))
    tasks = []
    for task in snapshot.tasks:
        writes = by_task.get(task.id, [])
        state_writes = [(c, v) for c, v in writes if not c.startswith("__")]
        tasks.append(TaskWrites(node=task.name, writes=state_writes, finished=bool(state_writes)))
    return tasks


def describe_step(view: RunView, step_id: str) -> str:
    """Where a step stands, in a few words: ``approved (attempt 2)``."""
    try:
        step = view.step(step_id)
    except KeyError:
        return "not a step of this run"
    if step.status == "approved":
        return f"approved (attempt {step.approved_attempt})"
    if step.attempts:
        return f"{step.status} (attempt {step.attempts})"
    return step.status


def waiting_target(view: RunView, step: str | None, attempt: int | None) -> PendingReview:
    """The waiting gate a decision answers, or a ReviewError saying where the run stands."""
    run_id = view.info.run_id
    if step is not None and step not in {s.id for s in view.steps}:
        raise ReviewError(f"unknown step {step!r}: steps are {', '.join(s.id for s in view.steps)}")
    if not view.pending:
        where = f"; {step} is {describe_step(view, step)}" if step else ""
        raise ReviewError(f"run {run_id} is not waiting for review (status: {view.status}{where})")
    if step is None:
        if len(view.pending) > 1:
            steps = ", ".join(p.step for p in view.pending)
            raise ReviewError(
                f"{len(view.pending)} gates are waiting ({steps}): name the STEP to review"
            )
        target = view.pending[0]
    else:
        matches = [p for p in view.pending if p.step == step]
        if not matches:
            waiting = ", ".join(f"{p.step} attempt {p.attempt}" for p in view.pending)
            raise ReviewError(
                f"step {step} is not waiting for review: it is {describe_step(view, step)} "
                f"(waiting: {waiting})"
            )
        target = matches[0]
    if attempt is not None and target.attempt != attempt:
        raise ReviewError(
            f"{target.step} attempt {attempt} is not waiting for review: the gate waits for "
            f"attempt {target.attempt} (see `featureline show {run_id} {target.step}`)"
        )
    return target


def check_reopenable(view: RunView, step_id: str) -> None:
    """Refuse, before anything runs, a reopen of an unknown step or one that never ran."""
    steps = {s.id: s for s in view.steps}
    if step_id not in steps:
        raise ReviewError(f"unknown step {step_id!r}: steps are {', '.join(steps)}")
    if steps[step_id].attempts == 0:
        raise ReviewError(f"step {step_id} has not run yet, so there is nothing to reopen")
    if view.status == "running":
        raise ReviewError(f"run {view.info.run_id} is still running in process {view.info.pid}")
