"""Live progress: timers run while a step works, streamed tokens count up, and SDK retries
and a step's error are shown the moment they happen."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import pytest
from rich.console import Console

from featureline import activity
from featureline.cli.progress import ProgressBoard, StepRow
from featureline.pipeline import load_pipeline
from featureline.testing import FakeMessagesAPI, Fault
from tests.clihelpers import invoke
from tests.conftest import REPO, REQUESTS

PIPELINE = load_pipeline(REPO / "graphs" / "backend-feature.yaml")
KEY = "sk-ant-test-progress-0123456789"


def _board() -> tuple[ProgressBoard, io.StringIO]:
    out = io.StringIO()
    return ProgressBoard(PIPELINE, Console(file=out, width=200, force_terminal=False)), out


def _cells(board: ProgressBoard, step: str) -> list[str]:
    table = board.table()
    index = list(board.rows).index(step)
    return [str(column._cells[index]) for column in table.columns]


def test_a_running_step_shows_its_time_and_streamed_tokens() -> None:
    board, _ = _board()
    board.rows["design"] = StepRow(status="checking", attempt=1, tokens=100)
    board.rows["design"].started = time.monotonic() - 5
    with board, activity.working_on("design", "asking the model"):
        activity.streamed(250)
        cells = _cells(board, "design")
    assert float(cells[3].rstrip("s")) >= 5.0  # the timer runs during checks and calls
    assert cells[4] == "350"  # 100 counted + ~250 streaming
    assert "streaming" in cells[7]


def test_retries_and_errors_print_when_they_happen() -> None:
    board, out = _board()
    with board:
        activity.retrying("HTTP 529 from the API; the SDK retries it", step="schema")
        activity.failed("the API is overloaded after 4 attempts", step="api_spec")
        printed = out.getvalue()
    assert "retry" in printed and "schema" in printed and "HTTP 529" in printed
    assert "error" in printed and "api_spec" in printed and "overloaded" in printed


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI(api_key=KEY) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        yield api


def test_a_claude_run_shows_sdk_retries_and_the_error(fake: FakeMessagesAPI) -> None:
    fake.inject(Fault.slow(0.0), *[Fault.overloaded()] * 4)  # design: overloaded throughout
    code, out = invoke("run", str(REQUESTS / "bookmarks.md"), "--provider", "anthropic")
    assert code == 1, out
    retry_lines = [line for line in out.splitlines() if line.strip().startswith("retry")]
    assert len(retry_lines) >= 3 and all("HTTP 529" in line for line in retry_lines)
    error_line = next(line for line in out.splitlines() if line.strip().startswith("error  "))
    assert "design" in error_line and "overloaded" in error_line
    # shown before the run's own summary, as it happened
    assert out.index(error_line) < out.rindex("error:")


def test_the_provider_reports_tokens_while_an_answer_streams(fake: FakeMessagesAPI) -> None:
    from featureline.agents import load_agent
    from featureline.providers.anthropic import AnthropicSpecialist
    from featureline.providers.builtin import BuiltinSpecialist
    from featureline.request import read_request
    from tests.test_budget_reservation import _task

    agent = load_agent(REPO / "agents" / "backend-specialist.md")
    feature = read_request(str(REQUESTS / "bookmarks.md"))
    built: dict[str, object] = {}
    for step in ("requirements", "design", "schema", "api_spec"):
        built[step] = BuiltinSpecialist().produce(_task(step, agent, feature, built)).artifact  # type: ignore[arg-type]
    seen: list[int] = []
    with activity.listening(lambda step, now: seen.append(now.streamed_tokens)):
        AnthropicSpecialist(KEY, base_url=fake.base_url).produce(
            _task("implementation", agent, feature, built)  # type: ignore[arg-type]
        )
    assert len([n for n in seen if n > 0]) >= 2  # it grew while the answer streamed
    assert max(seen) > 500
