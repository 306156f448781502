"""Whole runs with Claude as the specialist, through the CLI, the real anthropic SDK and real
HTTP to the local FakeMessagesAPI (never the real API: conftest blocks non-local URLs)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from featureline.api import Workspace
from featureline.ledger import Ledger
from featureline.pipeline import load_pipeline
from featureline.providers import make_specialist
from featureline.testing import FakeMessagesAPI, Fault, RecordedRequest
from tests.clihelpers import invoke, run_id_from
from tests.conftest import REPO, REQUESTS

KEY = "sk-ant-test-N0tARealKey-but-Secret-9f8e7d6c"
BOOKMARKS = str(REQUESTS / "bookmarks.md")
PIPELINE = load_pipeline(REPO / "graphs" / "backend-feature.yaml")
RUN = ("run", BOOKMARKS, "--provider", "anthropic", "--no-verify")
_INPUT_TAG = re.compile(r'<artifact step="([^"]+)"')


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    """The fake server, with the SDK pointed at it through ANTHROPIC_BASE_URL."""
    with FakeMessagesAPI(api_key=KEY) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        yield api


def _ledger(run_id: str) -> Ledger:
    return Workspace(make_specialist("builtin")).ledger(run_id)


def _step_requests(api: FakeMessagesAPI) -> list[RecordedRequest]:
    return [r for r in api.requests if r.kind not in (None, "review") and r.fault is None]


def test_full_run_with_claude_through_the_cli(fake: FakeMessagesAPI, tmp_path: Path) -> None:
    code, out = invoke("--log-json", *RUN)
    assert code == 0, out
    run_id = run_id_from(out)
    # the run says who works, and with which model, before it starts
    first = next(line for line in out.splitlines() if line.startswith("featureline:"))
    assert "anthropic specialist (Claude, model claude-sonnet-5-5" in first
    assert fake.base_url in first
    assert f"done: run {run_id} approved all 8 steps" in out

    requests = _step_requests(fake)
    assert sorted(str(r.kind) for r in requests) == sorted(s.kind for s in PIPELINE.steps)
    for request in requests:
        step = PIPELINE.step(str(request.kind))
        # rule 4: each step was sent exactly its declared inputs (requirements, then the
        # others newest first, so siblings share cacheable prefixes)
        declared = [s for s in PIPELINE.step_ids if s in step.inputs]
        others = [s for s in reversed(declared) if s != "requirements"]
        expected_order = (["requirements"] if "requirements" in declared else []) + others
        assert _INPUT_TAG.findall(request.user_text) == expected_order, step.id
        # breakpoints: the stable prefix (request, then requirements) and each later input,
        # never more than the API's four, never on the step-specific instructions
        blocks = request.user_blocks
        marked = [i for i, b in enumerate(blocks) if "cache_control" in b]
        first_mark = 1 if "requirements" in step.inputs else 0
        assert marked[0] == first_mark, step.id
        assert len(marked) == min(4, 1 + len(others)), step.id
        last_input = first_mark + len(others)  # then the last inputs, up to four in all
        assert marked[1:] == list(range(last_input - len(marked) + 2, last_input + 1)), step.id
        assert "Step: " not in "".join(blocks[i]["text"] for i in marked)
        assert blocks[0]["text"].startswith("<feature_request>")
    # the stable prefix is written once, then read by later steps
    ledger = _ledger(run_id)
    assert len(ledger.entries) == 8
    assert {e.outcome for e in ledger.entries} == {"ok"}
    assert ledger.total().cache_read_tokens > 0
    assert ledger.total_cost > 0
    assert all((e.request_id or "").startswith("req_fake_") for e in ledger.entries)

    code, cost = invoke("cost", run_id)
    assert code == 0, cost
    assert "by step" in cost and "by model" in cost and "by outcome" in cost
    assert "claude-sonnet-5-5" in cost and f"${ledger.total_cost:.4f}" in cost
    code, runs = invoke("runs")
    assert f"${ledger.total_cost:.4f}" in runs
    code, shown = invoke("show", run_id)
    assert f"spent ${ledger.total_cost:.4f}" in shown
    code, exported = invoke("export", run_id, str(tmp_path / "out"))
    assert code == 0, exported

    # the key reached the server, and nothing else: not the store, the logs, the export
    assert all(KEY in json.dumps(r.headers) for r in fake.requests)
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    finished = [e for e in events if e.get("event") == "step.finished"]
    assert len(finished) == 8  # the JSON log lines were captured here, one per step
    assert all(e["run_id"] == run_id and e["step"] and "cost_usd" in e for e in finished)
    assert KEY not in out and KEY not in cost and KEY not in shown
    stored = list(tmp_path.glob("store.sqlite*"))
    assert stored
    for path in stored:
        assert KEY.encode() not in path.read_bytes(), path
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path


def test_key_alone_selects_claude_and_a_429_is_retried(fake: FakeMessagesAPI) -> None:
    fake.inject(Fault.rate_limited())
    code, out = invoke("run", BOOKMARKS, "--no-verify")  # no --provider: the key decides
    assert code == 0, out
    assert "with the anthropic specialist" in out
    run_id = run_id_from(out)
    assert [r.fault.status for r in fake.requests if r.fault is not None] == [429]
    ledger = _ledger(run_id)
    assert len(ledger.entries) == 8  # the 429 was retried inside the SDK, then paid once
    assert ledger.by_step()["requirements"].calls == 1


def test_persistent_529_stops_resumably_and_keeps_the_paid_calls(fake: FakeMessagesAPI) -> None:
    # requirements answers; design's first answer is unusable (paid, re-asked), then the
    # API stays overloaded through the SDK's retries
    fake.inject(Fault.slow(0.0), Fault.invalid_artifact(), *[Fault.overloaded()] * 4)
    code, out = invoke(*RUN)
    assert code == 1, out
    run_id = run_id_from(out)
    assert "the API is overloaded after 4 attempts" in out
    assert f"resume with `featureline resume {run_id}`" in out
    assert fake.pending_faults == 0
    before = _ledger(run_id)
    design = before.for_step("design")
    assert [(e.attempt, e.outcome) for e in design.entries] == [(1, "retried_validation")]
    assert design.total_cost > 0
    code, status = invoke("status", run_id)
    assert "errored" in status and "overloaded" in status

    code, out = invoke("resume", run_id)
    assert code == 0, out
    assert "resuming run" in out and "anthropic specialist" in out
    after = _ledger(run_id)
    assert after.entries[: len(before.entries)] == before.entries  # nothing lost
    assert [(e.attempt, e.outcome) for e in after.for_step("design").entries] == [
        (1, "retried_validation"),
        (2, "ok"),
    ]
    code, cost = invoke("cost", run_id)
    assert "retried_validation" in cost


def test_tiny_budget_stops_before_any_call_and_resume_raises_it(fake: FakeMessagesAPI) -> None:
    code, out = invoke(*RUN, "--max-cost", "0.01")
    assert code == 1, out
    run_id = run_id_from(out)
    assert "budget reached before step 'requirements'" in out
    assert "--max-cost USD" in out
    assert fake.requests == []  # the call that could pass the budget was never made
    code, out = invoke("resume", run_id, "--max-cost", "100")
    assert code == 0, out
    assert "budget $100.00" in out
    assert f"done: run {run_id}" in out
    code, cost = invoke("cost", run_id)
    assert "budget $100.0000" in cost


def test_budget_stop_mid_run_keeps_what_was_spent(fake: FakeMessagesAPI) -> None:
    code, out = invoke(*RUN, "--max-cost", "0.5")
    assert code == 1, out
    run_id = run_id_from(out)
    spent = _ledger(run_id)
    assert 0 < spent.total_cost <= 0.5
    assert "over budget" in out
    code, out = invoke("resume", run_id, "--max-cost", "5")
    assert code == 0, out
    assert _ledger(run_id).entries[: len(spent.entries)] == spent.entries


@pytest.mark.parametrize(
    ("server", "args", "message"),
    [
        ({}, (), "no Anthropic API key"),
        ({"api_key": KEY}, (), "the API rejected the key (401"),
        ({"known_models": {"claude-sonnet-5-5"}}, ("--model", "opus"), "was not found (404)"),
        ({"max_request_bytes": 2000}, (), "too large for the API (413)"),
    ],
    ids=["missing-key", "bad-key", "unknown-model", "too-large"],
)
def test_configuration_errors_are_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, server: dict[str, object], args: tuple[str, ...], message: str
) -> None:
    with FakeMessagesAPI(**server) as api:  # type: ignore[arg-type]
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        if message != "no Anthropic API key":
            key = "sk-wrong" if "401" in message else KEY
            monkeypatch.setenv("ANTHROPIC_API_KEY", key)
        code, out = invoke(*RUN, *args)
    assert code == 2, out
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], out
    assert "Traceback" not in out
