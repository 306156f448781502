"""The workflow through the Python API, over both store backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from featureline import Pipeline
from featureline.errors import ProviderError
from featureline.providers.base import StepResult, StepTask
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.scripted import ScriptedSpecialist
from tests.conftest import REQUESTS

BOOKMARKS = str(REQUESTS / "bookmarks.md")


def test_full_run_on_each_store(store_url: str) -> None:
    specialist = ScriptedSpecialist(fallback=BuiltinSpecialist())
    pipeline = Pipeline.load(provider=specialist, store=store_url, verify=False)
    view = pipeline.run(BOOKMARKS)
    assert view.status == "done"
    assert [s.status for s in view.steps] == ["approved"] * 8
    assert len(specialist.calls) == 8
    # a step sees only the inputs it declares (rule 4)
    seen = {call.step: set(call.inputs) for call in specialist.calls}
    assert seen["requirements"] == set()
    assert seen["schema"] == {"requirements", "design"}
    assert seen["docs"] == {"requirements", "design", "schema", "api_spec", "implementation"}
    artifacts = pipeline.artifacts(view.info.run_id)
    assert set(artifacts) == set(pipeline.spec.step_ids)
    # the store holds this run only (each test has its own SQLite file or PostgreSQL schema)
    assert [(r.run_id, r.status) for r in pipeline.runs()] == [(view.info.run_id, "done")]


def test_parallel_stages_run_in_one_superstep() -> None:
    pipeline = Pipeline.load(provider=BuiltinSpecialist(), verify=False)
    view = pipeline.run(BOOKMARKS)
    history = pipeline.history(view.info.run_id)
    nexts = [set(row["next"]) for row in history]
    assert {"schema", "api_spec"} in nexts
    assert {"testing", "performance", "docs"} in nexts


def test_broken_first_attempt_is_caught_revised_and_kept() -> None:
    good = BuiltinSpecialist()
    broken_schema = {
        "tables": [],
        "ddl": [{"dialect": "sqlite", "sql": "CREATE TABLE (oops"}],
        "migrations": [],
        "er_diagram": "",
    }
    specialist = ScriptedSpecialist({"schema": [broken_schema]}, fallback=good)
    pipeline = Pipeline.load(provider=specialist, verify=False)
    view = pipeline.run(BOOKMARKS)
    assert view.status == "done"
    schema = view.step("schema")
    assert [r.attempt for r in schema.records] == [1, 2]
    assert schema.approved_attempt == 2
    first_errors = [f for f in schema.findings[1] if f.severity == "error"]
    assert any(f.check == "schema.sqlite_executes" for f in first_errors)
    # the revision was asked to fix exactly what the checks found
    revision = specialist.calls_for("schema")[1]
    assert revision.attempt == 2
    assert any("SQLite rejects the DDL" in line for line in revision.feedback)
    assert schema.records[1].feedback == list(revision.feedback)


def test_gates_none_fails_with_a_report_when_attempts_run_out() -> None:
    specialist = ScriptedSpecialist({"design": [{"overview": 1}] * 2}, fallback=BuiltinSpecialist())
    pipeline = Pipeline.load(provider=specialist, gates="none", verify=False)
    spec = pipeline.spec.model_copy(update={"max_attempts": 2})
    pipeline = Pipeline(spec, pipeline.agents, specialist, gates="none", verify=False)
    view = pipeline.run(BOOKMARKS)
    assert view.status == "failed"
    design = view.step("design")
    assert design.status == "failed" and design.attempts == 2
    assert all(view.step(s).status == "pending" for s in ("schema", "api_spec", "docs"))
    assert design.reviews[-1].verdict == "failed"


class ExplodingOnce:
    """A provider whose first call for one step raises, like a network failure."""

    name = "exploding"

    def __init__(self, step: str) -> None:
        self.step = step
        self.exploded = False
        self.inner = BuiltinSpecialist()

    def produce(self, task: StepTask) -> StepResult:
        if task.step == self.step and not self.exploded:
            self.exploded = True
            raise ConnectionError("connection reset by peer")
        return self.inner.produce(task)


def test_provider_failure_leaves_run_resumable(tmp_path: Path) -> None:
    provider = ExplodingOnce("implementation")
    pipeline = Pipeline.load(provider=provider, verify=False)
    with pytest.raises(ProviderError, match="connection reset"):
        pipeline.run(BOOKMARKS)
    run_id = pipeline.runs()[0].run_id
    assert pipeline.status(run_id).status == "stopped"
    view = pipeline.resume(run_id)
    assert view.status == "done"
    assert len(view.step("schema").records) == 1


def test_edit_at_a_human_gate_is_checked_and_recorded() -> None:
    pipeline = Pipeline.load(provider=BuiltinSpecialist(), gates="human", verify=False)
    view = pipeline.run(BOOKMARKS)
    run_id = view.info.run_id
    requirements = pipeline.artifacts(run_id)["requirements"].model_dump(mode="json")
    requirements["open_questions"].append("Should tags be shared between users?")
    view = pipeline.review(run_id, edit=requirements, reviewer="ana", comment="added a question")
    assert view.status == "waiting" and view.pending[0].step == "requirements"
    record = view.step("requirements").latest
    assert record is not None and record.producer.provider == "human" and record.attempt == 2
    view = pipeline.review(run_id, approve=True)
    assert view.step("requirements").approved_attempt == 2
    verdicts = [r.verdict for r in view.step("requirements").reviews]
    assert verdicts == ["edit", "approve"]
