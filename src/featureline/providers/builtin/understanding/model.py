"""What the builtin understood from a request, before it becomes a RequirementsArtifact.

Each element keeps the words of the request it comes from (``source``/``span``), so the
artifact can show where everything was grounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from featureline.artifacts.requirements import RuleKind
from featureline.providers.builtin.fields import FieldSpec
from featureline.providers.builtin.text import singular, snake

RelationKind = Literal["many_to_one", "one_to_many", "many_to_many", "one_to_one"]
Operation = Literal["create", "list", "get", "update", "delete", "transition"]


@dataclass
class EntitySpec:
    """An entity found in the request, with the sentence that introduced it."""

    name: str
    fields: list[FieldSpec]
    source: str
    owned_by: str | None = None
    ownership_source: str = ""
    #: owned because the acting user makes the record ('book' -> a booking), not because
    #: the request says so: an explicit statement of ownership replaces the source
    ownership_inferred: bool = False
    #: the words naming it in the request ("meeting rooms", "book")
    span: str = ""

    def field_named(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def add_field(self, spec: FieldSpec) -> None:
        if self.field_named(spec.name) is None:
            self.fields.append(spec)

    def replace_field(self, spec: FieldSpec) -> None:
        self.fields = [spec if f.name == spec.name else f for f in self.fields]
        self.add_field(spec)


@dataclass(frozen=True)
class RelationSpec:
    source: str
    target: str
    kind: RelationKind
    description: str


@dataclass
class ListingSpec:
    """What the request asks of an entity's list: filters, search fields, order."""

    filters: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    newest_first: bool = False
    overdue: bool = False
    sources: list[str] = field(default_factory=list)
    #: (field, descending) orders asked for, with the sentence that asked
    sorts: list[tuple[str, bool, str]] = field(default_factory=list)
    #: the sentence that asked for each filter ('filter:city') and for the search
    asked: dict[str, str] = field(default_factory=dict)


@dataclass
class RuleSpec:
    """A rule with a behaviour (see ``featureline.artifacts.requirements.Rule``)."""

    kind: RuleKind
    entity: str
    description: str
    source: str
    fields: list[str] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    #: stated inside a field list ('a priority from 1 to 5'), not as a sentence of its own
    inline: bool = False


@dataclass(frozen=True)
class Deferral:
    """Part of a sentence the builtin understood but does not build, and why."""

    sentence: str
    title: str
    note: str


@dataclass
class Domain:
    """Everything the builtin specialist understood from a request."""

    title: str
    sentences: list[str]
    actors: dict[str, str]
    entities: dict[str, EntitySpec]
    relations: list[RelationSpec]
    listings: dict[str, ListingSpec]
    auth_scheme: Literal["bearer", "api_key"]
    dialect: str
    pending: list[tuple[str, str, RelationKind]] = field(default_factory=list)
    rules: list[RuleSpec] = field(default_factory=list)
    deferrals: list[Deferral] = field(default_factory=list)
    hinted: bool = False
    #: assumptions the builtin made that the request does not state
    assumed: list[str] = field(default_factory=list)

    def resolve(self, word: str) -> str | None:
        """Map a word ('bookmarks', 'link', 'movement') to a known entity name."""
        base = singular(snake(word))
        if not base:
            return None
        if base in self.entities:
            return base
        for name in self.entities:
            if name.endswith("_" + base):
                return name  # 'rooms' names the meeting rooms
        return None

    def add_relation(self, source: str, target: str, kind: RelationKind, text: str) -> None:
        if source == target:
            return
        for r in self.relations:
            if {r.source, r.target} == {source, target}:
                return
        self.relations.append(RelationSpec(source, target, kind, text))

    def parent_of(self, child: str) -> list[str]:
        return [r.target for r in self.relations if r.source == child and r.kind == "many_to_one"]

    def add_rule(self, rule: RuleSpec) -> None:
        def key(r: RuleSpec) -> tuple[object, ...]:
            # an 'other' rule is only its words: two sentences stating two are two rules
            said = r.source if r.kind == "other" else ""
            return (r.kind, r.entity, tuple(r.fields), tuple(r.scope), tuple(r.roles), said)

        if any(key(r) == key(rule) for r in self.rules):
            return
        self.rules.append(rule)

    def defer(self, sentence: str, title: str, note: str) -> None:
        item = Deferral(sentence, title, note)
        if item not in self.deferrals:
            self.deferrals.append(item)
