# ruff: noqa: E501  (this module builds generated source code; template lines are kept whole to stay readable)
"""Resource -> the generated router: CRUD with ownership, roles and the requirements' rules.

Every query of a resource is scoped to the caller's rows unless a ``shared`` rule makes
them visible to all (then only the owner changes them: 403). Referenced rows must be
visible to the caller (404 otherwise), so nobody links to another user's tag or project.
Rules run inside ``BEGIN IMMEDIATE`` so a check and its write are one step for all writers.
"""

from __future__ import annotations

from featureline.providers.builtin.resources import Resource
from featureline.providers.builtin.rules import BuiltRule


def _refs(
    r: Resource, shared_tables: set[str]
) -> tuple[dict[str, tuple[str, bool]], dict[str, tuple[str, bool]]]:
    refs = {
        c.name: (c.fk_table, c.fk_table in shared_tables)
        for c in r.body_cols
        if c.fk_table is not None
    }
    links = {j.field_name: (j.right_table, j.right_table in shared_tables) for j in r.joins}
    return refs, links


def privileged(r: Resource) -> dict[str, tuple[str, ...]]:
    """Roles an operation is reserved to act on every row of it ("only managers delete
    products": any product; "only admins manage rooms": any room), except roles that also
    create the rows when others share the operation ("authors create posts; authors and
    admins edit them": authors edit their own, admins any)."""
    creators = set(r.roles_for("create"))
    out = {}
    for op, roles in r.roles:
        if op == "create":
            continue
        others = tuple(x for x in roles if x not in creators)
        out[op] = others or roles
    return out


def _visible_sql(
    refs: dict[str, tuple[str, bool]], links: dict[str, tuple[str, bool]]
) -> dict[str, tuple[str, bool]]:
    out = {}
    for table, shared in [*refs.values(), *links.values()]:
        if table == "users" or shared:
            out[table] = (f"SELECT 1 FROM {table} WHERE id = ?", False)
        else:
            out[table] = (f"SELECT 1 FROM {table} WHERE id = ? AND owner_id = ?", True)
    return out


def _time_like(r: Resource, col: str) -> bool:
    return next((c.ftype for c in r.cols if c.name == col), "") in {"date", "datetime"}


def _rule_lines(r: Resource, rule: BuiltRule) -> list[str]:
    """Python lines of ``_enforce`` for one rule (``row`` holds database values)."""
    t = r.table
    msg = f"{rule.id}: {rule.description}".replace('"', "'")
    scope_sql = "".join(f" AND {s} = ?" for s in rule.scope)
    scope_params = "".join(f"row[{s!r}], " for s in rule.scope)
    if rule.kind == "unique":
        cols = rule.columns
        where = " AND ".join(f"{c} = ?" for c in cols) + scope_sql
        return [
            f"    if all(row.get(c) is not None for c in {cols!r}):",
            f'        hit = db.execute("SELECT 1 FROM {t} WHERE {where} AND id != ?",',
            f"                         [{''.join(f'row[{c!r}], ' for c in cols)}{scope_params}item_id]).fetchone()",
            "        if hit is not None:",
            f'            raise HTTPException(status_code=409, detail="{msg}")',
        ]
    if rule.kind == "no_overlap":
        start, end = rule.columns
        if _time_like(r, start):
            order = "db.execute('SELECT julianday(?) >= julianday(?)', (row[START], row[END])).fetchone()[0]"
            overlap = f"julianday({start}) < julianday(?) AND julianday({end}) > julianday(?)"
        else:
            order = "row[START] >= row[END]"
            overlap = f"{start} < ? AND {end} > ?"
        order = order.replace("START", repr(start)).replace("END", repr(end))
        return [
            f"    if row.get({start!r}) is not None and row.get({end!r}) is not None:",
            f"        if {order}:",
            f'            raise HTTPException(status_code=409, detail="{msg} ({end} must come after {start})")',
            f'        hit = db.execute("SELECT 1 FROM {t} WHERE {overlap}{scope_sql} AND id != ?",',
            f"                         [row[{end!r}], row[{start!r}], {scope_params}item_id]).fetchone()",
            "        if hit is not None:",
            f'            raise HTTPException(status_code=409, detail="{msg}")',
        ]
    if rule.kind == "one_active":
        f = rule.columns[0]
        vals = rule.values
        marks = ", ".join("?" for _ in vals)
        return [
            f"    if row.get({f!r}) in {vals!r}:",
            f'        hit = db.execute("SELECT 1 FROM {t} WHERE {f} IN ({marks}){scope_sql} AND id != ?",',
            f"                         [*{vals!r}, {scope_params}item_id]).fetchone()",
            "        if hit is not None:",
            f'            raise HTTPException(status_code=409, detail="{msg}")',
        ]
    if rule.kind == "transition":
        f = rule.columns[0]
        pairs = rule.transitions
        targets = {b for _, b in pairs}
        initial = tuple(dict.fromkeys(a for a, _ in pairs if a not in targets)) or tuple(
            dict.fromkeys(a for a, _ in pairs)
        )
        return [
            "    if before is None:",
            f"        if row.get({f!r}) not in {initial!r}:",
            f'            raise HTTPException(status_code=409, detail="{msg} (a new row starts as {" or ".join(initial)})")',
            f"    elif before[{f!r}] != row.get({f!r}) and (before[{f!r}], row.get({f!r})) not in {pairs!r}:",
            f'        raise HTTPException(status_code=409, detail="{msg} (allowed: {", ".join(rule.values)})")',
        ]
    return []


