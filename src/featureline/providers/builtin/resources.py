"""RequirementsArtifact -> resources (tables, columns, list parameters, FR mapping).

Schema, API, code, tests and docs are all generated from this one view of the
requirements, so they agree with each other by construction. It reads only the
requirements artifact (which a reviewer may have edited), never the request text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from featureline.artifacts.requirements import EntityField, RequirementsArtifact
from featureline.providers.builtin.rules import (
    BuiltRule,
    DeferredRule,
    entity_matches,
    resolve,
)
from featureline.providers.builtin.text import plural, singular, title_words

OPS = ("create", "list", "get", "update", "delete")
#: the operations a rule's behaviour shows in (role rules name their own)
RULE_OPS = {
    "unique": ("create", "update"),
    "no_overlap": ("create", "update"),
    "capacity": ("create", "update"),
    "one_active": ("create", "update"),
    "range": ("create", "update"),
    "transition": ("update",),
    "shared": ("list", "get"),
}
LOGICAL_TYPES = {
    "string": "varchar(200)",
    "text": "text",
    "email": "varchar(320)",
    "url": "varchar(2048)",
    "integer": "integer",
    "decimal": "decimal(12,2)",
    "boolean": "boolean",
    "date": "date",
    "datetime": "timestamp",
    "enum": "varchar(32)",
    "uuid": "uuid",
    "reference": "bigint",
}


@dataclass(frozen=True)
class Col:
    """One column, with what the API needs to know about it."""

    name: str
    ftype: str
    logical: str
    nullable: bool = False
    unique: bool = False
    fk_table: str | None = None
    on_delete: str = "restrict"
    enum_values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""
    writable: bool = True
    default: str | None = None


@dataclass(frozen=True)
class JoinTable:
    table: str
    left: str
    right: str
    right_table: str
    field_name: str


@dataclass(frozen=True)
class Resource:
    entity: str
    table: str
    path: str
    cols: tuple[Col, ...]
    owned: bool
    joins: tuple[JoinTable, ...]
    filters: tuple[tuple[str, str], ...]
    search: tuple[str, ...]
    overdue: str | None
    #: SQL conditions that a row is still open (status not done, not returned yet), so
    #: ``?overdue=true`` leaves finished rows out; empty when the table has no such state.
    open_when: tuple[str, ...] = ()
    #: a JSON body that closes a row (for the generated test of ``?overdue=true``).
    close_with: tuple[tuple[str, str], ...] = ()
    #: (parent table, foreign key column, parent capacity column, quantity column) when
    #: the sum of quantities per parent may never exceed the parent's capacity.
    capacity: tuple[str, ...] = ()
    #: rows are visible to every signed-in user (a ``shared`` rule), changed only by their owner
    shared: bool = False
    #: the requirements' rules this resource enforces, resolved to its columns
    rules: tuple[BuiltRule, ...] = ()
    #: (operation, roles allowed) from ``role_required`` rules; absent: any signed-in user
    roles: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def roles_for(self, op: str) -> tuple[str, ...]:
        return next((r for o, r in self.roles if o == op), ())

    def rules_of(self, kind: str) -> tuple[BuiltRule, ...]:
        return tuple(r for r in self.rules if r.kind == kind)

    @property
    def module(self) -> str:
        return self.table

    @property
    def cls(self) -> str:
        return "".join(w.capitalize() for w in self.entity.split("_"))

    @property
    def title(self) -> str:
        return title_words(self.entity)

    def op_id(self, op: str) -> str:
        return f"{op}_{self.table if op == 'list' else self.entity}"

    def endpoint(self, op: str) -> tuple[str, str]:
        item = self.path + "/{id}"
        return {
            "create": ("POST", self.path),
            "list": ("GET", self.path),
            "get": ("GET", item),
            "update": ("PATCH", item),
            "delete": ("DELETE", item),
        }[op]

    @property
    def body_cols(self) -> tuple[Col, ...]:
        return tuple(c for c in self.cols if c.writable)

    @property
    def updatable(self) -> bool:
        """Whether a row has anything of its own to change (references aside): without it
        there is no PATCH, and its Update requirement is deferred."""
        return any(c.fk_table is None for c in self.body_cols)

    @property
    def sortable(self) -> tuple[str, ...]:
        keys = ["created_at"] + [
            c.name
            for c in self.cols
            if c.ftype in {"date", "datetime", "integer", "decimal", "string"} and c.writable
        ]
        return tuple(dict.fromkeys(keys))


def table_name(entity: str) -> str:
    return "users" if entity == "user" else plural(entity)


def build_resources(req: RequirementsArtifact) -> list[Resource]:
    """One resource per entity, in dependency order (referenced tables first)."""
    names = [e.name for e in req.entities if e.name != "user"]
    parents: dict[str, list[str]] = {n: [] for n in names}
    for r in req.relations:
        if r.kind in {"many_to_one", "one_to_one"} and r.source in parents:
            parents[r.source].append(r.target)
        elif r.kind == "one_to_many" and r.target in parents:
            parents[r.target].append(r.source)
    out: list[Resource] = []
    for ent in _topo(req, names, parents):
        out.append(_resource(req, ent, parents[ent]))
    out = [_with_capacity(req, r, out) for r in out]
    built, _ = resolve_rules(req, out)
    return [_with_rules(r, built.get(r.entity, []), out) for r in out]


def resolve_rules(
    req: RequirementsArtifact, resources: list[Resource]
) -> tuple[dict[str, list[BuiltRule]], list[DeferredRule]]:
    """The requirements' rules per resource, and those the generator does not build."""
    tables = {r.entity: {c.name: c.ftype for c in r.cols} for r in resources}
    built: dict[str, list[BuiltRule]] = {}
    skipped: list[DeferredRule] = []
    for rule in req.rules:
        res = next((r for r in resources if entity_matches(rule.entity, r.entity)), None)
        if res is None:
            skipped.append(
                DeferredRule(
                    rule.id,
                    rule.kind,
                    rule.entity,
                    tuple(rule.requirement_ids),
                    f"no resource {rule.entity!r} is generated",
                )
            )
            continue
        actors = frozenset(a.name for a in req.actors) - set(tables)
        got = resolve(rule, res.entity, tables[res.entity], tables, actors)
        if isinstance(got, DeferredRule):
            skipped.append(got)
        else:
            built.setdefault(res.entity, []).append(got)
    return built, skipped


