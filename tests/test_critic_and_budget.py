"""Critic gates (reviewer agents between check and gate) and the graph-level money rules:
review calls in the ledger, failed calls kept, stopped steps restarted where they stopped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from featureline import Pipeline
from featureline.artifacts.api_spec import Endpoint
from featureline.errors import PipelineFileError
from featureline.graph import restart_command
from featureline.providers.anthropic import AnthropicSpecialist
from featureline.providers.base import StepResult, StepTask
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.builtin_critic import is_health_endpoint
from featureline.providers.scripted import ScriptedSpecialist
from featureline.state import RunState, new_step_state
from featureline.testing import FakeMessagesAPI, Fault
from tests.clihelpers import invoke, run_id_from
from tests.conftest import REPO, REQUESTS

BOOKMARKS = str(REQUESTS / "bookmarks.md")
KEY = "sk-ant-test-critic-0000"


class NoErrorResponses(ScriptedSpecialist):
    """The builtin's api_spec with one endpoint stripped of its error responses — the checks
    accept it, the api reviewer must not — in the first ``broken`` attempts."""

    def __init__(self, broken: int = 1) -> None:
        super().__init__(fallback=BuiltinSpecialist())
        self.broken = broken

    def produce(self, task: StepTask) -> StepResult:
        result = super().produce(task)
        if task.step != "api_spec" or task.attempt > self.broken:
            return result
        artifact = result.artifact
        assert not isinstance(artifact, dict)
        data: dict[str, Any] = artifact.model_dump(mode="json")
        endpoint = next(
            e for e in data["endpoints"] if not is_health_endpoint(Endpoint.model_validate(e))
        )
        endpoint["error_statuses"] = []
        return StepResult(artifact=data, model="scripted")


@pytest.fixture
def fake() -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI() as api:
        yield api


def _critic_reviews(view: Any, step: str) -> list[tuple[int, str, str]]:
    return [
        (r.attempt, r.reviewer, r.verdict)
        for r in view.step(step).reviews
        if r.reviewer.startswith("critic:")
    ]


def test_critic_rejects_a_broken_api_spec_and_the_revision_passes() -> None:
    pipeline = Pipeline.load(provider=NoErrorResponses(), gates="critic", verify=False)
    view = pipeline.run(BOOKMARKS)
    assert view.status == "done"
    api_spec = view.step("api_spec")
    assert [r.attempt for r in api_spec.records] == [1, 2]
    assert not any(f.severity == "error" for f in api_spec.findings[1])  # checks passed it
    assert _critic_reviews(view, "api_spec") == [
        (1, "critic:api-reviewer", "reject"),
        (1, "critic:security-reviewer", "approve"),
        (2, "critic:api-reviewer", "approve"),
        (2, "critic:security-reviewer", "approve"),
    ]
    rejection = api_spec.reviews[0]
    assert rejection.policy == "critic" and "declares no error response" in rejection.comment
    # the rejection reached the next attempt as feedback (Review.as_feedback)
    feedback = api_spec.records[1].feedback
    assert feedback[0].startswith("Reviewer api-reviewer (reject):")
    assert any("declares no error response" in line for line in feedback)
    assert api_spec.approved_attempt == 2


def test_a_critic_that_keeps_rejecting_hands_over_to_a_human() -> None:
    pipeline = Pipeline.load(provider=NoErrorResponses(broken=3), gates="critic", verify=False)
    view = pipeline.run(BOOKMARKS)
    assert view.status == "waiting"
    (pending,) = view.pending
    assert pending.step == "api_spec" and pending.attempt == 3
    assert "critic still rejects" in pending.reason
    assert [a for a, _, v in _critic_reviews(view, "api_spec") if v == "reject"] == [1, 2, 3]
    view = pipeline.review(view.info.run_id, approve=True, comment="known gap, tracked")
    assert view.status == "done"
    assert view.step("api_spec").approved_attempt == 3


def test_gates_critic_on_the_cli_runs_offline_with_the_builtin_critic() -> None:
    code, out = invoke("run", BOOKMARKS, "--gates", "critic", "--no-verify")
    assert code == 0, out
    assert "builtin specialist" in out
    run_id = run_id_from(out)
    code, shown = invoke("show", run_id, "api_spec")
    assert "by critic:api-reviewer" in shown and "by critic:security-reviewer" in shown
    code, shown = invoke("show", run_id, "schema")
    assert "by critic:dba-reviewer" in shown


def _pipeline_file(tmp_path: Path, **api_spec: Any) -> Path:
    data = yaml.safe_load((REPO / "graphs" / "backend-feature.yaml").read_text())
    for step in data["steps"]:
        if step["id"] == "api_spec":
            step.update(api_spec)
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_step_names_its_own_reviewers_in_the_yaml(tmp_path: Path) -> None:
    graph = _pipeline_file(tmp_path, gate="critic", reviewers=["security-reviewer"])
    pipeline = Pipeline.load(graph, provider=NoErrorResponses(), verify=False)
    view = pipeline.run(BOOKMARKS)
    assert view.status == "done"
    # only the security reviewer was asked, so the missing error responses went through
    assert _critic_reviews(view, "api_spec") == [(1, "critic:security-reviewer", "approve")]
    assert _critic_reviews(view, "schema") == []  # other steps keep their auto gate


def test_an_unknown_reviewer_is_refused_before_the_run(tmp_path: Path) -> None:
    graph = _pipeline_file(tmp_path, gate="critic", reviewers=["nobody-reviewer"])
    with pytest.raises(PipelineFileError, match="nobody-reviewer"):
        Pipeline.load(graph, provider="builtin", verify=False).run(BOOKMARKS)


def test_claude_reviews_are_paid_for_and_kept(fake: FakeMessagesAPI) -> None:
    specialist = AnthropicSpecialist(KEY, base_url=fake.base_url)
    pipeline = Pipeline.load(provider=specialist, gates="critic", verify=False)
    view = pipeline.run(BOOKMARKS)
    assert view.status == "done"
    purposes = {(e.step, e.purpose) for e in view.ledger.entries}
    assert ("api_spec", "review:api-reviewer") in purposes
    assert ("api_spec", "review:security-reviewer") in purposes
    assert ("schema", "review:dba-reviewer") in purposes
    reviews = [r for r in fake.requests if r.kind == "review"]
    assert len(reviews) == sum(1 for _, p in purposes if p.startswith("review:"))
    assert _critic_reviews(view, "design") == [(1, "critic:security-reviewer", "approve")]


def test_a_failed_review_keeps_its_calls_and_resume_asks_again_without_reproducing(
    fake: FakeMessagesAPI,
) -> None:
    # requests: requirements, design, design's security review (unusable, then overloaded)
    fake.inject(
        Fault.slow(0.0), Fault.slow(0.0), Fault.invalid_artifact(), *[Fault.overloaded()] * 4
    )
    pipeline = Pipeline.load(
        provider=AnthropicSpecialist(KEY, base_url=fake.base_url), gates="critic", verify=False
    )
    view = pipeline.run(BOOKMARKS)
    assert view.status == "stopped"
    design = view.step("design")
    assert design.status == "errored" and "overloaded" in (design.error or "")
    assert [(e.purpose, e.outcome) for e in design.ledger.entries] == [
        ("produce", "ok"),
        ("review:security-reviewer", "retried_validation"),
    ]
    view = pipeline.resume(view.info.run_id)
    assert view.status == "done"
    design = view.step("design")
    assert [r.attempt for r in design.records] == [1]  # the artifact was not paid for twice
    assert [(e.call, e.purpose, e.outcome) for e in design.ledger.entries] == [
        (1, "produce", "ok"),
        (2, "review:security-reviewer", "retried_validation"),
        (3, "review:security-reviewer", "ok"),
    ]


def test_restart_command_targets_the_node_each_step_stopped_in() -> None:
    steps = {"a": new_step_state(), "b": new_step_state(), "c": new_step_state()}
    steps["a"] = {**steps["a"], "status": "errored", "error": "x", "stopped_in": "produce"}
    steps["b"] = {**steps["b"], "status": "over_budget", "error": "y", "stopped_in": "review"}
    state: RunState = {"steps": steps}
    command = restart_command(state, budget=None)
    assert command is not None
    assert command.goto == ["a", "b.review"]
    assert command.update is not None
    update: dict[str, Any] = dict(command.update)
    assert update["steps"]["a"]["status"] == "running"
    assert update["steps"]["b"]["status"] == "reviewing"
    assert "budget_usd" not in update
    assert restart_command({"steps": {"c": steps["c"]}}) is None
