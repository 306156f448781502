"""The builtin specialist over the eight sample requests: valid, deterministic, consistent."""

from __future__ import annotations

import json
import sqlite3
from functools import cache
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from featureline.agents import load_agent
from featureline.artifacts import (
    ARTIFACT_TYPES,
    ApiSpecArtifact,
    Artifact,
    ImplementationArtifact,
    PerformanceArtifact,
    RequirementsArtifact,
    SchemaArtifact,
    TestingArtifact,
)
from featureline.language.sentences import sentences
from featureline.providers.base import Specialist, StepTask
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.builtin.resources import build_resources, map_requirements
from featureline.request import FeatureRequest, read_request

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = sorted((ROOT / "examples" / "requests").glob("*.md"))
STEPS = list(ARTIFACT_TYPES)  # the eight steps, in the specialist's order
INPUTS = {
    "requirements": [],
    "design": ["requirements"],
    "schema": ["requirements", "design"],
    "api_spec": ["requirements", "design"],
    "implementation": ["requirements", "schema", "api_spec"],
    "testing": ["requirements", "api_spec", "implementation"],
    "performance": ["requirements", "schema", "api_spec", "implementation"],
    "docs": [
        "requirements",
        "design",
        "schema",
        "api_spec",
        "implementation",
        "testing",
        "performance",
    ],
}


def make_task(
    request: FeatureRequest, kind: str, inputs: dict[str, Artifact], feedback: tuple[str, ...] = ()
) -> StepTask:
    agent = load_agent(ROOT / "agents" / "backend-specialist.md")
    return StepTask(
        run_id="t",
        step=kind,
        kind=kind,
        instructions="",
        agent=agent,
        request=request,
        inputs=inputs,
        attempt=1,
        feedback=feedback,
    )


def run_all(path: Path) -> dict[str, Artifact]:
    request = read_request(str(path))
    specialist = BuiltinSpecialist()
    done: dict[str, Artifact] = {}
    for kind in STEPS:
        result = specialist.produce(make_task(request, kind, {k: done[k] for k in INPUTS[kind]}))
        assert result.model == "featureline-builtin-1"
        assert result.usage.total_tokens == 0
        artifact = result.artifact
        assert not isinstance(artifact, dict)
        done[kind] = artifact
    return done


@cache
def pipeline(name: str) -> dict[str, Artifact]:
    return run_all(ROOT / "examples" / "requests" / name)


NAMES = [p.name for p in REQUESTS]


def test_eight_samples_exist() -> None:
    assert len(REQUESTS) == 8
    assert isinstance(BuiltinSpecialist(), Specialist)


@pytest.mark.parametrize("name", NAMES)
def test_artifacts_round_trip_and_are_deterministic(name: str) -> None:
    first = pipeline(name)
    second = run_all(ROOT / "examples" / "requests" / name)
    for kind in STEPS:
        art = first[kind]
        assert type(art).model_validate(art.model_dump()) == art
        assert art.model_dump_json() == second[kind].model_dump_json(), kind


@pytest.mark.parametrize("name", NAMES)
def test_requirements_ids_unique_and_generator_honest(name: str) -> None:
    req = pipeline(name)["requirements"]
    assert isinstance(req, RequirementsArtifact)
    ids = [f.id for f in req.functional] + [n.id for n in req.non_functional]
    assert len(ids) == len(set(ids))
    assert any("not by a language model" in a for a in req.assumptions)
    assert any("p95 latency" in n.metric for n in req.non_functional)
    assert all(f.acceptance_criteria for f in req.functional)


@pytest.mark.parametrize("name", NAMES)
def test_ddl_executes_on_sqlite(name: str) -> None:
    schema = pipeline(name)["schema"]
    assert isinstance(schema, SchemaArtifact)
    conn = sqlite3.connect(":memory:")
    conn.executescript(schema.ddl_for("sqlite") or "")
    for m in schema.migrations:
        if m.dialect == "sqlite":
            conn.executescript(m.down)
            conn.executescript(m.up)
    for t in schema.tables:
        leading = {i.columns[0] for i in t.indexes} | {c.name for c in t.columns if c.primary_key}
        for c in t.columns:
            if c.references:
                assert c.name in leading, f"{t.name}.{c.name} foreign key has no index"


