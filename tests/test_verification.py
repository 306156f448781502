"""Verification at the gates: generated code runs in the sandbox and its failures are caught."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from featureline import Pipeline
from featureline.artifacts import ImplementationArtifact, TestingArtifact
from featureline.paths import resolve_pipeline_path
from featureline.providers.base import StepResult, StepTask
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.scripted import ScriptedSpecialist
from featureline.trace import build_trace
from tests.conftest import REQUESTS

BOOKMARKS = str(REQUESTS / "bookmarks.md")


def pipeline_until(last: str, tmp_path: Path) -> Path:
    """The default pipeline cut after ``last``: these tests need no later sandbox runs."""
    spec = yaml.safe_load(resolve_pipeline_path(None).read_text())
    ids = [step["id"] for step in spec["steps"]]
    spec["steps"] = spec["steps"][: ids.index(last) + 1]
    path = tmp_path / f"until-{last}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


class Tampering(ScriptedSpecialist):
    """The builtin's output with one deliberate defect in the first attempt of a step."""

    def __init__(self, step: str, tamper: Any) -> None:
        super().__init__(fallback=BuiltinSpecialist())
        self.step, self.tamper = step, tamper

    def produce(self, task: StepTask) -> StepResult:
        result = super().produce(task)
        if task.step == self.step and task.attempt == 1:
            data = result.artifact.model_dump(mode="json")  # type: ignore[union-attr]
            self.tamper(data)
            return StepResult(artifact=data, model="tampered")
        return result


def _break_a_test(data: dict[str, Any]) -> None:
    for file in data["test_files"]:
        if file["path"].endswith("test_bookmarks.py"):
            file["content"] += "\n\ndef test_deliberately_wrong(client, auth):\n    assert 1 == 2\n"


def test_a_failing_generated_test_sends_the_step_back_and_the_report_is_kept(
    tmp_path: Path,
) -> None:
    pipeline = Pipeline.load(
        pipeline_until("testing", tmp_path), provider=Tampering("testing", _break_a_test)
    )
    view = pipeline.run(BOOKMARKS)
    testing = view.step("testing")
    assert [r.attempt for r in testing.records] == [1, 2]
    failed = [f for f in testing.findings[1] if f.check == "testing.run" and f.severity == "error"]
    assert [f.location for f in failed] == ["tests/test_bookmarks.py::test_deliberately_wrong"]
    # the measured reports of both attempts stay in history
    first = testing.evidence[1]["execution"]
    assert first["failed"] == 1 and first["passed"] > 10
    assert testing.evidence[2]["execution"]["failed"] == 0
    assert testing.approved_attempt == 2
    artifact = pipeline.artifacts(view.info.run_id)["testing"]
    assert isinstance(artifact, TestingArtifact) and artifact.execution is not None
    assert artifact.execution.failed == 0 and artifact.execution.passed > 10
    assert (
        "network namespace" in artifact.execution.sandbox
        or "socket guard" in artifact.execution.sandbox
    )
    rows = {row.requirement: row for row in build_trace(pipeline.artifacts(view.info.run_id))}
    assert rows["FR-1"].result == "passed"


def _drop_a_route(data: dict[str, Any]) -> None:
    for file in data["files"]:
        if file["path"] == "app/routers/tags.py":
            file["content"] = file["content"].replace(
                '@router.delete("/{id}"', '@router.delete("/{id}/gone"'
            )


def test_the_app_must_serve_exactly_the_specs_operations(tmp_path: Path) -> None:
    pipeline = Pipeline.load(
        pipeline_until("implementation", tmp_path),
        provider=Tampering("implementation", _drop_a_route),
    )
    view = pipeline.run(BOOKMARKS)
    implementation = view.step("implementation")
    messages = {
        (f.location, f.message) for f in implementation.findings[1] if f.severity == "error"
    }
    assert ("DELETE /v1/tags/{id}", "in the spec but not served by the app") in messages
    assert ("DELETE /v1/tags/{id}/gone", "served by the app but not in the spec") in messages
    assert implementation.approved_attempt == 2
    assert isinstance(
        pipeline.artifacts(view.info.run_id)["implementation"], ImplementationArtifact
    )


def test_targets_are_compared_with_what_was_measured() -> None:
    from featureline.artifacts import RequirementsArtifact
    from featureline.artifacts.performance import LoadResult
    from featureline.providers.builtin import build_all
    from featureline.request import read_request
    from featureline.verification import compare_to_targets

    requirements = build_all(read_request(BOOKMARKS))["requirements"]
    assert isinstance(requirements, RequirementsArtifact)
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
    verdicts = {v.nfr_id: v for v in compare_to_targets(fast, requirements, seeded_rows=50_000)}
    assert (verdicts["NFR-1"].verdict, verdicts["NFR-2"].verdict) == ("met", "met")
    verdicts = {v.nfr_id: v for v in compare_to_targets(slow, requirements, seeded_rows=50_000)}
    assert (verdicts["NFR-1"].verdict, verdicts["NFR-2"].verdict) == ("not_met", "not_met")
    verdicts = {v.nfr_id: v for v in compare_to_targets(fast, requirements, seeded_rows=2_000)}
    assert verdicts["NFR-1"].verdict == "not_met"  # too little data to claim the volume target
    verdicts = {v.nfr_id: v for v in compare_to_targets(fast, requirements)}
    assert verdicts["NFR-1"].verdict == "not_measured"
