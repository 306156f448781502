"""The testing and performance gates judge behaviour: per-requirement tests and targeted load."""

from __future__ import annotations

from pathlib import Path

import pytest

from featureline.artifacts.performance import LoadResult
from featureline.artifacts.testing import TestOutcome
from featureline.checks.base import CheckContext, Finding
from featureline.checks.performance import verdicts_are_targeted
from featureline.checks.testing import planned_requirements_are_tagged
from featureline.request import FeatureRequest
from featureline.sandbox import Sandbox
from featureline.trace import build_trace
from featureline.verification import verify_artifact
from featureline.verification.acceptance import judge_acceptance
from featureline.verification.targets import compare_to_targets, judge_targets
from featureline.verification.tests import junit_outcomes
from tests import gate_fixtures as fx

UNTAGGED_FILTER_TEST = fx.TESTS.replace('@pytest.mark.requirement("FR-2")\n', "")


def errors(findings: list[Finding], check: str) -> list[Finding]:
    return [f for f in findings if f.check == check and f.severity == "error"]


def verify_testing(tests: str, *defects: str) -> tuple[list[Finding], dict[str, object]]:
    upstream = {
        "requirements": fx.requirements(),
        "api_spec": fx.api_spec(),
        "implementation": fx.implementation(*defects),
    }
    with Sandbox() as sandbox:
        verification = verify_artifact(
            "testing", fx.testing_artifact(tests), upstream, sandbox, "t/testing/1"
        )
    assert verification is not None
    return verification.findings, verification.evidence


def outcome(test_id: str, result: str, *rids: str) -> TestOutcome:
    return TestOutcome(test_id=test_id, outcome=result, requirement_ids=list(rids))  # type: ignore[arg-type]


def test_a_requirement_passes_only_on_its_own_tagged_tests() -> None:
    requirements = fx.requirements(deferred=("FR-4",))
    outcomes = [
        outcome("t::create", "passed", "FR-1"),
        outcome("t::filter", "failed", "FR-2"),
        outcome("t::generic_crud", "passed"),  # touches FR-3's endpoints, declares nothing
        outcome("t::stats", "passed", "FR-4"),
    ]
    verdicts = {a.requirement: a for a in judge_acceptance(requirements, outcomes)}
    assert {k: v.result for k, v in verdicts.items()} == {
        "FR-1": "passed",
        "FR-2": "failed",
        "FR-3": "untested",
        "FR-4": "deferred",
    }
    assert "t::filter" in verdicts["FR-2"].reason
    assert '@pytest.mark.requirement("FR-3")' in verdicts["FR-3"].reason


def test_the_static_check_wants_a_tagged_test_for_every_planned_requirement() -> None:
    context = CheckContext(FeatureRequest(title="n", text="notes"), {"r": fx.requirements()})
    assert planned_requirements_are_tagged(fx.testing_artifact(), context) == []
    findings = planned_requirements_are_tagged(fx.testing_artifact(UNTAGGED_FILTER_TEST), context)
    assert [(f.location, f.severity) for f in findings] == [("FR-2", "error")]


@pytest.mark.slow
def test_correct_tests_on_a_correct_service_pass_the_testing_gate() -> None:
    findings, evidence = verify_testing(fx.TESTS)
    assert [f for f in findings if f.severity == "error"] == []
    execution = evidence["execution"]
    assert isinstance(execution, dict)
    tagged = {r["test_id"]: r["requirement_ids"] for r in execution["results"]}
    assert tagged["tests/test_notes.py::test_filter_by_tag_returns_only_matching_notes"] == ["FR-2"]
    assert tagged["tests/test_notes.py::test_health_of_the_app_object"] == []


@pytest.mark.slow
def test_a_list_filter_that_ignores_its_parameter_fails_its_requirement() -> None:
    findings, _ = verify_testing(fx.TESTS, "filter_ignored")
    acceptance = errors(findings, "testing.acceptance")
    assert [f.location for f in acceptance] == ["FR-2"]
    assert acceptance[0].message.startswith("failed:")
    assert "test_filter_by_tag_returns_only_matching_notes" in acceptance[0].message


@pytest.mark.slow
def test_an_untagged_requirement_is_untested_even_when_every_test_passes() -> None:
    findings, _ = verify_testing(UNTAGGED_FILTER_TEST)
    assert errors(findings, "testing.run") == []  # the suite is green...
    acceptance = errors(findings, "testing.acceptance")
    assert [f.location for f in acceptance] == ["FR-2"]  # ...but FR-2 has no test of its own
    assert acceptance[0].message.startswith("untested:")


def test_trace_says_passed_only_for_a_requirements_own_tests() -> None:
    from featureline.artifacts.testing import ExecutionReport

    testing = fx.testing_artifact().model_copy(
        update={
            "execution": ExecutionReport(
                command="pytest",
                passed=3,
                failed=1,
                errors=0,
                duration_s=1,
                output_tail="",
                ran_at=fx.now(),
                results=[
                    outcome("tests/test_notes.py::test_create_note", "passed", "FR-1"),
                    outcome(
                        "tests/test_notes.py::test_filter_by_tag_returns_only_matching_notes",
                        "failed",
                        "FR-2",
                    ),
                    outcome("tests/test_notes.py::test_another_user_cannot_read_my_note", "passed"),
                    outcome(
                        "tests/test_notes.py::test_stats_are_for_admins_only", "passed", "FR-4"
                    ),
                ],
            )
        }
    )
    artifacts = {
        "requirements": fx.requirements(deferred=("FR-4",)),
        "api_spec": fx.api_spec(),
        "testing": testing,
    }
    rows = {row.requirement: row.result for row in build_trace(artifacts)}
    assert (rows["FR-1"], rows["FR-2"], rows["FR-3"], rows["FR-4"]) == (
        "passed",
        "failed",
        "untested",
        "deferred",
    )


