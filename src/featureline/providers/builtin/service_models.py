"""Resources -> the generated service's pydantic request/response models.

Request models accept exactly what the OpenAPI document describes (see ``api_spec``):
the same patterns, bounds and strictness, so fuzzing finds no disagreement.
"""

from __future__ import annotations

from featureline.providers.builtin.api_spec import (
    EMAIL_PATTERN,
    URL_PATTERN,
    decimal_pattern,
)
from featureline.providers.builtin.resources import Col, Resource

IN_TYPES = {
    "integer": "Int",
    "decimal": "str",
    "boolean": "Bool",
    "date": "Date",
    "datetime": "DateTime",
    "reference": "Id",
}
OUT_TYPES = {
    "integer": "int",
    "decimal": "str",
    "boolean": "bool",
    "date": "dt.date",
    "datetime": "dt.datetime",
    "reference": "int",
}
MAX_LENGTH = {"text": 10000, "url": 2048, "email": 320}


def in_type(c: Col) -> str:
    if c.ftype == "enum":
        return "Literal[" + ", ".join(repr(v) for v in c.enum_values) + "]"
    return IN_TYPES.get(c.ftype, "str")


def out_type(c: Col) -> str:
    if c.ftype == "enum":
        return "str"
    return OUT_TYPES.get(c.ftype, "str")


def field_args(c: Col) -> str:
    """Field(...) constraints matching ``api_spec.col_schema``."""
    args = []
    if c.ftype == "integer" and c.minimum is not None:
        args.append(f"ge={int(c.minimum)}")
    if c.ftype == "integer" and c.maximum is not None:
        args.append(f"le={int(c.maximum)}")
    if c.ftype == "decimal":
        args.append(f"pattern={decimal_pattern(c)!r}")
    if c.ftype in {"string", "email", "url", "text"}:
        args.append(f"max_length={MAX_LENGTH.get(c.ftype, 200)}")
    if c.ftype == "url":
        args.append(f"pattern={URL_PATTERN!r}")
    if c.ftype == "email":
        args.append(f"pattern={EMAIL_PATTERN!r}")
    return ", ".join(args)


def _links(r: Resource, update: bool) -> list[str]:
    item = "list[Id]"
    out = []
    for j in r.joins:
        if update:
            out.append(f"    {j.field_name}: {item} = Field(None, max_length=100)")
        else:
            out.append(f"    {j.field_name}: {item} = Field(default_factory=list, max_length=100)")
    return out


def models_py(resources: list[Resource]) -> str:
    lines = [
        '"""Pydantic request/response models, one set per resource."""',
        "",
        "import datetime as dt",
        "from typing import Literal",
        "",
        "from pydantic import BaseModel, ConfigDict, Field",
        "",
        "from app.values import Bool, Date, DateTime, Id, Int",
        "",
        "_ = (Bool, Date, DateTime, Id, Int, Literal, dt)",
        "",
    ]
    for r in resources:
        lines += [
            "",
            f"class {r.cls}Create(BaseModel):",
            '    model_config = ConfigDict(extra="forbid")',
            "",
        ]
        for c in r.body_cols:
            t, args = in_type(c), field_args(c)
            extra = f", {args}" if args else ""
            if c.nullable:
                lines.append(f"    {c.name}: {t} | None = Field(None{extra})")
            elif c.default is not None:
                default = repr(c.default == "true") if c.ftype == "boolean" else repr(c.default)
                lines.append(f"    {c.name}: {t} = Field({default}{extra})")
            else:
                lines.append(f"    {c.name}: {t} = Field(...{extra})")
        lines += _links(r, update=False)
        lines += [
            "    pass" if not r.body_cols and not r.joins else "",
            "",
            "",
            f"class {r.cls}Update(BaseModel):",
            '    model_config = ConfigDict(extra="forbid")',
            "",
        ]
        for c in r.body_cols:
            args = field_args(c)
            extra = f", {args}" if args else ""
            # A NOT NULL column: null is rejected (the default None is never validated),
            # exactly as the spec's non-nullable schema says.
            nullable = " | None" if c.nullable else ""
            lines.append(f"    {c.name}: {in_type(c)}{nullable} = Field(None{extra})")
        lines += _links(r, update=True)
        lines += ["    pass" if not r.body_cols and not r.joins else "", "", ""]
        lines += [f"class {r.cls}(BaseModel):"]
        for c in r.cols:
            t = "int" if c.name == "id" else out_type(c)
            lines.append(f"    {c.name}: {t}{' | None' if c.nullable else ''}")
        for j in r.joins:
            lines.append(f"    {j.field_name}: list[int]")
        lines += [
            "",
            "",
            f"class {r.cls}Page(BaseModel):",
            f"    items: list[{r.cls}]",
            "    total: int",
            "    limit: int",
            "    offset: int",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"
