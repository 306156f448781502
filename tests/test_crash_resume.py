"""kill -9 a run while the gates run generated code in the sandbox, resume it in a new
process: the interrupted verification runs again from a clean workspace, no step's
specialist is called twice, and the measured evidence is complete. (kill -9 between steps,
on both store backends, is in test_store_conformance.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from featureline.api import Workspace
from tests.clihelpers import featureline
from tests.runhelpers import NOTES

SANDBOXED = ("pytest", "uvicorn")


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def descendants(root: int) -> list[int]:
    """Every live process below ``root`` (Linux /proc)."""
    parents = {
        int(p.name): _parent(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()
    }
    found, frontier = [], [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state


def _kill_during_verification(
    tmp_path: Path, store: Path, wanted: tuple[str, ...] = SANDBOXED
) -> tuple[str, list[int]]:
    """Start a verified run, SIGKILL it while one of ``wanted`` (the generated test suite,
    the generated service) runs in the sandbox; returns the run id and the sandboxed pids
    seen at that moment."""
    env = {**os.environ, "FEATURELINE_STORE": str(store)}
    first = subprocess.Popen(
        [sys.executable, "-m", "featureline", "run", NOTES],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    sandboxed: list[int] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and first.poll() is None and not sandboxed:
        sandboxed = [p for p in descendants(first.pid) if any(s in _command(p) for s in wanted)]
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert sandboxed, "no sandboxed process was seen"
    runs = Workspace(store=str(store)).runs()
    assert len(runs) == 1
    return runs[0].run_id, sandboxed


def _reap(pids: list[int]) -> list[int]:
    """Wait a little for sandboxed processes to end on their own, kill (by pid) any that
    did not; returns the ones that outlived the run."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    survivors = [p for p in pids if _alive(p)]
    for pid in survivors:
        try:
            os.killpg(pid, signal.SIGKILL)  # a sandboxed command leads its own process group
        except OSError:
            os.kill(pid, signal.SIGKILL)
    return survivors


def test_kill_during_sandbox_verification_then_resume(tmp_path: Path) -> None:
    store = tmp_path / "crash.sqlite"
    run_id, sandboxed = _kill_during_verification(tmp_path, store)
    _reap(sandboxed)
    before = Workspace(store=str(store)).status(run_id)
    assert before.status == "stopped"
    verified_kinds = ("implementation", "testing", "performance")
    unfinished = [s.id for s in before.steps if s.status != "approved"]
    assert set(unfinished) & set(verified_kinds), unfinished
    records_before = {s.id: len(s.records) for s in before.steps}

    resumed = featureline("resume", run_id, cwd=tmp_path, env={"FEATURELINE_STORE": str(store)})
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = Workspace(store=str(store)).status(run_id)
    assert after.status == "done"
    for step in after.steps:
        assert step.status == "approved" and step.approved_attempt == 1, step.id
        # a step whose artifact was stored before the kill is verified again, not re-produced
        if records_before[step.id]:
            assert len(step.records) == 1, step.id
    execution = after.step("testing").evidence[1]["execution"]
    assert execution["passed"] > 0 and execution["failed"] == 0 and execution["errors"] == 0
    performance = after.step("performance").evidence[1]
    assert performance["results"] and performance["verdicts"][0]["verdict"] in {"met", "not_met"}
    assert after.step("implementation").evidence[1]["routes"]


def test_nothing_sandboxed_outlives_a_killed_run(tmp_path: Path) -> None:
    _, sandboxed = _kill_during_verification(tmp_path, tmp_path / "crash.sqlite", ("uvicorn",))
    assert _reap(sandboxed) == []


def test_a_run_stopped_before_its_first_checkpoint_resumes_from_the_start(
    tmp_path: Path,
) -> None:
    """A worker killed while it still imported and compiled (the run created and held, no
    checkpoint yet) left a run whose resume failed with LangGraph's EmptyInputError."""
    from featureline import Pipeline
    from featureline.engine import RunOptions
    from featureline.request import parse_request

    pipeline = Pipeline.load(provider="builtin", store=str(tmp_path / "s.sqlite"), verify=False)
    options = RunOptions(spec=pipeline.spec, agents=pipeline.agents, gates="auto", verify=False)
    with pipeline._engine() as engine:
        info = engine.create(parse_request("Users keep notes with a title and a body."), options)
    view = pipeline.resume(info.run_id)
    assert view.status == "done", [(s.id, s.status) for s in view.steps]
