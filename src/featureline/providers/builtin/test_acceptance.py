# ruff: noqa: E501  (this module builds generated source code; template lines are kept whole to stay readable)
"""One resource -> its generated test module: a test per aspect, tagged with the FRs
whose acceptance criteria that aspect checks (see ``testing.fr_aspects``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from featureline.providers.builtin.resources import Col, Resource
from featureline.providers.builtin.rules import BuiltRule
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
        test(f"test_list_{r.table}_overdue", "overdue", _overdue_test(r))
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
            and c.ftype in {"string", "text", "integer", "decimal", "date", "datetime"}
        ),
        None,
    )
    if change is not None:
        value = {
            "integer": str(int(change.minimum) + 1 if change.minimum is not None else 2),
            "decimal": '"99.99"',
            "date": '"2031-05-05"',
            "datetime": '"2031-05-05T10:00:00Z"',
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
    test(f"test_{e}_isolated_per_owner", "ownership", _ownership_test(r))
    foreign = _foreign_link(r, resources)
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
        test(f"test_{e}_never_exceeds_capacity", "capacity", _capacity_test(r, resources))
    for rule in r.rules:
        body = _rule_test(r, rule)
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


def _ownership_test(r: Resource) -> list[str]:
    """A second (ordinary) user neither sees nor changes the first user's row: 404, or 403
    where a role rule reserves the operation; a shared row is read but not changed (403)."""
    url = f"f\"{r.path}/{{item['id']}}\""
    change = next((c for c in r.body_cols if c.ftype in {"string", "text"}), None)
    patch = f'{{"{change.name}": "taken over"}}' if change else "{}"

    def expect(op: str, visible: int) -> str:
        return "403" if r.roles_for(op) else str(visible)

    lines = [
        f"    item = make_{r.entity}(client, me)",
        f"    url = {url}",
        f'    listing = client.get("{r.path}", params={{"limit": 100}}, headers=other_auth)',
        f"    assert listing.status_code == {expect('list', 200)}",
        '    listed = [row["id"] for row in listing.json().get("items", [])]',
        f"    assert client.get(url, headers=other_auth).status_code == {expect('get', 200 if r.shared else 404)}",
        f"    assert client.patch(url, json={patch}, headers=other_auth).status_code == {expect('update', 403 if r.shared else 404)}",
        f"    assert client.delete(url, headers=other_auth).status_code == {expect('delete', 403 if r.shared else 404)}",
        f'    assert (item["id"] in listed) is {r.shared and not r.roles_for("list")}',
        '    assert client.get(url, headers=reader).json() == item, "another user changed the row"',
    ]
    return lines


def _foreign_link(r: Resource, resources: Sequence[Resource]) -> list[str]:
    """Bob cannot point his new row at one of alice's (unshared) rows: 409, nothing stored."""
    if r.roles_for("create"):
        return []
    for c in r.body_cols:
        parent = next(
            (p for p in resources if p.table == c.fk_table and p.entity != r.entity), None
        )
        if parent is not None and not parent.shared and not parent.roles_for("create"):
            return [
                f"    mine = make_{r.entity}(client, other_auth)",
                f"    theirs = make_{parent.entity}(client, auth)",
                f"    payload = {{key: mine[key] for key in {[x.name for x in r.body_cols if not x.nullable]!r}}}",
                f'    payload["{c.name}"] = theirs["id"]',
                f'    response = client.post("{r.path}", json=payload, headers=other_auth)',
                "    assert response.status_code == 409, response.text",
            ]
    for j in r.joins:
        other = next((p for p in resources if p.table == j.right_table), None)
        if other is not None and not other.shared and not other.roles_for("create"):
            return [
                f"    theirs = make_{other.entity}(client, auth)",
                f"    mine = make_{r.entity}(client, other_auth)",
                f"    url = f\"{r.path}/{{mine['id']}}\"",
                f'    response = client.patch(url, json={{"{j.field_name}": [theirs["id"]]}}, headers=other_auth)',
                "    assert response.status_code == 409, response.text",
                f'    assert client.get(url, headers=other_auth).json()["{j.field_name}"] == mine["{j.field_name}"]',
            ]
    return []


