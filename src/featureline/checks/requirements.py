"""Requirements checks: ids unique, criteria present, targets measurable."""

from __future__ import annotations

from collections import Counter

from featureline.artifacts import RequirementsArtifact
from featureline.checks.base import CheckContext, Finding, check


@check("requirements", "requirements.ids")
def unique_ids(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    ids = [r.id for r in artifact.functional] + [r.id for r in artifact.non_functional]
    return [
        Finding(
            check="requirements.ids", severity="error", location=rid, message=f"id used {n} times"
        )
        for rid, n in sorted(Counter(ids).items())
        if n > 1
    ]


@check("requirements", "requirements.acceptance")
def acceptance_criteria(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    return [
        Finding(
            check="requirements.acceptance",
            severity="error",
            location=req.id,
            message="functional requirement has no acceptance criteria",
        )
        for req in artifact.functional
        if not [c for c in req.acceptance_criteria if c.strip()]
    ]


@check("requirements", "requirements.measurable")
def measurable_targets(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    return [
        Finding(
            check="requirements.measurable",
            severity="error",
            location=req.id,
            message="non-functional requirement needs a metric and a unit to be measurable",
        )
        for req in artifact.non_functional
        if not req.metric.strip() or not req.unit.strip()
    ]


@check("requirements", "requirements.coverage")
def something_to_build(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    if artifact.functional:
        return []
    return [
        Finding(
            check="requirements.coverage",
            severity="error",
            location="functional",
            message="no functional requirements: the request was not analysed",
        )
    ]
