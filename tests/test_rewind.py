"""Reopening a step in place: ``rewind`` from a finished, waiting, failed or crashed run on
both stores, ``review --reject --reopen`` from a gate, reviews bound to an attempt, and
the reopen transition itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from featureline import Pipeline, Workspace
from featureline.errors import ReviewError
from featureline.graph import TaskWrites, reopen_input
from featureline.paths import resolve_pipeline_path
from featureline.pipeline import load_pipeline
from featureline.views import RunView
from tests.clihelpers import invoke
from tests.runstates import BOOKMARKS, STATES, make_run, raw_state

REWOUND = {
    "finished": "implementation",
    "waiting": "design",
    "failed": "design",
    "crashed": "implementation",
}
UPSTREAM = {
    "implementation": ("requirements", "design", "schema", "api_spec"),
    "design": ("requirements",),
}


def _history(view: RunView) -> set[tuple[str, int, str]]:
    return {(r.step, r.attempt, r.content_hash) for s in view.steps for r in s.records}


@pytest.mark.parametrize("state", STATES)
def test_rewind_reopens_the_step_and_everything_after_it(
    state: str, store_url: str, tmp_path: Path
) -> None:
    run_id = make_run(state, store_url, tmp_path)
    step = REWOUND[state]
    workspace = Workspace(store=store_url)
    before = workspace.status(run_id)
    old_attempts = {s.id: s.attempts for s in before.steps}

    after = workspace.rewind(run_id, step, comment="use soft deletes", reviewer="ana")

    # the reopened step ran again, with the comment as its feedback
    reopened = after.step(step)
    assert reopened.attempts == old_attempts[step] + 1
    newest = reopened.records[-1]
    assert any("use soft deletes" in line and "ana" in line for line in newest.feedback)
    assert any(r.verdict == "reopen" and r.reviewer == "ana" for r in reopened.reviews)
    # nothing upstream ran again; every earlier attempt is still in the history
    for upstream in UPSTREAM[step]:
        assert after.step(upstream).attempts == old_attempts[upstream], upstream
        assert after.step(upstream).status == "approved"
    assert _history(before) <= _history(after)
    if state == "waiting":  # human gates: the reopened step waits at its gate again
        assert after.status == "waiting"
        assert [(p.step, p.attempt) for p in after.pending] == [("design", 2)]
        assert {after.step(s).status for s in ("schema", "api_spec")} == {"pending"}
    else:
        assert after.status == "done", [(s.id, s.status) for s in after.steps]
        for downstream in ("testing", "performance", "docs"):
            assert after.step(downstream).approved_attempt == after.step(downstream).attempts
            assert after.step(downstream).attempts >= 1
    # records hold references: the artifacts are stored once, outside the checkpoint
    assert all("artifact" not in r for r in raw_state(store_url, run_id)["records"])


def test_rewind_keeps_a_gate_outside_the_reopened_steps_waiting() -> None:
    pipeline = Pipeline.load(provider="builtin", verify=False, gates="human")
    view = pipeline.run(BOOKMARKS)
    run_id = view.info.run_id
    for _ in range(2):
        view = pipeline.review(run_id, approve=True)
    assert {p.step for p in view.pending} == {"schema", "api_spec"}

    view = pipeline.rewind(run_id, "schema", comment="name the join table bookmark_tags")

    # schema attempt 2 was produced in the same superstep as api_spec's gate asked again;
    # LangGraph finishes a superstep only when all its tasks do, so schema's checks and
    # gate follow once api_spec is answered
    assert [(p.step, p.attempt) for p in view.pending] == [("api_spec", 1)]
    assert view.step("schema").attempts == 2
    assert view.step("api_spec").attempts == 1  # not re-run: only its gate asks again
    view = pipeline.review(run_id, step="api_spec", approve=True, attempt=1)
    assert view.step("api_spec").status == "approved"
    assert [(p.step, p.attempt) for p in view.pending] == [("schema", 2)]


def test_reopen_from_a_gate_names_an_upstream_step_through_the_cli() -> None:
    pipeline = Pipeline.load(provider="builtin", verify=False, gates="human")
    run_id = pipeline.run(BOOKMARKS).info.run_id
    view = pipeline.status(run_id)
    while not {p.step for p in view.pending} & {"testing"}:
        view = pipeline.review(run_id, step=view.pending[0].step, approve=True)

    code, output = invoke(
        "review", run_id, "testing", "--attempt", "1",
        "--reject", "the implementation never sets folder", "--reopen", "implementation",
        "--reviewer", "bo",
    )  # fmt: skip

    assert code == 3, output  # waiting again: at the reopened implementation's gate
    view = pipeline.status(run_id)
    assert [(p.step, p.attempt) for p in view.pending] == [("implementation", 2)]
    testing = view.step("testing")
    rejection = [r for r in testing.reviews if r.verdict == "reject"]
    assert len(rejection) == 1 and rejection[0].attempt == 1 and rejection[0].reviewer == "bo"
    assert "reopens implementation" in rejection[0].comment
    assert testing.status == "pending" and testing.attempts == 1
    feedback = view.step("implementation").records[-1].feedback
    assert any("rejected testing attempt 1" in line for line in feedback)


def test_refusals_are_one_line_with_exit_2() -> None:
    pipeline = Pipeline.load(provider="builtin", verify=False, gates="human")
    run_id = pipeline.run(BOOKMARKS).info.run_id
    pipeline.review(run_id, approve=True)
    pipeline.review(run_id, approve=True)  # now waiting at schema and api_spec

    cases = [
        (("rewind", run_id, "implementation"), "has not run yet"),
        (("rewind", run_id, "nope"), "unknown step"),
        (("review", run_id, "schema", "--attempt", "2", "--approve"), "not waiting"),
        (("review", run_id, "design", "--approve"), "approved (attempt 1)"),
        (
            ("review", run_id, "schema", "--reject", "x", "--reopen", "api_spec"),
            "not upstream of schema",
        ),
        (("review", run_id, "schema", "--approve", "--reopen", "design"), "--reopen goes with"),
    ]
    for args, expected in cases:
        code, output = invoke(*args)
        assert code == 2, (args, output)
        assert expected in output, (args, output)
        assert len(output.strip().splitlines()) == 1, output
    view = pipeline.status(run_id)  # nothing changed
    assert {(p.step, p.attempt) for p in view.pending} == {("schema", 1), ("api_spec", 1)}


def test_a_stale_decision_is_refused_with_the_current_state() -> None:
    pipeline = Pipeline.load(provider="builtin", verify=False, gates="human")
    run_id = pipeline.run(BOOKMARKS).info.run_id
    pipeline.review(run_id, approve=True, attempt=1)
    with pytest.raises(ReviewError, match=r"requirements.*approved \(attempt 1\)"):
        pipeline.review(run_id, step="requirements", reject="too late", attempt=1)
    pipeline.review(run_id, reject="add a tag limit", attempt=1)  # design attempt 1 -> 2
    with pytest.raises(ReviewError, match=r"design attempt 1 is not waiting.*attempt 2"):
        pipeline.review(run_id, approve=True, attempt=1)
    view = pipeline.review(run_id, approve=True, attempt=2)
    design = view.step("design")
    assert [(r.attempt, r.verdict) for r in design.reviews] == [(1, "reject"), (2, "approve")]


def test_reopen_input_carries_finished_work_and_resumes_unfinished_nodes() -> None:
    """Pure: the transition keeps what a finished parallel task wrote, resets the
    reopened steps, and sends a step outside them back to its discarded node."""
    spec = load_pipeline(resolve_pipeline_path(None))
    approved = {"status": "approved", "attempts": 1, "round": 1, "round_attempts": 1,
                "feedback": [], "approved_attempt": 1}  # fmt: skip
    pending = {**approved, "status": "pending", "attempts": 0, "approved_attempt": None}
    steps = {s: dict(approved) for s in ("requirements", "design")}
    steps |= {s: dict(pending) for s in spec.step_ids if s not in steps}
    steps["schema"] = {**pending, "status": "running"}
    steps["api_spec"] = {**pending, "status": "running"}
    state = {"run_id": "r", "steps": steps, "records": [], "reviews": []}
    finished_schema = TaskWrites(
        node="schema",
        writes=[
            ("records", [{"step": "schema", "attempt": 1, "content_hash": "sha256:x"}]),
            ("steps", {"schema": {**pending, "status": "checking", "attempts": 1}}),
            ("branch:to:schema.check", None),
        ],
        finished=True,
    )
    in_flight = TaskWrites(node="api_spec")

    update = reopen_input(
        state,  # type: ignore[arg-type]
        spec,
        "schema",
        comment="why",
        reviewer="me",
        policy="auto",
        tasks=[finished_schema, in_flight],
    )

    assert update["records"] == [{"step": "schema", "attempt": 1, "content_hash": "sha256:x"}]
    assert update["steps"]["schema"]["status"] == "pending"
    assert update["steps"]["schema"]["round"] == 2
    assert update["steps"]["schema"]["feedback"] == ["Reviewer me reopened schema (attempt 1): why"]
    assert update["steps"]["api_spec"]["resume_at"] == "api_spec"
    assert update["steps"]["api_spec"]["status"] == "running"
    assert "implementation" not in update["steps"]  # never ran: nothing to reset
    assert update["reopens"][0]["reset"] == ["schema"]
    with pytest.raises(ReviewError, match="has not run yet"):
        reopen_input(state, spec, "docs", comment="", reviewer="me", policy="auto")  # type: ignore[arg-type]


def test_a_run_still_executing_elsewhere_is_not_rewound(tmp_path: Path) -> None:
    workspace = Workspace()
    run_id = make_run("crashed", workspace.store_url, tmp_path)  # steps in flight
    holder = (  # a live process that holds the run's lease, as a running writer does
        "import sys, time\n"
        "from featureline.store import open_store\n"
        "with open_store(sys.argv[1]) as store:\n"
        "    lease = store.runs.leases.acquire(sys.argv[2])\n"
        "    print('held', flush=True)\n"
        "    time.sleep(120)\n"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", holder, workspace.store_url, run_id],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        assert workspace.status(run_id).status == "running"
        code, output = invoke("rewind", run_id, "design", "--comment", "x")
        assert code == 2 and str(other.pid) in output, output
        code, output = invoke("fork", run_id, "--at", "design")
        assert code == 2 and "still running" in output, output
    finally:
        other.kill()
        other.wait()
    assert workspace.status(run_id).step("design").attempts == 1
    assert len(workspace.runs()) == 1
