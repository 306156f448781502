"""Requirements rules -> what the generated service enforces, per resource, or why not.

A ``Rule`` names fields and scopes in the requirements' words; this module resolves
them to the columns of a resource. A rule that cannot be resolved (an unknown entity
or field, a kind the builtin does not build) becomes a ``DeferredRule``: the generator
says so in its artifacts and writes no test claiming it, rather than ignoring it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from featureline.artifacts.requirements import RequirementsArtifact, Rule
from featureline.providers.builtin.text import plural, singular

#: words that mean "the user who created the row" in a rule's scope
OWNER_WORDS = frozenset({"owner", "owner_id", "user", "user_id", "creator", "created_by"})
#: rule kinds whose violation a write answers with 409
CONFLICT_KINDS = ("unique", "no_overlap", "capacity", "one_active", "transition")


@dataclass(frozen=True)
class BuiltRule:
    """A rule resolved to columns of one resource."""

    id: str
    kind: str
    columns: tuple[str, ...]
    scope: tuple[str, ...]
    values: tuple[str, ...]
    requirement_ids: tuple[str, ...]
    description: str
    roles: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    #: for capacity: the parent table and its capacity column
    parent_table: str = ""

    @property
    def transitions(self) -> tuple[tuple[str, str], ...]:
        pairs = []
        for v in self.values:
            left, sep, right = v.partition("->")
            if sep:
                pairs.append((left.strip(), right.strip()))
        return tuple(pairs)


@dataclass(frozen=True)
class DeferredRule:
    id: str
    kind: str
    entity: str
    requirement_ids: tuple[str, ...]
    reason: str


def entity_matches(word: str, entity: str) -> bool:
    w = word.strip().lower().replace(" ", "_").replace("-", "_")
    return w in {entity, plural(entity)} or singular(w) == entity


def column_for(
    word: str, columns: dict[str, str], entity: str, actors: frozenset[str] = frozenset()
) -> str | None:
    """The column a rule's field or scope word names ('owner' -> owner_id, 'room' -> room_id;
    an actor such as 'member' -> owner_id when no column of that name exists)."""
    w = word.strip().lower().replace(" ", "_").replace("-", "_")
    if w in OWNER_WORDS and "owner_id" in columns:
        return "owner_id"
    for cand in (w, f"{w}_id", f"{singular(w)}_id", singular(w)):
        if cand in columns:
            return cand
    if singular(w) in actors and "owner_id" in columns:
        return "owner_id"
    return None


def role_names(req: RequirementsArtifact) -> list[str]:
    """Every role of the service: the actors, then roles only rules mention; never empty."""
    names = [a.name for a in req.actors]
    for r in req.rules:
        names += [x for x in r.roles if x not in names]
    return names or ["user"]


#: role names that mean elevated rights in plain English; never the default of new users
#: while another role is available, even when no rule grants them anything yet
ELEVATED_WORDS = frozenset(
    {
        "admin",
        "administrator",
        "superuser",
        "root",
        "moderator",
        "manager",
        "operator",
        "supervisor",
        "auditor",
        "owner",
    }
)


#: role names that mean an ordinary person using the service; preferred as the default
ORDINARY_WORDS = frozenset(
    {
        "user",
        "member",
        "reader",
        "customer",
        "attendee",
        "guest",
        "visitor",
        "client",
        "employee",
        "patient",
        "student",
        "subscriber",
        "participant",
        "buyer",
        "player",
    }
)


def default_role(req: RequirementsArtifact) -> str:
    """The least privileged role new users get: the first role no role rule grants
    anything (privileges come from ``role_required`` rules), preferring a name that means
    an ordinary user, then one that does not mean elevated rights; else 'user'."""
    granted = {x for r in req.rules if r.kind == "role_required" for x in r.roles}
    free = [n for n in role_names(req) if n not in granted]
    ordinary = [n for n in free if singular(n.lower()) in ORDINARY_WORDS]
    plain = [n for n in free if singular(n.lower()) not in ELEVATED_WORDS]
    return (ordinary or plain or free or ["user"])[0]


def all_roles(req: RequirementsArtifact) -> list[str]:
    """Every role, the least privileged (the default of new users) first."""
    low = default_role(req)
    return [low, *(r for r in role_names(req) if r != low)]


def rule_fields(rule: Rule) -> tuple[str, ...]:
    return tuple(rule.fields)


def deferred(rule: Rule, reason: str) -> DeferredRule:
    return DeferredRule(rule.id, rule.kind, rule.entity, tuple(rule.requirement_ids), reason)


def resolve(
    rule: Rule,
    entity: str,
    columns: dict[str, str],
    tables: dict[str, dict[str, str]],
    actors: frozenset[str] = frozenset(),
) -> BuiltRule | DeferredRule:
    """Resolve one rule against a resource's columns (name -> field type).

    ``tables`` maps every entity to its columns (for a capacity rule's parent)."""
    ids = tuple(rule.requirement_ids)
    cols: list[str] = []
    for f in rule.fields:
        c = column_for(f, columns, entity)
        if c is None and rule.kind != "capacity":
            return deferred(rule, f"field {f!r} is not a column of {entity}")
        if c is not None:
            cols.append(c)
    scope: list[str] = []
    for s in rule.scope:
        c = column_for(s, columns, entity, actors)
        if c is None:
            return deferred(rule, f"scope {s!r} is not a column of {entity}")
        scope.append(c)

    def built(columns_: tuple[str, ...], parent: str = "") -> BuiltRule:
        return BuiltRule(
            id=rule.id,
            kind=rule.kind,
            columns=columns_,
            scope=tuple(scope),
            values=tuple(rule.values),
            requirement_ids=ids,
            description=rule.description,
            roles=tuple(rule.roles),
            operations=tuple(rule.operations),
            parent_table=parent,
        )

    kind = rule.kind
    if kind == "unique":
        if not cols:
            return deferred(rule, "a unique rule needs at least one field")
        return built(tuple(cols))
    if kind == "no_overlap":
        ok = len(cols) == 2 and all(columns[c] in {"date", "datetime", "integer"} for c in cols)
        if not ok:
            return deferred(rule, "no_overlap needs two date, datetime or integer fields")
        return built(tuple(cols))
    if kind == "capacity":
        return _capacity(rule, entity, columns, tables, built, tuple(scope))
    if kind == "one_active":
        if len(cols) != 1 or not rule.values:
            return deferred(rule, "one_active needs one field and the values that count as active")
        return built(tuple(cols))
    if kind == "transition":
        if len(cols) != 1 or columns[cols[0]] not in {"enum", "string"}:
            return deferred(rule, "transition needs one enum field")
        made = built(tuple(cols))
        if not made.transitions:
            return deferred(rule, "transition needs values written as 'from->to'")
        return made
    if kind == "range":
        if len(cols) != 1 or columns[cols[0]] != "integer":
            return deferred(rule, "range is built for one integer field (bounds in the schema)")
        try:
            [float(v) for v in rule.values[:2]]
        except ValueError:
            return deferred(rule, "range values must be numbers")
        if len(rule.values) != 2:
            return deferred(rule, "range needs values [min, max]")
        return built(tuple(cols))
    if kind == "role_required":
        if not rule.roles or not rule.operations:
            return deferred(rule, "role_required needs roles and operations")
        return built(tuple(cols))
    if kind == "shared":
        return built(tuple(cols))
    return deferred(rule, f"the builtin generator does not build {kind!r} rules")


def _capacity(
    rule: Rule,
    entity: str,
    columns: dict[str, str],
    tables: dict[str, dict[str, str]],
    built: Callable[[tuple[str, ...], str], BuiltRule],
    scope: tuple[str, ...],
) -> BuiltRule | DeferredRule:
    if len(rule.fields) != 2 or len(rule.scope) != 1:
        return deferred(rule, "capacity needs fields [quantity, capacity] and one parent scope")
    qty = column_for(rule.fields[0], columns, entity)
    parent = next((e for e in tables if entity_matches(rule.scope[0], e)), None)
    if qty is None or not scope or parent is None or columns.get(qty) != "integer":
        return deferred(rule, "capacity: quantity field or parent not found")
    cap = column_for(rule.fields[1], tables[parent], parent)
    if cap is None or tables[parent][cap] != "integer":
        return deferred(rule, f"capacity: {rule.fields[1]!r} is not an integer column of {parent}")
    return built((qty, cap), parent)
