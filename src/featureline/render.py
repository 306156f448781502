"""Artifact -> readable markdown: one function per artifact kind, pure string building."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from featureline.artifacts import (
    ApiSpecArtifact,
    Artifact,
    DesignArtifact,
    DocsArtifact,
    ImplementationArtifact,
    PerformanceArtifact,
    RequirementsArtifact,
    SchemaArtifact,
    TestingArtifact,
)
from featureline.artifacts.implementation import SourceFile


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def table(headers: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """A GitHub-flavoured markdown table (pipes and newlines in cells escaped)."""
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def fence(code: str, lang: str = "") -> str:
    ticks = "````" if "```" in code else "```"
    return f"{ticks}{lang}\n{code.rstrip()}\n{ticks}"


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {i}" for i in items) or "- (none)"


def _file(f: SourceFile) -> str:
    lang = {"python": "python", "sql": "sql", "text": ""}.get(f.language, f.language)
    return f"### `{f.path}`\n\n{f.purpose}\n\n{fence(f.content, lang)}"


def render_requirements(a: RequirementsArtifact) -> str:
    parts = [
        f"# Requirements: {a.title}",
        a.summary,
        "## Actors",
        table(["Actor", "Description"], [(x.name, x.description) for x in a.actors]),
        "## Entities",
    ]
    for e in a.entities:
        owner = f" (owned by {e.owned_by})" if e.owned_by else ""
        parts.append(f"### {e.name}{owner}\n\n{e.description}")
        parts.append(
            table(
                ["Field", "Type", "Required", "Unique", "Rules", "Description"],
                [
                    (
                        f.name,
                        f.type + (f" → {f.references}" if f.references else ""),
                        "yes" if f.required else "no",
                        "yes" if f.unique else "",
                        ", ".join(
                            ([f"one of {', '.join(f.enum_values)}"] if f.enum_values else [])
                            + ([f"min {f.minimum:g}"] if f.minimum is not None else [])
                            + ([f"max {f.maximum:g}"] if f.maximum is not None else [])
                        ),
                        f.description,
                    )
                    for f in e.fields
                ],
            )
        )
    if a.relations:
        parts += [
            "## Relations",
            table(
                ["Source", "Kind", "Target", "Description"],
                [(r.source, r.kind, r.target, r.description) for r in a.relations],
            ),
        ]
    parts += [
        "## Functional requirements",
        table(
            ["ID", "Title", "Priority", "Status", "Acceptance criteria", "Source"],
            [
                (
                    f.id,
                    f.title,
                    f.priority,
                    f.status + (f" ({f.status_note})" if f.status_note else ""),
                    "; ".join(f.acceptance_criteria),
                    f.source,
                )
                for f in a.functional
            ],
        ),
    ]
    parts += [
        "## Non-functional requirements",
        table(
            ["ID", "Category", "Metric", "Target", "Source"],
            [
                (n.id, n.category, n.metric, f"{n.comparator} {n.target:g} {n.unit}", n.source)
                for n in a.non_functional
            ],
        ),
    ]
    parts += [
        "## Assumptions",
        bullets(a.assumptions),
        "## Open questions",
        bullets(a.open_questions),
        "## Out of scope",
        bullets(a.out_of_scope),
    ]
    return "\n\n".join(parts) + "\n"


def render_design(a: DesignArtifact) -> str:
    parts = [
        "# System design",
        a.overview,
        "## Components",
        table(
            ["Name", "Kind", "Technology", "Responsibilities", "Serves"],
            [
                (c.name, c.kind, c.technology, "; ".join(c.responsibilities), ", ".join(c.serves))
                for c in a.components
            ],
        ),
        "## Data flows",
        table(
            ["From", "To", "Protocol", "Description"],
            [(f.source, f.target, f.protocol, f.description) for f in a.data_flows],
        ),
        fence(a.mermaid, "mermaid"),
        "## Decisions",
    ]
    for d in a.decisions:
        parts.append(
            f"### {d.id}: {d.title} ({d.status})\n\n**Context.** {d.context}\n\n"
            f"**Decision.** {d.decision}\n\n**Consequences.** {d.consequences}"
        )
    parts += [
        "## Security",
        table(
            ["Measure", "Description", "Addresses"],
            [(s.name, s.description, ", ".join(s.addresses)) for s in a.security],
        ),
        "## Caching",
        bullets(a.caching),
        "## Scaling",
        bullets(a.scaling),
    ]
    return "\n\n".join(parts) + "\n"


def render_schema(a: SchemaArtifact) -> str:
    parts = ["# Database schema", fence(a.er_diagram, "mermaid")]
    for t in a.tables:
        parts.append(f"## {t.name}\n\n{t.description}")
        parts.append(
            table(
                ["Column", "Type", "Null", "Key", "Default", "Description"],
                [
                    (
                        c.name,
                        c.type,
                        "yes" if c.nullable else "no",
                        "PK"
                        if c.primary_key
                        else (
                            f"FK → {c.references.table}.{c.references.column}"
                            if c.references
                            else ("unique" if c.unique else "")
                        ),
                        c.default,
                        c.description,
                    )
                    for c in t.columns
                ],
            )
        )
        if t.indexes:
            parts.append(
                "Indexes:\n\n"
                + bullets(f"`{i.name}` ({', '.join(i.columns)}) — {i.reason}" for i in t.indexes)
            )
        if t.constraints:
            parts.append(
                "Constraints:\n\n"
                + bullets(f"`{k.name}`: {k.kind} `{k.expression}`" for k in t.constraints)
            )
    for d in a.ddl:
        parts += [f"## DDL ({d.dialect})", fence(d.sql, "sql")]
    for m in a.migrations:
        parts += [
            f"## Migration {m.id} ({m.dialect})",
            m.description,
            "Up:",
            fence(m.up, "sql"),
            "Down:",
            fence(m.down, "sql"),
        ]
    if a.notes:
        parts += ["## Notes", bullets(a.notes)]
    return "\n\n".join(parts) + "\n"


def render_api_spec(a: ApiSpecArtifact) -> str:
    parts = [
        "# API specification",
        table(
            ["Method", "Path", "Operation", "Success", "Errors", "Auth", "Requirements"],
            [
                (
                    e.method,
                    f"`{e.path}`",
                    e.operation_id,
                    e.success_status,
                    ", ".join(map(str, e.error_statuses)),
                    "yes" if e.auth_required else "no",
                    ", ".join(e.requirement_ids),
                )
                for e in a.endpoints
            ],
        ),
        f"**Auth:** {a.auth.scheme} — {a.auth.description}",
        f"**Errors:** {a.error_model.media_type} ({a.error_model.standard}), "
        f"fields {', '.join(a.error_model.fields)}",
        f"**Versioning:** {a.versioning}",
        f"**Rate limit:** {a.rate_limit.requests} per "
        f"{a.rate_limit.per_seconds}s per {a.rate_limit.scope}. "
        f"{a.rate_limit.description}",
        "## OpenAPI document",
        fence(json.dumps(a.openapi, indent=2), "json"),
    ]
    return "\n\n".join(parts) + "\n"


def render_implementation(a: ImplementationArtifact) -> str:
    parts = [
        f"# Implementation ({a.framework}, {a.language})",
        f"Entry point `{a.entry_point}`; run with `{a.run_command}`.",
        "## Files",
        table(["Path", "Purpose"], [(f"`{f.path}`", f.purpose) for f in a.files]),
        "## Dependencies",
        table(
            ["Name", "Version", "Purpose"], [(d.name, d.version, d.purpose) for d in a.dependencies]
        ),
        "## Configuration",
        table(
            ["Variable", "Description", "Default", "Secret"],
            [
                (c.name, c.description, c.default, "yes" if c.secret else "no")
                for c in a.configuration
            ],
        ),
        "## Security measures",
        bullets(a.security_measures),
        "## Source",
    ]
    parts += [_file(f) for f in a.files]
    return "\n\n".join(parts) + "\n"


def render_testing(a: TestingArtifact) -> str:
    parts = [
        "# Testing",
        table(
            ["Level", "Description", "Tools"],
            [(s.level, s.description, ", ".join(s.tools)) for s in a.strategy],
        ),
        f"Run: `{a.test_command}`",
        "## Coverage",
        table(
            ["Requirement", "Tests"], [(c.requirement_id, ", ".join(c.tests)) for c in a.coverage]
        ),
        "## Execution",
    ]
    if a.execution is None:
        parts.append("Not run yet.")
    else:
        e = a.execution
        parts.append(
            f"`{e.command}`: {e.passed} passed, {e.failed} failed, {e.errors} errors, "
            f"{e.skipped} skipped in {e.duration_s:.2f}s ({e.sandbox or 'sandbox not stated'})"
        )
        parts.append(fence(e.output_tail))
    parts += ["## Test files"] + [_file(f) for f in a.test_files]
    return "\n\n".join(parts) + "\n"


def render_performance(a: PerformanceArtifact) -> str:
    parts = [
        "# Performance",
        "## Caching",
        table(
            ["Target", "Strategy", "TTL (s)", "Invalidation"],
            [(c.target, c.strategy, c.ttl_seconds, c.invalidation) for c in a.caching],
        ),
        "## Indexes",
        table(
            ["Table", "Index", "Serves", "Query"],
            [(i.table, i.index, i.serves, f"`{i.query}`") for i in a.indexing],
        ),
        "## Load test",
        f"Run: `{a.load_test_command}`",
        _file(a.load_test_script),
        "## Results",
    ]
    parts.append(
        table(
            ["Scenario", "Endpoint", "Requests", "p50 ms", "p95 ms", "rps", "Errors"],
            [
                (
                    r.scenario,
                    r.endpoint,
                    r.requests,
                    r.p50_ms,
                    r.p95_ms,
                    r.throughput_rps,
                    r.error_rate,
                )
                for r in a.results
            ],
        )
        if a.results
        else "No load test results yet."
    )
    parts += [
        "## NFR verdicts",
        table(
            ["NFR", "Target", "Measured", "Verdict", "Evidence"],
            [(v.nfr_id, v.target, v.measured, v.verdict, v.evidence) for v in a.verdicts],
        ),
        "## Recommendations",
        bullets(a.recommendations),
    ]
    return "\n\n".join(parts) + "\n"


def render_docs(a: DocsArtifact) -> str:
    parts = [
        a.readme.rstrip(),
        a.api_reference.rstrip(),
        a.runbook.rstrip(),
        "# ADR index",
        table(["ID", "Title", "Status"], [(d.id, d.title, d.status) for d in a.adr_index]),
    ]
    return "\n\n".join(parts) + "\n"


RENDERERS: dict[type[Artifact], Callable[[Any], str]] = {
    RequirementsArtifact: render_requirements,
    DesignArtifact: render_design,
    SchemaArtifact: render_schema,
    ApiSpecArtifact: render_api_spec,
    ImplementationArtifact: render_implementation,
    TestingArtifact: render_testing,
    PerformanceArtifact: render_performance,
    DocsArtifact: render_docs,
}


def render_markdown(artifact: Artifact) -> str:
    """Markdown for any of the eight artifacts; unknown types fall back to JSON."""
    renderer = RENDERERS.get(type(artifact))
    if renderer is None:
        return (
            f"# {type(artifact).__name__}\n\n"
            + fence(artifact.model_dump_json(indent=2), "json")
            + "\n"
        )
    return renderer(artifact)
