"""Pages that write: start a run, resume one, decide at a gate. Each checks first (CSRF,
then the same refusals as the CLI) and hands the long work to a worker process."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from featureline.errors import ReviewError, UserInputError
from featureline.request import parse_request
from featureline.timetravel import check_reopenable
from featureline.ui.decisions import InvalidEdit, check_decision, parse_attempt, where_it_stands
from featureline.ui.pages import render
from featureline.ui.reading import load_view
from featureline.ui.routes_read import jobs, pipeline_names, render_step, store_url
from featureline.ui.security import checked_form
from featureline.views import RunView

router = APIRouter()
GATES = ("", "human", "critic", "auto", "none")
PROVIDERS = ("", "builtin", "anthropic")
START_WAIT_S = 120.0


def _field(form: FormData, name: str) -> str:
    """A text field of the form ("" when absent or a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


@router.post("/runs")
async def start_run(request: Request) -> Response:
    form = await checked_form(request)
    fields = {k: _field(form, k) for k in ("request", "pipeline", "gates", "provider", "verify")}
    try:
        parse_request(fields["request"], "the request")
        if fields["pipeline"] not in pipeline_names():
            raise UserInputError(f"unknown pipeline {fields['pipeline']!r}")
        if fields["gates"] not in GATES or fields["provider"] not in PROVIDERS:
            raise UserInputError("choose a gate policy and a provider from the lists")
    except UserInputError as exc:
        return render(
            request, "new_run.html", 400, pipelines=pipeline_names(), error=str(exc), form=fields
        )
    runner = jobs(request)
    request_file = Path(tempfile.mkstemp(suffix=".md", dir=runner.folder)[1])
    request_file.write_text(fields["request"], encoding="utf-8")
    args = ["start", str(request_file), "--graph", fields["pipeline"]]
    args += ["--gates", fields["gates"]] if fields["gates"] else []
    args += ["--provider", fields["provider"]] if fields["provider"] else []
    args += [] if fields["verify"] else ["--no-verify"]
    job = runner.start("start", args)
    run_id = await run_in_threadpool(runner.wait_for_run_id, job, START_WAIT_S)
    if run_id is None:
        problem = job.error() or "the worker did not report a run in time"
        return render(
            request, "new_run.html", 400, pipelines=pipeline_names(), error=problem, form=fields
        )
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.post("/runs/{run_id}/resume")
async def resume_run(request: Request, run_id: str) -> Response:
    await checked_form(request)
    view = await run_in_threadpool(load_view, store_url(request), run_id)
    runner = jobs(request)
    if runner.busy(run_id):
        raise ReviewError(f"run {run_id} is already being worked on from this page")
    if view.status not in ("stopped", "failed"):
        raise ReviewError(f"only a stopped or failed run resumes: {where_it_stands(view)}")
    runner.start("resume", ["resume", run_id], run_id=run_id)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.post("/runs/{run_id}/steps/{step_id}/decide")
async def decide(request: Request, run_id: str, step_id: str) -> Response:
    form = await checked_form(request)
    fields = {
        k: _field(form, k)
        for k in ("attempt", "verdict", "comment", "artifact_json", "reopen", "reviewer")
    }
    view = await run_in_threadpool(load_view, store_url(request), run_id)
    runner = jobs(request)
    try:
        attempt = parse_attempt(fields["attempt"])
        if runner.busy(run_id):
            raise ReviewError(f"run {run_id} is still working on an earlier decision: wait for it")
        decision = check_decision(
            view,
            step_id,
            attempt,
            fields["verdict"],
            fields["comment"],
            fields["artifact_json"],
            fields["reopen"],
        )
    except ReviewError as exc:
        status = 422 if isinstance(exc, InvalidEdit) else 409
        message = f"refused: {exc} — now: {where_it_stands(view)}"
        # The page shows where the step stands now, not the attempt the form was bound to.
        return _refused(request, view, step_id, None, status, message, fields)
    args = [
        "review",
        run_id,
        "--step",
        decision.step,
        "--attempt",
        str(decision.attempt),
        "--verdict",
        decision.verdict,
        "--comment",
        decision.comment,
        "--reviewer",
        " ".join(fields["reviewer"].split())[:80] or "web reviewer",
    ]
    if decision.reopen:
        args += ["--reopen", decision.reopen]
    if decision.edited is not None:
        edit_file = Path(tempfile.mkstemp(suffix=".json", dir=runner.folder)[1])
        edit_file.write_text(json.dumps(decision.edited), encoding="utf-8")
        args += ["--edit-file", str(edit_file)]
    runner.start(decision.verdict, args, run_id=run_id)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.post("/runs/{run_id}/steps/{step_id}/rewind")
async def rewind_step(request: Request, run_id: str, step_id: str) -> Response:
    """Reopen a step of a run no gate is waiting in (done, failed, stopped), as
    ``featureline rewind`` does: it runs again with the comment, and so does all after it."""
    form = await checked_form(request)
    fields = {k: _field(form, k) for k in ("comment", "reviewer")}
    view = await run_in_threadpool(load_view, store_url(request), run_id)
    runner = jobs(request)
    try:
        if runner.busy(run_id):
            raise ReviewError(f"run {run_id} is still working on an earlier decision: wait for it")
        if view.pending:
            raise ReviewError("a gate is waiting: reject it and reopen from its review form")
        if not fields["comment"].strip():
            raise ReviewError("reopening a step needs a comment saying what to change")
        check_reopenable(view, step_id)
    except ReviewError as exc:
        message = f"refused: {exc} — now: {where_it_stands(view)}"
        return _refused(request, view, step_id, None, 409, message, fields)
    reviewer = " ".join(fields["reviewer"].split())[:80] or "web reviewer"
    args = ["rewind", run_id, "--step", step_id, "--comment", fields["comment"].strip()]
    runner.start("reopen", [*args, "--reviewer", reviewer], run_id=run_id)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


def _refused(
    request: Request,
    view: RunView,
    step_id: str,
    attempt: int | None,
    status: int,
    message: str,
    fields: dict[str, str],
) -> HTMLResponse:
    """The step page again with the refusal on top and what was typed still in the form."""
    try:
        return render_step(request, view, step_id, attempt, status, message, fields)
    except UserInputError:
        return render(request, "error.html", status, message=message)
