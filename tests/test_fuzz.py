"""Conformance fuzzing with Schemathesis: bounded, reproducible, and it catches seeded defects."""

from __future__ import annotations

from typing import Any

import pytest

from featureline.checks.base import Finding
from featureline.sandbox import Sandbox
from featureline.verification import verify_artifact
from featureline.verification.fuzz import fuzz_findings
from tests import gate_fixtures as fx


def conformance_errors(findings: list[Finding]) -> list[Finding]:
    return [
        f for f in findings if f.check == "implementation.conformance" and f.severity == "error"
    ]


def verify_implementation(*defects: str) -> list[Finding]:
    upstream = {"requirements": fx.requirements(), "api_spec": fx.api_spec()}
    with Sandbox() as sandbox:
        verification = verify_artifact(
            "implementation", fx.implementation(*defects), upstream, sandbox, "fuzz/impl/1"
        )
    assert verification is not None
    return verification.findings


def test_each_distinct_failure_is_one_finding_with_a_curl_line() -> None:
    failure: dict[str, Any] = {
        "operation": "GET /v1/notes/{note_id}",
        "check": "not_a_server_error",
        "title": "Server error",
        "message": "",
        "method": "GET",
        "path": "/v1/notes/7",
        "query": {},
        "body": None,
        "status": "500",
        "curl": "curl -X GET -H 'Authorization: Bearer $TOKEN' http://127.0.0.1:1/v1/notes/7",
        "count": 3,
    }
    same_500 = {**failure, "check": "status_code_conformance", "title": "Undocumented status code"}
    findings = fuzz_findings(
        [{"failure": failure}, {"failure": same_500}, {"summary": {"errors": []}}]
    )
    assert len(findings) == 1  # the undocumented 500 is the same server error
    assert findings[0].location == "GET /v1/notes/{note_id}"
    assert "curl -X GET" in findings[0].message and "(3 cases)" in findings[0].message


def test_a_fuzz_run_without_a_summary_is_not_a_pass() -> None:
    findings = fuzz_findings([])
    assert [f.severity for f in findings] == ["error"]
    assert "not verified" in findings[0].message


@pytest.mark.slow
def test_a_conforming_service_passes_the_implementation_gate() -> None:
    findings = verify_implementation()
    assert [f for f in findings if f.severity == "error"] == []


@pytest.mark.slow
def test_a_server_error_and_an_undocumented_status_are_caught_and_reproducible() -> None:
    errors = conformance_errors(verify_implementation("server_error", "undocumented_status"))
    by_check = {(f.location, f.message.split(":", 1)[0]) for f in errors}
    assert ("POST /v1/notes", "status_code_conformance") in by_check
    server_errors = [f for f in errors if f.message.startswith("not_a_server_error")]
    assert server_errors, errors
    assert all("reproduce: curl" in f.message for f in errors)
    assert all("(500)" in f.message for f in server_errors)


@pytest.mark.slow
def test_robustness_probes_catch_big_ids_and_a_partial_allow_without_fuzzing() -> None:
    from featureline.verification.behaviour import verify_behaviour

    with Sandbox() as sandbox:
        verification = verify_behaviour(
            fx.implementation("unbounded_id", "partial_allow"),
            fx.api_spec(),
            fx.requirements(),
            sandbox,
            "robust/impl/1",
            fuzz=False,
        )
    errors = conformance_errors(verification.findings)
    messages = {(f.location, f.message.split(":", 1)[0]) for f in errors}
    assert ("GET /v1/notes/{note_id}", "robustness probe as user") in messages
    big = next(f for f in errors if f.location == "GET /v1/notes/{note_id}")
    assert "got 500" in big.message and "note_id=9223372036854775808" in big.message
    allow = [f for f in errors if "Allow lists" in f.message]
    assert {f.location for f in allow} == {"PUT /v1/notes", "PUT /v1/notes/{note_id}"}
