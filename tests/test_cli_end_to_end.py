"""The CLI end to end through its real entry point: run -> eight artifacts -> export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from featureline.artifacts import ARTIFACT_TYPES
from tests.clihelpers import invoke, run_id_from
from tests.conftest import REQUESTS

STEPS = list(ARTIFACT_TYPES)  # the eight steps, in the specialist's order


def test_run_show_export(tmp_path: Path) -> None:
    code, output = invoke("run", str(REQUESTS / "bookmarks.md"))
    assert code == 0, output
    assert "with the builtin specialist" in output
    run_id = run_id_from(output)
    assert run_id.startswith("personal-bookmarks-")

    code, output = invoke("show", run_id, "--json")
    assert code == 0, output
    steps = json.loads(output)
    assert [s["step"] for s in steps] == STEPS
    for step in steps:
        assert step["status"] == "approved"
        record = step["record"]
        assert record["producer"] == {"provider": "builtin", "model": "featureline-builtin-1"}
        assert record["content_hash"].startswith("sha256:")
        assert step["reviews"][-1]["verdict"] == "approve"

    code, output = invoke("show", run_id, "schema")
    assert code == 0 and "CREATE TABLE" in output

    out = tmp_path / "export"
    code, output = invoke("export", run_id, str(out))
    assert code == 0, output
    for name in (
        "01-requirements.md",
        "02-design.md",
        "03-schema.sql",
        "04-openapi.yaml",
        "08-docs.md",
    ):
        assert (out / name).is_file(), name
    validate(yaml.safe_load((out / "04-openapi.yaml").read_text()))
    service = out / "service"
    py_files = list(service.rglob("*.py"))
    assert any(p.name == "main.py" for p in py_files)
    assert any(p.name.startswith("test_") for p in py_files)
    assert (service / "loadtest.py").is_file() and (service / "loadtest_seed.py").is_file()
    for path in py_files:
        compile(path.read_text(), str(path), "exec")
    exported_schema = json.loads((out / "artifacts" / "03-schema.json").read_text())
    assert {t["name"] for t in exported_schema["tables"]} >= {"bookmarks", "tags"}

    code, output = invoke("runs")
    assert code == 0 and run_id in output and "done" in output
    code, output = invoke("status", run_id)
    assert code == 0 and "done" in output
    code, output = invoke("history", run_id)
    assert code == 0 and "checkpoints" in output and "gate:auto" in output


def test_sequential_pipeline_runs_and_graph_prints() -> None:
    code, output = invoke(
        "run",
        "Users can save bookmarks with a URL, a title and tags",
        "--graph",
        "backend-feature-sequential",
        "--no-verify",
    )
    assert code == 0, output
    code, output = invoke("graph")
    assert code == 0 and "stage 3 (in parallel)" in output and "schema" in output
    code, output = invoke("graph", "--mermaid")
    assert code == 0
    assert "schema.gate" in output and "dispatch" in output


def test_bad_inputs_get_one_line_and_exit_2(tmp_path: Path) -> None:
    binary = tmp_path / "blob.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    agents = tmp_path / "agents"
    agents.mkdir()
    (agents / "backend-specialist.md").write_text("no front matter here")
    cyclic = tmp_path / "cyclic.yaml"
    cyclic.write_text(
        "name: c\nsteps:\n  - id: requirements\n    after: [design]\n"
        "  - id: design\n    inputs: [requirements]\n"
    )
    cases = [
        ("run", ""),
        ("run", str(binary)),
        ("run", str(tmp_path / "missing.md")),
        ("run", str(REQUESTS / "bookmarks.md"), "--agents", str(agents)),
        ("run", str(REQUESTS / "bookmarks.md"), "--graph", str(cyclic)),
        ("run", str(REQUESTS / "bookmarks.md"), "--provider", "nonsense"),
        ("status", "nope-1234"),
        ("show", "nope-1234"),
        ("resume", "nope-1234"),
        ("review", "nope-1234", "--approve"),
        ("export", "nope-1234", str(tmp_path / "x")),
        ("history", "nope-1234"),
    ]
    for args in cases:
        code, output = invoke(*args)
        assert code == 2, (args, output)
        lines = [line for line in output.splitlines() if line.startswith("error:")]
        assert len(lines) == 1, (args, output)
        assert "Traceback" not in output


def test_corrupt_store_is_reported_and_kept(tmp_path: Path) -> None:
    store = tmp_path / "corrupt.sqlite"
    store.write_bytes(b"garbage" * 1000)
    code, output = invoke("--store", str(store), "runs")
    assert code == 2 and "not a readable featureline store" in output
    assert store.read_bytes() == b"garbage" * 1000


def test_export_refuses_hostile_generated_paths(tmp_path: Path) -> None:
    """A generated file that would escape DIR: the check flags it, export refuses it, and
    nothing at all is written."""
    from featureline import Pipeline
    from featureline.providers.base import StepResult, StepTask
    from featureline.providers.builtin import BuiltinSpecialist
    from featureline.providers.scripted import ScriptedSpecialist

    class HostilePaths(ScriptedSpecialist):
        def produce(self, task: StepTask) -> StepResult:
            result = super().produce(task)
            if task.step == "implementation":
                data = result.artifact.model_dump(mode="json")  # type: ignore[union-attr]
                data["files"][0]["path"] = "../../outside.py"
                return type(result)(artifact=data, model="hostile")
            return result

    pipeline = Pipeline.load(
        provider=HostilePaths(fallback=BuiltinSpecialist()), gates="none", verify=False
    )
    view = pipeline.run(str(REQUESTS / "bookmarks.md"))
    assert view.status == "failed"
    findings = view.step("implementation").findings[3]
    assert any(f.check == "implementation.paths" and ".." in f.message for f in findings)

    out = tmp_path / "out"
    code, output = invoke("export", view.info.run_id, str(out))
    assert code == 2 and "refusing file path '../../outside.py'" in output
    assert not out.exists() or not any(out.rglob("*"))
    assert not (tmp_path.parent / "outside.py").exists()


def test_trace_and_check_commands() -> None:
    code, output = invoke("run", str(REQUESTS / "project-tasks.md"), "--no-verify")
    assert code == 0, output
    run_id = run_id_from(output)
    code, output = invoke("trace", run_id)
    assert code == 0, output
    assert (
        "FR-1 Create project" in output and "POST /v1/projects" in output and "projects" in output
    )
    assert "deferred: not implemented" in output  # the builtin's honest gaps stay visible
    code, output = invoke("check", run_id, "--no-verify")
    assert code == 0, output
    assert output.count(" ok ") == 8
    assert "not executed in the sandbox" in output  # an unverified pass says so


def test_check_reports_errors_with_exit_1() -> None:
    from featureline import Pipeline
    from featureline.providers.builtin import BuiltinSpecialist
    from featureline.providers.scripted import ScriptedSpecialist

    broken = {
        "overview": "x",
        "components": [],
        "data_flows": [],
        "mermaid": "",
        "decisions": [],
        "security": [],
    }
    pipeline = Pipeline.load(
        provider=ScriptedSpecialist({"design": [broken] * 3}, fallback=BuiltinSpecialist()),
        gates="human",
        verify=False,
    )
    view = pipeline.run(str(REQUESTS / "bookmarks.md"))
    pipeline.review(view.info.run_id, approve=True)  # requirements
    code, output = invoke("check", view.info.run_id, "design", "--no-verify")
    assert code == 1
    assert "design.requirements_served" in output and "design.diagram" in output


def test_export_onto_a_file_and_unexpected_errors_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = invoke("run", "Users can save bookmarks with a URL and tags", "--no-verify")
    run_id = run_id_from(output)
    target = tmp_path / "a-file"
    target.write_text("keep me")
    code, output = invoke("export", run_id, str(target))
    assert code == 2 and "is not a directory" in output
    assert target.read_text() == "keep me"

    from featureline.runindex import SqlRunIndex

    def broken(self: SqlRunIndex) -> None:
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(SqlRunIndex, "list", broken)
    code, output = invoke("runs")
    assert code == 1
    assert output.strip() == (
        "error: unexpected RuntimeError: disk on fire (rerun with --debug for details)"
    )
    with pytest.raises(RuntimeError):
        invoke("--debug", "runs")


def test_a_damaged_run_entry_does_not_break_the_listing() -> None:
    from datetime import UTC, datetime

    from featureline.runindex import RunInfo
    from featureline.store import open_store

    now = datetime.now(UTC)
    with open_store(None) as store:
        store.runs.create(
            RunInfo(
                run_id="damaged-0000",
                title="Damaged",
                created_at=now,
                updated_at=now,
                status="done",
                pipeline="backend-feature",
                provider="builtin",
                options={},
            )
        )
    code, output = invoke("runs")
    assert code == 0 and "damaged-0000" in output
    code, output = invoke("status", "damaged-0000")
    assert code == 2 and "stored options are unreadable" in output
