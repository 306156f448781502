"""Security probes: the plan is spec- and rule-driven, and the runner catches seeded defects."""

from __future__ import annotations

import pytest

from featureline.artifacts.requirements import Rule
from featureline.checks.base import Finding
from featureline.sandbox import Sandbox
from featureline.verification.behaviour import verify_behaviour
from featureline.verification.probes import (
    operation_kind,
    probe_findings,
    probe_plan,
    required_roles,
    shared_operations,
)
from featureline.verification.service import (
    DemoUser,
    ServiceError,
    auth_header,
    demo_roles,
    parse_users,
)
from tests import gate_fixtures as fx


def security_errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.check == "implementation.security" and f.severity == "error"]


def run_probes(
    *defects: str, users_script: bool = True, rules: list[Rule] | None = None
) -> list[Finding]:
    requirements = fx.requirements()
    if rules is not None:
        requirements = requirements.model_copy(update={"rules": [*requirements.rules, *rules]})
    with Sandbox() as sandbox:
        verification = verify_behaviour(
            fx.implementation(*defects, users_script=users_script),
            fx.api_spec(),
            requirements,
            sandbox,
            "probes/impl/1",
            fuzz=False,
        )
    return verification.findings


def test_operation_kinds_follow_the_path_shape() -> None:
    assert operation_kind("POST", "/v1/notes") == ("create", "/v1/notes")
    assert operation_kind("GET", "/v1/notes") == ("list", "/v1/notes")
    assert operation_kind("GET", "/v1/notes/{note_id}") == ("get", "/v1/notes")
    assert operation_kind("PUT", "/v1/notes/{id}") == ("update", "/v1/notes")
    assert operation_kind("DELETE", "/v1/projects/{pid}/tasks/{id}") == (
        "delete",
        "/v1/projects/{pid}/tasks",
    )
    assert operation_kind("POST", "/v1/loans/{id}/return") == ("create", "/v1/loans/{id}/return")


def test_role_rules_and_shared_rules_reach_the_plan() -> None:
    api = fx.api_spec(stats_roles=())  # the spec forgot the role: the rule still reserves it
    requirements = fx.requirements()
    stats = next(e for e in api.endpoints if e.path == "/v1/stats")
    assert required_roles(stats, "list", "/v1/stats", requirements) == ["admin"]
    notes = next(e for e in api.endpoints if e.path == "/v1/notes" and e.method == "GET")
    assert required_roles(notes, "list", "/v1/notes", requirements) == []
    assert shared_operations("/v1/notes", requirements) == []
    shared = Rule(id="R-9", kind="shared", entity="Note", description="notes are public")
    with_shared = requirements.model_copy(update={"rules": [shared]})
    assert shared_operations("/v1/notes", with_shared) == ["get", "list"]
    editable = shared.model_copy(update={"operations": ["get", "list", "update"]})
    assert shared_operations(
        "/v1/notes", requirements.model_copy(update={"rules": [editable]})
    ) == [
        "get",
        "list",
        "update",
    ]
    users = [DemoUser("user", "1", "a"), DemoUser("user", "2", "b"), DemoUser("admin", "3", "c")]
    plan = probe_plan(api, requirements, users, "http://127.0.0.1:1", auth_header(api))
    by_op = {(o["method"], o["path"]): o for o in plan["operations"]}
    assert by_op[("GET", "/v1/stats")]["roles"] == ["admin"]
    assert plan["header"] == {"Authorization": "Bearer {token}"}


def test_demo_users_are_two_ordinary_ones_and_one_per_named_role() -> None:
    assert demo_roles(fx.api_spec(), fx.requirements()) == ["user", "user", "admin"]
    users = parse_users('noise\n{"users": [{"role": "user", "id": 1, "token": "t1"}]}', ["user"])
    assert users == [DemoUser("user", "1", "t1")]
    with pytest.raises(ServiceError, match="1 user"):
        parse_users('{"users": []}', ["user"])
    with pytest.raises(ServiceError, match="same token"):
        parse_users(
            '{"users": [{"role": "user", "token": "x"}, {"role": "user", "token": "x"}]}',
            ["user", "user"],
        )


