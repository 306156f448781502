# ruff: noqa: E501 (the service sources are data, kept readable as one block)
"""A small hand-written notes service, good or with seeded defects, as featureline artifacts.

The gates are tested against this service rather than the builtin's (which another branch
changes): each defect is one flag, so a test shows that exactly its gate catches it.
"""

from __future__ import annotations

import json
import sys
import types
from datetime import UTC, datetime
from typing import Any

from featureline.artifacts import (
    ApiSpecArtifact,
    ImplementationArtifact,
    PerformanceArtifact,
    RequirementsArtifact,
    TestingArtifact,
)
from featureline.artifacts.base import ArtifactRecord  # noqa: F401 (re-exported for tests)
from featureline.artifacts.implementation import SourceFile

DEFECTS = (
    "server_error",  # GET /v1/notes/{id} answers 500 for an unknown id
    "undocumented_status",  # POST /v1/notes answers 200, the spec says 201
    "filter_ignored",  # GET /v1/notes ignores ?tag=
    "no_ownership",  # any signed-in user reads, changes and deletes any note
    "admin_open",  # GET /v1/stats (admin only) answers everyone
    "partial_allow",  # 405 lists only one route's methods in Allow (Starlette's default)
    "unbounded_id",  # a note id beyond SQLite's integers reaches the database: 500
    "admin_refused",  # GET /v1/stats refuses its own role too (a gate that only counts 403s passes it)
    "bad_token_accepted",  # an unknown or missing token acts as user 1
    "sql_injection",  # the tag filter is pasted into the SQL text
    "body_injection",  # a new note's title is pasted into the INSERT's SQL text
)

