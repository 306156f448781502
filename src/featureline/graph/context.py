"""What nodes need besides the state, handed to every invocation as LangGraph's runtime
context: the graph itself is compiled once per pipeline and shared by every run.

Also the helpers the node kinds share: building a step's task, pricing calls, stopping a
run at a step, and reading artifacts through the content-addressed store.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command

from featureline.agents import AgentSpec
from featureline.artifact_store import ArtifactStore
from featureline.artifacts import ARTIFACT_TYPES, Artifact
from featureline.budget import ReservationJournal
from featureline.errors import BudgetExceededError
from featureline.ledger import CallRecord, Ledger, price_calls
from featureline.pipeline import PipelineSpec, StepSpec
from featureline.pricing import PriceTable
from featureline.providers.base import Specialist, StepTask
from featureline.request import FeatureRequest
from featureline.review import Critic
from featureline.sandbox import Sandbox
from featureline.state import RunState, StepState, StepStatus, StopPhase, artifact_data


@dataclass(frozen=True)
class RunContext:
    """Per-invocation dependencies of the nodes. ``blobs`` None keeps artifacts inline in
    the state (a graph served without featureline's store, e.g. by LangGraph Server)."""

    agents: dict[str, AgentSpec]
    specialist: Specialist
    critic: Critic
    model: str | None = None
    sandbox: Sandbox | None = None
    prices: PriceTable | None = None
    blobs: ArtifactStore | None = None
    journal: ReservationJournal | None = None
    """The store's reservation journal: providers journal each call before sending it."""
    possibly_billed_usd: Decimal = Decimal(0)
    """Calls a killed process made for this run that no ledger holds (worst case): they
    count against the budget like spent money (featureline.reservations)."""


_configured_default: RunContext | None = None


def use_default_context(context: RunContext) -> None:
    """Set what nodes use when invoked without a context (LangGraph Server configures its
    specialist, agents and model this way, from its environment)."""
    global _configured_default
    _configured_default = context


def default_context() -> RunContext:
    """What nodes use when a graph is invoked without a context (LangGraph Server, a bare
    ``invoke``): as configured by :func:`use_default_context`, else the offline builtin
    specialist and critic, the shipped agents, no sandbox (the findings say so) and
    artifacts inline in the state."""
    return _configured_default or _builtin_context()


@functools.cache
def _builtin_context() -> RunContext:
    from featureline.agents import load_agents
    from featureline.paths import default_agents_dir
    from featureline.providers.builtin import BuiltinSpecialist
    from featureline.providers.builtin_critic import BuiltinCritic

    return RunContext(
        agents=load_agents(default_agents_dir()),
        specialist=BuiltinSpecialist(),
        critic=BuiltinCritic(),
    )


def context_of(runtime: Runtime[RunContext]) -> RunContext:
    context = runtime.context
    return context if isinstance(context, RunContext) else default_context()


def budget_of(state: RunState) -> Decimal | None:
    raw = state.get("budget_usd")
    return Decimal(raw) if raw is not None else None


def approved_artifacts(
    state: RunState, spec: PipelineSpec, ctx: RunContext | None = None
) -> dict[str, Artifact]:
    """Every approved step's approved artifact, as typed models."""
    blobs = ctx.blobs if ctx is not None else None
    result: dict[str, Artifact] = {}
    for step in spec.steps:
        st = state["steps"].get(step.id)
        if st is None or st["status"] != "approved" or st["approved_attempt"] is None:
            continue
        record = next(
            r
            for r in state["records"]
            if r["step"] == step.id and r["attempt"] == st["approved_attempt"]
        )
        result[step.id] = ARTIFACT_TYPES[step.kind].model_validate(artifact_data(record, blobs))
    return result


def store_record(ctx: RunContext, record: dict[str, Any]) -> dict[str, Any]:
    """The record as the state keeps it: without its artifact when a store holds that."""
    if ctx.blobs is None:
        return record
    ctx.blobs.put(record["artifact"])
    return {k: v for k, v in record.items() if k != "artifact"}


def store_evidence(
    ctx: RunContext, step: str, attempt: int, data: dict[str, Any]
) -> dict[str, Any]:
    if ctx.blobs is None:
        return {"step": step, "attempt": attempt, **data}
    return {"step": step, "attempt": attempt, "ref": ctx.blobs.put(data)}


def build_task(
    state: RunState, spec: PipelineSpec, step: StepSpec, ctx: RunContext, attempt: int
) -> StepTask:
    from featureline.state import latest_record

    st = state["steps"][step.id]
    upstream = approved_artifacts(state, spec, ctx)
    previous = latest_record(state, step.id)
    return StepTask(
        run_id=state["run_id"],
        step=step.id,
        kind=step.kind,
        instructions=step.instructions,
        agent=ctx.agents[spec.agent_for(step)],
        request=FeatureRequest.model_validate(state["request"]),
        inputs={dep: upstream[dep] for dep in step.inputs},
        attempt=attempt,
        feedback=tuple(st["feedback"]),
        previous=(
            _try_validate(ARTIFACT_TYPES[step.kind], artifact_data(previous, ctx.blobs))
            if previous
            else None
        ),
        model=step.model or ctx.model,
        budget_usd=budget_of(state),  # budget reservation (featureline.budget)
        spent_usd=Ledger.from_json(state.get("ledger", [])).total_cost + ctx.possibly_billed_usd,
        prices=ctx.prices,
        journal=ctx.journal,
    )


def price(
    state: RunState,
    ctx: RunContext,
    step: StepSpec,
    attempt: int,
    calls: Sequence[CallRecord],
    pending: int = 0,
) -> list[dict[str, Any]]:
    """Ledger entries (JSON) for calls of one attempt, numbered after the ones it has and
    the ``pending`` ones this node has not written yet."""
    done = sum(
        1 for e in state.get("ledger", []) if e["step"] == step.id and e["attempt"] == attempt
    )
    entries = price_calls(
        calls,
        run_id=state["run_id"],
        step=step.id,
        attempt=attempt,
        at=datetime.now(UTC),
        prices=ctx.prices,
        first_index=done + pending + 1,
    )
    return [e.model_dump(mode="json") for e in entries]


def stop_status(exc: Exception) -> StepStatus:
    """A provider that refused a call to stay within budget stops the step ``over_budget``."""
    return "over_budget" if isinstance(exc, BudgetExceededError) else "errored"


def stop(
    st: StepState,
    step: StepSpec,
    status: StepStatus,
    reason: str,
    phase: StopPhase,
    update: dict[str, Any] | None = None,
    attempts: int | None = None,
) -> Command[Any]:
    """End the run here with the step ``errored``/``over_budget``: resumable, and the
    update (paid calls, reviews so far) is kept."""
    stopped: StepState = {
        **st,
        "status": status,
        "attempts": st["attempts"] if attempts is None else attempts,
        "error": reason,
        "stopped_in": phase,
    }
    return Command(update={**(update or {}), "steps": {step.id: stopped}}, goto=END)


def over_budget(
    state: RunState, step: StepSpec, estimate: Decimal, ctx: RunContext
) -> BudgetExceededError | None:
    """Whether ``estimate`` more would pass the budget, counting what the ledger holds and
    what a killed process possibly paid (``ctx.possibly_billed_usd``)."""
    budget = budget_of(state)
    ledger = Ledger.from_json(state.get("ledger", []))
    if not ledger.would_exceed(budget, estimate + ctx.possibly_billed_usd):
        return None
    assert budget is not None
    spent = ledger.total_cost + ctx.possibly_billed_usd
    return BudgetExceededError(state["run_id"], step.id, spent, estimate, budget)


def _try_validate(model: type[Artifact], data: dict[str, Any]) -> Artifact | None:
    try:
        return model.model_validate(data)
    except ValueError:
        return None
