"""Start-up: the CLI answers --help and --version without loading LangGraph, and reading
commands never create a store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from featureline import __version__
from featureline.cli.app import COMMANDS, load_commands
from tests.clihelpers import invoke


def test_version() -> None:
    code, out = invoke("--version")
    assert code == 0
    assert out.strip() == f"featureline {__version__}"


def test_the_command_table_matches_the_commands() -> None:
    """--help lists COMMANDS without importing them: it must stay true to the code."""
    real: dict[str, str] = {}
    for module in {module for module, _ in COMMANDS.values()}:
        for name, command in load_commands(module).items():
            real[name] = (command.help or "").strip().splitlines()[0]
    assert {name: help_ for name, (_, help_) in COMMANDS.items()} == real


def test_help_lists_every_command() -> None:
    code, out = invoke("--help")
    assert code == 0
    for name in COMMANDS:
        assert f" {name} " in out


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["runs"]])
def test_reading_commands_do_not_import_langgraph(argv: list[str], tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from featureline.cli.app import app\n"
        f"try:\n    app({argv!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('langgraph', 'anthropic'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    "argv",
    [
        ["runs"],
        ["status", "some-run"],
        ["show", "some-run"],
        ["history", "some-run"],
        ["cost", "some-run"],
        ["trace", "some-run"],
        ["resume", "some-run"],
    ],
)
def test_reading_an_empty_directory_creates_no_store(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FEATURELINE_STORE", raising=False)
    before = set(tmp_path.iterdir())
    code, out = invoke(*argv)
    assert set(tmp_path.iterdir()) == before, out
    if argv == ["runs"]:
        assert code == 0 and "no runs yet" in out
    else:
        assert code == 2 and "no run with id 'some-run'" in out


def test_runs_reads_spend_like_the_full_view(monkeypatch: pytest.MonkeyPatch) -> None:
    """`runs` reads tokens and cost from the latest checkpoint without compiling the graph;
    the numbers must be the ones `status` shows."""
    from decimal import Decimal

    from featureline.api import Workspace
    from featureline.providers import make_specialist
    from featureline.spend import run_spend
    from featureline.store import open_store
    from featureline.testing import FakeMessagesAPI
    from tests.clihelpers import run_id_from
    from tests.conftest import REQUESTS

    key = "sk-ant-test-startup-0123456789"
    with FakeMessagesAPI(api_key=key) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", key)
        code, out = invoke(
            "run", str(REQUESTS / "bookmarks.md"), "--provider", "anthropic", "--no-verify"
        )
    assert code == 0, out
    run_id = run_id_from(out)
    view = Workspace(make_specialist("builtin")).status(run_id)
    with open_store(None) as store:
        spent = run_spend(store.checkpointer, run_id)
    assert spent == (view.usage.total_tokens, view.cost_usd)
    assert spent[1] > Decimal(0)
    code, listed = invoke("runs")
    assert f"${view.cost_usd:.4f}" in listed and str(view.usage.total_tokens) in listed
