"""The step node ``<step>``: the only place the specialist is called (rule 1).

Every model call lands in the state's ``ledger``, also the calls of an attempt that
failed: a provider failure or a budget stop does not raise out of the graph, it marks the
step ``errored`` / ``over_budget`` and ends the run ``stopped`` for ``resume``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command

from featureline.artifacts import Artifact, ArtifactRecord, Producer
from featureline.artifacts.base import content_hash
from featureline.errors import FeaturelineError, ProviderError
from featureline.graph.context import (
    RunContext,
    budget_of,
    build_task,
    context_of,
    over_budget,
    price,
    stop,
    stop_status,
    store_record,
)
from featureline.graph.names import check_node_name
from featureline.logging import get_logger
from featureline.pipeline import PipelineSpec, StepSpec
from featureline.providers.base import CostEstimating, calls_of, paid_calls
from featureline.state import RunState, StepState

EXPECTS = ("running", "revising")
"""Statuses a step node is sent with; any other means a reopen superseded the task."""


@dataclass(frozen=True)
class StepNode:
    spec: PipelineSpec
    step: StepSpec

    def __call__(self, state: RunState, runtime: Runtime[RunContext]) -> Command[Any]:
        ctx = context_of(runtime)
        step = self.step
        st = state["steps"][step.id]
        if st["status"] not in EXPECTS:
            return Command(goto=END)
        attempt = st["attempts"] + 1
        log = get_logger(run_id=state["run_id"], step=step.id, attempt=attempt)
        task = build_task(state, self.spec, step, ctx, attempt)
        specialist = ctx.specialist
        if budget_of(state) is not None:
            estimate = (
                specialist.estimate_cost(task, ctx.prices)
                if isinstance(specialist, CostEstimating)
                else Decimal(0)
            )
            over = over_budget(state, step, estimate, ctx)
            if over is not None:
                log.info("step.over_budget", spent=str(over.spent), estimate=str(estimate))
                return stop(st, step, "over_budget", str(over), "produce")
        log.info("step.started", provider=specialist.name, feedback=len(task.feedback))
        started = datetime.now(UTC)
        try:
            result = specialist.produce(task)
        except FeaturelineError as exc:
            paid = paid_calls(exc)
            if paid is None:
                raise
            log.warning("step.errored", error=str(exc), calls=len(paid))
            entries = price(state, ctx, step, attempt, paid)
            return stop(
                st, step, stop_status(exc), str(exc), "produce", {"ledger": entries}, attempt
            )
        except Exception as exc:
            raise ProviderError(specialist.name, step.id, repr(exc)) from exc
        finished = datetime.now(UTC)
        data = (
            result.artifact.model_dump(mode="json")
            if isinstance(result.artifact, Artifact)
            else dict(result.artifact)
        )
        record = ArtifactRecord(
            step=step.id,
            kind=step.kind,
            attempt=attempt,
            round=st["round"],
            producer=Producer(provider=specialist.name, model=result.model),
            started_at=started,
            finished_at=finished,
            usage=result.usage,
            content_hash=content_hash(data),
            feedback=list(task.feedback),
            artifact=data,
        )
        entries = price(state, ctx, step, attempt, calls_of(result))
        log.info(
            "step.finished",
            duration_s=round(record.duration_s, 3),
            tokens=record.usage.total_tokens,
            cost_usd=str(sum((Decimal(e["cost_usd"]) for e in entries), Decimal(0))),
        )
        new_state: StepState = {
            **st,
            "status": "checking",
            "attempts": attempt,
            "round_attempts": st["round_attempts"] + 1,
            "feedback": [],
        }
        return Command(
            update={
                "records": [store_record(ctx, record.model_dump(mode="json"))],
                "steps": {step.id: new_state},
                "ledger": entries,
            },
            goto=check_node_name(step.id),
        )
