# ruff: noqa: E501  (this module builds generated source code; template lines are kept whole to stay readable)
"""Step 5: resources -> a FastAPI + sqlite3 service (parameterised SQL only)."""

from __future__ import annotations

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
from featureline.providers.builtin.resources import OPS, Col, Resource, build_resources
from featureline.providers.builtin.schema import build_schema

PY_TYPES = {
    "integer": "int",
    "decimal": "Decimal",
    "boolean": "bool",
    "date": "dt.date",
    "datetime": "dt.datetime",
    "reference": "int",
}

CONFIG = '''"""Settings read from the environment (never hard-coded secrets)."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    database_path: str
    rate_limit_requests: int
    rate_limit_seconds: int


def get_settings() -> Settings:
    """Read the environment on every call so tests and restarts pick up changes."""
    return Settings(
        database_path=os.environ.get("DATABASE_PATH", "app.db"),
        rate_limit_requests=int(os.environ.get("RATE_LIMIT_REQUESTS", "{requests}")),
        rate_limit_seconds=int(os.environ.get("RATE_LIMIT_SECONDS", "{seconds}")),
    )
'''

DB = '''"""SQLite access: one connection per request, foreign keys on, parameterised SQL only."""

import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.config import get_settings

SCHEMA = Path(__file__).resolve().parent.parent / "migrations" / "schema.sql"


def connect() -> sqlite3.Connection:
    # One connection per request, used by one request at a time; FastAPI may close it
    # from another worker thread than the one that opened it, hence check_same_thread.
    conn = sqlite3.connect(get_settings().database_path, timeout=30, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def init_db() -> None:
    conn = connect()
    try:
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", ("users",)).fetchone()
        if exists is None:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(SCHEMA.read_text(encoding="utf-8"))
        conn.commit()
    finally:
        conn.close()


def get_db() -> Iterator[sqlite3.Connection]:
    conn = connect()
    try:
        yield conn
        conn.commit()
    except Exception:
        conn.rollback()
        raise
    finally:
        conn.close()


def to_db(value: Any) -> Any:
    """Decimals stay exact (stored as text); dates as ISO 8601; booleans as 0/1."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
'''

AUTH = '''"""Authentication: the {header} credential's sha256 is looked up in users.token_hash."""

import hashlib
import sqlite3
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request

from app.db import get_db


@dataclass(frozen=True)
class CurrentUser:
    id: int
    role: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def current_user(request: Request, db: sqlite3.Connection = Depends(get_db)) -> CurrentUser:
    {extract}
    if not token:
        raise HTTPException(status_code=401, detail="missing credentials")
    row = db.execute("SELECT id, role FROM users WHERE token_hash = ?", (hash_token(token),)).fetchone()
    if row is None:
        raise HTTPException(status_code=401, detail="unknown credentials")
    return CurrentUser(id=row["id"], role=row["role"])
'''

BEARER = '''header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""'''
APIKEY = """token = request.headers.get("X-API-Key", "").strip()"""

ERRORS = '''"""RFC 9457 problem+json for every error, and a simple per-user rate limiter."""

import threading
import time

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.config import get_settings

TITLES = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
          422: "Unprocessable Content", 429: "Too Many Requests"}


def problem(status: int, detail: str, instance: str) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
            "detail": detail, "instance": instance}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def install(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        response = problem(exc.status_code, str(exc.detail), request.url.path)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return problem(422, f"{where}: {first.get('msg')}", request.url.path)


class RateLimiter:
    """Fixed-window counter per caller for writes (create, update, delete); reads are not
    limited. In-process, so one limiter per worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str) -> bool:
        settings = get_settings()
        now = time.monotonic()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now - start >= settings.rate_limit_seconds:
                start, count = now, 0
            self._windows[key] = (start, count + 1)
            return count + 1 <= settings.rate_limit_requests

    def retry_after(self, key: str) -> int:
        """Whole seconds until the caller's current window ends (at least 1)."""
        window = get_settings().rate_limit_seconds
        with self._lock:
            start, _ = self._windows.get(key, (time.monotonic(), 0))
            return max(1, int(window - (time.monotonic() - start)) + 1)


LIMITER = RateLimiter()
'''


