"""The web app's refusals, without a browser: CSRF and Origin checks, the access token,
the Host check, bound decisions (stale attempt, edit schema) and text rendered as text."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from featureline.api import Pipeline
from featureline.errors import UserInputError
from featureline.ui import UiSettings, create_app
from featureline.ui.artifact_views import highlight
from featureline.ui.jobs import Job, JobRunner
from tests.clihelpers import invoke

HOSTILE = (
    "Users can save bookmarks with a URL and a title.\n\n"
    "Show <script>alert(1)</script> and [/x] <img src=x onerror=alert(2)> literally."
)
ORIGIN = "http://127.0.0.1"


class RecordingJobs(JobRunner):
    """Records the workers the app would start instead of starting them."""

    def __init__(self, store_url: str, folder: Path) -> None:
        super().__init__(store_url, folder)
        self.started: list[tuple[str, list[str], str | None]] = []

    def start(self, action: str, args: list[str], run_id: str | None = None) -> Job:
        self.started.append((action, args, run_id))
        process = subprocess.Popen([sys.executable, "-c", ""])
        process.wait()
        return Job(len(self.started), action, process, self.folder / "o", self.folder / "e", run_id)


@pytest.fixture(scope="module")
def waiting_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A run waiting at its first human gate (requirements, attempt 1)."""
    folder = tmp_path_factory.mktemp("ui-store")
    store = str(folder / "store.sqlite")
    pipeline = Pipeline.load(provider="builtin", store=store, gates="human", verify=False)
    view = pipeline.run(HOSTILE)
    assert view.status == "waiting"
    return store, view.info.run_id