def test_junit_properties_carry_the_node_id_and_requirements(tmp_path: Path) -> None:
    junit = tmp_path / "j.xml"
    junit.write_text(
        '<testsuites><testsuite><testcase classname="tests.test_a.TestX" name="test_y" time="0.1">'
        '<properties><property name="featureline_nodeid" value="tests/test_a.py::TestX::test_y"/>'
        '<property name="featureline_requirement" value="FR-7"/></properties>'
        '<failure message="boom"/></testcase></testsuite></testsuites>'
    )
    [result] = junit_outcomes(junit)
    assert result.test_id == "tests/test_a.py::TestX::test_y"
    assert (result.outcome, result.requirement_ids, result.message) == ("failed", ["FR-7"], "boom")


READ_ONE = LoadResult(
    scenario="get",
    endpoint="GET /v1/notes/17",
    requests=100,
    p50_ms=3,
    p95_ms=9,
    throughput_rps=100,
    error_rate=0,
)
LIST = READ_ONE.model_copy(
    update={"scenario": "list", "endpoint": "GET /v1/notes", "p95_ms": 900.0}
)


def test_a_target_is_judged_on_its_own_operation_only() -> None:
    requirements = fx.requirements(nfr_requirement_ids=("FR-3",))
    api = fx.api_spec()
    [verdict] = compare_to_targets([READ_ONE, LIST], requirements, api=api)
    assert verdict.verdict == "met" and "p95 9.0 ms" in verdict.measured
    assert "GET /v1/notes/{note_id}" in verdict.operations
    [judged] = judge_targets([LIST], requirements, api)
    assert judged.verdict.verdict == "not_measured" and judged.why_not_measured == "mistargeted"
    assert "GET /v1/notes" in judged.verdict.evidence
    [deferred] = judge_targets(
        [READ_ONE], fx.requirements(nfr_requirement_ids=("FR-3",), deferred=("FR-3",)), api
    )
    assert deferred.verdict.verdict == "not_measured" and deferred.why_not_measured == "deferred"
    [whole] = judge_targets([READ_ONE, LIST], fx.requirements(), api)
    assert whole.verdict.verdict == "met"  # 5000 ms for the service as a whole, worst case 900
    assert whole.why_not_measured == "untargeted"  # the gate warns what it was judged on
    assert whole.verdict.operations == ["GET /v1/notes", "GET /v1/notes/17"]


def test_the_performance_check_rejects_claimed_verdicts_on_the_wrong_operation() -> None:
    context = CheckContext(
        FeatureRequest(title="n", text="notes"),
        {"r": fx.requirements(nfr_requirement_ids=("FR-3",)), "a": fx.api_spec()},
    )
    claimed = fx.performance_artifact()
    wrong = claimed.model_copy(
        update={
            "results": [LIST],
            "verdicts": [
                claimed.verdicts[0].model_copy(
                    update={
                        "verdict": "met",
                        "operations": ["GET /v1/notes"],
                        "measured": "p95 9 ms",
                    }
                )
            ],
        }
    )
    [finding] = verdicts_are_targeted(wrong, context)
    assert finding.severity == "error" and "GET /v1/notes/{note_id}" in finding.message
    not_met = wrong.model_copy(
        update={
            "verdicts": [
                wrong.verdicts[0].model_copy(
                    update={"verdict": "not_met", "operations": ["GET /v1/notes/{note_id}"]}
                )
            ]
        }
    )
    assert [f.severity for f in verdicts_are_targeted(not_met, context)] == ["error"]


@pytest.mark.slow
def test_a_load_run_on_the_wrong_operation_is_an_error_at_the_performance_gate() -> None:
    requirements = fx.requirements(nfr_requirement_ids=("FR-3",))
    upstream = {
        "requirements": requirements,
        "api_spec": fx.api_spec(),
        "implementation": fx.implementation(),
    }
    with Sandbox() as sandbox:
        wrong = verify_artifact(
            "performance", fx.performance_artifact("/v1/notes"), upstream, sandbox, "p/perf/1"
        )
        right = verify_artifact(
            "performance", fx.performance_artifact("/v1/notes/1"), upstream, sandbox, "p/perf/2"
        )
    assert wrong is not None and right is not None
    [mistargeted] = errors(wrong.findings, "performance.load_run")
    assert mistargeted.location == "NFR-1" and "not the target's operation" in mistargeted.message
    assert errors(right.findings, "performance.load_run") == []
    [verdict] = right.evidence["verdicts"]
    assert verdict["verdict"] == "met" and verdict["operations"] == ["GET /v1/notes/{note_id}"]
