"""Run every check of an artifact kind: validity first, then the kind's own checks."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from featureline.artifacts import ARTIFACT_TYPES, Artifact
from featureline.checks import (  # noqa: F401  (importing registers the checks)
    api_spec,
    design,
    docs,
    fidelity,
    fidelity_operations,
    fidelity_support,
    implementation,
    ownership,
    performance,
    requirements,
    schema,
    testing,
)
from featureline.checks.base import CheckContext, Finding, checks_for


def validate_artifact(kind: str, data: dict[str, Any]) -> tuple[Artifact | None, list[Finding]]:
    """Validate raw artifact data against its model; each validation error becomes a finding."""
    model = ARTIFACT_TYPES[kind]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [
            Finding(
                check="validity",
                severity="error",
                location=".".join(str(part) for part in err["loc"]) or kind,
                message=err["msg"],
            )
            for err in exc.errors()
        ]


def run_checks(kind: str, data: dict[str, Any], context: CheckContext) -> list[Finding]:
    """All findings for one artifact; a check that crashes is itself reported as an error."""
    artifact, findings = validate_artifact(kind, data)
    if artifact is None:
        return findings
    for name, func in checks_for(kind):
        try:
            findings.extend(func(artifact, context))
        except Exception as exc:  # a broken check must not pass silently
            findings.append(
                Finding(
                    check=name, severity="error", location=kind, message=f"check crashed: {exc!r}"
                )
            )
    return findings
