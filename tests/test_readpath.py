"""The reading commands' fast path (no LangGraph) shows exactly what the engine's path shows,
on runs in every state; where only LangGraph can read a checkpoint it steps aside."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from featureline import readpath
from featureline.api import Workspace
from featureline.readpath import read_runs, read_view
from featureline.testing import FakeMessagesAPI
from tests.clihelpers import invoke, run_id_from
from tests.conftest import REQUESTS
from tests.killhelpers import kill_while_a_call_is_held

KEY = "sk-ant-test-readpath-0123456789"
BOOKMARKS = str(REQUESTS / "bookmarks.md")


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """One store with runs that are done, waiting at a human gate, stopped over budget,
    and killed in the middle of a call (a superstep with nothing saved)."""
    found: dict[str, str] = {}
    code, out = invoke("run", BOOKMARKS, "--provider", "builtin", "--gates", "auto", "--no-verify")
    assert code == 0, out
    found["done"] = run_id_from(out)
    code, out = invoke("run", BOOKMARKS, "--provider", "builtin", "--gates", "human", "--no-verify")
    assert code == 3, out
    found["waiting"] = run_id_from(out)
    with FakeMessagesAPI(api_key=KEY) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        code, out = invoke(
            "run", BOOKMARKS, "--provider", "anthropic", "--no-verify", "--max-cost", "0.05"
        )
        found["over_budget"] = run_id_from(out)
        found["killed"] = kill_while_a_call_is_held(api, tmp_path, KEY)
    return found


READINGS = [("status",), ("show",), ("cost",), ("cost", "--json"), ("show", "--json")]


def test_the_fast_path_shows_what_the_engine_shows(
    runs: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast: dict[str, str] = {}
    took_fast_path: set[str] = set()
    for state, run_id in runs.items():
        if read_view(None, run_id) is not None:
            took_fast_path.add(state)
            assert read_view(None, run_id, count=True) == Workspace().status(
                run_id, count_checkpoints=True
            )
        for reading in READINGS:
            code, out = invoke(reading[0], run_id, *reading[1:])
            fast[f"{state} {reading}"] = f"{code}\n{out}"
    code, out = invoke("runs")
    fast["runs"] = f"{code}\n{out}"
    # an interrupt is a Python object in the checkpoint: only LangGraph reads it
    assert took_fast_path == {"done", "over_budget", "killed"}

    monkeypatch.setattr(readpath, "read_view", lambda *a, **k: None)
    monkeypatch.setattr(readpath, "read_runs", lambda *a, **k: None)
    engine: dict[str, str] = {}
    for state, run_id in runs.items():
        for reading in READINGS:
            code, out = invoke(reading[0], run_id, *reading[1:])
            engine[f"{state} {reading}"] = f"{code}\n{out}"
    code, out = invoke("runs")
    engine["runs"] = f"{code}\n{out}"
    assert fast == engine
    assert (
        "stopped" in fast["killed ('status',)"] and "over_budget" in fast["over_budget ('status',)"]
    )


def test_the_runs_table_reads_spend_without_the_store(runs: dict[str, str]) -> None:
    read = read_runs(None)
    assert read is not None
    assert {info.run_id for info, _ in read} == set(runs.values())


@pytest.mark.parametrize("argv", [["runs"], ["status"], ["show"], ["cost"]])
def test_reading_a_run_loads_no_langgraph(
    argv: list[str], runs: dict[str, str], tmp_path: Path
) -> None:
    args = argv if argv == ["runs"] else [*argv, runs["done"]]
    script = (
        "import sys\n"
        "from featureline.cli.app import app\n"
        f"try:\n    app({args!r})\nexcept SystemExit as exit:\n    assert not exit.code, exit\n"
        "print(sorted(m for m in sys.modules if m.startswith(('langgraph', 'langchain'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
