"""The dead end of issue 11, end to end with the sandbox: human gates, a reviewer adds a
required column to the schema, the implementation never sets it so the generated tests
fail at the testing gate (approval refused), and a rejection there reopens the
implementation with a comment; the revised implementation passes and the run is approved
to the end. Every attempt and decision stays in the history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from featureline import Pipeline, Workspace
from featureline.artifacts import Artifact
from featureline.providers.base import StepResult, StepTask
from featureline.providers.builtin import BuiltinSpecialist
from tests.clihelpers import invoke
from tests.runstates import BOOKMARKS

COMMENT = "the service never sets bookmarks.folder: give it the default 'inbox'"


class FollowsComments:
    """The builtin specialist, plus what a model would do with the reviewer's comment on
    the implementation: give the new column a default in the service's own DDL."""

    name = "builtin"

    def __init__(self) -> None:
        self.inner = BuiltinSpecialist()

    def produce(self, task: StepTask) -> StepResult:
        result = self.inner.produce(task)
        if task.step != "implementation" or not any("inbox" in f for f in task.feedback):
            return result
        assert isinstance(result.artifact, Artifact)
        data: dict[str, Any] = result.artifact.model_dump(mode="json")
        for file in data["files"]:
            file["content"] = file["content"].replace(
                "folder TEXT NOT NULL", "folder TEXT NOT NULL DEFAULT 'inbox'"
            )
        return StepResult(artifact=data, model=result.model, usage=result.usage)


def _with_folder(schema: dict[str, Any]) -> dict[str, Any]:
    table = next(t for t in schema["tables"] if t["name"] == "bookmarks")
    table["columns"].append(
        {
            "name": "folder",
            "type": "varchar(100)",
            "nullable": False,
            "primary_key": False,
            "unique": False,
            "default": None,
            "references": None,
            "description": "the folder a bookmark is filed in",
        }
    )
    for ddl in schema["ddl"]:
        column = (
            "folder TEXT NOT NULL" if ddl["dialect"] == "sqlite" else "folder VARCHAR(100) NOT NULL"
        )
        ddl["sql"] = ddl["sql"].replace("    notes TEXT,\n", f"    notes TEXT,\n    {column},\n", 1)
        assert column in ddl["sql"]
    return schema


def test_reopening_the_implementation_from_the_failing_testing_gate(tmp_path: Path) -> None:
    specialist = FollowsComments()
    loaded = Pipeline.load(provider=specialist, gates="human")
    spec = loaded.spec.model_copy(update={"max_attempts": 1})
    pipeline = Pipeline(spec, loaded.agents, specialist, gates="human")
    run_id = pipeline.run(BOOKMARKS).info.run_id
    view = pipeline.review(run_id, approve=True, attempt=1)  # requirements
    view = pipeline.review(run_id, approve=True, attempt=1)  # design
    schema = view.step("schema").latest
    assert schema is not None
    edit = tmp_path / "schema.json"
    edit.write_text(json.dumps(_with_folder(dict(schema.artifact))), encoding="utf-8")
    code, output = invoke(
        "review", run_id, "schema", "--attempt", "1", "--edit", str(edit),
        "--comment", "bookmarks are filed in folders", "--reviewer", "ana",
    )  # fmt: skip
    assert code == 3, output
    view = pipeline.review(run_id, step="api_spec", approve=True, attempt=1)
    view = pipeline.review(run_id, step="schema", approve=True, attempt=2)
    view = pipeline.review(run_id, step="implementation", approve=True, attempt=1)
    testing = view.step("testing")
    assert testing.status == "awaiting_review", [(s.id, s.status) for s in view.steps]
    errors = [f for f in testing.findings[1] if f.severity == "error"]
    assert errors, "the generated tests should fail against a required column never set"

    # the dead end as it was: approval refused, and the implementation is not waiting
    code, output = invoke("review", run_id, "testing", "--approve")
    assert code == 2 and "cannot be approved" in output, output
    code, output = invoke("review", run_id, "implementation", "--reject", "x")
    assert code == 2 and "approved (attempt 1)" in output, output

    # the way out: reject testing attempt 1 and reopen the implementation with a comment
    workspace = Workspace(specialist, store=pipeline.store_url)
    view = workspace.review(
        run_id, step="testing", attempt=1, reject=COMMENT, reopen="implementation",
        reviewer="ana",
    )  # fmt: skip
    assert [(p.step, p.attempt) for p in view.pending] == [("implementation", 2)]
    implementation = view.step("implementation")
    assert any(COMMENT in line for line in implementation.records[-1].feedback)
    view = workspace.review(run_id, step="implementation", approve=True, attempt=2)
    while view.pending:
        target = view.pending[0]
        assert target.errors == 0, (target.step, target.findings)
        view = workspace.review(run_id, step=target.step, approve=True, attempt=target.attempt)

    assert view.status == "done"
    assert view.step("testing").approved_attempt == 2
    execution = view.step("testing").evidence[2]["execution"]
    assert execution["failed"] == 0 and execution["passed"] > 0
    # nothing lost: both implementation and testing attempts, every decision
    assert [r.attempt for r in view.step("implementation").records] == [1, 2]
    assert [r.attempt for r in view.step("testing").records] == [1, 2]
    verdicts = [(r.step, r.attempt, r.verdict) for s in view.steps for r in s.reviews]
    assert ("schema", 1, "edit") in verdicts
    assert ("testing", 1, "reject") in verdicts
    assert ("implementation", 1, "reopen") in verdicts
