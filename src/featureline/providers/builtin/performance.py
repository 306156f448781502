# ruff: noqa: E501  (this module builds generated source code; template lines are kept whole to stay readable)
"""Step 7: caching, index notes, a seeded load test and honest 'not measured' verdicts.

The load run follows the contract of PerformanceArtifact: the verifier starts the service,
runs ``loadtest_seed.py`` (a load-test user with a fresh token plus the stated data volume,
printed as JSON env vars), then ``python loadtest.py {base_url}`` which prints one
LoadResult JSON object per scenario. The builtin generator never invents measurements.
"""

from __future__ import annotations

from featureline.artifacts.implementation import SourceFile
from featureline.artifacts.performance import (
    CachingStrategy,
    IndexNote,
    NfrVerdict,
    PerformanceArtifact,
)
from featureline.artifacts.requirements import NonFunctionalRequirement, RequirementsArtifact
from featureline.providers.builtin.load_files import LOAD_TEST, SEED
from featureline.providers.builtin.resources import (
    Col,
    Resource,
    build_resources,
    map_requirements,
)
from featureline.providers.builtin.text import title_words

DEFAULT_ROWS = 2000


def _value(c: Col, i: str = "i") -> str:
    """A Python expression (of the row counter ``i``) that is valid for the column."""
    t = c.ftype
    if t == "integer":
        low = int(c.minimum) if c.minimum is not None else 1
        return f"{low} + {i}" if c.unique else str(low)
    if t == "decimal":
        return '"12.50"'
    if t == "boolean":
        return "0"
    if t == "date":
        return '"2020-01-01"'
    if t == "datetime":
        return '"2030-01-01T10:00:00Z"'
    if t == "enum":
        return repr(c.enum_values[0]) if c.enum_values else '"x"'
    if t == "email":
        return f'f"seed-{c.name}-{{{i}}}@example.com"'
    if t == "url":
        return f'f"https://example.com/{c.name}/{{{i}}}"'
    if t == "uuid":
        return f'f"00000000-0000-4000-8000-{{{i}:012d}}"'
    return f'f"{c.name} {{{i}}}"'


class _Seeder:
    """Collects the seed script's parent inserts (one row per referenced table)."""

    def __init__(self, resources: list[Resource]) -> None:
        self.by_table = {r.table: r for r in resources}
        self.made: dict[str, str] = {"users": "user"}
        self.lines: list[str] = []

    def row(self, r: Resource, keep: set[str]) -> tuple[list[str], list[str]]:
        cols: list[str] = []
        exprs: list[str] = []
        for c in r.cols:
            if c.name in {"id", "created_at", "updated_at"}:
                continue
            if c.nullable and c.name not in keep:
                continue
            expr = self.ensure(c.fk_table or "users") if c.ftype == "reference" else _value(c)
            cols.append(c.name)
            exprs.append(expr)
        return cols, exprs

    def ensure(self, table: str) -> str:
        if table in self.made:
            return self.made[table]
        res = self.by_table.get(table)
        if res is None:
            return "user"
        var = f"{res.entity}_id"
        self.made[table] = var
        cols, exprs = self.row(res, set())
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        self.lines.append(f"    {var} = conn.execute({sql!r}, ({', '.join(exprs)},)).lastrowid")
        return var


def load_target(req: RequirementsArtifact, resources: list[Resource]) -> tuple[Resource, int]:
    """The resource whose list endpoint the load run measures, and how many rows it seeds:
    the resource of a stated data volume ("50,000 bookmarks"), else the first resource with
    filters (owned first), else the first resource."""
    for n in req.non_functional:
        if n.unit == "count" and n.category == "scalability":
            word = n.metric.split(" ", 1)[0]
            hit = next((r for r in resources if word in {r.table, r.entity}), None)
            if hit is not None:
                return hit, int(n.target)
    listed = [r for r in resources if r.filters or r.search or r.overdue]
    owned = [r for r in listed if r.owned]
    return (owned or listed or resources)[0], DEFAULT_ROWS


