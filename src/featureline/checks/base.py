"""Findings and the check registry. Checks are pure: (artifact, context) -> findings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

if TYPE_CHECKING:
    from featureline.artifacts import Artifact
    from featureline.request import FeatureRequest

Severity = Literal["error", "warning", "info"]


class Finding(BaseModel):
    """One thing a check noticed; an ``error`` blocks approval (rule 3)."""

    check: str
    severity: Severity
    location: str
    message: str

    def as_feedback(self) -> str:
        return f"[{self.severity}] {self.check} at {self.location}: {self.message}"


def finding(check: str, location: str, message: str, severity: Severity = "error") -> Finding:
    """Shorthand used by every check: a finding, an error unless said otherwise."""
    return Finding(check=check, severity=severity, location=location, message=message)


def not_compared(check: str, location: str, upstream: str, what: str) -> list[Finding]:
    """The warning a cross-artifact check gives when the artifact it compares with is not
    approved: never a silent pass."""
    message = f"no approved {upstream} to compare with: {what} not verified"
    return [finding(check, location, message, "warning")]


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at beside the artifact: the request and approved upstream artifacts."""

    request: FeatureRequest
    upstream: Mapping[str, Artifact] = field(default_factory=dict)

    def find(self, model: type[Any]) -> Any | None:
        """The upstream artifact of a given model type, if the run has one approved."""
        return next((a for a in self.upstream.values() if isinstance(a, model)), None)


Check = Callable[[Any, CheckContext], list[Finding]]

_REGISTRY: dict[str, list[tuple[str, Check]]] = {}


def check(kind: str, name: str) -> Callable[[Check], Check]:
    """Register a check for an artifact kind under a stable name (used in findings)."""

    def register(func: Check) -> Check:
        _REGISTRY.setdefault(kind, []).append((name, func))
        return func

    return register


def checks_for(kind: str) -> list[tuple[str, Check]]:
    return list(_REGISTRY.get(kind, []))


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
