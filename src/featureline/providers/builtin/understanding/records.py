"""Records named by what people do, and collections nested in other records.

- "Team members book meeting rooms for a time slot": the act names a record (a booking)
  of the object (a meeting room), owned by the person who acts, with the time slot as
  its interval.
- "Companies post job openings with a title and a location": the object is the record.
- "An invoice has ... line items (description, quantity, unit price)": a collection of
  its own, each row belonging to the invoice.
- "A bike has a frame number and a model": the subject is the record.

Each reader adds only what the sentence grounds; relations to records defined later
wait in ``Domain.pending``.
"""

from __future__ import annotations

import re

from featureline.language.lexicon import (
    ACTION_VERBS,
    FUNCTION_WORDS,
    NOMINALISATIONS,
    NOT_ENTITIES,
    is_person,
    is_plural,
    singular,
    verb_lemma,
    words,
)
from featureline.language.phrases import (
    EVENT_NOUNS,
    PORTIONS,
    PREPOSITIONS,
    NounPhrase,
    clauses,
    noun_phrase,
    tokens,
)
from featureline.providers.builtin.fields import FieldSpec, names_fields, parse_item
from featureline.providers.builtin.text import snake, split_top_level
from featureline.providers.builtin.understanding.model import Domain, EntitySpec

#: verbs whose object is a new record (not a lookup): "post openings", "log readings"
CREATING_VERBS = frozenset(
    words(
        """
        add create record log post publish submit save write file register enter upload
            raise place schedule issue offer open keep buy sell share track manage organise
            organize lend set build run hand
        """
    )
)
#: phrases that hold a list of records: "keep a register of mice", "a log of their plants"
CONTAINERS = frozenset({"register", "log", "list", "catalogue", "catalog", "collection", "set"})
INTERVAL_WORDS = re.compile(
    r"\b(?:for|in|during)\s+(?:an?|the|each)\s+((?:time\s+)?(?:slot|window|period))"
    r"(?:\s*\(([a-z ,]+)\))?"
)
FROM_TO = re.compile(
    r"\bfrom\s+(?:an?|the)\s+([a-z]+(?:\s[a-z]+)?)\s+(?:to|until)\s+(?:an?|the)\s+([a-z]+(?:\s[a-z]+)?)"
)


def ensure_entity(
    domain: Domain, np: NounPhrase, sentence: str, person_ok: bool = False
) -> EntitySpec | None:
    """The entity a noun phrase names, created (grounded in the phrase) when new.

    People are records too when the request gives them fields ("Staff create customers
    with a name"): ``person_ok`` says the caller saw such fields."""
    known = domain.resolve(np.name) or domain.resolve(np.head)
    if known:
        return domain.entities[known]
    if np.is_person and not person_ok:
        return None
    if not (np.thing or (np.is_person and person_ok)):
        return None
    ent = EntitySpec(name=np.name, fields=[], source=sentence, span=np.span)
    domain.entities[np.name] = ent
    return ent


def named_entity(domain: Domain, name: str, span: str, sentence: str) -> EntitySpec:
    known = domain.resolve(name)
    if known:
        return domain.entities[known]
    ent = EntitySpec(name=name, fields=[], source=sentence, span=span)
    domain.entities[name] = ent
    return ent


