"""Implementation checks: safe relative paths, Python that compiles (compiled, never
executed here), and no SQL built by string formatting."""

from __future__ import annotations

from featureline.artifacts import ApiSpecArtifact, ImplementationArtifact, SchemaArtifact
from featureline.checks.api_spec import payload_mismatches
from featureline.checks.base import CheckContext, Finding, check, finding
from featureline.checks.sqlscan import formatted_sql
from featureline.safepaths import path_problem


@check("implementation", "implementation.paths")
def paths_stay_inside(artifact: ImplementationArtifact, context: CheckContext) -> list[Finding]:
    """Relative, no '..', no absolute paths, no duplicates, no file that is also a folder."""
    name = "implementation.paths"
    findings: list[Finding] = []
    seen: set[str] = set()
    for file in artifact.files:
        problem = path_problem(file.path)
        if problem:
            findings.append(finding(name, file.path, problem))
        if file.path in seen:
            findings.append(finding(name, file.path, "file listed twice"))
        seen.add(file.path)
        if file.language.lower() in {"symlink", "link"}:
            findings.append(finding(name, file.path, "symlinks are not allowed in generated code"))
    folders = {"/".join(p.split("/")[:i]) for p in seen for i in range(1, p.count("/") + 1)}
    for clash in sorted(seen & folders):
        findings.append(finding(name, clash, "path is both a file and a folder"))
    return findings


@check("implementation", "implementation.compiles")
def python_compiles(artifact: ImplementationArtifact, context: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    for file in artifact.files:
        if not file.path.endswith(".py"):
            continue
        try:
            compile(file.content, file.path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            findings.append(
                finding(
                    "implementation.compiles",
                    f"{file.path}:{exc.lineno}",
                    f"does not compile: {exc.msg}",
                )
            )
    return findings


@check("implementation", "implementation.parameterised_sql")
def no_formatted_sql(artifact: ImplementationArtifact, context: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    for file in artifact.files:
        if not file.path.endswith(".py"):
            continue
        try:
            hits = formatted_sql(file.content)
        except SyntaxError:
            continue  # reported by implementation.compiles
        findings += [
            finding(
                "implementation.parameterised_sql",
                f"{file.path}:{hit.line}",
                f"SQL built with {hit.how}; pass values as query parameters",
            )
            for hit in hits
        ]
    return findings


@check("implementation", "implementation.payloads_match_schema")
def payloads_match_schema(artifact: ImplementationArtifact, context: CheckContext) -> list[Finding]:
    """Where schema and API spec ran in parallel, this is the first gate that sees both."""
    api, schema = context.find(ApiSpecArtifact), context.find(SchemaArtifact)
    if api is None or schema is None:
        return []
    return payload_mismatches(api, schema)
