"""`featureline diff`: two attempts of a step, a run and its fork, two runs; unified,
--stat and --json; sides written RUN[:STEP][@ATTEMPT]."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from featureline import Pipeline, Workspace
from featureline.artifacts import Artifact
from featureline.diff import Side, diff_files
from featureline.engine import RunOptions
from featureline.errors import UserInputError
from featureline.providers.base import StepResult, StepTask
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.scripted import ScriptedSpecialist
from tests.clihelpers import invoke
from tests.conftest import REQUESTS
from tests.runstates import BOOKMARKS


def test_sides_parse_and_refuse_nonsense() -> None:
    assert Side.parse("run-1a2b") == Side("run-1a2b")
    assert Side.parse("run-1a2b:schema") == Side("run-1a2b", "schema")
    assert Side.parse("run-1a2b:schema@3") == Side("run-1a2b", "schema", 3)
    assert Side.parse("run-1a2b:schema@3").label() == "run-1a2b:schema@3"
    for bad in ("run@2", "a:b:c", "", "run:step@x"):
        with pytest.raises(UserInputError):
            Side.parse(bad)


def test_diff_files_counts_lines_per_file() -> None:
    old = {"a.md": "one\ntwo\n", "gone.py": "x = 1\n", "same.txt": "s\n"}
    new = {"a.md": "one\nthree\nfour\n", "new.py": "y = 2\n", "same.txt": "s\n"}
    diffs = {d.path: d for d in diff_files(old, new)}
    assert set(diffs) == {"a.md", "gone.py", "new.py"}
    assert (diffs["a.md"].status, diffs["a.md"].added, diffs["a.md"].removed) == ("modified", 2, 1)
    assert diffs["gone.py"].status == "removed" and diffs["gone.py"].removed == 1
    assert diffs["new.py"].status == "added" and diffs["new.py"].text.startswith("--- /dev/null")
    assert "+three\n" in diffs["a.md"].text and "-two\n" in diffs["a.md"].text


def _edited_run() -> tuple[Pipeline, str]:
    """A run whose schema was edited at a human gate: attempts 1 and 2 differ."""
    pipeline = Pipeline.load(provider="builtin", verify=False, gates="human")
    run_id = pipeline.run(BOOKMARKS).info.run_id
    view = pipeline.review(run_id, approve=True)
    view = pipeline.review(run_id, approve=True)
    schema = view.step("schema").latest
    assert schema is not None
    data = dict(schema.artifact)
    data["notes"] = [*data.get("notes", []), "Folders arrive in release 2."]
    pipeline.review(run_id, step="schema", edit=data, comment="note the folders")
    return pipeline, run_id


def test_diff_of_two_attempts_shows_the_edit() -> None:
    _, run_id = _edited_run()
    code, output = invoke("diff", f"{run_id}:schema")
    assert code == 0, output
    assert "--- a/03-schema.md\n+++ b/03-schema.md" in output
    assert "+" in output and "Folders arrive in release 2." in output
    code, explicit = invoke("diff", f"{run_id}:schema@1", f"{run_id}:schema@2")
    assert code == 0 and explicit == output

    code, stat = invoke("diff", f"{run_id}:schema", "--stat")
    assert code == 0
    assert "03-schema.md" in stat and "1 file(s) changed" in stat

    code, raw = invoke("diff", f"{run_id}:schema@1", f"{run_id}:schema@2", "--json")
    data = json.loads(raw)
    assert data["a"] == f"{run_id}:schema@1" and data["b"] == f"{run_id}:schema@2"
    assert [f["path"] for f in data["files"]] == ["03-schema.md"]
    assert data["summary"] == {"files": 1, "added": data["files"][0]["added"], "removed": 0}

    code, same = invoke("diff", f"{run_id}:schema@1", f"{run_id}:schema@1")
    assert code == 0 and same.startswith("no differences")


class Tweaked(ScriptedSpecialist):
    """The builtin, with one line added to the service's entry point."""

    def produce(self, task: StepTask) -> StepResult:
        result = super().produce(task)
        if task.step != "implementation" or not isinstance(result.artifact, Artifact):
            return result
        data = result.artifact.model_dump(mode="json")
        for file in data["files"]:
            if file["path"].endswith("main.py"):
                file["content"] += "\n# served by the fork\n"
        return StepResult(artifact=data, model="tweaked", usage=result.usage)


def test_diff_of_a_fork_against_its_source_shows_the_code_tree() -> None:
    source = Pipeline.load(provider="builtin", verify=False).run(BOOKMARKS)
    options = RunOptions.from_json(source.info.options)
    fork = Workspace(Tweaked(fallback=BuiltinSpecialist())).fork(
        source.info.run_id, at="implementation", options=replace(options)
    )
    assert fork.status == "done"

    code, output = invoke("diff", fork.info.run_id, "--json")
    assert code == 0, output
    data = json.loads(output)
    assert data["a"] == source.info.run_id and data["b"] == fork.info.run_id
    paths = {f["path"]: f for f in data["files"]}
    changed = [p for p in paths if p.startswith("service/") and p.endswith("main.py")]
    assert changed, sorted(paths)
    assert "+# served by the fork\n" in paths[changed[0]]["diff"]
    assert not any(p.startswith(("01-", "02-", "03-", "04-")) for p in paths)  # upstream shared


def test_diff_of_two_runs_and_refusals() -> None:
    pipeline = Pipeline.load(provider="builtin", verify=False)
    one = pipeline.run(BOOKMARKS).info.run_id
    two = pipeline.run(str(REQUESTS / "url-shortener.md")).info.run_id
    code, output = invoke("diff", one, two, "--stat")
    assert code == 0
    assert "01-requirements.md" in output and "service/" in output

    cases = [
        (("diff", one), "is not a fork"),
        (("diff", f"{one}:nope"), "no step 'nope'"),
        (("diff", f"{one}:schema"), "no attempt before 1"),
        (("diff", f"{one}:schema@4", two), "no attempt 4"),
        (("diff", "nope-1234", one), "no run"),
        (("diff", one, two, "--json", "--stat"), "one of --json and --stat"),
    ]
    for args, expected in cases:
        code, output = invoke(*args)
        assert code == 2, (args, output)
        assert expected in output, (args, output)