def add_field_list(
    domain: Domain, ent: EntitySpec, text: str, sentence: str, nested: bool = False
) -> None:
    """Fields (and nested collections) from 'a title, a cooking time and line items (…)'.

    ``nested``: the list is a collection's parentheses, where every item is a field."""
    # "a barcode, which must be unique, and a date": the clause marks the field unique
    text = re.sub(
        r",?\s+(?:which|that)\s+(?:must be|is|should be|has to be)\s+unique\b"
        r"(?:\s+(?:across|among|in)\s+(?:the|all|its|their)\s+[a-z]+)?",
        " (unique)",
        text,
    )
    text = re.split(r";|\.\s|, who\b|, which\b|,?\s+so\b|\s+so that\b", text)[0]
    owned = re.match(
        r"^\s*(?:many\s+|several\s+|multiple\s+)?([a-z]+(?:\s[a-z]+)?)\s*,?\s*(?:each\s+)?with\s+(.+)$",
        text,
        re.I,
    )
    child_np = noun_phrase(tokens(owned.group(1)), 0) if owned else None
    each_with = owned is not None and re.search(r",?\s*each\s+with\b", owned.group(0)) is not None
    if (
        owned
        and child_np is not None
        and child_np.plural
        and (child_np.thing or child_np.is_person or each_with)  # "items, each with …"
    ):
        child = named_entity(domain, child_np.name, child_np.span, sentence)
        add_field_list(domain, child, owned.group(2), sentence)
        domain.add_relation(
            child.name, ent.name, "many_to_one", f"each {child.name} belongs to a {ent.name}"
        )
        return
    text = re.sub(r"\bbetween\s+(\S+)\s+and\s+", r"between \1 ~and~ ", text)
    items: list[str] = []
    for chunk in split_top_level(text):
        items.extend(
            re.sub(r"^\s*(?:and|or)\s+", "", p).replace("~and~", "and")
            for p in re.split(r"\s+and\s+(?![^(]*\))", chunk)
            if p.strip()
        )
    optional_rest = False
    for k, item in enumerate(items):
        optional_rest = optional_rest or "optionally" in item.lower()
        trailing = re.match(
            r"^\s*(?:many\s+|several\s+)?([a-z]+(?:\s[a-z]+)?)\s+with\s+(.+)$", item, re.I
        )
        trailing_np = noun_phrase(tokens(trailing.group(1)), 0) if trailing and not nested else None
        if trailing and trailing_np is not None and trailing_np.plural and trailing_np.thing:
            # "a week start date and entries with a day, a code and hours": the rest of
            # the list describes the entries
            child = named_entity(domain, trailing_np.name, trailing_np.span, sentence)
            rest = ", ".join([trailing.group(2), *items[k + 1 :]])
            add_field_list(domain, child, rest, sentence)
            domain.add_relation(
                child.name, ent.name, "many_to_one", f"each {child.name} belongs to a {ent.name}"
            )
            return
        item = re.sub(r"^\s*(?:each|every)\s+[a-z]+\s+with\s+", "", item, flags=re.I)
        if _interval_item(ent, item):
            continue
        if _reference_item(domain, ent, item):
            continue
        holds = re.match(r"^\s*(?:contains|has|holds|includes)\s+(.+)$", item, re.I)
        if holds and not nested:
            add_field_list(domain, ent, holds.group(1).rstrip(":"), sentence)
            continue
        group = re.match(r"\s*(?:its\s+|their\s+)?([a-z]+(?:\s[a-z]+)?)\s*\(([^)]*)\)\s*$", item)
        if group and not nested and _nested_collection(domain, ent, group, sentence):
            continue
        parsed = parse_item(item.rstrip(":"), nested=nested)
        if parsed is None:
            continue
        if parsed.child:
            child = named_entity(domain, parsed.child, item.strip(), sentence)
            domain.add_relation(
                child.name, ent.name, "many_to_one", f"each {child.name} belongs to a {ent.name}"
            )
            continue
        if parsed.many_to_many:
            target = named_entity(domain, parsed.many_to_many, item.strip(), sentence)
            target.add_field(
                FieldSpec("name", "string", unique=True, description="name", source=item.strip())
            )
            domain.add_relation(
                ent.name,
                target.name,
                "many_to_many",
                f"a {ent.name} has any number of {target.name}s",
            )
            continue
        for spec in (parsed.field, *parsed.extra):
            if spec is None or spec.name in {"members", "users", "participants", "attendees"}:
                continue
            if optional_rest and spec.required:
                spec = FieldSpec(**{**spec.__dict__, "required": False})
            ent.add_field(spec)


