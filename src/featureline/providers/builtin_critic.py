"""The offline critic: deterministic review rules for the api, security and dba reviewers,
and generic rules for any other reviewer.

Which rules apply is decided by the reviewer's name (``api``, ``security``, ``dba``/
``database``) and the artifact's type. Any other reviewer (``python-pro``, a reviewer
file from a public collection...) is judged by the generic rules for the artifact's kind:
every rule set that applies to it; so is a named reviewer facing an artifact outside its
role. A review rejects exactly when it reports an ``error`` issue. An artifact no rule
applies to is never approved unseen: the review says plainly that it was not reviewed
and rejects, so the gate hands it to a person.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from featureline.agents import AgentSpec
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
from featureline.artifacts.api_spec import Endpoint
from featureline.providers.base import StepTask
from featureline.review import Review, ReviewIssue

Rule = Callable[[Artifact, RequirementsArtifact | None], list[ReviewIssue]]


def _error(location: str, message: str) -> ReviewIssue:
    return ReviewIssue(severity="error", location=location, message=message)


def _warning(location: str, message: str) -> ReviewIssue:
    return ReviewIssue(severity="warning", location=location, message=message)


def is_health_endpoint(endpoint: Endpoint) -> bool:
    path = endpoint.path.rstrip("/").lower()
    return path.endswith(("/health", "/healthz", "/livez", "/readyz")) or (
        "health" in endpoint.operation_id.lower()
    )


def _label(index: int, endpoint: Endpoint) -> str:
    return f"endpoints[{index}] {endpoint.method} {endpoint.path}"


# -- api reviewer ------------------------------------------------------------------------


def api_rules(artifact: Artifact, requirements: RequirementsArtifact | None) -> list[ReviewIssue]:
    if not isinstance(artifact, ApiSpecArtifact):
        return []
    issues: list[ReviewIssue] = []
    known = {fr.id for fr in requirements.functional} if requirements else None
    seen_ops: dict[str, int] = {}
    for i, ep in enumerate(artifact.endpoints):
        where = _label(i, ep)
        if ep.operation_id in seen_ops:
            issues.append(
                _error(
                    where,
                    f"operation_id {ep.operation_id!r} repeats "
                    f"endpoints[{seen_ops[ep.operation_id]}]",
                )
            )
        seen_ops.setdefault(ep.operation_id, i)
        if is_health_endpoint(ep):
            continue
        if not ep.error_statuses:
            issues.append(_error(where, "declares no error response"))
        if not ep.requirement_ids:
            issues.append(_error(where, "is not tied to any requirement id"))
        elif known is not None:
            unknown = sorted(set(ep.requirement_ids) - known)
            if unknown:
                issues.append(_error(where, f"cites unknown requirement ids {', '.join(unknown)}"))
        if "{" in ep.path and 404 not in ep.error_statuses:
            issues.append(_warning(where, "addresses one resource but declares no 404"))
    if "paths" not in artifact.openapi:
        issues.append(_error("openapi_json", "the OpenAPI document has no 'paths'"))
    return issues


# -- security reviewer -------------------------------------------------------------------


def security_rules(
    artifact: Artifact, requirements: RequirementsArtifact | None
) -> list[ReviewIssue]:
    issues: list[ReviewIssue] = []
    if isinstance(artifact, ApiSpecArtifact):
        guarded = [ep for ep in artifact.endpoints if not is_health_endpoint(ep)]
        for i, ep in enumerate(artifact.endpoints):
            if ep in guarded and not ep.auth_required:
                issues.append(_error(_label(i, ep), "does not require authentication"))
        if guarded and artifact.auth.scheme == "none":
            issues.append(_error("auth.scheme", "is 'none' while endpoints hold user data"))
        if artifact.rate_limit.requests <= 0:
            issues.append(_warning("rate_limit", "allows no requests; set a positive limit"))
    elif isinstance(artifact, ImplementationArtifact):
        for var in artifact.configuration:
            if var.secret and var.default:
                issues.append(
                    _error(f"configuration.{var.name}", "a secret must not ship with a default")
                )
        if not artifact.security_measures:
            issues.append(_error("security_measures", "lists no security measures"))
    elif isinstance(artifact, DesignArtifact) and not artifact.security:
        issues.append(_error("security", "the design names no security measures"))
    return issues


# -- dba reviewer ------------------------------------------------------------------------


def dba_rules(artifact: Artifact, requirements: RequirementsArtifact | None) -> list[ReviewIssue]:
    if not isinstance(artifact, SchemaArtifact):
        return []
    issues: list[ReviewIssue] = []
    tables = {t.name for t in artifact.tables}
    for table in artifact.tables:
        pk = [c.name for c in table.columns if c.primary_key]
        if not pk:
            issues.append(_error(f"tables.{table.name}", "has no primary key"))
        leading = {ix.columns[0] for ix in table.indexes if ix.columns}
        leading |= {c.name for c in table.columns if c.unique}
        if pk:
            leading.add(pk[0])
        for col in table.columns:
            if col.references is None:
                continue
            where = f"tables.{table.name}.{col.name}"
            if col.references.table not in tables:
                issues.append(_error(where, f"references unknown table {col.references.table!r}"))
            if col.name not in leading:
                issues.append(_error(where, "is a foreign key without an index leading with it"))
    dialects = {d.dialect for d in artifact.ddl}
    for dialect in ("sqlite", "postgresql"):
        if dialect not in dialects:
            issues.append(_warning("ddl", f"has no {dialect} DDL"))
    return issues


# -- generic rules for the kinds no named reviewer covers --------------------------------


def requirements_rules(
    artifact: Artifact, requirements: RequirementsArtifact | None
) -> list[ReviewIssue]:
    if not isinstance(artifact, RequirementsArtifact):
        return []
    issues: list[ReviewIssue] = []
    for i, fr in enumerate(artifact.functional):
        where = f"functional[{i}] {fr.id}"
        if fr.status == "planned" and not fr.acceptance_criteria:
            issues.append(_error(where, "has no acceptance criteria, so nothing can verify it"))
        if fr.status == "deferred" and not fr.status_note.strip():
            issues.append(_error(where, "is deferred without saying why"))
        if not fr.source.strip():
            issues.append(_warning(where, "does not cite the sentence of the request it serves"))
    if not artifact.functional:
        issues.append(_error("functional", "lists no functional requirement"))
    return issues


def testing_rules(
    artifact: Artifact, requirements: RequirementsArtifact | None
) -> list[ReviewIssue]:
    if not isinstance(artifact, TestingArtifact):
        return []
    issues: list[ReviewIssue] = []
    covered = {c.requirement_id for c in artifact.coverage if c.tests}
    if requirements is not None:
        for fr in requirements.functional:
            if fr.status == "planned" and fr.id not in covered:
                issues.append(_error(f"coverage {fr.id}", "no test covers this requirement"))
    if not artifact.test_files:
        issues.append(_error("test_files", "contains no test file"))
    return issues


def performance_rules(
    artifact: Artifact, requirements: RequirementsArtifact | None
) -> list[ReviewIssue]:
    if not isinstance(artifact, PerformanceArtifact):
        return []
    issues: list[ReviewIssue] = []
    judged = {v.nfr_id for v in artifact.verdicts}
    if requirements is not None:
        for nfr in requirements.non_functional:
            if nfr.category in ("performance", "scalability") and nfr.id not in judged:
                issues.append(_error(f"verdicts {nfr.id}", "this target has no verdict"))
    for i, verdict in enumerate(artifact.verdicts):
        if verdict.verdict == "met" and not verdict.evidence.strip():
            issues.append(_error(f"verdicts[{i}] {verdict.nfr_id}", "is 'met' without evidence"))
    return issues


def docs_rules(artifact: Artifact, requirements: RequirementsArtifact | None) -> list[ReviewIssue]:
    if not isinstance(artifact, DocsArtifact):
        return []
    issues = [
        _error(name, "is empty")
        for name in ("readme", "api_reference", "runbook")
        if not str(getattr(artifact, name)).strip()
    ]
    return issues


RULES: Mapping[str, Rule] = {
    "api": api_rules,
    "security": security_rules,
    "dba": dba_rules,
    "requirements": requirements_rules,
    "testing": testing_rules,
    "performance": performance_rules,
    "docs": docs_rules,
}
GENERIC: Mapping[type[Artifact], tuple[str, ...]] = {
    RequirementsArtifact: ("requirements",),
    DesignArtifact: ("security",),
    SchemaArtifact: ("dba",),
    ApiSpecArtifact: ("api", "security"),
    ImplementationArtifact: ("security",),
    TestingArtifact: ("testing",),
    PerformanceArtifact: ("performance",),
    DocsArtifact: ("docs",),
}
"""Artifact type -> the rule sets a reviewer without a role of its own is judged by."""


def role_of(reviewer: str) -> str | None:
    """The rule set a reviewer name selects: ``api``, ``security``, ``dba`` or none."""
    name = reviewer.lower()
    if "security" in name:
        return "security"
    if "dba" in name or "database" in name:
        return "dba"
    if "api" in name:
        return "api"
    return None


def critique(
    reviewer: str, artifact: Artifact, requirements: RequirementsArtifact | None = None
) -> Review:
    """Review ``artifact`` with the rules of ``reviewer``; pure and deterministic."""
    role = role_of(reviewer)
    kind = artifact.step or type(artifact).__name__
    generic = False
    applicable = [role] if role is not None and _applies(role, artifact) else []
    if not applicable:  # no role, or a role with no rules for this kind: the kind's rules
        generic = True
        applicable = [name for name in GENERIC.get(type(artifact), ()) if _applies(name, artifact)]
    if not applicable:
        note = (
            f"the builtin critic has no rules for a {kind} artifact, so {reviewer} could not "
            "review it: a person (or a model critic) must"
        )
        return Review(
            verdict="reject",
            summary=f"Not reviewed: {note}.",
            issues=[_error("(review)", note)],
            suggestions=[],
        )
    issues = [issue for name in applicable for issue in RULES[name](artifact, requirements)]
    label = "/".join(applicable) + (" (generic)" if generic else "")
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        first = errors[0]
        summary = f"{len(errors)} blocking issue(s) in {kind}: {first.message} ({first.location})."
    elif issues:
        summary = (
            f"{kind} is acceptable to the {label} review rules, with {len(issues)} warning(s)."
        )
    else:
        summary = f"{kind} passes every {label} review rule."
    suggestions = [f"{i.location}: {i.message}" for i in issues if i.severity == "warning"]
    return Review(
        verdict="reject" if errors else "approve",
        summary=summary,
        issues=issues,
        suggestions=suggestions,
    )


_APPLIES: Mapping[str, tuple[type[Artifact], ...]] = {
    "api": (ApiSpecArtifact,),
    "security": (ApiSpecArtifact, ImplementationArtifact, DesignArtifact),
    "dba": (SchemaArtifact,),
    "requirements": (RequirementsArtifact,),
    "testing": (TestingArtifact,),
    "performance": (PerformanceArtifact,),
    "docs": (DocsArtifact,),
}


def _applies(rule_set: str, artifact: Artifact) -> bool:
    return isinstance(artifact, _APPLIES[rule_set])


def _requirements_of(task: StepTask) -> RequirementsArtifact | None:
    return next((a for a in task.inputs.values() if isinstance(a, RequirementsArtifact)), None)


class BuiltinCritic:
    """The ``Critic`` the offline provider uses; stateless, so thread-safe."""

    name = "builtin"

    def review(self, task: StepTask, artifact: Artifact, reviewer: AgentSpec) -> Review:
        return critique(reviewer.name, artifact, _requirements_of(task))


__all__ = ["GENERIC", "RULES", "BuiltinCritic", "critique", "is_health_endpoint", "role_of"]
