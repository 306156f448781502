"""The store conformance suite through the real CLI, the same on SQLite and PostgreSQL: a run
with ``--store URL``, kill -9 mid-run and resume in a new process, a review answered from a
second process. Each PostgreSQL test has its own schema (dropped afterwards), so what it
reads back is its own run, never one left in the shared database by someone else."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from featureline.api import Workspace
from tests.clihelpers import featureline, invoke, run_id_from
from tests.conftest import REPO, REQUESTS

BOOKMARKS = str(REQUESTS / "bookmarks.md")


def _events(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines if line.strip().startswith("{")]


def test_run_status_and_runs_through_the_cli(store_url: str) -> None:
    code, output = invoke("--store", store_url, "run", BOOKMARKS, "--no-verify")
    assert code == 0, output
    run_id = run_id_from(output)
    code, output = invoke("--store", store_url, "runs")
    assert code == 0, output
    assert run_id in output
    assert [r.run_id for r in Workspace(store=store_url).runs()] == [run_id]
    code, output = invoke("--store", store_url, "status", run_id)
    assert code == 0 and "done" in output, output
    view = Workspace(store=store_url).status(run_id)
    assert view.status == "done" and all(s.status == "approved" for s in view.steps)


def test_kill_9_mid_run_then_resume_runs_no_completed_step_twice(
    store_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "FEATURELINE_BUILTIN_DELAY": "0.4"}
    argv = [sys.executable, "-m", "featureline", "--log-json", "--store", store_url]
    first = subprocess.Popen(
        [*argv, "run", BOOKMARKS, "--no-verify"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert first.stderr is not None
    first_lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = first.stderr.readline()
        if not line:
            break
        first_lines.append(line)
        event = json.loads(line) if line.startswith("{") else {}
        # the parallel stage has started: design is checkpointed, schema/api_spec in flight
        if event.get("event") == "step.started" and event.get("step") == "api_spec":
            first.send_signal(signal.SIGKILL)
            break
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL, "the run finished before it could be killed"

    run_id = next(str(e["run_id"]) for e in _events(first_lines) if "run_id" in e)
    before = Workspace(store=store_url).status(run_id)
    assert before.status == "stopped"
    completed = {s.id for s in before.steps if s.status == "approved"}
    assert {"requirements", "design"} <= completed and "implementation" not in completed

    resumed = featureline("--log-json", "--store", store_url, "resume", run_id, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = Workspace(store=store_url).status(run_id)
    assert after.status == "done"
    started_before = Counter(
        str(e["step"]) for e in _events(first_lines) if e.get("event") == "step.started"
    )
    started_after = Counter(
        str(e["step"])
        for e in _events(resumed.stderr.splitlines())
        if e.get("event") == "step.started"
    )
    for step in completed:
        assert (started_before[step], started_after[step]) == (1, 0), step
    assert set(started_before) | set(started_after) == {s.id for s in after.steps}
    assert all(len(s.records) == 1 for s in after.steps)  # nothing duplicated, nothing lost


def test_review_from_a_second_process(store_url: str, tmp_path: Path) -> None:
    started = featureline(
        "--store", store_url, "run", BOOKMARKS, "--gates", "human", "--no-verify", cwd=tmp_path
    )
    assert started.returncode == 3, started.stdout + started.stderr
    run_id = run_id_from(started.stdout)
    comment = "Also let users export bookmarks as CSV"
    rejected = featureline(
        "--store", store_url, "review", run_id, "--reject", comment, "--reviewer", "ana",
        cwd=tmp_path,
    )  # fmt: skip
    assert rejected.returncode == 3, rejected.stdout + rejected.stderr
    # a third writer (this process) approves what the second one's rejection produced
    code, output = invoke(
        "--store", store_url, "review", run_id, "requirements", "--approve", "--reviewer", "bo"
    )
    assert code == 3 and "step design" in output, output  # the next gate waits
    code, shown = invoke("--store", store_url, "show", run_id, "requirements", "--json")
    assert code == 0, shown
    step = json.loads(shown)
    assert [(r["verdict"], r["reviewer"]) for r in step["reviews"]] == [
        ("reject", "ana"),
        ("approve", "bo"),
    ]
    assert step["approved_attempt"] == 2 and any(comment in f for f in step["record"]["feedback"])
    view = Workspace(store=store_url).status(run_id)
    assert view.status == "waiting" and [p.step for p in view.pending] == ["design"]


def test_under_ci_a_missing_postgresql_fails_never_skips(tmp_path: Path) -> None:
    """The guarantee CI relies on: with CI=true and no server at FEATURELINE_PG_URL, a test
    that needs PostgreSQL fails (and outside CI it skips with the reason). Runs pytest on a
    probe test with this suite's conftest, in a fresh process per setting."""
    probe = tmp_path / "test_probe.py"
    probe.write_text("def test_needs_postgres(pg_url: str) -> None:\n    assert pg_url\n")
    dead = "postgresql://postgres@127.0.0.1:1/test?connect_timeout=2"
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest"]
    argv += ["--rootdir", str(tmp_path), str(probe)]
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "PYTEST_ADDOPTS"}}
    env["FEATURELINE_PG_URL"] = dead
    results = {}
    for ci in ("true", ""):
        env["PYTEST_ADDOPTS"] = f"--basetemp={tmp_path / ('ci' if ci else 'local')}"
        results[ci] = subprocess.run(
            argv, cwd=REPO, env={**env, "CI": ci}, capture_output=True, text=True, timeout=120
        )
    in_ci, local = results["true"], results[""]
    assert in_ci.returncode == 1, in_ci.stdout + in_ci.stderr
    assert "PostgreSQL not reachable at postgresql://postgres@127.0.0.1:1/test" in in_ci.stdout
    assert "1 error" in in_ci.stdout and "skipped" not in in_ci.stdout
    assert local.returncode == 0 and "1 skipped" in local.stdout, local.stdout + local.stderr
