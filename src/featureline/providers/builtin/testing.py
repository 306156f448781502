# ruff: noqa: E501  (this module builds generated source code; template lines are kept whole to stay readable)
"""Step 6: pytest files for the generated service and a requirement -> test coverage map."""

from __future__ import annotations

from collections.abc import Sequence

from featureline.artifacts.implementation import SourceFile
from featureline.artifacts.requirements import RequirementsArtifact
from featureline.artifacts.testing import CoverageEntry, TestingArtifact, TestLevel
from featureline.providers.builtin.resources import Col, Resource, build_resources, map_requirements

CONFTEST = '''"""Fixtures: a fresh SQLite database per test and two users with known tokens."""

import hashlib
import sqlite3

import pytest
from fastapi.testclient import TestClient


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


def sample(c: Col, n: int) -> str:
    """A valid Python literal for a column in a test payload."""
    t = c.ftype
    if t == "reference":
        return "1"
    if t == "integer" and c.name == "capacity":
        return "1000"  # room for the bookings other tests make against it
    if t == "integer":
        return str(int(c.minimum) if c.minimum is not None else 1)
    if t == "decimal":
        return '"12.50"'
    if t == "boolean":
        return "False"
    if t == "date":
        return f'"2030-01-0{n % 9 + 1}"'
    if t == "datetime":
        return '"2030-01-01T10:00:00Z"'
    if t == "enum":
        return repr(c.enum_values[0])
    if t == "email":
        return f'f"user{{n}}-{n}@example.com"'
    if t == "url":
        return f'f"https://example.com/{c.name}/{{n}}"'
    return f'f"{c.name} {{n}}"'


def helpers(resources: list[Resource]) -> str:
    """make_<entity>(client, auth, n) creates a row (and its parents) through the API."""
    out = ["import itertools", "", "_COUNTER = itertools.count(1)", ""]
    for r in resources:
        out += [
            "",
            f"def make_{r.entity}(client, auth):",
            "    n = next(_COUNTER)",
            "    payload = {",
        ]
        for i, c in enumerate(r.body_cols):
            if c.nullable:
                continue
            if c.ftype == "reference" and c.fk_table and c.fk_table != "users":
                parent = next((p for p in resources if p.table == c.fk_table), None)
                if parent is not None and parent.entity != r.entity:
                    out.append(f'        "{c.name}": make_{parent.entity}(client, auth)["id"],')
                    continue
            out.append(f'        "{c.name}": {sample(c, i)},')
        out += [
            "    }",
            f'    response = client.post("{r.path}", json=payload, headers=auth)',
            "    assert response.status_code == 201, response.text",
            "    return response.json()",
            "",
        ]
    return "\n".join(out)


def _capacity_test(r: Resource, resources: Sequence[Resource]) -> list[str]:
    """Book up to the capacity, then one more (409), through POST and PATCH."""
    parent_table, fk, cap, qty = r.capacity
    parent = next(p for p in resources if p.table == parent_table)
    keys = [c.name for c in r.body_cols if not c.nullable]
    return [
        f"    first = make_{r.entity}(client, auth)",
        f"    parent_url = f\"{parent.path}/{{first['{fk}']}}\"",
        f'    limit = first["{qty}"] + 1',
        f'    assert client.patch(parent_url, json={{"{cap}": limit}}, headers=auth).status_code == 200',
        f"    payload = {{key: first[key] for key in {keys!r}}}",
        f'    too_many = client.post("{r.path}", json={{**payload, "{qty}": 2}}, headers=other_auth)',
        "    assert too_many.status_code == 409, too_many.text",
        '    assert too_many.headers["content-type"].startswith("application/problem+json")',
        f'    last = client.post("{r.path}", json={{**payload, "{qty}": 1}}, headers=other_auth)',
        "    assert last.status_code == 201, last.text",
        f"    first_url = f\"{r.path}/{{first['id']}}\"",
        f'    assert client.patch(first_url, json={{"{qty}": limit}}, headers=auth).status_code == 409',
        f'    assert client.patch(first_url, json={{"{qty}": 1}}, headers=auth).status_code == 200',
    ]


def _overdue_test(r: Resource) -> list[str]:
    """?overdue=true lists a row whose due date has passed, and not once it is closed
    (done / returned) nor when it is due in the future."""
    due = next(c for c in r.cols if c.name == r.overdue)
    past, future = (
        ('"2000-01-01T00:00:00Z"', '"2999-01-01T00:00:00Z"')
        if due.ftype == "datetime"
        else ('"2000-01-01"', '"2999-01-01"')
    )
    e = r.entity
    lines = [
        "    def overdue_ids():",
        '        params = {"overdue": "true", "limit": 100}',
        f'        page = client.get("{r.path}", params=params, headers=auth)',
        "        assert page.status_code == 200",
        '        return [row["id"] for row in page.json()["items"]]',
        "",
        f"    late = make_{e}(client, auth)",
        f"    url = f\"{r.path}/{{late['id']}}\"",
        f'    assert client.patch(url, json={{"{r.overdue}": {past}}}, headers=auth).status_code == 200',
        '    assert late["id"] in overdue_ids()',
    ]
    for name, value in r.close_with:
        lines += [
            f'    assert client.patch(url, json={{"{name}": "{value}"}}, headers=auth).status_code == 200',
            '    assert late["id"] not in overdue_ids()',
        ]
    lines += [
        f"    later = make_{e}(client, auth)",
        f"    later_url = f\"{r.path}/{{later['id']}}\"",
        f'    assert client.patch(later_url, json={{"{r.overdue}": {future}}}, headers=auth).status_code == 200',
        '    assert later["id"] not in overdue_ids()',
    ]
    return lines


def resource_tests(
    r: Resource, resources: Sequence[Resource] = ()
) -> tuple[str, dict[str, list[str]]]:
    """A test module for one resource and which test functions exercise each operation."""
    f = f"tests/test_{r.table}.py"
    e = r.entity
    change = next((c for c in r.body_cols if c.ftype in {"string", "text"} and not c.unique), None)
    lines = [
        f'"""API tests for {r.path}."""',
        "",
        "from conftest_helpers import *  # noqa: F403",
        "",
        "",
    ]
    ops: dict[str, list[str]] = {op: [] for op in ("create", "list", "get", "update", "delete")}

    def test(name: str, op: str, body: list[str]) -> None:
        lines.extend([f"def {name}(client, auth, other_auth):", *body, "", ""])
        ops[op].append(f"{f}::{name}")

    test(
        f"test_create_{e}",
        "create",
        [f"    item = make_{e}(client, auth)", '    assert item["id"] >= 1'],
    )
    test(
        f"test_create_{e}_rejects_invalid_body",
        "create",
        [
            f'    response = client.post("{r.path}", json=[], headers=auth)',
            "    assert response.status_code == 422",
            '    assert response.headers["content-type"].startswith("application/problem+json")',
        ],
    )
    test(
        f"test_create_{e}_requires_auth",
        "create",
        [f'    assert client.post("{r.path}", json={{}}).status_code == 401'],
    )
    test(
        f"test_list_{r.table}",
        "list",
        [
            f"    item = make_{e}(client, auth)",
            f'    response = client.get("{r.path}?limit=1", headers=auth)',
            "    assert response.status_code == 200",
            "    page = response.json()",
            '    assert page["limit"] == 1 and page["total"] >= 1',
            '    assert page["items"][0]["id"] == item["id"]',
        ],
    )
    params = (
        [p for p, _ in r.filters]
        + (["q"] if r.search else [])
        + (["due_before"] if r.overdue else [])
    )
    for p in params:
        value = (
            '"2031-01-01"'
            if p == "due_before"
            else ('"x"' if p == "q" else f"item.get({p!r}) or 1")
        )
        test(
            f"test_list_{r.table}_by_{p}",
            "list",
            [
                f"    item = make_{e}(client, auth)",
                f'    response = client.get("{r.path}", params={{"{p}": {value}}}, headers=auth)',
                "    assert response.status_code == 200",
                "    _ = item",
            ],
        )
    if r.overdue:
        test(f"test_list_{r.table}_overdue", "list", _overdue_test(r))
    test(
        f"test_list_{r.table}_rejects_bad_limit",
        "list",
        [f'    assert client.get("{r.path}?limit=0", headers=auth).status_code == 422'],
    )
    test(
        f"test_get_{e}",
        "get",
        [
            f"    item = make_{e}(client, auth)",
            f"    response = client.get(f\"{r.path}/{{item['id']}}\", headers=auth)",
            "    assert response.status_code == 200",
            '    assert response.json()["id"] == item["id"]',
        ],
    )
    test(
        f"test_get_{e}_not_found",
        "get",
        [f'    assert client.get("{r.path}/999999", headers=auth).status_code == 404'],
    )
    upd = f'{{"{change.name}": "changed"}}' if change else "{}"
    test(
        f"test_update_{e}",
        "update",
        [
            f"    item = make_{e}(client, auth)",
            f"    response = client.patch(f\"{r.path}/{{item['id']}}\", json={upd}, headers=auth)",
            "    assert response.status_code == 200",
        ],
    )
    test(
        f"test_update_{e}_rejects_unknown_field",
        "update",
        [
            f"    item = make_{e}(client, auth)",
            f'    response = client.patch(f"{r.path}/{{item[\'id\']}}", json={{"no_such_field": 1}}, headers=auth)',
            "    assert response.status_code == 422",
        ],
    )
    test(
        f"test_delete_{e}",
        "delete",
        [
            f"    item = make_{e}(client, auth)",
            f"    assert client.delete(f\"{r.path}/{{item['id']}}\", headers=auth).status_code == 204",
            f"    assert client.get(f\"{r.path}/{{item['id']}}\", headers=auth).status_code == 404",
        ],
    )
    if r.capacity:
        test(f"test_{e}_never_exceeds_capacity", "create", _capacity_test(r, resources))
        ops["update"].append(f"{f}::test_{e}_never_exceeds_capacity")
    if r.owned:
        body = [
            f"    item = make_{e}(client, auth)",
            f"    url = f\"{r.path}/{{item['id']}}\"",
            "    assert client.get(url, headers=other_auth).status_code == 404",
            "    assert client.delete(url, headers=other_auth).status_code == 404",
            f'    assert client.get("{r.path}", headers=other_auth).json()["total"] == 0',
        ]
        for op in ("get", "list", "delete", "update", "create"):
            ops[op].append(f"{f}::test_{e}_isolated_per_owner")
        lines.extend([f"def test_{e}_isolated_per_owner(client, auth, other_auth):", *body, "", ""])
    return "\n".join(lines).rstrip() + "\n", ops


def build_testing(
    req: RequirementsArtifact, api_key: bool, feedback: tuple[str, ...] = ()
) -> TestingArtifact:
    resources = build_resources(req)
    mapping = map_requirements(req, resources)
    header, prefix = ('"X-API-Key"', '""') if api_key else ('"Authorization"', '"Bearer "')
    files = [
        SourceFile(
            path="tests/conftest.py",
            purpose="fixtures: app, database, users",
            content=CONFTEST.replace("{HEADER: PREFIX", "{" + header + ": " + prefix),
        ),
        SourceFile(
            path="tests/conftest_helpers.py",
            purpose="factories that create rows via the API",
            content='"""Factories shared by the API tests."""\n\n' + helpers(resources),
        ),
        SourceFile(
            path="tests/test_health.py",
            purpose="health endpoint",
            content='"""Health check."""\n\n\ndef test_health(client):\n'
            '    assert client.get("/v1/health").json() == {"status": "ok"}\n',
        ),
    ]
    by_op: dict[tuple[str, str], list[str]] = {}
    for r in resources:
        content, ops = resource_tests(r, resources)
        files.append(
            SourceFile(path=f"tests/test_{r.table}.py", content=content, purpose=f"{r.path} tests")
        )
        for op, ids in ops.items():
            by_op[(r.entity, op)] = ids
    coverage = []
    for fr in req.functional:
        if fr.status != "planned":
            continue
        tests = [t for key in mapping.get(fr.id, []) for t in by_op.get(key, [])]
        coverage.append(CoverageEntry(requirement_id=fr.id, tests=list(dict.fromkeys(tests))))
    strategy = [
        TestLevel(
            level="integration",
            description="every endpoint through FastAPI's TestClient against a "
            "fresh SQLite file: happy path, 401, 404, 422 and cross-user isolation",
            tools=["pytest", "httpx"],
        ),
        TestLevel(
            level="contract",
            description="responses match the OpenAPI document (schemathesis "
            "recommended as a follow-up)",
            tools=["schemathesis"],
        ),
        TestLevel(
            level="load", description="the performance step's load test script", tools=["httpx"]
        ),
    ]
    strategy += [
        TestLevel(level="unit", description=f"Feedback recorded by the builtin generator: {c}")
        for c in feedback
    ]
    return TestingArtifact(
        strategy=strategy,
        test_files=files,
        test_command="python -m pytest -q",
        coverage=coverage,
        execution=None,
    )
