# ruff: noqa: E501  (this module holds a generated source template; its lines are kept whole)
"""Step 5: resources -> a FastAPI + sqlite3 service (parameterised SQL only).

The fixed files live in ``service_files``, models in ``service_models``, routers in
``service_routes``; this module assembles them and says what is enforced and what not.
"""

from __future__ import annotations

import json

from featureline.artifacts.api_spec import ApiSpecArtifact
from featureline.artifacts.implementation import (
    ConfigVar,
    Dependency,
    ImplementationArtifact,
    SourceFile,
)
from featureline.artifacts.requirements import RequirementsArtifact
from featureline.artifacts.schema import SchemaArtifact
from featureline.providers.builtin.api_spec import rate_limit
from featureline.providers.builtin.resources import (
    OPS,
    Resource,
    build_resources,
    deferred_rules,
)
from featureline.providers.builtin.rules import all_roles, default_role
from featureline.providers.builtin.schema import build_schema
from featureline.providers.builtin.service_files import (
    CONFIG,
    DB,
    ERRORS,
    VALUES,
    auth_file,
    users_file,
)
from featureline.providers.builtin.service_models import models_py
from featureline.providers.builtin.service_routes import router_py


def main_py(resources: list[Resource]) -> str:
    imports = "\n".join(f"from app.routers import {r.module}" for r in resources)
    includes = "\n".join(f"    app.include_router({r.module}.router)" for r in resources)
    return f'''"""FastAPI application factory: routers, problem+json errors, security headers.

/openapi.json serves the API specification this service was built and verified against
(app/openapi.json), not one FastAPI derives from the code: clients and fuzzers read the
contract, with every status, media type and constraint it documents."""

import json
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from fastapi import Depends, FastAPI, Request, Response

from app import errors
from app.db import get_db, init_db
{imports}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    init_db()
    yield


SPEC = Path(__file__).with_name("openapi.json")


def create_app() -> FastAPI:
    app = FastAPI(title="service", version="1.0.0", lifespan=lifespan)
    errors.install(app)
    if SPEC.is_file():
        document: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
        app.openapi = lambda: document  # type: ignore[method-assign]

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'"
        return response

    @app.get("/v1/health", operation_id="get_health")
    def health(db: sqlite3.Connection = Depends(get_db)) -> dict[str, str]:
        db.execute("SELECT 1").fetchone()
        return {{"status": "ok"}}

{includes}
    return app


app = create_app()
'''


