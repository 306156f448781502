"""PipelineSpec -> LangGraph StateGraph.

Per step three nodes: ``<step>`` calls the specialist, ``<step>.check`` runs the pure
checks, ``<step>.gate`` applies the review policy and is the only node that interrupts
(rule 1). A ``dispatch`` node starts every step whose dependencies are approved, so steps
whose inputs are ready run in parallel in one superstep.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from featureline.agents import AgentSpec
from featureline.artifacts import ARTIFACT_TYPES, Artifact, ArtifactRecord, Producer
from featureline.artifacts.base import content_hash
from featureline.checks import CheckContext, run_checks
from featureline.errors import FeaturelineError, ProviderError
from featureline.gates import GateDecision, ReviewRecord, needs_human, review_prompt
from featureline.logging import get_logger
from featureline.pipeline import GatePolicy, PipelineSpec, StepSpec
from featureline.providers.base import Specialist, StepTask
from featureline.request import FeatureRequest
from featureline.sandbox import Sandbox
from featureline.state import RunState, StepState, findings_of, latest_record, new_step_state
from featureline.verification import verify_artifact

DISPATCH = "dispatch"


class StateNode(Protocol):
    """A node function as LangGraph calls it (the parameter must be named ``state``)."""

    def __call__(self, state: RunState) -> Any: ...


def check_node_name(step_id: str) -> str:
    return f"{step_id}.check"


def gate_node_name(step_id: str) -> str:
    return f"{step_id}.gate"


def initial_state(run_id: str, request: FeatureRequest, spec: PipelineSpec) -> RunState:
    return RunState(
        run_id=run_id,
        request=request.model_dump(mode="json"),
        steps={step.id: new_step_state() for step in spec.steps},
        records=[],
        findings=[],
        reviews=[],
        evidence=[],
    )


def approved_artifacts(state: RunState, spec: PipelineSpec) -> dict[str, Artifact]:
    """Every approved step's approved artifact, as typed models."""
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
        result[step.id] = ARTIFACT_TYPES[step.kind].model_validate(record["artifact"])
    return result


