"""CLI paths through the real entry point that the happy-path tests do not take: review
--edit FILE, show --attempt, check RUN with sandbox verification, cost --json with
--prices FILE, resume --provider, and output that is byte-identical across processes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from featureline import Pipeline
from featureline.testing import FakeMessagesAPI, Fault
from tests.clihelpers import featureline, invoke, run_id_from
from tests.conftest import REQUESTS
from tests.runhelpers import NOTES, Tampering, pipeline_file

BOOKMARKS = str(REQUESTS / "bookmarks.md")
KEY = "sk-ant-test-cli-paths-0000"


def _step_json(run_id: str, step: str, *extra: str) -> dict[str, Any]:
    code, output = invoke("show", run_id, step, "--json", *extra)
    assert code == 0, output
    data: dict[str, Any] = json.loads(output)
    return data


def test_review_edit_from_a_file_and_show_each_attempt(tmp_path: Path) -> None:
    graph = pipeline_file(tmp_path, ["requirements", "design"])
    code, output = invoke("run", BOOKMARKS, "--graph", str(graph), "--gates", "human")
    assert code == 3, output
    run_id = run_id_from(output)
    original = _step_json(run_id, "requirements")["record"]["artifact"]
    question = "Should tags be shared between users?"
    edited = {**original, "open_questions": [*original["open_questions"], question]}

    # a file that is not a requirements artifact: one line, exit 2, nothing changes
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"title": 3}))
    code, output = invoke("review", run_id, "--edit", str(bad))
    assert code == 2 and output.startswith("error:") and len(output.strip().splitlines()) == 1
    code, output = invoke("review", run_id, "--edit", str(tmp_path / "missing.yaml"))
    assert code == 2, output
    assert _step_json(run_id, "requirements")["attempts"] == 1

    edit = tmp_path / "requirements.yaml"
    edit.write_text(yaml.safe_dump(edited))
    code, output = invoke(
        "review", run_id, "--edit", str(edit), "--reviewer", "ana", "--comment", "a question"
    )
    assert code == 3, output  # the edit is checked again and waits at the human gate
    assert "step requirements (attempt 2)" in output
    step = _step_json(run_id, "requirements")
    assert step["record"]["attempt"] == 2
    assert step["record"]["producer"] == {"provider": "human", "model": "ana"}
    assert step["record"]["artifact"]["open_questions"][-1] == question
    assert [(r["verdict"], r["reviewer"], r["comment"]) for r in step["reviews"]] == [
        ("edit", "ana", "a question")
    ]

    # show --attempt: the first attempt is kept as it was (rule 5)
    first = _step_json(run_id, "requirements", "--attempt", "1")
    assert (
        first["record"]["attempt"] == 1
        and question not in first["record"]["artifact"]["open_questions"]
    )
    code, text = invoke("show", run_id, "requirements", "--attempt", "1")
    assert code == 0 and "attempt 1 (round 1) by builtin/" in text, text
    code, text = invoke("show", run_id, "requirements", "--attempt", "2")
    assert code == 0 and "attempt 2 (round 1) by human/ana" in text and question in text
    code, text = invoke("show", run_id, "requirements", "--attempt", "9")
    assert code == 2 and "step requirements has no attempt 9 (it has 2)" in text

    code, output = invoke("review", run_id, "requirements", "--approve")
    assert code == 3 and "step design" in output, output
    assert _step_json(run_id, "requirements")["approved_attempt"] == 2


def _drop_a_route(data: dict[str, Any]) -> None:
    for file in data["files"]:
        if file["path"].startswith("app/routers/") and '@router.delete("/{id}"' in file["content"]:
            file["content"] = file["content"].replace('@router.delete("/{id}"', '@router.get("/x"')


def test_check_run_verifies_in_the_sandbox_what_no_verify_let_through(tmp_path: Path) -> None:
    """`check RUN` runs the sandbox verification: a run made with --no-verify whose app does
    not serve its spec passes its gates, and `check` (verifying by default) exits 1."""
    steps = ["requirements", "design", "schema", "api_spec", "implementation"]
    pipeline = Pipeline.load(
        pipeline_file(tmp_path, steps),
        provider=Tampering("implementation", _drop_a_route),
        verify=False,
    )
    view = pipeline.run(NOTES)
    assert view.status == "done"  # unverified, the tampered app was approved
    run_id = view.info.run_id

    code, output = invoke("check", run_id, "implementation", "--no-verify")
    assert code == 0 and "not executed in the sandbox" in output, output
    code, output = invoke("check", run_id, "implementation")
    assert code == 1, output
    assert "implementation.routes" in output and "in the spec but not served by the app" in output
    assert "generated code ran in the sandbox" in output


def test_check_run_with_verification_passes_a_good_verified_run() -> None:
    code, output = invoke("run", NOTES)
    assert code == 0, output
    run_id = run_id_from(output)
    code, output = invoke("check", run_id)
    assert code == 0, output
    lines = output.splitlines()
    assert sum(" ok " in line for line in lines) == 8
    for step in ("implementation", "testing", "performance"):
        assert f"{step}.sandbox at {step}: generated code ran in the sandbox" in output, step
    assert "not executed in the sandbox" not in output


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI(api_key=KEY) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        yield api


# ten times the shipped sonnet prices
PRICES = {
    "families": {
        "sonnet": {"input": "30", "output": "150", "cache_write": "37.5", "cache_read": "3"}
    }
}


def test_cost_json_with_a_prices_file(fake: FakeMessagesAPI, tmp_path: Path) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text(yaml.safe_dump(PRICES))
    graph = pipeline_file(tmp_path, ["requirements", "design"])
    args = ("run", BOOKMARKS, "--graph", str(graph), "--provider", "anthropic", "--no-verify")
    code, output = invoke(*args, "--prices", str(prices))
    assert code == 0, output
    run_id = run_id_from(output)
    code, output = invoke("cost", run_id, "--json")
    assert code == 0, output
    ledger = json.loads(output)
    entries = ledger["entries"]
    assert [e["step"] for e in entries] == ["requirements", "design"]
    for entry in entries:
        assert entry["input_tokens"] > 0 and entry["output_tokens"] > 0
        expected = (
            Decimal(entry["input_tokens"]) * 30
            + Decimal(entry["output_tokens"]) * 150
            + Decimal(entry["cache_write_tokens"]) * Decimal("37.5")
            + Decimal(entry["cache_read_tokens"]) * 3
        ) / 1_000_000
        assert Decimal(entry["cost_usd"]) == expected, entry
    total = sum((Decimal(e["cost_usd"]) for e in entries), Decimal(0))
    assert Decimal(ledger["total"]["cost_usd"]) == total > 0
    assert set(ledger["by_step"]) == {"requirements", "design"}
    assert ledger["total"]["calls"] == 2 and ledger["budget_usd"] is None

    broken = tmp_path / "broken.yaml"
    broken.write_text("families: [not, a, table]\n")
    code, output = invoke(*args, "--prices", str(broken))
    assert code == 2, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "broken.yaml: families" in errors[0], output
    code, output = invoke("runs")
    assert code == 0 and output.count("personal-bookmarks-") == 1, output  # no run was started


def test_resume_with_another_provider(fake: FakeMessagesAPI, tmp_path: Path) -> None:
    """A run stopped by an overloaded API is finished by the builtin: `resume --provider`."""
    fake.inject(Fault.slow(0.0), *[Fault.overloaded()] * 4)
    graph = pipeline_file(tmp_path, ["requirements", "design", "api_spec"])
    code, output = invoke(
        "run", BOOKMARKS, "--graph", str(graph), "--provider", "anthropic", "--no-verify"
    )
    assert code == 1 and "overloaded" in output, output
    run_id = run_id_from(output)
    code, output = invoke("resume", run_id, "--provider", "builtin")
    assert code == 0, output
    assert "with the builtin specialist" in output
    producers = {
        step: _step_json(run_id, step)["record"]["producer"]["provider"]
        for step in ("requirements", "design", "api_spec")
    }
    assert producers == {"requirements": "anthropic", "design": "builtin", "api_spec": "builtin"}
    code, output = invoke("resume", run_id, "--provider", "nonsense")
    assert code == 2, output


def test_output_is_byte_identical_across_processes(tmp_path: Path) -> None:
    """The same request run in two processes (different hash seeds) gives byte-identical
    artifacts; one run shown from two processes prints the same bytes."""
    exports: list[Path] = []
    run_ids: list[str] = []
    for seed in ("1", "2"):
        out = tmp_path / f"export-{seed}"
        done = featureline(
            "run", BOOKMARKS, "--no-verify", "--export", str(out),
            cwd=tmp_path, env={"PYTHONHASHSEED": seed},
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        run_ids.append(run_id_from(done.stdout))
        exports.append(out)
    assert run_ids[0] != run_ids[1]
    first = sorted(p.relative_to(exports[0]) for p in exports[0].rglob("*") if p.is_file())
    second = sorted(p.relative_to(exports[1]) for p in exports[1].rglob("*") if p.is_file())
    assert first == second and len(first) > 30
    manifest = Path(".featureline-export.json")  # records when it was written: differs
    assert manifest in first
    differing = [
        str(path)
        for path in first
        if path != manifest
        and (exports[0] / path).read_bytes().replace(run_ids[0].encode(), b"RUN")
        != (exports[1] / path).read_bytes().replace(run_ids[1].encode(), b"RUN")
    ]
    assert differing == []

    # one run read back by another process (its own hash seed) and by this one
    for command in (("show", run_ids[0], "--json"), ("trace", run_ids[0])):
        there = featureline(*command, cwd=tmp_path, env={"PYTHONHASHSEED": "3"})
        code, here = invoke(*command)
        assert there.returncode == 0 == code, there.stderr
        assert there.stdout == here and "FR-1" in here
