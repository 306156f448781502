"""Pages that only read: the runs table, a run, a step's attempt, a diff, the new-run form."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from featureline.artifacts import (
    ARTIFACT_TYPES,
    ApiSpecArtifact,
    RequirementsArtifact,
    TestingArtifact,
)
from featureline.diff import Side, diff_sides, resolve_sides
from featureline.engine import RunOptions
from featureline.errors import UserInputError
from featureline.paths import default_graphs_dir
from featureline.pipeline import PipelineSpec
from featureline.request import FeatureRequest
from featureline.ui import artifact_views as av
from featureline.ui.jobs import JobRunner
from featureline.ui.pages import render
from featureline.ui.pipeline_graph import layout
from featureline.ui.reading import filter_rows, load_view, run_rows
from featureline.ui.settings import UiSettings
from featureline.views import RunView, StepView, with_evidence

router = APIRouter()
STATUSES = ("running", "waiting", "done", "failed", "stopped")


def store_url(request: Request) -> str:
    settings: UiSettings = request.app.state.settings
    return settings.store_url


def jobs(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.jobs
    return runner


@router.get("/", response_class=HTMLResponse)
def runs_page(request: Request, status: str = "", q: str = "") -> HTMLResponse:
    rows = run_rows(store_url(request))
    shown = filter_rows(rows, status if status in STATUSES else "", q)
    return render(
        request, "runs.html", rows=shown, total=len(rows), status=status, q=q, statuses=STATUSES
    )


@router.get("/runs/new", response_class=HTMLResponse)
def new_run_page(request: Request) -> HTMLResponse:
    return render(request, "new_run.html", pipelines=pipeline_names(), error=None, form={})


def pipeline_names() -> list[str]:
    return sorted(p.stem for p in default_graphs_dir().glob("*.yaml"))


def run_context(request: Request, view: RunView) -> dict[str, Any]:
    """What the run page and its live fragment show."""
    job = jobs(request).for_run(view.info.run_id)
    origin = view.info.options.get("forked_from") or {}
    request_data = view.info.options.get("request") or {}
    return {
        "view": view,
        "graph": layout(view_spec(view)),
        "job": job.describe() if job else None,
        "busy": bool(job and job.running),
        "job_failed": bool(job and job.error()),
        "origin": origin,
        "feature": FeatureRequest.model_validate(request_data) if request_data else None,
    }


def view_spec(view: RunView) -> PipelineSpec:
    """The pipeline the run was started with (kept in the run index with its options)."""
    return RunOptions.from_json(view.info.options).spec


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str) -> HTMLResponse:
    view = load_view(store_url(request), run_id)
    return render(request, "run.html", **run_context(request, view))


@router.get("/runs/{run_id}/live", response_class=HTMLResponse)
def run_live_fragment(request: Request, run_id: str) -> HTMLResponse:
    """The part of the run page that changes as the run goes (fetched by the page's script)."""
    view = load_view(store_url(request), run_id)
    return render(request, "_live.html", **run_context(request, view))


def attempt_artifact(step: StepView, attempt: int) -> Any:
    record = next((r for r in step.records if r.attempt == attempt), None)
    if record is None:
        return None
    try:
        artifact = ARTIFACT_TYPES[step.kind].model_validate(record.artifact)
    except ValueError:
        return None
    return with_evidence(artifact, step.evidence.get(attempt, {}))


def kind_context(view: RunView, step: StepView, artifact: Any) -> dict[str, Any]:
    """Extra data a kind's template needs (citations, operations, tests per requirement)."""
    extra: dict[str, Any] = {}
    if isinstance(artifact, RequirementsArtifact):
        text = str((view.info.options.get("request") or {}).get("text", ""))
        segments, cited = av.cite_request(text, av.citations(artifact))
        extra.update(segments=segments, cited=cited)
    elif isinstance(artifact, ApiSpecArtifact):
        extra.update(
            operations=av.operations(artifact.openapi), schemas=av.components(artifact.openapi)
        )
    elif isinstance(artifact, TestingArtifact):
        requirements = next((s.artifact() for s in view.steps if s.kind == "requirements"), None)
        extra.update(
            per_requirement=av.tests_per_requirement(
                artifact, requirements if isinstance(requirements, RequirementsArtifact) else None
            )
        )
    return extra


@router.get("/runs/{run_id}/steps/{step_id}", response_class=HTMLResponse)
def step_page(
    request: Request, run_id: str, step_id: str, attempt: int | None = None
) -> HTMLResponse:
    view = load_view(store_url(request), run_id)
    return render_step(request, view, step_id, attempt)


def render_step(
    request: Request,
    view: RunView,
    step_id: str,
    attempt: int | None,
    status_code: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    try:
        step = view.step(step_id)
    except KeyError:
        raise UserInputError(
            f"run {view.info.run_id} has no step {step_id!r}: steps are "
            f"{', '.join(s.id for s in view.steps)}"
        ) from None
    shown = attempt if attempt is not None else (step.approved_attempt or step.attempts or None)
    record = next((r for r in step.records if r.attempt == shown), None)
    artifact = attempt_artifact(step, shown) if shown else None
    pending = next((p for p in view.pending if p.step == step_id), None)
    job = jobs(request).for_run(view.info.run_id)
    return render(
        request,
        "step.html",
        status_code=status_code,
        view=view,
        step=step,
        shown=shown,
        record=record,
        artifact=artifact,
        raw_json=json.dumps(record.artifact, indent=2, ensure_ascii=False) if record else "",
        findings=step.findings.get(shown, []) if shown else [],
        evidence=json.dumps(step.evidence.get(shown, {}), indent=2, default=str) if shown else "",
        pending=pending,
        busy=bool(job and job.running),
        error=error,
        form=form or {},
        hl=av.highlight,
        steps_before=[s.id for s in view.steps if s.id != step_id and s.attempts],
        **kind_context(view, step, artifact),
    )


@router.get("/schemas/{kind}")
def artifact_schema(kind: str) -> JSONResponse:
    """The JSON schema an edit is checked against (the artifact's pydantic model)."""
    if kind not in ARTIFACT_TYPES:
        raise UserInputError(f"unknown artifact kind {kind!r}")
    return JSONResponse(ARTIFACT_TYPES[kind].model_json_schema())


@router.get("/diff", response_class=HTMLResponse)
def diff_page(request: Request, a: str = "", b: str = "") -> HTMLResponse:
    """Two sides ``RUN[:STEP][@ATTEMPT]`` (one side: against its previous attempt or its
    origin run), compared file by file as they export."""
    if not a.strip():
        return render(request, "diff.html", diff=None, a=a, b=b, lines=[])
    side_a = Side.parse(a)
    side_b = Side.parse(b) if b.strip() else None
    url = store_url(request)
    view_a = load_view(url, side_a.run_id)
    left, right = resolve_sides(side_a, side_b, view_a)
    left_view = load_view(url, left.run_id) if left.run_id != side_a.run_id else view_a
    right_view = load_view(url, right.run_id) if right.run_id != side_a.run_id else view_a
    result = diff_sides(left, left_view, right, right_view)
    return render(request, "diff.html", diff=result, a=left.label(), b=right.label())
