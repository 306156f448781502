"""Fields named by SQL keywords ("a start and an end", "a group", "a limit", "from/until")
become columns both SQLite and PostgreSQL accept; the schema gate once stopped every such
request with a syntax error."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from featureline.providers.builtin.requirements import build_requirements
from featureline.providers.builtin.understanding.columns import SQL_KEYWORDS, column_safe
from featureline.request import parse_request
from tests.clihelpers import invoke

EVENTS = "Clubs keep events with a title, a start, an end, a group and a limit."


def test_keyword_fields_get_a_suffix_and_keep_their_words() -> None:
    req = build_requirements(parse_request(EVENTS))
    [event] = req.entities
    names = {f.name: f for f in event.fields}
    assert {"end_time", "group_name", "limit_value"} <= set(names), sorted(names)
    assert not set(names) & SQL_KEYWORDS
    assert "end" in names["end_time"].description


def test_a_request_with_keyword_fields_passes_the_schema_gate() -> None:
    code, output = invoke("run", EVENTS, "--gates", "auto", "--no-verify")
    assert code == 0, output
    assert "approved  schema" in output


@pytest.mark.parametrize("type_", ["string", "datetime", "integer"])
def test_every_renamed_keyword_is_a_column_both_engines_accept(type_: str, pg_url: str) -> None:
    with sqlite3.connect(":memory:") as lite, psycopg.connect(pg_url, autocommit=True) as pg:
        for word in sorted(SQL_KEYWORDS):
            column = column_safe(word, type_)
            ddl = f"CREATE TEMP TABLE kw (id INTEGER, {column} TEXT)"
            query = f"SELECT {column} FROM kw WHERE {column} = 'x' ORDER BY {column}"
            for engine in (lite, pg):
                engine.execute(ddl)
                engine.execute(query)
                engine.execute("DROP TABLE kw")
