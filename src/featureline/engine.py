"""Run, resume and review runs on a store: the only place graphs are compiled and executed."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphRecursionError
from langgraph.types import Command

from featureline.agents import AgentSpec
from featureline.artifacts import ARTIFACT_TYPES
from featureline.checks import CheckContext, Finding, run_checks
from featureline.errors import (
    FeaturelineError,
    PipelineFileError,
    ReviewError,
    RunFailure,
    StoreError,
    UserInputError,
)
from featureline.gates import GateDecision
from featureline.graph import (
    CompiledGraph,
    Rejection,
    RunContext,
    compiled_graph,
    continue_command,
    initial_state,
    reopen_input,
    required_agents,
    restart_command,
    step_reviewers,
)
from featureline.graph.fork import fork_state
from featureline.ledger import Ledger
from featureline.logging import get_logger
from featureline.models import resolve_model
from featureline.pipeline import GatePolicy, PipelineSpec
from featureline.pricing import PriceTable, load_prices
from featureline.providers.base import CostEstimating, Specialist
from featureline.providers.builtin_critic import BuiltinCritic
from featureline.request import FeatureRequest, check_request, slugify
from featureline.reservations import (
    JournalRow,
    journal_owner_alive,
    possibly_billed,
    possibly_billed_usd,
)
from featureline.review import Critic
from featureline.runindex import RunInfo
from featureline.runread import run_view
from featureline.sandbox import Sandbox
from featureline.sandbox.owner import pid_alive
from featureline.sandbox.reaper import reap_leftovers
from featureline.state import RunState
from featureline.store import Store
from featureline.timetravel import check_reopenable, describe_step
from featureline.timetravel import task_writes as _task_writes
from featureline.timetravel import waiting_target as _waiting_target
from featureline.verification import verify_artifact
from featureline.views import PendingReview, RunView

RECURSION_LIMIT = 1000


@dataclass(frozen=True)
class ProgressEvent:
    """A node started or finished; ``update`` is what a finished node wrote."""

    node: str
    step: str
    role: str  # "step" | "check" | "gate" | "dispatch"
    phase: str  # "start" | "end"
    update: dict[str, Any]
    error: str | None = None
    waiting: bool = False


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class RunOptions:
    """What a run needs to be rebuilt identically on resume, kept in the run index."""

    spec: PipelineSpec
    agents: dict[str, AgentSpec]
    gates: GatePolicy | None = None
    model: str | None = None
    verify: bool = True
    max_cost: Decimal | None = None
    """The budget the run started with (USD); ``resume --max-cost`` raises it in the state."""
    prices: str | None = None
    """A price file (``--prices``) whose entries override the shipped table."""

    def to_json(self) -> dict[str, Any]:
        return {
            "spec": self.spec.model_dump(mode="json"),
            "agents": {name: a.model_dump(mode="json") for name, a in self.agents.items()},
            "gates": self.gates,
            "model": self.model,
            "verify": self.verify,
            "max_cost": str(self.max_cost) if self.max_cost is not None else None,
            "prices": self.prices,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunOptions:
        """Options as the run index keeps them; a damaged entry is a StoreError, not a crash."""
        try:
            max_cost = data.get("max_cost")
            return cls(
                spec=PipelineSpec.model_validate(data["spec"]),
                agents={name: AgentSpec.model_validate(a) for name, a in data["agents"].items()},
                gates=data.get("gates"),
                model=data.get("model"),
                verify=data.get("verify", True),
                max_cost=Decimal(max_cost) if max_cost is not None else None,
                prices=data.get("prices"),
            )
        except (KeyError, TypeError, AttributeError, ArithmeticError, ValueError) as exc:
            raise StoreError(f"a run's stored options are unreadable ({exc!r})") from exc

    def price_table(self) -> PriceTable:
        return load_prices(Path(self.prices) if self.prices else None)


def planned_models(options: RunOptions, specialist: Specialist) -> dict[str, str]:
    """Step (and ``<step>.review:<reviewer>``) -> the model a language-model specialist will
    call, resolved as it resolves them; empty for offline specialists."""
    if not isinstance(specialist, CostEstimating):
        return {}
    override: str | None = getattr(specialist, "model_override", None)
    pinned: str | None = getattr(specialist, "pinned_model", None)  # resume --model
    models: dict[str, str] = {}
    spec = options.spec
    for step in spec.steps:
        agent = options.agents.get(spec.agent_for(step))
        models[step.id] = pinned or resolve_model(
            override, agent.model if agent else None, step.model or options.model
        )
        if spec.gate_for(step, options.gates) == "critic":
            for name in step_reviewers(spec, step):
                reviewer = options.agents.get(name)
                models[f"{step.id}.review:{name}"] = pinned or resolve_model(
                    override or step.model or options.model,
                    reviewer.model if reviewer else None,
                    None,
                )
    return models


def check_budget(value: Decimal | None) -> Decimal | None:
    if value is not None and (not value.is_finite() or value < 0):
        raise UserInputError(f"--max-cost must be a non-negative amount in USD, not {value}")
    return value


def _config(run_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": run_id}, "recursion_limit": RECURSION_LIMIT}


def new_run_id(title: str, taken: Callable[[str], bool]) -> str:
    """A run id a person can type: a slug of the title and four hex digits."""
    slug = slugify(title, max_words=2)
    for _ in range(100):
        candidate = f"{slug}-{secrets.token_hex(2)}"
        if not taken(candidate):
            return candidate
    return f"{slug}-{secrets.token_hex(6)}"


class Engine:
    """Executes runs of one store with one specialist."""

    def __init__(self, store: Store, specialist: Specialist) -> None:
        self.store = store
        self.specialist = specialist
        self._held: set[str] = set()  # lease tokens this engine holds

    @contextmanager
    def _writer(self, run_id: str) -> Iterator[None]:
        """Hold the run's lease for the duration (DESIGN rule 11): a second writer gets a
        RunLockedError naming this process. Leftovers of a killed featureline (sandboxed
        processes, cgroups, temp roots) are reaped first."""
        reaped = reap_leftovers()
        if reaped:
            get_logger(run_id=run_id).warning(
                "sandbox.reaped",
                processes=len(reaped.processes),
                cgroups=len(reaped.cgroups),
                roots=len(reaped.roots),
            )
        lease = self.store.runs.leases.acquire(run_id)
        self._held.add(lease.token)
        try:
            yield
        finally:
            self._held.discard(lease.token)
            lease.release()

    def _compile(self, options: RunOptions) -> CompiledGraph:
        """The pipeline's graph (compiled once per process) bound to this store."""
        return compiled_graph(options.spec, options.gates, self.store.checkpointer)

    def _context(
        self,
        options: RunOptions,
        sandbox: Sandbox | None,
        prices: PriceTable | None,
        possibly_billed_usd: Decimal = Decimal(0),
    ) -> RunContext:
        critic: Critic = self.specialist if isinstance(self.specialist, Critic) else BuiltinCritic()
        return RunContext(
            agents=options.agents,
            specialist=self.specialist,
            critic=critic,
            model=options.model,
            sandbox=sandbox,
            prices=prices,
            blobs=self.store.blobs,
            journal=self.store.reservations,
            possibly_billed_usd=possibly_billed_usd,
        )

    def _possibly_billed(self, run_id: str, ledger: Ledger) -> list[JournalRow]:
        """Journaled calls of ``run_id`` that no ledger holds, left by a dead process."""
        holder = self.store.runs.leases.holder(run_id)
        return possibly_billed(
            self.store.reservations.for_run(run_id),
            ledger.reservations,
            lambda row: journal_owner_alive(row, holder),
        )

    def _forget_recorded(self, graph: CompiledGraph, run_id: str) -> None:
        """Drop journal rows the run's ledger now holds: the ledger is their record."""
        values = graph.get_state(_config(run_id)).values or {}
        recorded = Ledger.from_json(values.get("ledger", [])).reservations
        rows = self.store.reservations.for_run(run_id)
        self.store.reservations.forget(r.id for r in rows if r.id in recorded)

    def _check_prices(self, options: RunOptions) -> PriceTable:
        """The run's price table; an unpriced model fails here, before any call is paid."""
        prices = options.price_table()
        for model in set(planned_models(options, self.specialist).values()):
            prices.price_for(model)
        return prices

    def create(
        self,
        request: FeatureRequest,
        options: RunOptions,
        forked_from: dict[str, Any] | None = None,
    ) -> RunInfo:
        check_request(request)
        check_budget(options.max_cost)
        self._check_prices(options)
        missing = sorted(required_agents(options.spec, options.gates) - set(options.agents))
        if missing:
            raise PipelineFileError(
                options.spec.name, f"needs agent(s) not found: {', '.join(missing)}"
            )
        now = datetime.now(UTC)
        info = RunInfo(
            run_id=new_run_id(request.title, self.store.runs.exists),
            title=request.title,
            created_at=now,
            updated_at=now,
            status="running",
            pipeline=options.spec.name,
            provider=self.specialist.name,
            options={
                **options.to_json(),
                "request": request.model_dump(mode="json"),
                **({"forked_from": forked_from} if forked_from else {}),
            },
            pid=os.getpid(),
            host=socket.gethostname(),
        )
        self.store.runs.create(info)
        return info

    def start(self, info: RunInfo, on_event: ProgressCallback | None = None) -> RunView:
        options = RunOptions.from_json(info.options)
        request = FeatureRequest.model_validate(info.options["request"])
        state = initial_state(info.run_id, request, options.spec, options.max_cost)
        with self._writer(info.run_id):
            return self._execute(info.run_id, state, on_event)

    def resume(
        self,
        run_id: str,
        on_event: ProgressCallback | None = None,
        max_cost: Decimal | None = None,
    ) -> RunView:
        """Continue a run from its last checkpoint (after a crash, an error or a budget stop);
        ``max_cost`` replaces the run's budget first. A step that stopped (``errored`` or
        ``over_budget``) restarts at the node it stopped in; its paid calls stay in the ledger."""
        check_budget(max_cost)
        with self._writer(run_id):
            return self._resume(run_id, on_event, max_cost)

    def _resume(
        self, run_id: str, on_event: ProgressCallback | None, max_cost: Decimal | None
    ) -> RunView:
        view = self.view(run_id)
        if view.status == "done":
            self.store.runs.set_status(run_id, "done")  # a crash after the last checkpoint
            return view
        if view.status == "waiting":
            steps = ", ".join(p.step for p in view.pending)
            raise ReviewError(
                f"run {run_id} is waiting for review at {steps}: use `featureline review {run_id}`"
            )
        options = RunOptions.from_json(view.info.options)
        graph = self._compile(options)
        snapshot = graph.get_state(_config(run_id))
        payload: Any = None
        if not snapshot.values:  # stopped before its first checkpoint: start it afresh
            request = FeatureRequest.model_validate(view.info.options["request"])
            budget = max_cost if max_cost is not None else options.max_cost
            payload = initial_state(run_id, request, options.spec, budget)
        elif not snapshot.next:
            payload = restart_command(snapshot.values or {}, max_cost)  # type: ignore[arg-type]
        elif max_cost is not None:  # stopped mid-superstep: continue it under the new budget
            payload = continue_command(_task_writes(self.store, run_id, snapshot), max_cost)
        if max_cost is not None:
            get_logger(run_id=run_id).info("run.budget", max_cost_usd=str(max_cost))
        return self._execute(run_id, payload, on_event)

    def review(
        self,
        run_id: str,
        decision: GateDecision,
        step: str | None = None,
        on_event: ProgressCallback | None = None,
        *,
        attempt: int | None = None,
        reopen: str | None = None,
    ) -> RunView:
        """Answer a waiting gate and continue the run. ``attempt`` binds the decision to
        that attempt: a gate that has moved on refuses it with where it stands now.
        ``reopen`` (with a rejection) sends an upstream step back instead of this one."""
        with self._writer(run_id):
            return self._review(run_id, decision, step, on_event, attempt, reopen)

    def _review(
        self,
        run_id: str,
        decision: GateDecision,
        step: str | None,
        on_event: ProgressCallback | None,
        attempt: int | None,
        reopen: str | None,
    ) -> RunView:
        view = self.view(run_id)
        target = _waiting_target(view, step, attempt)
        if reopen is not None and decision.verdict != "reject":
            raise ReviewError("--reopen goes with --reject: say why the upstream step reopens")
        if decision.verdict == "approve" and target.errors:
            raise ReviewError(
                f"step {target.step} has {target.errors} error finding(s) and cannot be approved: "
                "reject it with a comment or edit the artifact"
            )
        options = RunOptions.from_json(view.info.options)
        if decision.verdict == "edit":
            kind = options.spec.step(target.step).kind
            try:
                ARTIFACT_TYPES[kind].model_validate(decision.artifact or {})
            except ValueError as exc:
                first = str(exc).splitlines()
                raise ReviewError(
                    f"edited {kind} artifact is not valid: {' '.join(first[:3])}"
                ) from exc
        if reopen is not None:
            rejection = Rejection(
                step=target.step,
                attempt=target.attempt,
                round=view.step(target.step).round,
                policy=options.spec.gate_for(options.spec.step(target.step), options.gates),
            )
            return self._reopen(
                view, reopen, decision.comment, decision.reviewer, on_event, rejection
            )
        self._claim(view, [target], decision.verdict, decision.reviewer)
        get_logger(run_id=run_id, step=target.step).info(
            "review.submitted", verdict=decision.verdict, reviewer=decision.reviewer
        )
        command: Command[Any] = Command(
            resume={target.interrupt_id: decision.model_dump(mode="json")}
        )
        return self._execute_claimed(run_id, [target], command, on_event)

    def rewind(
        self,
        run_id: str,
        step: str,
        comment: str,
        reviewer: str,
        on_event: ProgressCallback | None = None,
    ) -> RunView:
        """Reopen ``step`` in place (from a gate, a finished, failed or crashed run): it runs
        again with ``comment`` as feedback, and so does everything downstream of it."""
        with self._writer(run_id):
            view = self.view(run_id)
            check_reopenable(view, step)
            return self._reopen(view, step, comment, reviewer, on_event, None)

    def _reopen(
        self,
        view: RunView,
        step: str,
        comment: str,
        reviewer: str,
        on_event: ProgressCallback | None,
        rejection: Rejection | None,
    ) -> RunView:
        run_id = view.info.run_id
        options = RunOptions.from_json(view.info.options)
        if step not in options.spec.step_ids:
            raise ReviewError(
                f"unknown step {step!r}: steps are {', '.join(options.spec.step_ids)}"
            )
        graph = self._compile(options)
        snapshot = graph.get_state(_config(run_id))
        tasks = _task_writes(self.store, run_id, snapshot)
        payload = reopen_input(
            snapshot.values,  # type: ignore[arg-type]
            options.spec,
            step,
            comment=comment.strip() or "reopened without a comment",
            reviewer=reviewer,
            policy=options.spec.gate_for(options.spec.step(step), options.gates),
            tasks=tasks,
            rejection=rejection,
        )
        self._claim(
            view,
            view.pending,
            "reopen",
            reviewer,
            snapshot.config["configurable"].get("checkpoint_id"),
        )
        get_logger(run_id=run_id, step=step).info(
            "run.reopened", reviewer=reviewer, reset=payload["reopens"][0]["reset"]
        )
        return self._execute_claimed(run_id, view.pending, payload, on_event)

    def _claim(
        self,
        view: RunView,
        targets: list[PendingReview],
        verdict: str,
        reviewer: str,
        checkpoint_id: str | None = None,
    ) -> None:
        """Claim every target interrupt for this process, all or none; then make sure
        they still wait (and, given ``checkpoint_id``, that the run has not moved on) —
        a claim taken over from a dead process may name an interrupt already answered."""
        run_id = view.info.run_id
        taken: list[PendingReview] = []
        try:
            for target in targets:
                self.store.claims.claim(
                    run_id,
                    target.interrupt_id,
                    target.step,
                    target.attempt,
                    verdict,
                    reviewer,
                    _claimant_alive,
                )
                taken.append(target)
            snapshot = self._compile_for(run_id).get_state(_config(run_id))
            waiting = {i.id for i in snapshot.interrupts}
            for target in targets:
                if target.interrupt_id not in waiting:
                    now = self.view(run_id)
                    raise ReviewError(
                        f"{target.step} attempt {target.attempt} is no longer waiting: it is "
                        f"{describe_step(now, target.step)} (run {now.status})"
                    )
            moved = snapshot.config["configurable"].get("checkpoint_id")
            if checkpoint_id is not None and moved != checkpoint_id:
                raise ReviewError(f"run {run_id} moved on while you decided: look and try again")
        except ReviewError:
            for target in taken:
                self.store.claims.release(target.interrupt_id, os.getpid())
            raise

    def _execute_claimed(
        self,
        run_id: str,
        targets: list[PendingReview],
        payload: Any,
        on_event: ProgressCallback | None,
    ) -> RunView:
        """Execute a claimed decision; a decision that never reached the graph is released
        so that it can be given again."""
        try:
            return self._execute(run_id, payload, on_event)
        except BaseException:
            still = {i.id for i in self._compile_for(run_id).get_state(_config(run_id)).interrupts}
            for target in targets:
                if target.interrupt_id in still:
                    self.store.claims.release(target.interrupt_id, os.getpid())
            raise

    def _compile_for(self, run_id: str) -> CompiledGraph:
        return self._compile(RunOptions.from_json(self.store.runs.get(run_id).options))

    def fork(
        self,
        run_id: str,
        options: RunOptions,
        at: str | None = None,
    ) -> tuple[RunInfo, RunState]:
        """A new run of ``options`` that starts from ``run_id``'s approved artifacts outside
        ``at`` and everything downstream of it; the original is not touched. Returns the
        new run and its first state (start it with :meth:`start_from`)."""
        source = self.view(run_id)
        if source.status == "running":
            raise ReviewError(f"run {run_id} is still running in process {source.info.pid}")
        spec = options.spec
        approved = {s.id for s in source.steps if s.status == "approved"}
        if at is None:
            at = next((s.id for s in spec.steps if s.id not in approved), None)
            if at is None:
                raise UserInputError(
                    f"run {run_id} approved every step: name the step to fork at with --at"
                )
        if at not in spec.step_ids:
            raise UserInputError(f"unknown step {at!r}: steps are {', '.join(spec.step_ids)}")
        snapshot = self._compile_for(run_id).get_state(_config(run_id))
        request = FeatureRequest.model_validate(source.info.options["request"])
        checkpoint_id = snapshot.config["configurable"].get("checkpoint_id")
        lineage = {"run_id": run_id, "at": at, "checkpoint_id": checkpoint_id}
        info = self.create(request, options, forked_from=lineage)
        state = initial_state(info.run_id, request, spec, options.max_cost)
        copied = fork_state(
            snapshot.values,  # type: ignore[arg-type]
            spec,
            at,
            self.store.blobs,
        )
        return info, {**state, **copied}  # type: ignore[typeddict-item]

    def start_from(
        self, info: RunInfo, state: RunState, on_event: ProgressCallback | None = None
    ) -> RunView:
        with self._writer(info.run_id):
            return self._execute(info.run_id, state, on_event)

    def _execute(self, run_id: str, payload: Any, on_event: ProgressCallback | None) -> RunView:
        info = self.store.runs.get(run_id)
        options = RunOptions.from_json(info.options)
        prices = self._check_prices(options)
        with ExitStack() as stack:
            sandbox = stack.enter_context(Sandbox()) if options.verify else None
            return self._stream(run_id, options, sandbox, prices, payload, on_event)

    def _stream(
        self,
        run_id: str,
        options: RunOptions,
        sandbox: Sandbox | None,
        prices: PriceTable,
        payload: Any,
        on_event: ProgressCallback | None,
    ) -> RunView:
        graph = self._compile(options)
        values = graph.get_state(_config(run_id)).values or {}
        lost = self._possibly_billed(run_id, Ledger.from_json(values.get("ledger", [])))
        context = self._context(options, sandbox, prices, possibly_billed_usd(lost))
        log = get_logger(run_id=run_id)
        if lost:
            log.warning("run.possibly_billed", calls=len(lost), usd=str(possibly_billed_usd(lost)))
        self.store.runs.set_status(run_id, "running", pid=os.getpid())
        log.info("run.executing", provider=self.specialist.name, pipeline=options.spec.name)
        try:
            for event in _events(
                graph.stream(
                    payload,
                    _config(run_id),
                    context=context,
                    stream_mode="tasks",
                    durability="sync",
                )
            ):
                if on_event is not None:
                    on_event(event)
        except GraphRecursionError as exc:
            self.store.runs.set_status(run_id, "stopped")
            raise RunFailure(
                f"run {run_id} exceeded {RECURSION_LIMIT} graph steps; resume to continue"
            ) from exc
        except FeaturelineError:
            self.store.runs.set_status(run_id, "stopped")
            raise
        except BaseException:
            self.store.runs.set_status(run_id, "stopped")
            raise
        finally:
            try:
                self._forget_recorded(graph, run_id)
            except Exception as exc:  # must not mask how the run ended; rows stay, counted
                log.warning("run.journal_not_pruned", error=str(exc))
        view = self.view(run_id)
        self.store.runs.set_status(run_id, view.status)
        log.info("run.paused" if view.status == "waiting" else f"run.{view.status}")
        return view

    def view(self, run_id: str, *, count_checkpoints: bool = False) -> RunView:
        """A run as it stands. Counting checkpoints reads every one of them, so only
        `status` asks for it."""
        info = self.store.runs.get(run_id)
        options = RunOptions.from_json(info.options)
        graph = self._compile(options)
        snapshot = graph.get_state(_config(run_id))
        # running = a live writer holds the lease (not this engine: it asks when done)
        holder = self.store.runs.leases.holder(run_id)
        alive = holder is not None and holder.token not in self._held and holder.alive()
        checkpoints = (
            sum(1 for _ in self.store.checkpointer.list(_config(run_id)))
            if count_checkpoints
            else 0
        )
        return run_view(
            info,
            options.spec,
            dict(snapshot.values or {}),
            interrupts=[(i.id, dict(i.value)) for i in snapshot.interrupts],
            has_next=bool(snapshot.next),
            writer_alive=alive,
            checkpoints=checkpoints,
            blobs=self.store.blobs,
            journal=self.store.reservations.for_run(run_id),
            holder=holder,
        )

    def recheck(
        self, run_id: str, steps: list[str] | None = None, verify: bool = True
    ) -> dict[str, list[Finding] | None]:
        """The checks again, on stored artifacts, with the same context a gate gives them;
        with ``verify`` the generated code runs in a fresh sandbox too."""
        with ExitStack() as stack:
            sandbox = stack.enter_context(Sandbox()) if verify else None
            return self._recheck(run_id, steps, sandbox)

    def _recheck(
        self, run_id: str, steps: list[str] | None, sandbox: Sandbox | None
    ) -> dict[str, list[Finding] | None]:
        view = self.view(run_id)
        request = FeatureRequest.model_validate(view.info.options["request"])
        approved = {
            s.id: artifact
            for s in view.steps
            if s.approved is not None and (artifact := s.artifact()) is not None
        }
        results: dict[str, list[Finding] | None] = {}
        for step in view.steps:
            if steps is not None and step.id not in steps:
                continue
            record = step.approved or step.latest
            if record is None:
                results[step.id] = None
                continue
            upstream = {k: v for k, v in approved.items() if k != step.id}
            findings = run_checks(step.kind, record.artifact, CheckContext(request, upstream))
            if not any(f.severity == "error" for f in findings):
                artifact = ARTIFACT_TYPES[step.kind].model_validate(record.artifact)
                key = f"{run_id}/{step.id}/{record.attempt}/recheck"
                verified = verify_artifact(step.kind, artifact, upstream, sandbox, key)
                findings += verified.findings if verified is not None else []
            results[step.id] = findings
        return results

    def history(self, run_id: str) -> list[dict[str, Any]]:
        """Every checkpoint of a run, oldest first: id, time, step count and the next nodes."""
        info = self.store.runs.get(run_id)
        graph = self._compile(RunOptions.from_json(info.options))
        rows = []
        for snap in graph.get_state_history(_config(run_id)):
            rows.append(
                {
                    "checkpoint_id": snap.config["configurable"]["checkpoint_id"],
                    "created_at": snap.created_at,
                    "superstep": snap.metadata.get("step") if snap.metadata else None,
                    "source": snap.metadata.get("source") if snap.metadata else None,
                    "next": list(snap.next),
                }
            )
        return list(reversed(rows))


def _claimant_alive(pid: int, host: str) -> bool:
    """Whether the process that claimed a review still runs (only knowable on this host)."""
    return host == socket.gethostname() and pid_alive(pid, None)


def _events(chunks: Iterator[Any]) -> Iterator[ProgressEvent]:
    for chunk in chunks:
        name = chunk.get("name", "")
        step, _, role = name.partition(".")
        if name == "dispatch":
            step, role = "", "dispatch"
        elif not role:
            role = "step"
        if "triggers" in chunk:
            yield ProgressEvent(node=name, step=step, role=role, phase="start", update={})
            continue
        result = chunk.get("result")
        update = result if isinstance(result, dict) else {}
        error = chunk.get("error")
        yield ProgressEvent(
            node=name,
            step=step,
            role=role,
            phase="end",
            update=update,
            error=str(error) if error else None,
            waiting=bool(chunk.get("interrupts")),
        )
