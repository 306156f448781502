"""Testing checks: every planned requirement has a test that exists; a recorded run passed."""

from __future__ import annotations

import ast

from featureline.artifacts import RequirementsArtifact, TestingArtifact
from featureline.checks.base import CheckContext, Finding, check, finding
from featureline.safepaths import path_problem


def _test_ids(artifact: TestingArtifact) -> set[str]:
    ids: set[str] = set()
    for file in artifact.test_files:
        if not file.path.endswith(".py"):
            continue
        try:
            tree = ast.parse(file.content)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test"
            ):
                ids.add(f"{file.path}::{node.name}")
    return ids


@check("testing", "testing.files")
def test_files_are_sound(artifact: TestingArtifact, context: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    for file in artifact.test_files:
        problem = path_problem(file.path)
        if problem:
            findings.append(finding("testing.files", file.path, problem))
        if file.path.endswith(".py"):
            try:
                compile(file.content, file.path, "exec", dont_inherit=True)
            except SyntaxError as exc:
                findings.append(
                    finding(
                        "testing.files", f"{file.path}:{exc.lineno}", f"does not compile: {exc.msg}"
                    )
                )
    if not _test_ids(artifact):
        findings.append(finding("testing.files", "test_files", "no test functions found"))
    return findings


@check("testing", "testing.coverage")
def planned_requirements_have_tests(
    artifact: TestingArtifact, context: CheckContext
) -> list[Finding]:
    existing = _test_ids(artifact)
    findings: list[Finding] = []
    mapped: dict[str, list[str]] = {}
    for entry in artifact.coverage:
        mapped.setdefault(entry.requirement_id, []).extend(entry.tests)
        for test_id in entry.tests:
            if test_id not in existing:
                findings.append(
                    finding(
                        "testing.coverage",
                        entry.requirement_id,
                        f"maps to {test_id}, which does not exist",
                    )
                )
    requirements = context.find(RequirementsArtifact)
    if requirements is None:
        return findings
    for req in requirements.functional:
        if req.status == "planned" and not mapped.get(req.id):
            findings.append(
                finding(
                    "testing.coverage", req.id, f"planned requirement '{req.title}' has no test"
                )
            )
    return findings


@check("testing", "testing.report")
def recorded_run_passed(artifact: TestingArtifact, context: CheckContext) -> list[Finding]:
    """A report carried by the artifact must show a green run; a claim of zero tests is no run."""
    report = artifact.execution
    if report is None:
        return []
    findings: list[Finding] = []
    if report.failed or report.errors:
        findings.append(
            finding(
                "testing.report",
                "execution",
                f"{report.failed} failed, {report.errors} error(s): {report.output_tail[-300:]}",
            )
        )
    if report.passed == 0:
        findings.append(finding("testing.report", "execution", "the recorded run passed no test"))
    return findings
