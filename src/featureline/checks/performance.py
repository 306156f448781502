"""Performance checks: a verdict for every performance target, consistent with the numbers."""

from __future__ import annotations

from featureline.artifacts import PerformanceArtifact, RequirementsArtifact
from featureline.checks.base import CheckContext, Finding, check


@check("performance", "performance.verdicts")
def every_target_has_a_verdict(
    artifact: PerformanceArtifact, context: CheckContext
) -> list[Finding]:
    findings: list[Finding] = []
    if not artifact.load_test_script.content.strip():
        findings.append(
            Finding(
                check="performance.verdicts",
                severity="error",
                location="load_test_script",
                message="empty",
            )
        )
    requirements = context.find(RequirementsArtifact)
    if requirements is None:
        return findings
    verdicts = {v.nfr_id: v for v in artifact.verdicts}
    for nfr in requirements.non_functional:
        if nfr.category in {"performance", "scalability"} and nfr.id not in verdicts:
            findings.append(
                Finding(
                    check="performance.verdicts",
                    severity="error",
                    location=nfr.id,
                    message=f"no verdict for '{nfr.metric} {nfr.comparator} "
                    f"{nfr.target:g} {nfr.unit}'",
                )
            )
    for verdict in artifact.verdicts:
        if verdict.verdict != "not_measured" and not artifact.results:
            findings.append(
                Finding(
                    check="performance.verdicts",
                    severity="error",
                    location=verdict.nfr_id,
                    message=f"verdict '{verdict.verdict}' without any measured result",
                )
            )
    return findings
