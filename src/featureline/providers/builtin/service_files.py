# ruff: noqa: E501  (this module holds generated source code; template lines are kept whole to stay readable)
"""Fixed files of the generated service: settings, database, authentication, errors, users.

They do not depend on the resources, only on a few substitutions (auth header, roles,
rate limit), so they live apart from the per-resource generators.
"""

from __future__ import annotations

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
        conn.execute("BEGIN IMMEDIATE")  # one process creates the schema, others wait
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", ("users",)).fetchone()
        if exists is None:
            for statement in SCHEMA.read_text(encoding="utf-8").split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.commit()
        conn.execute("PRAGMA journal_mode = WAL")
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

AUTH = '''"""Authentication and roles: the {header} credential's sha256 is looked up in users.token_hash."""

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
        raise HTTPException(status_code=401, detail="missing credentials", headers={CHALLENGE})
    row = db.execute("SELECT id, role FROM users WHERE token_hash = ?", (hash_token(token),)).fetchone()
    if row is None:
        raise HTTPException(status_code=401, detail="unknown credentials", headers={CHALLENGE})
    return CurrentUser(id=row["id"], role=row["role"])


def require_role(user: CurrentUser, roles: tuple[str, ...]) -> None:
    """403 unless the caller has one of ``roles`` (an empty tuple: any signed-in user)."""
    if roles and user.role not in roles:
        raise HTTPException(status_code=403, detail="this operation is reserved to: " + ", ".join(roles))
'''

BEARER = '''header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""'''
APIKEY = """token = request.headers.get("X-API-Key", "").strip()"""

ERRORS = '''"""RFC 9457 problem+json for every error (unknown routes, 405, bad bodies, validation,
unexpected failures), and a simple per-user rate limiter for writes."""

import logging
import threading
import time

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from app.config import get_settings

LOG = logging.getLogger("app")
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large",
          415: "Unsupported Media Type", 422: "Unprocessable Content", 429: "Too Many Requests",
          500: "Internal Server Error"}


def problem(status: int, detail: str, instance: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
            "detail": detail, "instance": instance}
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method the OpenAPI document serves at this path (the full Allow of a 405).

    Read from the app's own OpenAPI paths (public API), whatever the router's internals."""
    parts = request.url.path.rstrip("/").split("/")
    methods: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        pattern = template.rstrip("/").split("/")
        if len(pattern) == len(parts) and all(
            p == q or (p.startswith("{") and q) for p, q in zip(pattern, parts)
        ):
            methods |= {m.upper() for m in item if m.lower() in HTTP_METHODS}
    return sorted(methods)


def install(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        detail = str(exc.detail)
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
            detail = f"{request.method} is not allowed here; allowed: {headers['Allow']}"
        elif exc.status_code == 400:
            detail = "the request body could not be read (it must be UTF-8 JSON)"
        return problem(exc.status_code, detail, request.url.path, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return problem(422, f"{where}: {first.get('msg')}", request.url.path)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        LOG.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "unexpected error; it has been logged", request.url.path)


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

VALUES = '''"""Request value types that accept exactly what the OpenAPI document describes.

Booleans are never integers and integers never booleans (strict); dates and times are
ISO 8601 text only (no Unix timestamps); date-times carry a zone; integers are 64-bit.
"""

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field, Strict

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DATETIME_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?([Zz]|[+-][0-9]{2}:[0-9]{2})$")


def _text(pattern: re.Pattern[str], what: str) -> Any:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError(f"must be an ISO 8601 {what} string")
        return value

    return check


def _integral(value: Any) -> Any:
    """JSON Schema's integer: 3 and 3.0, never true/false nor "3"."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**64:
        return int(value)
    return value


Int = Annotated[int, BeforeValidator(_integral), Strict(), Field(ge=INT_MIN, le=INT_MAX)]
Id = Annotated[int, BeforeValidator(_integral), Strict(), Field(ge=1, le=INT_MAX)]
Bool = Annotated[bool, Strict()]
Date = Annotated[dt.date, BeforeValidator(_text(DATE_RE, "date"))]
DateTime = Annotated[AwareDatetime, BeforeValidator(_text(DATETIME_RE, "date-time with a zone"))]
'''

USERS = '''"""Create demo users: python users.py ROLE [ROLE...]

Run from the service root after the server created its database (same DATABASE_PATH).
ROLE is one of ROLES, or "user" for the default, least privileged role ({DEFAULT}).
Prints one JSON line {"users": [{"role", "id", "email", "token", "service_role"}]} in the
order asked ("role" echoes the argument); send the token as {HOW}. Tokens are random and
stored only as sha256 hashes.
"""

import hashlib
import json
import secrets
import sys

from app.db import connect, init_db

ROLES = {ROLES}
DEFAULT_ROLE = ROLES[0]


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python users.py ROLE [ROLE...]; roles: " + ", ".join(ROLES), file=sys.stderr)
        return 2
    unknown = [r for r in argv if r not in ROLES and r != "user"]
    if unknown:
        print(f"unknown role {unknown[0]!r}; roles: " + ", ".join(ROLES), file=sys.stderr)
        return 2
    init_db()
    conn = connect()
    users = []
    try:
        for asked in argv:
            role = asked if asked in ROLES else DEFAULT_ROLE
            token = secrets.token_urlsafe(24)
            email = f"{role}-{secrets.token_hex(4)}@example.com"
            cur = conn.execute(
                "INSERT INTO users (email, display_name, role, token_hash) VALUES (?, ?, ?, ?)",
                (email, email.split("@")[0], role, hashlib.sha256(token.encode("utf-8")).hexdigest()),
            )
            users.append({"role": asked, "id": cur.lastrowid, "email": email, "token": token,
                          "service_role": role})
        conn.commit()
    finally:
        conn.close()
    print(json.dumps({"users": users}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''


def auth_file(api_key: bool) -> str:
    challenge = '{"WWW-Authenticate": "ApiKey"}' if api_key else '{"WWW-Authenticate": "Bearer"}'
    return (
        AUTH.replace("{header}", "X-API-Key" if api_key else "bearer")
        .replace("{extract}", APIKEY if api_key else BEARER)
        .replace("{CHALLENGE}", challenge)
    )


def users_file(roles: list[str], api_key: bool) -> str:
    how = "the X-API-Key header" if api_key else "Authorization: Bearer <token>"
    return (
        USERS.replace("{ROLES}", repr(tuple(roles)))
        .replace("{HOW}", how)
        .replace("{DEFAULT}", roles[0])
    )
