"""Verification at the gates: generated code runs in the sandbox and its failures are caught."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from featureline import Pipeline
from featureline.artifacts import TestingArtifact
from featureline.providers.scripted import ScriptedSpecialist
from featureline.trace import build_trace
from tests import gate_fixtures as fx
from tests.conftest import REQUESTS

BOOKMARKS = str(REQUESTS / "bookmarks.md")


STEPS = {
    "requirements": [],
    "api_spec": ["requirements"],
    "implementation": ["requirements", "api_spec"],
    "testing": ["requirements", "api_spec", "implementation"],
    "performance": ["requirements", "api_spec", "implementation"],
}


def fixture_run(tmp_path: Path, script: dict[str, list[Any]], last: str) -> tuple[Pipeline, Any]:
    """The notes fixtures through the real graph, up to ``last``: queued attempts per step."""
    ids = list(STEPS)[: list(STEPS).index(last) + 1]
    graph = tmp_path / "graph.yaml"
    graph.write_text(
        yaml.safe_dump(
            {
                "name": "gates",
                "description": "the behavioural gates on hand-written artifacts",
                "agent": "backend-specialist",
                "gate": "auto",
                "max_attempts": 2,
                "steps": [{"id": s, "inputs": STEPS[s], "instructions": s} for s in ids],
            }
        )
    )
    answers: dict[str, list[Any]] = {
        "requirements": [fx.requirements()],
        "api_spec": [fx.api_spec()],
        "implementation": [fx.implementation()],
        **script,
    }
    request = tmp_path / "notes.md"
    request.write_text("# Notes\n\nUsers keep notes with tags; admins see statistics.\n")
    pipeline = Pipeline.load(graph, provider=ScriptedSpecialist(answers))
    return pipeline, pipeline.run(str(request))


FAILING = fx.TESTS + "\n\ndef test_deliberately_wrong(client):\n    assert 1 == 2\n"


@pytest.mark.slow
def test_a_failing_generated_test_sends_the_step_back_and_the_report_is_kept(
    tmp_path: Path,
) -> None:
    testing_attempts = [fx.testing_artifact(FAILING), fx.testing_artifact()]
    pipeline, view = fixture_run(tmp_path, {"testing": testing_attempts}, "testing")
    testing = view.step("testing")
    assert [r.attempt for r in testing.records] == [1, 2]
    failed = [f for f in testing.findings[1] if f.check == "testing.run" and f.severity == "error"]
    assert [f.location for f in failed] == ["tests/test_notes.py::test_deliberately_wrong"]
    # the measured reports of both attempts stay in history
    first = testing.evidence[1]["execution"]
    assert first["failed"] == 1 and first["passed"] == 5
    assert testing.evidence[2]["execution"]["failed"] == 0
    assert testing.approved_attempt == 2
    artifact = pipeline.artifacts(view.info.run_id)["testing"]
    assert isinstance(artifact, TestingArtifact) and artifact.execution is not None
    assert artifact.execution.failed == 0 and artifact.execution.passed == 5
    assert (
        "network namespace" in artifact.execution.sandbox
        or "socket guard" in artifact.execution.sandbox
    )
    rows = {row.requirement: row for row in build_trace(pipeline.artifacts(view.info.run_id))}
    assert {rid: rows[rid].result for rid in ("FR-1", "FR-2", "FR-3", "FR-4")} == {
        "FR-1": "passed",
        "FR-2": "passed",
        "FR-3": "passed",
        "FR-4": "passed",
    }


@pytest.mark.slow
def test_the_app_must_serve_exactly_the_specs_operations(tmp_path: Path) -> None:
    renamed = fx.implementation()
    main = next(f for f in renamed.files if f.path == "app/main.py")
    main.content = main.content.replace('@app.get("/v1/stats"', '@app.get("/v1/statistics"')
    _, view = fixture_run(
        tmp_path, {"implementation": [renamed, fx.implementation()]}, "implementation"
    )
    implementation = view.step("implementation")
    messages = {
        (f.location, f.message) for f in implementation.findings[1] if f.severity == "error"
    }
    assert ("GET /v1/stats", "in the spec but not served by the app") in messages
    assert ("GET /v1/statistics", "served by the app but not in the spec") in messages
    assert implementation.approved_attempt == 2


@pytest.mark.slow
def test_a_missing_ownership_check_is_sent_back_by_the_implementation_gate(tmp_path: Path) -> None:
    attempts = [fx.implementation("no_ownership"), fx.implementation()]
    _, view = fixture_run(tmp_path, {"implementation": attempts}, "implementation")
    implementation = view.step("implementation")
    leaks = [
        f
        for f in implementation.findings[1]
        if f.check == "implementation.security" and f.severity == "error"
    ]
    assert {f.location for f in leaks} >= {"GET /v1/notes/{note_id}", "DELETE /v1/notes/{note_id}"}
    assert not [f for f in implementation.findings[2] if f.severity == "error"]
    assert implementation.approved_attempt == 2
    # the revise loop got the leak as feedback, and the evidence keeps both runs' numbers
    assert "implementation.security" in " ".join(
        f.as_feedback() for f in implementation.findings[1] if f.severity == "error"
    )
    assert "behaviour_timings" in implementation.evidence[2]


def test_targets_are_compared_with_what_was_measured() -> None:
    from featureline.artifacts import ApiSpecArtifact, RequirementsArtifact
    from featureline.artifacts.performance import LoadResult
    from featureline.providers.builtin import build_all
    from featureline.request import read_request
    from featureline.verification import compare_to_targets

    built = build_all(read_request(BOOKMARKS))
    requirements, api = built["requirements"], built["api_spec"]
    assert isinstance(requirements, RequirementsArtifact)
    assert isinstance(api, ApiSpecArtifact)
    fast = [
        LoadResult(
            scenario="list",
            endpoint="GET /v1/bookmarks",
            requests=200,
            p50_ms=9,
            p95_ms=30,
            throughput_rps=80,
            error_rate=0,
        )
    ]
    slow = [fast[0].model_copy(update={"p95_ms": 450.0})]

    def judge(results: list[LoadResult], rows: int | None) -> dict[str, str]:
        return {
            v.nfr_id: v.verdict
            for v in compare_to_targets(results, requirements, seeded_rows=rows, api=api)
        }

    assert (judge(fast, 50_000)["NFR-1"], judge(fast, 50_000)["NFR-2"]) == ("met", "met")
    assert (judge(slow, 50_000)["NFR-1"], judge(slow, 50_000)["NFR-2"]) == ("not_met", "not_met")
    assert judge(fast, 2_000)["NFR-1"] == "not_met"  # too little data to claim the volume target
    assert judge(fast, None)["NFR-1"] == "not_measured"
    # without the spec nothing says which operations the targets name: not measured
    unmapped = compare_to_targets(fast, requirements, seeded_rows=50_000)
    assert {v.verdict for v in unmapped} == {"not_measured"}
