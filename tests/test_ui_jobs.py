"""Long work from the page runs in worker processes that hold the run like the CLI does:
the app sees the run as running while its worker lives, a stopped worker leaves a
stopped run, and the page resumes it to its next gate."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from featureline.ui import UiSettings, create_app
from featureline.ui.jobs import JobRunner
from featureline.ui.reading import load_view

pytestmark = pytest.mark.slow
ORIGIN = "http://127.0.0.1"
WAIT_S = 240.0


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match
    return match.group(1)


def wait_for(check: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_run_started_from_the_page_is_held_by_its_worker_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = str(tmp_path / "ui.sqlite")
    monkeypatch.setenv("FEATURELINE_BUILTIN_DELAY", "6")  # workers inherit it: slow steps
    jobs = JobRunner(store, tmp_path / "jobs")
    (tmp_path / "jobs").mkdir()
    app = create_app(UiSettings(store_url=store), jobs)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = csrf_of(client.get("/runs/new").text)
        started = client.post(
            "/runs",
            data={
                "request": "Users can save bookmarks with a URL and a title.",
                "pipeline": "backend-feature",
                "gates": "human",
                "provider": "builtin",
                "csrf_token": token,
            },
            headers={"Origin": ORIGIN},
            follow_redirects=False,
        )
        assert started.status_code == 303
        run_id = started.headers["location"].rsplit("/", 1)[1]
        job = jobs.for_run(run_id)
        assert job is not None and job.running
        wait_for(lambda: load_view(store, run_id).status == "running", "the worker to hold the run")
        assert "Resume this run" not in client.get(f"/runs/{run_id}").text

        job.process.terminate()  # the app's shutdown does the same to every worker
        job.process.wait(60)
        assert load_view(store, run_id).status == "stopped"
        page = client.get(f"/runs/{run_id}").text
        assert "Resume this run" in page

        monkeypatch.setenv("FEATURELINE_BUILTIN_DELAY", "0")
        resumed = client.post(
            f"/runs/{run_id}/resume",
            data={"csrf_token": csrf_of(page)},
            headers={"Origin": ORIGIN},
            follow_redirects=False,
        )
        assert resumed.status_code == 303
        wait_for(lambda: load_view(store, run_id).status == "waiting", "the resumed run's gate")
        view = load_view(store, run_id)
        assert [p.step for p in view.pending] == ["requirements"]
        again = jobs.for_run(run_id)
        assert again is not None and again is not job
    assert not again.running  # leaving the app stopped (or reaped) its workers