def test_a_violation_names_the_operation_the_user_and_the_leak() -> None:
    report = [
        {
            "violation": {
                "probe": "cross_user",
                "operation": "GET /v1/notes/{note_id}",
                "user": "user",
                "status": 200,
                "expected": "404 or 403",
                "detail": 'user #2 read user #1\'s row 1: {"title": "secret"}',
            }
        },
        {"summary": {"requests": 3, "notes": ["could not create a row via POST /v1/x"]}},
    ]
    findings = probe_findings(report)
    assert findings[0].severity == "error" and findings[0].location == "GET /v1/notes/{note_id}"
    assert "secret" in findings[0].message and "expected 404 or 403, got 200" in findings[0].message
    assert findings[1].severity == "warning" and "not verified" in findings[1].message


@pytest.mark.slow
def test_a_correct_service_passes_every_probe() -> None:
    findings = run_probes()
    assert security_errors(findings) == []
    assert not [f for f in findings if f.severity == "warning" and "not verified" in f.message]


@pytest.mark.slow
def test_a_missing_ownership_check_is_caught_with_the_leaked_row() -> None:
    errors = security_errors(run_probes("no_ownership"))
    operations = {f.location for f in errors}
    assert operations == {
        "GET /v1/notes",
        "GET /v1/notes/{note_id}",
        "PATCH /v1/notes/{note_id}",
        "DELETE /v1/notes/{note_id}",
    }
    listed = next(f for f in errors if f.location == "GET /v1/notes")
    assert "probe title" in listed.message  # the leaked row itself


@pytest.mark.slow
def test_a_shared_rule_allows_reading_but_not_changing_others_rows() -> None:
    shared = Rule(id="R-9", kind="shared", entity="Note", description="everyone reads notes")
    errors = security_errors(run_probes("no_ownership", rules=[shared]))
    assert {f.location for f in errors} == {
        "PATCH /v1/notes/{note_id}",
        "DELETE /v1/notes/{note_id}",
    }


@pytest.mark.slow
def test_an_admin_only_operation_open_to_everyone_is_caught() -> None:
    errors = security_errors(run_probes("admin_open"))
    assert {f.location for f in errors} == {"GET /v1/stats"}
    assert all("expected 403, got 200" in f.message for f in errors)
    assert len(errors) == 2  # both ordinary demo users


@pytest.mark.slow
def test_an_operation_that_refuses_its_own_role_is_caught() -> None:
    errors = security_errors(run_probes("admin_refused"))
    assert [(f.location, "was refused" in f.message) for f in errors] == [("GET /v1/stats", True)]


@pytest.mark.slow
def test_a_service_that_accepts_a_bad_or_missing_token_is_caught() -> None:
    errors = security_errors(run_probes("bad_token_accepted"))
    auth = [f for f in errors if f.message.startswith("auth probe")]
    assert {f.location for f in auth} == {
        "POST /v1/notes",
        "GET /v1/notes",
        "GET /v1/notes/{note_id}",
        "PATCH /v1/notes/{note_id}",
        "DELETE /v1/notes/{note_id}",
        "GET /v1/stats",
    }
    assert any("as no token" in f.message for f in auth)
    assert any("as a bad token" in f.message for f in auth)


@pytest.mark.slow
def test_an_injectable_filter_that_lists_other_users_rows_is_caught() -> None:
    errors = security_errors(run_probes("sql_injection"))
    injection = [f for f in errors if f.message.startswith("injection probe")]
    assert [f.location for f in injection] == ["GET /v1/notes"]
    assert "listed others' rows" in injection[0].message or "got 5" in injection[0].message


@pytest.mark.slow
def test_sql_built_from_a_body_field_is_caught() -> None:
    errors = security_errors(run_probes("body_injection"))
    injection = [f for f in errors if f.message.startswith("injection probe")]
    assert [f.location for f in injection] == ["POST /v1/notes"], errors
    assert "body title=" in injection[0].message


@pytest.mark.slow
def test_without_a_users_script_the_probes_fail_loudly() -> None:
    errors = security_errors(run_probes(users_script=False))
    assert [f.location for f in errors] == ["users_script"]
    assert "no users_script" in errors[0].message