def _overdue_test(r: Resource) -> list[str]:
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
        f'        page = client.get("{r.path}", params=params, headers=me)',
        "        assert page.status_code == 200",
        '        return [row["id"] for row in page.json()["items"]]',
        "",
        f'    late = make_{e}(client, me, **{{"{r.overdue}": {past}}})',
        f"    url = f\"{r.path}/{{late['id']}}\"",
        '    assert late["id"] in overdue_ids()',
        f'    later = make_{e}(client, me, **{{"{r.overdue}": {future}}})',
        '    assert later["id"] not in overdue_ids()',
    ]
    for name, value in r.close_with:
        lines += [
            f'    assert client.patch(url, json={{"{name}": "{value}"}}, headers=me).status_code == 200',
            '    assert late["id"] not in overdue_ids()',
        ]
    return lines


def _capacity_test(r: Resource, resources: Sequence[Resource]) -> list[str]:
    """Book up to the capacity, then one more (409), through POST and PATCH."""
    parent_table, fk, cap, qty = r.capacity
    parent = next(p for p in resources if p.table == parent_table)
    return [
        f"    first = make_{r.entity}(client, me)",
        f"    parent_url = f\"{parent.path}/{{first['{fk}']}}\"",
        f'    limit = first["{qty}"] + 1',
        f'    assert client.patch(parent_url, json={{"{cap}": limit}}, headers=me).status_code == 200',
        f'    too_many = client.post("{r.path}", json={{"{fk}": first["{fk}"], "{qty}": 2}} | {{k: first[k] for k in {[c.name for c in r.body_cols if not c.nullable and c.name not in {fk, qty}]!r}}}, headers=me)',
        "    assert too_many.status_code == 409, too_many.text",
        '    assert too_many.headers["content-type"].startswith("application/problem+json")',
        f'    last = client.post("{r.path}", json={{"{fk}": first["{fk}"], "{qty}": 1}} | {{k: first[k] for k in {[c.name for c in r.body_cols if not c.nullable and c.name not in {fk, qty}]!r}}}, headers=me)',
        "    assert last.status_code == 201, last.text",
        f"    first_url = f\"{r.path}/{{first['id']}}\"",
        f'    assert client.patch(first_url, json={{"{qty}": limit}}, headers=me).status_code == 409',
        f'    assert client.patch(first_url, json={{"{qty}": 1}}, headers=me).status_code == 200',
    ]


