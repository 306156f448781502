"""Request text -> a typed domain model (actors, entities, relations, listings, targets).

This is heuristic English parsing, not understanding: each function looks for one
phrasing engineers commonly use ("A bookmark has a URL, a title...", "tasks belong to
projects", "p95 under 20 ms") and records what it found. Everything is pure and ordered
so the same request always yields the same model. Front-matter hints override guesses.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import get_args

from featureline.artifacts.requirements import FieldType
from featureline.language.lexicon import (
    NOT_ENTITIES,
    can_be_noun,
    is_person,
    lemmas,
    only_verb,
)
from featureline.language.sentences import sentences
from featureline.providers.builtin.fields import FieldSpec, names_fields
from featureline.providers.builtin.text import singular, snake
from featureline.providers.builtin.understanding.actors import find_actors as read_actors
from featureline.providers.builtin.understanding.columns import rename_keyword_fields
from featureline.providers.builtin.understanding.hints import (
    apply_entity_hints,
    apply_relation_hints,
)
from featureline.providers.builtin.understanding.inherit import own_children_of_owned_records
from featureline.providers.builtin.understanding.lifecycle import read_lifecycle
from featureline.providers.builtin.understanding.listing import find_listing
from featureline.providers.builtin.understanding.model import (
    Domain,
    EntitySpec,
    ListingSpec,
    RelationSpec,
)
from featureline.providers.builtin.understanding.parties import read_is_for, read_owns_its
from featureline.providers.builtin.understanding.passive import read_kept_fields, read_passive
from featureline.providers.builtin.understanding.records import (
    add_field_list,
    read_actions,
    read_passive_with,
    read_subject_has,
)
from featureline.providers.builtin.understanding.rules import (
    read_rules,
    share_referenced_role_records,
)
from featureline.request import FeatureRequest

__all__ = ["Domain", "EntitySpec", "ListingSpec", "RelationSpec", "analyse"]


ACTOR_WORDS: dict[str, str] = {
    "user": "user",
    "reader": "reader",
    "author": "author",
    "moderator": "moderator",
    "admin": "admin",
    "administrator": "admin",
    "organiser": "organiser",
    "organizer": "organiser",
    "attendee": "attendee",
    "member": "member",
    "staff": "staff",
    "manager": "manager",
    "librarian": "librarian",
    "owner": "owner",
    "customer": "customer",
    "employee": "employee",
    "editor": "editor",
    "guest": "guest",
    "visitor": "visitor",
}
ACTOR_DESCRIPTIONS: dict[str, str] = {
    "user": "a signed-in person using the service",
    "api_client": "a caller authenticated with an API key",
}
PRONOUNS = {"them", "it", "they", "anyone", "everyone", "one", "this", "that", "each"}
SUBJECT_VERBS = {"register", "registers", "sign", "signs", "join", "joins"}
FIELD_TYPES: set[str] = set(get_args(FieldType))


def analyse(request: FeatureRequest) -> Domain:
    """Build the domain model for a request (hints first, then heuristics)."""
    sents = sentences(request.text)
    domain = Domain(
        title=request.title,
        sentences=sents,
        actors=read_actors(sents, request.text),
        entities={},
        relations=[],
        listings={},
        auth_scheme="api_key" if re.search(r"\bapi key\b", request.text, re.I) else "bearer",
        dialect=str(request.hints.get("dialect", "postgresql")),
    )
    domain.hinted = apply_entity_hints(domain, request.hints)
    if not domain.hinted:
        for sentence in sents:
            read_owns_its(domain, sentence)
            find_entities(domain, sentence)
            read_subject_has(domain, sentence)
            read_passive_with(domain, sentence)
            read_passive(domain, sentence)
            read_actions(domain, sentence)
            read_is_for(domain, sentence)
    resolve_pending(domain)
    for sentence in sents:
        read_kept_fields(domain, sentence)
        find_relations(domain, sentence)
        find_listing(domain, sentence)
        find_ownership(domain, sentence)
        find_state_fields(domain, sentence)
        read_lifecycle(domain, sentence)
    for sentence in sents:
        find_role_ownership(domain, sentence)
    resolve_pending(domain)
    apply_relation_hints(domain, request.hints)
    owner_fields_to_ownership(domain)
    if "auth" in request.hints:
        auth = str(request.hints["auth"]).lower()
        domain.auth_scheme = "api_key" if "key" in auth else "bearer"
    for sentence in sents:
        read_rules(domain, sentence)
    share_referenced_role_records(domain)
    own_children_of_owned_records(domain)
    outside_people(domain)
    ensure_minimum(domain)
    rename_keyword_fields(domain)
    field_names = {
        f.name for e in domain.entities.values() for f in e.fields if f.type != "reference"
    }
    domain.actors = {k: v for k, v in domain.actors.items() if k + "s" not in field_names}
    if not domain.actors and domain.entities:
        domain.actors = {"user": ACTOR_DESCRIPTIONS["user"]}
    return domain


def _entity(domain: Domain, word: str, sentence: str, hint: bool = False) -> EntitySpec | None:
    """The entity a word names, created when new; a word that cannot name a collection of
    records (a pronoun, a unit, a person, a word that is only a verb) names none."""
    name = singular(snake(word))
    if not name or name in PRONOUNS or name == "user" or len(name) < 2:
        return None
    known = domain.resolve(name)
    if known and not hint:
        return domain.entities[known]
    last = name.rsplit("_", 1)[-1]
    unfit = last in NOT_ENTITIES or is_person(last) or not can_be_noun(last) or only_verb(last)
    if not hint and name not in domain.entities and unfit:
        return None
    if name not in domain.entities:
        domain.entities[name] = EntitySpec(
            name=name, fields=[], source=sentence, span=word.replace("_", " ")
        )
    return domain.entities[name]


def _add_fields(domain: Domain, entity: EntitySpec, field_text: str, sentence: str) -> None:
    """Parse a field list ('a title, tags and a published flag') into the entity; what it
    adds (a nested collection) is grounded in the sentence that states it."""
    add_field_list(domain, entity, field_text, sentence)
    for i, spec in enumerate(entity.fields):
        if spec.name in domain.actors and spec.type == "string":
            entity.fields[i] = FieldSpec(
                spec.name,
                "reference",
                spec.required,
                description=f"the {spec.name}",
                references="user",
                source=spec.source,
            )


ENTITY_PATTERNS: tuple[tuple[str, str], ...] = (
    ("has", r"\b(?:an?|each|every)\s+([a-z]+)\s+(?:has|contains)\s+(.+)"),
    ("have", r"^([A-Za-z]+)\s+have\s+((?:an?|the)\s+.+)"),
    ("with", r"\b([a-z]+)\s+with\s+((?:an?|the|its|their)\s+.+)"),
    (
        "for",
        r"\b(?:create|add|save|submit)s?\s+an?\s+(?:[a-z]+\s)?([a-z]+)\s+for\s+((?:an?|the)\s+.+)",
    ),
)


def find_entities(domain: Domain, sentence: str) -> None:
    """Recognise entity-defining phrasings in one sentence."""
    s = sentence.rstrip(".")
    low = s.lower()
    # "Staff record stock movements: receipts, shipments and transfers ..., each with a ..."
    kinds = re.search(r"([a-z]+(?:\s[a-z]+)?):\s*([a-z ,]+?),\s*each with\s+(.+)", low)
    if kinds:
        noun = kinds.group(1).split()
        ent = _entity(domain, "_".join(noun[-2:]) if len(noun) > 1 else noun[0], sentence)
        if ent is not None:
            values = [
                singular(v.split()[0]) for v in re.split(r",|\band\b", kinds.group(2)) if v.strip()
            ]
            ent.add_field(FieldSpec("kind", "enum", enum_values=tuple(values), description="kind"))
            _add_fields(domain, ent, kinds.group(3), sentence)
            _mention_relations(domain, ent, low)
        return
    per = re.search(
        r"\beach\s+([a-z]+)\s+(?:holds|keeps|has)\s+an?\s+([a-z ]+?)\s+per\s+([a-z]+)", low
    )
    if per:
        ent = _entity(domain, per.group(2), sentence)
        if ent is not None:
            ent.add_field(
                FieldSpec("quantity", "integer", minimum=0.0, description="quantity on hand")
            )
            domain.pending.append((ent.name, per.group(1), "many_to_one"))
            domain.pending.append((ent.name, per.group(3), "many_to_one"))
        return
    listed = [
        (f"{before}_{noun}" if before and _modifier(before) else noun, fields)
        for before, noun, fields in re.findall(
            r"\b(?:([a-z]+)\s+)?([a-z]+s)\s*\(([^)]*,[^)]*)\)", low
        )
        if singular(noun) != noun and names_fields(fields.split(","))
    ]
    subject = _defining_subject(domain, low)
    for noun, fields in listed:
        ent = _entity(domain, noun, sentence)
        if ent is not None:
            add_field_list(domain, ent, fields, sentence, nested=True)
            if (
                subject is not None
                and subject != ent.name
                and low.find(subject.split("_")[-1]) < low.find(noun.split("_")[-1])
            ):
                domain.add_relation(
                    ent.name, subject, "many_to_one", f"each {ent.name} belongs to a {subject}"
                )
    if listed:
        return
    for _label, pattern in ENTITY_PATTERNS:
        match = re.search(pattern, s if _label == "have" else low)
        if not match:
            continue
        if _label == "with" and not _record_before_with(low, match.start(1)):
            continue
        noun, fields = match.group(1).lower(), match.group(2)
        if noun in SUBJECT_VERBS:
            first = re.match(r"([A-Za-z]+)", s)
            noun = first.group(1).lower() if first else noun
        ent = _entity(domain, noun, sentence)
        if ent is not None:
            _add_fields(domain, ent, fields, sentence)
            # only the clause that defines it: "each call for proposals defines its
            # criteria; a criterion has …" does not make criteria belong to proposals
            start = low.rfind(";", 0, match.start()) + 1
            end = low.find(";", match.start())
            clause = low[start : end if end >= 0 else len(low)]
            _mention_relations(domain, ent, clause, anywhere=_label == "with")
            return
    find_action_entities(domain, sentence)


def _record_before_with(low: str, at: int) -> bool:
    """'publish events with …' / 'records a click with …' introduce a record; 'apply to
    openings with …' or 'checks in a habit with …' do not (the noun follows a preposition)."""
    before = re.findall(r"[a-z]+", low[:at])
    while before and (
        before[-1]
        in {"a", "an", "the", "their", "its", "his", "her", "our", "each", "that", "this"}
        or _adjective(before[-1])
    ):
        before.pop()  # "to a shared shelf with": walk back to the word before the phrase
    return not before or before[-1] not in PREPOSITION_WORDS


