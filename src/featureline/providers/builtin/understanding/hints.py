"""Front-matter hints: ``entities:`` and ``relations:`` the user wrote down replace guesses.

A hinted entity is grounded in the hint itself (its source says so), so the builtin
builds exactly what the user named when its reading of the prose falls short.
"""

from __future__ import annotations

from typing import Any, get_args

from featureline.artifacts.requirements import FieldType
from featureline.providers.builtin.fields import FieldSpec, infer_type
from featureline.providers.builtin.text import singular, snake
from featureline.providers.builtin.understanding.model import Domain, EntitySpec

FIELD_TYPES: set[str] = set(get_args(FieldType))
HINT_SOURCE = "front matter hint"


def _hinted_entity(domain: Domain, name: str) -> EntitySpec | None:
    key = singular(snake(name))
    if not key:
        return None
    if key not in domain.entities:
        domain.entities[key] = EntitySpec(name=key, fields=[], source=HINT_SOURCE, span=name)
    return domain.entities[key]


def apply_entity_hints(domain: Domain, hints: dict[str, Any]) -> bool:
    """Front matter ``entities:`` replaces entity inference entirely."""
    raw = hints.get("entities")
    if not isinstance(raw, dict | list) or not raw:
        return False
    items: list[tuple[str, Any]] = (
        list(raw.items())
        if isinstance(raw, dict)
        else [(str(e.get("name", "")), e) if isinstance(e, dict) else (str(e), {}) for e in raw]
    )
    for name, spec in items:
        ent = _hinted_entity(domain, name)
        if ent is None:
            continue
        fields = spec.get("fields", {}) if isinstance(spec, dict) else {}
        pairs = (
            list(fields.items())
            if isinstance(fields, dict)
            else [
                (str(f.get("name")), f.get("type", "string"))
                if isinstance(f, dict)
                else (str(f), "string")
                for f in fields
            ]
        )
        for fname, ftype in pairs:
            fname = snake(str(fname))
            declared = str(ftype).lower() if ftype else ""
            inferred, refs, lo, hi = infer_type(fname)
            chosen: FieldType = declared if declared in FIELD_TYPES else inferred  # type: ignore[assignment]
            ent.add_field(
                FieldSpec(
                    fname,
                    chosen,
                    description=fname.replace("_", " "),
                    references=refs if chosen == "reference" else None,
                    minimum=lo,
                    maximum=hi,
                )
            )
        if isinstance(spec, dict) and spec.get("owned_by"):
            ent.owned_by = str(spec["owned_by"])
            ent.ownership_source = "front matter hint"
    return bool(domain.entities)


def apply_relation_hints(domain: Domain, hints: dict[str, Any]) -> None:
    """Front matter ``relations:`` entries ('task many_to_one project' or mappings)."""
    raw = hints.get("relations")
    if not isinstance(raw, list):
        return
    for item in raw:
        if isinstance(item, dict):
            src, tgt, kind = (
                str(item.get("source", "")),
                str(item.get("target", "")),
                str(item.get("kind", "many_to_one")),
            )
        else:
            parts = str(item).split()
            if len(parts) != 3:
                continue
            src, kind, tgt = parts
        s, t = domain.resolve(src), domain.resolve(tgt) or ("user" if tgt == "user" else None)
        if s and t and kind in {"many_to_one", "one_to_many", "many_to_many", "one_to_one"}:
            domain.relations = [r for r in domain.relations if {r.source, r.target} != {s, t}]
            domain.add_relation(s, t, kind, "from the request's front matter")  # type: ignore[arg-type]


#: people a record names who are not users of the service ('a book has an author')
