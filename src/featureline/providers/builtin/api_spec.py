"""Step 4: resources -> an OpenAPI 3.1 document plus the endpoint table."""

from __future__ import annotations

import json
from typing import Any, cast

from featureline.artifacts.api_spec import (
    ApiSpecArtifact,
    AuthPolicy,
    Endpoint,
    ErrorModel,
    HttpMethod,
    RateLimitPolicy,
)
from featureline.artifacts.requirements import RequirementsArtifact
from featureline.providers.builtin.resources import (
    OPS,
    Col,
    Resource,
    build_resources,
    map_requirements,
)

PROBLEM = {"$ref": "#/components/schemas/Problem"}
#: the largest id or integer SQLite stores (64-bit signed); larger values answer 422
INT_MAX = 2**63 - 1
INT_MIN = -(2**63)
#: exact decimals travel as strings; the server checks the same pattern (ASCII digits only)
DECIMAL_PATTERN = r"^-?[0-9]{1,10}(\.[0-9]{1,2})?$"
DECIMAL_PATTERN_NONNEGATIVE = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"
#: ASCII whitespace only: "\\s" differs between ECMAScript, Python and Rust regexes
EMAIL_PATTERN = r"^[^@ \t\r\n]+@[^@ \t\r\n]+$"
#: an http(s) URL with an ASCII host name (IDNs as punycode; no IP literals in brackets),
#: so every accepted value also parses with standard URL parsers; the rest is non-space text
URL_PATTERN = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][^ \t\r\n]*)?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
SUCCESS = {"create": 201, "list": 200, "get": 200, "update": 200, "delete": 204}
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Content",
    429: "Too Many Requests",
}


def error_statuses(res: Resource, op: str) -> list[int]:
    """Every client error the generated route can answer, so the spec documents them all:
    400 an unreadable body, 403 a role rule or another user's shared row, 404 an unknown
    (or invisible) row, 409 a rule, a reference to a row the caller cannot see, or a row
    still referenced."""
    codes = {401, 422}
    if op in {"create", "update"}:
        codes |= {400, 409, 429}
    if op in {"get", "update", "delete"}:
        codes.add(404)
    if op == "delete":
        codes |= {409, 429}
    if res.roles_for(op) or (res.shared and op in {"update", "delete"}):
        codes.add(403)
    return sorted(codes)


def decimal_pattern(c: Col) -> str:
    return (
        DECIMAL_PATTERN_NONNEGATIVE if c.minimum is not None and c.minimum >= 0 else DECIMAL_PATTERN
    )


def col_schema(c: Col) -> dict[str, Any]:
    """JSON schema of a column value, exactly what the server accepts: decimals are strings
    (no precision lost), integers are 64-bit, booleans and integers are never coerced."""
    t = c.ftype
    s: dict[str, Any]
    if t == "reference" or c.name == "id":
        s = {"type": "integer", "minimum": 1, "maximum": INT_MAX}
    elif t == "integer":
        low = int(c.minimum) if c.minimum is not None else INT_MIN
        high = int(c.maximum) if c.maximum is not None else INT_MAX
        s = {"type": "integer", "minimum": max(low, INT_MIN), "maximum": min(high, INT_MAX)}
    elif t == "decimal":
        s = {"type": "string", "format": "decimal", "pattern": decimal_pattern(c)}
    elif t == "boolean":
        s = {"type": "boolean"}
    elif t == "date":
        s = {"type": "string", "format": "date"}
    elif t == "datetime":
        s = {"type": "string", "format": "date-time"}
    elif t == "enum":
        s = {"type": "string", "enum": list(c.enum_values)}
    elif t == "email":
        s = {"type": "string", "pattern": EMAIL_PATTERN, "maxLength": 320}
    elif t == "url":
        s = {"type": "string", "pattern": URL_PATTERN, "maxLength": 2048}
    elif t == "text":
        s = {"type": "string", "maxLength": 10000}
    else:
        s = {"type": "string", "maxLength": 200}
    if c.description:
        s["description"] = c.description
    return s


def _nullable(s: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [s, {"type": "null"}]}