APP = r'''
"""Notes: each user's own notes, filterable by tag; statistics for admins."""

import hashlib
import sqlite3
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

SERVER_ERROR = False
UNDOCUMENTED_STATUS = False
FILTER_IGNORED = False
NO_OWNERSHIP = False
ADMIN_OPEN = False
PARTIAL_ALLOW = False
UNBOUNDED_ID = False
ADMIN_REFUSED = False
BAD_TOKEN_ACCEPTED = False
SQL_INJECTION = False

DB = "notes.db"
MAX_ID = 2**31 - 1
PROBLEM = "application/problem+json"
ERRORS = {
    401: {"description": "missing or unknown credentials", "content": {PROBLEM: {}}},
    403: {"description": "not allowed for this role", "content": {PROBLEM: {}}},
    404: {"description": "no such note of yours", "content": {PROBLEM: {}}},
    422: {"description": "invalid input", "content": {PROBLEM: {}}},
}


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DB, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(
        "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, role TEXT NOT NULL, "
        "token_hash TEXT NOT NULL UNIQUE)"
    )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL, "
        "title TEXT NOT NULL, tag TEXT NOT NULL DEFAULT '')"
    )
    return conn


def db() -> Any:
    conn = connect()
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": detail, "status": status, "detail": detail},
        status_code=status,
        media_type=PROBLEM,
    )


class Caller(BaseModel):
    id: int
    role: str


def caller(
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    conn: sqlite3.Connection = Depends(db),
) -> Caller:
    token = (authorization or "")[7:] if (authorization or "").startswith("Bearer ") else ""
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = conn.execute("SELECT id, role FROM users WHERE token_hash = ?", (digest,)).fetchone()
    if (not token or row is None) and BAD_TOKEN_ACCEPTED:
        return Caller(id=1, role="user")
    if not token or row is None:
        raise HTTPException(401, "missing or unknown credentials")
    return Caller(id=row["id"], role=row["role"])


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    tag: str = Field(default="", max_length=30)


class NotePatch(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=100)
    tag: str | None = Field(default=None, max_length=30)


class Note(BaseModel):
    id: int
    title: str
    tag: str
    owner_id: int


class NoteList(BaseModel):
    items: list[Note]


class Stats(BaseModel):
    notes: int
    users: int


app = FastAPI(title="notes", version="1.0.0")


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400:  # FastAPI's own answer to a body that is not JSON
        return problem(422, "the body is not valid JSON")
    response = problem(exc.status_code, str(exc.detail))
    if exc.status_code == 405 and not PARTIAL_ALLOW:  # every method of the path, not one route's
        methods = {
            m
            for route in app.routes
            if getattr(route, "path_regex", None) and route.path_regex.match(request.url.path)
            for m in getattr(route, "methods", ())
        }
        response.headers["Allow"] = ", ".join(sorted(methods))
    elif exc.headers:
        response.headers.update(exc.headers)
    return response


@app.exception_handler(RequestValidationError)
async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    return problem(422, "invalid input")


def own(conn: sqlite3.Connection, note_id: int, who: Caller) -> sqlite3.Row:
    if NO_OWNERSHIP:
        row = conn.execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
    else:
        row = conn.execute(
            "SELECT * FROM notes WHERE id = ? AND owner_id = ?", (note_id, who.id)
        ).fetchone()
    if row is None:
        if SERVER_ERROR:
            raise RuntimeError("note lookup failed")
        raise HTTPException(404, "no such note")
    return row


def note(row: sqlite3.Row) -> Note:
    return Note(id=row["id"], title=row["title"], tag=row["tag"], owner_id=row["owner_id"])


NoteId = Annotated[int, Path(ge=1)] if UNBOUNDED_ID else Annotated[int, Path(ge=1, le=MAX_ID)]


@app.post("/v1/notes", status_code=201, response_model=Note, operation_id="create_note",
          responses={k: ERRORS[k] for k in (401, 422)})
def create_note(body: NoteIn, who: Caller = Depends(caller), conn: sqlite3.Connection = Depends(db)) -> Any:
    cur = conn.execute(
        "INSERT INTO notes (owner_id, title, tag) VALUES (?, ?, ?)", (who.id, body.title, body.tag)
    )
    created = note(conn.execute("SELECT * FROM notes WHERE id = ?", (cur.lastrowid,)).fetchone())
    if UNDOCUMENTED_STATUS:
        return JSONResponse(created.model_dump(), status_code=200)
    return created


@app.get("/v1/notes", response_model=NoteList, operation_id="list_notes",
         responses={k: ERRORS[k] for k in (401, 422)})
def list_notes(
    tag: Annotated[str | None, Query(max_length=30)] = None,
    who: Caller = Depends(caller),
    conn: sqlite3.Connection = Depends(db),
) -> Any:
    sql, args = "SELECT * FROM notes WHERE 1 = 1", []
    if not NO_OWNERSHIP:
        sql, args = sql + " AND owner_id = ?", [who.id]
    if tag is not None and SQL_INJECTION:
        sql += " AND tag = '" + tag + "'"
    elif tag is not None and not FILTER_IGNORED:
        sql, args = sql + " AND tag = ?", [*args, tag]
    return NoteList(items=[note(r) for r in conn.execute(sql + " ORDER BY id", args)])


@app.get("/v1/notes/{note_id}", response_model=Note, operation_id="get_note",
         responses={k: ERRORS[k] for k in (401, 404, 422)})
def get_note(note_id: NoteId, who: Caller = Depends(caller), conn: sqlite3.Connection = Depends(db)) -> Any:
    return note(own(conn, note_id, who))


@app.patch("/v1/notes/{note_id}", response_model=Note, operation_id="update_note",
           responses={k: ERRORS[k] for k in (401, 404, 422)})
def update_note(
    note_id: NoteId, body: NotePatch, who: Caller = Depends(caller), conn: sqlite3.Connection = Depends(db)
) -> Any:
    row = own(conn, note_id, who)
    title = body.title if body.title is not None else row["title"]
    tag = body.tag if body.tag is not None else row["tag"]
    conn.execute("UPDATE notes SET title = ?, tag = ? WHERE id = ?", (title, tag, note_id))
    return note(conn.execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone())


@app.delete("/v1/notes/{note_id}", status_code=204, operation_id="delete_note",
            responses={k: ERRORS[k] for k in (401, 404, 422)})
def delete_note(note_id: NoteId, who: Caller = Depends(caller), conn: sqlite3.Connection = Depends(db)) -> Response:
    own(conn, note_id, who)
    conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return Response(status_code=204)


@app.get("/v1/stats", response_model=Stats, operation_id="get_stats",
         responses={k: ERRORS[k] for k in (401, 403)})
def stats(who: Caller = Depends(caller), conn: sqlite3.Connection = Depends(db)) -> Any:
    if (who.role != "admin" and not ADMIN_OPEN) or ADMIN_REFUSED:
        raise HTTPException(403, "admins only")
    notes = conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
    users = conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]
    return Stats(notes=notes, users=users)
'''

