"""Two reviewers in two processes answer the same waiting attempt at once (approve vs
reject): exactly one decision lands, on that attempt; the other process is refused with
where the run stands. Never two decisions, never none, never one on another attempt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from featureline import Pipeline, Workspace
from tests.runstates import BOOKMARKS


def _review(store: str, cwd: Path, run_id: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "FEATURELINE_STORE": store, "FEATURELINE_BUILTIN_DELAY": "0.3"}
    return subprocess.Popen(
        [sys.executable, "-m", "featureline", "review", run_id, "requirements", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_racing_reviews_from_two_processes_land_exactly_once(
    store_url: str, tmp_path: Path
) -> None:
    pipeline = Pipeline.load(provider="builtin", store=store_url, verify=False, gates="human")
    for _ in range(3):
        run_id = pipeline.run(BOOKMARKS).info.run_id
        approve = _review(
            store_url, tmp_path, run_id, "--attempt", "1", "--approve", "--reviewer", "ana"
        )
        reject = _review(
            store_url, tmp_path, run_id, "--attempt", "1", "--reject", "split FR-2",
            "--reviewer", "bo",
        )  # fmt: skip
        results = {}
        for name, process in (("ana", approve), ("bo", reject)):
            out, err = process.communicate(timeout=120)
            results[name] = (process.returncode, out + err)

        view = Workspace(store=store_url).status(run_id)
        human = [r for r in view.step("requirements").reviews if r.reviewer in ("ana", "bo")]
        assert len(human) == 1, (human, results)
        decision = human[0]
        assert decision.attempt == 1
        winner, loser = decision.reviewer, ("bo" if decision.reviewer == "ana" else "ana")
        assert results[winner][0] == 3, results  # applied; the run waits at the next gate
        assert results[loser][0] == 2, results
        message = results[loser][1]
        assert (  # refused by the review claim, or earlier by the run's one-writer lease
            "already answered" in message
            or "not waiting" in message
            or "being written by" in message
        ), message
        assert len(message.strip().splitlines()) == 1, message
        if decision.verdict == "approve":
            assert view.step("requirements").approved_attempt == 1
            assert [p.step for p in view.pending] == ["design"]
        else:
            assert decision.verdict == "reject" and "split FR-2" in decision.comment
            assert [(p.step, p.attempt) for p in view.pending] == [("requirements", 2)]