def _adjective(word: str) -> bool:
    """A modifier that is no noun: 'shared', 'second-hand', 'public'."""
    found = lemmas(word)
    return bool(found) and "NOUN" not in found and ("ADJ" in found or word.endswith("ed"))


PREPOSITION_WORDS = frozenset(
    [
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "into",
        "onto",
        "about",
        "between",
        "among",
        "per",
        "via",
        "through",
    ]
)


def _modifier(word: str) -> bool:
    """Whether a word before a noun joins its name ('line items', not 'its items')."""
    from featureline.language.phrases import _modifier_noun

    return (
        word not in PRONOUNS
        and word not in {"its", "their", "and", "of", "with"}
        and _modifier_noun(word)
    )


def _defining_subject(domain: Domain, low: str) -> str | None:
    """The entity a sentence starts by defining ('An invoice ... has ...')."""
    m = re.match(r"^(?:an?|each|every|the)\s+([a-z]+)\b", low)
    return domain.resolve(m.group(1)) if m else None


ACTIONS: tuple[tuple[str, str, tuple[FieldSpec, ...]], ...] = (
    (
        r"\bcomments?\s+on\s+(?:the\s+|their\s+)?([a-z]+)",
        "comment",
        (
            FieldSpec("body", "text", description="comment text"),
            FieldSpec(
                "author", "reference", description="the user who wrote it", references="user"
            ),
        ),
    ),
    (
        r"\bbook\s+(?:one or more|several|a number of)?\s*seats?\s+for\s+(?:an?|the)\s+([a-z]+)",
        "booking",
        (
            FieldSpec("seats", "integer", minimum=1.0, description="number of seats booked"),
            FieldSpec(
                "attendee", "reference", description="the user who booked", references="user"
            ),
        ),
    ),
    (
        r"\bborrow\b.*?\b(copies|books?)\b",
        "loan",
        (
            FieldSpec("borrowed_at", "datetime", description="when the loan started"),
            FieldSpec("due_at", "datetime", description="when the copy is due back"),
            FieldSpec("returned_at", "datetime", required=False, description="when it came back"),
            FieldSpec("renewals", "integer", minimum=0.0, description="times renewed"),
        ),
    ),
    (
        r"\breserve\s+an?\s+([a-z]+)",
        "reservation",
        (FieldSpec("reserved_at", "datetime", description="when the reservation was made"),),
    ),
)