@pytest.mark.parametrize("name", NAMES)
def test_ddl_executes_on_postgresql(name: str, pg_url: str) -> None:
    """On the server the schema check uses (pg_url fails under CI when it is down), in a
    throwaway schema that is rolled back."""
    from featureline.checks.databases import postgres_execute

    schema = pipeline(name)["schema"]
    assert isinstance(schema, SchemaArtifact)
    ddl = schema.ddl_for("postgresql")
    assert ddl is not None and "CREATE TABLE" in ddl
    assert postgres_execute(ddl) is None


@pytest.mark.parametrize("name", NAMES)
def test_openapi_valid_and_matches_endpoint_table(name: str) -> None:
    api = pipeline(name)["api_spec"]
    assert isinstance(api, ApiSpecArtifact)
    validate(api.openapi)
    ops = {(m.upper(), p) for p, item in api.openapi["paths"].items() for m in item}
    assert ops == {(e.method, e.path) for e in api.endpoints}
    assert all(e.path.startswith("/v1/") for e in api.endpoints)
    requirements = pipeline(name)["requirements"]
    assert isinstance(requirements, RequirementsArtifact)
    known = {f.id for f in requirements.functional} | {n.id for n in requirements.non_functional}
    assert all(e.requirement_ids and set(e.requirement_ids) <= known for e in api.endpoints)


@pytest.mark.parametrize("name", NAMES)
def test_implementation_compiles_and_routes_match_spec(name: str) -> None:
    impl = pipeline(name)["implementation"]
    api = pipeline(name)["api_spec"]
    testing = pipeline(name)["testing"]
    assert isinstance(impl, ImplementationArtifact) and isinstance(api, ApiSpecArtifact)
    assert isinstance(testing, TestingArtifact)
    for f in impl.files + testing.test_files:
        assert not f.path.startswith("/") and ".." not in f.path.split("/")
        if f.path.endswith(".py"):
            compile(f.content, f.path, "exec")
    source = "\n".join(f.content for f in impl.files if f.path.endswith(".py"))
    for e in api.endpoints:
        assert f'operation_id="{e.operation_id}"' in source
    assert 'f"SELECT' not in source and "f'SELECT" not in source


@pytest.mark.parametrize("name", NAMES)
def test_every_planned_fr_is_covered(name: str) -> None:
    req = pipeline(name)["requirements"]
    testing = pipeline(name)["testing"]
    assert isinstance(req, RequirementsArtifact) and isinstance(testing, TestingArtifact)
    covered = {c.requirement_id for c in testing.coverage if c.tests}
    assert {f.id for f in req.functional if f.status == "planned"} <= covered
    assert testing.execution is None
    files = {f.path for f in testing.test_files}
    for c in testing.coverage:
        for t in c.tests:
            assert t.split("::")[0] in files


@pytest.mark.parametrize("name", NAMES)
def test_performance_is_honest(name: str) -> None:
    perf = pipeline(name)["performance"]
    assert isinstance(perf, PerformanceArtifact)
    assert perf.results == []
    assert perf.verdicts and all(v.verdict == "not_measured" for v in perf.verdicts)
    compile(perf.load_test_script.content, perf.load_test_script.path, "exec")


def test_event_booking_guards_capacity() -> None:
    """'Never overbooked' is a planned rule: a 409 capacity check in a write transaction,
    exercised by a generated test through POST and PATCH."""
    req, mapping = _mapping("event-booking.md")
    fr = next(f for f in req.functional if "overbooked" in f.source)
    assert fr.title == "Never overbook events" and fr.status == "planned"
    assert any("409" in c for c in fr.acceptance_criteria)
    assert mapping[fr.id] == [("booking", "create"), ("booking", "update")]
    impl = pipeline("event-booking.md")["implementation"]
    assert isinstance(impl, ImplementationArtifact)
    router = next(f.content for f in impl.files if f.path.endswith("routers/bookings.py"))
    assert 'db.execute("BEGIN IMMEDIATE")' in router and "status_code=409" in router
    testing = pipeline("event-booking.md")["testing"]
    assert isinstance(testing, TestingArtifact)
    covered = next(c.tests for c in testing.coverage if c.requirement_id == fr.id)
    assert "tests/test_bookings.py::test_booking_never_exceeds_capacity" in covered


