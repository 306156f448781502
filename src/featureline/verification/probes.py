"""Security probes: the plan (pure, from the API spec and the requirements' rules) and the
findings the sandboxed probe runner's report turns into.

Each operation gets a kind (create/list/get/update/delete/other) and the collection it
belongs to; its required roles are the endpoint's ``roles`` plus any ``role_required``
rule on its entity and operation; a ``shared`` rule lists what other users may see of an
entity (get and list unless the rule names operations).
"""

from __future__ import annotations

import re
from typing import Any

from featureline.artifacts import ApiSpecArtifact, RequirementsArtifact
from featureline.artifacts.api_spec import Endpoint
from featureline.checks.base import Finding, finding
from featureline.checks.naming import same_thing
from featureline.verification.service import DemoUser

CHECK = "implementation.security"
# Deterministic conformance probes (huge integers, a body that is not UTF-8 JSON, an
# undeclared method's 405 and Allow, an unknown route's 404): inputs one bounded fuzzing
# cycle may not reach.
ROBUSTNESS = "implementation.conformance"
_PARAM = re.compile(r"/\{[^}/]+\}$")


def operation_kind(method: str, path: str) -> tuple[str, str]:
    """(kind, collection path) of an operation, from its method and path shape."""
    item = bool(_PARAM.search(path))
    collection = _PARAM.sub("", path) if item else path
    if not item:
        kind = {"POST": "create", "GET": "list"}.get(method, "other")
    else:
        kind = {"GET": "get", "PATCH": "update", "PUT": "update", "DELETE": "delete"}.get(
            method, "other"
        )
    if kind == "other":
        collection = re.sub(r"/\{[^}/]+\}.*$", "", path) or path
    return kind, collection


def resource_name(collection: str) -> str:
    segments = [s for s in collection.split("/") if s and not s.startswith("{")]
    return segments[-1] if segments else ""


def _rule_applies(entity: str, operations: list[str], collection: str, kind: str) -> bool:
    name = resource_name(collection)
    return bool(name) and same_thing(entity, name) and (not operations or kind in operations)


def required_roles(
    endpoint: Endpoint, kind: str, collection: str, requirements: RequirementsArtifact | None
) -> list[str]:
    roles = list(endpoint.roles)
    for rule in requirements.rules if requirements is not None else []:
        if rule.kind == "role_required" and _rule_applies(
            rule.entity, list(rule.operations), collection, kind
        ):
            roles += rule.roles
    return list(dict.fromkeys(roles))


def shared_operations(collection: str, requirements: RequirementsArtifact | None) -> list[str]:
    shared: list[str] = []
    for rule in requirements.rules if requirements is not None else []:
        if rule.kind == "shared" and _rule_applies(rule.entity, [], collection, "list"):
            shared += list(rule.operations) or ["get", "list"]
    return list(dict.fromkeys(shared))


def probe_plan(
    api: ApiSpecArtifact,
    requirements: RequirementsArtifact | None,
    users: list[DemoUser],
    base_url: str,
    header: dict[str, str],
) -> dict[str, Any]:
    """Everything the probe runner needs, as JSON-ready data."""
    operations = []
    listed = {operation_kind(e.method, e.path) for e in api.endpoints}
    for endpoint in api.endpoints:
        kind, collection = operation_kind(endpoint.method, endpoint.path)
        if kind == "create" and "{" in collection and ("list", collection) not in listed:
            kind = "other"  # POST /v1/loans/{id}/return: an action, not a nested collection
        operations.append(
            {
                "method": endpoint.method,
                "path": endpoint.path,
                "operation_id": endpoint.operation_id,
                "auth_required": endpoint.auth_required,
                "kind": kind,
                "collection": collection,
                "roles": required_roles(endpoint, kind, collection, requirements),
                "shared": shared_operations(collection, requirements),
            }
        )
    return {
        "base_url": base_url,
        "header": header,
        "users": [{"role": u.role, "id": u.id, "token": u.token} for u in users],
        "operations": operations,
        "openapi": api.openapi,
    }


def probe_findings(report: list[dict[str, Any]]) -> list[Finding]:
    """Each violation is an error naming the operation, the user and what leaked; a row the
    runner could not create is a warning saying which probes did not run."""
    findings: list[Finding] = []
    for row in report:
        violation = row.get("violation")
        if isinstance(violation, dict):
            findings.append(
                finding(
                    ROBUSTNESS if violation.get("probe") == "robustness" else CHECK,
                    str(violation.get("operation", "?")),
                    f"{violation.get('probe')} probe as {violation.get('user')}: expected "
                    f"{violation.get('expected')}, got {violation.get('status')}: "
                    f"{violation.get('detail', '')}",
                )
            )
        summary = row.get("summary")
        if isinstance(summary, dict):
            for note in summary.get("notes", []):
                findings.append(finding(CHECK, "probes", f"not verified: {note}", "warning"))
    return findings
