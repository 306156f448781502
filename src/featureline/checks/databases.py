"""The databases the schema checks execute DDL on: in-memory SQLite, and PostgreSQL inside
a transaction that is always rolled back (in a throwaway schema, so concurrent checks of
different runs never collide)."""

from __future__ import annotations

import os
import secrets
import sqlite3
from dataclasses import dataclass

PG_URL_ENV = "FEATURELINE_PG_URL"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class SqliteTable:
    name: str
    columns: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...]  # (column, ref table, ref column)
    indexed_leading: frozenset[str]  # first columns of every index, PK and unique constraint


def sqlite_introspect(ddl: str) -> dict[str, SqliteTable]:
    """Execute DDL on a fresh in-memory database and read back what it created.
    Raises sqlite3.Error when SQLite rejects the DDL."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.executescript(ddl)
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        tables: dict[str, SqliteTable] = {}
        for name in names:
            quoted = name.replace('"', '""')
            info = connection.execute(f'PRAGMA table_info("{quoted}")').fetchall()
            columns = tuple(row[1] for row in info)
            leading = {row[1] for row in info if row[5] == 1}  # first pk column
            for index in connection.execute(f'PRAGMA index_list("{quoted}")').fetchall():
                index_name = str(index[1]).replace('"', '""')
                cols = connection.execute(f'PRAGMA index_info("{index_name}")').fetchall()
                if cols:
                    leading.add(sorted(cols)[0][2])
            fks = tuple(
                (row[3], row[2], row[4] or "")
                for row in connection.execute(f'PRAGMA foreign_key_list("{quoted}")').fetchall()
            )
            tables[name] = SqliteTable(name, columns, fks, frozenset(leading))
        return tables
    finally:
        connection.close()


def postgres_url() -> str:
    return os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL


def postgres_execute(ddl: str) -> str | None:
    """Run DDL on PostgreSQL and roll back. Returns None on success, the server's error
    message when PostgreSQL rejects it; raises ConnectionError when no server answers."""
    import psycopg

    url = postgres_url()
    try:
        connection = psycopg.connect(url, connect_timeout=3)
    except psycopg.OperationalError as exc:
        raise ConnectionError(
            str(exc).strip().splitlines()[0] if str(exc).strip() else url
        ) from exc
    schema = f"featureline_check_{secrets.token_hex(4)}"
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {schema}")
            cursor.execute(f"SET LOCAL search_path TO {schema}")
            try:
                cursor.execute(ddl.encode("utf-8"))
            except psycopg.Error as exc:
                diag = getattr(exc, "diag", None)
                message = getattr(diag, "message_primary", None) or str(exc).splitlines()[0]
                return str(message)
        return None
    finally:
        connection.rollback()
        connection.close()
