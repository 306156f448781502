"""PipelineSpec -> LangGraph StateGraph, compiled once per pipeline and reused.

Per step three nodes: ``<step>`` calls the specialist, ``<step>.check`` runs the checks,
``<step>.gate`` applies the review policy; a critic gate adds ``<step>.review`` between
check and gate. ``dispatch`` starts every step whose dependencies are approved. The nodes
are small objects holding only their step's spec; everything that differs per run (the
specialist, sandbox, prices, artifact store) arrives as the runtime context, so one
compiled graph serves every run, resume, review and view of a pipeline.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from featureline.graph.check import CheckNode
from featureline.graph.context import RunContext
from featureline.graph.dispatch import DispatchNode
from featureline.graph.gate import GateNode
from featureline.graph.names import (
    DISPATCH,
    STOPPED,
    check_node_name,
    gate_node_name,
    review_node_name,
)
from featureline.graph.reopen import BRANCH_PREFIX, TaskWrites, carried_writes
from featureline.graph.review import ReviewNode
from featureline.graph.step import StepNode
from featureline.pipeline import GatePolicy, PipelineSpec, StepSpec
from featureline.request import FeatureRequest
from featureline.review import reviewers_for
from featureline.state import RunState, StepState, StepStatus, StopPhase, new_step_state

CompiledGraph = CompiledStateGraph[Any, Any, Any, Any]


def initial_state(
    run_id: str, request: FeatureRequest, spec: PipelineSpec, budget: Decimal | None = None
) -> RunState:
    return RunState(
        run_id=run_id,
        request=request.model_dump(mode="json"),
        steps={step.id: new_step_state() for step in spec.steps},
        records=[],
        findings=[],
        reviews=[],
        evidence=[],
        ledger=[],
        budget_usd=str(budget) if budget is not None else None,
    )


def step_reviewers(spec: PipelineSpec, step: StepSpec) -> tuple[str, ...]:
    """The reviewer agents a critic gate asks: the step's ``reviewers:``, else by kind."""
    return step.reviewers if step.reviewers is not None else reviewers_for(step.kind)


def required_agents(spec: PipelineSpec, gate_override: GatePolicy | None = None) -> set[str]:
    """Every agent a run of ``spec`` needs: the steps' and, for critic gates, the reviewers'."""
    needed = {spec.agent_for(step) for step in spec.steps}
    for step in spec.steps:
        if spec.gate_for(step, gate_override) == "critic":
            needed.update(step_reviewers(spec, step))
    return needed


def has_review(spec: PipelineSpec, step: StepSpec, gate_override: GatePolicy | None) -> bool:
    """Critic gates get a review node, unless no reviewer covers the step's kind."""
    policy = spec.gate_for(step, gate_override)
    return policy == "critic" and bool(step_reviewers(spec, step))


def restart_command(state: RunState, budget: Decimal | None = None) -> Command[Any] | None:
    """The input that continues a run ended by stopped steps (``errored``/``over_budget``):
    each goes back to the node it stopped in; ``budget`` replaces the run's budget."""
    steps = state.get("steps", {})
    goto: list[str] = []
    updates: dict[str, StepState] = {}
    for step_id, st in steps.items():
        if st["status"] not in STOPPED:
            continue
        phase: StopPhase = st.get("stopped_in") or "produce"
        status: StepStatus = "reviewing" if phase == "review" else "running"
        updates[step_id] = {**st, "status": status, "error": None, "stopped_in": None}
        goto.append(review_node_name(step_id) if phase == "review" else step_id)
    if not goto:
        return None
    update: dict[str, Any] = {"steps": updates}
    if budget is not None:
        update["budget_usd"] = str(budget)
    return Command(update=update, goto=goto)


def continue_command(tasks: Sequence[TaskWrites], budget: Decimal) -> Command[Any]:
    """The input that continues a run stopped mid-superstep (a crash, a kill) under a new
    budget. ``update_state`` would leave this graph nothing to run (all routing is
    ``Command(goto)``), so the budget rides on an input that carries what the finished
    tasks of that superstep wrote and sends every unfinished one back to its node."""
    update = carried_writes(tasks)
    update["budget_usd"] = str(budget)
    goto: list[str] = []
    for task in tasks:
        if not task.finished:
            goto.append(task.node)
            continue
        goto += [c[len(BRANCH_PREFIX) :] for c, _ in task.writes if c.startswith(BRANCH_PREFIX)]
    return Command(update=update, goto=list(dict.fromkeys(goto)))


def build_graph(
    spec: PipelineSpec, gate_override: GatePolicy | None = None, *, declare_context: bool = True
) -> StateGraph[RunState, RunContext, RunState, RunState]:
    """The uncompiled graph of ``spec``; run it with a :class:`RunContext` as context.
    ``declare_context=False`` for LangGraph Server, which would build the context from the
    request's JSON: its nodes then use the default context the server configured."""
    graph: StateGraph[RunState, RunContext, RunState, RunState] = StateGraph(
        RunState, context_schema=RunContext if declare_context else None
    )
    graph.add_node(DISPATCH, DispatchNode(spec), destinations=(*spec.step_ids, END))
    graph.add_edge(START, DISPATCH)
    for step in spec.steps:
        check_name, gate_name = check_node_name(step.id), gate_node_name(step.id)
        graph.add_node(step.id, StepNode(spec, step), destinations=(check_name, END))
        after_check = [step.id, gate_name, END]
        reviewed = has_review(spec, step, gate_override)
        if reviewed:
            review_name = review_node_name(step.id)
            after_check.append(review_name)
            graph.add_node(
                review_name,
                ReviewNode(spec, step, step_reviewers(spec, step)),
                destinations=(step.id, gate_name, END),
            )
        graph.add_node(check_name, CheckNode(spec, step, reviewed), destinations=tuple(after_check))
        graph.add_node(
            gate_name,
            GateNode(spec, step, spec.gate_for(step, gate_override)),
            destinations=(DISPATCH, step.id, check_name, gate_name, END),
        )
    return graph


_COMPILED: dict[tuple[str, str | None], CompiledGraph] = {}
_COMPILED_LOCK = threading.Lock()
_COMPILED_LIMIT = 16


def compiled_graph(
    spec: PipelineSpec,
    gate_override: GatePolicy | None = None,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
) -> CompiledGraph:
    """The compiled graph of ``spec``, built once per process and pipeline; with a
    checkpointer, a cheap copy bound to it."""
    key = (json.dumps(spec.model_dump(mode="json"), sort_keys=True), gate_override)
    with _COMPILED_LOCK:
        compiled = _COMPILED.get(key)
        if compiled is None:
            compiled = build_graph(spec, gate_override).compile()
            if len(_COMPILED) >= _COMPILED_LIMIT:
                _COMPILED.pop(next(iter(_COMPILED)))
            _COMPILED[key] = compiled
    if checkpointer is None:
        return compiled
    return compiled.copy(update={"checkpointer": checkpointer})
