"""`featureline up`: a run's approved service on 127.0.0.1 with demo users, until Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from featureline import Pipeline
from featureline.providers.scripted import ScriptedSpecialist
from tests import gate_fixtures as fx
from tests.clihelpers import invoke

REQUEST = "# Notes\n\nUsers keep notes with tags; admins see statistics.\n"


def one_step_run(tmp_path: Path, *steps: str) -> str:
    """A run in the test's store whose listed steps are approved with the notes fixtures."""
    graph = tmp_path / "graph.yaml"
    graph.write_text(
        yaml.safe_dump(
            {
                "name": "serve",
                "description": "steps for `up`",
                "agent": "backend-specialist",
                "gate": "auto",
                "steps": [{"id": step, "instructions": step} for step in steps],
            }
        )
    )
    answers: dict[str, list[Any]] = {
        "implementation": [fx.implementation()],
        "api_spec": [fx.api_spec()],
    }
    provider = ScriptedSpecialist({s: answers[s] for s in steps if s in answers})
    request = tmp_path / "request.md"
    request.write_text(REQUEST)
    view = Pipeline.load(graph, provider=provider, verify=False).run(str(request))
    return view.info.run_id


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def processes_serving(port: int) -> list[int]:
    """Pids whose command line runs uvicorn on this port (ours only: the port is unique)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"uvicorn" in argv and str(port).encode() in argv:
            found.append(int(entry.name))
    return found


def test_an_unknown_run_is_a_one_line_error() -> None:
    code, output = invoke("up", "no-such-run-1234")
    assert code == 2
    assert output.strip().count("\n") == 0 and "no run with id" in output


def test_a_run_without_an_approved_implementation_is_refused(tmp_path: Path) -> None:
    run_id = one_step_run(tmp_path, "api_spec")
    code, output = invoke("up", run_id)
    assert code == 2
    assert "no approved implementation" in output and output.strip().count("\n") == 0


def test_a_busy_port_is_refused(tmp_path: Path) -> None:
    run_id = one_step_run(tmp_path, "implementation")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        code, output = invoke("up", run_id, "--port", str(busy.getsockname()[1]))
    assert code == 2 and "not free" in output


@pytest.mark.slow
def test_up_serves_with_working_tokens_and_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    run_id = one_step_run(tmp_path, "implementation")
    proc = subprocess.Popen(
        [sys.executable, "-m", "featureline", "up", run_id, "--json"],
        cwd=tmp_path,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first, proc.stderr.read() if proc.stderr else ""
        info = json.loads(first)
        base = info["base_url"]
        port = int(base.rsplit(":", 1)[1])
        assert base.startswith("http://127.0.0.1:") and info["spec_url"] == base + "/openapi.json"
        roles = [u["role"] for u in info["users"]]
        assert roles == ["user", "user"]  # no endpoint names a role without the api spec
        alice, bob = (u["token"] for u in info["users"])
        with httpx.Client(base_url=base, timeout=10) as client:
            assert client.get("/openapi.json").status_code == 200
            assert client.get("/v1/notes").status_code == 401
            mine = client.post(
                "/v1/notes", json={"title": "hello"}, headers={"Authorization": f"Bearer {alice}"}
            )
            assert mine.status_code == 201
            theirs = client.get(
                f"/v1/notes/{mine.json()['id']}", headers={"Authorization": f"Bearer {bob}"}
            )
            assert theirs.status_code == 404
        assert processes_serving(port)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (listening(port) or processes_serving(port)):
        time.sleep(0.2)
    assert not listening(port) and processes_serving(port) == []


@pytest.mark.slow
def test_up_creates_one_user_per_named_role(tmp_path: Path) -> None:
    run_id = one_step_run(tmp_path, "api_spec", "implementation")
    proc = subprocess.Popen(
        [sys.executable, "-m", "featureline", "up", run_id, "--json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert [u["role"] for u in info["users"]] == ["user", "user", "admin"]
        admin = info["users"][2]["token"]
        response = httpx.get(
            info["base_url"] + "/v1/stats", headers={"Authorization": f"Bearer {admin}"}
        )
        assert response.status_code == 200
        proc.terminate()  # SIGTERM stops it as cleanly as Ctrl-C
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
