"""Step 3: resources -> tables, DDL for SQLite and PostgreSQL, migrations, ER diagram."""

from __future__ import annotations

from featureline.artifacts.requirements import RequirementsArtifact
from featureline.artifacts.schema import (
    Column,
    Constraint,
    DialectDDL,
    ForeignKey,
    Index,
    Migration,
    SchemaArtifact,
    Table,
)
from featureline.providers.builtin.resources import Col, Resource, build_resources
from featureline.providers.builtin.rules import all_roles, default_role

SQLITE_TYPES = {
    "bigint": "INTEGER",
    "integer": "INTEGER",
    "text": "TEXT",
    "boolean": "INTEGER",
    "date": "TEXT",
    "timestamp": "TEXT",
    "uuid": "TEXT",
    "decimal(12,2)": "TEXT",
}
PG_TYPES = {
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "text": "TEXT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMPTZ",
    "uuid": "UUID",
    "decimal(12,2)": "NUMERIC(12,2)",
}


def users_table(roles: list[str]) -> Table:
    """The actor table every owned or referenced row points at; tokens stored hashed."""
    return Table(
        name="users",
        description="people and API clients that call the service",
        entity=None,
        columns=[
            Column(name="id", type="bigint", primary_key=True, description="primary key"),
            Column(name="email", type="varchar(320)", unique=True, description="login email"),
            Column(name="display_name", type="varchar(200)", description="shown to other users"),
            Column(
                name="role",
                type="varchar(32)",
                default=roles[0],
                description="one of " + ", ".join(roles),
            ),
            Column(
                name="token_hash",
                type="varchar(64)",
                unique=True,
                description="sha256 of the bearer token / API key; "
                "the token itself is never stored",
            ),
            Column(name="created_at", type="timestamp", description="creation time"),
        ],
        constraints=[
            Constraint(
                name="ck_users_role",
                kind="check",
                expression="role IN (" + ", ".join(f"'{r}'" for r in roles) + ")",
            )
        ],
    )


def _checks(res: Resource, requirement_ids: dict[str, str]) -> list[Constraint]:
    out = []
    src = requirement_ids.get(res.entity, "")
    for c in res.cols:
        if c.enum_values:
            vals = ", ".join(f"'{v}'" for v in c.enum_values)
            out.append(
                Constraint(
                    name=f"ck_{res.table}_{c.name}",
                    kind="check",
                    expression=f"{c.name} IN ({vals})",
                    source=src,
                )
            )
        if c.minimum is not None and c.maximum is not None:
            out.append(
                Constraint(
                    name=f"ck_{res.table}_{c.name}_range",
                    kind="check",
                    expression=f"{c.name} BETWEEN {c.minimum:g} AND {c.maximum:g}",
                    source=src,
                )
            )
        elif c.minimum is not None:
            out.append(
                Constraint(
                    name=f"ck_{res.table}_{c.name}_min",
                    kind="check",
                    expression=f"{c.name} >= {c.minimum:g}",
                    source=src,
                )
            )
    return out


def _indexes(res: Resource) -> list[Index]:
    out: list[Index] = []
    if res.owned:
        out.append(
            Index(
                name=f"ix_{res.table}_owner_id_created_at",
                columns=["owner_id", "created_at"],
                reason="per-owner list, newest first; also serves the owner_id foreign key",
            )
        )
    else:
        out.append(
            Index(
                name=f"ix_{res.table}_created_at",
                columns=["created_at"],
                reason="default sort (newest first)",
            )
        )
    filtered = {col for _, col in res.filters if not col.startswith("join:")}
    for c in res.cols:
        if c.name == "owner_id" and res.owned:
            continue
        if c.fk_table or c.name in filtered or c.name == res.overdue:
            reason = "foreign key" if c.fk_table else "list filter"
            if c.name in filtered and c.fk_table:
                reason = "foreign key and list filter"
            out.append(Index(name=f"ix_{res.table}_{c.name}", columns=[c.name], reason=reason))
    return out


def build_tables(req: RequirementsArtifact) -> list[Table]:
    resources = build_resources(req)
    ids = {}
    for fr in req.functional:
        for r in resources:
            if fr.title == f"Create {r.title}":
                ids[r.entity] = fr.id
    low = default_role(req)
    tables = [users_table([low, *(r for r in all_roles(req) if r != low)])]
    for res in resources:
        tables.append(
            Table(
                name=res.table,
                description=f"one row per {res.title}",
                entity=res.entity,
                columns=[_column(c) for c in res.cols],
                indexes=_indexes(res),
                constraints=_checks(res, ids),
            )
        )
    for res in resources:
        for j in res.joins:
            tables.append(
                Table(
                    name=j.table,
                    description=f"links {res.table} to {j.right_table}",
                    entity=None,
                    columns=[
                        Column(
                            name=j.left,
                            type="bigint",
                            primary_key=True,
                            references=ForeignKey(
                                table=res.table, column="id", on_delete="cascade"
                            ),
                        ),
                        Column(
                            name=j.right,
                            type="bigint",
                            primary_key=True,
                            references=ForeignKey(
                                table=j.right_table, column="id", on_delete="cascade"
                            ),
                        ),
                    ],
                    indexes=[
                        Index(
                            name=f"ix_{j.table}_{j.right}",
                            columns=[j.right],
                            reason="foreign key; filter by the linked row",
                        )
                    ],
                )
            )
    return tables


