"""What the artifact pages need beyond the artifact itself: request citations, OpenAPI
operations, highlighted code, test outcomes per requirement. Pure functions.

Highlighting is the one place HTML is built outside a template: Pygments escapes every
character of the source it is given, and only its own ``<span class=...>`` tags are
trusted; the test suite checks that hostile code comes out escaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from pygments import highlight as _pygments
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

from featureline.artifacts import RequirementsArtifact, TestingArtifact
from featureline.artifacts.testing import TestOutcome

_FORMATTER = HtmlFormatter(nowrap=True)


def highlight(code: str, language: str = "", path: str = "") -> Markup:
    """Source as escaped HTML with Pygments' token spans."""
    lexer: Lexer
    try:
        lexer = get_lexer_for_filename(path) if path else get_lexer_by_name(language or "text")
    except ClassNotFound:
        try:
            lexer = get_lexer_by_name(language or "text")
        except ClassNotFound:
            lexer = TextLexer()
    return Markup(_pygments(code, lexer, _FORMATTER))  # Pygments escaped the source


@dataclass(frozen=True)
class Segment:
    """A piece of the request text; ``cited_by`` names what quotes it (empty: nothing)."""

    text: str
    cited_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Citation:
    item: str
    source: str
    found: bool


def citations(artifact: RequirementsArtifact) -> list[Citation]:
    """Each requirement, rule and entity with the request words it claims to come from."""
    items: list[tuple[str, str]] = [(fr.id, fr.source) for fr in artifact.functional]
    items += [(nfr.id, nfr.source) for nfr in artifact.non_functional]
    items += [(rule.id, rule.source) for rule in artifact.rules]
    items += [(f"entity {e.name}", e.source) for e in artifact.entities]
    return [Citation(item, source, False) for item, source in items]


def cite_request(text: str, cited: list[Citation]) -> tuple[list[Segment], list[Citation]]:
    """Split the request into segments marked with what cites them, and say for each
    citation whether its words are really in the request (whitespace-insensitive)."""
    marks: list[set[str]] = [set() for _ in text]
    checked: list[Citation] = []
    folded, index_map = _fold(text)
    for c in cited:
        words = " ".join(c.source.split())
        at = folded.find(words) if words else -1
        if at >= 0:
            start, end = index_map[at], index_map[at + len(words) - 1] + 1
            for i in range(start, end):
                marks[i].add(c.item)
        checked.append(Citation(c.item, c.source, at >= 0))
    segments: list[Segment] = []
    for i, char in enumerate(text):
        key = tuple(sorted(marks[i]))
        if segments and segments[-1].cited_by == key:
            segments[-1] = Segment(segments[-1].text + char, key)
        else:
            segments.append(Segment(char, key))
    return segments, checked


def _fold(text: str) -> tuple[str, list[int]]:
    """Text with whitespace runs collapsed to one space, and each folded char's position."""
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        if char.isspace():
            if out and out[-1] == " ":
                continue
            out.append(" ")
        else:
            out.append(char)
        where.append(i)
    return "".join(out), where


@dataclass
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    parameters: str
    request_body: str
    responses: list[tuple[str, str, str]] = field(default_factory=list)
    security: str = ""


def operations(openapi: dict[str, Any]) -> list[Operation]:
    """The document's operations, one per path and method, their parts as pretty JSON."""
    out: list[Operation] = []
    paths = openapi.get("paths")
    for path, item in paths.items() if isinstance(paths, dict) else []:
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method.lower() not in {"get", "put", "post", "delete", "patch", "head", "options"}:
                continue
            if not isinstance(op, dict):
                continue
            responses = op.get("responses") if isinstance(op.get("responses"), dict) else {}
            out.append(
                Operation(
                    method=method.upper(),
                    path=str(path),
                    operation_id=str(op.get("operationId", "")),
                    summary=str(op.get("summary", "") or op.get("description", "")),
                    parameters=_pretty([*shared, *op.get("parameters", [])]),
                    request_body=_pretty(op.get("requestBody")),
                    responses=[
                        (
                            str(code),
                            str(r.get("description", "")) if isinstance(r, dict) else "",
                            _pretty(r.get("content")) if isinstance(r, dict) else "",
                        )
                        for code, r in (responses or {}).items()
                    ],
                    security=_pretty(op.get("security")),
                )
            )
    return out


def components(openapi: dict[str, Any]) -> list[tuple[str, str]]:
    schemas = (openapi.get("components") or {}).get("schemas") or {}
    return (
        [(str(name), _pretty(s)) for name, s in schemas.items()]
        if isinstance(schemas, dict)
        else []
    )


def _pretty(value: Any) -> str:
    if value in (None, [], {}):
        return ""
    return json.dumps(value, indent=2, ensure_ascii=False)


@dataclass
class RequirementTests:
    requirement_id: str
    title: str
    planned: list[str]
    outcomes: list[TestOutcome]
    planned_outcomes: list[TestOutcome] = field(default_factory=list)
    ran: bool = False

    def outcome_of(self, test_id: str) -> str:
        """How a planned test ended when the tests ran ("" if it did not run)."""
        return next((o.outcome for o in self.planned_outcomes if o.test_id == test_id), "")

    @property
    def verdict(self) -> str:
        """passed only when a test that declared the requirement ran and every such test
        passed (tests merely listed in the coverage map do not count, as in the gate)."""
        if not self.outcomes:
            return "not declared" if self.ran else "not run"
        if all(o.outcome == "passed" for o in self.outcomes):
            return "passed"
        if any(o.outcome in ("failed", "error") for o in self.outcomes):
            return "failed"
        return "skipped"


def tests_per_requirement(
    testing: TestingArtifact, requirements: RequirementsArtifact | None
) -> list[RequirementTests]:
    """Each functional requirement with the tests planned for it (coverage map) and the
    outcomes of the tests that declared it when they ran."""
    titles = {fr.id: fr.title for fr in requirements.functional} if requirements else {}
    planned = {c.requirement_id: list(c.tests) for c in testing.coverage}
    results = testing.execution.results if testing.execution else []
    by_id = {o.test_id: o for o in results}
    ids = list(dict.fromkeys([*titles, *planned, *(r for o in results for r in o.requirement_ids)]))
    return [
        RequirementTests(
            requirement_id=rid,
            title=titles.get(rid, ""),
            planned=planned.get(rid, []),
            outcomes=[o for o in results if rid in o.requirement_ids],
            planned_outcomes=[by_id[t] for t in planned.get(rid, []) if t in by_id],
            ran=testing.execution is not None,
        )
        for rid in ids
    ]
