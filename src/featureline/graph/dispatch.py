"""The ``dispatch`` node: starts every pending step whose dependencies are approved, so
steps whose inputs are ready run in parallel in one superstep; ends the run when none are.

A reopen enters the graph here too (see :mod:`featureline.graph.reopen`): it resets the
reopened steps to ``pending`` and marks steps whose unfinished task it discarded with
``resume_at``, which this node follows once and clears.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langgraph.graph import END
from langgraph.types import Command

from featureline.pipeline import PipelineSpec
from featureline.state import RunState, StepState


@dataclass(frozen=True)
class DispatchNode:
    spec: PipelineSpec

    def __call__(self, state: RunState) -> Command[Any]:
        steps = state["steps"]
        updates: dict[str, StepState] = {}
        goto: list[str] = []
        for step in self.spec.steps:
            st = steps[step.id]
            target = st.get("resume_at")
            if target:
                updates[step.id] = {**st, "resume_at": None}
                goto.append(target)
            elif st["status"] == "pending" and all(
                steps[dep]["status"] == "approved" for dep in step.depends_on
            ):
                updates[step.id] = {**st, "status": "running"}
                goto.append(step.id)
        if not goto:
            return Command(goto=END)
        return Command(update={"steps": updates}, goto=goto)
