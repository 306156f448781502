"""Each check with a good artifact (no findings) and a broken one (the expected finding)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from featureline.artifacts import ARTIFACT_TYPES, Artifact
from featureline.checks import CheckContext, Finding, run_checks
from featureline.checks.base import checks_for
from featureline.providers.base import StepTask
from featureline.providers.builtin import BuiltinSpecialist
from featureline.request import read_request
from tests.conftest import REQUESTS

ORDER = list(ARTIFACT_TYPES)  # the eight steps, in the specialist's order


@cache
def good() -> dict[str, Artifact]:
    from featureline.agents import load_agents
    from featureline.paths import default_agents_dir

    agent = load_agents(default_agents_dir())["backend-specialist"]
    request = read_request(str(REQUESTS / "project-tasks.md"))
    done: dict[str, Artifact] = {}
    for kind in ORDER:
        task = StepTask("t", kind, kind, "", agent, request, dict(done), 1)
        artifact = BuiltinSpecialist().produce(task).artifact
        assert isinstance(artifact, Artifact)
        done[kind] = artifact
    return done


def context(skip: str) -> CheckContext:
    return CheckContext(
        request=read_request(str(REQUESTS / "project-tasks.md")),
        upstream={k: v for k, v in good().items() if k != skip},
    )


def data(kind: str) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(good()[kind].model_dump(mode="json")))
    return copied


def findings(kind: str, artifact: dict[str, Any], check: str) -> list[Finding]:
    return [f for f in run_checks(kind, artifact, context(kind)) if f.check == check]


def errors(kind: str, artifact: dict[str, Any], check: str) -> list[Finding]:
    return [f for f in findings(kind, artifact, check) if f.severity == "error"]


@pytest.mark.parametrize("kind", ORDER)
def test_good_artifacts_have_no_error_findings(kind: str, pg_url: str) -> None:
    found = [f for f in run_checks(kind, data(kind), context(kind)) if f.severity == "error"]
    assert found == []
    assert checks_for(kind), f"no checks registered for {kind}"


def test_validity() -> None:
    broken = data("requirements")
    del broken["functional"]
    assert errors("requirements", broken, "validity")[0].location == "functional"


def test_requirements_checks() -> None:
    broken = data("requirements")
    broken["functional"][1]["id"] = broken["functional"][0]["id"]
    broken["functional"][2]["acceptance_criteria"] = ["  "]
    broken["non_functional"][0]["unit"] = ""
    assert errors("requirements", broken, "requirements.ids")[0].message == "id used 2 times"
    assert (
        errors("requirements", broken, "requirements.acceptance")[0].location
        == broken["functional"][2]["id"]
    )
    assert errors("requirements", broken, "requirements.measurable")[0].location == "NFR-1"


def test_design_checks() -> None:
    broken = data("design")
    for component in broken["components"]:
        component["serves"] = [r for r in component["serves"] if r != "FR-1"]
    broken["mermaid"] += "\n    service --> ghost_queue"
    assert errors("design", broken, "design.requirements_served")[0].location == "FR-1"
    assert "ghost_queue" in errors("design", broken, "design.diagram")[0].message


def test_schema_sqlite_and_structure() -> None:
    broken = data("schema")
    ghost = json.loads(json.dumps(broken["tables"][0]))
    ghost["name"] = "ghosts"
    broken["tables"].append(ghost)
    tasks = next(t for t in broken["tables"] if t["name"] == "tasks")
    tasks["columns"].append({"name": "colour", "type": "text"})
    found = {(f.location, f.message) for f in errors("schema", broken, "schema.sqlite_executes")}
    assert ("ghosts", "table is listed but the DDL does not create it") in found
    assert ("tasks", "DDL lacks column(s) colour") in found
    sqlite = next(d for d in broken["ddl"] if d["dialect"] == "sqlite")
    sqlite["sql"] = "CREATE TABLE (oops"
    assert "SQLite rejects the DDL" in errors("schema", broken, "schema.sqlite_executes")[0].message


def test_ddl_sqlite_accepts_but_postgresql_rejects(pg_url: str) -> None:
    broken = data("schema")
    ddl = "CREATE TABLE widgets (id INTEGER PRIMARY KEY AUTOINCREMENT, made DATETIME NOT NULL);"
    for entry in broken["ddl"]:
        entry["sql"] = ddl
    broken["tables"] = []
    assert errors("schema", broken, "schema.sqlite_executes") == []
    found = errors("schema", broken, "schema.postgres_executes")
    # the server's own words: the DDL really ran on the PostgreSQL the tests reached
    assert [(f.location, f.message) for f in found] == [
        ("ddl[postgresql]", 'PostgreSQL rejects the DDL: syntax error at or near "AUTOINCREMENT"')
    ]


def test_postgres_unreachable_is_never_a_silent_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEATURELINE_PG_URL", "postgresql://nobody@127.0.0.1:1/none")
    found = findings("schema", data("schema"), "schema.postgres_executes")
    assert [f.severity for f in found] == ["warning"]
    assert found[0].message.startswith("not executed on PostgreSQL (no server reachable")
    assert "checked statically with sqlglot" in found[0].message


def test_schema_foreign_keys_entities_and_migrations() -> None:
    broken = data("schema")
    tasks = next(t for t in broken["tables"] if t["name"] == "tasks")
    fk_column = next(c for c in tasks["columns"] if c["references"])
    fk_column["references"]["column"] = "nope"
    tasks["indexes"] = [i for i in tasks["indexes"] if i["columns"][0] != fk_column["name"]]
    broken["tables"] = [t for t in broken["tables"] if t["name"] != "comments"]
    sqlite_migration = next(m for m in broken["migrations"] if m["dialect"] == "sqlite")
    sqlite_migration["down"] = "DROP TABLE IF EXISTS comments;"
    assert "does not exist" in errors("schema", broken, "schema.foreign_keys")[0].message
    assert (
        errors("schema", broken, "schema.foreign_keys_indexed")[0].location
        == f"tasks.{fk_column['name']}"
    )
    assert errors("schema", broken, "schema.entities_have_tables")[0].location == "comment"
    assert "leave table(s)" in errors("schema", broken, "schema.migrations")[0].message


def _openapi(artifact: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(artifact["openapi_json"])
    return result


def test_api_spec_checks() -> None:
    broken = data("api_spec")
    document = _openapi(broken)
    document["openapi"] = "3.0.3"
    broken["openapi_json"] = json.dumps(document)
    assert (
        "expected an OpenAPI 3.1" in errors("api_spec", broken, "api_spec.openapi_valid")[0].message
    )

    broken = data("api_spec")
    document = _openapi(broken)
    first_path = next(iter(p for p in document["paths"] if p != "/v1/health"))
    operation = next(iter(document["paths"][first_path].values()))
    operation["responses"]["404"] = {"$ref": "#/components/responses/Missing"}
    broken["openapi_json"] = json.dumps(document)
    assert "does not resolve" in errors("api_spec", broken, "api_spec.refs_resolve")[0].message

    broken = data("api_spec")
    broken["endpoints"][1]["requirement_ids"] = []
    broken["endpoints"][2]["requirement_ids"] = ["FR-999"]
    broken["endpoints"][3]["operation_id"] = broken["endpoints"][4]["operation_id"]
    broken["endpoints"] = broken["endpoints"][:-1]
    trace = errors("api_spec", broken, "api_spec.traceability")
    assert {f.message for f in trace} == {
        "endpoint traces to no requirement",
        "names unknown requirement(s) FR-999",
    }
    match = [f.message for f in errors("api_spec", broken, "api_spec.endpoints_match")]
    assert "in the OpenAPI document but missing from the endpoint table" in match
    assert "operation id used 2 times in the endpoint table" in match


def test_api_fields_must_match_columns() -> None:
    broken = data("api_spec")
    document = _openapi(broken)
    document["components"]["schemas"]["Task"]["properties"]["colour"] = {"type": "string"}
    broken["openapi_json"] = json.dumps(document)
    found = errors("api_spec", broken, "api_spec.fields_match_schema")
    assert [f.location for f in found] == ["components.schemas.Task.colour"]


def test_implementation_checks() -> None:
    broken = data("implementation")
    broken["files"].append({"path": "/etc/evil.py", "content": "x = 1\n", "purpose": "evil"})
    broken["files"].append({"path": "app/broken.py", "content": "def f(:\n", "purpose": "broken"})
    broken["files"].append(
        {
            "path": "app/unsafe.py",
            "content": "def q(db, name):\n"
            "    return db.execute(f\"SELECT * FROM tasks WHERE title = '{name}'\")\n"
            'def r(db, n):\n    return db.execute("DELETE FROM tasks WHERE id = %s" % n)\n',
            "purpose": "unsafe",
        }
    )
    assert errors("implementation", broken, "implementation.paths")[0].location == "/etc/evil.py"
    assert (
        errors("implementation", broken, "implementation.compiles")[0].location == "app/broken.py:1"
    )
    sql = errors("implementation", broken, "implementation.parameterised_sql")
    assert [f.location for f in sql] == ["app/unsafe.py:2", "app/unsafe.py:4"]


def test_testing_checks() -> None:
    broken = data("testing")
    broken["coverage"] = [c for c in broken["coverage"] if c["requirement_id"] != "FR-1"]
    broken["coverage"].append(
        {"requirement_id": "FR-2", "tests": ["tests/test_tasks.py::test_missing"]}
    )
    broken["execution"] = {
        "command": "python -m pytest -q",
        "passed": 3,
        "failed": 1,
        "errors": 0,
        "duration_s": 1.0,
        "output_tail": "1 failed, 3 passed",
        "ran_at": "2026-11-26T00:00:00Z",
    }
    coverage = errors("testing", broken, "testing.coverage")
    assert any(f.location == "FR-1" and "has no test" in f.message for f in coverage)
    assert any("test_missing, which does not exist" in f.message for f in coverage)
    assert "1 failed" in errors("testing", broken, "testing.report")[0].message


def test_performance_and_docs_checks() -> None:
    broken = data("performance")
    broken["verdicts"] = []
    requirements = good()["requirements"]
    targets = [
        n.id
        for n in requirements.non_functional  # type: ignore[attr-defined]
        if n.category in {"performance", "scalability"}
    ]
    assert targets
    found = errors("performance", broken, "performance.verdicts")
    assert [f.location for f in found] == targets
    docs = data("docs")
    api = good()["api_spec"]
    endpoint = api.endpoints[1]  # type: ignore[attr-defined]
    for field in ("api_reference", "readme"):
        docs[field] = docs[field].replace(endpoint.path, "/gone")
    docs["readme"] = docs["readme"].replace("uvicorn", "gunicorn")
    found = errors("docs", docs, "docs.endpoints")
    assert f"{endpoint.method} {endpoint.path}" in {f.location for f in found}
    assert [f.message for f in errors("docs", docs, "docs.run_instructions")] == [
        f"README does not show the run command `{good()['implementation'].run_command}`"  # type: ignore[attr-defined]
    ]


def test_a_crashing_check_is_an_error_not_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    from featureline.checks import base

    def explode(artifact: Any, context: CheckContext) -> list[Finding]:
        raise RuntimeError("boom")

    monkeypatch.setitem(base._REGISTRY, "docs", [("docs.explodes", explode)])
    found = run_checks("docs", data("docs"), context("docs"))
    assert found[0].severity == "error" and "check crashed" in found[0].message


@pytest.mark.parametrize(
    ("kind", "check", "message"),
    [
        ("design", "design.requirements_served", "no approved requirements to compare with"),
        ("schema", "schema.entities_have_tables", "no approved requirements to compare with"),
        ("docs", "docs.endpoints", "no approved API spec to compare with"),
    ],
)
def test_a_missing_upstream_artifact_is_a_warning_not_a_pass(
    kind: str, check: str, message: str
) -> None:
    lonely = CheckContext(request=read_request(str(REQUESTS / "project-tasks.md")), upstream={})
    found = [f for f in run_checks(kind, data(kind), lonely) if f.check == check]
    assert [(f.severity, f.message.startswith(message)) for f in found] == [("warning", True)]
