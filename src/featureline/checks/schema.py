"""Schema checks: the DDL executes on SQLite and PostgreSQL, describes the tables it claims,
its foreign keys resolve and are indexed, and every entity has a table."""

from __future__ import annotations

import sqlite3

from featureline.artifacts import RequirementsArtifact, SchemaArtifact
from featureline.checks.base import CheckContext, Finding, check, finding, not_compared
from featureline.checks.databases import postgres_execute, postgres_url, sqlite_introspect
from featureline.checks.naming import same_thing
from featureline.checks.sqlstatic import DdlParseError, parse_ddl, transpiled_sqlite_error


@check("schema", "schema.sqlite_executes")
def sqlite_ddl_executes(artifact: SchemaArtifact, context: CheckContext) -> list[Finding]:
    """The SQLite DDL runs, and creates exactly the tables and columns the artifact lists."""
    name = "schema.sqlite_executes"
    ddl = artifact.ddl_for("sqlite")
    if ddl is None:
        return [finding(name, "ddl", "no sqlite DDL")]
    try:
        created = sqlite_introspect(ddl)
    except sqlite3.Error as exc:
        return [finding(name, "ddl[sqlite]", f"SQLite rejects the DDL: {exc}")]
    findings: list[Finding] = []
    for table in artifact.tables:
        real = created.get(table.name)
        if real is None:
            findings.append(
                finding(name, table.name, "table is listed but the DDL does not create it")
            )
            continue
        missing = [c.name for c in table.columns if c.name not in real.columns]
        if missing:
            findings.append(finding(name, table.name, f"DDL lacks column(s) {', '.join(missing)}"))
    listed = {t.name for t in artifact.tables}
    for extra in sorted(set(created) - listed):
        findings.append(
            finding(name, extra, "the DDL creates a table the artifact does not list", "warning")
        )
    return findings


@check("schema", "schema.postgres_executes")
def postgres_ddl_executes(artifact: SchemaArtifact, context: CheckContext) -> list[Finding]:
    """PostgreSQL is the production target: its DDL must run there, never a silent pass."""
    name = "schema.postgres_executes"
    ddl = artifact.ddl_for("postgresql")
    if ddl is None:
        return [finding(name, "ddl", "no postgresql DDL")]
    try:
        error = postgres_execute(ddl)
    except ConnectionError as exc:
        return static_postgres_findings(
            artifact,
            ddl,
            f"no server reachable at {postgres_url()} ({exc}); set FEATURELINE_PG_URL",
        )
    if error:
        return [finding(name, "ddl[postgresql]", f"PostgreSQL rejects the DDL: {error}")]
    return []


def static_postgres_findings(artifact: SchemaArtifact, ddl: str, why: str) -> list[Finding]:
    """PostgreSQL DDL checked without a server: sqlglot parses it as PostgreSQL, the tables
    and columns it creates are the artifact's, and its SQLite transpilation executes. A
    warning always says that it was checked statically, not executed."""
    name = "schema.postgres_executes"
    where = "ddl[postgresql]"
    try:
        parsed = parse_ddl(ddl, "postgresql")
    except DdlParseError as exc:
        return [finding(name, where, f"the PostgreSQL DDL does not parse (sqlglot): {exc}")]
    findings: list[Finding] = []
    for table in artifact.tables:
        columns = parsed.tables.get(table.name)
        if columns is None:
            findings.append(finding(name, table.name, "the PostgreSQL DDL does not create it"))
            continue
        missing = [c.name for c in table.columns if c.name not in columns]
        if missing:
            findings.append(
                finding(name, table.name, f"PostgreSQL DDL lacks column(s) {', '.join(missing)}")
            )
    transpiled = transpiled_sqlite_error(ddl, "postgresql")
    checked = (
        f"parses as PostgreSQL ({parsed.statements} statements, {len(parsed.tables)} tables) "
        "and creates the listed tables and columns"
    )
    if transpiled is None:
        checked += "; its SQLite transpilation executes"
    else:
        findings.append(finding(name, where, f"transpiled to SQLite, {transpiled}", "warning"))
    findings.append(
        finding(
            name,
            where,
            f"not executed on PostgreSQL ({why}); checked statically with sqlglot: {checked}",
            "warning",
        )
    )
    return findings


@check("schema", "schema.migrations")
def migrations_round_trip(artifact: SchemaArtifact, context: CheckContext) -> list[Finding]:
    """On SQLite: up creates the schema, down removes every table, up works again."""
    name = "schema.migrations"
    ups = [m for m in artifact.migrations if m.dialect == "sqlite"]
    if not ups:
        return [finding(name, "migrations", "no sqlite migration")]
    connection = sqlite3.connect(":memory:")
    try:
        for migration in ups:
            connection.executescript(migration.up)
        for migration in reversed(ups):
            connection.executescript(migration.down)
        left = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        if left:
            return [
                finding(name, "migrations", f"down migrations leave table(s) {', '.join(left)}")
            ]
        for migration in ups:
            connection.executescript(migration.up)
    except sqlite3.Error as exc:
        return [finding(name, "migrations", f"migration fails on SQLite: {exc}")]
    finally:
        connection.close()
    return []


@check("schema", "schema.foreign_keys")
def foreign_keys_resolve(artifact: SchemaArtifact, context: CheckContext) -> list[Finding]:
    columns = {t.name: {c.name for c in t.columns} for t in artifact.tables}
    findings: list[Finding] = []
    for table in artifact.tables:
        for column in table.columns:
            ref = column.references
            if ref is not None and (
                ref.table not in columns or ref.column not in columns[ref.table]
            ):
                findings.append(
                    finding(
                        "schema.foreign_keys",
                        f"{table.name}.{column.name}",
                        f"references {ref.table}.{ref.column}, which does not exist",
                    )
                )
    return findings


@check("schema", "schema.foreign_keys_indexed")
def foreign_keys_indexed(artifact: SchemaArtifact, context: CheckContext) -> list[Finding]:
    """Every FK column leads some index (or the primary key): joins and cascades stay fast."""
    findings: list[Finding] = []
    for table in artifact.tables:
        leading = {index.columns[0] for index in table.indexes if index.columns}
        pk = [c.name for c in table.columns if c.primary_key]
        if pk:
            leading.add(pk[0])
        leading.update(c.name for c in table.columns if c.unique)
        for constraint in table.constraints:
            if constraint.kind == "unique":
                leading.add(constraint.expression.split(",")[0].strip())
        for column in table.columns:
            if column.references is not None and column.name not in leading:
                findings.append(
                    finding(
                        "schema.foreign_keys_indexed",
                        f"{table.name}.{column.name}",
                        "foreign key column is not the leading column of any index",
                    )
                )
    return findings


@check("schema", "schema.entities_have_tables")
def entities_have_tables(artifact: SchemaArtifact, context: CheckContext) -> list[Finding]:
    requirements = context.find(RequirementsArtifact)
    if requirements is None:
        return not_compared(
            "schema.entities_have_tables", "tables", "requirements", "entity coverage"
        )
    findings: list[Finding] = []
    for entity in requirements.entities:
        if not any(
            t.entity == entity.name or same_thing(t.name, entity.name) for t in artifact.tables
        ):
            findings.append(
                finding("schema.entities_have_tables", entity.name, "entity has no table")
            )
    return findings