USERS = r'''
"""Demo users: python users.py ROLE [ROLE...] prints {"users": [{"role", "id", "token"}]}."""

import hashlib
import json
import secrets
import sys

from app.main import connect

conn = connect()
users = []
for role in sys.argv[1:]:
    token = secrets.token_urlsafe(18)
    cur = conn.execute(
        "INSERT INTO users (role, token_hash) VALUES (?, ?)",
        (role if role == "admin" else "user", hashlib.sha256(token.encode()).hexdigest()),
    )
    users.append({"role": role if role == "admin" else "user", "id": cur.lastrowid, "token": token})
conn.commit()
print(json.dumps({"users": users}))
'''

CONFTEST = r"""
import hashlib
import os
import secrets

import pytest
from fastapi.testclient import TestClient


@pytest.fixture()
def client(tmp_path, monkeypatch):
    from app import main

    monkeypatch.setattr(main, "DB", str(tmp_path / "t.db"))
    return TestClient(main.app)


@pytest.fixture()
def login():
    from app import main

    def make(role="user"):
        token = secrets.token_urlsafe(12)
        conn = main.connect()
        conn.execute(
            "INSERT INTO users (role, token_hash) VALUES (?, ?)",
            (role, hashlib.sha256(token.encode()).hexdigest()),
        )
        conn.commit()
        return {"Authorization": f"Bearer {token}"}

    return make
"""

TESTS = r"""
import pytest


@pytest.mark.requirement("FR-1")
def test_create_note(client, login):
    alice = login()
    created = client.post("/v1/notes", json={"title": "milk", "tag": "shop"}, headers=alice)
    assert created.status_code == 201 and created.json()["title"] == "milk"


@pytest.mark.requirement("FR-2")
def test_filter_by_tag_returns_only_matching_notes(client, login):
    alice = login()
    client.post("/v1/notes", json={"title": "milk", "tag": "shop"}, headers=alice)
    client.post("/v1/notes", json={"title": "call bob", "tag": "todo"}, headers=alice)
    listed = client.get("/v1/notes", params={"tag": "shop"}, headers=alice).json()["items"]
    assert [n["title"] for n in listed] == ["milk"]


@pytest.mark.requirement("FR-3")
def test_another_user_cannot_read_my_note(client, login):
    alice, bob = login(), login()
    note = client.post("/v1/notes", json={"title": "secret"}, headers=alice).json()
    assert client.get(f"/v1/notes/{note['id']}", headers=bob).status_code == 404


@pytest.mark.requirement("FR-4")
def test_stats_are_for_admins_only(client, login):
    assert client.get("/v1/stats", headers=login()).status_code == 403
    assert client.get("/v1/stats", headers=login("admin")).status_code == 200


def test_health_of_the_app_object(client):
    assert client.get("/v1/notes").status_code == 401
"""

