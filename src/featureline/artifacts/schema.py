"""Step 3: database schema."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from featureline.artifacts.base import Artifact, Part

Dialect = Literal["sqlite", "postgresql"]


class ForeignKey(Part):
    table: str
    column: str
    on_delete: Literal["cascade", "restrict", "set null", "no action"] = "restrict"


class Column(Part):
    name: str
    type: str = Field(description="logical type, e.g. text, integer, decimal(12,2), timestamp")
    nullable: bool = False
    primary_key: bool = False
    unique: bool = False
    default: str | None = None
    references: ForeignKey | None = None
    description: str = ""


class Index(Part):
    name: str
    columns: list[str]
    unique: bool = False
    reason: str = ""


class Constraint(Part):
    name: str
    kind: Literal["check", "unique"]
    expression: str = Field(description="CHECK expression, or comma-separated columns for unique")
    source: str = Field(default="", description="requirement id or rule this enforces")


class Table(Part):
    name: str
    description: str
    entity: str | None = Field(default=None, description="requirements entity this table stores")
    columns: list[Column]
    indexes: list[Index] = Field(default_factory=list)
    constraints: list[Constraint] = Field(default_factory=list)


class DialectDDL(Part):
    dialect: Dialect
    sql: str = Field(description="executable DDL, statements separated by ';'")


class Migration(Part):
    id: str = Field(description="ordered id, e.g. 0001_initial")
    description: str
    dialect: Dialect
    up: str
    down: str


class SchemaArtifact(Artifact):
    step: ClassVar[str] = "schema"

    tables: list[Table]
    ddl: list[DialectDDL]
    migrations: list[Migration]
    er_diagram: str = Field(description="a Mermaid erDiagram")
    notes: list[str] = Field(default_factory=list)

    def ddl_for(self, dialect: Dialect) -> str | None:
        return next((d.sql for d in self.ddl if d.dialect == dialect), None)
