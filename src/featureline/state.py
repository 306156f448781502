"""The graph state. Everything in it is plain JSON data, so any checkpointer can store it
and old runs stay readable when the Python models evolve."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Annotated, Any, Literal, NotRequired, Protocol

from typing_extensions import TypedDict

StepStatus = Literal[
    "pending",
    "running",
    "checking",
    "reviewing",
    "revising",
    "awaiting_review",
    "approved",
    "failed",
    "errored",
    "over_budget",
]
"""``errored``: the provider failed after its retries (the paid calls are in the ledger);
``over_budget``: the next call could pass the run's budget, so it was not made. Both end
the run as ``stopped``; ``resume`` restarts the step where it stopped."""

StopPhase = Literal["produce", "review"]


class StepState(TypedDict):
    """Where one step stands. ``feedback`` is what its next attempt must address."""

    status: StepStatus
    attempts: int
    round: int
    round_attempts: int
    feedback: list[str]
    approved_attempt: int | None
    error: NotRequired[str | None]
    """Why the step stopped (``errored`` / ``over_budget``), in one line."""
    stopped_in: NotRequired[StopPhase | None]
    """Which node to restart on resume: the step's own (``produce``) or its review."""
    resume_at: NotRequired[str | None]
    """Set only by a reopen: the node whose unfinished task the reopen discarded, so
    ``dispatch`` sends the step back there (e.g. a waiting gate outside the reopened steps)."""


def new_step_state() -> StepState:
    return StepState(
        status="pending", attempts=0, round=1, round_attempts=0, feedback=[], approved_attempt=None
    )


def merge_steps(left: dict[str, StepState], right: dict[str, StepState]) -> dict[str, StepState]:
    """Parallel steps each write their own key; a later write of one key replaces it whole."""
    return {**left, **right}


class RunState(TypedDict, total=False):
    run_id: str
    request: dict[str, Any]
    steps: Annotated[dict[str, StepState], merge_steps]
    records: Annotated[list[dict[str, Any]], operator.add]
    """Every attempt of every step (ArtifactRecord data): nothing is ever replaced (rule 5).
    With an artifact store the record holds no ``artifact``, only its ``content_hash``; the
    artifact itself is stored once, by that hash (records of older runs hold it inline)."""
    findings: Annotated[list[dict[str, Any]], operator.add]
    """Every finding, tagged with step and attempt."""
    reviews: Annotated[list[dict[str, Any]], operator.add]
    """Every gate decision: who, when, verdict, comment, edits."""
    evidence: Annotated[list[dict[str, Any]], operator.add]
    """What featureline measured in the sandbox (test reports, load results), per attempt:
    ``{step, attempt, ref}`` naming a stored blob, or (inline) the measurements themselves."""
    ledger: Annotated[list[dict[str, Any]], operator.add]
    """Every model call (LedgerEntry data: step, attempt, purpose, model, tokens, cost),
    failed ones included: what was paid for is never dropped."""
    reopens: Annotated[list[dict[str, Any]], operator.add]
    """Every reopen (rewind) of a step: who, when, which step, from which attempt, why, and
    which steps it sent back to pending."""
    budget_usd: str | None
    """The run's spending limit in USD (a decimal string; ``None``: no limit). Starts as
    ``--max-cost``; ``resume --max-cost`` replaces it, and the checkpoint keeps the change."""


def latest_record(state: RunState, step: str) -> dict[str, Any] | None:
    return next((r for r in reversed(state.get("records", [])) if r["step"] == step), None)


def record_of(state: RunState, step: str, attempt: int) -> dict[str, Any] | None:
    return next(
        (r for r in state.get("records", []) if r["step"] == step and r["attempt"] == attempt), None
    )


def findings_of(state: RunState, step: str, attempt: int) -> list[dict[str, Any]]:
    return [f for f in state.get("findings", []) if f["step"] == step and f["attempt"] == attempt]


class BlobReader(Protocol):
    """What reading a state needs of the artifact store (see ``artifact_store``)."""

    def get(self, digest: str) -> Any: ...

    def get_many(self, digests: Iterable[str]) -> dict[str, Any]: ...


def artifact_data(record: dict[str, Any], blobs: BlobReader | None) -> dict[str, Any]:
    """A record's artifact: inline (older runs, no store) or from the store by its hash."""
    if "artifact" in record:
        return dict(record["artifact"])
    if blobs is None:
        raise LookupError(f"record {record['step']}#{record['attempt']} needs the artifact store")
    return dict(blobs.get(record["content_hash"]))


def with_artifacts(records: list[dict[str, Any]], blobs: BlobReader | None) -> list[dict[str, Any]]:
    """Records with their artifacts filled in (one store read for all of them)."""
    refs = [r["content_hash"] for r in records if "artifact" not in r]
    if not refs:
        return records
    if blobs is None:
        raise LookupError("these records need the artifact store")
    found = blobs.get_many(refs)
    return [r if "artifact" in r else {**r, "artifact": found[r["content_hash"]]} for r in records]


def evidence_data(entries: list[dict[str, Any]], blobs: BlobReader | None) -> list[dict[str, Any]]:
    """Evidence entries with stored measurements filled in (``{step, attempt, **data}``)."""
    refs = [e["ref"] for e in entries if "ref" in e]
    if refs and blobs is None:
        raise LookupError("this evidence needs the artifact store")
    found = blobs.get_many(refs) if refs and blobs is not None else {}
    out = []
    for e in entries:
        if "ref" not in e:
            out.append(e)
        elif e["ref"] in found:
            out.append({**found[e["ref"]], "step": e["step"], "attempt": e["attempt"]})
    return out