def _filter(r: Resource, seeder: _Seeder) -> tuple[str, str, set[str]]:
    """(query-string expression, what it filters on, nullable columns the bulk rows must
    fill) for the filtered scenario; empty when the list endpoint has no filter."""
    cols = {c.name: c for c in r.cols}
    for param, col in r.filters:
        if col.startswith("join:"):
            return f'"{param}=" + str(link_id)', f"{param} (via {col[5:]})", set()
        c = cols[col]
        if c.ftype == "reference":
            return f'"{param}=" + str({seeder.ensure(c.fk_table or "users")})', param, {col}
        if c.ftype == "boolean":
            return f'"{param}=false"', param, {col}
        if c.ftype in {"enum", "integer", "decimal", "date", "datetime"}:
            return f'"{param}={_value(c, "0").strip(chr(34)).strip(chr(39))}"', param, {col}
        return f'"{param}={c.name}%201"', param, {col}
    if r.search:
        return f'"q={r.search[0]}%201"', f"q (search over {', '.join(r.search)})", set()
    if r.overdue:
        return '"due_before=2031-01-01"', "due_before", {r.overdue}
    return "", "", set()


def seed_script(
    req: RequirementsArtifact, resources: list[Resource], items: tuple[Resource, ...] = ()
) -> tuple[SourceFile, Resource, int, str]:
    """The seed script, the resource it fills, its row count and the filter it enables;
    one row of each of ``items`` is seeded too (its id printed as LOADTEST_ID_<TABLE>)."""
    target, rows = load_target(req, resources)
    seeder = _Seeder(resources)
    item_vars = {r.table: seeder.ensure(r.table) for r in items}
    filter_expr, filter_desc, keep = _filter(target, seeder)
    cols, exprs = seeder.row(target, keep)
    join = next(
        (j for p, col in target.filters for j in target.joins if col == "join:" + j.table), None
    )
    link_lines: list[str] = []
    if join is not None and filter_expr.endswith("link_id)"):
        link_lines.append(f"    link_id = {seeder.ensure(join.right_table)}")
    sql = f"INSERT INTO {target.table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    body = [
        *seeder.lines,
        *link_lines,
        f'    first = conn.execute("SELECT COALESCE(MAX(id), 0) FROM {target.table}").fetchone()[0]',
        "    conn.executemany(",
        f"        {sql!r},",
        f"        (({', '.join(exprs)},) for i in range(ROWS)),",
        "    )",
    ]
    if link_lines and join is not None:
        body += [
            f'    ids = conn.execute("SELECT id FROM {target.table} WHERE id > ? ORDER BY id", (first,)).fetchall()',
            "    conn.executemany(",
            f'        "INSERT INTO {join.table} ({join.left}, {join.right}) VALUES (?, ?)",',
            "        ((row[0], link_id) for row in ids[::10]),",
            "    )",
        ]
    ids = "".join(f', "LOADTEST_ID_{t.upper()}": str({v})' for t, v in item_vars.items())
    env = (
        '{"LOADTEST_BEARER": token, "LOADTEST_ROWS": str(ROWS)'
        + ids
        + (f', "LOADTEST_FILTER": {filter_expr}}}' if filter_expr else "}")
    )
    content = (
        SEED.replace("{ROWS}", str(rows))
        .replace("{TABLE}", target.table)
        .replace("{BODY}", "\n".join(body))
        .replace("{ENV}", env)
    )
    file = SourceFile(
        path="loadtest_seed.py",
        content=content,
        purpose=f"load-test user and {rows} {target.table} rows; prints LOADTEST_BEARER "
        "and LOADTEST_FILTER as JSON",
    )
    return file, target, rows, filter_desc