def schemas_for(res: Resource) -> dict[str, Any]:
    body = res.body_cols
    props = {c.name: col_schema(c) for c in body}
    links = {
        j.field_name: {
            "type": "array",
            "maxItems": 100,
            "items": {"type": "integer", "minimum": 1, "maximum": INT_MAX},
        }
        for j in res.joins
    }
    create = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **{
                k: (_nullable(v) if next(c for c in body if c.name == k).nullable else v)
                for k, v in props.items()
            },
            **links,
        },
        "required": [c.name for c in body if not c.nullable and c.default is None],
    }
    update = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **{
                k: (_nullable(v) if next(c for c in body if c.name == k).nullable else v)
                for k, v in props.items()
            },
            **links,
        },
    }
    out_props = {
        c.name: (_nullable(col_schema(c)) if c.nullable else col_schema(c)) for c in res.cols
    }
    out_props.update(links)
    out = {
        "type": "object",
        "properties": out_props,
        "required": [c.name for c in res.cols] + list(links),
    }
    page = {
        "type": "object",
        "required": ["items", "total", "limit", "offset"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{res.cls}"}},
            "total": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100},
            "offset": {"type": "integer", "minimum": 0, "maximum": INT_MAX},
        },
    }
    return {
        f"{res.cls}Create": create,
        f"{res.cls}Update": update,
        res.cls: out,
        f"{res.cls}Page": page,
    }


def list_parameters(res: Resource) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        },
        {
            "name": "offset",
            "in": "query",
            "schema": {"type": "integer", "minimum": 0, "maximum": INT_MAX, "default": 0},
        },
        {
            "name": "sort",
            "in": "query",
            "schema": {
                "type": "string",
                "default": "-created_at",
                "enum": [v for s in res.sortable for v in (s, "-" + s)],
            },
        },
    ]
    cols = {c.name: c for c in res.cols}
    for param, col in res.filters:
        schema = (
            col_schema(cols[col])
            if col in cols
            else {"type": "integer", "minimum": 1, "maximum": INT_MAX}
        )
        params.append(
            {"name": param, "in": "query", "schema": schema, "description": f"filter by {param}"}
        )
    if res.search:
        params.append(
            {
                "name": "q",
                "in": "query",
                "schema": {"type": "string", "maxLength": 200},
                "description": "substring search in " + ", ".join(res.search),
            }
        )
    if res.overdue:
        params.append(
            {
                "name": "due_before",
                "in": "query",
                "schema": {"type": "string", "format": "date", "pattern": DATE_PATTERN},
                "description": f"only rows whose {res.overdue} is before this date",
            }
        )
        params.append(
            {
                "name": "overdue",
                "in": "query",
                "schema": {"type": "boolean"},
                "description": f"true: only overdue rows ({res.overdue} has passed"
                + (f" and {' and '.join(res.open_when)}" if res.open_when else "")
                + ")",
            }
        )
    return params


