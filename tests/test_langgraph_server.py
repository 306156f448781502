"""The pipeline served by LangGraph Server: ``langgraph dev`` (in-memory runtime) from the
repository's ``langgraph.json``, driven through ``langgraph-sdk`` — a run is started,
waits at a human gate, is resumed with a decision, and its state is read back."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, REQUESTS

pytestmark = pytest.mark.slow
# its own venv (made by `make test`): langgraph-api and Schemathesis cannot share one
LANGGRAPH = REPO / ".venv-langgraph" / "bin" / "langgraph"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not LANGGRAPH.exists():
        missing = f"{LANGGRAPH} is missing: `make test` makes it"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    port = _free_port()
    log = tmp_path_factory.mktemp("langgraph") / "server.log"
    env = {
        **os.environ,
        "FEATURELINE_PROVIDER": "builtin",
        "FEATURELINE_GATES": "human",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGSMITH_TRACING": "false",
    }
    env.pop("ANTHROPIC_API_KEY", None)
    with log.open("w") as out:
        process = subprocess.Popen(
            [*_command(), "--port", str(port), "--no-browser", "--no-reload", "--allow-blocking"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(url, process, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def _command() -> list[str]:
    return [str(LANGGRAPH), "dev"]


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"langgraph dev exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"langgraph dev did not come up: {log.read_text()[-2000:]}")


def test_langgraph_json_names_the_factory() -> None:
    config = json.loads((REPO / "langgraph.json").read_text())
    module, _, name = config["graphs"]["featureline"].partition(":")
    assert (REPO / module).is_file() and name == "make_graph"


def test_a_served_run_waits_at_a_human_gate_and_resumes(server: str) -> None:
    from langgraph_sdk import get_sync_client

    from featureline.server import initial_input

    client = get_sync_client(url=server)
    request = (REQUESTS / "bookmarks.md").read_text()
    thread = client.threads.create()
    tid = thread["thread_id"]

    run = client.runs.create(tid, "featureline", input=initial_input(request, run_id="served-1"))
    client.runs.join(tid, run["run_id"])
    state: Any = client.threads.get_state(tid)
    assert state["next"] == ["requirements.gate"]
    (waiting,) = [i for task in state["tasks"] for i in task["interrupts"]]
    assert waiting["value"]["step"] == "requirements"
    steps = state["values"]["steps"]
    assert steps["requirements"]["status"] != "approved"
    assert steps["design"]["status"] == "pending"

    decision = {"verdict": "approve", "reviewer": "server-test", "comment": "ok"}
    resumed = client.runs.create(tid, "featureline", command={"resume": {waiting["id"]: decision}})
    client.runs.join(tid, resumed["run_id"])
    state = client.threads.get_state(tid)
    steps = state["values"]["steps"]
    assert steps["requirements"]["status"] == "approved"
    assert state["next"] == ["design.gate"]  # the next step ran and waits for its own review
    reviews = state["values"]["reviews"]
    assert any(
        r["step"] == "requirements" and r["verdict"] == "approve" and r["reviewer"] == "server-test"
        for r in reviews
    )
    kinds = {r["step"] for r in state["values"]["records"]}
    assert kinds == {"requirements", "design"}


def test_the_factory_compiles_without_a_checkpointer(monkeypatch: pytest.MonkeyPatch) -> None:
    from featureline.server import initial_input, make_graph

    monkeypatch.setenv("FEATURELINE_PROVIDER", "builtin")
    graph = make_graph()
    assert graph.checkpointer is None  # the server brings its own
    schema = graph.get_input_jsonschema()  # needs typing_extensions.TypedDict on 3.11
    assert {"run_id", "steps", "request"} <= set(schema["properties"])
    start = initial_input("# Notes\n\nUsers can save notes.", run_id="r-1")
    assert start["run_id"] == "r-1" and set(start["steps"]) == set(graph.nodes) & set(
        start["steps"]
    )


def test_a_bad_gates_setting_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from featureline.errors import UserInputError
    from featureline.server import make_graph

    monkeypatch.setenv("FEATURELINE_PROVIDER", "builtin")
    monkeypatch.setenv("FEATURELINE_GATES", "sometimes")
    with pytest.raises(UserInputError, match="FEATURELINE_GATES='sometimes'"):
        make_graph()