class GraphFactory:
    """Builds the nodes for one pipeline, with the specialist and agents they call."""

    def __init__(
        self,
        spec: PipelineSpec,
        agents: dict[str, AgentSpec],
        specialist: Specialist,
        gate_override: GatePolicy | None = None,
        model: str | None = None,
        sandbox: Sandbox | None = None,
    ) -> None:
        self.spec = spec
        self.agents = agents
        self.specialist = specialist
        self.gate_override = gate_override
        self.model = model
        self.sandbox = sandbox

    def build(self) -> StateGraph[RunState, None, RunState, RunState]:
        graph = StateGraph(RunState)
        step_ids = self.spec.step_ids
        graph.add_node(DISPATCH, self._dispatch, destinations=(*step_ids, END))
        graph.add_edge(START, DISPATCH)
        for step in self.spec.steps:
            check_name, gate_name = check_node_name(step.id), gate_node_name(step.id)
            graph.add_node(step.id, self._step_node(step))
            graph.add_node(
                check_name,
                self._check_node(step),
                destinations=(step.id, gate_name),
            )
            graph.add_node(
                gate_name,
                self._gate_node(step),
                destinations=(DISPATCH, step.id, check_name, gate_name, END),
            )
            graph.add_edge(step.id, check_name)
        return graph

    # -- dispatch -----------------------------------------------------------------

    def _dispatch(self, state: RunState) -> Command[Any]:
        """Start every pending step whose dependencies are approved; end when none remain."""
        steps = state["steps"]
        ready = [
            step.id
            for step in self.spec.steps
            if steps[step.id]["status"] == "pending"
            and all(steps[dep]["status"] == "approved" for dep in step.depends_on)
        ]
        if not ready:
            return Command(goto=END)
        updates: dict[str, StepState] = {sid: {**steps[sid], "status": "running"} for sid in ready}
        return Command(update={"steps": updates}, goto=ready)

    # -- step: the only place the specialist is called --------------------------------

    def _step_node(self, step: StepSpec) -> StateNode:
        kind_model = ARTIFACT_TYPES[step.kind]
        agent = self.agents[self.spec.agent_for(step)]

        def run_step(state: RunState) -> dict[str, Any]:
            st = state["steps"][step.id]
            attempt = st["attempts"] + 1
            log = get_logger(run_id=state["run_id"], step=step.id, attempt=attempt)
            upstream = approved_artifacts(state, self.spec)
            previous = latest_record(state, step.id)
            task = StepTask(
                run_id=state["run_id"],
                step=step.id,
                kind=step.kind,
                instructions=step.instructions,
                agent=agent,
                request=FeatureRequest.model_validate(state["request"]),
                inputs={dep: upstream[dep] for dep in step.inputs},
                attempt=attempt,
                feedback=tuple(st["feedback"]),
                previous=_try_validate(kind_model, previous["artifact"]) if previous else None,
                model=step.model or self.model,
            )
            log.info("step.started", provider=self.specialist.name, feedback=len(task.feedback))
            started = datetime.now(UTC)
            try:
                result = self.specialist.produce(task)
            except FeaturelineError:
                raise
            except Exception as exc:
                raise ProviderError(self.specialist.name, step.id, repr(exc)) from exc
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
                producer=Producer(provider=self.specialist.name, model=result.model),
                started_at=started,
                finished_at=finished,
                usage=result.usage,
                content_hash=content_hash(data),
                feedback=list(task.feedback),
                artifact=data,
            )
            log.info(
                "step.finished",
                duration_s=round(record.duration_s, 3),
                tokens=record.usage.total_tokens,
            )
            new_state: StepState = {
                **st,
                "status": "checking",
                "attempts": attempt,
                "round_attempts": st["round_attempts"] + 1,
                "feedback": [],
            }
            return {"records": [record.model_dump(mode="json")], "steps": {step.id: new_state}}

        return run_step

    # -- check: pure verification ----------------------------------------------------

    def _check_node(self, step: StepSpec) -> StateNode:
        max_attempts = self.spec.max_attempts_for(step)

        def check_step(state: RunState) -> Command[Any]:
            st = state["steps"][step.id]
            record = latest_record(state, step.id)
            assert record is not None, "a check node runs only after its step produced a record"
            context = CheckContext(
                request=FeatureRequest.model_validate(state["request"]),
                upstream=approved_artifacts(state, self.spec),
            )
            findings = run_checks(step.kind, record["artifact"], context)
            log = get_logger(run_id=state["run_id"], step=step.id, attempt=record["attempt"])
            evidence: list[dict[str, Any]] = []
            if not any(f.severity == "error" for f in findings):
                key = f"{state['run_id']}/{step.id}/{record['attempt']}"
                verified = verify_artifact(
                    step.kind,
                    ARTIFACT_TYPES[step.kind].model_validate(record["artifact"]),
                    dict(context.upstream),
                    self.sandbox,
                    key,
                )
                if verified is not None:
                    findings += verified.findings
                    if verified.evidence:
                        evidence.append(
                            {"step": step.id, "attempt": record["attempt"], **verified.evidence}
                        )
            errors = [f for f in findings if f.severity == "error"]
            log.info("step.checked", errors=len(errors), findings=len(findings))
            tagged = [
                {**f.model_dump(mode="json"), "step": step.id, "attempt": record["attempt"]}
                for f in findings
            ]
            if errors and st["round_attempts"] < max_attempts:
                revise: StepState = {
                    **st,
                    "status": "revising",
                    "feedback": [f.as_feedback() for f in errors],
                }
                log.info("step.revise", remaining=max_attempts - st["round_attempts"])
                return Command(
                    update={"findings": tagged, "evidence": evidence, "steps": {step.id: revise}},
                    goto=step.id,
                )
            return Command(
                update={"findings": tagged, "evidence": evidence}, goto=gate_node_name(step.id)
            )

        return check_step

    # -- gate: the only place that interrupts -------------------------------------------

    def _gate_node(self, step: StepSpec) -> StateNode:
        policy = self.spec.gate_for(step, self.gate_override)
        kind_model = ARTIFACT_TYPES[step.kind]

        def gate_step(state: RunState) -> Command[Any]:
            st = state["steps"][step.id]
            record = latest_record(state, step.id)
            assert record is not None
            attempt = record["attempt"]
            findings = findings_of(state, step.id, attempt)
            has_errors = any(f["severity"] == "error" for f in findings)
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

            if not needs_human(policy, has_errors):
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
                return self._approve(st, step, attempt, review("approve", f"gate:{policy}"))

            waiting: StepState = {**st, "status": "awaiting_review"}
            log.info("gate.waiting", policy=policy, errors=has_errors)
            answer = interrupt(review_prompt(step.id, attempt, policy, findings))
            decision = GateDecision.model_validate(answer)
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
                return self._approve(
                    st, step, attempt, review("approve", decision.reviewer, decision.comment)
                )

            if decision.verdict == "reject":
                comment = decision.comment or "rejected without a comment"
                revise: StepState = {
                    **st,
                    "status": "revising",
                    "round": st["round"] + 1,
                    "round_attempts": 0,
                    "feedback": [
                        f"Reviewer {decision.reviewer} rejected attempt {attempt}: {comment}"
                    ],
                }
                return Command(
                    update={
                        "steps": {step.id: revise},
                        "reviews": [review("reject", decision.reviewer, comment)],
                    },
                    goto=step.id,
                )

            # edit: the reviewer's artifact becomes a new attempt and goes through the checks
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
                    "records": [edited_record.model_dump(mode="json")],
                    "steps": {step.id: checking},
                    "reviews": [
                        review(
                            "edit", decision.reviewer, decision.comment, edited_record.content_hash
                        )
                    ],
                },
                goto=check_node_name(step.id),
            )

        return gate_step

    def _approve(
        self, st: StepState, step: StepSpec, attempt: int, review: dict[str, Any]
    ) -> Command[Any]:
        approved: StepState = {
            **st,
            "status": "approved",
            "approved_attempt": attempt,
            "feedback": [],
        }
        return Command(update={"steps": {step.id: approved}, "reviews": [review]}, goto=DISPATCH)


def _try_validate(model: type[Artifact], data: dict[str, Any]) -> Artifact | None:
    try:
        return model.model_validate(data)
    except ValueError:
        return None


def build_graph(
    spec: PipelineSpec,
    agents: dict[str, AgentSpec],
    specialist: Specialist,
    gate_override: GatePolicy | None = None,
    model: str | None = None,
    sandbox: Sandbox | None = None,
) -> StateGraph[RunState, None, RunState, RunState]:
    """The uncompiled graph; compile it with a checkpointer to run it. Without a sandbox,
    generated code is not executed and the findings say so."""
    return GraphFactory(spec, agents, specialist, gate_override, model, sandbox).build()
