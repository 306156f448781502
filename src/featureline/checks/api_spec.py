"""API spec checks: a valid OpenAPI 3.1 document whose operations match the endpoint table."""

from __future__ import annotations

from collections import Counter

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from featureline.artifacts import ApiSpecArtifact
from featureline.checks.base import CheckContext, Finding, check

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@check("api_spec", "api_spec.openapi_valid")
def openapi_document_valid(artifact: ApiSpecArtifact, context: CheckContext) -> list[Finding]:
    document = artifact.openapi
    version = str(document.get("openapi", ""))
    if not version.startswith("3.1"):
        return [
            Finding(
                check="api_spec.openapi_valid",
                severity="error",
                location="openapi",
                message=f"expected an OpenAPI 3.1 document, got version {version or 'none'!r}",
            )
        ]
    try:
        validate(document)
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "absolute_path", [])) or "document"
        return [
            Finding(
                check="api_spec.openapi_valid",
                severity="error",
                location=where,
                message=str(exc.message if hasattr(exc, "message") else exc).splitlines()[0],
            )
        ]
    return []


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
    findings = [
        Finding(
            check="api_spec.endpoints_match",
            severity="error",
            location=f"{method} {path}",
            message="listed in the endpoint table but missing from the OpenAPI document",
        )
        for method, path in sorted(listed - documented)
    ]
    findings += [
        Finding(
            check="api_spec.endpoints_match",
            severity="error",
            location=f"{method} {path}",
            message="in the OpenAPI document but missing from the endpoint table",
        )
        for method, path in sorted(documented - listed)
    ]
    findings += [
        Finding(
            check="api_spec.endpoints_match",
            severity="error",
            location=op_id,
            message=f"operation id used {n} times",
        )
        for op_id, n in sorted(Counter(e.operation_id for e in artifact.endpoints).items())
        if n > 1
    ]
    return findings
