"""fidelity.ownership: "their own", "see all" and "cancel any" in a request become who sees
and changes which rows in the requirements, whoever wrote them; the builtin honours what
it can and defers the rest instead of citing the sentence for a service that ignores it.

The sentences are written for these tests, none from the samples or the corpus.
"""

from __future__ import annotations

from typing import Any

from featureline.artifacts import RequirementsArtifact
from featureline.artifacts.requirements import Entity, EntityField, FunctionalRequirement, Rule
from featureline.checks.base import CheckContext, Finding
from featureline.checks.ownership import access_claims
from featureline.checks.runner import run_checks
from featureline.providers.builtin.requirements import build_requirements
from featureline.request import parse_request


def _entity(name: str, owned_by: str | None, *refs: str) -> Entity:
    fields = [EntityField(name="title", type="string")]
    fields += [EntityField(name=r, type="reference", references="user") for r in refs]
    return Entity(name=name, description=name, fields=fields, owned_by=owned_by)


def _artifact(
    entity: Entity, cited: str, *, status: str = "planned", rules: list[Rule] | None = None
) -> dict[str, Any]:
    fr = FunctionalRequirement(
        id="FR-1",
        title=f"List {entity.name}s",
        description=f"list {entity.name}s",
        priority="must",
        acceptance_criteria=[f"GET /v1/{entity.name}s returns 200"],
        source=cited,
        status=status,  # type: ignore[arg-type]
        status_note="not built" if status == "deferred" else "",
    )
    artifact = RequirementsArtifact(
        title="t",
        summary="s",
        actors=[],
        entities=[entity],
        rules=rules or [],
        functional=[fr],
        non_functional=[],
    )
    return artifact.model_dump()


def _ownership_errors(text: str, data: dict[str, Any]) -> list[Finding]:
    found = run_checks("requirements", data, CheckContext(request=parse_request(text)))
    return [f for f in found if f.check == "fidelity.ownership" and f.severity == "error"]


OWN = "Tenants log repair requests and see only their own."


def test_their_own_records_without_an_owner_are_an_error() -> None:
    [error] = _ownership_errors(OWN, _artifact(_entity("repair_request", None), OWN))
    assert "no owner" in error.message and "every user would read" in error.message
    assert not _ownership_errors(OWN, _artifact(_entity("repair_request", "user"), OWN))


def test_records_for_an_actor_are_theirs_by_that_field_not_by_their_creator() -> None:
    text = "Coaches plan training sessions for athletes. Athletes view their own sessions."
    cited = "Athletes view their own sessions."
    misowned = _entity("session", "user", "athlete")
    [error] = _ownership_errors(text, _artifact(misowned, cited))
    assert "whose athlete is them" in error.message
    assert not _ownership_errors(text, _artifact(_entity("session", "athlete", "athlete"), cited))


def test_see_all_of_private_records_needs_a_rule_for_that_actor() -> None:
    text = "Auditors see every expense report; staff see only their own."
    owned = _entity("expense_report", "user")
    [error] = _ownership_errors(text, _artifact(owned, text))
    assert "no rule lets auditors" in error.message
    grant = Rule(
        id="R-1",
        kind="role_required",
        entity="expense_report",
        roles=["auditor"],
        operations=["list", "get"],
        description="auditors read every report",
        source=text,
    )
    assert not _ownership_errors(text, _artifact(owned, text, rules=[grant]))


def test_a_sentence_cited_only_by_a_deferred_requirement_is_visibly_undone() -> None:
    data = _artifact(_entity("repair_request", None), OWN, status="deferred")
    assert not _ownership_errors(OWN, data)


def test_what_is_not_about_an_entity_makes_no_claim() -> None:
    entities = [_entity("invoice", None)]
    assert access_claims("Accountants see invoices of their own firm only.", entities) == []
    assert access_claims("Nobody can see the sky.", entities) == []
    [claim] = access_claims("Clerks cancel any invoice that is unpaid.", entities)
    assert (claim.subject, claim.entity.name, claim.access) == ("clerk", "invoice", "all")
    [made] = access_claims("Sellers see only the invoices they issued.", entities)
    assert (made.subject, made.entity.name, made.access) == ("seller", "invoice", "own")
    assert access_claims("Invoices they need are printed.", entities) == []


def test_the_builtin_owns_what_is_private_and_defers_what_it_cannot_scope() -> None:
    private = parse_request(
        "Drivers record fuel receipts with an amount and a station. "
        "Drivers see only their own receipts."
    )
    req = build_requirements(private)
    [receipt] = [e for e in req.entities if e.name == "receipt" or e.name.endswith("receipt")]
    assert receipt.owned_by is not None
    assert not _ownership_errors(private.text, req.model_dump())

    assigned = parse_request(
        "Tutors book lessons for students with a subject and a date. "
        "Students view their own lessons."
    )
    req = build_requirements(assigned)
    assert not _ownership_errors(assigned.text, req.model_dump())
    sentence = "Students view their own lessons."
    citing = [f for f in req.functional if f.source == sentence]
    assert citing and all(f.status == "deferred" for f in citing), citing


def test_rows_that_belong_to_a_private_record_are_private_too() -> None:
    """A private plan's exercises are private too: the requirements say so (and trace and
    test it), instead of presenting them as rows without an owner."""
    req = build_requirements(
        parse_request(
            "Coaches keep training plans with a title. A plan has exercises (name, "
            "repetitions). Coaches see only their own plans."
        )
    )
    owners = {e.name: e.owned_by for e in req.entities}
    assert owners["plan"] is not None
    assert owners["exercise"] is not None, owners
    assert any(r.source == "exercise" and r.target == "plan" for r in req.relations)