def test_expense_amount_is_decimal() -> None:
    req = pipeline("expense-tracker.md")["requirements"]
    assert isinstance(req, RequirementsArtifact)
    expense = next(e for e in req.entities if e.name == "expense")
    assert next(f for f in expense.fields if f.name == "amount").type == "decimal"
    schema = pipeline("expense-tracker.md")["schema"]
    assert "NUMERIC(12,2)" in (schema.ddl_for("postgresql") or "")  # type: ignore[attr-defined]


def test_project_task_status_enum_and_priority_range() -> None:
    req = pipeline("project-tasks.md")["requirements"]
    assert isinstance(req, RequirementsArtifact)
    task = next(e for e in req.entities if e.name == "task")
    status = next(f for f in task.fields if f.name == "status")
    assert status.type == "enum" and status.enum_values == ["todo", "doing", "done"]
    priority = next(f for f in task.fields if f.name == "priority")
    assert (priority.minimum, priority.maximum) == (1, 5)
    assert {r.target for r in req.relations if r.source == "task"} == {"project"}


def test_bookmarks_specifics() -> None:
    arts = pipeline("bookmarks.md")
    schema = arts["schema"]
    assert isinstance(schema, SchemaArtifact)
    assert {"users", "bookmarks", "tags", "bookmark_tags"} <= {t.name for t in schema.tables}
    api = arts["api_spec"]
    assert isinstance(api, ApiSpecArtifact)
    params = {p["name"] for p in api.openapi["paths"]["/v1/bookmarks"]["get"]["parameters"]}
    assert {"limit", "offset", "sort", "tag_id", "q"} <= params
    req = arts["requirements"]
    assert any(n.target == 50000 for n in req.non_functional)  # type: ignore[attr-defined]


def test_url_shortener_targets_and_rate_limit() -> None:
    arts = pipeline("url-shortener.md")
    req = arts["requirements"]
    assert isinstance(req, RequirementsArtifact)
    targets = {(n.comparator, n.target, n.unit) for n in req.non_functional}
    assert ("<", 20, "ms") in targets and (">=", 2000, "rps") in targets
    api = arts["api_spec"]
    assert isinstance(api, ApiSpecArtifact)
    assert (api.rate_limit.requests, api.rate_limit.per_seconds) == (100, 60)
    assert api.auth.scheme == "api_key"


def test_feedback_is_recorded_and_missing_inputs_fall_back() -> None:
    request = read_request(str(REQUESTS[0]))
    specialist = BuiltinSpecialist()
    req = specialist.produce(
        make_task(request, "requirements", {}, ("please add a due date",))
    ).artifact
    assert isinstance(req, RequirementsArtifact)
    assert any("Reviewer feedback considered" in a and "due date" in a for a in req.assumptions)
    docs = specialist.produce(make_task(request, "docs", {})).artifact
    assert not isinstance(docs, dict)
    assert "/v1/health" in json.dumps(docs.model_dump())


def test_delay_is_applied() -> None:
    import time

    request = read_request(str(REQUESTS[0]))
    started = time.perf_counter()
    BuiltinSpecialist(delay_s=0.05).produce(make_task(request, "requirements", {}))
    assert time.perf_counter() - started >= 0.05


def _mapping(name: str) -> tuple[RequirementsArtifact, dict[str, list[tuple[str, str]]]]:
    req = pipeline(name)["requirements"]
    assert isinstance(req, RequirementsArtifact)
    return req, map_requirements(req, build_resources(req))


