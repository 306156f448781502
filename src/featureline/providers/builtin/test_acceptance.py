# ruff: noqa: E501  (this module builds generated source code; template lines are kept whole to stay readable)
"""One resource -> its generated test module: a test per aspect, tagged with the FRs
whose acceptance criteria that aspect checks (see ``testing.fr_aspects``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from featureline.providers.builtin.resources import Col, Resource
from featureline.providers.builtin.test_behaviours import (
    capacity_test,
    foreign_link_test,
    overdue_test,
    ownership_test,
    rule_test,
)
from featureline.providers.builtin.test_support import creator

Aspects = dict[str, set[tuple[str, str]]]


def _scope(line: str, path: str) -> str:
    """Send each call as the user allowed to make it (a role user for a reserved operation)."""
    if "headers=me" not in line:
        return line
    if f'client.get("{path}"' in line:
        return line.replace("headers=me", "headers=lister")
    for call, var in (
        ("client.get(", "reader"),
        ("client.patch(", "writer"),
        ("client.delete(", "remover"),
    ):
        if call in line:
            return line.replace("headers=me", f"headers={var}")
    return line


def two_values(c: Col) -> tuple[str, str] | None:
    """Two different valid values of a column (Python expressions), for must/must-not rows."""
    t = c.ftype
    if t == "enum":
        return (repr(c.enum_values[0]), repr(c.enum_values[1])) if len(c.enum_values) > 1 else None
    if t == "boolean":
        return "True", "False"
    if t == "integer":
        low = int(c.minimum) if c.minimum is not None else 1
        high = int(c.maximum) if c.maximum is not None else low + 1
        return (str(low), str(low + 1)) if high > low else None
    if t == "decimal":
        return '"12.50"', '"7.25"'
    if t == "date":
        return '"2030-03-01"', '"2030-04-01"'
    if t == "datetime":
        return '"2030-03-01T10:00:00Z"', '"2030-04-01T10:00:00Z"'
    if t == "email":
        return '"match@example.com"', '"other@example.com"'
    if t == "url":
        return '"https://example.com/match"', '"https://example.com/other"'
    return '"alpha match"', '"beta other"'


def _query(c: Col, expr: str) -> str:
    return f"str({expr}).lower()" if c.ftype == "boolean" else expr


def resource_tests(
    r: Resource, resources: Sequence[Resource], aspects: Aspects
) -> tuple[str, dict[str, list[str]]]:
    f = f"tests/test_{r.table}.py"
    e = r.entity
    me = creator(r)
    lines = [
        f'"""API tests for {r.path}: acceptance criteria per requirement, then conventions."""',
        "",
        "import pytest",
        "",
        "from conftest_helpers import *  # noqa: F403",
        "",
        "_ = pytest",
        "",
        "",
    ]
    ids: dict[str, list[str]] = {}

    def test(name: str, aspect: str | None, body: list[str]) -> None:
        frs = sorted(
            (fr for fr, got in aspects.items() if aspect and (e, aspect) in got),
            key=lambda i: int(i.split("-")[1]),
        )
        if frs:
            lines.append(f"@pytest.mark.requirement({', '.join(repr(x) for x in frs)})")
        preamble = [f"    me = {me}"]
        for var, op in (
            ("reader", "get"),
            ("lister", "list"),
            ("writer", "update"),
            ("remover", "delete"),
        ):
            roles = r.roles_for(op)
            preamble.append(f"    {var} = " + (f"role_auth({roles[0]!r})" if roles else "me"))
        preamble.append("    _ = (me, reader, lister, writer, remover)")
        role_test = bool(aspect and aspect.startswith("rule:") and "role" in name)
        scoped = body if role_test else [_scope(line, r.path) for line in body]
        lines.extend([f"def {name}(client, auth, other_auth):", *preamble, *scoped, "", ""])
        for fr in frs:
            ids.setdefault(fr, []).append(f"{f}::{name}")

    item_url = f"f\"{r.path}/{{item['id']}}\""
    # --- create / get / list / update / delete, each checking its criteria with data
    full = [c for c in r.body_cols if c.ftype not in {"reference"} and c.nullable]
    opt_lines = []
    for c in full:
        pair = two_values(c)
        if pair:
            opt_lines.append(f'    extra["{c.name}"] = {pair[0]}')
    test(
        f"test_create_{e}_stores_what_was_sent",
        "create",
        [
            "    extra = {}",
            *opt_lines,
            f"    item = make_{e}(client, me, **extra)",
            '    assert item["id"] >= 1 and item["owner_id"] >= 1',
            "    for key, value in extra.items():",
            "        assert item[key] == value, (key, item[key], value)",
            f"    again = client.get({item_url}, headers=me)",
            "    assert again.status_code == 200 and again.json() == item",
        ],
    )
    for c in r.body_cols:
        pair = two_values(c)
        if c.unique and pair is not None:
            keys = [x.name for x in r.body_cols if not x.nullable or x.name == c.name]
            test(
                f"test_create_{e}_duplicate_{c.name}_conflicts",
                "create",
                [
                    f'    item = make_{e}(client, me, **{{"{c.name}": {pair[0]}}})',
                    f'    again = client.post("{r.path}", json={{key: item[key] for key in {keys!r}}}, headers=me)',
                    "    assert again.status_code == 409, again.text",
                ],
            )
    test(
        f"test_create_{e}_rejects_invalid_body",
        None,
        [
            f'    response = client.post("{r.path}", json=[], headers=me)',
            "    assert response.status_code == 422",
            '    assert response.headers["content-type"].startswith("application/problem+json")',
        ],
    )
    test(
        f"test_create_{e}_requires_auth",
        None,
        [f'    assert client.post("{r.path}", json={{}}).status_code == 401'],
    )
    test(
        f"test_list_{r.table}_pages_newest_first",
        "list",
        [
            f"    first = make_{e}(client, me)",
            f"    second = make_{e}(client, me)",
            f'    page = client.get("{r.path}", params={{"limit": 1}}, headers=me).json()',
            '    assert page["total"] >= 2 and page["limit"] == 1',
            '    assert [row["id"] for row in page["items"]] == [second["id"]]',
            f'    rest = client.get("{r.path}", params={{"limit": 100, "offset": 1}}, headers=me).json()',
            '    assert first["id"] in [row["id"] for row in rest["items"]]',
            '    assert second["id"] not in [row["id"] for row in rest["items"]]',
        ],
    )
    _filter_tests(r, resources, test)
    if r.search:
        col = r.search[0]
        test(
            f"test_search_{r.table}",
            "search",
            [
                f'    hit = make_{e}(client, me, **{{"{col}": "has needle inside"}})',
                f'    miss = make_{e}(client, me, **{{"{col}": "nothing here"}})',
                f'    page = client.get("{r.path}", params={{"q": "NEEDLE", "limit": 100}}, headers=me).json()',
                '    found = [row["id"] for row in page["items"]]',
                '    assert hit["id"] in found and miss["id"] not in found',
            ],
        )
    if r.overdue:
        test(f"test_list_{r.table}_overdue", "overdue", overdue_test(r))
    test(
        f"test_list_{r.table}_rejects_bad_limit",
        None,
        [f'    assert client.get("{r.path}?limit=0", headers=me).status_code == 422'],
    )
    test(
        f"test_get_{e}",
        "get",
        [
            f"    item = make_{e}(client, me)",
            f"    response = client.get({item_url}, headers=me)",
            "    assert response.status_code == 200",
            "    assert response.json() == item",
        ],
    )
    test(
        f"test_get_{e}_not_found",
        None,
        [
            f'    assert client.get("{r.path}/999999", headers=me).status_code == 404',
            f'    assert client.get("{r.path}/99999999999999999999", headers=me).status_code in (404, 422)',
        ],
    )
    in_rules = {
        c
        for x in r.rules
        if x.kind in {"no_overlap", "transition", "one_active"}
        for c in x.columns
    }
    change = next(
        (
            c
            for c in r.body_cols
            if c.name not in in_rules
            and c.ftype
            in {"string", "text", "integer", "decimal", "date", "datetime", "url", "email"}
        ),
        None,
    )
    if change is not None:
        value = {
            "integer": str(int(change.minimum) + 1 if change.minimum is not None else 2),
            "decimal": '"99.99"',
            "date": '"2031-05-05"',
            "datetime": '"2031-05-05T10:00:00Z"',
            "url": "f\"https://example.org/changed/{item['id']}\"",
            "email": "f\"changed{item['id']}@example.org\"",
        }.get(change.ftype, "f\"changed {item['id']}\"")
        if (
            change.ftype == "integer"
            and change.maximum is not None
            and change.minimum is not None
            and change.maximum <= change.minimum
        ):
            value = str(int(change.minimum))
        test(
            f"test_update_{e}",
            "update",
            [
                f"    item = make_{e}(client, me)",
                f'    response = client.patch({item_url}, json={{"{change.name}": {value}}}, headers=me)',
                "    assert response.status_code == 200, response.text",
                f'    assert client.get({item_url}, headers=me).json()["{change.name}"] == {value}',
            ],
        )
    settable = [c for c in r.body_cols if c.ftype in {"enum", "boolean"}]
    if settable:
        body = [f"    item = make_{e}(client, me)"]
        transition_cols = {x.columns[0] for x in r.rules_of("transition")}
        for c in settable:
            if c.name in transition_cols:
                continue
            values = [repr(v) for v in c.enum_values[1:]] if c.ftype == "enum" else ["True"]
            for v in values:
                body += [
                    f'    response = client.patch({item_url}, json={{"{c.name}": {v}}}, headers=me)',
                    "    assert response.status_code == 200, response.text",
                    f'    assert client.get({item_url}, headers=me).json()["{c.name}"] == {v}',
                ]
        if len(body) > 1:
            test(f"test_update_{e}_state", "set", body)
            if change is None:
                test(f"test_update_{e}", "update", body)
    if r.updatable:
        test(
            f"test_update_{e}_rejects_unknown_field",
            None,
            [
                f"    item = make_{e}(client, me)",
                f'    response = client.patch({item_url}, json={{"no_such_field": 1}}, headers=me)',
                "    assert response.status_code == 422",
            ],
        )
    test(
        f"test_delete_{e}",
        "delete",
        [
            f"    item = make_{e}(client, me)",
            f"    assert client.delete({item_url}, headers=me).status_code == 204",
            f"    assert client.get({item_url}, headers=me).status_code == 404",
        ],
    )
    test(f"test_{e}_isolated_per_owner", "ownership", ownership_test(r))
    foreign = foreign_link_test(r, resources)
    if foreign:
        test(f"test_{e}_cannot_link_other_users_rows", None, foreign)
    if any(c.ftype == "decimal" for c in r.body_cols):
        c = next(c for c in r.body_cols if c.ftype == "decimal")
        test(
            f"test_{e}_{c.name}_is_an_exact_decimal",
            "decimal",
            [
                f'    item = make_{e}(client, me, **{{"{c.name}": "1234567.89"}})',
                f'    assert item["{c.name}"] == "1234567.89"',
                f"    payload = {{key: item[key] for key in {[x.name for x in r.body_cols if not x.nullable]!r}}}",
                f'    payload["{c.name}"] = "1.005"',
                f'    assert client.post("{r.path}", json=payload, headers=me).status_code == 422',
                f'    payload["{c.name}"] = 0.1',
                f'    assert client.post("{r.path}", json=payload, headers=me).status_code == 422',
            ],
        )
    text_col = next((c for c in r.body_cols if c.ftype in {"text", "string"}), None)
    if text_col is not None:
        test(
            f"test_{e}_text_is_data_not_markup",
            "untrusted",
            [
                '    script = "<script>alert(1)</script>"',
                f'    item = make_{e}(client, me, **{{"{text_col.name}": script}})',
                f"    response = client.get({item_url}, headers=me)",
                '    assert response.headers["content-type"].startswith("application/json")',
                '    assert response.headers["x-content-type-options"] == "nosniff"',
                '    assert "default-src \'none\'" in response.headers["content-security-policy"]',
                f'    assert response.json()["{text_col.name}"] == script',
            ],
        )
    if r.capacity:
        by_rule = next((x for x in r.rules_of("capacity")), None)
        aspect = f"rule:{by_rule.id}" if by_rule else "capacity"
        test(f"test_{e}_never_exceeds_capacity", aspect, capacity_test(r, resources))
    for rule in r.rules:
        body = rule_test(r, rule)
        if body:
            test(
                f"test_{e}_rule_{rule.id.replace('-', '_').lower()}_{rule.kind}",
                f"rule:{rule.id}",
                body,
            )
    return "\n".join(lines).rstrip() + "\n", ids


def _filter_tests(
    r: Resource, resources: Sequence[Resource], test: Callable[[str, str | None, list[str]], None]
) -> None:
    cols = {c.name: c for c in r.cols}
    e = r.entity
    for param, col in r.filters:
        if col.startswith("join:"):
            j = next(x for x in r.joins if x.table == col[5:])
            other = next((p for p in resources if p.table == j.right_table), None)
            if other is None:
                continue
            body = [
                f"    a = make_{other.entity}(client, me)",
                f"    b = make_{other.entity}(client, me)",
                f'    hit = make_{e}(client, me, **{{"{j.field_name}": [a["id"]]}})',
                f'    miss = make_{e}(client, me, **{{"{j.field_name}": [b["id"]]}})',
                f'    page = client.get("{r.path}", params={{"{param}": a["id"], "limit": 100}}, headers=me).json()',
            ]
        else:
            c = cols[col]
            if c.fk_table and c.fk_table != "users":
                parent = next((p for p in resources if p.table == c.fk_table), None)
                if parent is None:
                    continue
                body = [
                    f"    a = make_{parent.entity}(client, me)",
                    f"    b = make_{parent.entity}(client, me)",
                    f'    hit = make_{e}(client, me, **{{"{col}": a["id"]}})',
                    f'    miss = make_{e}(client, me, **{{"{col}": b["id"]}})',
                    f'    page = client.get("{r.path}", params={{"{param}": a["id"], "limit": 100}}, headers=me).json()',
                ]
            elif c.fk_table == "users":
                body = [
                    f'    hit = make_{e}(client, me, **{{"{col}": 1}})',
                    f'    miss = make_{e}(client, me, **{{"{col}": 2}})',
                    f'    page = client.get("{r.path}", params={{"{param}": 1, "limit": 100}}, headers=me).json()',
                ]
            else:
                pair = two_values(c)
                if pair is None:
                    continue
                body = [
                    f'    hit = make_{e}(client, me, **{{"{col}": {pair[0]}}})',
                    f'    miss = make_{e}(client, me, **{{"{col}": {pair[1]}}})',
                    f'    page = client.get("{r.path}", params={{"{param}": {_query(c, pair[0])}, "limit": 100}}, headers=me).json()',
                ]
        body += [
            '    found = [row["id"] for row in page["items"]]',
            '    assert hit["id"] in found, "a matching row is missing"',
            '    assert miss["id"] not in found, "a row that does not match was listed"',
        ]
        test(f"test_filter_{r.table}_by_{param}", f"filter:{param}", body)