def build_implementation(
    req: RequirementsArtifact,
    schema: SchemaArtifact | None,
    api: ApiSpecArtifact | None,
    feedback: tuple[str, ...] = (),
) -> ImplementationArtifact:
    resources = build_resources(req)
    schema = schema or build_schema(req)
    spec_ops = {(e.method, e.path) for e in api.endpoints} if api else None
    limit = api.rate_limit if api else rate_limit(req)
    api_key = (
        api.auth.scheme == "api_key" if api else any(a.name == "api_client" for a in req.actors)
    )
    files = [
        SourceFile(
            path="app/__init__.py",
            content='"""Generated service package."""\n',
            purpose="package marker",
        ),
        SourceFile(
            path="app/config.py",
            content=CONFIG.replace("{requests}", str(limit.requests)).replace(
                "{seconds}", str(limit.per_seconds)
            ),
            purpose="settings from environment variables",
        ),
        SourceFile(
            path="app/db.py", content=DB, purpose="sqlite3 connections and value conversion"
        ),
        SourceFile(
            path="app/auth.py",
            content=auth_file(api_key),
            purpose="credential -> current user; role checks",
        ),
        SourceFile(
            path="app/errors.py", content=ERRORS, purpose="problem+json errors and rate limiting"
        ),
        SourceFile(
            path="app/models.py", content=models_py(resources), purpose="request/response models"
        ),
        SourceFile(
            path="app/values.py",
            content=VALUES,
            purpose="strict request value types that match the OpenAPI document",
        ),
        SourceFile(path="app/main.py", content=main_py(resources), purpose="application factory"),
        *(
            [
                SourceFile(
                    path="app/openapi.json",
                    content=json.dumps(json.loads(api.openapi_json), indent=2) + "\n",
                    purpose="the API specification, served at /openapi.json",
                    language="json",
                )
            ]
            if api
            else []
        ),
        SourceFile(
            path="app/routers/__init__.py",
            content='"""Routers, one per resource."""\n',
            purpose="package",
        ),
    ]
    shared = {r.table for r in resources if r.shared}
    for r in resources:
        ops = {op for op in OPS if spec_ops is None or r.endpoint(op) in spec_ops}
        files.append(
            SourceFile(
                path=f"app/routers/{r.module}.py",
                content=router_py(r, ops, shared),
                purpose=f"{r.table} endpoints",
            )
        )
    users = SourceFile(
        path="users.py",
        content=users_file(all_roles(req), api_key),
        purpose="demo users: python users.py ROLE [ROLE...] prints their tokens as JSON",
    )
    files.append(users)
    files.append(
        SourceFile(
            path="migrations/schema.sql",
            content=schema.ddl_for("sqlite") or "",
            purpose="SQLite schema applied at startup",
            language="sql",
        )
    )
    files.append(
        SourceFile(
            path="migrations/postgresql.sql",
            content=schema.ddl_for("postgresql") or "",
            purpose="PostgreSQL schema for production",
            language="sql",
        )
    )
    deps = [
        Dependency(name="fastapi", version=">=0.115,<1", purpose="web framework"),
        Dependency(name="uvicorn", version=">=0.30,<1", purpose="ASGI server"),
        Dependency(name="pydantic", version=">=2.7,<3", purpose="validation"),
        Dependency(name="httpx", version=">=0.27,<1", purpose="test client and load test"),
        Dependency(name="pytest", version=">=8,<10", purpose="tests"),
    ]
    files.append(
        SourceFile(
            path="requirements.txt",
            language="text",
            purpose="pinned dependency ranges",
            content="".join(f"{d.name}{d.version}\n" for d in deps),
        )
    )
    roles = all_roles(req)
    measures = [
        "parameterised SQL only (values bound with ?; identifiers are generated constants)",
        "credentials compared by sha256 hash; tokens never stored",
        "every row is owned by the user who created it; every query is scoped to the caller's "
        "rows (another user's rows answer 404) unless a shared rule makes them visible, and "
        "then only their owner changes them (403)",
        "a referenced row (foreign key or linked id) must be visible to the caller (404 otherwise)",
        f"new users get the least privileged role {default_role(req)!r} (roles: {', '.join(roles)})",
        "RFC 9457 problem+json for every error: validation, unreadable bodies, unknown routes, "
        "405 with the full Allow header, and unexpected failures (no stack traces)",
        "path, query and body integers are bounded to 64 bits; booleans, integers and dates "
        "are strict (no coercion), exactly as the OpenAPI document says",
        "X-Content-Type-Options: nosniff and Content-Security-Policy: default-src 'none'",
        f"rate limit on writes (create, update, delete): {limit.requests} requests per "
        f"{limit.per_seconds}s per caller (429 with Retry-After); reads are not limited",
        "extra request fields rejected (pydantic extra=forbid)",
    ]
    for r in resources:
        for op, allowed in r.roles:
            measures.append(f"{op} {r.table} is reserved to {', '.join(allowed)} (403 for others)")
        for rule in r.rules:
            if rule.kind not in {"role_required"}:
                measures.append(
                    f"{rule.id} ({rule.kind}) enforced on {r.table}: {rule.description}"
                )
    measures += [
        f"NOT BUILT (deferred): {d.id} ({d.kind}) on {d.entity}: {d.reason}"
        + (
            f"; requirements {', '.join(d.requirement_ids)} are not served"
            if d.requirement_ids
            else ""
        )
        for d in deferred_rules(req)
    ]
    measures += [
        f"Feedback recorded by the builtin generator (not re-reasoned): {c}" for c in feedback
    ]
    return ImplementationArtifact(
        framework="FastAPI",
        files=files,
        dependencies=deps,
        entry_point="app.main:app",
        run_command="uvicorn app.main:app --host 0.0.0.0 --port 8000",
        configuration=[
            ConfigVar(name="DATABASE_PATH", description="SQLite database file", default="app.db"),
            ConfigVar(
                name="RATE_LIMIT_REQUESTS",
                description="requests per window",
                default=str(limit.requests),
            ),
            ConfigVar(
                name="RATE_LIMIT_SECONDS",
                description="window length in seconds",
                default=str(limit.per_seconds),
            ),
        ],
        security_measures=measures,
        users_script=users,
    )