def _py_type(c: Col) -> str:
    if c.ftype == "enum":
        return "Literal[" + ", ".join(repr(v) for v in c.enum_values) + "]"
    return PY_TYPES.get(c.ftype, "str")


def _field_args(c: Col) -> str:
    args = []
    if c.ftype == "integer" and c.minimum is not None:
        args.append(f"ge={int(c.minimum)}")
    if c.ftype == "integer" and c.maximum is not None:
        args.append(f"le={int(c.maximum)}")
    if c.ftype == "decimal":
        args += ["max_digits=12", "decimal_places=2"] + (["ge=0"] if c.minimum is not None else [])
    if c.ftype in {"string", "email", "url", "text", "enum"} and c.ftype != "enum":
        args.append(
            "max_length=" + {"text": "10000", "url": "2048", "email": "320"}.get(c.ftype, "200")
        )
    if c.ftype == "url":
        args.append('pattern=r"^https?://"')
    if c.ftype == "email":
        args.append('pattern=r"^[^@\\s]+@[^@\\s]+$"')
    if c.ftype == "reference":
        args.append("ge=1")
    return ", ".join(args)


def models_py(resources: list[Resource]) -> str:
    lines = [
        '"""Pydantic request/response models, one set per resource."""',
        "",
        "import datetime as dt",
        "from decimal import Decimal",
        "from typing import Literal",
        "",
        "from pydantic import BaseModel, ConfigDict, Field",
        "",
    ]
    for r in resources:
        lines += [
            "",
            f"class {r.cls}Create(BaseModel):",
            '    model_config = ConfigDict(extra="forbid")',
            "",
        ]
        for c in r.body_cols:
            t, args = _py_type(c), _field_args(c)
            optional = c.nullable or c.default is not None
            default = (
                "None"
                if c.nullable
                else (repr(c.default == "true") if c.ftype == "boolean" else repr(c.default))
            )
            if optional:
                lines.append(
                    f"    {c.name}: {t}{' | None' if c.nullable else ''} = Field({default}"
                    + (f", {args})" if args else ")")
                )
            else:
                lines.append(f"    {c.name}: {t} = Field(..." + (f", {args})" if args else ")"))
        for j in r.joins:
            lines.append(f"    {j.field_name}: list[int] = Field(default_factory=list)")
        lines += [
            "",
            "",
            f"class {r.cls}Update(BaseModel):",
            '    model_config = ConfigDict(extra="forbid")',
            "",
        ]
        for c in r.body_cols:
            args = _field_args(c)
            lines.append(
                f"    {c.name}: {_py_type(c)} | None = Field(None" + (f", {args})" if args else ")")
            )
        for j in r.joins:
            lines.append(f"    {j.field_name}: list[int] | None = None")
        lines += ["", "", f"class {r.cls}(BaseModel):"]
        for c in r.cols:
            t = "int" if c.name == "id" else _py_type(c)
            lines.append(f"    {c.name}: {t}{' | None' if c.nullable else ''}")
        for j in r.joins:
            lines.append(f"    {j.field_name}: list[int]")
        lines += [
            "",
            "",
            f"class {r.cls}Page(BaseModel):",
            f"    items: list[{r.cls}]",
            "    total: int",
            "    limit: int",
            "    offset: int",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def router_py(r: Resource, ops: set[str]) -> str:
    cols = [c.name for c in r.body_cols]
    owner = " AND owner_id = ?" if r.owned else ""
    owner_param = ", user.id" if r.owned else ""
    insert_cols = (["owner_id"] if r.owned else []) + cols
    sort = {s: f"{s} ASC, id ASC" for s in r.sortable}
    sort.update({"-" + s: f"{s} DESC, id DESC" for s in r.sortable})
    cls = r.cls
    L: list[str] = [
        f'"""Routes for {r.table}: exactly the operations of the API specification."""',
        "",
        "import datetime as dt",
        "import sqlite3",
        "from decimal import Decimal",
        "",
        "from fastapi import APIRouter, Depends, HTTPException, Query, Response",
        "",
        "from app.auth import CurrentUser, current_user",
        "from app.db import get_db, to_db",
        "from app.errors import LIMITER",
        f"from app.models import {cls}, {cls}Create, {cls}Page, {cls}Update",
        "",
        f'router = APIRouter(prefix="{r.path}", tags=["{r.table}"])',
        f"SORTS = {sort!r}",
        f"UPDATE_SET = {{{', '.join(f'{c!r}: {c + chr(32) + chr(61) + chr(32) + chr(63)!r}' for c in cols)}}}",
        f'INSERT_SQL = "INSERT INTO {r.table} ({", ".join(insert_cols)}) VALUES ({", ".join("?" for _ in insert_cols)})"',
        f'SELECT_ONE = "SELECT * FROM {r.table} WHERE id = ?{owner}"',
        "",
        "",
        "def _limit(user: CurrentUser) -> None:",
        "    if not LIMITER.hit(str(user.id)):",
        "        retry = str(LIMITER.retry_after(str(user.id)))",
        '        raise HTTPException(status_code=429, detail="rate limit exceeded", headers={"Retry-After": retry})',
        "",
        "",
        f"def _load(db: sqlite3.Connection, row: sqlite3.Row) -> {cls}:",
        "    data = dict(row)",
    ]
    for j in r.joins:
        L.append(
            f'    links = db.execute("SELECT {j.right} FROM {j.table} WHERE {j.left} = ? ORDER BY {j.right}", (row["id"],))'
        )
        L.append(f"    data[{j.field_name!r}] = [link[0] for link in links.fetchall()]")
    L += [
        f"    return {cls}.model_validate(data)",
        "",
        "",
        "def _fetch(db: sqlite3.Connection, item_id: int, user: CurrentUser) -> sqlite3.Row:",
        f"    row = db.execute(SELECT_ONE, (item_id{owner_param},)).fetchone()",
        "    if row is None:",
        f'        raise HTTPException(status_code=404, detail="{r.title} not found")',
        "    return row",
        "",
        "",
    ]
    if r.capacity:
        parent_table, fk, cap, qty = r.capacity
        L += [
            "def _check_capacity(db: sqlite3.Connection, parent_id: int, wanted: int, item_id: int = 0) -> None:",
            f'    """Never more {qty} than the capacity: call inside BEGIN IMMEDIATE, so the check',
            '    and the write are one step for every writer (SQLite has one writer at a time)."""',
            f'    parent = db.execute("SELECT {cap} FROM {parent_table} WHERE id = ?", (parent_id,)).fetchone()',
            "    if parent is None:",
            "        return  # the foreign key check of the write answers an unknown parent",
            f'    taken = db.execute("SELECT COALESCE(SUM({qty}), 0) FROM {r.table} WHERE {fk} = ? AND id != ?",',
            "                       (parent_id, item_id)).fetchone()[0]",
            "    if taken + wanted > parent[0]:",
            f'        raise HTTPException(status_code=409, detail=f"only {{parent[0] - taken}} {qty} left")',
            "",
            "",
            "def _write_lock(db: sqlite3.Connection) -> None:",
            "    if not db.in_transaction:",
            '        db.execute("BEGIN IMMEDIATE")',
            "",
            "",
        ]
    L += ["def _link(db: sqlite3.Connection, item_id: int, payload: dict[str, object]) -> None:"]
    if r.joins:
        for j in r.joins:
            L += [
                f"    if payload.get({j.field_name!r}) is not None:",
                f'        db.execute("DELETE FROM {j.table} WHERE {j.left} = ?", (item_id,))',
                f"        for other in sorted(set(payload[{j.field_name!r}])):  # type: ignore[call-overload]",
                f'            db.execute("INSERT INTO {j.table} ({j.left}, {j.right}) VALUES (?, ?)", (item_id, other))',
            ]
    else:
        L.append("    return None")
    L += ["", ""]
    if "create" in ops:
        params = (["user.id"] if r.owned else []) + [f"to_db(data[{c!r}])" for c in cols]
        L += [
            f'@router.post("", status_code=201, response_model={cls}, operation_id="{r.op_id("create")}")',
            f"def create(body: {cls}Create, db: sqlite3.Connection = Depends(get_db),",
            f"           user: CurrentUser = Depends(current_user)) -> {cls}:",
            "    _limit(user)",
            "    data = body.model_dump()",
            *(
                [
                    "    _write_lock(db)",
                    f"    _check_capacity(db, data[{r.capacity[1]!r}], data[{r.capacity[3]!r}])",
                ]
                if r.capacity
                else []
            ),
            "    try:",
            f"        cur = db.execute(INSERT_SQL, ({', '.join(params)},))",
            "        item_id = int(cur.lastrowid or 0)",
            "        _link(db, item_id, data)",
            "    except sqlite3.IntegrityError as exc:",
            '        raise HTTPException(status_code=409, detail=f"conflict: {exc}") from exc',
            "    db.commit()  # before the response: a client's next request must see the row",
            "    return _load(db, _fetch(db, item_id, user))",
            "",
            "",
        ]
    if "list" in ops:
        args = [
            "limit: int = Query(20, ge=1, le=100)",
            "offset: int = Query(0, ge=0)",
            'sort: str = Query("-created_at")',
        ]
        body = ["    clauses: list[str] = []", "    params: list[object] = []"]
        if r.owned:
            body += ['    clauses.append("owner_id = ?")', "    params.append(user.id)"]
        colmap = {c.name: c for c in r.cols}
        for param, col in r.filters:
            t = (
                "int"
                if col.startswith("join:")
                else ("str" if colmap[col].ftype == "enum" else _py_type(colmap[col]))
            )
            args.append(f"{param}: {t} | None = None")
            clause = (
                f"EXISTS (SELECT 1 FROM {col[5:]} j WHERE j.{r.entity}_id = {r.table}.id AND j.{param} = ?)"
                if col.startswith("join:")
                else f"{col} = ?"
            )
            body += [
                f"    if {param} is not None:",
                f"        clauses.append({clause!r})",
                f"        params.append(to_db({param}))",
            ]
        if r.search:
            args.append("q: str | None = Query(None, max_length=200)")
            like = " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in r.search)
            body += [
                "    if q:",
                '        pattern = "%" + q.replace("\\\\", "\\\\\\\\").replace("%", "\\\\%").replace("_", "\\\\_") + "%"',
                f"        clauses.append({'(' + like + ')'!r})",
                f"        params.extend([pattern] * {len(r.search)})",
            ]
        if r.overdue:
            args.append("due_before: dt.date | None = None")
            body += [
                "    if due_before is not None:",
                f'        clauses.append("{r.overdue} < ?")',
                "        params.append(due_before.isoformat())",
            ]
            due_type = colmap[r.overdue].ftype
            today = (
                "dt.datetime.now(dt.timezone.utc).isoformat()"
                if due_type == "datetime"
                else "dt.date.today().isoformat()"
            )
            overdue_sql = " AND ".join(
                [f"{r.overdue} IS NOT NULL", f"{r.overdue} < ?", *r.open_when]
            )
            args.append("overdue: bool | None = None")
            body += [
                "    if overdue:",
                f"        clauses.append({overdue_sql!r})",
                f"        params.append({today})",
            ]
        body += [
            "    if sort not in SORTS:",
            '        raise HTTPException(status_code=422, detail="sort must be one of " + ", ".join(SORTS))',
            '    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""',
            f'    total = db.execute("SELECT COUNT(*) FROM {r.table}" + where, params).fetchone()[0]',
            f'    rows = db.execute("SELECT * FROM {r.table}" + where + " ORDER BY " + SORTS[sort] + " LIMIT ? OFFSET ?",',
            "                      [*params, limit, offset]).fetchall()",
            f"    return {cls}Page(items=[_load(db, row) for row in rows], total=total, limit=limit, offset=offset)",
        ]
        L += [
            f'@router.get("", response_model={cls}Page, operation_id="{r.op_id("list")}")',
            "def list_items(",
            *[f"    {a}," for a in args],
            "    db: sqlite3.Connection = Depends(get_db),",
            "    user: CurrentUser = Depends(current_user),",
            f") -> {cls}Page:",
            *body,
            "",
            "",
        ]
    if "get" in ops:
        L += [
            f'@router.get("/{{id}}", response_model={cls}, operation_id="{r.op_id("get")}")',
            f"def get(id: int, db: sqlite3.Connection = Depends(get_db), user: CurrentUser = Depends(current_user)) -> {cls}:",
            "    return _load(db, _fetch(db, id, user))",
            "",
            "",
        ]
    if "update" in ops:
        L += [
            f'@router.patch("/{{id}}", response_model={cls}, operation_id="{r.op_id("update")}")',
            f"def update(id: int, body: {cls}Update, db: sqlite3.Connection = Depends(get_db),",
            f"           user: CurrentUser = Depends(current_user)) -> {cls}:",
            "    _limit(user)",
            *(
                [
                    "    data = body.model_dump(exclude_unset=True)",
                    f"    if {r.capacity[1]!r} in data or {r.capacity[3]!r} in data:",
                    "        _write_lock(db)",
                    "        current = _fetch(db, id, user)",
                    f"        _check_capacity(db, data.get({r.capacity[1]!r}) or current[{r.capacity[1]!r}],",
                    f"                        data.get({r.capacity[3]!r}) or current[{r.capacity[3]!r}], id)",
                    "    _fetch(db, id, user)",
                ]
                if r.capacity
                else ["    _fetch(db, id, user)", "    data = body.model_dump(exclude_unset=True)"]
            ),
            "    columns = [c for c in UPDATE_SET if c in data]",
            "    try:",
            "        if columns:",
            '            sql_set = ", ".join(UPDATE_SET[c] for c in columns)',
            f"            db.execute(\"UPDATE {r.table} SET \" + sql_set + \", updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?\",",
            "                       [*(to_db(data[c]) for c in columns), id])",
            "        _link(db, id, data)",
            "    except sqlite3.IntegrityError as exc:",
            '        raise HTTPException(status_code=409, detail=f"conflict: {exc}") from exc',
            "    db.commit()",
            "    return _load(db, _fetch(db, id, user))",
            "",
            "",
        ]
    if "delete" in ops:
        L += [
            f'@router.delete("/{{id}}", status_code=204, operation_id="{r.op_id("delete")}")',
            "def delete(id: int, db: sqlite3.Connection = Depends(get_db), user: CurrentUser = Depends(current_user)) -> Response:",
            "    _limit(user)",
            "    _fetch(db, id, user)",
            f'    db.execute("DELETE FROM {r.table} WHERE id = ?", (id,))',
            "    db.commit()",
            "    return Response(status_code=204)",
            "",
        ]
    return "\n".join(L).rstrip() + "\n"


def main_py(resources: list[Resource]) -> str:
    imports = "\n".join(f"from app.routers import {r.module}" for r in resources)
    includes = "\n".join(f"    app.include_router({r.module}.router)" for r in resources)
    return f'''"""FastAPI application factory: routers, problem+json errors, security headers."""

import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import Depends, FastAPI, Request, Response

from app import errors
from app.db import get_db, init_db
{imports}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    init_db()
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="service", version="1.0.0", lifespan=lifespan)
    errors.install(app)

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
            content=AUTH.replace("{header}", "X-API-Key" if api_key else "bearer").replace(
                "{extract}", APIKEY if api_key else BEARER
            ),
            purpose="credential -> current user",
        ),
        SourceFile(
            path="app/errors.py", content=ERRORS, purpose="problem+json errors and rate limiting"
        ),
        SourceFile(
            path="app/models.py", content=models_py(resources), purpose="request/response models"
        ),
        SourceFile(path="app/main.py", content=main_py(resources), purpose="application factory"),
        SourceFile(
            path="app/routers/__init__.py",
            content='"""Routers, one per resource."""\n',
            purpose="package",
        ),
    ]
    for r in resources:
        ops = {op for op in OPS if spec_ops is None or r.endpoint(op) in spec_ops}
        files.append(
            SourceFile(
                path=f"app/routers/{r.module}.py",
                content=router_py(r, ops),
                purpose=f"{r.table} endpoints",
            )
        )
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
    measures = [
        "parameterised SQL only (values bound with ?; identifiers are generated constants)",
        "credentials compared by sha256 hash; tokens never stored",
        "ownership enforced in every query of owned resources (another user's rows answer 404)",
        "RFC 9457 problem+json errors without stack traces",
        "X-Content-Type-Options: nosniff and Content-Security-Policy: default-src 'none'",
        f"rate limit on writes (create, update, delete): {limit.requests} requests per "
        f"{limit.per_seconds}s per caller (429 with Retry-After); reads are not limited",
        "extra request fields rejected (pydantic extra=forbid)",
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
    )