def _column(c: Col) -> Column:
    return Column(
        name=c.name,
        type=c.logical,
        nullable=c.nullable,
        primary_key=c.name == "id",
        unique=c.unique,
        default=c.default,
        references=ForeignKey.model_validate(
            {"table": c.fk_table, "column": "id", "on_delete": c.on_delete}
        )
        if c.fk_table
        else None,
        description=c.description,
    )


def _sql_type(logical: str, dialect: str) -> str:
    if logical.startswith("varchar"):
        return "TEXT" if dialect == "sqlite" else logical.upper()
    return (SQLITE_TYPES if dialect == "sqlite" else PG_TYPES)[logical]


def _default(col: Column, dialect: str) -> str:
    if col.name == "created_at" or col.name == "updated_at":
        return (
            " DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
            if dialect == "sqlite"
            else " DEFAULT now()"
        )
    if col.default is None:
        return ""
    if col.type == "boolean":
        return " DEFAULT " + ("0" if dialect == "sqlite" else "FALSE")
    return f" DEFAULT '{col.default}'"


def render_ddl(tables: list[Table], dialect: str) -> str:
    """CREATE TABLE / CREATE INDEX statements, referenced tables first."""
    stmts = []
    for t in tables:
        lines = []
        pk = [c.name for c in t.columns if c.primary_key]
        for c in t.columns:
            if c.primary_key and len(pk) == 1:
                kind = (
                    "INTEGER PRIMARY KEY AUTOINCREMENT"
                    if dialect == "sqlite"
                    else "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                )
                lines.append(f"    {c.name} {kind}")
                continue
            line = f"    {c.name} {_sql_type(c.type, dialect)}"
            line += "" if c.nullable else " NOT NULL"
            line += " UNIQUE" if c.unique else ""
            line += _default(c, dialect)
            if c.references:
                line += f" REFERENCES {c.references.table} ({c.references.column})"
                line += f" ON DELETE {c.references.on_delete.upper()}"
            lines.append(line)
        for c in t.columns:
            if c.type == "boolean" and dialect == "sqlite":
                lines.append(f"    CONSTRAINT ck_{t.name}_{c.name}_bool CHECK ({c.name} IN (0, 1))")
        if len(pk) > 1:
            lines.append(f"    PRIMARY KEY ({', '.join(pk)})")
        for k in t.constraints:
            expr = k.expression
            col = next((c for c in t.columns if expr.startswith(c.name + " ")), None)
            if dialect == "sqlite" and col is not None and col.type.startswith("decimal"):
                expr = f"CAST({col.name} AS NUMERIC)" + expr[len(col.name) :]
            lines.append(
                f"    CONSTRAINT {k.name} CHECK ({expr})"
                if k.kind == "check"
                else f"    CONSTRAINT {k.name} UNIQUE ({expr})"
            )
        stmts.append(f"CREATE TABLE {t.name} (\n" + ",\n".join(lines) + "\n);")
        for ix in t.indexes:
            unique = "UNIQUE " if ix.unique else ""
            stmts.append(f"CREATE {unique}INDEX {ix.name} ON {t.name} ({', '.join(ix.columns)});")
    return "\n".join(stmts) + "\n"


def render_down(tables: list[Table]) -> str:
    return "\n".join(f"DROP TABLE IF EXISTS {t.name};" for t in reversed(tables)) + "\n"


def er_diagram(tables: list[Table]) -> str:
    lines = ["erDiagram"]
    for t in tables:
        for c in t.columns:
            if c.references:
                lines.append(f'    {c.references.table} ||--o{{ {t.name} : "{c.name}"')
    for t in tables:
        lines.append(f"    {t.name} {{")
        for c in t.columns:
            key = (
                " PK" if c.primary_key else (" FK" if c.references else (" UK" if c.unique else ""))
            )
            lines.append(f"        {c.type.split('(')[0]} {c.name}{key}")
        lines.append("    }")
    return "\n".join(lines)


def build_schema(req: RequirementsArtifact, feedback: tuple[str, ...] = ()) -> SchemaArtifact:
    tables = build_tables(req)
    ddl = [DialectDDL(dialect=d, sql=render_ddl(tables, d)) for d in ("sqlite", "postgresql")]
    migrations = [
        Migration(
            id="0001_initial",
            description="create all tables and indexes",
            dialect=d.dialect,
            up=d.sql,
            down=render_down(tables),
        )
        for d in ddl
    ]
    notes = [
        "Money columns are NUMERIC(12,2) in PostgreSQL and exact decimal strings (TEXT) in SQLite, "
        "never floating point.",
        "Every foreign key has an index; list filters "
        "and the default newest-first sort are indexed.",
        "Timestamps are TIMESTAMPTZ in PostgreSQL and ISO 8601 UTC text in SQLite.",
        "Generated by featureline's deterministic builtin generator, not a language model.",
    ]
    notes += [f"Feedback recorded (the generator cannot re-reason about it): {c}" for c in feedback]
    return SchemaArtifact(
        tables=tables, ddl=ddl, migrations=migrations, er_diagram=er_diagram(tables), notes=notes
    )
