"""Performance checks: a verdict for every performance target, consistent with the numbers
and with the operations the target is about."""

from __future__ import annotations

from featureline.artifacts import ApiSpecArtifact, PerformanceArtifact, RequirementsArtifact
from featureline.checks.base import CheckContext, Finding, check, finding


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


@check("performance", "performance.targets")
def verdicts_are_targeted(artifact: PerformanceArtifact, context: CheckContext) -> list[Finding]:
    """A claimed verdict is judged on the operations its target names (NFR.requirement_ids →
    the API spec's endpoints serving them): ``not_met`` is an error (revise, then a human),
    and so is ``met`` on another operation or for a deferred requirement."""
    requirements = context.find(RequirementsArtifact)
    if requirements is None:
        return []
    api = context.find(ApiSpecArtifact)
    nfrs = {n.id: n for n in requirements.non_functional}
    status = {r.id: r.status for r in requirements.functional}
    findings: list[Finding] = []
    for verdict in artifact.verdicts:
        if verdict.verdict == "not_met":
            findings.append(
                finding(
                    "performance.targets",
                    verdict.nfr_id,
                    f"target {verdict.target} not met (measured {verdict.measured}): "
                    "improve the service or revise the plan; a target not met is never approved",
                )
            )
            continue
        nfr = nfrs.get(verdict.nfr_id)
        if verdict.verdict != "met" or nfr is None or not nfr.requirement_ids:
            continue
        deferred = [rid for rid in nfr.requirement_ids if status.get(rid) == "deferred"]
        if deferred:
            findings.append(
                finding(
                    "performance.targets",
                    verdict.nfr_id,
                    f"claimed met, but its requirement(s) {', '.join(deferred)} are deferred: "
                    "nothing was built to measure; say not_measured",
                )
            )
            continue
        if api is None:
            continue
        wanted = [
            f"{e.method} {e.path}"
            for e in api.endpoints
            if any(rid in e.requirement_ids for rid in nfr.requirement_ids)
        ]
        measured = [op for op in verdict.operations if op in wanted]
        if not measured:
            shown = ", ".join(verdict.operations) or "no operation named"
            findings.append(
                finding(
                    "performance.targets",
                    verdict.nfr_id,
                    f"claimed met on {shown}, but the target is about "
                    f"{', '.join(wanted) or 'an operation the API spec does not have'}",
                )
            )
    return findings