def find_action_entities(domain: Domain, sentence: str) -> None:
    """Verbs that imply a record: 'comment on tasks' -> comment, 'book seats' -> booking."""
    low = sentence.lower()
    for pattern, name, specs in ACTIONS:
        match = re.search(pattern, low)
        if not match:
            continue
        ent = _entity(domain, name, sentence)
        if ent is None:
            continue
        for spec in specs:
            ent.add_field(spec)
        target = "book" if name in {"loan", "reservation"} else match.group(1)
        domain.pending.append((name, target, "many_to_one"))
        if name in {"loan", "reservation"}:
            domain.pending.append((name, "member", "many_to_one"))


def _mention_relations(domain: Domain, ent: EntitySpec, low: str, anywhere: bool = False) -> None:
    """'Members of a project create tasks' -> task belongs to project (earlier entities only).

    With ``anywhere`` any earlier entity named in the sentence counts ("Visiting the short
    link ... records a click with ..." -> click belongs to link)."""
    pattern = (
        r"\b([a-z]+)"
        if anywhere
        else r"\b(?:of|for|on|in|to|between)\s+(?:an?|the|each|their)?\s*([a-z]+)"
    )
    for word in re.findall(pattern, low):
        target = domain.resolve(word)
        if (
            target
            and target != ent.name
            and list(domain.entities).index(target) < list(domain.entities).index(ent.name)
        ):
            domain.add_relation(
                ent.name, target, "many_to_one", f"each {ent.name} belongs to a {target}"
            )


