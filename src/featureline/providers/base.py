"""The seam between the workflow and whatever produces artifacts (offline generator, Claude...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from featureline.agents import AgentSpec
from featureline.artifacts import Artifact, Usage
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