def deferred_rules(req: RequirementsArtifact) -> list[DeferredRule]:
    """Rules the generated service does not enforce (said so in every artifact)."""
    names = [e.name for e in req.entities if e.name != "user"]
    parents: dict[str, list[str]] = {n: [] for n in names}
    for r in req.relations:
        if r.kind in {"many_to_one", "one_to_one"} and r.source in parents:
            parents[r.source].append(r.target)
        elif r.kind == "one_to_many" and r.target in parents:
            parents[r.target].append(r.source)
    out = [_resource(req, ent, parents[ent]) for ent in _topo(req, names, parents)]
    return resolve_rules(req, out)[1]


def _with_rules(res: Resource, rules: list[BuiltRule], all_: list[Resource]) -> Resource:
    """Fold resolved rules into the resource: sharing, roles, capacity and ranges."""
    shared = any(r.kind == "shared" for r in rules)
    roles: dict[str, tuple[str, ...]] = {}
    for r in rules:
        if r.kind == "role_required":
            for op in r.operations:
                if op in OPS:
                    roles[op] = tuple(dict.fromkeys([*roles.get(op, ()), *r.roles]))
    cols = list(res.cols)
    for r in rules:
        if r.kind == "range":
            low, high = (float(v) for v in r.values[:2])
            cols = [
                replace(c, minimum=low, maximum=high) if c.name == r.columns[0] else c for c in cols
            ]
    capacity = res.capacity
    for r in rules:
        if r.kind == "capacity" and not capacity:
            parent = next((p for p in all_ if p.entity == r.parent_table), None)
            if parent is not None:
                capacity = (parent.table, r.scope[0], r.columns[1], r.columns[0])
    return replace(
        res,
        cols=tuple(cols),
        shared=shared,
        rules=tuple(rules),
        roles=tuple(roles.items()),
        capacity=capacity,
    )


def _capacity_parent(req: RequirementsArtifact, resources: list[Resource]) -> Resource | None:
    """The resource named by a planned 'Never overbook <many>' requirement."""
    for fr in req.functional:
        m = re.match(r"^Never overbook (.+)$", fr.title)
        if fr.status == "planned" and m:
            hit = next((r for r in resources if title_words(plural(r.entity)) == m.group(1)), None)
            if hit is not None:
                return hit
    return None


def _with_capacity(req: RequirementsArtifact, res: Resource, all_: list[Resource]) -> Resource:
    parent = _capacity_parent(req, all_)
    if parent is None or not any(c.name == "capacity" for c in parent.cols):
        return res
    fk = next((c for c in res.cols if c.fk_table == parent.table and c.writable), None)
    qty = next(
        (c for c in res.cols if c.name in CAPACITY_QUANTITIES and c.ftype == "integer"), None
    )
    if fk is None or qty is None:
        return res
    return replace(res, capacity=(parent.table, fk.name, "capacity", qty.name))