def find_relations(domain: Domain, sentence: str) -> None:
    """Explicit relation phrasings between entities (and memberships of actors)."""
    low = sentence.lower().rstrip(".")
    for a, b in re.findall(r"\b([a-z]+)\s+belongs?\s+to\s+(?:an?|the|one)?\s*([a-z]+)", low):
        domain.pending.append((singular(a), b, "many_to_one"))
    for a, b in re.findall(r"^([a-z]+)\s+(?:share|own|keep|hold)\s+([a-z]+)$", low):
        domain.pending.append((singular(b), a, "many_to_one"))
    for owner, members in re.findall(r"\b(?:an?|each)\s+([a-z]+)\s+has\s+([a-z]+)$", low):
        _membership(domain, owner, members, sentence)
    for members, owner in re.findall(r"\b([a-z]+)\s+(?:history\s+)?of\s+an?\s+([a-z]+)", low):
        if ACTOR_WORDS.get(singular(members)) and singular(members) not in domain.entities:
            _membership(domain, owner, members, sentence)
        elif domain.resolve(members) and domain.resolve(owner):
            domain.pending.append((members, owner, "many_to_one"))
    shared = re.search(
        r"\b(?:an?|each|every)\s+([a-z]+)\s+(?:can\s+)?(?:appear|belong|be)\s+(?:in|to)\s+"
        r"(?:many|several|multiple|any number of)\s+([a-z]+)",
        low,
    )
    if shared:
        a, b = domain.resolve(shared.group(1)), domain.resolve(shared.group(2))
        if a and b and a != b:
            domain.relations = [r for r in domain.relations if {r.source, r.target} != {a, b}]
            domain.add_relation(b, a, "many_to_many", f"a {b} has many {a}s and the reverse")
    for word in re.findall(r"\b([a-z]+)\s+owners?\b", low):
        target = domain.resolve(word)
        ent = domain.entities[target] if target else None
        if ent is not None and ent.field_named("owner") is None and ent.owned_by is None:
            ent.owned_by = "user"
            ent.ownership_source = sentence


def _membership(domain: Domain, owner: str, members: str, sentence: str) -> None:
    target = domain.resolve(owner)
    role = singular(members)
    if target is None:
        return
    if role in ACTOR_WORDS and role not in domain.entities:
        domain.add_relation(target, "user", "many_to_many", f"a {target} has {role}s (users)")
    elif domain.resolve(members):
        domain.pending.append((singular(members), owner, "many_to_one"))
    _ = sentence


def resolve_pending(domain: Domain) -> None:
    """Relations whose target may have been defined later in the text."""
    for source, target_word, kind in domain.pending:
        src = domain.resolve(source)
        target = domain.resolve(target_word)
        if src and target:
            domain.add_relation(src, target, kind, f"each {src} belongs to a {target}")


def find_ownership(domain: Domain, sentence: str) -> None:
    """'Nobody can see another user's bookmarks' / 'edit their own posts' -> owned rows."""
    low = sentence.lower()
    patterns = (
        r"another\s+user'?s\s+([a-z]+)",
        r"\btheir\s+own\s+([a-z]+)",
        r"\bonly\s+their\s+(?:own\s+)?([a-z]+)",
        r"\bown\s+([a-z]+)\s+only\b",
    )
    for pattern in patterns:
        for word in re.findall(pattern, low):
            target = domain.resolve(word)
            ent = domain.entities[target] if target else None
            if ent is not None and (ent.owned_by is None or ent.ownership_inferred):
                ent.owned_by, ent.ownership_source = "user", sentence
                ent.ownership_inferred = False