LOAD_TEST = r"""
import argparse, json, time
import httpx

parser = argparse.ArgumentParser()
parser.add_argument("--base-url")
parser.add_argument("--path", default="/v1/notes")
parser.add_argument("--requests", type=int, default=30)
args = parser.parse_args()
with open(".bearer") as f:
    token = f.read().strip()
with httpx.Client(base_url=args.base_url, headers={"Authorization": "Bearer " + token}) as client:
    times = []
    for _ in range(args.requests):
        start = time.perf_counter()
        client.get(args.path)
        times.append((time.perf_counter() - start) * 1000)
times.sort()
print(json.dumps({"scenario": "list", "endpoint": "GET " + args.path, "requests": len(times),
                  "p50_ms": times[len(times) // 2], "p95_ms": times[int(len(times) * 0.95) - 1],
                  "throughput_rps": len(times) / (sum(times) / 1000), "error_rate": 0.0}))
"""

SEED = r"""
import json, subprocess, sys
out = subprocess.run([sys.executable, "users.py", "user"], capture_output=True, text=True, check=True)
token = json.loads(out.stdout)["users"][0]["token"]
with open(".bearer", "w") as f:
    f.write(token)
print(json.dumps({"LOADTEST_ROWS": "0"}))
"""


# The body_injection defect is code, not a flag: an f-string in the app would be caught by
# the static implementation.parameterised_sql check even while switched off.
SAFE_INSERT = (
    '"INSERT INTO notes (owner_id, title, tag) VALUES (?, ?, ?)", (who.id, body.title, body.tag)'
)
PASTED_INSERT = (
    '"INSERT INTO notes (owner_id, title, tag) VALUES (?, \'" + body.title + "\', ?)", '
    "(who.id, body.tag)"
)


def app_source(*defects: str) -> str:
    unknown = set(defects) - set(DEFECTS)
    assert not unknown, f"unknown defects {unknown}"
    source = APP
    for defect in defects:
        if defect == "body_injection":
            assert SAFE_INSERT in source
            source = source.replace(SAFE_INSERT, PASTED_INSERT, 1)
            continue
        source = source.replace(f"{defect.upper()} = False", f"{defect.upper()} = True", 1)
    return source


def implementation(*defects: str, users_script: bool = True) -> ImplementationArtifact:
    return ImplementationArtifact(
        framework="fastapi",
        files=[
            SourceFile(path="app/__init__.py", content="", purpose="package"),
            SourceFile(path="app/main.py", content=app_source(*defects), purpose="the app"),
        ],
        dependencies=[],
        entry_point="app.main:app",
        run_command="uvicorn app.main:app",
        configuration=[],
        security_measures=["owner-scoped queries", "admin role for statistics"],
        users_script=SourceFile(path="users.py", content=USERS, purpose="demo users")
        if users_script
        else None,
    )


def openapi(*defects: str) -> dict[str, Any]:
    """The app's own OpenAPI document, generated by FastAPI from the fixture's source."""
    module = types.ModuleType("notes_fixture")
    sys.modules[module.__name__] = module
    try:
        exec(compile(app_source(*defects), "notes_fixture.py", "exec"), module.__dict__)
        document: dict[str, Any] = module.app.openapi()
    finally:
        del sys.modules[module.__name__]
    document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    return document


def api_spec(*, stats_roles: tuple[str, ...] = ("admin",)) -> ApiSpecArtifact:
    document = openapi()
    endpoints = [
        ("POST", "/v1/notes", "create_note", ["FR-1"], 201, [401, 422]),
        ("GET", "/v1/notes", "list_notes", ["FR-2"], 200, [401, 422]),
        ("GET", "/v1/notes/{note_id}", "get_note", ["FR-3"], 200, [401, 404, 422]),
        ("PATCH", "/v1/notes/{note_id}", "update_note", ["FR-3"], 200, [401, 404, 422]),
        ("DELETE", "/v1/notes/{note_id}", "delete_note", ["FR-3"], 204, [401, 404, 422]),
        ("GET", "/v1/stats", "get_stats", ["FR-4"], 200, [401, 403]),
    ]
    return ApiSpecArtifact.model_validate(
        {
            "openapi_json": json.dumps(document),
            "endpoints": [
                {
                    "method": m,
                    "path": p,
                    "operation_id": o,
                    "summary": o.replace("_", " "),
                    "requirement_ids": r,
                    "roles": list(stats_roles) if o == "get_stats" else [],
                    "success_status": s,
                    "error_statuses": e,
                }
                for m, p, o, r, s, e in endpoints
            ],
            "error_model": {},
            "auth": {"scheme": "bearer", "description": "Authorization: Bearer <token>"},
            "versioning": "/v1 prefix",
            "rate_limit": {"requests": 600, "per_seconds": 60, "scope": "user"},
        }
    )