CAPACITY_QUANTITIES = ("seats", "places", "tickets", "spots", "quantity")


def _topo(req: RequirementsArtifact, names: list[str], parents: dict[str, list[str]]) -> list[str]:
    done: list[str] = []
    pending = list(names)
    while pending:
        progress = False
        for n in list(pending):
            if all(p in done or p not in names or p == n for p in parents[n]):
                done.append(n)
                pending.remove(n)
                progress = True
        if not progress:
            done.append(pending.pop(0))
    return done


def _col_for_field(f: EntityField, names: set[str]) -> Col:
    if f.type == "reference":
        target = f.references if f.references in names else "user"
        return Col(
            f"{f.name}_id",
            "reference",
            "bigint",
            nullable=not f.required,
            fk_table=table_name(target),
            on_delete="set null" if not f.required else "restrict",
            description=f.description,
        )
    default = None
    nullable = not f.required
    if f.type == "enum" and f.enum_values:
        default, nullable = f.enum_values[0], False
    if f.type == "boolean":
        default, nullable = "false", False
    return Col(
        f.name,
        f.type,
        LOGICAL_TYPES[f.type],
        nullable=nullable,
        unique=f.unique,
        enum_values=tuple(f.enum_values),
        minimum=f.minimum,
        maximum=f.maximum,
        description=f.description,
        default=default,
    )


def _resource(req: RequirementsArtifact, name: str, parents: list[str]) -> Resource:
    ent = next(e for e in req.entities if e.name == name)
    names = {e.name for e in req.entities}
    cols: list[Col] = [Col("id", "integer", "bigint", writable=False, description="primary key")]
    # Every row a user creates is owned by that user (tags and child rows included): rows
    # are shared with other users only when a ``shared`` rule says so.
    cols.append(
        Col(
            "owner_id",
            "reference",
            "bigint",
            fk_table="users",
            on_delete="cascade",
            writable=False,
            description="the user who owns this row",
        )
    )
    for parent in dict.fromkeys(parents):
        if parent == "user" or parent in names:
            cols.append(
                Col(
                    f"{parent}_id",
                    "reference",
                    "bigint",
                    fk_table=table_name(parent),
                    on_delete="cascade",
                    description=f"the {title_words(parent)} it belongs to",
                )
            )
    for f in ent.fields:
        if f.name in {"owner", "owner_id"}:
            continue
        col = _col_for_field(f, names)
        if all(c.name != col.name for c in cols):
            cols.append(col)
    cols.append(
        Col("created_at", "datetime", "timestamp", writable=False, description="creation time")
    )
    cols.append(
        Col("updated_at", "datetime", "timestamp", writable=False, description="last change")
    )
    joins = []
    for r in req.relations:
        if r.kind != "many_to_many" or name not in {r.source, r.target}:
            continue
        other = r.target if r.source == name else r.source
        if other == "user":
            joins.append(
                JoinTable(f"{name}_members", f"{name}_id", "user_id", "users", "member_ids")
            )
        elif r.source == name and other in names:
            joins.append(
                JoinTable(
                    f"{name}_{plural(other)}",
                    f"{name}_id",
                    f"{other}_id",
                    table_name(other),
                    f"{other}_ids",
                )
            )
    res = Resource(
        name,
        table_name(name),
        "/v1/" + table_name(name).replace("_", "-"),
        tuple(cols),
        True,
        tuple(joins),
        (),
        (),
        None,
    )
    return _with_listing(req, res)


def _with_listing(req: RequirementsArtifact, res: Resource) -> Resource:
    many = title_words(plural(res.entity))
    filters: list[tuple[str, str]] = []
    search: list[str] = []
    overdue = None
    for fr in req.functional:
        if fr.status != "planned":
            continue
        m = re.match(rf"^(Filter|Search) {re.escape(many)} by (.+)$", fr.title)
        if m:
            for word in [w.strip() for w in m.group(2).split(",")]:
                if m.group(1) == "Search":
                    if any(c.name == word for c in res.cols):
                        search.append(word)
                    continue
                filters.extend(_filter(res, word))
        if fr.title == f"List overdue {many}":
            overdue = next((c.name for c in res.cols if c.name.startswith("due")), None)
    open_when, close_with = _open_state(res) if overdue else ((), ())
    return replace(
        res,
        filters=tuple(dict.fromkeys(filters)),
        search=tuple(dict.fromkeys(search)),
        overdue=overdue,
        open_when=open_when,
        close_with=close_with,
    )