def _enforced(r: Resource) -> list[BuiltRule]:
    return [x for x in r.rules if x.kind in {"unique", "no_overlap", "one_active", "transition"}]


def router_py(r: Resource, ops: set[str], shared_tables: set[str]) -> str:
    cols = [c.name for c in r.body_cols]
    read_where = "" if r.shared else " AND owner_id = ?"
    read_param = "" if r.shared else ", user.id"
    insert_cols = ["owner_id", *cols]
    sort = {s: f"{s} ASC, id ASC" for s in r.sortable}
    sort.update({"-" + s: f"{s} DESC, id DESC" for s in r.sortable})
    refs, links = _refs(r, shared_tables)
    rules = _enforced(r)
    locked = bool(rules or r.capacity)
    cls = r.cls
    L: list[str] = [
        f'"""Routes for {r.table}: exactly the operations of the API specification.',
        "",
        "Rows are "
        + (
            "visible to every signed-in user and changed only by their owner (403)."
            if r.shared
            else "visible only to their owner; other users get 404."
        )
        + '"""',
        "",
        "import sqlite3",
        "from typing import Annotated, Literal",
        "",
        "from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response",
        "",
        "from app.auth import CurrentUser, current_user, require_role",
        "from app.db import get_db, to_db",
        "from app.errors import LIMITER",
        f"from app.models import {cls}, {cls}Create, {cls}Page, {cls}Update",
        "from app.values import INT_MAX, Date, DateTime",
        "",
        "_ = (Literal, Date, DateTime)",
        f'router = APIRouter(prefix="{r.path}", tags=["{r.table}"])',
        "ItemId = Annotated[int, Path(ge=1, le=INT_MAX)]",
        f"SORTS = {sort!r}",
        f"UPDATE_SET = {{{', '.join(f'{c!r}: {c + chr(32) + chr(61) + chr(32) + chr(63)!r}' for c in cols)}}}",
        f'INSERT_SQL = "INSERT INTO {r.table} ({", ".join(insert_cols)}) VALUES ({", ".join("?" for _ in insert_cols)})"',
        f'SELECT_ONE = "SELECT * FROM {r.table} WHERE id = ?{read_where}"',
        f'SELECT_ANY = "SELECT * FROM {r.table} WHERE id = ?"',
        "#: referenced column -> table; a referenced row must be visible to the caller",
        f"REFS = { {k: v[0] for k, v in refs.items()}!r}",
        f"LINKS = { {k: v[0] for k, v in links.items()}!r}",
        "#: table -> (query that finds a row the caller may reference, whether it binds the caller)",
        f"VISIBLE = {_visible_sql(refs, links)!r}",
        f"ROLES = {dict(r.roles)!r}",
        "#: roles that act on every row of an operation, not only their own (see privileged())",
        f"PRIVILEGED = {privileged(r)!r}",
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
        "def _privileged(user: CurrentUser, op: str) -> bool:",
        '    """A role an operation is reserved to acts on every row of it, not only its own."""',
        "    return user.role in PRIVILEGED.get(op, ())",
        "",
        "",
        'def _fetch(db: sqlite3.Connection, item_id: int, user: CurrentUser, op: str = "get") -> sqlite3.Row:',
        "    if _privileged(user, op):",
        "        row = db.execute(SELECT_ANY, (item_id,)).fetchone()",
        "    else:",
        f"        row = db.execute(SELECT_ONE, (item_id{read_param},)).fetchone()",
        "    if row is None:",
        f'        raise HTTPException(status_code=404, detail="{r.title} not found")',
        "    return row",
        "",
        "",
        "def _own(row: sqlite3.Row, user: CurrentUser, op: str) -> None:",
        '    """Changing a row is its owner\'s right (shared rows are visible to others)."""',
        '    if row["owner_id"] != user.id and not _privileged(user, op):',
        f'        raise HTTPException(status_code=403, detail="only the owner may change this {r.title}")',
        "",
        "",
        "def _visible(db: sqlite3.Connection, table: str, row_id: int, user: CurrentUser) -> bool:",
        "    sql, owned = VISIBLE[table]",
        "    params = (row_id, user.id) if owned else (row_id,)",
        "    return db.execute(sql, params).fetchone() is not None",
        "",
        "",
        "def _check_refs(db: sqlite3.Connection, data: dict[str, object], user: CurrentUser) -> None:",
        '    """409 for a reference to a row that does not exist or is another user\'s (a 404',
        '    would read as if the row addressed by the URL were missing)."""',
        "    for column, table in REFS.items():",
        "        value = data.get(column)",
        "        if value is not None and not _visible(db, table, value, user):  # type: ignore[arg-type]",
        '            raise HTTPException(status_code=409, detail=f"{column}: no row {value} you can reference")',
        "    for field, table in LINKS.items():",
        "        for value in data.get(field) or ():  # type: ignore[attr-defined]",
        "            if not _visible(db, table, value, user):",
        '                raise HTTPException(status_code=409, detail=f"{field}: no row {value} you can reference")',
        "",
        "",
        "def _write_lock(db: sqlite3.Connection) -> None:",
        "    if not db.in_transaction:",
        '        db.execute("BEGIN IMMEDIATE")',
        "",
        "",
    ]
    if rules:
        L += [
            "def _enforce(db: sqlite3.Connection, row: dict[str, object], item_id: int, before: dict[str, object] | None) -> None:",
            '    """The requirements\' rules on the row as it would be stored (409 when broken)."""',
        ]
        for rule in rules:
            L += _rule_lines(r, rule)
        L += ["", ""]
    if r.capacity:
        parent_table, fk, cap, qty = r.capacity
        L += [
            "def _check_capacity(db: sqlite3.Connection, parent_id: int, wanted: int, item_id: int = 0) -> None:",
            f'    """Never more {qty} than the capacity (checked inside BEGIN IMMEDIATE)."""',
            f'    parent = db.execute("SELECT {cap} FROM {parent_table} WHERE id = ?", (parent_id,)).fetchone()',
            "    if parent is None:",
            "        return  # the reference check answers an unknown parent",
            f'    taken = db.execute("SELECT TOTAL({qty}) FROM {r.table} WHERE {fk} = ? AND id != ?",',
            "                       (parent_id, item_id)).fetchone()[0]",
            "    if taken + wanted > parent[0]:",
            f'        raise HTTPException(status_code=409, detail=f"only {{max(0, int(parent[0] - taken))}} {qty} left")',
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

    def role_line(op: str) -> list[str]:
        return [f"    require_role(user, ROLES.get({op!r}, ()))"] if r.roles_for(op) else []

    if "create" in ops:
        params = ["user.id"] + [f"to_db(data[{c!r}])" for c in cols]
        L += [
            f'@router.post("", status_code=201, response_model={cls}, operation_id="{r.op_id("create")}")',
            f"def create(body: {cls}Create, db: sqlite3.Connection = Depends(get_db),",
            f"           user: CurrentUser = Depends(current_user)) -> {cls}:",
            *role_line("create"),
            "    _limit(user)",
            "    data = body.model_dump()",
            *(["    _write_lock(db)"] if locked else []),
            "    _check_refs(db, data, user)",
            *(
                [
                    "    _enforce(db, {**{k: to_db(v) for k, v in data.items()}, 'owner_id': user.id}, 0, None)"
                ]
                if rules
                else []
            ),
            *(
                [f"    _check_capacity(db, data[{r.capacity[1]!r}], data[{r.capacity[3]!r}])"]
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
        L += _list_route(r, read_where, role_line("list"))
    if "get" in ops:
        L += [
            f'@router.get("/{{id}}", response_model={cls}, operation_id="{r.op_id("get")}")',
            f"def get(id: ItemId, db: sqlite3.Connection = Depends(get_db), user: CurrentUser = Depends(current_user)) -> {cls}:",
            *role_line("get"),
            "    return _load(db, _fetch(db, id, user))",
            "",
            "",
        ]
    if "update" in ops:
        capacity = r.capacity
        L += [
            f'@router.patch("/{{id}}", response_model={cls}, operation_id="{r.op_id("update")}")',
            f"def update(id: ItemId, body: {cls}Update, db: sqlite3.Connection = Depends(get_db),",
            f"           user: CurrentUser = Depends(current_user)) -> {cls}:",
            *role_line("update"),
            "    _limit(user)",
            "    data = body.model_dump(exclude_unset=True)",
            *(["    _write_lock(db)"] if locked else []),
            '    current = _fetch(db, id, user, "update")',
            '    _own(current, user, "update")',
            "    _check_refs(db, data, user)",
            *(
                [
                    "    before = dict(current)",
                    "    _enforce(db, {**before, **{k: to_db(v) for k, v in data.items()}}, id, before)",
                ]
                if rules
                else []
            ),
            *(
                [
                    f"    if {capacity[1]!r} in data or {capacity[3]!r} in data:",
                    f"        _check_capacity(db, data.get({capacity[1]!r}) or current[{capacity[1]!r}],",
                    f"                        data.get({capacity[3]!r}) or current[{capacity[3]!r}], id)",
                ]
                if capacity
                else []
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
            "def delete(id: ItemId, db: sqlite3.Connection = Depends(get_db), user: CurrentUser = Depends(current_user)) -> Response:",
            *role_line("delete"),
            "    _limit(user)",
            '    _own(_fetch(db, id, user, "delete"), user, "delete")',
            "    try:",
            f'        db.execute("DELETE FROM {r.table} WHERE id = ?", (id,))',
            "    except sqlite3.IntegrityError as exc:",
            '        raise HTTPException(status_code=409, detail="still referenced by other rows") from exc',
            "    db.commit()",
            "    return Response(status_code=204)",
            "",
        ]
    return "\n".join(L).rstrip() + "\n"


def _filter_type(r: Resource, param: str, col: str) -> str:
    if col.startswith("join:"):
        return "Annotated[int | None, Query(ge=1, le=INT_MAX)]"
    c = next(x for x in r.cols if x.name == col)
    if c.ftype in {"reference"}:
        return "Annotated[int | None, Query(ge=1, le=INT_MAX)]"
    if c.ftype == "integer":
        low = int(c.minimum) if c.minimum is not None else -(2**63)
        high = int(c.maximum) if c.maximum is not None else 2**63 - 1
        return f"Annotated[int | None, Query(ge={low}, le={high})]"
    if c.ftype == "enum":
        return "Literal[" + ", ".join(repr(v) for v in c.enum_values) + "] | None"
    if c.ftype == "boolean":
        return "Literal['true', 'false'] | None"
    if c.ftype == "date":
        return "Date | None"
    if c.ftype == "datetime":
        return "DateTime | None"
    if c.ftype == "decimal":
        from featureline.providers.builtin.api_spec import decimal_pattern

        return f"Annotated[str | None, Query(pattern={decimal_pattern(c)!r})]"
    from featureline.providers.builtin.service_models import field_args

    args = field_args(c)
    return f"Annotated[str | None, Query({args})]"


def _list_route(r: Resource, read_where: str, role: list[str]) -> list[str]:
    args = [
        "limit: Annotated[int, Query(ge=1, le=100)] = 20",
        "offset: Annotated[int, Query(ge=0, le=INT_MAX)] = 0",
        'sort: str = "-created_at"',
    ]
    body = ["    clauses: list[str] = []", "    params: list[object] = []"]
    if read_where:
        body += [
            '    if not _privileged(user, "list"):',
            '        clauses.append("owner_id = ?")',
            "        params.append(user.id)",
        ]
    colmap = {c.name: c for c in r.cols}
    for param, col in r.filters:
        args.append(f"{param}: {_filter_type(r, param, col)} = None")
        clause = (
            f"EXISTS (SELECT 1 FROM {col[5:]} j WHERE j.{r.entity}_id = {r.table}.id AND j.{param} = ?)"
            if col.startswith("join:")
            else f"{col} = ?"
        )
        value = param
        if not col.startswith("join:") and colmap[col].ftype == "boolean":
            value = f"int({param} == 'true')"
        body += [
            f"    if {param} is not None:",
            f"        clauses.append({clause!r})",
            f"        params.append(to_db({value}))",
        ]
    if r.search:
        args.append("q: Annotated[str | None, Query(max_length=200)] = None")
        like = " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in r.search)
        body += [
            "    if q:",
            '        pattern = "%" + q.replace("\\\\", "\\\\\\\\").replace("%", "\\\\%").replace("_", "\\\\_") + "%"',
            f"        clauses.append({'(' + like + ')'!r})",
            f"        params.extend([pattern] * {len(r.search)})",
        ]
    if r.overdue:
        due_type = colmap[r.overdue].ftype
        args.append("due_before: Date | None = None")
        compare = f"julianday({r.overdue}) < julianday(?)"
        body += [
            "    if due_before is not None:",
            f"        clauses.append({compare!r})",
            "        params.append(due_before.isoformat())",
        ]
        now = "'now'" if due_type == "datetime" else "'now', 'start of day'"
        overdue_sql = " AND ".join(
            [f"{r.overdue} IS NOT NULL", f"julianday({r.overdue}) < julianday({now})", *r.open_when]
        )
        args.append("overdue: Literal['true', 'false'] | None = None")
        body += [
            "    if overdue == 'true':",
            f"        clauses.append({overdue_sql!r})",
        ]
    body += [
        "    if sort not in SORTS:",
        '        raise HTTPException(status_code=422, detail="sort must be one of " + ", ".join(SORTS))',
        '    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""',
        f'    total = db.execute("SELECT COUNT(*) FROM {r.table}" + where, params).fetchone()[0]',
        f'    rows = db.execute("SELECT * FROM {r.table}" + where + " ORDER BY " + SORTS[sort] + " LIMIT ? OFFSET ?",',
        "                      [*params, limit, offset]).fetchall()",
        f"    return {r.cls}Page(items=[_load(db, row) for row in rows], total=total, limit=limit, offset=offset)",
    ]
    return [
        f'@router.get("", response_model={r.cls}Page, operation_id="{r.op_id("list")}")',
        "def list_items(",
        *[f"    {a}," for a in args],
        "    db: sqlite3.Connection = Depends(get_db),",
        "    user: CurrentUser = Depends(current_user),",
        f") -> {r.cls}Page:",
        *role,
        *body,
        "",
        "",
    ]
