"""Run the generated tests in the sandbox and judge every planned requirement by its own tests.

featureline's pytest plugin (``sandboxed/requirements_plugin.py``) is loaded with ``-p``
from a package featureline writes after the generated files: it registers the
``requirement`` marker and records each test's FR ids (and node id) in the JUnit XML.
"""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from pathlib import Path

from featureline.artifacts import ImplementationArtifact, RequirementsArtifact, TestingArtifact
from featureline.artifacts.testing import ExecutionReport, TestOutcome
from featureline.checks.base import Finding, finding
from featureline.sandbox import Sandbox
from featureline.verification.acceptance import judge_acceptance
from featureline.verification.base import (
    HELPERS_DIR,
    TEST_LIMITS,
    Verification,
    helper_script,
    service_files,
)

JUNIT = ".featureline-junit.xml"
PLUGIN = f"{HELPERS_DIR}.requirements_plugin"
REQUIREMENT_PROPERTY = "featureline_requirement"
NODEID_PROPERTY = "featureline_nodeid"


def pytest_argv(testing: TestingArtifact) -> list[str]:
    """The artifact's test command with featureline's plugin and report options added."""
    argv = shlex.split(testing.test_command) or ["python", "-m", "pytest", "-q"]
    if "pytest" in " ".join(argv):
        argv += ["-p", "no:cacheprovider", "-p", PLUGIN, f"--junitxml={JUNIT}"]
    return argv


def verify_tests(
    implementation: ImplementationArtifact | None,
    testing: TestingArtifact,
    sandbox: Sandbox,
    key: str,
    requirements: RequirementsArtifact | None = None,
) -> Verification:
    """Run the generated tests against the generated service; every failure is an error,
    and so is a planned requirement without a passing test of its own."""
    name = "testing.run"
    if implementation is None:
        return Verification([finding(name, "test_files", "no approved implementation to test")])
    workdir = sandbox.workspace(key)
    files = service_files(implementation, *testing.test_files)
    files[f"{HELPERS_DIR}/__init__.py"] = ""
    files[f"{HELPERS_DIR}/requirements_plugin.py"] = helper_script("requirements_plugin.py")
    sandbox.write_files(workdir, files)
    argv = pytest_argv(testing)
    started = datetime.now(UTC)
    result = sandbox.run(argv, workdir, limits=TEST_LIMITS)
    outcomes = junit_outcomes(workdir / JUNIT)
    counts = {
        kind: sum(1 for o in outcomes if o.outcome == kind)
        for kind in ("passed", "failed", "error", "skipped")
    }
    report = ExecutionReport(
        command=" ".join(argv),
        passed=counts["passed"],
        failed=counts["failed"],
        errors=counts["error"] + (0 if outcomes or result.ok else 1),
        skipped=counts["skipped"],
        duration_s=round(result.duration_s, 3),
        output_tail=result.output_tail(15),
        ran_at=started,
        sandbox=f"{result.network_isolation}; limits {TEST_LIMITS.wall_seconds:g}s wall, "
        f"{TEST_LIMITS.memory_bytes // 2**20} MiB",
        results=outcomes,
    )
    verification = Verification(evidence={"execution": report.model_dump(mode="json")})
    if result.timed_out:
        verification.findings.append(
            finding(name, "tests", f"the test run timed out after {TEST_LIMITS.wall_seconds:g}s")
        )
    for outcome in outcomes:
        if outcome.outcome in {"failed", "error"}:
            verification.findings.append(
                finding(name, outcome.test_id, f"{outcome.outcome}: {outcome.message[:300]}")
            )
    if not outcomes and not result.timed_out:
        verification.findings.append(
            finding(name, "tests", f"no test ran: {result.output_tail(1)}")
        )
    verification.findings += acceptance_findings(requirements, outcomes)
    return verification


def acceptance_findings(
    requirements: RequirementsArtifact | None, outcomes: list[TestOutcome]
) -> list[Finding]:
    """An error per planned requirement that no passing test of its own verified."""
    name = "testing.acceptance"
    if requirements is None:
        return [
            finding(
                name,
                "requirements",
                "no approved requirements: which requirements the tests verify is not checked",
                "warning",
            )
        ]
    findings: list[Finding] = []
    for verdict in judge_acceptance(requirements, outcomes):
        if verdict.result in {"passed", "deferred"}:
            continue
        label = "untested" if verdict.result == "untested" else "failed"
        findings.append(
            finding(name, verdict.requirement, f"{label}: '{verdict.title}': {verdict.reason}")
        )
    return findings


def junit_outcomes(path: Path) -> list[TestOutcome]:
    """Per-test outcomes from a JUnit XML file, with the FR ids featureline's plugin recorded."""
    try:
        tree = ElementTree.parse(path)
    except (OSError, ElementTree.ParseError):
        return []
    outcomes: list[TestOutcome] = []
    for case in tree.iter("testcase"):
        properties = [(p.get("name") or "", p.get("value") or "") for p in case.iter("property")]
        nodeid = next((v for n, v in properties if n == NODEID_PROPERTY), "")
        module = (case.get("classname") or "").replace(".", "/")
        test_id = nodeid or f"{module}.py::{case.get('name')}"
        outcome, message = "passed", ""
        for tag, label in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
            element = case.find(tag)
            if element is not None:
                outcome, message = label, element.get("message") or (element.text or "")[:300]
                break
        outcomes.append(
            TestOutcome(
                test_id=test_id,
                outcome=outcome,  # type: ignore[arg-type]
                duration_s=float(case.get("time") or 0),
                message=message.strip(),
                requirement_ids=list(
                    dict.fromkeys(v for n, v in properties if n == REQUIREMENT_PROPERTY)
                ),
            )
        )
    return outcomes
