"""kill -9 a run mid-step, resume it in a new process: it completes, and no step that had
completed is executed again (counted from the provider's own log lines)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from featureline.api import Workspace
from tests.clihelpers import featureline
from tests.conftest import REQUESTS


def _events(lines: list[str]) -> list[dict[str, object]]:
    events = []
    for line in lines:
        line = line.strip()
        if line.startswith("{"):
            events.append(json.loads(line))
    return events


def test_kill_mid_run_then_resume_runs_no_completed_step_twice(tmp_path: Path) -> None:
    store = tmp_path / "crash.sqlite"
    env = {**os.environ, "FEATURELINE_STORE": str(store), "FEATURELINE_BUILTIN_DELAY": "0.4"}
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "featureline",
            "--log-json",
            "run",
            str(REQUESTS / "bookmarks.md"),
            "--no-verify",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert first.stderr is not None
    first_lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = first.stderr.readline()
        if not line:
            break
        first_lines.append(line)
        event = json.loads(line) if line.startswith("{") else {}
        # the parallel stage has started: design is checkpointed, schema/api_spec in flight
        if event.get("event") == "step.started" and event.get("step") == "api_spec":
            time.sleep(0.1)
            first.send_signal(signal.SIGKILL)
            break
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL, "the run finished before it could be killed"

    run_id = next(str(e["run_id"]) for e in _events(first_lines) if "run_id" in e)
    before = Workspace(store=str(store)).status(run_id)
    assert before.status == "stopped"
    completed = {s.id for s in before.steps if s.status == "approved"}
    assert {"requirements", "design"} <= completed
    assert "implementation" not in completed

    resumed = featureline(
        "--log-json", "resume", run_id, cwd=tmp_path, env={"FEATURELINE_STORE": str(store)}
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = Workspace(store=str(store)).status(run_id)
    assert after.status == "done"

    calls_before = Counter(
        str(e["step"]) for e in _events(first_lines) if e.get("event") == "step.started"
    )
    calls_after = Counter(
        str(e["step"])
        for e in _events(resumed.stderr.splitlines())
        if e.get("event") == "step.started"
    )
    for step in completed:
        assert calls_after[step] == 0, f"{step} was executed again after resume"
        assert calls_before[step] == 1
    assert set(calls_before) | set(calls_after) == {s.id for s in after.steps}
    # every step has exactly one attempt on record: nothing duplicated, nothing lost
    assert all(len(s.records) == 1 for s in after.steps)
