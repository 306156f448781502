"""The seam between the workflow and whatever produces artifacts (offline generator, Claude...)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from featureline.agents import AgentSpec
from featureline.artifacts import Artifact, Usage
from featureline.budget import ReservationJournal
from featureline.ledger import CallRecord
from featureline.pricing import PriceTable
from featureline.request import FeatureRequest


@dataclass(frozen=True)
class StepTask:
    """Everything a provider may use for one attempt of one step, and nothing more.

    ``inputs`` holds only the upstream artifacts the step declares (rule 4); ``feedback``
    carries check findings and review comments from earlier attempts of this step.
    """

    run_id: str
    step: str
    kind: str
    instructions: str
    agent: AgentSpec
    request: FeatureRequest
    inputs: dict[str, Artifact]
    attempt: int
    feedback: tuple[str, ...] = ()
    previous: Artifact | None = None
    model: str | None = None
    budget_usd: Decimal | None = None
    """The run's ``--max-cost`` (``None``: no budget); providers reserve calls against it."""
    spent_usd: Decimal = Decimal(0)
    """What the run's ledger held when the task was made, plus what calls of a killed
    process possibly cost (featureline.reservations): seeds the provider's budget book."""
    prices: PriceTable | None = None
    """The run's price table (``--prices``), for reservations; ``None``: the shipped one."""
    journal: ReservationJournal | None = None
    """Where a provider journals each call's reservation before sending it (the store's
    featureline.reservations); ``None``: reservations live only in the process."""


@dataclass(frozen=True)
class StepResult:
    """A provider's answer: the artifact, the model that made it, and what it cost.

    ``artifact`` may be raw data when the provider could not build a valid model; the
    gate's validity check then reports why, instead of the step crashing.
    """

    artifact: Artifact | dict[str, Any]
    model: str
    usage: Usage = field(default_factory=Usage)


@runtime_checkable
class Specialist(Protocol):
    """Produces the artifact for one step. Implementations must be thread-safe: parallel
    steps call the same instance from LangGraph's worker threads."""

    name: str

    def produce(self, task: StepTask) -> StepResult: ...


@runtime_checkable
class CostEstimating(Protocol):
    """A specialist that can bound what its next call costs (for ``--max-cost``)."""

    def estimate_cost(self, task: StepTask, prices: PriceTable | None = None) -> Decimal: ...


@runtime_checkable
class CallReporting(Protocol):
    """A specialist that keeps the calls each attempt (or review) made, also failed ones."""

    def calls_for(
        self, run_id: str, step: str, attempt: int, purpose: str = "produce"
    ) -> tuple[CallRecord, ...]: ...


def calls_of(result: StepResult) -> tuple[CallRecord, ...]:
    """The model calls behind a result: the ones the provider lists, else one call made of
    its usage, else none (an offline provider calls no model)."""
    listed: Sequence[CallRecord] | None = getattr(result, "calls", None)
    if listed is not None:
        return tuple(listed)
    if result.usage.total_tokens:
        return (CallRecord(model=result.model, usage=result.usage, outcome="ok"),)
    return ()


def paid_calls(error: BaseException) -> tuple[CallRecord, ...] | None:
    """The calls a failed provider call had already paid for, when its error carries them
    (``AnthropicCallError.calls``); ``None`` for errors that do not."""
    calls: Sequence[CallRecord] | None = getattr(error, "calls", None)
    return tuple(calls) if calls is not None else None
