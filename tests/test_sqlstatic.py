"""PostgreSQL DDL is checked statically (sqlglot) when no server answers, and says so."""

from __future__ import annotations

import json
from typing import Any

import pytest

from featureline.artifacts import SchemaArtifact
from featureline.checks import CheckContext, run_checks
from featureline.checks.sqlstatic import DdlParseError, parse_ddl, transpiled_sqlite_error
from featureline.providers.base import StepTask
from featureline.providers.builtin import BuiltinSpecialist
from featureline.request import read_request
from tests.conftest import REPO

PG_DDL = """
CREATE TABLE users (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email TEXT NOT NULL);
CREATE TABLE notes (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  body TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_notes_user ON notes (user_id);
"""


def test_parse_reads_tables_and_columns() -> None:
    parsed = parse_ddl(PG_DDL, "postgresql")
    assert parsed.tables == {
        "users": ("id", "email"),
        "notes": ("id", "user_id", "body", "created_at"),
    }
    assert parsed.statements == 3
    assert transpiled_sqlite_error(PG_DDL, "postgresql") is None


def test_unparseable_ddl_is_an_error() -> None:
    with pytest.raises(DdlParseError, match="Expecting"):
        parse_ddl("CREATE TABLE x (id INT PRIMARY KEY y TEXT)", "postgresql")


def test_a_transpiled_script_that_fails_is_reported() -> None:
    problem = transpiled_sqlite_error("CREATE TABLE a (id INT PRIMARY KEY, id INT);", "postgresql")
    assert problem is not None and "duplicate column" in problem


def _schema() -> dict[str, Any]:
    request = read_request(str(REPO / "examples" / "requests" / "bookmarks.md"))
    builtin = BuiltinSpecialist()
    from featureline.pipeline import load_pipeline

    spec = load_pipeline(REPO / "graphs" / "backend-feature.yaml")
    agent = __import__("featureline.agents", fromlist=["load_agent"]).load_agent(
        REPO / "agents" / "backend-specialist.md"
    )
    built: dict[str, Any] = {}
    for step_id in ("requirements", "design", "schema"):
        step = spec.step(step_id)
        task = StepTask(
            run_id="r",
            step=step.id,
            kind=step.kind,
            instructions="",
            agent=agent,
            request=request,
            inputs={d: built[d] for d in step.inputs},
            attempt=1,
        )
        built[step_id] = builtin.produce(task).artifact
    artifact = built["schema"]
    assert isinstance(artifact, SchemaArtifact)
    data: dict[str, Any] = json.loads(artifact.model_dump_json())
    return data


def _pg_findings(data: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    monkeypatch.setenv("FEATURELINE_PG_URL", "postgresql://nobody@127.0.0.1:1/none")
    request = read_request(str(REPO / "examples" / "requests" / "bookmarks.md"))
    found = run_checks("schema", data, CheckContext(request, {}))
    return [f for f in found if f.check == "schema.postgres_executes"]


def test_without_a_server_broken_postgres_ddl_is_still_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _schema()
    for entry in data["ddl"]:
        if entry["dialect"] == "postgresql":
            entry["sql"] = "CREATE TABLE x (id INT PRIMARY KEY y TEXT);"
    found = _pg_findings(data, monkeypatch)
    assert [f.severity for f in found] == ["error"]
    assert "does not parse (sqlglot)" in found[0].message


def test_without_a_server_missing_tables_and_columns_are_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _schema()
    first = data["tables"][0]["name"]
    for entry in data["ddl"]:
        if entry["dialect"] == "postgresql":
            entry["sql"] = "CREATE TABLE unrelated (id INT PRIMARY KEY);"
    found = _pg_findings(data, monkeypatch)
    errors = [f for f in found if f.severity == "error"]
    assert any(f.location == first and "does not create it" in f.message for f in errors)
    assert found[-1].severity == "warning"
    assert "checked statically with sqlglot" in found[-1].message


def test_openapi_validation_reports_every_error() -> None:
    from featureline.checks.api_spec import openapi_errors

    document = {
        "openapi": "3.1.0",
        "info": {"title": "x"},
        "paths": {
            "/a": {"get": {"responses": {"200": {"description": 1}}}},
            "/b": {"post": {"responses": "no"}},
        },
    }
    found = openapi_errors(document)
    where = [f.location for f in found]
    assert where == ["info", "paths//a/get/responses/200/description", "paths//b/post/responses"]
    assert all(f.severity == "error" for f in found)
    valid = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    assert openapi_errors(valid) == []
