"""Read-only views of a run, built from its checkpointed state: what `status`, `show`,
`history` and `export` display. Pure functions of the state, no I/O. The artifact models
load only when an artifact is read (``show``), not for a status."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from featureline.artifacts import Artifact, ArtifactRecord, Usage
from featureline.checks import Finding
from featureline.gates import ReviewRecord
from featureline.ledger import Ledger
from featureline.pipeline import PipelineSpec
from featureline.reservations import JournalRow
from featureline.runindex import RunInfo, RunStatus
from featureline.state import RunState, StepStatus


@dataclass(frozen=True)
class PendingReview:
    """A gate waiting for a reviewer: its interrupt id (to resume it) and what it shows."""

    interrupt_id: str
    step: str
    attempt: int
    reason: str
    errors: int
    findings: list[Finding]


@dataclass
class StepView:
    id: str
    kind: str
    status: StepStatus
    attempts: int
    round: int
    approved_attempt: int | None
    records: list[ArtifactRecord]
    findings: dict[int, list[Finding]]
    reviews: list[ReviewRecord]
    evidence: dict[int, dict[str, Any]] = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)
    """This step's model calls (produce and review), failed attempts included."""
    error: str | None = None
    """Why the step stopped, while it is ``errored`` or ``over_budget``."""

    @property
    def latest(self) -> ArtifactRecord | None:
        return self.records[-1] if self.records else None

    @property
    def approved(self) -> ArtifactRecord | None:
        return next((r for r in self.records if r.attempt == self.approved_attempt), None)

    @property
    def usage(self) -> Usage:
        """Tokens of every call the ledger holds (failed attempts and reviews too); for runs
        without ledger entries, what the records report."""
        total = Usage()
        if self.ledger.entries:
            for entry in self.ledger.entries:
                total = total + entry.usage
            return total
        for record in self.records:
            total = total + record.usage
        return total

    @property
    def cost_usd(self) -> Decimal:
        return self.ledger.total_cost

    @property
    def duration_s(self) -> float:
        return sum(r.duration_s for r in self.records)

    def artifact(self) -> Artifact | None:
        """The approved artifact, else the latest attempt's (when it validates), with what
        featureline measured in the sandbox filled in (test report, load results)."""
        record = self.approved or self.latest
        if record is None:
            return None
        from featureline.artifacts import ARTIFACT_TYPES

        try:
            artifact = ARTIFACT_TYPES[self.kind].model_validate(record.artifact)
        except ValueError:
            return None
        return with_evidence(artifact, self.evidence.get(record.attempt, {}))


@dataclass
class RunView:
    info: RunInfo
    status: RunStatus
    steps: list[StepView]
    pending: list[PendingReview] = field(default_factory=list)
    checkpoints: int = 0
    ledger: Ledger = field(default_factory=Ledger)
    budget_usd: Decimal | None = None
    possibly_billed: list[JournalRow] = field(default_factory=list)
    """Calls a killed process sent that no ledger holds (featureline.reservations): maybe
    billed, counted at their worst case (or their price, when the answer had arrived)."""

    @property
    def cost_usd(self) -> Decimal:
        return self.ledger.total_cost

    @property
    def stopped_steps(self) -> list[StepView]:
        """Steps that ended the run early (provider error, budget) and restart on resume."""
        return [s for s in self.steps if s.status in ("errored", "over_budget")]

    def step(self, step_id: str) -> StepView:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    @property
    def usage(self) -> Usage:
        total = Usage()
        for step in self.steps:
            total = total + step.usage
        return total


def with_evidence(artifact: Artifact, evidence: dict[str, Any]) -> Artifact:
    """Fill measured facts into the artifact: a test report replaces the producer's claim;
    load results and measured verdicts replace 'not measured' ones."""
    from featureline.artifacts import PerformanceArtifact, TestingArtifact
    from featureline.artifacts.performance import LoadResult, NfrVerdict
    from featureline.artifacts.testing import ExecutionReport

    if isinstance(artifact, TestingArtifact) and "execution" in evidence:
        report = ExecutionReport.model_validate(evidence["execution"])
        return artifact.model_copy(update={"execution": report})
    if isinstance(artifact, PerformanceArtifact) and "results" in evidence:
        results = [LoadResult.model_validate(r) for r in evidence["results"]]
        measured = {v["nfr_id"]: NfrVerdict.model_validate(v) for v in evidence.get("verdicts", [])}
        verdicts = [measured.pop(v.nfr_id, v) for v in artifact.verdicts] + list(measured.values())
        return artifact.model_copy(update={"results": results, "verdicts": verdicts})
    return artifact


def build_view(
    info: RunInfo,
    spec: PipelineSpec,
    state: RunState,
    interrupts: list[tuple[str, dict[str, Any]]],
    has_next: bool,
    process_alive: bool,
    checkpoints: int = 0,
) -> RunView:
    """Assemble a RunView and decide the run's status from its state, not from the index."""
    steps: list[StepView] = []
    records = [ArtifactRecord.model_validate(r) for r in state.get("records", [])]
    reviews = [ReviewRecord.model_validate(r) for r in state.get("reviews", [])]
    all_findings = state.get("findings", [])
    ledger = Ledger.from_json(state.get("ledger", []))
    for step_spec in spec.steps:
        st = state.get("steps", {}).get(step_spec.id)
        step_findings: dict[int, list[Finding]] = {}
        for f in all_findings:
            if f["step"] == step_spec.id:
                step_findings.setdefault(f["attempt"], []).append(
                    Finding.model_validate(
                        {k: f[k] for k in ("check", "severity", "location", "message")}
                    )
                )
        steps.append(
            StepView(
                id=step_spec.id,
                kind=step_spec.kind,
                status=st["status"] if st else "pending",
                attempts=st["attempts"] if st else 0,
                round=st["round"] if st else 1,
                approved_attempt=st["approved_attempt"] if st else None,
                records=[r for r in records if r.step == step_spec.id],
                findings=step_findings,
                reviews=[r for r in reviews if r.step == step_spec.id],
                evidence={
                    e["attempt"]: e for e in state.get("evidence", []) if e["step"] == step_spec.id
                },
                ledger=ledger.for_step(step_spec.id),
                error=st.get("error") if st else None,
            )
        )
    pending = [
        PendingReview(
            interrupt_id=interrupt_id,
            step=value["step"],
            attempt=value["attempt"],
            reason=value["reason"],
            errors=value["errors"],
            findings=[
                Finding.model_validate(
                    {k: f[k] for k in ("check", "severity", "location", "message")}
                )
                for f in value["findings"]
            ],
        )
        for interrupt_id, value in interrupts
    ]
    waiting = {p.step for p in pending}
    for step in steps:
        if step.id in waiting:  # the gate interrupted before it could write its status
            step.status = "awaiting_review"
    return RunView(
        info=info,
        status=derive_status(steps, pending, has_next, process_alive),
        steps=steps,
        pending=pending,
        checkpoints=checkpoints,
        ledger=ledger,
        budget_usd=Decimal(budget) if (budget := state.get("budget_usd")) is not None else None,
    )


def derive_status(
    steps: list[StepView], pending: list[PendingReview], has_next: bool, process_alive: bool
) -> RunStatus:
    if steps and all(s.status == "approved" for s in steps):
        return "done"
    if any(s.status == "failed" for s in steps) and not has_next:
        return "failed"
    if pending:
        return "waiting"
    if process_alive:
        return "running"
    return "stopped"
