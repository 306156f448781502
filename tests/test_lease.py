"""One writer per run: the lease in the store (SQLite and PostgreSQL), and the CLI races it
decides — two resumes, two reviews."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from featureline.api import Workspace
from featureline.errors import RunLockedError
from featureline.lease import LEASE_TTL
from featureline.store import open_store
from tests.conftest import REQUESTS
from tests.test_store import _info


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _plant(store_url: str, run_id: str, *, pid: int, host: str, age: timedelta) -> None:
    """A lease row as another (possibly dead, possibly remote) process left it."""
    stamp = (datetime.now(UTC) - age).isoformat()
    with open_store(store_url) as store:
        leases = store.runs.leases
        leases._run(
            "INSERT INTO featureline_leases (run_id, token, pid, host, started, since, heartbeat)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run_id, uuid4().hex, pid, host, None, stamp, stamp),
        )


def test_a_second_writer_is_refused_with_the_holder_named(store_url: str) -> None:
    run_id = f"lease-{uuid4().hex[:8]}"
    with open_store(store_url) as first, open_store(store_url) as second:
        lease = first.runs.leases.acquire(run_id)
        with pytest.raises(RunLockedError) as refused:
            second.runs.leases.acquire(run_id)
        message = str(refused.value)
        assert f"pid {os.getpid()}" in message
        assert f"host {socket.gethostname()}" in message
        assert "since 20" in message and "\n" not in message
        assert refused.value.exit_code == 2
        lease.release()
        second.runs.leases.acquire(run_id).release()  # free again once released


def test_a_dead_holders_lease_is_taken_over(store_url: str) -> None:
    run_id = f"lease-{uuid4().hex[:8]}"
    _plant(store_url, run_id, pid=_dead_pid(), host=socket.gethostname(), age=timedelta(0))
    with open_store(store_url) as store:
        lease = store.runs.leases.acquire(run_id)
        holder = store.runs.leases.holder(run_id)
        assert holder is not None and holder.pid == os.getpid()
        lease.release()


def test_a_reused_pid_does_not_keep_a_dead_holders_lease(store_url: str) -> None:
    """Same host, same pid as a live process, but another start time: the holder is dead."""
    run_id = f"lease-{uuid4().hex[:8]}"
    stamp = datetime.now(UTC).isoformat()
    with open_store(store_url) as store:
        store.runs.leases._run(
            "INSERT INTO featureline_leases (run_id, token, pid, host, started, since, heartbeat)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run_id, uuid4().hex, os.getpid(), socket.gethostname(), 1, stamp, stamp),
        )
        store.runs.leases.acquire(run_id).release()


def test_a_remote_holder_counts_as_alive_while_its_heartbeat_is_fresh(store_url: str) -> None:
    fresh, stale = f"lease-{uuid4().hex[:8]}", f"lease-{uuid4().hex[:8]}"
    _plant(store_url, fresh, pid=1, host="elsewhere.example", age=timedelta(0))
    _plant(store_url, stale, pid=1, host="elsewhere.example", age=LEASE_TTL * 2)
    with open_store(store_url) as store:
        with pytest.raises(RunLockedError, match=r"elsewhere\.example"):
            store.runs.leases.acquire(fresh)
        store.runs.leases.acquire(stale).release()


def test_racing_takeovers_of_a_dead_lease_have_one_winner(store_url: str) -> None:
    for _ in range(5):
        run_id = f"lease-{uuid4().hex[:8]}"
        _plant(store_url, run_id, pid=_dead_pid(), host=socket.gethostname(), age=timedelta(0))
        outcomes: list[str] = []
        start, done = threading.Barrier(4), threading.Barrier(4)

        def take(
            run_id: str = run_id,
            start: threading.Barrier = start,
            done: threading.Barrier = done,
            outcomes: list[str] = outcomes,
        ) -> None:
            with open_store(store_url) as store:
                start.wait()
                try:
                    store.runs.leases.acquire(run_id)
                    outcomes.append("won")
                except RunLockedError:
                    outcomes.append("refused")
                done.wait()  # the winner holds on until every rival has tried

        threads = [threading.Thread(target=take) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["refused", "refused", "refused", "won"]


def test_a_lease_still_held_when_its_store_closes_is_released_with_its_heartbeat(
    store_url: str,
) -> None:
    """A heartbeat must not outlive its connection (it would log 'connection is closed'
    into whatever runs next) nor leave the run looking held."""
    run_id = f"lease-{uuid4().hex[:8]}"
    with open_store(store_url) as store:
        lease = store.runs.leases.acquire(run_id)
    assert not lease._thread.is_alive()
    with open_store(store_url) as store:
        assert store.runs.leases.holder(run_id) is None


def test_status_comes_from_the_lease_not_the_stored_column(store_url: str) -> None:
    run_id = f"lease-{uuid4().hex[:8]}"
    with open_store(store_url) as store:
        store.runs.create(_info(run_id))  # stored as "running" by a process long gone
        assert store.runs.get(run_id).status == "stopped"
        assert {i.run_id: i.status for i in store.runs.list()}[run_id] == "stopped"
        lease = store.runs.leases.acquire(run_id)
        assert store.runs.get(run_id).status == "running"
        assert store.runs.get(run_id).pid == os.getpid()
        lease.release()
        assert store.runs.get(run_id).status == "stopped"


# -- the CLI races ------------------------------------------------------------------------


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "featureline", "--log-json", *args],
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _started(stderr: str) -> Counter[str]:
    steps: Counter[str] = Counter()
    for line in stderr.splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            if event.get("event") == "step.started":
                steps[str(event["step"])] += 1
    return steps


def _stopped_run(tmp_path: Path, env: dict[str, str]) -> str:
    """A run killed with -9 once the design step is checkpointed."""
    first = _cli("run", str(REQUESTS / "bookmarks.md"), "--no-verify", env=env, cwd=tmp_path)
    assert first.stderr is not None
    run_id = ""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = first.stderr.readline()
        if not line:
            break
        event = json.loads(line) if line.startswith("{") else {}
        run_id = str(event.get("run_id") or run_id)
        if event.get("event") == "step.started" and event.get("step") in ("schema", "api_spec"):
            first.send_signal(signal.SIGKILL)
            break
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL and run_id
    return run_id


def test_two_resumes_of_one_run_execute_it_exactly_once(tmp_path: Path) -> None:
    env = {"FEATURELINE_STORE": str(tmp_path / "race.sqlite"), "FEATURELINE_BUILTIN_DELAY": "0.3"}
    run_id = _stopped_run(tmp_path, env)
    assert Workspace(store=env["FEATURELINE_STORE"]).status(run_id).status == "stopped"
    racers = [_cli("resume", run_id, env=env, cwd=tmp_path) for _ in range(2)]
    outputs = [r.communicate(timeout=300) for r in racers]
    codes = sorted(r.returncode for r in racers)
    executed = [_started(err) for _, err in outputs]
    refused = [err for (_, err), r in zip(outputs, racers, strict=True) if r.returncode == 2]
    # one executes; the other is refused naming the holder, or (if it came after) finds
    # the run done and executes nothing
    assert codes in ([0, 0], [0, 2]), outputs
    assert sum(1 for steps in executed if steps) == 1, executed
    for message in refused:
        assert f"run {run_id} is being written by pid" in message
    total = executed[0] + executed[1]
    assert all(count == 1 for count in total.values()), total
    after = Workspace(store=env["FEATURELINE_STORE"]).status(run_id)
    assert after.status == "done"
    assert all(len(step.records) == 1 for step in after.steps)


def test_racing_reviews_have_one_winner(tmp_path: Path) -> None:
    env = {"FEATURELINE_STORE": str(tmp_path / "review.sqlite"), "FEATURELINE_BUILTIN_DELAY": "0.5"}
    started = _cli(
        "run",
        str(REQUESTS / "bookmarks.md"),
        "--no-verify",
        "--gates",
        "human",
        env=env,
        cwd=tmp_path,
    )
    _, err = started.communicate(timeout=300)
    assert started.returncode == 3, err
    run_id = next(
        str(json.loads(line)["run_id"])
        for line in err.splitlines()
        if line.startswith("{") and "run_id" in json.loads(line)
    )
    racers = [
        _cli("review", run_id, "--approve", "--reviewer", f"r{n}", env=env, cwd=tmp_path)
        for n in range(2)
    ]
    outputs = [r.communicate(timeout=300) for r in racers]
    codes = sorted(r.returncode for r in racers)
    assert codes == [2, 3], outputs  # the winner runs on to the next gate; the loser exits 2
    loser = next(err for (_, err), r in zip(outputs, racers, strict=True) if r.returncode == 2)
    assert "is being written by pid" in loser or "is not waiting for review" in loser
    view = Workspace(store=env["FEATURELINE_STORE"]).status(run_id)
    approvals = [r for s in view.steps for r in s.reviews if r.verdict == "approve"]
    assert len(approvals) == 1, approvals
