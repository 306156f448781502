"""Schema checks: the SQLite DDL executes, and foreign keys point at real columns."""

from __future__ import annotations

import sqlite3

from featureline.artifacts import SchemaArtifact
from featureline.checks.base import CheckContext, Finding, check


@check("schema", "schema.sqlite_executes")
def sqlite_ddl_executes(artifact: SchemaArtifact, context: CheckContext) -> list[Finding]:
    ddl = artifact.ddl_for("sqlite")
    if ddl is None:
        return [
            Finding(
                check="schema.sqlite_executes",
                severity="error",
                location="ddl",
                message="no sqlite DDL",
            )
        ]
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.executescript(ddl)
    except sqlite3.Error as exc:
        return [
            Finding(
                check="schema.sqlite_executes",
                severity="error",
                location="ddl[sqlite]",
                message=f"SQLite rejects the DDL: {exc}",
            )
        ]
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
            if ref is None:
                continue
            if ref.table not in columns or ref.column not in columns[ref.table]:
                findings.append(
                    Finding(
                        check="schema.foreign_keys",
                        severity="error",
                        location=f"{table.name}.{column.name}",
                        message=f"references {ref.table}.{ref.column}, which does not exist",
                    )
                )
    return findings
