"""Mutation tests: every check, gate policy and sandbox verification is switched off in turn,
and the scenario that relies on it must then fail.

Each protection has a *scenario*: a seeded defect that the protection catches, asserted.
``test_protection_catches_its_seed`` runs it as is; ``test_disabled_protection_is_noticed``
switches the protection off (its function returns nothing) and requires the scenario to
fail — so the suite cannot stay green while a protection is gone. For checks it also
requires that the seeded artifact then passes every remaining check (the seed is caught by
that check alone, so the first test is really about it).

``CHECK_SEEDS`` must name every registered check: a check added without a seed here fails
``test_every_registered_check_has_a_seed``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from featureline import Pipeline
from featureline.artifacts import ARTIFACT_TYPES, Artifact, PerformanceArtifact
from featureline.checks import CheckContext, Finding, has_errors, run_checks
from featureline.checks import base as check_base
from featureline.checks.base import checks_for
from featureline.export import export_run
from featureline.language.sentences import sentences
from featureline.providers.base import StepResult, StepTask
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.builtin_critic import BuiltinCritic
from featureline.request import read_request
from featureline.review import Review
from featureline.sandbox import Sandbox
from featureline.verification import FuzzBounds, verify_artifact
from tests import gate_fixtures as fx
from tests.clihelpers import invoke
from tests.conftest import REQUESTS
from tests.runhelpers import (
    Tamper,
    Tampering,
    disable,
    empty_result_like,
    find_function,
    pipeline_file,
)

PROJECT_TASKS = str(REQUESTS / "project-tasks.md")
BOOKMARKS = str(REQUESTS / "bookmarks.md")

# ---------------------------------------------------------------------------------------
# checks: good builtin artifacts, and one seeded defect per check
# ---------------------------------------------------------------------------------------


@cache
def _good() -> dict[str, Artifact]:
    from featureline.agents import load_agents
    from featureline.paths import default_agents_dir

    agent = load_agents(default_agents_dir())["backend-specialist"]
    request = read_request(PROJECT_TASKS)
    done: dict[str, Artifact] = {}
    for kind in ARTIFACT_TYPES:
        task = StepTask("t", kind, kind, "", agent, request, dict(done), 1)
        artifact = BuiltinSpecialist().produce(task).artifact
        assert isinstance(artifact, Artifact)
        done[kind] = artifact
    return done


def _json(artifact: Artifact) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(artifact.model_dump(mode="json")))
    return data


Upstream = dict[str, Artifact]
Seed = Callable[[dict[str, Any], Upstream], None]


def _openapi_edit(data: dict[str, Any], edit: Callable[[dict[str, Any]], None]) -> None:
    document = json.loads(data["openapi_json"])
    edit(document)
    data["openapi_json"] = json.dumps(document)


def _first_operation(document: dict[str, Any]) -> dict[str, Any]:
    path = next(p for p in document["paths"] if p != "/v1/health")
    operation: dict[str, Any] = next(iter(document["paths"][path].values()))
    return operation


def _dangling_ref(document: dict[str, Any]) -> None:
    # in an extension, where the OpenAPI validator does not follow it: only refs_resolve looks
    _first_operation(document)["x-see-also"] = {"$ref": "#/components/responses/Teapot"}


def _tasks_table(data: dict[str, Any]) -> dict[str, Any]:
    table: dict[str, Any] = next(t for t in data["tables"] if t["name"] == "tasks")
    return table


def _unindexed_fk(data: dict[str, Any], _: Upstream) -> None:
    table = _tasks_table(data)
    fk = next(c for c in table["columns"] if c["references"])
    table["indexes"] = [i for i in table["indexes"] if i["columns"][0] != fk["name"]]


def _dangling_fk(data: dict[str, Any], _: Upstream) -> None:
    fk = next(c for c in _tasks_table(data)["columns"] if c["references"])
    fk["references"]["column"] = "nope"


def _ddl_lacks_column(data: dict[str, Any], _: Upstream) -> None:
    _tasks_table(data)["columns"].append({"name": "colour", "type": "text"})


def _sqlite_only_ddl(data: dict[str, Any], _: Upstream) -> None:
    ddl = "CREATE TABLE widgets (id INTEGER PRIMARY KEY AUTOINCREMENT, made DATETIME NOT NULL);"
    for entry in data["ddl"]:
        if entry["dialect"] == "postgresql":
            entry["sql"] = ddl


def _down_keeps_a_table(data: dict[str, Any], _: Upstream) -> None:
    for migration in data["migrations"]:
        if migration["dialect"] == "sqlite":
            migration["down"] = "DROP TABLE IF EXISTS comments;"


def _entity_without_table(data: dict[str, Any], upstream: Upstream) -> None:
    requirements = _json(upstream["requirements"])
    entity = json.loads(json.dumps(requirements["entities"][0]))
    entity["name"] = "Invoice"
    requirements["entities"].append(entity)
    upstream["requirements"] = ARTIFACT_TYPES["requirements"].model_validate(requirements)


def _upstream_api_has_unbacked_field(data: dict[str, Any], upstream: Upstream) -> None:
    api = _json(upstream["api_spec"])
    _openapi_edit(
        api,
        lambda d: d["components"]["schemas"]["Task"]["properties"].update(
            {"colour": {"type": "string"}}
        ),
    )
    upstream["api_spec"] = ARTIFACT_TYPES["api_spec"].model_validate(api)


def _add_file(path: str, content: str) -> Seed:
    def seed(data: dict[str, Any], _: Upstream) -> None:
        data["files"].append({"path": path, "content": content, "purpose": "seeded defect"})

    return seed


def _failed_report(data: dict[str, Any], _: Upstream) -> None:
    data["execution"] = {
        "command": "python -m pytest -q",
        "passed": 3,
        "failed": 1,
        "errors": 0,
        "duration_s": 1.0,
        "output_tail": "1 failed, 3 passed",
        "ran_at": "2026-11-26T00:00:00Z",
    }


def _undocumented_endpoint(data: dict[str, Any], upstream: Upstream) -> None:
    endpoint = upstream["api_spec"].endpoints[1]  # type: ignore[attr-defined]
    for field in ("api_reference", "readme"):
        data[field] = data[field].replace(endpoint.path, "/gone")


def _set(field: str, value: Any) -> Seed:
    def seed(data: dict[str, Any], _: Upstream) -> None:
        data[field] = value

    return seed


def _on_first(collection: str, field: str, value: Any, index: int = 0) -> Seed:
    def seed(data: dict[str, Any], _: Upstream) -> None:
        data[collection][index][field] = value

    return seed


def _duplicate_id(data: dict[str, Any], _: Upstream) -> None:
    data["functional"][1]["id"] = data["functional"][0]["id"]


def _unserved_requirement(data: dict[str, Any], _: Upstream) -> None:
    for component in data["components"]:
        component["serves"] = [r for r in component["serves"] if r != "FR-1"]


def _uncovered_requirement(data: dict[str, Any], _: Upstream) -> None:
    data["coverage"] = [c for c in data["coverage"] if c["requirement_id"] != "FR-1"]


def _duplicate_operation_id(data: dict[str, Any], _: Upstream) -> None:
    data["endpoints"][3]["operation_id"] = data["endpoints"][4]["operation_id"]


def _entity(data: dict[str, Any], name: str) -> dict[str, Any]:
    entity: dict[str, Any] = next(e for e in data["entities"] if e["name"] == name)
    return entity


def _field(data: dict[str, Any], entity: str, name: str) -> dict[str, Any]:
    field: dict[str, Any] = next(f for f in _entity(data, entity)["fields"] if f["name"] == name)
    return field


def _nothing_to_build(data: dict[str, Any], _: Upstream) -> None:
    # no functional requirement at all; the request's sentences are still cited (as open
    # questions), so only requirements.coverage can object
    data["functional"] = []
    data["open_questions"] += sentences(read_request(PROJECT_TASKS).text)


def _no_entity(data: dict[str, Any], _: Upstream) -> None:
    # what the entities modelled is kept elsewhere (rule fields, scope and values), so only
    # the missing subject is wrong
    data["entities"] = []
    data["rules"].append(
        {
            "id": "R-9",
            "kind": "other",
            "entity": "task",
            "fields": ["status", "task", "project", "comment"],
            "scope": ["assignee"],
            "values": ["todo", "doing", "done"],
            "description": "what the entities held",
        }
    )


def _uncited_sentence(data: dict[str, Any], _: Upstream) -> None:
    # 'Teams organise work in projects.' is cited only by one FR (its id moves as others come)
    sentence = "Teams organise work in projects."
    citing = [f for f in data["functional"] if f["source"] == sentence]
    assert len(citing) == 1, citing
    data["functional"] = [f for f in data["functional"] if f["source"] != sentence]


def _invented_quote(data: dict[str, Any], _: Upstream) -> None:
    _field(data, "task", "title")["source"] = "a catchy headline"


def _acted_on_noun_unmodelled(data: dict[str, Any], _: Upstream) -> None:
    # the tasks the members create become 'todo' records (a word of the request, so grounded)
    task = _entity(data, "task")
    task["name"] = task["source"] = "todo"


def _citation_not_support(data: dict[str, Any], _: Upstream) -> None:
    # 'Filter tasks by status, assignee' becomes a filter by priority: its citation ('list
    # tasks by status and assignee') still covers the sentence, but says nothing of priority
    fr = next(f for f in data["functional"] if f["title"].startswith("Filter tasks"))
    fr["title"] = "Filter tasks by priority"


def _listed_values_not_an_enum(data: dict[str, Any], _: Upstream) -> None:
    # the comment requirement claims the added sentence, whose tones no field holds
    fr = next(f for f in data["functional"] if f["title"] == "Create comment")
    fr["source"] = f"{fr['source']} {TONES}"


def _range_bounds_nothing(data: dict[str, Any], _: Upstream) -> None:
    _field(data, "task", "priority").update(minimum=None, maximum=None)
    data["rules"] = [r for r in data["rules"] if r["kind"] != "range"]


def _verb_without_its_operation(data: dict[str, Any], _: Upstream) -> None:
    # 'Get task' (FR-9) moves from GET /v1/tasks/{id} (which now traces to 'Update task')
    # to DELETE /v1/tasks/{id}: every operation and requirement is still traced, but no
    # operation serving FR-9 can get
    for endpoint in data["endpoints"]:
        if endpoint["path"] == "/v1/tasks/{id}" and endpoint["method"] == "GET":
            endpoint["requirement_ids"] = ["FR-10"]
        elif endpoint["path"] == "/v1/tasks/{id}" and endpoint["method"] == "DELETE":
            endpoint["requirement_ids"] = [*endpoint["requirement_ids"], "FR-9"]


def _extra_endpoint_id(data: dict[str, Any], _: Upstream) -> None:
    # an unknown FR beside the real ones (the operation still serves what it served)
    data["endpoints"][1]["requirement_ids"].append("FR-999")


def _untagged_requirement(data: dict[str, Any], _: Upstream) -> None:
    marker = "@pytest.mark.requirement('FR-14')\n"
    files = [f for f in data["test_files"] if marker in f["content"]]
    assert files, "no test tagged FR-14 to untag"
    for file in files:
        file["content"] = file["content"].replace(marker, "")


# The request (project-tasks.md) states no rule phrase: this seed's request adds one, cited
# only as an open question, so the requirements mention it but hold no rule for it. The
# same for a list of values (TONES).
AT_MOST_ONE = "A task has at most one assignee."


# (Not the request's own 'a status (todo, doing, done)': its values are also a
# requirement's words, so the seed would change more than one check sees.)
TONES = "A comment has a tone (friendly, neutral, harsh)."


def _rule_phrase_not_a_rule(data: dict[str, Any], _: Upstream) -> None:
    data["open_questions"].append(AT_MOST_ONE)


# A rule that claims to build this sentence while tasks have no owner (readable by everyone)
# is what fidelity.ownership stops.
OWN_TASKS = "Members see only their own tasks."


def _own_records_not_owned(data: dict[str, Any], _: Upstream) -> None:
    _entity(data, "task")["owned_by"] = None
    data["rules"].append(
        {
            "id": "R-90",
            "kind": "other",
            "entity": "task",
            "description": "members see only their own tasks",
            "source": OWN_TASKS,
        }
    )


def _target_not_met(data: dict[str, Any], _: Upstream) -> None:
    verdict = data["verdicts"][0]
    operation = verdict["operations"][0]
    data["results"] = [
        {
            "scenario": "list",
            "endpoint": operation,
            "requests": 500,
            "p50_ms": 400.0,
            "p95_ms": 900.0,
            "throughput_rps": 50.0,
            "error_rate": 0.0,
        }
    ]
    verdict.update(verdict="not_met", measured="p95 900.0 ms", operations=[operation])


UNSAFE_SQL = (
    "def q(db, name):\n    return db.execute(f\"SELECT * FROM tasks WHERE title = '{name}'\")\n"
)

CHECK_SEEDS: dict[str, Seed] = {
    "requirements.ids": _duplicate_id,
    "requirements.acceptance": _on_first("functional", "acceptance_criteria", ["  "], 2),
    "requirements.measurable": _on_first("non_functional", "unit", ""),
    "requirements.coverage": _nothing_to_build,
    "design.requirements_served": _unserved_requirement,
    "design.diagram": lambda d, _: d.update(mermaid=d["mermaid"] + "\n    service --> ghost"),
    "schema.sqlite_executes": _ddl_lacks_column,
    "schema.postgres_executes": _sqlite_only_ddl,
    "schema.migrations": _down_keeps_a_table,
    "schema.foreign_keys": _dangling_fk,
    "schema.foreign_keys_indexed": _unindexed_fk,
    "schema.entities_have_tables": _entity_without_table,
    "api_spec.openapi_valid": lambda d, _: _openapi_edit(d, lambda o: o.update(openapi="3.0.3")),
    "api_spec.refs_resolve": lambda d, _: _openapi_edit(d, _dangling_ref),
    "api_spec.endpoints_match": _duplicate_operation_id,
    "api_spec.traceability": _extra_endpoint_id,
    "api_spec.fields_match_schema": lambda d, u: _openapi_edit(
        d,
        lambda o: o["components"]["schemas"]["Task"]["properties"].update(
            {"colour": {"type": "string"}}
        ),
    ),
    "implementation.paths": _add_file("/etc/evil.py", "x = 1\n"),
    "implementation.compiles": _add_file("app/broken.py", "def f(:\n"),
    "implementation.parameterised_sql": _add_file("app/unsafe.py", UNSAFE_SQL),
    "implementation.payloads_match_schema": _upstream_api_has_unbacked_field,
    "testing.files": lambda d, _: d["test_files"].append(
        {"path": "tests/test_broken.py", "content": "def test_x(:\n", "purpose": "seeded"}
    ),
    "testing.coverage": _uncovered_requirement,
    "testing.report": _failed_report,
    "performance.verdicts": _set("verdicts", []),
    "docs.endpoints": _undocumented_endpoint,
    "docs.run_instructions": _set("runbook", " "),
    "fidelity.subject": _no_entity,
    "fidelity.sentences": _uncited_sentence,
    "fidelity.grounding": _invented_quote,
    "fidelity.support": _citation_not_support,
    "fidelity.nouns": _acted_on_noun_unmodelled,
    "fidelity.enums": _listed_values_not_an_enum,
    "fidelity.ranges": _range_bounds_nothing,
    "fidelity.rules": _rule_phrase_not_a_rule,
    "fidelity.operations": _verb_without_its_operation,
    "fidelity.ownership": _own_records_not_owned,
    "testing.requirements": _untagged_requirement,
    "performance.targets": _target_not_met,
}

# A check that reports under another name (a shared helper's): the names its errors carry.
FINDING_NAMES = {"implementation.payloads_match_schema": {"api_spec.fields_match_schema"}}
NEEDS_POSTGRES = {"schema.postgres_executes"}
# A seed whose defect needs words the request lacks: the sentence appended to the request.
REQUEST_ADDITIONS = {
    "fidelity.rules": AT_MOST_ONE,
    "fidelity.enums": TONES,
    "fidelity.ownership": OWN_TASKS,
}


def registered_checks() -> dict[str, str]:
    """Every registered check name -> its artifact kind."""
    return {name: kind for kind in ARTIFACT_TYPES for name, _ in checks_for(kind)}


def _seeded(name: str) -> tuple[str, dict[str, Any], CheckContext]:
    kind = registered_checks()[name]
    upstream: Upstream = {k: v for k, v in _good().items() if k != kind}
    data = _json(_good()[kind])
    CHECK_SEEDS[name](data, upstream)
    request = read_request(PROJECT_TASKS)
    if name in REQUEST_ADDITIONS:
        request = request.model_copy(update={"text": f"{request.text} {REQUEST_ADDITIONS[name]}"})
    return kind, data, CheckContext(request=request, upstream=upstream)


def check_scenario(name: str) -> Callable[[Path], None]:
    def scenario(_: Path) -> None:
        kind, data, context = _seeded(name)
        names = FINDING_NAMES.get(name, {name})
        caught = [f for f in run_checks(kind, data, context) if f.check in names]
        assert any(f.severity == "error" for f in caught), f"{name} missed its seeded defect"

    return scenario


def disable_check(name: str) -> Callable[[pytest.MonkeyPatch], None]:
    def switch_off(monkeypatch: pytest.MonkeyPatch) -> None:
        kind = registered_checks()[name]

        def nothing(artifact: Any, context: CheckContext) -> list[Finding]:
            return []

        entries = [(n, nothing if n == name else f) for n, f in checks_for(kind)]
        monkeypatch.setitem(check_base._REGISTRY, kind, entries)

    return switch_off


# ---------------------------------------------------------------------------------------
# gates and sandbox verification: scenarios through the engine
# ---------------------------------------------------------------------------------------


def _broken_design(data: dict[str, Any]) -> None:
    data["mermaid"] += "\n    service --> ghost_queue"


def _gate_none_fails_a_broken_step(tmp_path: Path) -> None:
    """gates: none — checks still failing after the last attempt fail the step."""
    graph = pipeline_file(tmp_path, ["requirements", "design"], max_attempts=2)
    pipeline = Pipeline.load(
        graph, provider=Tampering("design", _broken_design, times=9), gates="none", verify=False
    )
    view = pipeline.run(BOOKMARKS)
    design = view.step("design")
    assert view.status == "failed", view.status
    assert design.approved_attempt is None and design.attempts == 2
    assert [r.verdict for r in design.reviews] == ["failed"]


def _gate_auto_asks_a_human(tmp_path: Path) -> None:
    """gates: auto — checks still failing after the last attempt wait for a person, who
    cannot approve it."""
    from featureline.errors import ReviewError

    graph = pipeline_file(tmp_path, ["requirements", "design"], max_attempts=2)
    pipeline = Pipeline.load(
        graph, provider=Tampering("design", _broken_design, times=9), gates="auto", verify=False
    )
    view = pipeline.run(BOOKMARKS)
    assert view.status == "waiting", view.status
    assert view.pending[0].step == "design" and view.pending[0].errors > 0
    with pytest.raises(ReviewError, match="cannot be approved"):
        pipeline.review(view.info.run_id, approve=True)
    assert pipeline.status(view.info.run_id).step("design").approved_attempt is None


def _gate_human_waits(tmp_path: Path) -> None:
    """gates: human — a clean artifact still waits for a person."""
    graph = pipeline_file(tmp_path, ["requirements"])
    pipeline = Pipeline.load(graph, provider=BuiltinSpecialist(), gates="human", verify=False)
    view = pipeline.run(BOOKMARKS)
    assert view.status == "waiting" and view.pending[0].step == "requirements", view.status
    view = pipeline.review(view.info.run_id, approve=True, reviewer="ana")
    assert view.status == "done"
    assert [(r.verdict, r.reviewer) for r in view.step("requirements").reviews] == [
        ("approve", "ana")
    ]


def _no_error_responses(data: dict[str, Any]) -> None:
    from featureline.artifacts.api_spec import Endpoint
    from featureline.providers.builtin_critic import is_health_endpoint

    endpoint = next(
        e for e in data["endpoints"] if not is_health_endpoint(Endpoint.model_validate(e))
    )
    endpoint["error_statuses"] = []


def _gate_critic_rejects(tmp_path: Path) -> None:
    """gates: critic — an artifact the checks pass but a reviewer rejects is revised."""
    graph = pipeline_file(tmp_path, ["requirements", "design", "api_spec"])
    pipeline = Pipeline.load(
        graph, provider=Tampering("api_spec", _no_error_responses), gates="critic", verify=False
    )
    view = pipeline.run(BOOKMARKS)
    api_spec = view.step("api_spec")
    assert not has_errors(api_spec.findings[1])  # the checks pass the seeded defect
    assert api_spec.approved_attempt == 2, api_spec.approved_attempt
    rejected = [r for r in api_spec.reviews if r.attempt == 1 and r.verdict == "reject"]
    assert [r.reviewer for r in rejected] == ["critic:api-reviewer"]


class FixtureNotes:
    """The hand-written notes service of ``tests/gate_fixtures.py`` as a provider, one
    artifact per step. (The builtin's own notes service cannot pass the implementation gate
    now: Schemathesis' negative_data_rejection fails its list on an unknown query parameter.)"""

    name = "fixture-notes"

    def produce(self, task: StepTask) -> StepResult:
        return StepResult(artifact=FIXTURE_ARTIFACTS[task.kind](), model="fixture")


FIXTURE_ARTIFACTS: dict[str, Callable[[], Artifact]] = {
    "requirements": lambda: fx.requirements(nfr_requirement_ids=("FR-3",)),
    "api_spec": fx.api_spec,
    "implementation": fx.implementation,
    "testing": fx.testing_artifact,
    "performance": lambda: _load_run(fx.performance_artifact("/v1/notes/1")),
}
FIXTURE_REQUEST = (
    "Users create notes with a title and filter their notes by tag. Only the owner reads, "
    "changes or deletes a note. Admins see statistics."
)
FIXTURE_STEPS = ["requirements", "api_spec", "implementation"]


def _load_run(artifact: PerformanceArtifact) -> PerformanceArtifact:
    """120 requests on the target's own operation (reading one note), latencies rounded to
    0.01 ms as a real load tool prints them (so the Results table shows them whole)."""
    script = artifact.load_test_script
    content = script.content
    for raw in ("times[len(times) // 2]", "times[int(len(times) * 0.95) - 1]"):
        assert raw in content, raw
        content = content.replace(raw, f"round({raw}, 2)")
    return artifact.model_copy(
        update={
            "load_test_command": f"{artifact.load_test_command} --requests 120",
            "load_test_script": script.model_copy(update={"content": content}),
        }
    )


def _fixture_run(tmp_path: Path, steps: list[str], step: str, tamper: Tamper) -> Any:
    pipeline = Pipeline.load(
        pipeline_file(tmp_path, steps), provider=Tampering(step, tamper, fallback=FixtureNotes())
    )
    return pipeline, pipeline.run(FIXTURE_REQUEST)


def _drop_a_route(data: dict[str, Any]) -> None:
    old = '@app.delete("/v1/notes/{note_id}"'
    for file in data["files"]:
        if old in file["content"]:
            file["content"] = file["content"].replace(old, '@app.delete("/v1/notes/{note_id}/gone"')
            return
    raise AssertionError("no delete route to tamper with")


def _verify_routes(tmp_path: Path) -> None:
    """The app, imported in the sandbox, must serve exactly the spec's operations."""
    _, view = _fixture_run(tmp_path, FIXTURE_STEPS, "implementation", _drop_a_route)
    implementation = view.step("implementation")
    errors = [f for f in implementation.findings[1] if f.severity == "error"]
    assert any(
        f.check == "implementation.routes" and "not served by the app" in f.message for f in errors
    ), errors
    assert implementation.approved_attempt == 2, implementation.findings
    assert implementation.evidence[2]["routes"], "the served routes are kept as evidence"


def _failing_generated_test(data: dict[str, Any]) -> None:
    data["test_files"].append(
        {
            "path": "tests/test_seeded_failure.py",
            "content": "def test_deliberately_wrong():\n    assert 1 == 2\n",
            "purpose": "seeded defect",
        }
    )


def _verify_tests(tmp_path: Path) -> None:
    """The generated tests run in the sandbox; a failing one sends the step back, and the
    measured report reaches show and trace."""
    steps = [*FIXTURE_STEPS, "testing"]
    _, view = _fixture_run(tmp_path, steps, "testing", _failing_generated_test)
    testing = view.step("testing")
    failed = [f for f in testing.findings[1] if f.check == "testing.run" and f.severity == "error"]
    assert [f.location for f in failed] == [
        "tests/test_seeded_failure.py::test_deliberately_wrong"
    ], testing.findings[1]
    assert testing.approved_attempt == 2, testing.findings
    report = testing.evidence[2]["execution"]
    assert report["failed"] == 0 and report["passed"] >= 5
    code, output = invoke("trace", view.info.run_id)
    assert code == 0 and "passed" in output and "not run" not in output, output


def _load_the_wrong_operation(data: dict[str, Any]) -> None:
    command = data["load_test_command"]
    assert "--path /v1/notes/1 " in command, command
    data["load_test_command"] = command.replace("--path /v1/notes/1 ", "--path /v1/notes ")


def _verify_load(tmp_path: Path) -> None:
    """The performance gate: a load run on another operation than the target's is caught;
    the revised run's p50/p95 are measured in the sandbox, compared with the target, and
    shown in show and the export."""
    steps = [*FIXTURE_STEPS, "performance"]
    pipeline, view = _fixture_run(tmp_path, steps, "performance", _load_the_wrong_operation)
    performance = view.step("performance")
    errors = [f for f in performance.findings[1] if f.severity == "error"]
    assert any(
        f.check == "performance.load_run"
        and f.location == "NFR-1"
        and "not the target's operation" in f.message
        for f in errors
    ), performance.findings[1]
    assert performance.approved_attempt == 2, performance.findings
    evidence = performance.evidence[2]
    (result,) = evidence["results"]
    assert result["requests"] >= 100 and 0 < result["p50_ms"] <= result["p95_ms"]
    assert result["error_rate"] == 0
    (verdict,) = evidence["verdicts"]
    assert verdict["nfr_id"] == "NFR-1" and verdict["target"] == "< 5000 ms"
    assert verdict["operations"] == ["GET /v1/notes/{note_id}"]
    assert verdict["measured"] == f"p95 {result['p95_ms']:.1f} ms"
    assert verdict["verdict"] == ("met" if result["p95_ms"] < 5000 else "not_met")

    run_id = view.info.run_id
    code, text = invoke("show", run_id, "performance")
    assert code == 0, text
    assert verdict["measured"] in text and "featureline load run in the sandbox" in text
    assert f"{result['p95_ms']:g}" in text  # the Results table

    out = tmp_path / "export"
    export_run(pipeline.status(run_id), out)
    (markdown,) = out.glob("*-performance.md")
    exported = markdown.read_text()
    assert f"| NFR-1 | < 5000 ms | {verdict['measured']} | {verdict['verdict']} |" in exported
    (artifact_file,) = (out / "artifacts").glob("*-performance.json")
    artifact = json.loads(artifact_file.read_text())
    assert artifact["results"][0]["p95_ms"] == result["p95_ms"]


# The behavioural steps at the gate itself (``verify_artifact``), on the fixture service with
# one seeded defect each: what the engine does with their findings is shown above.
SMALL_FUZZ = FuzzBounds(max_examples=2, max_seconds=6)


def _verified(kind: str, artifact: Artifact, bounds: FuzzBounds = SMALL_FUZZ) -> Any:
    upstream: dict[str, Any] = {
        "requirements": fx.requirements(),
        "api_spec": fx.api_spec(),
        "implementation": fx.implementation(),
    }
    with Sandbox() as sandbox:
        verification = verify_artifact(
            kind, artifact, upstream, sandbox, f"g/{kind}/1", bounds=bounds
        )
    assert verification is not None
    return verification


def _errors(findings: list[Finding], check: str) -> list[Finding]:
    return [f for f in findings if f.check == check and f.severity == "error"]


def _verify_behaviour(_: Path) -> None:
    """With the routes right, the implementation gate starts the service and probes and
    fuzzes it: an admin-only operation open to everyone is an error."""
    verification = _verified("implementation", fx.implementation("admin_open"))
    security = _errors(verification.findings, "implementation.security")
    assert any("/v1/stats" in f.location + f.message for f in security), verification.findings
    timings = verification.evidence["behaviour_timings"]
    assert {"probes_s", "fuzz_s"} <= set(timings), timings


def _verify_probes(_: Path) -> None:
    """Security probes: another user's note must not be readable."""
    verification = _verified("implementation", fx.implementation("no_ownership"))
    security = _errors(verification.findings, "implementation.security")
    assert any("/v1/notes/{note_id}" in f.location + f.message for f in security), (
        verification.findings
    )
    assert verification.evidence["probes"], "the probe summary is kept as evidence"


def _verify_fuzz(_: Path) -> None:
    """Conformance fuzzing: a status the spec does not document is an error, reproducible."""
    verification = _verified(
        "implementation", fx.implementation("undocumented_status"), FuzzBounds()
    )
    conformance = _errors(verification.findings, "implementation.conformance")
    assert any(
        f.location == "POST /v1/notes"
        and f.message.startswith("status_code_conformance")
        and "reproduce: curl" in f.message
        for f in conformance
    ), verification.findings


UNTAGGED_FILTER_TEST = fx.TESTS.replace('@pytest.mark.requirement("FR-2")\n', "")


def _verify_acceptance(_: Path) -> None:
    """The testing gate: a requirement no test of its own verified is an error, even when
    every test passes."""
    assert UNTAGGED_FILTER_TEST != fx.TESTS
    verification = _verified("testing", fx.testing_artifact(UNTAGGED_FILTER_TEST))
    assert _errors(verification.findings, "testing.run") == []
    acceptance = _errors(verification.findings, "testing.acceptance")
    assert [(f.location, f.message.split(":")[0]) for f in acceptance] == [("FR-2", "untested")]


def _approve_everything(self: Any, task: StepTask, artifact: Any, reviewer: Any) -> Review:
    return Review(verdict="approve", summary="", issues=[], suggestions=[])


def _gate_sees_no_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    disable(monkeypatch, "findings_of", lambda *args, **kwargs: [])


def _never_ask_a_human(monkeypatch: pytest.MonkeyPatch) -> None:
    disable(monkeypatch, "needs_human", lambda *args, **kwargs: False)


def _critic_approves_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(BuiltinCritic, "review", _approve_everything)


def _verifier_returns_nothing(name: str) -> Callable[[pytest.MonkeyPatch], None]:
    def switch_off(monkeypatch: pytest.MonkeyPatch) -> None:
        disable(monkeypatch, name, empty_result_like(find_function(name)))

    return switch_off


def _step_finds_nothing(name: str) -> Callable[[pytest.MonkeyPatch], None]:
    """A step inside a verification (probes, fuzzing, acceptance, targets) that returns an
    empty list."""

    def switch_off(monkeypatch: pytest.MonkeyPatch) -> None:
        disable(monkeypatch, name, lambda *args, **kwargs: [])

    return switch_off


@dataclass(frozen=True)
class Protection:
    """A protection, how to switch it off, and the scenario that must notice."""

    name: str
    disable: Callable[[pytest.MonkeyPatch], None]
    scenario: Callable[[Path], None]


ENGINE_PROTECTIONS = [
    Protection("gate.none", _gate_sees_no_findings, _gate_none_fails_a_broken_step),
    Protection("gate.auto", _never_ask_a_human, _gate_auto_asks_a_human),
    Protection("gate.auto.errors_block", _gate_sees_no_findings, _gate_auto_asks_a_human),
    Protection("gate.human", _never_ask_a_human, _gate_human_waits),
    Protection("gate.critic", _critic_approves_everything, _gate_critic_rejects),
    Protection("verify.routes", _verifier_returns_nothing("verify_routes"), _verify_routes),
    Protection("verify.tests", _verifier_returns_nothing("verify_tests"), _verify_tests),
    Protection("verify.load", _verifier_returns_nothing("verify_load"), _verify_load),
    Protection("verify.targets", _step_finds_nothing("judge_targets"), _verify_load),
    Protection(
        "verify.behaviour", _verifier_returns_nothing("verify_behaviour"), _verify_behaviour
    ),
    Protection("verify.probes", _step_finds_nothing("probe_findings"), _verify_probes),
    Protection("verify.fuzz", _step_finds_nothing("fuzz_findings"), _verify_fuzz),
    Protection("verify.acceptance", _step_finds_nothing("acceptance_findings"), _verify_acceptance),
]

PROTECTIONS: dict[str, Protection] = {
    **{name: Protection(name, disable_check(name), check_scenario(name)) for name in CHECK_SEEDS},
    **{p.name: p for p in ENGINE_PROTECTIONS},
}


def test_every_registered_check_has_a_seed() -> None:
    registered = set(registered_checks())
    assert registered - set(CHECK_SEEDS) == set(), "add a seeded defect for each new check"
    assert set(CHECK_SEEDS) - registered == set(), "a seeded check is no longer registered"


VERIFIERS = {
    "verify_routes": "verify.routes",
    "verify_tests": "verify.tests",
    "verify_load": "verify.load",
    "verify_behaviour": "verify.behaviour",
}
# The steps inside them that turn a sandbox run into findings (each switched off on its own).
VERIFICATION_STEPS = {
    "probe_findings": "verify.probes",
    "fuzz_findings": "verify.fuzz",
    "acceptance_findings": "verify.acceptance",
    "judge_targets": "verify.targets",
}


def test_every_verification_step_has_a_protection() -> None:
    """Every ``verify_*`` function of the verification code (module or package) has an
    entry above, so a new sandbox verification cannot be added without its mutation test."""
    import inspect

    from tests.runhelpers import featureline_modules

    found = {
        name
        for module in featureline_modules()
        if module.__name__.startswith("featureline.verification")
        for name, value in vars(module).items()
        if name.startswith("verify_")
        and name != "verify_artifact"
        and inspect.isfunction(value)
        and value.__module__.startswith("featureline.verification")
    }
    assert found == set(VERIFIERS), "add a Protection for each new verify_* step"
    assert set(VERIFIERS.values()) | set(VERIFICATION_STEPS.values()) <= set(PROTECTIONS)
    for name in VERIFICATION_STEPS:
        assert find_function(name).__module__.startswith("featureline.verification"), name


def test_every_gate_policy_has_a_protection() -> None:
    from typing import get_args

    from featureline.pipeline import GatePolicy

    assert {f"gate.{p}" for p in get_args(GatePolicy)} <= set(PROTECTIONS)


def _needs(name: str, request: pytest.FixtureRequest) -> None:
    if name in NEEDS_POSTGRES:
        request.getfixturevalue("pg_url")


@pytest.mark.parametrize("name", list(PROTECTIONS))
def test_protection_catches_its_seed(
    name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    _needs(name, request)
    PROTECTIONS[name].scenario(tmp_path)


@pytest.mark.parametrize("name", list(PROTECTIONS))
def test_disabled_protection_is_noticed(
    name: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    _needs(name, request)
    protection = PROTECTIONS[name]
    protection.disable(monkeypatch)
    with pytest.raises(AssertionError):
        protection.scenario(tmp_path)
    if name in CHECK_SEEDS:  # the seeded artifact now passes every check: only this one caught it
        kind, data, context = _seeded(name)
        remaining = [f for f in run_checks(kind, data, context) if f.severity == "error"]
        caught_by = sorted({f"{f.check}: {f.message[:120]}" for f in remaining})
        assert caught_by == [], f"the seed for {name} is also caught by other checks"


def test_no_sandbox_is_never_a_silent_pass() -> None:
    """Verification switched off says so in every verified step's findings."""
    pipeline = Pipeline.load(provider=BuiltinSpecialist(), verify=False)
    view = pipeline.run(
        "Users can save bookmarks with a URL, a title and tags",
    )
    for step in ("implementation", "testing", "performance"):
        found = view.step(step).findings[1]
        assert any(
            f.check == f"{step}.sandbox"
            and f.severity == "warning"
            and "not executed in the sandbox" in f.message
            for f in found
        ), step
