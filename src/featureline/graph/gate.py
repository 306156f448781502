"""The gate node ``<step>.gate``: applies the review policy and is the only node that
interrupts (rule 1), so a resume never pays for a model call twice.

Nothing is approved while a check reports an error (rule 3); a human may approve,
reject with a comment (the step runs again) or edit the artifact (the edit is a new
attempt and goes through the checks). Reopening an upstream step from a gate is not a
gate decision but a reopen of the run (:mod:`featureline.graph.reopen`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from featureline.artifacts import ARTIFACT_TYPES, ArtifactRecord, Producer
from featureline.artifacts.base import content_hash
from featureline.gates import GateDecision, ReviewRecord, needs_human, review_prompt
from featureline.graph.context import RunContext, context_of, store_record
from featureline.graph.names import CRITIC_PREFIX, DISPATCH, check_node_name, gate_node_name
from featureline.logging import get_logger
from featureline.pipeline import GatePolicy, PipelineSpec, StepSpec
from featureline.state import RunState, StepState, findings_of, latest_record

EXPECTS = ("checking", "awaiting_review")
"""Statuses a gate is reached with; any other means a reopen superseded the task."""


@dataclass(frozen=True)
class GateNode:
    spec: PipelineSpec
    step: StepSpec
    policy: GatePolicy

    def __call__(self, state: RunState, runtime: Runtime[RunContext]) -> Command[Any]:
        step, policy = self.step, self.policy
        st = state["steps"][step.id]
        if st["status"] not in EXPECTS:
            return Command(goto=END)
        record = latest_record(state, step.id)
        assert record is not None
        attempt = record["attempt"]
        findings = findings_of(state, step.id, attempt)
        has_errors = any(f["severity"] == "error" for f in findings)
        critic_rejected = policy == "critic" and any(
            r["step"] == step.id
            and r["attempt"] == attempt
            and r["reviewer"].startswith(CRITIC_PREFIX)
            and r["verdict"] == "reject"
            for r in state.get("reviews", [])
        )
        log = get_logger(run_id=state["run_id"], step=step.id, attempt=attempt)

        def review(
            verdict: str, reviewer: str, comment: str = "", edited: str | None = None
        ) -> dict[str, Any]:
            return ReviewRecord(
                step=step.id,
                attempt=attempt,
                round=st["round"],
                policy=policy,
                verdict=verdict,  # type: ignore[arg-type]
                reviewer=reviewer,
                comment=comment,
                edited_hash=edited,
            ).model_dump(mode="json")

        # a critic gate asks a human when checks still fail (as auto) or the critic still
        # rejects after the last allowed attempt
        ask = needs_human("auto" if policy == "critic" else policy, has_errors)
        if not ask and not critic_rejected:
            if has_errors:  # policy "none": no one to ask, the step has failed
                failed: StepState = {**st, "status": "failed"}
                log.warning("step.failed", attempts=st["round_attempts"])
                return Command(
                    update={
                        "steps": {step.id: failed},
                        "reviews": [review("failed", f"gate:{policy}", "checks report errors")],
                    },
                    goto=END,
                )
            return approve(st, step, attempt, review("approve", f"gate:{policy}"))

        waiting: StepState = {**st, "status": "awaiting_review"}
        log.info("gate.waiting", policy=policy, errors=has_errors)
        prompt = review_prompt(step.id, attempt, policy, findings)
        if critic_rejected and not has_errors:
            prompt["reason"] = (
                "the critic still rejects it after the last allowed attempt "
                "(see `featureline show RUN STEP`)"
            )
        decision = GateDecision.model_validate(interrupt(prompt))
        log.info("gate.decided", verdict=decision.verdict, reviewer=decision.reviewer)

        if decision.verdict == "approve":
            if has_errors:  # rule 3: never approve while a check reports an error
                note = "approval refused: checks report errors; reject with a comment or edit"
                return Command(
                    update={
                        "steps": {step.id: waiting},
                        "reviews": [review("refused", decision.reviewer, note)],
                    },
                    goto=gate_node_name(step.id),
                )
            return approve(
                st, step, attempt, review("approve", decision.reviewer, decision.comment)
            )

        if decision.verdict == "reject":
            comment = decision.comment or "rejected without a comment"
            revise: StepState = {
                **st,
                "status": "revising",
                "round": st["round"] + 1,
                "round_attempts": 0,
                "feedback": [f"Reviewer {decision.reviewer} rejected attempt {attempt}: {comment}"],
            }
            return Command(
                update={
                    "steps": {step.id: revise},
                    "reviews": [review("reject", decision.reviewer, comment)],
                },
                goto=step.id,
            )

        # edit: the reviewer's artifact becomes a new attempt and goes through the checks
        kind_model = ARTIFACT_TYPES[step.kind]
        edited = kind_model.model_validate(decision.artifact or {}).model_dump(mode="json")
        now = datetime.now(UTC)
        new_attempt = st["attempts"] + 1
        edited_record = ArtifactRecord(
            step=step.id,
            kind=step.kind,
            attempt=new_attempt,
            round=st["round"],
            producer=Producer(provider="human", model=decision.reviewer),
            started_at=now,
            finished_at=now,
            content_hash=content_hash(edited),
            feedback=[decision.comment] if decision.comment else [],
            artifact=edited,
        )
        checking: StepState = {**st, "status": "checking", "attempts": new_attempt}
        return Command(
            update={
                "records": [
                    store_record(context_of(runtime), edited_record.model_dump(mode="json"))
                ],
                "steps": {step.id: checking},
                "reviews": [
                    review("edit", decision.reviewer, decision.comment, edited_record.content_hash)
                ],
            },
            goto=check_node_name(step.id),
        )


def approve(st: StepState, step: StepSpec, attempt: int, review: dict[str, Any]) -> Command[Any]:
    approved: StepState = {**st, "status": "approved", "approved_attempt": attempt, "feedback": []}
    return Command(update={"steps": {step.id: approved}, "reviews": [review]}, goto=DISPATCH)
