"""DDL read without a database: sqlglot parses it in its dialect and transpiles it to
SQLite, so PostgreSQL DDL is still checked when no PostgreSQL server answers.

Static reading is weaker than executing: sqlglot accepts some input PostgreSQL would
reject, so callers say that the DDL was checked statically, never that it ran.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

SQLGLOT_DIALECTS = {"postgresql": "postgres", "sqlite": "sqlite", "mysql": "mysql"}


class DdlParseError(ValueError):
    """sqlglot could not parse the DDL in its dialect."""


@dataclass(frozen=True)
class StaticDdl:
    """What a DDL script creates, as read by sqlglot."""

    tables: dict[str, tuple[str, ...]]
    """table -> its columns, for every CREATE TABLE."""
    statements: int


def parse_ddl(ddl: str, dialect: str) -> StaticDdl:
    """The tables and columns ``ddl`` creates; DdlParseError with sqlglot's first message."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    try:
        statements = [s for s in sqlglot.parse(ddl, read=SQLGLOT_DIALECTS[dialect]) if s]
    except ParseError as exc:
        raise DdlParseError(str(exc).splitlines()[0][:200]) from exc
    tables: dict[str, tuple[str, ...]] = {}
    for statement in statements:
        if not isinstance(statement, exp.Create) or str(statement.args.get("kind")) != "TABLE":
            continue
        schema = statement.this
        if not isinstance(schema, exp.Schema):  # CREATE TABLE ... AS SELECT: no column list
            continue
        columns = tuple(c.name for c in schema.expressions if isinstance(c, exp.ColumnDef))
        tables[schema.this.name] = columns
    return StaticDdl(tables=tables, statements=len(statements))


def transpiled_sqlite_error(ddl: str, dialect: str) -> str | None:
    """Transpile the CREATE TABLE statements of ``ddl`` to SQLite and execute them in
    memory; the error, or ``None``. Other statements (indexes, types) are left out: their
    transpilation is not faithful enough to judge by (``NULLS LAST`` in an index...)."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        statements = [
            s.sql(dialect="sqlite")
            for s in sqlglot.parse(ddl, read=SQLGLOT_DIALECTS[dialect])
            if isinstance(s, exp.Create) and str(s.args.get("kind")) == "TABLE"
        ]
    except SqlglotError as exc:
        return f"cannot be transpiled to SQLite: {str(exc).splitlines()[0][:160]}"
    connection = sqlite3.connect(":memory:")
    try:
        connection.executescript(";\n".join(statements))
    except sqlite3.Error as exc:
        return f"its SQLite transpilation fails: {exc}"
    finally:
        connection.close()
    return None


__all__ = ["DdlParseError", "StaticDdl", "parse_ddl", "transpiled_sqlite_error"]