def requirements(
    *, nfr_requirement_ids: tuple[str, ...] = (), deferred: tuple[str, ...] = ()
) -> RequirementsArtifact:
    functional = [
        ("FR-1", "Create a note"),
        ("FR-2", "Filter my notes by tag"),
        ("FR-3", "Only the owner reads, changes or deletes a note"),
        ("FR-4", "Admins see statistics"),
    ]
    return RequirementsArtifact.model_validate(
        {
            "title": "Notes",
            "summary": "Users keep notes with tags; admins see statistics.",
            "actors": [{"name": "user", "description": "a signed-in user"}],
            "entities": [
                {
                    "name": "Note",
                    "description": "a note",
                    "fields": [{"name": "title", "type": "string", "description": "title"}],
                    "owned_by": "user",
                }
            ],
            "rules": [
                {
                    "id": "R-1",
                    "kind": "role_required",
                    "entity": "Stats",
                    "roles": ["admin"],
                    "description": "statistics are for admins",
                    "requirement_ids": ["FR-4"],
                }
            ],
            "functional": [
                {
                    "id": rid,
                    "title": title,
                    "description": title,
                    "priority": "must",
                    "acceptance_criteria": [title],
                    "status": "deferred" if rid in deferred else "planned",
                }
                for rid, title in functional
            ],
            "non_functional": [
                {
                    "id": "NFR-1",
                    "category": "performance",
                    "description": "reading one note is fast",
                    "metric": "p95 latency",
                    "comparator": "<",
                    "target": 5000,
                    "unit": "ms",
                    "requirement_ids": list(nfr_requirement_ids),
                }
            ],
        }
    )


def testing_artifact(tests: str = TESTS) -> TestingArtifact:
    return TestingArtifact.model_validate(
        {
            "strategy": [{"level": "integration", "description": "TestClient against the app"}],
            "test_files": [
                {"path": "tests/__init__.py", "content": "", "purpose": "package"},
                {"path": "tests/conftest.py", "content": CONFTEST, "purpose": "fixtures"},
                {"path": "tests/test_notes.py", "content": tests, "purpose": "acceptance"},
            ],
            "test_command": "python -m pytest -q tests",
            "coverage": [
                {"requirement_id": "FR-1", "tests": ["tests/test_notes.py::test_create_note"]},
                {
                    "requirement_id": "FR-2",
                    "tests": [
                        "tests/test_notes.py::test_filter_by_tag_returns_only_matching_notes"
                    ],
                },
                {
                    "requirement_id": "FR-3",
                    "tests": ["tests/test_notes.py::test_another_user_cannot_read_my_note"],
                },
                {
                    "requirement_id": "FR-4",
                    "tests": ["tests/test_notes.py::test_stats_are_for_admins_only"],
                },
            ],
        }
    )


def performance_artifact(path: str = "/v1/notes") -> PerformanceArtifact:
    return PerformanceArtifact.model_validate(
        {
            "caching": [],
            "indexing": [],
            "load_test_script": {"path": "loadtest.py", "content": LOAD_TEST, "purpose": "load"},
            "load_test_command": f"python loadtest.py --base-url {{base_url}} --path {path}",
            "seed_script": {"path": "seed.py", "content": SEED, "purpose": "a user"},
            "verdicts": [
                {
                    "nfr_id": "NFR-1",
                    "target": "< 5000 ms",
                    "measured": "",
                    "verdict": "not_measured",
                    "evidence": "measured by featureline",
                }
            ],
        }
    )


def now() -> datetime:
    return datetime.now(UTC)
