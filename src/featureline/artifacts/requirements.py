"""Step 1: requirements analysis."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from featureline.artifacts.base import Artifact, Part

FieldType = Literal[
    "string",
    "text",
    "email",
    "url",
    "integer",
    "decimal",
    "boolean",
    "date",
    "datetime",
    "enum",
    "uuid",
    "reference",
]


class Actor(Part):
    name: str
    description: str


class EntityField(Part):
    name: str
    type: FieldType
    required: bool = True
    unique: bool = False
    description: str = ""
    enum_values: list[str] = Field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    references: str | None = Field(default=None, description="entity name, for type 'reference'")
    source: str = Field(
        default="", description="the words of the request this field is grounded in (a span)"
    )


class Entity(Part):
    name: str = Field(description="singular, lower_snake_case, e.g. 'bookmark'")
    description: str
    fields: list[EntityField]
    owned_by: str | None = Field(
        default=None, description="actor/entity that owns each row, if access is per owner"
    )
    source: str = Field(
        default="", description="the words of the request this entity is grounded in (a span)"
    )


class Relation(Part):
    source: str
    target: str
    kind: Literal["many_to_one", "one_to_many", "many_to_many", "one_to_one"]
    description: str


RuleKind = Literal[
    "unique",
    "no_overlap",
    "capacity",
    "one_active",
    "role_required",
    "shared",
    "transition",
    "range",
    "other",
]


class Rule(Part):
    """A business rule with a behaviour a test can exercise (the behavioural gates check it).

    ``unique``: ``fields`` are unique within ``scope`` (a second create answers 409).
    ``no_overlap``: the interval ``fields`` = [start, end] of two rows with equal ``scope``
    never overlap (409). ``capacity``: the sum of ``fields[0]`` over rows referencing
    ``scope[0]`` never exceeds that parent's ``fields[1]`` (409). ``one_active``: at most one
    row per ``scope`` has ``fields[0]`` in ``values`` (409). ``role_required``: ``operations``
    on ``entity`` are reserved to ``roles`` (403 for others). ``shared``: rows of ``entity``
    are visible to every signed-in user, not only their owner. ``transition``: ``fields[0]``
    moves only along ``values`` written as "from->to" (409/422 otherwise). ``range``:
    ``fields[0]`` stays within ``values`` = [min, max] (422). ``other``: anything else, in
    words; a specialist that cannot build it defers the requirements that cite it.
    """

    id: str = Field(pattern=r"^R-\d+$")
    kind: RuleKind
    entity: str
    fields: list[str] = Field(default_factory=list)
    scope: list[str] = Field(default_factory=list)
    values: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    operations: list[Literal["create", "list", "get", "update", "delete", "transition"]] = Field(
        default_factory=list
    )
    description: str
    source: str = Field(default="", description="the sentence of the request it comes from")
    requirement_ids: list[str] = Field(
        default_factory=list, description="the FRs whose acceptance tests exercise this rule"
    )


class FunctionalRequirement(Part):
    id: str = Field(pattern=r"^FR-\d+$")
    title: str
    description: str
    priority: Literal["must", "should", "could"]
    acceptance_criteria: list[str]
    source: str = Field(default="", description="the sentence of the request this comes from")
    status: Literal["planned", "deferred"] = "planned"
    status_note: str = Field(default="", description="why a requirement is deferred")


class NonFunctionalRequirement(Part):
    id: str = Field(pattern=r"^NFR-\d+$")
    category: Literal[
        "performance",
        "scalability",
        "security",
        "availability",
        "reliability",
        "maintainability",
        "privacy",
        "compliance",
        "usability",
    ]
    description: str
    metric: str = Field(description="what is measured, e.g. 'p95 latency of GET /bookmarks'")
    comparator: Literal["<", "<=", ">", ">=", "=="]
    target: float
    unit: str = Field(description="e.g. ms, rps, %, count")
    source: str = ""
    requirement_ids: list[str] = Field(
        default_factory=list,
        description="the FRs whose operations the target is about (e.g. the redirect); empty: "
        "the service as a whole. A verdict is judged on those operations only.",
    )


class RequirementsArtifact(Artifact):
    step: ClassVar[str] = "requirements"

    title: str
    summary: str
    actors: list[Actor]
    entities: list[Entity]
    relations: list[Relation] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    functional: list[FunctionalRequirement]
    non_functional: list[NonFunctionalRequirement]
    assumptions: list[str] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)
    out_of_scope: list[str] = Field(default_factory=list)
