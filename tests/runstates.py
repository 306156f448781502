"""Runs in each state a time-travel command must handle: finished, waiting at a human
gate, failed (gates none, attempts used up) and crashed (the process killed with -9)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from featureline import Pipeline
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.scripted import ScriptedSpecialist
from featureline.store import open_store
from tests.conftest import REQUESTS

BOOKMARKS = str(REQUESTS / "bookmarks.md")
STATES = ("finished", "waiting", "failed", "crashed")


def finished_run(store: str) -> str:
    view = Pipeline.load(provider="builtin", store=store, verify=False).run(BOOKMARKS)
    assert view.status == "done"
    return view.info.run_id


def waiting_run(store: str) -> str:
    """Human gates, approved up to the parallel {schema, api_spec} gates, both waiting."""
    pipeline = Pipeline.load(provider="builtin", store=store, verify=False, gates="human")
    view = pipeline.run(BOOKMARKS)
    run_id = view.info.run_id
    for _ in range(2):
        view = pipeline.review(run_id, approve=True)
    assert view.status == "waiting"
    assert {p.step for p in view.pending} == {"schema", "api_spec"}
    return run_id


def failed_run(store: str) -> str:
    """Gates none, the design step broken on both of its attempts: the run failed."""
    specialist = ScriptedSpecialist({"design": [{"overview": 1}] * 2}, fallback=BuiltinSpecialist())
    loaded = Pipeline.load(provider=specialist, store=store, gates="none", verify=False)
    spec = loaded.spec.model_copy(update={"max_attempts": 2})
    pipeline = Pipeline(spec, loaded.agents, specialist, store=store, gates="none", verify=False)
    view = pipeline.run(BOOKMARKS)
    assert view.status == "failed"
    return view.info.run_id


def crashed_run(store: str, cwd: Path, kill_after: str = "docs") -> str:
    """A run killed with -9 while ``kill_after`` and its parallel steps are in flight."""
    env = {**os.environ, "FEATURELINE_STORE": store, "FEATURELINE_BUILTIN_DELAY": "0.4"}
    process = subprocess.Popen(
        [sys.executable, "-m", "featureline", "--log-json", "run", BOOKMARKS, "--no-verify"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    run_id = ""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        event: dict[str, Any] = json.loads(line) if line.startswith("{") else {}
        run_id = run_id or str(event.get("run_id", ""))
        if event.get("event") == "step.started" and event.get("step") == kill_after:
            time.sleep(0.1)
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert run_id
    return run_id


def make_run(state: str, store: str, cwd: Path) -> str:
    if state == "finished":
        return finished_run(store)
    if state == "waiting":
        return waiting_run(store)
    if state == "failed":
        return failed_run(store)
    return crashed_run(store, cwd)


def raw_state(store: str, run_id: str) -> dict[str, Any]:
    """The run's latest checkpointed state as stored (references, not artifacts)."""
    with open_store(store) as opened:
        saved = opened.checkpointer.get_tuple({"configurable": {"thread_id": run_id}})
        assert saved is not None
        return dict(saved.checkpoint["channel_values"])


def checkpoint_count(store: str, run_id: str) -> int:
    with open_store(store) as opened:
        return sum(1 for _ in opened.checkpointer.list({"configurable": {"thread_id": run_id}}))
