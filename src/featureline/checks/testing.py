"""Testing checks: every planned requirement has a test that exists and declares it
(``@pytest.mark.requirement``); a recorded run passed."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from featureline.artifacts import RequirementsArtifact, TestingArtifact
from featureline.checks.base import CheckContext, Finding, check, finding, not_compared
from featureline.safepaths import path_problem


def _test_modules(artifact: TestingArtifact) -> Iterator[tuple[str, ast.Module]]:
    """(path, parsed module) of every Python test file that parses; `testing.files`
    reports the ones that do not."""
    for file in artifact.test_files:
        if not file.path.endswith(".py"):
            continue
        try:
            yield file.path, ast.parse(file.content)
        except SyntaxError:
            continue


def _test_ids(artifact: TestingArtifact) -> set[str]:
    ids: set[str] = set()
    for path, tree in _test_modules(artifact):
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test"
            ):
                ids.add(f"{path}::{node.name}")
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


def _marked_ids(decorators: list[ast.expr]) -> set[str]:
    """FR ids named by ``pytest.mark.requirement(...)`` (or ``mark.requirement``) decorators."""
    ids: set[str] = set()
    for node in decorators:
        for call in ast.walk(node):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "requirement"
            ):
                ids |= {
                    a.value
                    for a in ast.walk(call)
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                }
    return ids


def tagged_requirements(artifact: TestingArtifact) -> set[str]:
    """Every FR id some test function declares with ``@pytest.mark.requirement`` (on the
    function, its class, or a module-level ``pytestmark``)."""
    ids: set[str] = set()
    for _, tree in _test_modules(artifact):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                ids |= _marked_ids(node.decorator_list)
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
            ):
                ids |= _marked_ids([node.value])
    return {i.strip() for i in ids}


@check("testing", "testing.requirements")
def planned_requirements_are_tagged(
    artifact: TestingArtifact, context: CheckContext
) -> list[Finding]:
    """Before running anything: every planned FR needs a test that declares it. (Whether that
    test passes is the sandbox run's verdict, per requirement.)"""
    requirements = context.find(RequirementsArtifact)
    if requirements is None:
        return not_compared(
            "testing.requirements", "test_files", "requirements", "per-requirement tests"
        )
    tagged = tagged_requirements(artifact)
    return [
        finding(
            "testing.requirements",
            req.id,
            f"no test declares planned requirement '{req.title}': add one that checks its "
            f'acceptance criteria with concrete data, tagged @pytest.mark.requirement("{req.id}")',
        )
        for req in requirements.functional
        if req.status == "planned" and req.id not in tagged
    ]
