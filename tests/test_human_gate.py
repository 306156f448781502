"""Human gates through the CLI: stop (exit 3), reject in a new process, approve to the end."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.clihelpers import featureline, invoke, run_id_from
from tests.conftest import REQUESTS

WAITING = re.compile(r"waiting for review: run \S+ step (\w+)")


def test_reject_reruns_with_comment_then_approve_to_the_end(tmp_path: Path) -> None:
    env = {"FEATURELINE_STORE": str(tmp_path / "store.sqlite")}
    started = featureline(
        "run", str(REQUESTS / "bookmarks.md"), "--gates", "human", cwd=tmp_path, env=env
    )
    assert started.returncode == 3, started.stdout + started.stderr
    assert "waiting for review: run" in started.stdout and "step requirements" in started.stdout
    run_id = run_id_from(started.stdout)

    comment = "Add a requirement for exporting bookmarks as CSV"
    rejected = featureline(
        "review", run_id, "--reject", comment, "--reviewer", "ana", cwd=tmp_path, env=env
    )
    assert rejected.returncode == 3, rejected.stdout + rejected.stderr
    assert "step requirements (attempt 2)" in rejected.stdout

    shown = featureline("show", run_id, "requirements", "--json", cwd=tmp_path, env=env)
    step = json.loads(shown.stdout)
    assert step["record"]["attempt"] == 2
    assert any(
        comment in line for line in step["record"]["feedback"]
    )  # the comment reached the step's input
    assert [(r["verdict"], r["reviewer"], r["comment"]) for r in step["reviews"]] == [
        ("reject", "ana", comment)
    ]

    # approve everything else; two gates wait at once in the parallel stages
    waiting = ["requirements"]
    saw_parallel = False
    for _ in range(12):
        if len(waiting) > 1:
            saw_parallel = True
            code, output = invoke("review", run_id, "--approve")
            assert code == 2 and "name the STEP" in output
        code, output = invoke("review", run_id, waiting[0], "--approve", "--reviewer", "ana")
        if code == 0:
            break
        assert code == 3, output
        waiting = WAITING.findall(output)
    assert code == 0, output
    assert saw_parallel
    code, output = invoke("show", run_id, "--json")
    assert all(s["status"] == "approved" for s in json.loads(output))


def test_approval_is_refused_while_checks_report_errors(tmp_path: Path) -> None:
    """Rule 3, at the API level: nothing is approved while a check reports an error."""
    from featureline.api import Pipeline
    from featureline.errors import ReviewError
    from featureline.providers.builtin import BuiltinSpecialist
    from featureline.providers.scripted import ScriptedSpecialist

    broken = {"title": "x"}  # fails validation on every attempt
    specialist = ScriptedSpecialist({"requirements": [broken] * 3}, fallback=BuiltinSpecialist())
    pipeline = Pipeline.load(provider=specialist, gates="auto", verify=False)
    view = pipeline.run(str(REQUESTS / "bookmarks.md"))
    assert view.status == "waiting"
    assert view.pending[0].errors > 0 and "after the last allowed attempt" in view.pending[0].reason
    try:
        pipeline.review(view.info.run_id, approve=True)
    except ReviewError as error:
        assert "cannot be approved" in str(error)
    else:
        raise AssertionError("approval of an artifact with errors was accepted")
    view = pipeline.review(view.info.run_id, reject="Analyse the request properly")
    assert view.status == "done"
    requirements = view.step("requirements")
    assert [r.attempt for r in requirements.records] == [1, 2, 3, 4]
    assert requirements.approved_attempt == 4
    for attempt in (1, 2, 3):  # each scripted attempt was refused for being invalid
        assert any(
            f.check == "validity" and f.severity == "error" for f in requirements.findings[attempt]
        ), attempt
    assert not any(f.severity == "error" for f in requirements.findings.get(4, []))
