"""Turn a noun phrase from a field list ("an optional due date") into a typed field.

Types come from the field's name: an engineer reading "unit price" expects a decimal,
"start time" a timestamp, "published flag" a boolean. Money is never a float.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from featureline.artifacts.requirements import FieldType
from featureline.language.lexicon import (
    can_be_noun,
    is_person,
    is_plural,
    pure_verb,
)
from featureline.providers.builtin.text import singular, snake

FILLER = {
    "a",
    "an",
    "the",
    "its",
    "their",
    "his",
    "her",
    "optional",
    "optionally",
    "choosing",
    "some",
    "own",
    "any",
    "custom",
    "chosen",
    "new",
    "short",
    "brief",
}
FORMAT_WORDS = {"markdown", "plain", "html", "rich"}
TAG_WORDS = {"tag", "label"}
USER_REFERENCE_NAMES = {
    "owner",
    "assignee",
    "author",
    "creator",
    "reporter",
    "reviewer",
    "approver",
}
#: nouns for groups of people: a list of them is a collection of records ('teams')
GROUP_NOUNS = frozenset({"team", "group", "crew", "squad", "band", "household", "family"})
UNIQUE_BY_NATURE = {"sku", "slug", "isbn", "alias", "code"}


@dataclass(frozen=True)
class FieldSpec:
    """A typed field of an entity, before it becomes an EntityField."""

    name: str
    type: FieldType
    required: bool = True
    unique: bool = False
    description: str = ""
    enum_values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    references: str | None = None
    #: the words of the request this field comes from
    source: str = ""


@dataclass(frozen=True)
class ParsedItem:
    """One item of a field list: a field, or a many-to-many link to another noun (tags)."""

    field: FieldSpec | None = None
    many_to_many: str | None = None
    #: a bare plural noun ("photos", "many episodes"): a collection of its own
    child: str | None = None
    #: further fields the item names ("a salary range" -> salary_min and salary_max)
    extra: tuple[FieldSpec, ...] = ()


def parse_item(item: str, nested: bool = False) -> ParsedItem | None:
    """Parse one comma-separated item of a field list; None when it is not a field.

    ``nested``: the item is inside a collection's parentheses ('(prompt, points)'), where a
    bare plural is a field, not a collection of its own."""
    span = item.strip().strip(".").strip()
    text = span.lower()
    if not text or text.startswith(("who must", "which", "that ", "each ", "so ", "but ")):
        return None
    required = not re.search(r"\boptional(ly)?\b", text)
    text = re.sub(r"'s\b", "", text)  # "the child's name" -> child_name
    # "a number that is unique across the club": the relative clause qualifies the field
    text = re.sub(r",?\s+(?:that|which)\s+(?:is|are|must be|should be|has to be)\s+", " ", text)
    # unique only within a parent ('unique per race') is a scoped rule, not a unique column
    unique = (
        re.search(r"\bunique\b(?!\s+(?:per|within|for each|in each|in its)\b)", text) is not None
    )
    enum_values: tuple[str, ...] = ()
    minimum = maximum = None
    paren = re.search(r"\(([^)]*)\)", text)
    inner_range = RANGE.search(paren.group(1)) if paren else None
    if inner_range:  # "a watering interval in days (between 1 and 60)"
        minimum, maximum = float(inner_range.group(1)), float(inner_range.group(2))
    elif paren and "," in paren.group(1):
        enum_values = tuple(
            snake(v) for v in re.split(r",|\bor\b|\band\b", paren.group(1)) if snake(v)
        )
    floor = re.search(r"\bat least\s+(-?\d+(?:\.\d+)?)", text)
    if floor and minimum is None:  # "a quantity (at least 1)"
        minimum = float(floor.group(1))
        text = text.replace(floor.group(0), " ")
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.sub(r"\bunique\s+(?:per|within|for|in|across|among)\b.*$", "", text)
    rng = RANGE.search(text)
    if rng:
        minimum, maximum = float(rng.group(1)), float(rng.group(2))
        text = text[: rng.start()] + " " + text[rng.end() :]
    unit = UNIT.search(text)
    unit_word = ""
    if unit:
        unit_word = snake(unit.group(1))
        text = text[: unit.start()]
    counted_in = re.search(r"\s+in\s+([a-z]+s)\s*$", text) if not unit else None
    if counted_in and infer_type(snake(text[: counted_in.start()]))[0] == "integer":
        text = text[: counted_in.start()]  # "a capacity in vehicles": a count of them
    text = re.sub(r"\bper\s+[a-z]+\b.*$", "", text)
    who = re.match(r"who\s+(\w+)", text)
    if who:
        name = f"{who.group(1)}_by"
        return ParsedItem(
            field=FieldSpec(
                name,
                "reference",
                required,
                description=f"the user who {who.group(1)}",
                references="user",
                source=span,
            )
        )
    text = re.sub(r"^\s*(?:a|an|the)?\s*list of\s+", "", text)
    first = re.match(r"\s*([a-z]+)", text)
    if first and pure_verb(first.group(1)) and not first.group(1).endswith(("ed", "ing")):
        return None  # "choose a slot": an act, not a field
    m2m = re.match(r"\s*(?:any number of|one or more|several|many|multiple)\s+([a-z]+)", text)
    words = [w for w in re.findall(r"[a-z0-9]+", text) if w not in FILLER]
    if nested:
        m2m = None
    elif m2m or (len(words) == 1 and singular(words[0]) in TAG_WORDS and words[0].endswith("s")):
        target = singular(m2m.group(1) if m2m else words[0])
        if target in TAG_WORDS or not m2m:
            return ParsedItem(many_to_many=target)
        return ParsedItem(child=target)
    if not nested and len(words) == 1 and enum_values and is_plural(words[0]):
        # "allergens (gluten, nuts, dairy)": several of the values per row, not one
        return ParsedItem(many_to_many=singular(words[0]))
    if (
        not nested
        and len(words) == 1
        and is_plural(words[0])
        and can_be_noun(words[0])
        and words[0] not in TEXT_WORDS
        and (not is_person(words[0]) or singular(words[0]) in GROUP_NOUNS)
        and not enum_values
        and minimum is None
        and not unit_word
    ):
        return ParsedItem(child=singular(words[0]))
    if len(words) >= 2 and words[-1] == "range" and not enum_values:
        stem = snake(" ".join(words[:-1]))
        ftype = infer_type(stem)[0]
        ftype = ftype if ftype in {"decimal", "integer", "date", "datetime"} else "decimal"
        lo_f = FieldSpec(
            f"{stem}_min", ftype, required, description=f"lower bound of {stem}", source=span
        )
        hi_f = FieldSpec(
            f"{stem}_max", ftype, required, description=f"upper bound of {stem}", source=span
        )
        return ParsedItem(field=lo_f, extra=(hi_f,))
    description = ""
    fmt = [w for w in words if w in FORMAT_WORDS]
    if fmt:
        description = f"{fmt[0]} text"
        words = [w for w in words if w not in FORMAT_WORDS]
    if len(words) >= 3 and words[1] == "of" and words[0] in {"capacity", "count", "total"}:
        words = words[:1]
    counted = False
    if words[:2] in (["maximum", "number"], ["minimum", "number"], ["max", "number"]):
        words = [words[0][:3], *words[2:]]
        if words[1:2] == ["of"]:
            words = [words[0], *words[2:]]
        counted = True
    if words[:2] == ["number", "of"]:
        words = words[2:]
        counted = True
    if counted:
        minimum = 0.0 if minimum is None else minimum
    if words and words[-1] == "flag":
        words = words[:-1]
    words = [w for w in words if w != "unique"]
    if len(words) > 1 and words[-1] in {"timestamp", "time"} and words[-2].endswith("at"):
        words = words[:-1]  # 'a recorded-at timestamp' -> recorded_at
    if not words or len(words) > 3 or any(w.isdigit() for w in words):
        return None
    name = snake(" ".join(words))
    if unit_word:
        name = f"{name}_{unit_word}"
    ftype, refs, lo, hi = infer_type(name, enum_values)
    if counted and ftype not in {"integer", "decimal"}:
        ftype = "integer"
    if unit_word and ftype not in {"integer", "decimal"}:
        ftype = "integer" if unit_word in TIME_UNITS else "decimal"
    if minimum is not None and maximum is not None:
        fractional = any(v != int(v) for v in (minimum, maximum))
        if fractional:
            ftype = "decimal"
        elif ftype not in {"integer", "decimal"}:
            ftype = "integer"
    return ParsedItem(
        field=FieldSpec(
            name=name,
            type=ftype,
            required=required,
            unique=unique or name in UNIQUE_BY_NATURE,
            description=description or describe(name, ftype),
            enum_values=enum_values,
            minimum=minimum if minimum is not None else lo,
            maximum=maximum if maximum is not None else hi,
            references=refs,
            source=span,
        )
    )


RANGE = re.compile(
    r"\b(?:from|between)\s+(-?\d+(?:\.\d+)?)\s+(?:to|and)\s+(-?\d+(?:\.\d+)?)(?:\s+[a-z]+)?"
)
UNIT = re.compile(
    r"\bin\s+((?:square\s+)?(?:minutes|seconds|hours|days|weeks|km|kilometres|kilometers|miles|kg|"
    r"kilograms|grams|g|metres|meters|m|cm|mm|hectares|ml|litres|liters|pounds|lbs|euros|dollars|"
    r"cents|bytes|mb|gb|celsius|percent))\b"
)
TIME_UNITS = {"minutes", "seconds", "hours", "days", "weeks"}
TEXT_WORDS = {
    "description",
    "notes",
    "note",
    "body",
    "content",
    "text",
    "reason",
    "bio",
    "summary",
    "comment",
    "authors",
    "message",
    "instructions",
    "abstract",
    "steps",
    "letter",
    "review",
}


#: heads of fields whose type does not show in their name ('title', 'position')
FIELD_HEADS = frozenset(
    [
        "name",
        "title",
        "label",
        "description",
        "position",
        "note",
        "notes",
        "text",
        "body",
        "code",
        "number",
        "reference",
        "prompt",
        "answer",
        "question",
        "comment",
        "summary",
        "status",
        "role",
        "colour",
        "color",
        "size",
    ]
)


def names_fields(items: list[str]) -> bool:
    """Whether a parenthesised list names fields ('title, position', 'prompt, points')
    rather than values ('gluten, nuts, dairy'): some item is several words, a field word,
    or a name whose type says it is a field (a price, a date, a count)."""
    for item in items:
        words = [w for w in re.findall(r"[a-z0-9]+", item.lower()) if w not in FILLER]
        if not words:
            continue
        if len(words) > 1 or words[-1] in FIELD_HEADS or words[-1] in TEXT_WORDS:
            return True
        if infer_type(words[-1])[0] != "string":
            return True
    return False


def infer_type(
    name: str, enum_values: tuple[str, ...] = ()
) -> tuple[FieldType, str | None, float | None, float | None]:
    """(type, referenced entity, minimum, maximum) for a field name."""
    last = name.rsplit("_", 1)[-1]
    parts = set(name.split("_"))
    if enum_values:
        return "enum", None, None, None
    if "email" in name:
        return "email", None, None, None
    if last in {"url", "link", "website", "homepage"}:
        return "url", None, None, None
    if last in {"amount", "price", "cost", "fee", "fine", "total", "balance", "salary", "share"}:
        return "decimal", None, 0.0, None
    if last in {"rate"} or parts & {"price", "amount", "cost", "salary"}:
        return "decimal", None, 0.0, None
    if last in {"value", "percentage", "reading", "area", "distance", "temperature"}:
        return "decimal", None, None, None
    if last in {"weight", "height", "length", "width", "volume"}:
        return "decimal", None, 0.0, None
    if last in {"timestamp"} or name.endswith("_at") or last == "time":
        return "datetime", None, None, None
    if last in {"start", "end", "from", "until"} or name.startswith(("starts_", "ends_")):
        return "datetime", None, None, None
    if last in {"date", "day", "birthday"} or name in {"expiry", "deadline"} or "date" in parts:
        return "date", None, None, None
    if last in {"year"}:
        return "integer", None, 0.0, None
    if last in {"count", "capacity", "quantity", "copies", "seats", "level", "stock", "age"}:
        return "integer", None, 0.0, None
    if parts & {"points", "size", "credits", "places", "docks", "bedrooms", "count", "hours"} or (
        last == "limit"
    ):
        return "integer", None, 0.0, None
    if last in {"priority", "rating", "score"}:
        return "integer", None, None, None
    bools = {"published", "active", "enabled", "disabled", "archived", "done", "flag"}
    if last in bools and len(parts) == 1:
        return "boolean", None, None, None
    if name.startswith(("is_", "has_")):
        return "boolean", None, None, None
    if last in USER_REFERENCE_NAMES:
        return "reference", "user", None, None
    if last in TEXT_WORDS:
        return "text", None, None, None
    if last == "uuid":
        return "uuid", None, None, None
    return "string", None, None, None


def describe(name: str, ftype: FieldType) -> str:
    """A short human description of a field from its name and type."""
    words = name.replace("_", " ")
    hints: dict[str, str] = {
        "decimal": "exact decimal, never floating point",
        "datetime": "timestamp with time zone (ISO 8601)",
        "date": "calendar date (ISO 8601)",
        "url": "absolute http(s) URL",
        "email": "email address",
        "reference": "reference to the user",
        "boolean": "true/false",
    }
    extra = hints.get(ftype)
    if name == "currency":
        extra = "ISO 4217 currency code"
    return f"{words} ({extra})" if extra else words