def _interval_item(ent: EntitySpec, item: str) -> bool:
    """'a time window (from, until)' / 'a time slot': a start and an end."""
    m = re.match(
        r"\s*(?:an?|the)?\s*((?:time\s+)?(?:slot|window|period))\s*(?:\(([a-z ,]+)\))?\s*$",
        item.lower(),
    )
    if not m:
        return False
    names = [snake(n) for n in (m.group(2) or "").split(",") if snake(n)]
    start, end = names if len(names) == 2 else ("start_time", "end_time")
    for name, what in ((start, "start"), (end, "end")):
        ent.add_field(
            FieldSpec(
                name, "datetime", description=f"{what} of the {m.group(1)}", source=item.strip()
            )
        )
    return True


def _reference_item(domain: Domain, ent: EntitySpec, item: str) -> bool:
    """'a contact' in a call's field list names the contact it is with: a relation."""
    words = [
        w
        for w in re.findall(r"[a-z]+", item.lower())
        if w not in {"a", "an", "the", "its", "their"}
    ]
    if len(words) != 1:
        return False
    target = domain.resolve(words[0])
    if target is None or target == ent.name:
        return False
    domain.add_relation(ent.name, target, "many_to_one", f"each {ent.name} is for a {target}")
    return True


def _nested_collection(domain: Domain, parent: EntitySpec, m: re.Match[str], sentence: str) -> bool:
    """'line items (description, quantity, unit price)': a child collection with fields.

    Only a plural noun makes a collection; 'a status (open, closed)' stays an enum."""
    words = [w for w in m.group(1).lower().split() if w not in {"a", "an", "the"}]
    if not words or singular(words[-1]) == words[-1]:
        return False
    inner = [p.strip() for p in re.split(r",|\band\b", m.group(2)) if p.strip()]
    if not names_fields(inner):
        return False  # "allergens (gluten, nuts, dairy)": values, not a collection
    parsed = [parse_item(p, nested=True) for p in inner]
    if not inner or not all(p is not None and p.field is not None for p in parsed):
        return False
    np = noun_phrase(tokens(" ".join(words)), 0)
    if np is None or not (np.thing or np.is_person):  # "players (name, shirt number)"
        return False
    child = named_entity(domain, np.name, m.group(0).strip(), sentence)
    add_field_list(domain, child, ", ".join(inner), sentence, nested=True)
    domain.add_relation(
        child.name, parent.name, "many_to_one", f"each {child.name} belongs to a {parent.name}"
    )
    return True


def read_subject_has(domain: Domain, sentence: str) -> None:
    """'Tables have a number and a number of seats' / 'Each piece of equipment has …'.

    'The hotel has rooms with …' names a single hotel (no collection): its rooms are."""
    last: EntitySpec | None = None
    for clause in clauses(sentence):
        more = re.match(r"^(?:contains|has|holds|includes)\s+(.+)$", clause, re.I)
        if more and last is not None:
            add_field_list(domain, last, more.group(1).rstrip(":"), sentence)
            continue
        if last is not None and re.match(r"^(?:an?|the|optional)\s+[a-z ]+$", clause, re.I):
            add_field_list(domain, last, clause, sentence)  # "…, and a note"
            continue
        m = re.match(
            r"^(?:(an?|each|every|the)\s+)?([a-z][a-z -]*?)"
            r"(?:\s+(?:belongs?|is linked|are linked)\s+to\s+(?:an?|the|one)\s+[a-z]+\s+and)?\s+"
            r"(has|have|contains|contain|carries|carry|holds|hold|"
            r"lists (?=its|their|[a-z]+s\s+with\b)|"
            r"includes|include|records|stores|keeps|tracks)\s*(.+)$",
            clause,
            re.I,
        )
        if not m:
            continue
        det = (m.group(1) or "").lower()
        if not det and m.group(3).lower() in {"records", "stores", "keeps", "tracks"}:
            continue  # "managers list service records": 'records' is a noun there
        subject = re.sub(r"^pieces? of\s+", "", m.group(2).lower())
        np = noun_phrase(tokens(subject), 0)
        if np is None or np.end != len(tokens(subject)):
            continue
        if det == "the" and not np.plural and domain.resolve(np.name) is None:
            inner = re.match(r"^([a-z][a-z -]*?)(?:\s+with|\s*,\s*each with)\s+(.+)$", m.group(4))
            child_np = noun_phrase(tokens(inner.group(1)), 0) if inner else None
            if inner and child_np is not None and child_np.plural:
                ent = ensure_entity(domain, child_np, sentence)
                if ent is not None:
                    add_field_list(domain, ent, inner.group(2), sentence)
            continue
        person_ok = m.group(3).lower() in {"has", "have"}
        new = domain.resolve(np.name) is None and domain.resolve(np.head) is None
        ent = ensure_entity(domain, np, sentence, person_ok=person_ok)
        if ent is None:
            continue
        if not ent.span:
            ent.span = np.span
        add_field_list(domain, ent, m.group(4), sentence)
        if new and np.is_person and not ent.fields:
            # "Employees have at most 25 days of leave": people are records only when the
            # request gives them fields it can store
            del domain.entities[ent.name]
            continue
        last = ent


