# ruff: noqa: E501  (this module builds generated source code; template lines are kept whole to stay readable)
"""Generated test scaffolding: the conftest (users per role, the requirement marker) and
the ``make_<entity>`` factories that create rows, and their parents, through the API."""

from __future__ import annotations

from featureline.providers.builtin.resources import Col, Resource

CONFTEST = '''"""Fixtures: a fresh SQLite database per test; alice and bob (the default role) and one
user per role, each with a known token. Registers @pytest.mark.requirement("FR-n")."""

import hashlib
import sqlite3

import pytest
from fastapi.testclient import TestClient

ROLES = {ROLES}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "requirement(*ids): the functional requirements whose acceptance criteria the test checks"
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@pytest.fixture()
def client(tmp_path, monkeypatch):
    db_path = tmp_path / "test.db"
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    from app.main import create_app

    with TestClient(create_app()) as test_client:
        conn = sqlite3.connect(db_path)
        for email, token in (("alice@example.com", "token-alice"), ("bob@example.com", "token-bob")):
            conn.execute(
                "INSERT INTO users (email, display_name, token_hash) VALUES (?, ?, ?)",
                (email, email.split("@")[0], _token_hash(token)),
            )
        for role in ROLES:
            conn.execute(
                "INSERT INTO users (email, display_name, role, token_hash) VALUES (?, ?, ?, ?)",
                (f"role-{role}@example.com", role, role, _token_hash("token-role-" + role)),
            )
        conn.commit()
        conn.close()
        yield test_client


@pytest.fixture()
def auth():
    return {HEADER: PREFIX + "token-alice"}


@pytest.fixture()
def other_auth():
    return {HEADER: PREFIX + "token-bob"}
'''


def sample(c: Col, n: int, capacity_cols: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    """A valid Python expression (of the counter ``n``) for a column in a test payload."""
    t = c.ftype
    if t == "integer" and c.name in capacity_cols:
        # room for the rows other tests take from it, within the column's bounds
        return str(min(1000, int(c.maximum)) if c.maximum is not None else 1000)
    if t == "integer":
        low = int(c.minimum) if c.minimum is not None else 1
        high = int(c.maximum) if c.maximum is not None else low + 10**6
        return f"{low} + n % {max(1, high - low + 1)}" if c.unique else str(low)
    if t == "decimal":
        return '"12.50"'
    if t == "boolean":
        return "False"
    if t == "date":
        return "(dt.date(2030, 1, 1) + dt.timedelta(days=2 * n)).isoformat()"
    if t == "datetime":
        return '(dt.datetime(2030, 1, 1, 10, tzinfo=dt.timezone.utc) + dt.timedelta(days=n)).isoformat().replace("+00:00", "Z")'
    if t == "enum":
        return repr(c.enum_values[0])
    if t == "email":
        return 'f"user{n}@example.com"'
    if t == "url":
        return f'f"https://example.com/{c.name}/{{n}}"'
    return f'f"{c.name} {{n}}"'


def end_sample(c: Col) -> str:
    """The end of an interval that starts at ``sample(c)``: one hour (or day) later."""
    if c.ftype == "datetime":
        return '(dt.datetime(2030, 1, 1, 11, tzinfo=dt.timezone.utc) + dt.timedelta(days=n)).isoformat().replace("+00:00", "Z")'
    if c.ftype == "date":
        return "(dt.date(2030, 1, 2) + dt.timedelta(days=2 * n)).isoformat()"
    return "n * 10 + 5"


def creator(r: Resource) -> str:
    """The headers expression that may create rows of ``r`` (a role user if reserved)."""
    roles = r.roles_for("create")
    return f"role_auth({roles[0]!r})" if roles else "auth"


def helpers(resources: list[Resource], header: str, prefix: str) -> str:
    """make_<entity>(client, auth, **fields) creates a row (and its parents) through the API."""
    capacity_cols = {r.capacity[2] for r in resources if r.capacity}
    out = [
        "import datetime as dt",
        "import itertools",
        "",
        "_COUNTER = itertools.count(1)",
        "",
        "",
        "def role_auth(role):",
        f"    return {{{header}: {prefix} + 'token-role-' + role}}",
        "",
    ]
    for r in resources:
        starts = {x.columns[0]: x.columns[1] for x in r.rules_of("no_overlap")}
        ends = {v: k for k, v in starts.items()}
        actives = {x.columns[0]: x.values for x in r.rules_of("one_active")}
        initial = {}
        for x in r.rules_of("transition"):
            targets = {b for _, b in x.transitions}
            first = [a for a, _ in x.transitions if a not in targets] or [x.transitions[0][0]]
            initial[x.columns[0]] = first[0]
        unique_cols = {c for x in r.rules_of("unique") for c in x.columns}
        out += [
            "",
            f"def make_{r.entity}(client, auth, **fields):",
            f'    """Create a {r.title} as ``auth`` (reserved creation: as a role user)."""',
            "    n = next(_COUNTER)",
            "    payload = {",
        ]
        for c in r.body_cols:
            if c.nullable and c.name not in starts and c.name not in ends:
                continue
            if c.ftype == "reference" and c.fk_table and c.fk_table != "users":
                parent = next((p for p in resources if p.table == c.fk_table), None)
                if parent is not None and parent.entity != r.entity:
                    out.append(
                        f'        "{c.name}": fields.pop("{c.name}", None) or make_{parent.entity}(client, auth)["id"],'
                    )
                    continue
            if c.ftype == "reference":
                if not c.nullable:
                    out.append(f'        "{c.name}": 1,')  # user 1 (alice) exists in every test
                continue
            if c.name in ends:
                value = end_sample(next(x for x in r.cols if x.name == ends[c.name]))
            elif c.name in initial:
                value = repr(initial[c.name])
            elif c.name in actives and c.enum_values:
                calm = [v for v in c.enum_values if v not in actives[c.name]]
                value = repr(calm[0] if calm else c.enum_values[0])
            elif c.name in unique_cols and c.ftype == "integer":
                value = sample(c.__class__(**{**c.__dict__, "unique": True}), 0, capacity_cols)
            elif c.name in starts and c.ftype == "integer":
                value = "n * 10"
            else:
                value = sample(c, 0, capacity_cols)
            out.append(f'        "{c.name}": {value},')
        out += [
            "    }",
            "    payload.update(fields)",
            f'    response = client.post("{r.path}", json=payload, headers={creator(r) if r.roles_for("create") else "auth"})',
            "    assert response.status_code == 201, response.text",
            "    return response.json()",
            "",
        ]
    return "\n".join(out)