def test_project_tasks_ownership_overdue_and_context() -> None:
    req, mapping = _mapping("project-tasks.md")
    project = next(e for e in req.entities if e.name == "project")
    assert project.owned_by == "user"
    assert "owner" not in {f.name for f in project.fields}  # the caller, not a client field
    by_title = {f.title: f for f in req.functional}
    assert mapping[by_title["List overdue tasks"].id] == [("task", "list")]
    assert any("overdue=true" in c for c in by_title["List overdue tasks"].acceptance_criteria)
    context = by_title["Teams organise work in projects"]
    assert context.status == "planned"
    assert ("project", "create") in mapping[context.id]
    rule = by_title["Rule: Assignee must be a project member"]
    assert (
        rule.status == "deferred"
        and rule.status_note == "not implemented by the builtin specialist"
    )
    assert not any(f.status == "planned" and mapping.get(f.id) == [] for f in req.functional)
    api = pipeline("project-tasks.md")["api_spec"]
    assert isinstance(api, ApiSpecArtifact)
    params = {p["name"] for p in api.openapi["paths"]["/v1/tasks"]["get"]["parameters"]}
    assert {"overdue", "due_before", "status", "assignee_id"} <= params
    impl = pipeline("project-tasks.md")["implementation"]
    assert isinstance(impl, ImplementationArtifact)
    code = "\n".join(f.content for f in impl.files)
    assert "status NOT IN ('done')" in code
    testing = pipeline("project-tasks.md")["testing"]
    assert isinstance(testing, TestingArtifact)
    assert any("def test_list_tasks_overdue" in f.content for f in testing.test_files)


def test_event_bookings_owned_by_attendee_and_upcoming_deferred() -> None:
    req, _ = _mapping("event-booking.md")
    booking = next(e for e in req.entities if e.name == "booking")
    assert booking.owned_by == "user"
    assert "attendee" not in {f.name for f in booking.fields}
    restrict = next(f for f in req.functional if f.title == "Restrict bookings to their owner")
    assert restrict.source == "Attendees see their upcoming bookings."
    upcoming = [f for f in req.functional if f.title == "Attendees see their upcoming bookings"]
    assert [f.status for f in upcoming] == ["deferred"]
    organisers = [f for f in req.functional if f.source.startswith("Organisers see")]
    assert organisers and all(
        f.status == "deferred" for f in organisers if not f.title.startswith("List ")
    )


def test_library_overdue_loans_and_mappings() -> None:
    req, mapping = _mapping("library-loans.md")
    overdue = next(f for f in req.functional if f.title == "List overdue loans")
    assert mapping[overdue.id] == [("loan", "list")]
    assert any("returned_at is empty" in c for c in overdue.acceptance_criteria)


def test_blog_moderation_maps_to_comments_and_roles_stay_deferred() -> None:
    req, mapping = _mapping("blog-moderation.md")
    moderate = next(f for f in req.functional if f.title == "Moderate comments")
    assert mapping[moderate.id] == [("comment", "update")]
    admins = next(f for f in req.functional if f.title == "Rule: Admins can edit anything")
    assert (
        admins.status == "deferred" and "roles are recorded but not enforced" in admins.description
    )


@pytest.mark.parametrize("name", NAMES)
def test_every_sentence_is_a_requirement_or_question(name: str) -> None:
    req = pipeline(name)["requirements"]
    assert isinstance(req, RequirementsArtifact)
    sources = {f.source for f in req.functional} | {n.source for n in req.non_functional}
    questions = " ".join(req.open_questions)
    for sentence in sentences(read_request(str(ROOT / "examples" / "requests" / name)).text):
        assert sentence in sources or sentence in questions, sentence


@pytest.mark.parametrize("name", NAMES)
def test_every_resource_is_owned_and_the_service_has_a_users_script(name: str) -> None:
    arts = pipeline(name)
    schema, api, impl = arts["schema"], arts["api_spec"], arts["implementation"]
    assert isinstance(schema, SchemaArtifact) and isinstance(api, ApiSpecArtifact)
    assert isinstance(impl, ImplementationArtifact)
    for table in schema.tables:
        if table.entity is not None:
            assert any(c.name == "owner_id" for c in table.columns), table.name
    assert impl.users_script is not None
    compile(impl.users_script.content, impl.users_script.path, "exec")
    doc = api.openapi
    for path, item in doc["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            if "requestBody" in op:
                assert {"400", "409", "422"} <= codes, (method, path)
            for p in op.get("parameters", []):
                if p["schema"].get("type") == "integer":
                    assert p["schema"].get("maximum") is not None, (method, path, p["name"])