def read_passive_with(domain: Domain, sentence: str) -> None:
    """'Devices are registered with a serial number (unique) and a location'."""
    m = re.match(
        r"^(?:(?:the|all|each|every)\s+)?([a-z][a-z ]*?)\s+(?:are|is)\s+[a-z]+ed\s+with\s+(.+)$",
        sentence.rstrip("."),
        re.I,
    )
    if not m:
        return
    np = noun_phrase(tokens(m.group(1)), 0)
    if np is None:
        return
    ent = ensure_entity(domain, np, sentence, person_ok=True)
    if ent is not None:
        add_field_list(domain, ent, m.group(2), sentence)


def read_actions(domain: Domain, sentence: str) -> None:
    """Records created by what people do (see the module docstring)."""
    for clause in clauses(sentence):
        toks = tokens(clause)
        before = set(domain.entities)
        _read_clause(domain, sentence, clause, toks)
        period = re.match(r"^(?:each|every)\s+(day|week|month)\b", clause.lower())
        for name in [n for n in domain.entities if n not in before] if period else []:
            unit = period.group(1) if period else "day"
            domain.entities[name].add_field(
                FieldSpec(
                    unit,
                    "date",
                    description=f"the {unit} it is for",
                    source=clause.split()[0] + " " + unit,
                )
            )


def _read_clause(domain: Domain, sentence: str, clause: str, toks: list[str]) -> None:
    """The records one clause's action verbs create (see ``_read_act``)."""
    for i, tok in enumerate(toks):
        verb = verb_lemma(tok) if tok not in {"is", "are", "be"} else None
        if verb is None or (verb not in ACTION_VERBS and verb not in NOMINALISATIONS):
            continue
        if i == 0 or not _after_subject(toks, i):
            continue
        if verb == "apply" and i + 1 < len(toks) and toks[i + 1] == "for":
            verb = "request"  # "apply for a permit": the permit is the record
        _read_act(domain, sentence, clause, toks, i, verb)


def _after_subject(toks: list[str], i: int) -> bool:
    """A verb follows its subject (a person or a modal): 'Guests reserve', 'can book'."""
    prev = toks[i - 1]
    modal = {"can", "may", "must", "also", "then", "to", "and", "or", "we", "they", "you"}
    if prev in modal or is_person(prev):
        return True
    for k in range(i - 1, max(-1, i - 5), -1):  # "…, the registrar creates": any phrase
        subject = noun_phrase(toks[:i], k)  # ending right before the verb is its subject
        if subject is not None and subject.end == i and (k == 0 or toks[k - 1] in _OPENERS):
            return True
    return False


POSSESSIVES = frozenset({"their", "his", "her", "my", "our", "your"})
#: tokens a clause's subject may follow: its start, a comma, 'when … ,'
_OPENERS = frozenset([",", ";", ":", "the", "a", "an", "each", "every", "our", "their"])
#: words between a subject and its verb: modals, adverbs, 'to' of 'ask to borrow'
_BETWEEN = frozenset(
    words("can could may might must should will would also then only often to and or not never")
)


