"""PipelineSpec -> LangGraph StateGraph.

Per step three nodes: ``<step>`` calls the specialist, ``<step>.check`` runs the pure
checks, ``<step>.gate`` applies the review policy and is the only node that interrupts
(rule 1). A step whose policy is ``critic`` has a fourth, ``<step>.review``, between check
and gate: it asks the reviewer agents (a model call, so it never interrupts either). A
``dispatch`` node starts every step whose dependencies are approved, so steps whose inputs
are ready run in parallel in one superstep.

Money: every model call lands in the state's ``ledger`` (append-only), also the calls of an
attempt that failed. A provider failure or a budget stop does not raise out of the graph:
the node records what was paid, marks the step ``errored`` / ``over_budget`` with the
reason and routes to END, so the run ends ``stopped`` and ``resume`` restarts that node
(:func:`restart_command`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from featureline.agents import AgentSpec
from featureline.artifacts import ARTIFACT_TYPES, Artifact, ArtifactRecord, Producer
from featureline.artifacts.base import content_hash
from featureline.checks import CheckContext, run_checks
from featureline.errors import BudgetExceededError, FeaturelineError, ProviderError
from featureline.gates import GateDecision, ReviewRecord, needs_human, review_prompt
from featureline.ledger import CallRecord, Ledger, price_calls
from featureline.logging import get_logger
from featureline.pipeline import GatePolicy, PipelineSpec, StepSpec
from featureline.pricing import PriceTable
from featureline.providers.base import (
    CallReporting,
    CostEstimating,
    Specialist,
    StepTask,
    calls_of,
    paid_calls,
)
from featureline.providers.builtin_critic import BuiltinCritic
from featureline.request import FeatureRequest
from featureline.review import Critic, Review, reviewers_for
from featureline.sandbox import Sandbox
from featureline.state import (
    RunState,
    StepState,
    StepStatus,
    StopPhase,
    findings_of,
    latest_record,
    new_step_state,
)
from featureline.verification import verify_artifact

DISPATCH = "dispatch"


class StateNode(Protocol):
    """A node function as LangGraph calls it (the parameter must be named ``state``)."""

    def __call__(self, state: RunState) -> Any: ...


def check_node_name(step_id: str) -> str:
    return f"{step_id}.check"


def gate_node_name(step_id: str) -> str:
    return f"{step_id}.gate"


def review_node_name(step_id: str) -> str:
    return f"{step_id}.review"


CRITIC_PREFIX = "critic:"
"""Reviewer names of critic reviews in the history (``critic:api-reviewer``)."""
STOPPED = ("errored", "over_budget")


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


def budget_of(state: RunState) -> Decimal | None:
    raw = state.get("budget_usd")
    return Decimal(raw) if raw is not None else None


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
        prices: PriceTable | None = None,
        critic: Critic | None = None,
    ) -> None:
        self.spec = spec
        self.agents = agents
        self.specialist = specialist
        self.gate_override = gate_override
        self.model = model
        self.sandbox = sandbox
        self.prices = prices
        if critic is None:
            critic = specialist if isinstance(specialist, Critic) else BuiltinCritic()
        self.critic = critic

    def has_review(self, step: StepSpec) -> bool:
        """Critic gates get a review node, unless no reviewer covers the step's kind."""
        policy = self.spec.gate_for(step, self.gate_override)
        return policy == "critic" and bool(step_reviewers(self.spec, step))

    def build(self) -> StateGraph[RunState, None, RunState, RunState]:
        graph = StateGraph(RunState)
        step_ids = self.spec.step_ids
        graph.add_node(DISPATCH, self._dispatch, destinations=(*step_ids, END))
        graph.add_edge(START, DISPATCH)
        for step in self.spec.steps:
            check_name, gate_name = check_node_name(step.id), gate_node_name(step.id)
            graph.add_node(step.id, self._step_node(step), destinations=(check_name, END))
            after_check = [step.id, gate_name]
            if self.has_review(step):
                review_name = review_node_name(step.id)
                after_check.append(review_name)
                graph.add_node(
                    review_name,
                    self._review_node(step),
                    destinations=(step.id, gate_name, END),
                )
            graph.add_node(check_name, self._check_node(step), destinations=tuple(after_check))
            graph.add_node(
                gate_name,
                self._gate_node(step),
                destinations=(DISPATCH, step.id, check_name, gate_name, END),
            )
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

    def _task(self, state: RunState, step: StepSpec, attempt: int) -> StepTask:
        st = state["steps"][step.id]
        upstream = approved_artifacts(state, self.spec)
        previous = latest_record(state, step.id)
        return StepTask(
            run_id=state["run_id"],
            step=step.id,
            kind=step.kind,
            instructions=step.instructions,
            agent=self.agents[self.spec.agent_for(step)],
            request=FeatureRequest.model_validate(state["request"]),
            inputs={dep: upstream[dep] for dep in step.inputs},
            attempt=attempt,
            feedback=tuple(st["feedback"]),
            previous=(
                _try_validate(ARTIFACT_TYPES[step.kind], previous["artifact"]) if previous else None
            ),
            model=step.model or self.model,
            budget_usd=budget_of(state),  # budget reservation (featureline.budget)
            spent_usd=Ledger.from_json(state.get("ledger", [])).total_cost,
            prices=self.prices,
        )

    def _price(
        self, state: RunState, step: StepSpec, attempt: int, calls: Sequence[CallRecord]
    ) -> list[dict[str, Any]]:
        """Ledger entries (JSON) for calls of one attempt, numbered after the ones it has."""
        done = sum(
            1 for e in state.get("ledger", []) if e["step"] == step.id and e["attempt"] == attempt
        )
        entries = price_calls(
            calls,
            run_id=state["run_id"],
            step=step.id,
            attempt=attempt,
            at=datetime.now(UTC),
            prices=self.prices,
            first_index=done + 1,
        )
        return [e.model_dump(mode="json") for e in entries]

    def _stop(
        self,
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

    def _over_budget(
        self, state: RunState, step: StepSpec, estimate: Decimal
    ) -> BudgetExceededError | None:
        budget = budget_of(state)
        ledger = Ledger.from_json(state.get("ledger", []))
        if not ledger.would_exceed(budget, estimate):
            return None
        assert budget is not None
        return BudgetExceededError(state["run_id"], step.id, ledger.total_cost, estimate, budget)

    def _step_node(self, step: StepSpec) -> StateNode:
        def run_step(state: RunState) -> Command[Any]:
            st = state["steps"][step.id]
            attempt = st["attempts"] + 1
            log = get_logger(run_id=state["run_id"], step=step.id, attempt=attempt)
            task = self._task(state, step, attempt)
            if budget_of(state) is not None:
                estimate = (
                    self.specialist.estimate_cost(task, self.prices)
                    if isinstance(self.specialist, CostEstimating)
                    else Decimal(0)
                )
                over = self._over_budget(state, step, estimate)
                if over is not None:
                    log.info("step.over_budget", spent=str(over.spent), estimate=str(estimate))
                    return self._stop(st, step, "over_budget", str(over), "produce")
            log.info("step.started", provider=self.specialist.name, feedback=len(task.feedback))
            started = datetime.now(UTC)
            try:
                result = self.specialist.produce(task)
            except FeaturelineError as exc:
                paid = paid_calls(exc)
                if paid is None:
                    raise
                log.warning("step.errored", error=str(exc), calls=len(paid))
                entries = self._price(state, step, attempt, paid)
                stop: StepStatus = _stop_status(exc)
                return self._stop(st, step, stop, str(exc), "produce", {"ledger": entries}, attempt)
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
            entries = self._price(state, step, attempt, calls_of(result))
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
                    "records": [record.model_dump(mode="json")],
                    "steps": {step.id: new_state},
                    "ledger": entries,
                },
                goto=check_node_name(step.id),
            )

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
            if not errors and self.has_review(step):
                reviewing: StepState = {**st, "status": "reviewing"}
                return Command(
                    update={
                        "findings": tagged,
                        "evidence": evidence,
                        "steps": {step.id: reviewing},
                    },
                    goto=review_node_name(step.id),
                )
            return Command(
                update={"findings": tagged, "evidence": evidence}, goto=gate_node_name(step.id)
            )

        return check_step

    # -- review: the critic's reviewer agents (may call a model; never interrupts) --------

    def _review_node(self, step: StepSpec) -> StateNode:
        max_attempts = self.spec.max_attempts_for(step)
        reviewers = step_reviewers(self.spec, step)
        kind_model = ARTIFACT_TYPES[step.kind]

        def review_step(state: RunState) -> Command[Any]:
            st = state["steps"][step.id]
            record = latest_record(state, step.id)
            assert record is not None, "a review node runs only after its checks passed"
            attempt = record["attempt"]
            log = get_logger(run_id=state["run_id"], step=step.id, attempt=attempt)
            artifact = kind_model.model_validate(record["artifact"])
            task = self._task(state, step, attempt)
            # a resumed review asks only the reviewers that have not answered this attempt
            answered = {
                r["reviewer"]: Review.model_validate(r["review"])
                for r in state.get("reviews", [])
                if r["step"] == step.id and r["attempt"] == attempt and "review" in r
            }
            new_reviews: list[dict[str, Any]] = []
            entries: list[dict[str, Any]] = []
            feedback: list[str] = []
            for name in reviewers:
                reviewer_name = CRITIC_PREFIX + name
                review = answered.get(reviewer_name)
                if review is None:
                    over = self._over_budget(state, step, Decimal(0))
                    if over is not None:
                        log.info("review.over_budget", reviewer=name)
                        update = {"reviews": new_reviews, "ledger": entries}
                        return self._stop(st, step, "over_budget", str(over), "review", update)
                    try:
                        review = self.critic.review(task, artifact, self.agents[name])
                    except FeaturelineError as exc:
                        paid = paid_calls(exc)
                        if paid is None:
                            raise
                        log.warning("review.errored", reviewer=name, error=str(exc))
                        entries += self._price_more(state, step, attempt, entries, paid)
                        update = {"reviews": new_reviews, "ledger": entries}
                        return self._stop(st, step, _stop_status(exc), str(exc), "review", update)
                    if isinstance(self.critic, CallReporting):
                        calls = self.critic.calls_for(
                            state["run_id"], step.id, attempt, f"review:{name}"
                        )
                        entries += self._price_more(state, step, attempt, entries, calls)
                    new_reviews.append(
                        _critic_record(step.id, attempt, st["round"], reviewer_name, review)
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
            return Command(
                update={**update, "steps": {step.id: checked}}, goto=gate_node_name(step.id)
            )

        return review_step

    def _price_more(
        self,
        state: RunState,
        step: StepSpec,
        attempt: int,
        pending: list[dict[str, Any]],
        calls: Sequence[CallRecord],
    ) -> list[dict[str, Any]]:
        """Like :meth:`_price`, numbering after entries this node has not written yet."""
        priced = self._price(state, step, attempt, calls)
        return [{**e, "call": e["call"] + len(pending)} for e in priced]

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
                return self._approve(st, step, attempt, review("approve", f"gate:{policy}"))

            waiting: StepState = {**st, "status": "awaiting_review"}
            log.info("gate.waiting", policy=policy, errors=has_errors)
            prompt = review_prompt(step.id, attempt, policy, findings)
            if critic_rejected and not has_errors:
                prompt["reason"] = (
                    "the critic still rejects it after the last allowed attempt "
                    "(see `featureline show RUN STEP`)"
                )
            answer = interrupt(prompt)
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


def _critic_record(
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


def _stop_status(exc: FeaturelineError) -> StepStatus:
    """A provider that refused a call to stay within budget stops the step ``over_budget``."""
    return "over_budget" if isinstance(exc, BudgetExceededError) else "errored"


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
    prices: PriceTable | None = None,
    critic: Critic | None = None,
) -> StateGraph[RunState, None, RunState, RunState]:
    """The uncompiled graph; compile it with a checkpointer to run it. Without a sandbox,
    generated code is not executed and the findings say so. ``critic`` defaults to the
    specialist when it can review, else the offline builtin critic."""
    return GraphFactory(
        spec, agents, specialist, gate_override, model, sandbox, prices, critic
    ).build()
