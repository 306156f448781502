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


class Entity(Part):
    name: str = Field(description="singular, lower_snake_case, e.g. 'bookmark'")
    description: str
    fields: list[EntityField]
    owned_by: str | None = Field(
        default=None, description="actor/entity that owns each row, if access is per owner"
    )


class Relation(Part):
    source: str
    target: str
    kind: Literal["many_to_one", "one_to_many", "many_to_many", "one_to_one"]
    description: str


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


class RequirementsArtifact(Artifact):
    step: ClassVar[str] = "requirements"

    title: str
    summary: str
    actors: list[Actor]
    entities: list[Entity]
    relations: list[Relation] = Field(default_factory=list)
    functional: list[FunctionalRequirement]
    non_functional: list[NonFunctionalRequirement]
    assumptions: list[str] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)
    out_of_scope: list[str] = Field(default_factory=list)