def _person_acts(toks: list[str], i: int) -> bool:
    """Whether the subject of the verb at ``i`` may be people ('Readers can rate', 'members
    who enrol', 'critics review') rather than one organisation ('the museum', 'a research
    foundation'), walking back over modals, adverbs and the verbs of 'asks to borrow'."""
    j = i - 1
    while j >= 0:
        tok = toks[j]
        if tok in {"they", "we", "you", "i", "who", "he", "she", "everyone", "anyone"}:
            return True
        if is_person(tok):
            return True
        if tok not in _BETWEEN and verb_lemma(tok) is None:
            return is_plural(tok)  # plural subjects the lexicon lacks ('critics') may be people
        j -= 1
    return False


def _read_act(
    domain: Domain, sentence: str, clause: str, toks: list[str], i: int, verb: str
) -> None:
    j = i + 1
    phrasal = f"{verb} {toks[j]}" if j < len(toks) else verb
    if phrasal in NOMINALISATIONS:
        verb, j = phrasal, j + 1
    while j < len(toks) and toks[j] in {"for", "to", "in", "on", "up"}:
        j += 1
    obj = noun_phrase(toks, j)
    if obj is None or obj.words[-1] in {"them", "it"}:
        return
    tail_at = obj.end
    if obj.head in CONTAINERS and tail_at < len(toks) and toks[tail_at] == "of":
        inner = noun_phrase(toks, tail_at + 1)
        if inner is not None:
            obj, tail_at = inner, inner.end
    if obj.words[-1] in PORTIONS and tail_at < len(toks) and toks[tail_at] in PREPOSITIONS:
        inner = noun_phrase(toks, tail_at + 1)
        while (
            inner is not None
            and inner.determiner in POSSESSIVES
            and inner.end < len(toks)
            and toks[inner.end] in PREPOSITIONS
        ):  # "a place for their vehicle on a sailing": the place is on the sailing
            inner = noun_phrase(toks, inner.end + 1)
        if inner is not None:
            obj, tail_at = inner, inner.end
    rest = _rest_of(clause, toks, i, obj, tail_at)
    if verb == "assign":
        _assigned(domain, obj, rest)
        return
    record_name = NOMINALISATIONS.get(verb)
    if record_name and obj.head in EVENT_NOUNS and verb in {"book", "reserve"}:
        record_name = None  # "book appointments": the appointment is the record
    if record_name and not _person_acts(toks, i):
        # "A research foundation reviews proposals", "another institution asks to borrow":
        # an organisation doing it sets the scene; a person's act is what makes a record
        return
    with_fields = bool(
        re.match(r"\s*(?:with\b|\(|:)", rest)
        or re.search(r"\bwith\s+(?:an?|the|its|their)\s", rest)  # "for a race with a bib number"
    )
    if record_name:
        _nominal_record(domain, sentence, clause, verb, record_name, obj, rest)
        return
    creating = verb in CREATING_VERBS or verb in NOMINALISATIONS or verb == "request"
    known = domain.resolve(obj.name) or domain.resolve(obj.head)
    if not creating and known and re.match(r"\s*with\s+[a-z]+s\s*$", rest):
        fields_after(domain, domain.entities[known], rest, sentence)  # "reply to tickets with
        return  # messages": a collection of the ticket
    if not creating:
        return
    if not obj.plural and obj.determiner in {"a", "an", "the"} and not with_fields:
        _field_of_parent(domain, toks, obj, rest, sentence)
        return
    if obj.plural and _names_fields(domain, obj):
        return  # "referees enter scores" when fixtures have a home and an away score
    if obj.plural or with_fields:
        ent = ensure_entity(domain, obj, sentence, person_ok=with_fields)
        if ent is None:
            return
        fields_after(domain, ent, rest, sentence)
        parent_after(domain, ent, rest)
        booked = verb in {"book", "reserve", "rent", "schedule"}
        if obj.head in EVENT_NOUNS and booked and ent.owned_by is None:
            ent.owned_by, ent.ownership_source = "user", sentence
            ent.ownership_inferred = True