def _rule_test(r: Resource, rule: BuiltRule) -> list[str]:
    e = r.entity
    keys = [c.name for c in r.body_cols if not c.nullable] + [
        c for c in (rule.columns + rule.scope) if c != "owner_id"
    ]
    copy = f"{{key: first[key] for key in {list(dict.fromkeys(k for k in keys if any(c.name == k for c in r.body_cols)))!r}}}"
    # other unique columns get fresh values, so only the rule under test can refuse a row
    others = {c for x in r.rules_of("unique") if x.id != rule.id for c in x.columns} | {
        c.name for c in r.body_cols if c.unique
    }
    fresh = [
        c.name
        for c in r.body_cols
        if c.name in others
        and c.ftype in {"string", "text", "email"}
        and c.name not in rule.columns
    ]
    if fresh:
        copy = f"{{**{copy}, **{{key: 'x' + str(first[key]) for key in {fresh!r}}}}}"
    if rule.kind == "unique":
        return [
            f"    first = make_{e}(client, me)",
            f'    again = client.post("{r.path}", json={copy}, headers=me)',
            "    assert again.status_code == 409, again.text",
        ]
    if rule.kind == "no_overlap":
        start, end = rule.columns
        ftype = next(c.ftype for c in r.cols if c.name == start)
        shift = {
            "datetime": (
                '"2099-06-01T10:00:00Z"',
                '"2099-06-01T12:00:00Z"',
                '"2099-06-01T11:00:00Z"',
                '"2099-06-01T13:00:00Z"',
                '"2099-06-01T14:00:00Z"',
            ),
            "date": (
                '"2099-06-01"',
                '"2099-06-05"',
                '"2099-06-03"',
                '"2099-06-07"',
                '"2099-06-09"',
            ),
            "integer": ("1000000", "1000010", "1000005", "1000015", "1000020"),
        }[ftype]
        a0, a1, b0, b1, c1 = shift
        return [
            f'    first = make_{e}(client, me, **{{"{start}": {a0}, "{end}": {a1}}})',
            f"    payload = {copy}",
            f'    payload.update({{"{start}": {b0}, "{end}": {b1}}})',
            f'    clash = client.post("{r.path}", json=payload, headers=me)',
            "    assert clash.status_code == 409, clash.text",
            f'    payload.update({{"{start}": {a1}, "{end}": {c1}}})',
            f'    assert client.post("{r.path}", json=payload, headers=me).status_code == 201, "back-to-back rows do not overlap"',
        ]
    if rule.kind == "one_active":
        f = rule.columns[0]
        col = next(c for c in r.cols if c.name == f)
        calm = [v for v in col.enum_values if v not in rule.values]
        body = [
            f'    first = make_{e}(client, me, **{{"{f}": {rule.values[0]!r}}})',
            f"    payload = {copy}",
            f"    payload[{f!r}] = {rule.values[0]!r}",
            f'    clash = client.post("{r.path}", json=payload, headers=me)',
            "    assert clash.status_code == 409, clash.text",
        ]
        if calm:
            body += [
                f"    payload[{f!r}] = {calm[0]!r}",
                f'    assert client.post("{r.path}", json=payload, headers=me).status_code == 201',
            ]
        return body
    if rule.kind == "transition":
        f = rule.columns[0]
        pairs = rule.transitions
        col = next(c for c in r.cols if c.name == f)
        targets = {b for _, b in pairs}
        start = next((a for a, _ in pairs if a not in targets), pairs[0][0])
        allowed = next(b for a, b in pairs if a == start)
        states = list(col.enum_values) or sorted({x for p in pairs for x in p})
        bad = next((s for s in states if s != start and (start, s) not in pairs), None)
        body = [
            f'    first = make_{e}(client, me, **{{"{f}": {start!r}}})',
            f"    url = f\"{r.path}/{{first['id']}}\"",
        ]
        if bad is not None:
            body += [
                f'    wrong = client.patch(url, json={{"{f}": {bad!r}}}, headers=me)',
                "    assert wrong.status_code == 409, wrong.text",
            ]
        body += [
            f'    right = client.patch(url, json={{"{f}": {allowed!r}}}, headers=me)',
            "    assert right.status_code == 200, right.text",
            f'    assert right.json()["{f}"] == {allowed!r}',
        ]
        return body
    if rule.kind == "range":
        f = rule.columns[0]
        low, high = (float(v) for v in rule.values[:2])
        return [
            f"    first = make_{e}(client, me, **{{{f!r}: {int(low)}}})",
            f"    payload = {copy}",
            f"    payload[{f!r}] = {int(high) + 1}",
            f'    assert client.post("{r.path}", json=payload, headers=me).status_code == 422',
            f"    payload[{f!r}] = {int(low) - 1}",
            f'    assert client.post("{r.path}", json=payload, headers=me).status_code == 422',
        ]
    if rule.kind == "role_required":
        body = []
        allowed_role = rule.roles[0]
        for op in rule.operations:
            if op == "create":
                body += [
                    f"    item = make_{e}(client, role_auth({allowed_role!r}))",
                    f"    payload = {{key: item[key] for key in {[c.name for c in r.body_cols if not c.nullable]!r}}}",
                    f'    denied = client.post("{r.path}", json=payload, headers=auth)',
                    "    assert denied.status_code == 403, denied.text",
                ]
            elif op == "list":
                body += [
                    f'    assert client.get("{r.path}", headers=auth).status_code == 403',
                    f'    assert client.get("{r.path}", headers=role_auth({allowed_role!r})).status_code == 200',
                ]
            elif op in {"get", "update", "delete"}:
                method = {"get": "get", "update": "patch", "delete": "delete"}[op]
                extra = ", json={}" if op == "update" else ""
                body += [
                    f"    row = make_{e}(client, me)",
                    f"    assert client.{method}(f\"{r.path}/{{row['id']}}\"{extra}, headers=auth).status_code == 403",
                ]
        return body
    if rule.kind == "shared":
        return _ownership_test(r)
    return []
