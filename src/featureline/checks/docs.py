"""Docs checks: every endpoint is documented, and the README says how to run the service."""

from __future__ import annotations

from featureline.artifacts import ApiSpecArtifact, DocsArtifact, ImplementationArtifact
from featureline.checks.base import CheckContext, Finding, check, not_compared


@check("docs", "docs.endpoints")
def endpoints_documented(artifact: DocsArtifact, context: CheckContext) -> list[Finding]:
    api = context.find(ApiSpecArtifact)
    if api is None:
        return not_compared("docs.endpoints", "api_reference", "API spec", "endpoint coverage")
    text = artifact.api_reference + "\n" + artifact.readme
    return [
        Finding(
            check="docs.endpoints",
            severity="error",
            location=f"{e.method} {e.path}",
            message="endpoint is not documented in the API reference or README",
        )
        for e in api.endpoints
        if f"{e.method} {e.path}" not in text
        and f"{e.method} `{e.path}`" not in text
        and f"| {e.method} | `{e.path}` |" not in text
    ]


@check("docs", "docs.run_instructions")
def run_instructions(artifact: DocsArtifact, context: CheckContext) -> list[Finding]:
    implementation = context.find(ImplementationArtifact)
    readme = artifact.readme
    findings: list[Finding] = []
    if implementation is not None and implementation.run_command.strip() not in readme:
        findings.append(
            Finding(
                check="docs.run_instructions",
                severity="error",
                location="readme",
                message=f"README does not show the run command `{implementation.run_command}`",
            )
        )
    if "```" not in readme:
        findings.append(
            Finding(
                check="docs.run_instructions",
                severity="error",
                location="readme",
                message="README has no commands",
            )
        )
    if not artifact.runbook.strip():
        findings.append(
            Finding(
                check="docs.run_instructions",
                severity="error",
                location="runbook",
                message="runbook is empty",
            )
        )
    return findings
