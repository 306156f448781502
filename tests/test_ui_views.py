"""The pure helpers behind the artifact pages: citations, OpenAPI operations, tests per
requirement, the pipeline drawing and the runs filter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from featureline.artifacts import TestingArtifact
from featureline.paths import resolve_pipeline_path
from featureline.pipeline import load_pipeline
from featureline.ui import artifact_views
from featureline.ui.artifact_views import (
    Citation,
    cite_request,
    operations,
)
from featureline.ui.pipeline_graph import layout
from featureline.ui.reading import age_text


def test_citations_are_found_across_line_breaks_and_marked() -> None:
    text = "Users save bookmarks.\nA bookmark has a URL,\n  a title."
    segments, checked = cite_request(
        text,
        [
            Citation("FR-1", "A bookmark has a URL, a title.", False),
            Citation("FR-2", "Users delete everything.", False),
            Citation("FR-3", "", False),
        ],
    )
    assert [c.found for c in checked] == [True, False, False]
    assert "".join(s.text for s in segments) == text
    marked = "".join(s.text for s in segments if "FR-1" in s.cited_by)
    assert marked == "A bookmark has a URL,\n  a title."


def test_operations_list_every_method_of_every_path() -> None:
    document = {
        "paths": {
            "/items": {
                "parameters": [{"name": "q", "in": "query"}],
                "get": {"operationId": "list", "responses": {"200": {"description": "ok"}}},
                "post": {"operationId": "create", "requestBody": {"content": {}}},
            },
            "/items/{id}": {"delete": {"operationId": "remove"}, "summary": "not an op"},
        }
    }
    ops = operations(document)
    assert [(o.method, o.path, o.operation_id) for o in ops] == [
        ("GET", "/items", "list"),
        ("POST", "/items", "create"),
        ("DELETE", "/items/{id}", "remove"),
    ]
    assert '"q"' in ops[0].parameters and ops[0].responses == [("200", "ok", "")]
    assert operations({"paths": "broken"}) == []


def test_the_pipeline_is_drawn_in_stages_without_implied_edges() -> None:
    spec = load_pipeline(resolve_pipeline_path(None))
    drawn = layout(spec)
    x = {n.id: n.x for n in drawn.nodes}
    assert x["requirements"] < x["design"] < x["schema"] == x["api_spec"] < x["implementation"]
    edges = {(e.source, e.target) for e in drawn.edges}
    assert ("schema", "implementation") in edges and ("api_spec", "implementation") in edges
    assert ("requirements", "implementation") not in edges  # implied through design


def test_age_is_coarse() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    assert age_text(now, now - timedelta(seconds=42)) == "42s"
    assert age_text(now, now - timedelta(hours=3, minutes=5)) == "3h"
    assert age_text(now, now - timedelta(days=2)) == "2d"


def test_tests_per_requirement_count_only_declared_tests() -> None:
    testing = TestingArtifact.model_validate(
        {
            "strategy": [],
            "test_files": [],
            "test_command": "pytest",
            "coverage": [{"requirement_id": "FR-1", "tests": ["t::a"]}],
            "execution": {
                "command": "pytest",
                "passed": 2,
                "failed": 0,
                "errors": 0,
                "duration_s": 1.0,
                "output_tail": "",
                "ran_at": "2026-01-01T00:00:00Z",
                "results": [
                    {"test_id": "t::a", "outcome": "passed"},
                    {"test_id": "t::b", "outcome": "failed", "requirement_ids": ["FR-2"]},
                ],
            },
        }
    )
    rows = {r.requirement_id: r for r in artifact_views.tests_per_requirement(testing, None)}
    assert rows["FR-1"].verdict == "not declared"
    assert [o.outcome for o in rows["FR-1"].planned_outcomes] == ["passed"]
    assert rows["FR-2"].verdict == "failed"
    unrun = artifact_views.tests_per_requirement(
        testing.model_copy(update={"execution": None}), None
    )
    assert {r.verdict for r in unrun} == {"not run"}
