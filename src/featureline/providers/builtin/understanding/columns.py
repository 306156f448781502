"""Field names that are SQL keywords get a suffix, so "a start and an end" or "a group and
a limit" make tables SQLite and PostgreSQL both create.

The generated service writes column names bare in its SQL, as people do; a field named
``end``, ``from``, ``order`` or ``group`` is a syntax error in one dialect or both. The
renamed field keeps the request's words as its description and source.
"""

from __future__ import annotations

from dataclasses import replace

from featureline.providers.builtin.understanding.model import Domain

#: words SQLite or PostgreSQL reject as a bare column name in CREATE TABLE, SELECT ... WHERE
#: ... ORDER BY, INSERT or UPDATE (each tried against both engines)
SQL_KEYWORDS = frozenset(
    """add all alter analyze and any array as asc autoincrement between both case cast check
    collate column commit constraint create cross current_date current_time
    current_timestamp current_user default deferrable delete desc distinct do drop else end
    escape except exists false fetch for foreign from full group having in index initially
    inner insert intersect into is isnull join lateral leading left like limit natural not
    nothing notnull null offset on only or order outer primary raise references returning
    right select session_user set some table then to trailing transaction true union unique
    update user using values variadic when where window with""".split()  # noqa: SIM905
)

SUFFIX = {"datetime": "time", "date": "date", "string": "name", "text": "text", "enum": "kind"}


def column_safe(name: str, type_: str) -> str:
    """``name``, or ``name_<suffix>`` when it is an SQL keyword ('end' -> 'end_time')."""
    if name not in SQL_KEYWORDS:
        return name
    return f"{name}_{SUFFIX.get(type_, 'value')}"


def rename_keyword_fields(domain: Domain) -> None:
    """Rename every non-reference field named by an SQL keyword, and every mention of it
    in the entity's rules and listing."""
    for ent in domain.entities.values():
        renamed = {
            f.name: column_safe(f.name, f.type)
            for f in ent.fields
            if f.type != "reference" and column_safe(f.name, f.type) != f.name
        }
        if not renamed:
            continue
        ent.fields = [replace(f, name=renamed.get(f.name, f.name)) for f in ent.fields]
        for rule in domain.rules:
            if rule.entity == ent.name:
                rule.fields = [renamed.get(n, n) for n in rule.fields]
                rule.scope = [renamed.get(n, n) for n in rule.scope]
        listing = domain.listings.get(ent.name)
        if listing is not None:
            listing.filters = [renamed.get(n, n) for n in listing.filters]
            listing.search = [renamed.get(n, n) for n in listing.search]
            listing.sorts = [(renamed.get(n, n), d, s) for n, d, s in listing.sorts]
