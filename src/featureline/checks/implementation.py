"""Implementation checks: safe relative paths and Python that compiles (never executed here)."""

from __future__ import annotations

from featureline.artifacts import ImplementationArtifact
from featureline.checks.base import CheckContext, Finding, check
from featureline.safepaths import path_problem


@check("implementation", "implementation.paths")
def paths_stay_inside(artifact: ImplementationArtifact, context: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[str] = set()
    for file in artifact.files:
        problem = path_problem(file.path)
        if problem:
            findings.append(
                Finding(
                    check="implementation.paths",
                    severity="error",
                    location=file.path,
                    message=problem,
                )
            )
        if file.path in seen:
            findings.append(
                Finding(
                    check="implementation.paths",
                    severity="error",
                    location=file.path,
                    message="file listed twice",
                )
            )
        seen.add(file.path)
    return findings


@check("implementation", "implementation.compiles")
def python_compiles(artifact: ImplementationArtifact, context: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    for file in artifact.files:
        if not file.path.endswith(".py"):
            continue
        try:
            compile(file.content, file.path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            findings.append(
                Finding(
                    check="implementation.compiles",
                    severity="error",
                    location=f"{file.path}:{exc.lineno}",
                    message=f"does not compile: {exc.msg}",
                )
            )
    return findings
