"""The offline critic: deterministic review rules for the api, security and dba reviewers.

Which rules apply is decided by the reviewer's name (``api``, ``security``, ``dba``/
``database``) and the artifact's type; a reviewer with no rule for an artifact approves
it and says so. A review rejects exactly when it reports an ``error`` issue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from featureline.agents import AgentSpec
from featureline.artifacts import (
    ApiSpecArtifact,
    Artifact,
    DesignArtifact,
    ImplementationArtifact,
    RequirementsArtifact,
    SchemaArtifact,
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


RULES: Mapping[str, Rule] = {"api": api_rules, "security": security_rules, "dba": dba_rules}


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
    if role is None:
        return Review(
            verdict="approve",
            summary=f"{reviewer} has no builtin rules; nothing to object to in {kind}.",
            issues=[],
            suggestions=[],
        )
    issues = RULES[role](artifact, requirements)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        first = errors[0]
        summary = f"{len(errors)} blocking issue(s) in {kind}: {first.message} ({first.location})."
    elif issues:
        summary = f"{kind} is acceptable to the {role} reviewer, with {len(issues)} warning(s)."
    else:
        summary = f"{kind} passes every {role} review rule."
    suggestions = [f"{i.location}: {i.message}" for i in issues if i.severity == "warning"]
    return Review(
        verdict="reject" if errors else "approve",
        summary=summary,
        issues=issues,
        suggestions=suggestions,
    )


def _requirements_of(task: StepTask) -> RequirementsArtifact | None:
    return next((a for a in task.inputs.values() if isinstance(a, RequirementsArtifact)), None)


class BuiltinCritic:
    """The ``Critic`` the offline provider uses; stateless, so thread-safe."""

    name = "builtin"

    def review(self, task: StepTask, artifact: Artifact, reviewer: AgentSpec) -> Review:
        return critique(reviewer.name, artifact, _requirements_of(task))


__all__ = ["RULES", "BuiltinCritic", "critique", "is_health_endpoint", "role_of"]
