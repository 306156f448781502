# ruff: noqa: E501  (this module builds generated source code; template lines are kept whole to stay readable)
"""Generated test bodies for behaviours beyond CRUD: ownership and sharing, linking to
another user's rows, overdue lists, capacity, and each kind of requirements rule."""

from __future__ import annotations

from collections.abc import Sequence

from featureline.providers.builtin.resources import Resource
from featureline.providers.builtin.rules import BuiltRule


def ownership_test(r: Resource) -> list[str]:
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
        f"    assert client.delete(url, headers=other_auth).status_code == {expect('delete', 403 if r.shared else 404)}",
        f'    assert (item["id"] in listed) is {r.shared and not r.roles_for("list")}',
        '    assert client.get(url, headers=reader).json() == item, "another user changed the row"',
    ]
    if r.updatable:
        lines.insert(
            6,  # after the GET, before the DELETE
            f"    assert client.patch(url, json={patch}, headers=other_auth).status_code == {expect('update', 403 if r.shared else 404)}",
        )
    return lines


def foreign_link_test(r: Resource, resources: Sequence[Resource]) -> list[str]:
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


def overdue_test(r: Resource) -> list[str]:
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


def _fresh_rows(r: Resource) -> list[str]:
    """Lines defining ``fresh(i)``: a copy of ``first`` that no other rule refuses (its own
    interval far in the future, its own values for unique text columns)."""
    lines = [
        "    def fresh(i):",
        f"        row = {{k: first[k] for k in {[c.name for c in r.body_cols if not c.nullable]!r}}}",
    ]
    for x in r.rules_of("no_overlap"):
        start, end = x.columns
        kind = next(c.ftype for c in r.cols if c.name == start)
        if kind == "datetime":
            lines.append(
                f'        row["{start}"], row["{end}"] = f"2098-01-{{i:02d}}T10:00:00Z", f"2098-01-{{i:02d}}T11:00:00Z"'
            )
        elif kind == "date":
            lines.append(
                f'        row["{start}"], row["{end}"] = f"2098-01-{{2 * i:02d}}", f"2098-01-{{2 * i + 1:02d}}"'
            )
        else:
            lines.append(
                f'        row["{start}"], row["{end}"] = 10**6 + 10 * i, 10**6 + 10 * i + 5'
            )
    unique = {c for x in r.rules_of("unique") for c in x.columns} | {
        c.name for c in r.body_cols if c.unique
    }
    for c in r.body_cols:
        if c.name in unique and c.ftype in {"string", "text"}:
            lines.append(f'        row["{c.name}"] = f"fresh {{i}} " + str(row.get("{c.name}"))')
    lines.append("        return row")
    return lines


def capacity_test(r: Resource, resources: Sequence[Resource]) -> list[str]:
    """Book up to the capacity, then one more (409), through POST and PATCH."""
    parent_table, fk, cap, qty = r.capacity
    parent = next(p for p in resources if p.table == parent_table)
    # the parent's capacity is changed by a role its update is reserved to, else by the
    # user who created it (a role user when its creation is reserved)
    roles = parent.roles_for("update") or parent.roles_for("create")
    parent_writer = f"role_auth({roles[0]!r})" if roles else "me"
    return [
        f"    first = make_{r.entity}(client, me)",
        *_fresh_rows(r),
        f"    parent_writer = {parent_writer}",
        f"    parent_url = f\"{parent.path}/{{first['{fk}']}}\"",
        f'    limit = first["{qty}"] + 1',
        f'    assert client.patch(parent_url, json={{"{cap}": limit}}, headers=parent_writer).status_code == 200',
        f'    too_many = client.post("{r.path}", json={{**fresh(1), "{qty}": 2}}, headers=me)',
        "    assert too_many.status_code == 409, too_many.text",
        '    assert too_many.headers["content-type"].startswith("application/problem+json")',
        f'    last = client.post("{r.path}", json={{**fresh(2), "{qty}": 1}}, headers=me)',
        "    assert last.status_code == 201, last.text",
        f"    first_url = f\"{r.path}/{{first['id']}}\"",
        f'    assert client.patch(first_url, json={{"{qty}": limit}}, headers=me).status_code == 409',
        f'    assert client.patch(first_url, json={{"{qty}": 1}}, headers=me).status_code == 200',
    ]


def rule_test(r: Resource, rule: BuiltRule) -> list[str]:
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
        return ownership_test(r)
    return []
