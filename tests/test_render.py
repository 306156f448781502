"""Markdown rendering of each artifact kind carries the key facts."""

from __future__ import annotations

from pathlib import Path

from featureline.agents import load_agent
from featureline.artifacts import ARTIFACT_TYPES, Artifact
from featureline.providers.base import StepTask
from featureline.providers.builtin import BuiltinSpecialist
from featureline.render import render_markdown
from featureline.request import read_request

ROOT = Path(__file__).resolve().parent.parent
STEPS = list(ARTIFACT_TYPES)  # the eight steps, in the specialist's order


def _artifacts() -> dict[str, Artifact]:
    request = read_request(str(ROOT / "examples" / "requests" / "bookmarks.md"))
    agent = load_agent(ROOT / "agents" / "backend-specialist.md")
    done: dict[str, Artifact] = {}
    for kind in STEPS:
        task = StepTask(
            run_id="t",
            step=kind,
            kind=kind,
            instructions="",
            agent=agent,
            request=request,
            inputs=dict(done),
            attempt=1,
        )
        artifact = BuiltinSpecialist().produce(task).artifact
        assert isinstance(artifact, Artifact)
        done[kind] = artifact
    return done


ARTS = _artifacts()


def test_requirements_markdown() -> None:
    md = render_markdown(ARTS["requirements"])
    assert md.startswith("# Requirements: Personal bookmarks")
    assert "| FR-1 |" in md and "NFR-1" in md and "bookmark" in md


def test_design_markdown() -> None:
    md = render_markdown(ARTS["design"])
    assert "```mermaid\nflowchart" in md and "ADR-1" in md and "FastAPI" in md


def test_schema_markdown() -> None:
    md = render_markdown(ARTS["schema"])
    assert "## bookmarks" in md and "```sql" in md and "erDiagram" in md and "bookmark_tags" in md


def test_api_spec_markdown() -> None:
    md = render_markdown(ARTS["api_spec"])
    assert "`/v1/bookmarks`" in md and "```json" in md and "RFC 9457" in md


def test_implementation_markdown() -> None:
    md = render_markdown(ARTS["implementation"])
    assert "`app/main.py`" in md and "```python" in md and "uvicorn" in md


def test_testing_markdown() -> None:
    md = render_markdown(ARTS["testing"])
    assert "tests/test_bookmarks.py::test_create_bookmark" in md and "Not run yet." in md


def test_performance_markdown() -> None:
    md = render_markdown(ARTS["performance"])
    assert "not_measured" in md and "loadtest.py" in md and "ix_bookmarks" in md


def test_docs_markdown() -> None:
    md = render_markdown(ARTS["docs"])
    assert "/v1/bookmarks/{id}" in md and "# Runbook" in md and "ADR-1" in md