def build_performance(
    req: RequirementsArtifact, api_key: bool, feedback: tuple[str, ...] = ()
) -> PerformanceArtifact:
    resources = build_resources(req)
    wanted = [
        op
        for n in req.non_functional
        if n.category in {"performance", "scalability"}
        for op in nfr_operations(n, req, resources)[0]
    ]
    items = tuple(
        r for r in resources if f"GET {r.path}/{{id}}" in wanted and not r.roles_for("get")
    )
    seed, target, rows, filter_desc = seed_script(req, resources, items)
    item_scenarios = [
        (f"get_{r.entity}", f"{r.path}/{{id}}", f"LOADTEST_ID_{r.table.upper()}") for r in items
    ] + [
        (f"list_{r.table}", r.path, "")
        for r in resources
        if f"GET {r.path}" in wanted and r.table != target.table and not r.roles_for("list")
    ]
    indexing = []
    for r in resources:
        owner = "owner_id = ? " if r.owned else ""
        ix = f"ix_{r.table}_owner_id_created_at" if r.owned else f"ix_{r.table}_created_at"
        where = f"WHERE {owner}" if owner else ""
        indexing.append(
            IndexNote(
                table=r.table,
                index=ix,
                serves=f"GET {r.path}",
                query=f"SELECT * FROM {r.table} {where}ORDER BY created_at DESC LIMIT ? OFFSET ?",
            )
        )
        for param, col in r.filters:
            if col.startswith("join:"):
                table = col[5:]
                indexing.append(
                    IndexNote(
                        table=table,
                        index=f"ix_{table}_{param}",
                        serves=f"GET {r.path}?{param}=",
                        query=f"EXISTS (SELECT 1 FROM {table} WHERE "
                        f"{r.entity}_id = ? AND {param} = ?)",
                    )
                )
            else:
                indexing.append(
                    IndexNote(
                        table=r.table,
                        index=f"ix_{r.table}_{col}",
                        serves=f"GET {r.path}?{param}=",
                        query=f"SELECT * FROM {r.table} WHERE {col} = ? ORDER BY created_at DESC",
                    )
                )
        if r.overdue:
            indexing.append(
                IndexNote(
                    table=r.table,
                    index=f"ix_{r.table}_{r.overdue}",
                    serves=f"GET {r.path}?due_before=",
                    query=f"SELECT * FROM {r.table} WHERE {r.overdue} < ?",
                )
            )
    caching = [
        CachingStrategy(
            target=f"GET {r.path}/{{id}}",
            strategy="ETag + Cache-Control: private, max-age=0 "
            "(revalidate); an in-process cache is not used so replicas stay consistent",
            ttl_seconds=None,
            invalidation="ETag changes with updated_at",
        )
        for r in resources[:3]
    ]
    caching.append(
        CachingStrategy(
            target="credential lookup",
            strategy="LRU cache of token hash -> user id",
            ttl_seconds=60,
            invalidation="expire after 60 s; revoke by rotating the token",
        )
    )
    scenarios = f"GET {target.path}?limit=20" + (
        f" and GET {target.path} filtered by {filter_desc}" if filter_desc else ""
    )
    measured = [f"GET {target.path}", *(f"GET {t}" for _, t, _ in item_scenarios)]
    if item_scenarios:
        scenarios += " and " + ", ".join(f"GET {t}" for _, t, _ in item_scenarios)
    verdicts = [
        _verdict(n, req, resources, target, scenarios, rows, measured)
        for n in req.non_functional
        if n.category in {"performance", "scalability"}
    ]
    header = '{"X-API-Key": token}' if api_key else '{"Authorization": "Bearer " + token}'
    recs = [
        f"The load run seeds {rows} {target.table} rows for one user and measures {scenarios} "
        "sequentially on one connection; repeat it with production-like volumes and "
        "concurrency before release.",
        "Use PostgreSQL (migrations/postgresql.sql) behind "
        "a connection pool for more than one worker.",
        "Search with LIKE '%...%' scans rows; add pg_trgm "
        "GIN indexes in PostgreSQL if search is slow.",
    ]
    uncovered = [
        n
        for n in req.non_functional
        if n.category in {"performance", "scalability"}
        and "list" not in n.metric
        and not n.metric.startswith(target.table)
    ]
    recs += [
        f"{n.id} ({n.metric}) is not exercised by this load run, which measures {target.path}; "
        "add a scenario for it."
        for n in uncovered
    ]
    recs += [f"Feedback recorded by the builtin generator: {c}" for c in feedback]
    return PerformanceArtifact(
        caching=caching,
        indexing=indexing,
        load_test_script=SourceFile(
            path="loadtest.py",
            content=LOAD_TEST.replace("{HEADERS}", header)
            .replace("{PATH}", target.path)
            .replace("{ITEMS}", repr(item_scenarios)),
            purpose=f"p50/p95/throughput of {scenarios}; one LoadResult JSON line per scenario",
        ),
        load_test_command="python loadtest.py {base_url} --requests 200",
        seed_script=seed,
        results=[],
        verdicts=verdicts,
        recommendations=recs,
    )


