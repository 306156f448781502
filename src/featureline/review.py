"""Critic reviews: what a reviewer agent answers about one artifact, and who reviews what.

``Review`` doubles as the structured-output schema sent to Claude, so every field is
required and plain (no defaults, no constraints the API would ignore).
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from featureline.agents import AgentSpec
from featureline.artifacts import Artifact
from featureline.providers.base import StepTask

IssueSeverity = Literal["error", "warning", "info"]

DEFAULT_REVIEWERS: dict[str, tuple[str, ...]] = {
    "design": ("security-reviewer",),
    "schema": ("dba-reviewer",),
    "api_spec": ("api-reviewer", "security-reviewer"),
    "implementation": ("security-reviewer",),
}
"""Step kind -> reviewer agents a ``critic`` gate asks by default (a pipeline may override)."""


class ReviewIssue(BaseModel):
    """One problem a reviewer found; ``error`` issues are grounds for rejection."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: IssueSeverity
    location: str = Field(
        description="where in the artifact, e.g. 'endpoints[2]' or 'tables.orders'"
    )
    message: str = Field(description="what is wrong and why, in one sentence")


class Review(BaseModel):
    """A reviewer's verdict on one artifact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verdict: Literal["approve", "reject"]
    summary: str = Field(description="the verdict's reason in one or two sentences")
    issues: list[ReviewIssue]
    suggestions: list[str]

    @property
    def errors(self) -> list[ReviewIssue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    def as_feedback(self, reviewer: str) -> list[str]:
        """Lines to hand the specialist when the review sends the step back."""
        lines = [f"Reviewer {reviewer} ({self.verdict}): {self.summary}"]
        lines += [f"[{i.severity}] {reviewer} at {i.location}: {i.message}" for i in self.issues]
        lines += [f"[suggestion] {reviewer}: {s}" for s in self.suggestions]
        return lines


def reviewers_for(kind: str) -> tuple[str, ...]:
    return DEFAULT_REVIEWERS.get(kind, ())


@runtime_checkable
class Critic(Protocol):
    """Reviews an artifact as a reviewer agent would. Must be thread-safe, like Specialist."""

    name: str

    def review(self, task: StepTask, artifact: Artifact, reviewer: AgentSpec) -> Review: ...


__all__ = [
    "DEFAULT_REVIEWERS",
    "Critic",
    "IssueSeverity",
    "Review",
    "ReviewIssue",
    "reviewers_for",
]