def _names_fields(domain: Domain, obj: NounPhrase) -> bool:
    """Whether a plural noun no entity has names fields of one ('scores' -> home_score)."""
    if domain.resolve(obj.name) or domain.resolve(obj.head):
        return False
    return any(
        f.name == obj.head or f.name.endswith("_" + obj.head)
        for ent in domain.entities.values()
        for f in ent.fields
    )


def _assigned(domain: Domain, obj: NounPhrase, rest: str) -> None:
    """'Supervisors assign picking lists to pickers': a reference to the assigned user."""
    target = domain.resolve(obj.name) or domain.resolve(obj.head)
    m = re.match(r"\s*to\s+(?:an?\s+|the\s+)?([a-z]+)", rest.lower())
    if target is None or m is None or not is_person(m.group(1)):
        return
    who = singular(m.group(1))
    domain.entities[target].add_field(
        FieldSpec(
            who,
            "reference",
            required=False,
            description=f"the {who} it is assigned to",
            references="user",
            source=f"to {m.group(1)}",
        )
    )


def _field_of_parent(
    domain: Domain, toks: list[str], obj: NounPhrase, rest: str, sentence: str
) -> None:
    """'Lecturers record a grade between 0 and 100 for each enrolment': a field of the
    record named after the object, when that record is known."""
    m = re.search(r"\b(?:for|to|of|on)\s+(?:each|every|an?|the)\s+([a-z]+)", rest)
    target = domain.resolve(m.group(1)) if m else None
    if target is None and m is None:
        # "rate books … and may add a short review": the record this sentence made
        made = [e.name for e in domain.entities.values() if e.source == sentence]
        target = made[-1] if made else None
    if target is None:
        return
    words = " ".join(toks[obj.start - (1 if obj.determiner else 0) : obj.end])
    extra = re.match(r"^((?:from|between)\s+\S+\s+(?:to|and)\s+\S+)", rest.strip())
    parsed = parse_item(f"{words} {extra.group(1)}" if extra else words)
    if parsed is not None and parsed.field is not None:
        domain.entities[target].add_field(parsed.field)


def _rest_of(clause: str, toks: list[str], i: int, obj: NounPhrase, tail_at: int) -> str:
    """The clause's own words after the object (quotes keep the request's spelling)."""
    low = clause.lower()
    at = low.find(toks[i])
    last = toks[tail_at - 1] if tail_at > 0 else obj.words[-1]
    end = low.find(last, at + len(toks[i])) if at >= 0 else -1
    if end < 0:
        return " ".join(toks[tail_at:])
    return clause[end + len(last) :].strip()


def _nominal_record(
    domain: Domain,
    sentence: str,
    clause: str,
    verb: str,
    record_name: str,
    obj: NounPhrase,
    rest: str,
) -> None:
    parent: EntitySpec | None = None
    singleton = obj.determiner == "the" and not obj.plural
    if not singleton and obj.thing and obj.words[-1] not in PORTIONS:
        parent = ensure_entity(domain, obj, sentence)
    verb_span = next(
        (w for w in re.findall(r"[a-z-]+", clause.lower()) if w.startswith(verb.split()[0][:4])),
        verb,
    )
    record = named_entity(domain, record_name, verb_span, sentence)
    if record.owned_by is None:
        record.owned_by, record.ownership_source = "user", sentence
        record.ownership_inferred = True
    if parent is not None:
        domain.add_relation(
            record.name,
            parent.name,
            "many_to_one",
            f"each {record.name} is for a {parent.name}",
        )
    elif obj.is_person:
        parent_after(domain, record, rest)  # "enrol their children in courses"
    fields_after(domain, record, rest, sentence)
    rng = re.search(r"\bfrom\s+(\d+(?:\.\d+)?)\s+to\s+(\d+(?:\.\d+)?)(?:\s+([a-z]+))?", rest)
    if rng and verb in {"rate", "score", "review"}:
        unit = rng.group(3) if rng.group(3) and rng.group(3) not in FUNCTION_WORDS else ""
        name = snake(unit) if unit else "score"
        record.add_field(
            FieldSpec(
                name,
                "integer",
                minimum=float(rng.group(1)),
                maximum=float(rng.group(2)),
                description=f"{name} from {rng.group(1)} to {rng.group(2)}",
                source=rng.group(0),
            )
        )


