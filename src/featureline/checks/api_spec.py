"""API spec checks: a valid OpenAPI 3.1 document whose operations match the endpoint table,
whose references resolve, whose endpoints trace to requirements, and whose payloads match
the schema's columns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from openapi_spec_validator import OpenAPIV31SpecValidator

from featureline.artifacts import ApiSpecArtifact, RequirementsArtifact, SchemaArtifact
from featureline.checks.base import CheckContext, Finding, check, finding
from featureline.checks.naming import same_thing, singular, snake

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
PAYLOAD_SUFFIXES = ("Create", "Update", "Replace", "Patch", "In", "Out", "Read", "")


@check("api_spec", "api_spec.openapi_valid")
def openapi_document_valid(artifact: ApiSpecArtifact, context: CheckContext) -> list[Finding]:
    document = artifact.openapi
    version = str(document.get("openapi", ""))
    if not version.startswith("3.1"):
        return [
            finding(
                "api_spec.openapi_valid",
                "openapi",
                f"expected an OpenAPI 3.1 document, got version {version or 'none'!r}",
            )
        ]
    return openapi_errors(document)


def openapi_errors(document: dict[str, Any]) -> list[Finding]:
    """Every problem the validator finds (``iter_errors``), not only the first. Its
    semantic pass can trip over a document the schema pass already rejected: what was
    found until then is kept, and the stop is reported only when nothing was."""
    name = "api_spec.openapi_valid"
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    try:
        for error in OpenAPIV31SpecValidator(document).iter_errors():
            where = "/".join(str(p) for p in getattr(error, "absolute_path", [])) or "document"
            message = str(getattr(error, "message", error)).splitlines()[0]
            if (where, message) not in seen:
                seen.add((where, message))
                findings.append(finding(name, where, message))
    except Exception as exc:  # the validator raises plain errors for unresolvable refs
        if not findings:
            findings.append(finding(name, "document", f"{type(exc).__name__}: {exc}"))
    return findings


def _walk_refs(node: Any, path: str = "#") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield path, value
            else:
                yield from _walk_refs(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_refs(value, f"{path}/{index}")


def _resolve(document: dict[str, Any], pointer: str) -> bool:
    node: Any = document
    for raw in pointer.removeprefix("#/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


@check("api_spec", "api_spec.refs_resolve")
def refs_resolve(artifact: ApiSpecArtifact, context: CheckContext) -> list[Finding]:
    document = artifact.openapi
    findings: list[Finding] = []
    for where, ref in _walk_refs(document):
        if not ref.startswith("#/"):
            findings.append(
                finding("api_spec.refs_resolve", where, f"external $ref {ref!r} is not allowed")
            )
        elif not _resolve(document, ref):
            findings.append(
                finding("api_spec.refs_resolve", where, f"$ref {ref!r} does not resolve")
            )
    return findings


@check("api_spec", "api_spec.endpoints_match")
def endpoints_match_document(artifact: ApiSpecArtifact, context: CheckContext) -> list[Finding]:
    paths = artifact.openapi.get("paths", {}) or {}
    documented = {
        (method.upper(), path)
        for path, item in paths.items()
        if isinstance(item, dict)
        for method in item
        if method in HTTP_METHODS
    }
    listed = {(e.method, e.path) for e in artifact.endpoints}
    name = "api_spec.endpoints_match"
    findings = [
        finding(name, f"{m} {p}", "in the endpoint table but missing from the OpenAPI document")
        for m, p in sorted(listed - documented)
    ]
    findings += [
        finding(name, f"{m} {p}", "in the OpenAPI document but missing from the endpoint table")
        for m, p in sorted(documented - listed)
    ]
    operations = {
        (m.upper(), p): item[m]
        for p, item in paths.items()
        if isinstance(item, dict)
        for m in item
        if m in HTTP_METHODS and isinstance(item[m], dict)
    }
    doc_ids = [op.get("operationId") for op in operations.values() if op.get("operationId")]
    findings += [
        finding(name, str(op_id), f"operationId used {n} times in the document")
        for op_id, n in sorted(Counter(doc_ids).items())
        if n > 1
    ]
    findings += [
        finding(name, op_id, f"operation id used {n} times in the endpoint table")
        for op_id, n in sorted(Counter(e.operation_id for e in artifact.endpoints).items())
        if n > 1
    ]
    for (method, path), operation in sorted(operations.items()):
        if not operation.get("operationId"):
            findings.append(finding(name, f"{method} {path}", "operation has no operationId"))
    for endpoint in artifact.endpoints:
        operation = operations.get((endpoint.method, endpoint.path))
        if operation and operation.get("operationId") not in (None, endpoint.operation_id):
            findings.append(
                finding(
                    name,
                    f"{endpoint.method} {endpoint.path}",
                    f"operationId {operation.get('operationId')!r} differs from the table's "
                    f"{endpoint.operation_id!r}",
                )
            )
    return findings


@check("api_spec", "api_spec.traceability")
def endpoints_trace_to_requirements(
    artifact: ApiSpecArtifact, context: CheckContext
) -> list[Finding]:
    requirements = context.find(RequirementsArtifact)
    known: set[str] | None = None
    if requirements is not None:
        known = {r.id for r in requirements.functional} | {
            r.id for r in requirements.non_functional
        }
    findings: list[Finding] = []
    for endpoint in artifact.endpoints:
        where = f"{endpoint.method} {endpoint.path}"
        if not endpoint.requirement_ids:
            findings.append(
                finding("api_spec.traceability", where, "endpoint traces to no requirement")
            )
        elif known is not None:
            unknown = [rid for rid in endpoint.requirement_ids if rid not in known]
            if unknown:
                findings.append(
                    finding(
                        "api_spec.traceability",
                        where,
                        f"names unknown requirement(s) {', '.join(unknown)}",
                    )
                )
    return findings


def payload_mismatches(api: ApiSpecArtifact, schema: SchemaArtifact) -> list[Finding]:
    """Properties of request/response schemas that no column (or relation) of the matching
    table explains. Shared by the api_spec check and the implementation gate."""
    tables = {t.name: t for t in schema.tables}
    components = api.openapi.get("components", {}).get("schemas", {}) or {}
    findings: list[Finding] = []
    for component_name, component in sorted(components.items()):
        if not isinstance(component, dict):
            continue
        table = _table_for(component_name, tables)
        if table is None:
            continue
        columns = {c.name for c in table.columns}
        related = _related_names(table.name, schema)
        for prop in sorted((component.get("properties") or {}).keys()):
            base = prop.removesuffix("_ids").removesuffix("_id")
            if prop in columns or any(same_thing(base, r) for r in related):
                continue
            findings.append(
                finding(
                    "api_spec.fields_match_schema",
                    f"components.schemas.{component_name}.{prop}",
                    f"no column of table {table.name} (or related table) holds '{prop}'",
                )
            )
    return findings


def _table_for(component_name: str, tables: dict[str, Any]) -> Any | None:
    for suffix in PAYLOAD_SUFFIXES:
        if suffix and not component_name.endswith(suffix):
            continue
        stem = component_name[: len(component_name) - len(suffix)] if suffix else component_name
        for name, table in tables.items():
            if singular(snake(stem)) == singular(name) or same_thing(stem, table.entity or name):
                return table
    return None


def _related_names(table_name: str, schema: SchemaArtifact) -> set[str]:
    related: set[str] = set()
    for table in schema.tables:
        refs = {c.references.table for c in table.columns if c.references is not None}
        if table.name == table_name:
            related |= refs
        elif table_name in refs:  # a join table or child table pointing at us
            related.add(table.name)
            related.add(table.name.removeprefix(singular(table_name) + "_"))  # project_members
            related |= {r for r in refs if r != table_name}
    return related


@check("api_spec", "api_spec.fields_match_schema")
def fields_match_schema(artifact: ApiSpecArtifact, context: CheckContext) -> list[Finding]:
    schema = context.find(SchemaArtifact)
    if schema is None:
        return [
            finding(
                "api_spec.fields_match_schema",
                "components.schemas",
                "schema not approved yet (parallel step): "
                "payloads are compared at the implementation gate",
                "info",
            )
        ]
    return payload_mismatches(artifact, schema)
