"""Forks: a new run from another's approved artifacts, on finished, waiting, failed and
crashed runs on both stores; the source is untouched, the shared artifacts are the same
stored bytes, and `runs` shows the lineage."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from featureline import Workspace
from featureline.engine import RunOptions
from featureline.errors import UserInputError
from featureline.graph import downstream_of
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.scripted import ScriptedSpecialist
from featureline.store import open_store
from tests.clihelpers import invoke
from tests.runstates import STATES, checkpoint_count, make_run, raw_state

FORKED_AT = {"finished": "implementation", "waiting": None, "failed": None, "crashed": None}
"""None: the default, the source's first step that is not approved."""


@pytest.mark.parametrize("state", STATES)
def test_fork_starts_from_the_approved_artifacts_and_leaves_the_source_alone(
    state: str, store_url: str, tmp_path: Path
) -> None:
    source_id = make_run(state, store_url, tmp_path)
    workspace = Workspace(store=store_url)
    source = workspace.status(source_id)
    source_checkpoints = checkpoint_count(store_url, source_id)
    source_raw = raw_state(store_url, source_id)
    first_open = next((s.id for s in source.steps if s.status != "approved"), None)
    at = FORKED_AT[state] or first_open
    assert at is not None
    options = replace(RunOptions.from_json(source.info.options), gates="auto")

    fork = workspace.fork(source_id, at=FORKED_AT[state], options=options)

    assert fork.status == "done", [(s.id, s.status) for s in fork.steps]
    assert fork.info.options["forked_from"]["run_id"] == source_id
    assert fork.info.options["forked_from"]["at"] == at
    # the source is untouched: same checkpoints, same state
    assert checkpoint_count(store_url, source_id) == source_checkpoints
    assert raw_state(store_url, source_id) == source_raw
    # outside the fork point and its downstream: the very same artifacts, not re-run
    rerun = set(downstream_of(options.spec, at))
    shared = [s for s in source.steps if s.status == "approved" and s.id not in rerun]
    assert shared, "every scenario shares at least the requirements"
    for step in shared:
        original, forked = step.approved, fork.step(step.id)
        assert original is not None and forked.approved is not None
        assert forked.approved.content_hash == original.content_hash
        assert forked.approved.artifact == original.artifact
        assert len(forked.records) == 1
    for step_id in rerun:
        assert fork.step(step_id).records, f"{step_id} did not run in the fork"
    fork_raw = raw_state(store_url, fork.info.run_id)
    assert all("artifact" not in r for r in fork_raw["records"])
    assert fork.step(at).attempts >= 1
    # lineage in `runs`
    code, output = invoke("--store", store_url, "runs")
    assert code == 0
    row = next(line for line in output.splitlines() if fork.info.run_id in line)
    assert f"{source_id} at {at}" in row


def test_a_fork_stores_no_artifact_twice(tmp_path: Path) -> None:
    store = str(tmp_path / "f.sqlite")
    source_id = make_run("finished", store, tmp_path)
    with open_store(store) as opened:
        blobs_before, _, stored_before = opened.blobs.stats()
    source = Workspace(store=store).status(source_id)

    specialist = ScriptedSpecialist(fallback=BuiltinSpecialist())
    fork = Workspace(specialist, store=store).fork(source_id, at="design")

    assert fork.status == "done"
    assert "requirements" not in {c.step for c in specialist.calls}  # shared, not re-run
    assert fork.step("requirements").approved == source.step("requirements").approved
    with open_store(store) as opened:
        blobs_after, _, stored_after = opened.blobs.stats()
    new_hashes = {r.content_hash for s in fork.steps for r in s.records} - {
        r.content_hash for s in source.steps for r in s.records
    }
    # the builtin is deterministic: the re-run steps produce what the source has, so the
    # fork adds no blob at all — every artifact it holds is stored once, the source's
    assert new_hashes == set()
    assert (blobs_after, stored_after) == (blobs_before, stored_before)


def test_fork_refusals(tmp_path: Path) -> None:
    workspace = Workspace()
    source_id = make_run("finished", workspace.store_url, tmp_path)
    with pytest.raises(UserInputError, match="approved every step"):
        workspace.fork(source_id)
    code, output = invoke("fork", source_id, "--at", "nope")
    assert code == 2 and "unknown step 'nope'" in output, output
    code, output = invoke("fork", "nope-1234")
    assert code == 2 and "no run" in output, output
    assert [r.run_id for r in workspace.runs()] == [source_id]  # nothing half-made


def test_fork_through_the_cli_with_another_gate_policy(tmp_path: Path) -> None:
    source_id = make_run("finished", Workspace().store_url, tmp_path)
    code, output = invoke("fork", source_id, "--at", "docs", "--gates", "human")
    assert code == 3, output  # waiting at the docs gate, as --gates human asks
    match = re.search(r"run (\S+) forked from " + re.escape(source_id), output)
    assert match, output
    view = Workspace().status(match.group(1))
    assert [p.step for p in view.pending] == ["docs"]
    assert RunOptions.from_json(view.info.options).gates == "human"
    assert sum(len(s.records) for s in view.steps) == 8
