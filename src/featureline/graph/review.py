"""The review node ``<step>.review`` of a critic gate: asks the reviewer agents (a model
call, so it never interrupts); a rejection sends the step back with the review as
feedback, up to the step's attempts, then the gate decides."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command

from featureline.artifacts import ARTIFACT_TYPES
from featureline.errors import FeaturelineError
from featureline.gates import ReviewRecord
from featureline.graph.context import (
    RunContext,
    build_task,
    context_of,
    over_budget,
    price,
    stop,
    stop_status,
)
from featureline.graph.names import CRITIC_PREFIX, gate_node_name
from featureline.logging import get_logger
from featureline.pipeline import PipelineSpec, StepSpec
from featureline.providers.base import CallReporting, paid_calls
from featureline.review import Review
from featureline.state import RunState, StepState, artifact_data, latest_record


@dataclass(frozen=True)
class ReviewNode:
    spec: PipelineSpec
    step: StepSpec
    reviewers: tuple[str, ...]

    def __call__(self, state: RunState, runtime: Runtime[RunContext]) -> Command[Any]:
        ctx = context_of(runtime)
        step = self.step
        max_attempts = self.spec.max_attempts_for(step)
        st = state["steps"][step.id]
        if st["status"] != "reviewing":  # superseded by a reopen
            return Command(goto=END)
        record = latest_record(state, step.id)
        assert record is not None, "a review node runs only after its checks passed"
        attempt = record["attempt"]
        log = get_logger(run_id=state["run_id"], step=step.id, attempt=attempt)
        artifact = ARTIFACT_TYPES[step.kind].model_validate(artifact_data(record, ctx.blobs))
        task = build_task(state, self.spec, step, ctx, attempt)
        # a resumed review asks only the reviewers that have not answered this attempt
        answered = {
            r["reviewer"]: Review.model_validate(r["review"])
            for r in state.get("reviews", [])
            if r["step"] == step.id and r["attempt"] == attempt and "review" in r
        }
        new_reviews: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        feedback: list[str] = []
        for name in self.reviewers:
            reviewer_name = CRITIC_PREFIX + name
            review = answered.get(reviewer_name)
            if review is None:
                over = over_budget(state, step, Decimal(0), ctx)
                if over is not None:
                    log.info("review.over_budget", reviewer=name)
                    update = {"reviews": new_reviews, "ledger": entries}
                    return stop(st, step, "over_budget", str(over), "review", update)
                try:
                    review = ctx.critic.review(task, artifact, ctx.agents[name])
                except FeaturelineError as exc:
                    paid = paid_calls(exc)
                    if paid is None:
                        raise
                    log.warning("review.errored", reviewer=name, error=str(exc))
                    entries += price(state, ctx, step, attempt, paid, len(entries))
                    update = {"reviews": new_reviews, "ledger": entries}
                    return stop(st, step, stop_status(exc), str(exc), "review", update)
                if isinstance(ctx.critic, CallReporting):
                    calls = ctx.critic.calls_for(
                        state["run_id"], step.id, attempt, f"review:{name}"
                    )
                    entries += price(state, ctx, step, attempt, calls, len(entries))
                new_reviews.append(
                    critic_record(step.id, attempt, st["round"], reviewer_name, review)
                )
                log.info("review.done", reviewer=name, verdict=review.verdict)
            if review.verdict == "reject":
                feedback += review.as_feedback(name)
        update = {"reviews": new_reviews, "ledger": entries}
        if feedback and st["round_attempts"] < max_attempts:
            revise: StepState = {**st, "status": "revising", "feedback": feedback}
            log.info("step.revise", remaining=max_attempts - st["round_attempts"])
            return Command(update={**update, "steps": {step.id: revise}}, goto=step.id)
        checked: StepState = {**st, "status": "checking"}
        return Command(update={**update, "steps": {step.id: checked}}, goto=gate_node_name(step.id))


def critic_record(
    step: str, attempt: int, round_: int, reviewer: str, review: Review
) -> dict[str, Any]:
    """A critic's review as kept in history: the ReviewRecord fields, the issues in the
    comment, and the whole Review under ``review`` (so nothing is lost)."""
    issues = "; ".join(f"[{i.severity}] {i.location}: {i.message}" for i in review.issues)
    record = ReviewRecord(
        step=step,
        attempt=attempt,
        round=round_,
        policy="critic",
        verdict=review.verdict,
        reviewer=reviewer,
        comment=review.summary + (f" Issues: {issues}" if issues else ""),
    ).model_dump(mode="json")
    return {**record, "review": review.model_dump(mode="json")}