DONE_VALUES = ("done", "completed", "complete", "closed", "resolved", "returned", "cancelled")
CLOSED_AT = ("returned_at", "completed_at", "closed_at", "done_at")


def _open_state(res: Resource) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """How a row counts as still open: an enum state that is not a 'done' value, or an
    empty returned_at/completed_at column. Values come from the requirements, never
    from user input, so they are safe to inline in SQL."""
    for c in res.cols:
        done = [v for v in c.enum_values if v in DONE_VALUES]
        if c.ftype == "enum" and done and c.writable:
            quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in done)
            return (f"{c.name} NOT IN ({quoted})",), ((c.name, done[0]),)
    for c in res.cols:
        if c.name in CLOSED_AT and c.nullable and c.writable:
            return (f"{c.name} IS NULL",), ((c.name, "2001-01-01T00:00:00Z"),)
    return (), ()


def _filter(res: Resource, word: str) -> list[tuple[str, str]]:
    """(query parameter, column or 'join:<table>') for a filter word."""
    for c in res.cols:
        if c.name in {word, f"{word}_id"}:
            return [(c.name, c.name)]
    for j in res.joins:
        if j.right == f"{singular(word)}_id":
            return [(j.right, "join:" + j.table)]
    return []


def map_requirements(
    req: RequirementsArtifact, resources: list[Resource]
) -> dict[str, list[tuple[str, str]]]:
    """FR id -> [(entity, op)]: which operations realise each planned requirement."""
    out: dict[str, list[tuple[str, str]]] = {}
    for r in resources:
        for rule in r.rules:
            for fid in rule.requirement_ids:
                ops = RULE_OPS.get(rule.kind, ()) or tuple(
                    op for op in rule.operations if op in OPS
                )
                out.setdefault(fid, []).extend((r.entity, op) for op in ops)
    by_title = {title_words(r.entity): r for r in resources}
    by_many = {title_words(plural(r.entity)): r for r in resources}
    for fr in req.functional:
        if fr.status != "planned" or fr.id in out:
            continue
        m = re.match(r"^(Create|Get|Update|Delete) (.+)$", fr.title)
        if m and m.group(2) in by_title:
            out[fr.id] = [(by_title[m.group(2)].entity, m.group(1).lower())]
            continue
        m = re.match(r"^(?:List overdue|List|Filter|Search) (.+?)(?: by .+)?$", fr.title)
        if m and m.group(1) in by_many:
            out[fr.id] = [(by_many[m.group(1)].entity, "list")]
            continue
        m = re.match(r"^Restrict (.+) to their owner$", fr.title)
        if m and m.group(1) in by_many:
            out[fr.id] = [(by_many[m.group(1)].entity, op) for op in OPS]
            continue
        if re.match(r"^Never overbook ", fr.title):
            out[fr.id] = [
                (r.entity, op) for r in resources if r.capacity for op in ("create", "update")
            ]
            continue
        m = re.match(r"^(?:Moderate|Disable) (.+)$", fr.title)
        if m and (m.group(1) in by_many or m.group(1) in by_title):
            res = by_many.get(m.group(1)) or by_title[m.group(1)]
            out[fr.id] = [(res.entity, "update")]
            continue
        m = re.match(r"^Context served by the CRUD endpoints of (.+?)\.", fr.description)
        if m:
            hits = [by_many[w] for w in m.group(1).split(", ") if w in by_many]
            out[fr.id] = [(r.entity, op) for r in hits for op in OPS]
            continue
        m = re.match(
            r"^Served by the (?:(.+) list endpoint|create endpoint of (.+?):)", fr.description
        )
        if m and m.group(1) in by_many:
            out[fr.id] = [(by_many[m.group(1)].entity, "list")]
            continue
        if m and m.group(2) in by_title:
            out[fr.id] = [(by_title[m.group(2)].entity, "create")]
            continue
        text = f"{fr.title} {fr.description} {fr.source}".lower()
        hit = next((r for r in resources if re.search(rf"\b{title_words(r.entity)}", text)), None)
        if hit is None:
            hit = next(
                (
                    r
                    for r in resources
                    if any(
                        c.name in {singular(w) for w in re.findall(r"[a-z_]+", text)}
                        for c in r.body_cols
                    )
                ),
                None,
            )
        if hit is None:
            out[fr.id] = []
            continue
        op = "list"
        if re.search(r"\b(disable|moderate|approve|edit|change|update)", text):
            op = "update"
        elif re.search(r"\b(store|untrusted|create|save|record|add)", text):
            op = "create"
        out[fr.id] = [(hit.entity, op)]
    return out
