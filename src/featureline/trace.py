"""The traceability matrix: requirement -> component -> table -> endpoint -> test -> result.

Pure: built from a run's artifacts (and the test run's evidence, when there is one), so
`featureline trace RUN` shows where each requirement is designed, stored, exposed, tested,
and whether those tests passed — or where the chain breaks. A requirement's result is
``passed`` only when tests that declare it (``@pytest.mark.requirement``) ran and passed;
otherwise ``failed``, ``untested`` or ``deferred``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from featureline.artifacts import (
    ApiSpecArtifact,
    Artifact,
    DesignArtifact,
    RequirementsArtifact,
    SchemaArtifact,
    TestingArtifact,
)
from featureline.checks.naming import same_thing
from featureline.verification.acceptance import judge_requirement


@dataclass(frozen=True)
class TraceRow:
    requirement: str
    title: str
    status: str
    components: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    result: str = "not run"
    gaps: tuple[str, ...] = field(default=())


def _find(artifacts: dict[str, Artifact], model: type[Artifact]) -> Artifact | None:
    return next((a for a in artifacts.values() if isinstance(a, model)), None)


def _tables_for(path: str, schema: SchemaArtifact | None) -> list[str]:
    if schema is None:
        return []
    segments = [s for s in path.split("/") if s and not s.startswith("{") and s != "v1"]
    return [t.name for t in schema.tables if any(same_thing(t.name, s) for s in segments)]


def build_trace(artifacts: dict[str, Artifact]) -> list[TraceRow]:
    requirements = _find(artifacts, RequirementsArtifact)
    if not isinstance(requirements, RequirementsArtifact):
        return []
    design = _find(artifacts, DesignArtifact)
    schema = _find(artifacts, SchemaArtifact)
    api = _find(artifacts, ApiSpecArtifact)
    testing = _find(artifacts, TestingArtifact)
    schema = schema if isinstance(schema, SchemaArtifact) else None
    report = testing.execution if isinstance(testing, TestingArtifact) else None
    rows: list[TraceRow] = []
    ids = [(r.id, r.title, r.status) for r in requirements.functional]
    ids += [(n.id, n.description, "planned") for n in requirements.non_functional]
    for rid, title, status in ids:
        components = (
            tuple(c.name for c in design.components if rid in c.serves)
            if isinstance(design, DesignArtifact)
            else ()
        )
        endpoints = (
            tuple(f"{e.method} {e.path}" for e in api.endpoints if rid in e.requirement_ids)
            if isinstance(api, ApiSpecArtifact)
            else ()
        )
        tables = tuple(
            dict.fromkeys(t for e in endpoints for t in _tables_for(e.split(" ", 1)[1], schema))
        )
        tests = (
            tuple(t for c in testing.coverage if c.requirement_id == rid for t in c.tests)
            if isinstance(testing, TestingArtifact)
            else ()
        )
        result: str
        if report is not None and rid.startswith("FR"):
            # what ran and declared this requirement, not what the coverage map claims
            verdict = judge_requirement(rid, title, status, report.results)
            tests, result = verdict.tests or tests, verdict.result
        else:
            result = "deferred" if status == "deferred" else ("not run" if tests else "-")
        gaps = []
        if status == "deferred":
            gaps.append("deferred: not implemented")
        else:
            if not components and rid.startswith("FR"):
                gaps.append("no component")
            if not endpoints and rid.startswith("FR"):
                gaps.append("no endpoint")
            if not tests and rid.startswith("FR"):
                gaps.append("no test")
        rows.append(
            TraceRow(rid, title, status, components, tables, endpoints, tests, result, tuple(gaps))
        )
    return rows