def client_for(
    store: str, tmp_path: Path, token: str | None = None, host: str = "127.0.0.1"
) -> tuple[TestClient, RecordingJobs]:
    jobs = RecordingJobs(store, tmp_path)
    app = create_app(UiSettings(store_url=store, host=host, token=token), jobs)
    return TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False), jobs


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def test_request_text_is_rendered_as_text(waiting_run: tuple[str, str], tmp_path: Path) -> None:
    store, run_id = waiting_run
    client, _ = client_for(store, tmp_path)
    page_html = client.get(f"/runs/{run_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_html
    assert "<script>alert(1)" not in page_html and "<img src=x" not in page_html
    assert "[/x]" in page_html
    page = client.get(f"/runs/{run_id}/steps/requirements")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_highlighted_code_is_escaped() -> None:
    code_html = str(highlight("x = '</pre><script>alert(1)</script>'", "python", "app.py"))
    assert "<script>" not in code_html and "&lt;script&gt;" in code_html


def test_a_write_without_csrf_token_is_refused(
    waiting_run: tuple[str, str], tmp_path: Path
) -> None:
    store, run_id = waiting_run
    client, jobs = client_for(store, tmp_path)
    client.get("/")
    url = f"/runs/{run_id}/steps/requirements/decide"
    data = {"attempt": "1", "verdict": "approve"}
    missing = client.post(url, data=data, headers={"Origin": ORIGIN})
    assert missing.status_code == 403
    forged = client.post(url, data={**data, "csrf_token": "0" * 64}, headers={"Origin": ORIGIN})
    assert forged.status_code == 403
    assert jobs.started == []


def test_a_cross_site_write_is_refused_even_with_a_token(
    waiting_run: tuple[str, str], tmp_path: Path
) -> None:
    store, run_id = waiting_run
    client, jobs = client_for(store, tmp_path)
    token = csrf_of(client.get(f"/runs/{run_id}/steps/requirements").text)
    url = f"/runs/{run_id}/steps/requirements/decide"
    data = {"attempt": "1", "verdict": "approve", "csrf_token": token}
    for headers in ({"Origin": "http://evil.example"}, {}, {"Referer": "http://evil.example/x"}):
        response = client.post(url, data=data, headers=headers)
        assert response.status_code == 403, headers
    assert jobs.started == []


def test_a_genuine_decision_starts_a_worker_bound_to_the_attempt(
    waiting_run: tuple[str, str], tmp_path: Path
) -> None:
    store, run_id = waiting_run
    client, jobs = client_for(store, tmp_path)
    token = csrf_of(client.get(f"/runs/{run_id}/steps/requirements").text)
    url = f"/runs/{run_id}/steps/requirements/decide"
    data = {"attempt": "1", "verdict": "reject", "comment": "add export", "csrf_token": token}
    response = client.post(url, data=data, headers={"Origin": ORIGIN}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/runs/{run_id}"
    action, args, bound = jobs.started[0]
    assert (action, bound) == ("reject", run_id)
    assert args[:2] == ["review", run_id]
    assert args[args.index("--attempt") + 1] == "1" and "add export" in args
    assert args[args.index("--reviewer") + 1] == "web reviewer"


def test_a_stale_attempt_is_refused_with_the_current_state(
    waiting_run: tuple[str, str], tmp_path: Path
) -> None:
    store, run_id = waiting_run
    client, jobs = client_for(store, tmp_path)
    token = csrf_of(client.get(f"/runs/{run_id}/steps/requirements").text)
    response = client.post(
        f"/runs/{run_id}/steps/requirements/decide",
        data={"attempt": "2", "verdict": "approve", "csrf_token": token},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 409
    assert "attempt 2 is not waiting" in response.text
    assert "waiting for review: requirements attempt 1" in response.text
    assert jobs.started == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"title": "only a title"}', "not valid"),
    ],
)
def test_an_edit_is_checked_against_the_schema_first(
    waiting_run: tuple[str, str], tmp_path: Path, edit: str, expected: str
) -> None:
    store, run_id = waiting_run
    client, jobs = client_for(store, tmp_path)
    token = csrf_of(client.get(f"/runs/{run_id}/steps/requirements").text)
    response = client.post(
        f"/runs/{run_id}/steps/requirements/decide",
        data={"attempt": "1", "verdict": "edit", "artifact_json": edit, "csrf_token": token},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 422
    assert expected in response.text
    assert edit.replace('"', "&#34;")[:10] in response.text  # what was typed is kept
    assert jobs.started == []


def test_a_rejection_needs_a_comment(waiting_run: tuple[str, str], tmp_path: Path) -> None:
    store, run_id = waiting_run
    client, jobs = client_for(store, tmp_path)
    token = csrf_of(client.get(f"/runs/{run_id}/steps/requirements").text)
    response = client.post(
        f"/runs/{run_id}/steps/requirements/decide",
        data={"attempt": "1", "verdict": "reject", "comment": "  ", "csrf_token": token},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 409 and "needs a comment" in response.text
    assert jobs.started == []


def test_a_wide_bind_needs_a_token(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="--token"):
        UiSettings(store_url=str(tmp_path / "s.sqlite"), host="0.0.0.0")
    UiSettings(store_url=str(tmp_path / "s.sqlite"), host="0.0.0.0", token="long-enough")


def test_with_a_token_every_page_needs_it(waiting_run: tuple[str, str], tmp_path: Path) -> None:
    store, run_id = waiting_run
    client, _ = client_for(store, tmp_path, token="s3cret-token", host="0.0.0.0")
    assert client.get("/").status_code == 401
    assert client.get(f"/runs/{run_id}/events").status_code == 401
    assert client.get("/?token=wrong-token").status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    link = client.get("/?token=s3cret-token&status=waiting", follow_redirects=False)
    assert link.status_code == 303 and link.headers["location"] == "/?status=waiting"
    assert client.get("/").status_code == 200  # the link's cookie now carries it


def test_without_a_token_only_loopback_host_names_are_served(
    waiting_run: tuple[str, str], tmp_path: Path
) -> None:
    store, _ = waiting_run
    client, _ = client_for(store, tmp_path)
    assert client.get("/").status_code == 200
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400


def test_unknown_run_is_a_404(waiting_run: tuple[str, str], tmp_path: Path) -> None:
    store, _ = waiting_run
    client, _ = client_for(store, tmp_path)
    assert client.get("/runs/no-such-run").status_code == 404


def test_the_runs_table_filters(waiting_run: tuple[str, str], tmp_path: Path) -> None:
    store, run_id = waiting_run
    client, _ = client_for(store, tmp_path)
    assert run_id in client.get("/?status=waiting").text
    assert run_id not in client.get("/?status=done").text
    assert run_id not in client.get("/?q=zzz-nothing").text


def test_cli_refuses_a_wide_bind_without_a_token() -> None:
    code, output = invoke("ui", "--host", "0.0.0.0", "--port", "18999")
    assert code == 2
    assert "--token" in output and output.count("\n") == 1


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"verdict": "approve", "reopen": "requirements"}, "goes with a rejection"),
        ({"verdict": "reject", "comment": "x", "reopen": "nope"}, "unknown step 'nope'"),
        ({"verdict": "reject", "comment": "x", "reopen": "docs"}, "has not run yet"),
        ({"verdict": "maybe"}, "unknown decision"),
    ],
)
def test_reopen_and_verdict_refusals_match_the_cli(
    waiting_run: tuple[str, str], tmp_path: Path, fields: dict[str, str], expected: str
) -> None:
    store, run_id = waiting_run
    client, jobs = client_for(store, tmp_path)
    token = csrf_of(client.get(f"/runs/{run_id}/steps/requirements").text)
    response = client.post(
        f"/runs/{run_id}/steps/requirements/decide",
        data={"attempt": "1", "csrf_token": token, **fields},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 409
    assert expected in html.unescape(response.text)
    assert jobs.started == []


def test_a_run_that_is_waiting_does_not_resume(
    waiting_run: tuple[str, str], tmp_path: Path
) -> None:
    store, run_id = waiting_run
    client, jobs = client_for(store, tmp_path)
    token = csrf_of(client.get(f"/runs/{run_id}/steps/requirements").text)
    response = client.post(
        f"/runs/{run_id}/resume", data={"csrf_token": token}, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 400 and "only a stopped or failed run resumes" in response.text
    assert jobs.started == []


def test_the_start_form_refuses_an_empty_request(tmp_path: Path) -> None:
    client, jobs = client_for(str(tmp_path / "s.sqlite"), tmp_path)
    token = csrf_of(client.get("/runs/new").text)
    response = client.post(
        "/runs",
        data={"request": "   ", "pipeline": "backend-feature", "csrf_token": token},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 400 and "is empty" in response.text
    assert jobs.started == []


def test_every_page_reads_both_store_backends(store_url: str, tmp_path: Path) -> None:
    """The same pages over SQLite and PostgreSQL: the app is a view of the CLI's store."""
    pipeline = Pipeline.load(provider="builtin", store=store_url, gates="human", verify=False)
    run_id = pipeline.run("Users can save bookmarks with a URL and a title.").info.run_id
    pipeline.review(run_id, reject="add tags", step="requirements", attempt=1)
    client, _ = client_for(store_url, tmp_path)
    assert run_id in client.get("/").text
    assert 'data-step="requirements"' in client.get(f"/runs/{run_id}").text
    step = client.get(f"/runs/{run_id}/steps/requirements?attempt=1")
    assert step.status_code == 200 and "Functional requirements" in step.text
    diff = client.get("/diff", params={"a": f"{run_id}:requirements@2"})
    assert diff.status_code == 200 and "requirements@1" in diff.text and "add tags" in diff.text
    bad = client.get("/diff", params={"a": f"{run_id}:nope"})
    assert bad.status_code == 400


def test_reopening_a_step_of_a_finished_run_starts_a_rewind_worker(tmp_path: Path) -> None:
    store = str(tmp_path / "done.sqlite")
    pipeline = Pipeline.load(provider="builtin", store=store, gates="auto", verify=False)
    run_id = pipeline.run("Users can save bookmarks with a URL and a title.").info.run_id
    client, jobs = client_for(store, tmp_path)
    page = client.get(f"/runs/{run_id}/steps/design")
    assert 'id="rewind-form"' in page.text
    url = f"/runs/{run_id}/steps/design/rewind"
    data = {"csrf_token": csrf_of(page.text), "comment": "  "}
    refused = client.post(url, data=data, headers={"Origin": ORIGIN})
    assert refused.status_code == 409 and "needs a comment" in refused.text
    unknown = client.post(
        f"/runs/{run_id}/steps/nope/rewind",
        data={**data, "comment": "x"},
        headers={"Origin": ORIGIN},
    )
    assert unknown.status_code in (400, 409) and jobs.started == []
    done = client.post(url, data={**data, "comment": "use a queue"}, headers={"Origin": ORIGIN})
    assert done.status_code == 200  # followed to the run page
    action, args, bound = jobs.started[0]
    assert (action, bound) == ("reopen", run_id)
    assert args[:4] == ["rewind", run_id, "--step", "design"] and "use a queue" in args


@pytest.mark.parametrize("verify", [False, True], ids=["unverified", "verified"])
def test_every_step_page_of_a_finished_run_renders(tmp_path: Path, verify: bool) -> None:
    """Each artifact kind's page, with and without the sandbox's measurements in it."""
    store = str(tmp_path / "done.sqlite")
    pipeline = Pipeline.load(provider="builtin", store=store, gates="auto", verify=verify)
    view = pipeline.run("Users can save bookmarks with a URL and a title.")
    assert view.status == "done"
    client, _ = client_for(store, tmp_path)
    marks = {
        "requirements": "The request, with what cites it",
        "design": 'class="mermaid"',
        "schema": 'class="ddl"',
        "api_spec": 'class="op"',
        "implementation": 'class="code hl"',
        "testing": "tests-per-requirement",
        "performance": "Verdicts per non-functional requirement",
        "docs": 'class="prose"',
    }
    for step in view.steps:
        page = client.get(f"/runs/{view.info.run_id}/steps/{step.id}")
        assert page.status_code == 200, (step.id, page.text[-500:])
        assert marks[step.kind] in page.text, step.id
    performance = client.get(f"/runs/{view.info.run_id}/steps/performance").text
    assert ('id="load-results"' in performance) == verify


def test_a_valid_edit_is_handed_to_the_worker_as_json(
    waiting_run: tuple[str, str], tmp_path: Path
) -> None:
    store, run_id = waiting_run
    client, jobs = client_for(store, tmp_path)
    page = client.get(f"/runs/{run_id}/steps/requirements").text
    shown = re.search(r'<textarea name="artifact_json"[^>]*>(.*?)</textarea>', page, re.S)
    assert shown is not None
    artifact = json.loads(html.unescape(shown.group(1)))
    artifact["summary"] = "Edited in the browser <b>not bold</b>"
    response = client.post(
        f"/runs/{run_id}/steps/requirements/decide",
        data={
            "attempt": "1",
            "verdict": "edit",
            "artifact_json": json.dumps(artifact),
            "csrf_token": csrf_of(page),
        },
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert response.status_code == 303
    _, args, _ = jobs.started[0]
    sent = json.loads(Path(args[args.index("--edit-file") + 1]).read_text(encoding="utf-8"))
    assert sent == artifact