def find_role_ownership(domain: Domain, sentence: str) -> None:
    """'Attendees see their upcoming bookings' -> bookings are the caller's own rows.

    Runs after the explicit ownership phrasings so those stay the recorded source; the
    reference to the acting role ('attendee') becomes the owner column."""
    low = sentence.lower()
    seen = re.search(
        r"^([a-z]+)\s+(?:can\s+)?(?:see|list|view)s?\s+their\s+([a-z]+)(?:\s+([a-z]+))?", low
    )
    if seen:
        role = ACTOR_WORDS.get(singular(seen.group(1)))
        target = domain.resolve(seen.group(2)) or (
            domain.resolve(seen.group(3)) if seen.group(3) else None
        )
        owned = target is not None and domain.entities[target].owned_by is not None
        if role and target and (not owned or domain.entities[target].ownership_inferred):
            ent = domain.entities[target]
            ent.ownership_inferred = False
            ent.owned_by = "user"
            ent.ownership_source = sentence
            ent.fields = [f for f in ent.fields if not (f.name == role and f.type == "reference")]


def owner_fields_to_ownership(domain: Domain) -> None:
    """'A project has ... an owner' -> the project is owned by the user who creates it.

    The owner is then the calling user (an ``owner_id`` the client cannot set), not a
    field the client fills in."""
    for ent in domain.entities.values():
        spec = ent.field_named("owner")
        if spec is None or spec.type != "reference" or spec.references != "user":
            continue
        ent.fields = [f for f in ent.fields if f.name != "owner"]
        if ent.owned_by is None:
            ent.owned_by = "user"
            ent.ownership_source = ent.source


def find_state_fields(domain: Domain, sentence: str) -> None:
    """State changes stated in prose: moderation, disabling, voiding."""
    low = sentence.lower()
    mentioned: list[str] = []
    for word in re.findall(r"[a-z]+", low):
        name = domain.resolve(word)
        if name and name not in mentioned:
            mentioned.append(name)
    if not mentioned:
        return
    target = domain.entities[mentioned[-1]]
    disable = re.search(r"\bdisable\s+(?:an?|the|their)?\s*([a-z]+)", low)
    if disable and domain.resolve(disable.group(1)):
        target = domain.entities[domain.resolve(disable.group(1)) or target.name]
    moderation = re.search(r"\bmoderat|\bapprove\b.*\breject\b", low)
    if moderation:
        before = [domain.resolve(w) for w in re.findall(r"[a-z]+", low[: moderation.start()])]
        named = [b for b in before if b]
        target = domain.entities[named[-1]] if named else target
        target.add_field(
            FieldSpec(
                "status",
                "enum",
                enum_values=("pending", "approved", "rejected"),
                description="moderation status; new rows start as pending",
            )
        )
        if "reason" in low:
            target.add_field(
                FieldSpec(
                    "moderation_reason",
                    "text",
                    required=False,
                    description="why it was approved or rejected",
                )
            )
    if re.search(r"\bdisable\b", low):
        target.add_field(
            FieldSpec(
                "disabled",
                "boolean",
                required=False,
                description="a disabled row is kept but no longer active",
            )
        )
    if re.search(r"\baudit", low):
        target.add_field(
            FieldSpec(
                "recorded_by",
                "reference",
                description="the user who recorded it",
                references="user",
            )
        )
    if re.search(r"\bvoid(ed)?\b", low):
        target.add_field(
            FieldSpec(
                "voided", "boolean", required=False, description="voided rows stay in the history"
            )
        )


OUTSIDE_PEOPLE = frozenset({"author", "artist", "writer", "composer", "director", "instructor"})


def outside_people(domain: Domain) -> None:
    """A person field is a reference to a user only when that person uses the service."""
    for ent in domain.entities.values():
        for i, f in enumerate(ent.fields):
            if f.type == "reference" and f.name in OUTSIDE_PEOPLE and f.name not in domain.actors:
                ent.fields[i] = replace(
                    f, type="string", references=None, description=f"the {f.name}'s name"
                )


def ensure_minimum(domain: Domain) -> None:
    """An entity the request names without any field gets a ``name`` so its rows can be
    told apart; that assumption is recorded. A request naming no entity gets none: the
    requirements then say so, and the gate stops for a person (never a generic 'item')."""
    for ent in domain.entities.values():
        has_parent = any(
            (r.source == ent.name and r.kind in {"many_to_one", "one_to_one"})
            or (r.target == ent.name and r.kind == "one_to_many")
            for r in domain.relations
        )
        if not ent.fields and not has_parent:
            ent.fields.insert(0, FieldSpec("name", "string", description="name"))
            domain.assumed.append(
                f"The request names {ent.name.replace('_', ' ')} without any detail: "
                "a name field is assumed so its rows can be told apart."
            )
