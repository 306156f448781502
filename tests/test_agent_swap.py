"""Any agent file for a run (--agent, --reviewer), the builtin critic judging any reviewer,
and resume --model for a run stopped by a model the API does not know."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from featureline.api import Workspace
from featureline.artifacts import (
    ARTIFACT_TYPES,
    ApiSpecArtifact,
    DocsArtifact,
    RequirementsArtifact,
)
from featureline.providers import builtin_critic, make_specialist
from featureline.providers.builtin_critic import GENERIC, critique
from featureline.testing import FakeMessagesAPI
from tests.clihelpers import invoke, run_id_from
from tests.conftest import REQUESTS

BOOKMARKS = str(REQUESTS / "bookmarks.md")
KEY = "sk-ant-test-swap-0123456789"
SPECIALIST = """---
name: tiny-backend
description: Use it when: a backend is needed. Examples: <example>Context: x</example>
tools: Read, Grep
model: inherit
---
You are a careful backend engineer.
"""
REVIEWER = """---
name: python-pro
description: Reviews Python. Examples: <example>Context: a PR</example>
model: sonnet
---
You review Python code.
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _workspace() -> Workspace:
    return Workspace(make_specialist("builtin"))


def test_agent_file_does_every_step(tmp_path: Path) -> None:
    agent = _write(tmp_path, "tiny.md", SPECIALIST)
    code, out = invoke("run", BOOKMARKS, "--agent", str(agent), "--gates", "auto", "--no-verify")
    assert code == 0, out
    run_id = run_id_from(out)
    info = _workspace().status(run_id).info
    options = info.options
    assert options["spec"]["agent"] == "tiny-backend"
    assert all(step.get("agent") is None for step in options["spec"]["steps"])
    assert (
        options["agents"]["tiny-backend"]["system_prompt"] == "You are a careful backend engineer."
    )


def test_reviewer_file_reviews_every_critic_step(tmp_path: Path) -> None:
    reviewer = _write(tmp_path, "python-pro.md", REVIEWER)
    code, out = invoke(
        "run", BOOKMARKS, "--reviewer", str(reviewer), "--gates", "critic", "--no-verify"
    )
    assert code == 0, out
    view = _workspace().status(run_id_from(out))
    for step in view.steps:
        reviewers = {r.reviewer for r in step.reviews if r.reviewer.startswith("critic:")}
        assert reviewers == {"critic:python-pro"}, step.id
        summary = next(r.comment for r in step.reviews if r.reviewer == "critic:python-pro")
        assert "(generic)" in summary  # judged by the kind's rules, never "no rules"


def test_a_missing_agent_file_is_one_line(tmp_path: Path) -> None:
    code, out = invoke("run", BOOKMARKS, "--agent", str(tmp_path / "nope.md"), "--no-verify")
    assert code == 2
    assert "agent file" in out and "file not found" in out


def test_folder_problems_are_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "agents"
    (folder / "nested").mkdir(parents=True)
    from featureline.paths import default_agents_dir

    for source in default_agents_dir().glob("*.md"):
        (folder / source.name).write_text(source.read_text())
    _write(folder / "nested", "a.md", REVIEWER)
    _write(folder / "nested", "b.md", REVIEWER)
    code, out = invoke("run", BOOKMARKS, "--agents", str(folder), "--gates", "auto", "--no-verify")
    assert code == 0, out
    assert "warning: agent name 'python-pro' is defined 2 times" in out


def test_every_kind_has_generic_review_rules() -> None:
    assert set(GENERIC) == set(ARTIFACT_TYPES.values())


def _built(kind: str) -> Any:
    from featureline.agents import load_agent
    from featureline.providers.builtin import BuiltinSpecialist
    from featureline.request import read_request
    from tests.conftest import REPO
    from tests.test_budget_reservation import PIPELINE, _task

    agent = load_agent(REPO / "agents" / "backend-specialist.md")
    feature = read_request(BOOKMARKS)
    built: dict[str, Any] = {}
    for step in PIPELINE.steps:
        built[step.id] = BuiltinSpecialist().produce(_task(step.id, agent, feature, built)).artifact
    return built


def test_an_unknown_reviewer_is_judged_by_the_kinds_rules() -> None:
    built = _built("all")
    api = built["api_spec"]
    assert isinstance(api, ApiSpecArtifact)
    broken = api.model_copy(
        update={"endpoints": [e.model_copy(update={"error_statuses": []}) for e in api.endpoints]}
    )
    review = critique("python-pro", broken, built["requirements"])
    assert review.verdict == "reject"
    assert any("declares no error response" in i.message for i in review.issues)
    requirements = built["requirements"]
    assert isinstance(requirements, RequirementsArtifact)
    bare = requirements.model_copy(
        update={
            "functional": [
                fr.model_copy(update={"acceptance_criteria": []}) for fr in requirements.functional
            ]
        }
    )
    assert critique("python-pro", bare).verdict == "reject"
    assert critique("python-pro", requirements).verdict == "approve"


def test_no_rules_is_never_an_approval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builtin_critic, "GENERIC", {})
    docs = _built("all")["docs"]
    assert isinstance(docs, DocsArtifact)
    review = critique("python-pro", docs)
    assert review.verdict == "reject"
    assert review.summary.startswith("Not reviewed:")


def test_resume_with_another_model_recovers_a_run_stopped_by_an_unknown_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prices = _write(
        tmp_path,
        "prices.yaml",
        "models:\n  claude-tortoise-1: "
        "{input: '1', output: '1', cache_write: '1', cache_read: '1'}\n",
    )
    with FakeMessagesAPI(api_key=KEY, known_models={"claude-sonnet-5-5"}) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        code, out = invoke(
            "run",
            BOOKMARKS,
            "--provider",
            "anthropic",
            "--model",
            "claude-tortoise-1",
            "--prices",
            str(prices),
            "--no-verify",
        )
        assert code == 2 and "model 'claude-tortoise-1' was not found" in out, out
        run_id = _workspace().runs()[0].run_id
        code, out = invoke("resume", run_id, "--model", "sonnet")
        assert code == 0, out
        assert f"done: run {run_id}" in out
        models = {r.body["model"] for r in api.requests if r.body and r.kind}
    assert "claude-sonnet-5-5" in models