def _operation(res: Resource, op: str, fr_ids: list[str]) -> dict[str, Any]:
    resp: dict[str, Any] = {}
    code = SUCCESS[op]
    if op == "delete":
        resp["204"] = {"description": "deleted"}
    else:
        ref = (
            f"#/components/schemas/{res.cls}Page"
            if op == "list"
            else f"#/components/schemas/{res.cls}"
        )
        resp[str(code)] = {
            "description": "OK",
            "content": {"application/json": {"schema": {"$ref": ref}}},
        }
    for e in error_statuses(res, op):
        resp[str(e)] = {"$ref": f"#/components/responses/{TITLES[e].replace(' ', '')}"}
    o: dict[str, Any] = {
        "operationId": res.op_id(op),
        "summary": f"{op.capitalize()} {res.title}",
        "tags": [res.table],
        "responses": resp,
        "description": "Requirements: "
        + (", ".join(fr_ids) or "CRUD convention")
        + (
            f". Reserved to roles: {', '.join(res.roles_for(op))} (403 for others)"
            if res.roles_for(op)
            else ""
        ),
    }
    if op in {"get", "update", "delete"}:
        o["parameters"] = [
            {
                "name": "id",
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": INT_MAX},
            }
        ]
    if op == "list":
        o["parameters"] = list_parameters(res)
    if op in {"create", "update"}:
        name = f"{res.cls}{'Create' if op == 'create' else 'Update'}"
        o["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    return o


def rate_limit(req: RequirementsArtifact) -> RateLimitPolicy:
    for n in req.non_functional:
        if n.metric.startswith("rate limit"):
            per = {"requests/second": 1, "requests/minute": 60, "requests/hour": 3600}.get(
                n.unit, 60
            )
            return RateLimitPolicy(
                requests=int(n.target),
                per_seconds=per,
                scope="token",
                description=f"{n.id}: {n.description}; applies to writes (create, update, delete); "
                "429 with Retry-After when exceeded",
            )
    return RateLimitPolicy(
        requests=600,
        per_seconds=60,
        scope="user",
        description="default limit on writes (create, update, delete; none stated); "
        "429 with Retry-After when exceeded",
    )


def build_api_spec(req: RequirementsArtifact, feedback: tuple[str, ...] = ()) -> ApiSpecArtifact:
    resources = build_resources(req)
    mapping = map_requirements(req, resources)
    api_key = any(a.name == "api_client" for a in req.actors)
    paths: dict[str, Any] = {
        "/v1/health": {
            "get": {
                "operationId": "get_health",
                "summary": "Liveness and database check",
                "security": [],
                "tags": ["health"],
                "responses": {
                    "200": {
                        "description": "service is healthy",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"status": {"type": "string"}},
                                }
                            }
                        },
                    }
                },
            }
        }
    }
    endpoints = [
        Endpoint(
            method="GET",
            path="/v1/health",
            operation_id="get_health",
            summary="Liveness and database check",
            requirement_ids=[
                n.id for n in req.non_functional if n.metric == "latency of GET /v1/health"
            ],
            auth_required=False,
            success_status=200,
        )
    ]
    schemas: dict[str, Any] = {
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details",
            "required": ["type", "title", "status"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
            },
        }
    }
    for res in resources:
        schemas.update(schemas_for(res))
        for op in OPS:
            ids = sorted(
                (fid for fid, ops in mapping.items() if (res.entity, op) in ops),
                key=lambda i: int(i.split("-")[1]),
            )
            if op == "update" and not res.updatable:
                continue  # nothing of its own to change: its Update requirement is deferred
            method, path = res.endpoint(op)
            paths.setdefault(path, {})[method.lower()] = _operation(res, op, ids)
            endpoints.append(
                Endpoint(
                    method=cast(HttpMethod, method),
                    path=path,
                    operation_id=res.op_id(op),
                    summary=f"{op.capitalize()} {res.title}",
                    requirement_ids=ids,
                    roles=list(res.roles_for(op)),
                    success_status=SUCCESS[op],
                    error_statuses=error_statuses(res, op),
                )
            )
    responses = {
        TITLES[c].replace(" ", ""): {
            "description": TITLES[c],
            "content": {"application/problem+json": {"schema": PROBLEM}},
        }
        for c in TITLES
    }
    scheme = (
        {"type": "apiKey", "in": "header", "name": "X-API-Key"}
        if api_key
        else {"type": "http", "scheme": "bearer"}
    )
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": req.title,
            "version": "1.0.0",
            "description": req.summary + " Generated by featureline's builtin generator.",
        },
        "servers": [{"url": "http://localhost:8000"}],
        "security": [{"auth": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {"auth": scheme},
        },
    }
    _ = feedback
    return ApiSpecArtifact(
        openapi_json=json.dumps(doc, indent=2, sort_keys=False),
        endpoints=endpoints,
        error_model=ErrorModel(),
        auth=AuthPolicy(
            scheme="api_key" if api_key else "bearer",
            description=("X-API-Key header" if api_key else "Authorization: Bearer <token>")
            + "; the token's sha256 is looked up in users.token_hash. Missing or unknown "
            "credentials give 401; another user's owned rows answer 404.",
        ),
        versioning="URL prefix /v1; breaking changes get /v2, additive changes stay in /v1",
        rate_limit=rate_limit(req),
    )