def nfr_operations(
    n: NonFunctionalRequirement, req: RequirementsArtifact, resources: list[Resource]
) -> tuple[list[str], str]:
    """The operations a target is about, and why it cannot be measured ('' when it can).

    With ``requirement_ids`` the target is about those FRs' endpoints; a deferred or
    unmapped FR has no endpoint to measure. Without them, a metric that names an
    operation the service does not have (e.g. "the redirect path") is not measured on
    some other endpoint instead."""
    mapping = map_requirements(req, resources)
    by_entity = {r.entity: r for r in resources}
    if n.requirement_ids:
        ops: list[str] = []
        for fid in n.requirement_ids:
            fr = next((f for f in req.functional if f.id == fid), None)
            if fr is None or fr.status != "planned" or not mapping.get(fid):
                return (
                    [],
                    f"{fid} is not built by the generated service, so its operation cannot be measured",
                )
            for entity, op in mapping[fid]:
                method, path = by_entity[entity].endpoint(op)
                ops.append(f"{method} {path}")
        return list(dict.fromkeys(ops)), ""
    metric = n.metric.lower()
    known = {"list", "lists", "endpoints", "service", "api", "health", "user", "per", "while"}
    for r in resources:
        known |= {r.entity, r.table, title_words(r.entity), title_words(r.table)}
    words = set(metric.replace("/", " ").split())
    if not any(w in known for w in words) or ("path" in words and "list" not in words):
        return (
            [],
            f"the metric ({n.metric}) names an operation the generated service does not build",
        )
    return [], ""


def _verdict(
    n: NonFunctionalRequirement,
    req: RequirementsArtifact,
    resources: list[Resource],
    target: Resource,
    scenarios: str,
    rows: int,
    measured_ops: list[str],
) -> NfrVerdict:
    ops, why_not = nfr_operations(n, req, resources)
    if why_not:
        return NfrVerdict(
            nfr_id=n.id,
            target=f"{n.comparator} {n.target:g} {n.unit}",
            measured="",
            verdict="not_measured",
            evidence=why_not,
            operations=[],
        )
    if ops and not set(ops) <= set(measured_ops):
        return NfrVerdict(
            nfr_id=n.id,
            target=f"{n.comparator} {n.target:g} {n.unit}",
            measured="",
            verdict="not_measured",
            evidence=f"the target is about {', '.join(ops)}; the load run measures "
            f"{', '.join(measured_ops)} only, so this target is not measured",
            operations=[],
        )
    return NfrVerdict(
        nfr_id=n.id,
        target=f"{n.comparator} {n.target:g} {n.unit}",
        measured="",
        verdict="not_measured",
        evidence="the builtin generator does not invent numbers: featureline's verifier "
        f"measures this by running load_test_command ({scenarios}, {rows} seeded "
        f"{target.table} rows) against the service in the sandbox",
        operations=ops or measured_ops[:1],
    )
