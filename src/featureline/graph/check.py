"""The check node ``<step>.check``: pure checks on the latest attempt, then (when they
pass) the sandbox verification; routes to a revision, the critic review or the gate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command

from featureline.artifacts import ARTIFACT_TYPES
from featureline.checks import CheckContext, run_checks
from featureline.graph.context import RunContext, approved_artifacts, context_of, store_evidence
from featureline.graph.names import gate_node_name, review_node_name
from featureline.logging import get_logger
from featureline.pipeline import PipelineSpec, StepSpec
from featureline.request import FeatureRequest
from featureline.state import RunState, StepState, artifact_data, latest_record
from featureline.verification import verify_artifact


@dataclass(frozen=True)
class CheckNode:
    spec: PipelineSpec
    step: StepSpec
    has_review: bool

    def __call__(self, state: RunState, runtime: Runtime[RunContext]) -> Command[Any]:
        ctx = context_of(runtime)
        step = self.step
        max_attempts = self.spec.max_attempts_for(step)
        st = state["steps"][step.id]
        if st["status"] != "checking":  # superseded by a reopen
            return Command(goto=END)
        record = latest_record(state, step.id)
        assert record is not None, "a check node runs only after its step produced a record"
        attempt = record["attempt"]
        artifact = artifact_data(record, ctx.blobs)
        context = CheckContext(
            request=FeatureRequest.model_validate(state["request"]),
            upstream=approved_artifacts(state, self.spec, ctx),
        )
        findings = run_checks(step.kind, artifact, context)
        log = get_logger(run_id=state["run_id"], step=step.id, attempt=attempt)
        evidence: list[dict[str, Any]] = []
        if not any(f.severity == "error" for f in findings):
            key = f"{state['run_id']}/{step.id}/{attempt}"
            verified = verify_artifact(
                step.kind,
                ARTIFACT_TYPES[step.kind].model_validate(artifact),
                dict(context.upstream),
                ctx.sandbox,
                key,
            )
            if verified is not None:
                findings += verified.findings
                if verified.evidence:
                    evidence.append(store_evidence(ctx, step.id, attempt, verified.evidence))
        errors = [f for f in findings if f.severity == "error"]
        log.info("step.checked", errors=len(errors), findings=len(findings))
        tagged = [
            {**f.model_dump(mode="json"), "step": step.id, "attempt": attempt} for f in findings
        ]
        update: dict[str, Any] = {"findings": tagged, "evidence": evidence}
        if errors and st["round_attempts"] < max_attempts:
            revise: StepState = {
                **st,
                "status": "revising",
                "feedback": [f.as_feedback() for f in errors],
            }
            log.info("step.revise", remaining=max_attempts - st["round_attempts"])
            return Command(update={**update, "steps": {step.id: revise}}, goto=step.id)
        if not errors and self.has_review:
            reviewing: StepState = {**st, "status": "reviewing"}
            return Command(
                update={**update, "steps": {step.id: reviewing}},
                goto=review_node_name(step.id),
            )
        return Command(update=update, goto=gate_node_name(step.id))