def fields_after(domain: Domain, ent: EntitySpec, rest: str, sentence: str) -> None:
    """Fields in the rest of a clause: 'with a cover letter', 'for a time slot', ': a, b'."""
    interval = INTERVAL_WORDS.search(rest)
    if interval:
        names = [snake(n) for n in (interval.group(2) or "").split(",") if snake(n)]
        start, end = names if len(names) == 2 else ("start_time", "end_time")
        for name, what in ((start, "start"), (end, "end")):
            ent.add_field(
                FieldSpec(
                    name,
                    "datetime",
                    description=f"{what} of the {interval.group(1)}",
                    source=interval.group(0).strip(),
                )
            )
    span = FROM_TO.search(rest)
    if span:
        for words in (span.group(1), span.group(2)):
            parsed = parse_item(words)
            if parsed and parsed.field:
                ent.add_field(parsed.field)
    starts = re.search(r"\bat\s+an?\s+(?:start|starting)\s+(time|date)\b", rest)
    if starts:
        kind = starts.group(1)
        ent.add_field(
            FieldSpec(
                f"start_{kind}",
                "datetime" if kind == "time" else "date",
                description=f"when it starts ({kind})",
                source=starts.group(0),
            )
        )
    at = re.search(r"\bat\s+an?\s+(?:given\s+|specific\s+|chosen\s+)?(time|date)\b", rest)
    if at:
        ent.add_field(
            FieldSpec(
                "scheduled_at",
                "datetime",
                description="when it takes place",
                source=at.group(0),
            )
        )
    if re.search(r"\bby the day\b|\bper day\b", rest):
        ent.add_field(FieldSpec("day", "date", description="the day", source="by the day"))
    m = re.search(
        r"(?:\bwith|\bgiving|\bstating|\bproviding|:)\s+((?:an?|the|its|their|one|optional)\b.+)$",
        rest,
    )
    if m is None:
        m = re.search(r"\bfor\s+((?:an?|the)\s+[a-z ]+(?:,\s*(?:an?|the)\s+[a-z ()]+)+.*)$", rest)
    if m:
        add_field_list(domain, ent, m.group(1), sentence)
        return
    bare = re.search(r"\bwith\s+([a-z]+s)\s*$", rest)
    child = noun_phrase(tokens(bare.group(1)), 0) if bare else None
    if child is not None and child.plural and child.thing and ent.name != child.name:
        # "agents reply to tickets with messages": the messages belong to a ticket
        record = named_entity(domain, child.name, child.span, sentence)
        domain.add_relation(
            record.name, ent.name, "many_to_one", f"each {record.name} belongs to a {ent.name}"
        )


def parent_after(domain: Domain, ent: EntitySpec, rest: str) -> None:
    """'… for a vehicle', '… to openings', '… of a mouse': the record's parent."""
    toks = tokens(rest)
    for k, tok in enumerate(toks[:6]):
        if tok not in {"for", "of", "to", "in", "on", "at", "from"}:
            continue
        np = noun_phrase(toks, k + 1)
        if np is None or np.head in NOT_ENTITIES:
            continue
        if np.is_person:
            if tok in {"for", "to"} and np.plural:
                ent.add_field(
                    FieldSpec(
                        np.head,
                        "reference",
                        description=f"the {np.head} it is for",
                        references="user",
                        source=f"{tok} {np.span}",
                    )
                )
                return
            continue
        domain.pending.append((ent.name, np.name, "many_to_one"))
        domain.pending.append((ent.name, np.head, "many_to_one"))
        return
