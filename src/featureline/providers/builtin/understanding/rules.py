"""Business rules stated in prose, as Rule specs with a behaviour a test can exercise.

Each reader looks for one way English states a rule — "cannot be double-booked", "one
check-in per habit per day", "at most one active permit", "never more reservations than
its maximum", "only maintainers can close", "from 1 to 5" — and resolves the record,
fields and scope it is about from the entities already read. A rule whose record or
fields cannot be found becomes an ``other`` rule: stated, and deferred by the caller.
"""

from __future__ import annotations

import re
from dataclasses import replace

from featureline.language.lexicon import (
    NOMINALISATIONS,
    PRIVILEGED_ROLES,
    is_person,
    singular,
    verb_lemma,
)
from featureline.providers.builtin.text import snake
from featureline.providers.builtin.understanding.model import (
    Domain,
    EntitySpec,
    Operation,
    RuleSpec,
)

OVERLAP = re.compile(
    r"double[- ]book|\boverlap|\bat the same time\b|\btwice for overlapping|\bclash"
)
ONCE = re.compile(
    r"\b(?:only once|at most once|once per|one\s+([a-z-]+)\s+per|at most one\s+([a-z-]+)\s+per|"
    r"unique\s+(?:per|within|for each|in each)|can be [a-z]+ once)\b"
)
ACTIVE = re.compile(
    r"\bat most one\s+(active|open|current|live)\s+([a-z-]+)|"
    r"\bonly\s+(?:be\s+)?on\s+one\s+(open|active)\s+([a-z]+)"
)
CAPACITY = re.compile(
    r"\boverbook|\bmore\s+([a-z-]+)\s+than\s+(?:its|their|it has|the)\s*(?:has\s+)?([a-z ]+)|"
    r"\bexceed\w*\s+(?:its|their|the)\s+([a-z ]+)"
)
ROLE_VERBS: dict[str, Operation] = {
    "add": "create",
    "create": "create",
    "register": "create",
    "post": "create",
    "publish": "create",
    "edit": "update",
    "change": "update",
    "update": "update",
    "close": "update",
    "approve": "update",
    "reject": "update",
    "move": "update",
    "delete": "delete",
    "remove": "delete",
    "cancel": "delete",
}


#: verbs that reserve an operation only when the request says 'only' ('only conductors may
#: schedule rehearsals'); a privileged role merely doing them ('managers schedule shifts
#: for employees') is not a restriction
ONLY_ROLE_VERBS: dict[str, Operation] = {
    "schedule": "create",
    "open": "create",
    "record": "create",
    "enter": "create",
    "assign": "update",
    "archive": "update",
    "withdraw": "delete",
}


def entities_in(domain: Domain, text: str) -> list[str]:
    out: list[str] = []
    words = re.findall(r"[a-z]+(?:-[a-z]+)?", text.lower())
    for k, word in enumerate(words):
        for cand in (f"{words[k - 1]}_{word}" if k else "", word):
            name = domain.resolve(cand) if cand else None
            if name and name not in out:
                out.append(name)
                break
    return out


def interval_fields(ent: EntitySpec) -> list[str]:
    """[start, end] fields of a record that has a time interval."""
    timed = [f for f in ent.fields if f.type in {"date", "datetime"}]
    start = next(
        (f.name for f in timed if re.search(r"start|from|check_in|begin|valid_from", f.name)), None
    )
    end = next(
        (f.name for f in timed if re.search(r"end|until|to$|check_out|finish|valid_until", f.name)),
        None,
    )
    return [start, end] if start and end and start != end else []


def read_rules(domain: Domain, sentence: str) -> None:
    low = sentence.lower().rstrip(".")
    named = entities_in(domain, low)
    if OVERLAP.search(low):
        _overlap(domain, sentence, low, named)
    active = ACTIVE.search(low)
    if active:
        _one_active(domain, sentence, low, active)
    elif ONCE.search(low):
        _once(domain, sentence, low, named)
    cap = CAPACITY.search(low)
    if cap and not re.search(r"\boverbook", low):
        _capacity(domain, sentence, low, named, cap)
    _roles(domain, sentence, low, named)
    _unique_fields(domain, sentence, low, named)
    _stated_range(domain, sentence, low, named)
    _ranges(domain, sentence, low, named)
    _sharing(domain, sentence, low)
    _sees_all(domain, sentence, low)


def _record_for(domain: Domain, named: list[str], want_interval: bool = False) -> str | None:
    """The record a rule is about: among the named entities (or their children) one that
    has the needed fields, preferring children (bookings) over parents (rooms)."""
    candidates = list(named)
    for name in named:
        candidates += [r.source for r in domain.relations if r.target == name]
    if want_interval:
        for name in candidates:
            if interval_fields(domain.entities[name]):
                return name
        return None
    return candidates[0] if candidates else None


def _overlap(domain: Domain, sentence: str, low: str, named: list[str]) -> None:
    record = _record_for(domain, named, want_interval=True)
    if record is None:
        target = named[0] if named else ""
        domain.add_rule(RuleSpec("other", target, f"no two overlapping: {sentence}", sentence))
        return
    parents = domain.parent_of(record)
    scope = [p for p in named if p in parents][:1]
    if not scope:
        scope = [
            f.name
            for f in domain.entities[record].fields
            if f.type == "reference" and re.search(rf"\b{f.name}s?\b", low)
        ][:1]
    subject = re.match(r"^(?:an?|the|each|every|two|no)\s+([a-z]+)", low)
    other_subject = subject and not domain.resolve(subject.group(1)) and is_person(subject.group(1))
    if not scope and (other_subject or len(parents) > 1):
        # "A doctor never has two consultations that overlap": per doctor, which no field
        # of a consultation names; guessing another scope would forbid the wrong thing
        domain.add_rule(RuleSpec("other", record, f"no two overlapping: {sentence}", sentence))
        return
    fields = interval_fields(domain.entities[record])
    domain.add_rule(
        RuleSpec(
            "no_overlap",
            record,
            f"two {record} rows"
            + (f" of the same {scope[0]}" if scope else "")
            + f" never overlap in [{fields[0]}, {fields[1]})",
            sentence,
            fields=fields,
            scope=scope,
            operations=["create", "update"],
        )
    )


def _one_active(domain: Domain, sentence: str, low: str, m: re.Match[str]) -> None:
    state = m.group(1) or m.group(3)
    word = m.group(2) or m.group(4)
    record = domain.resolve(word)
    rest = low[m.end() :]
    before = low[: m.start()]
    per = re.search(r"\bper\s+([a-z]+(?:\s[a-z]+)?)", rest)
    scope_word = per.group(1) if per else None
    if scope_word is None:
        subj = entities_in(domain, before)
        person = re.match(r"^(?:an?|each|every|the|no)\s+([a-z]+)", before)
        if subj:
            scope_word = subj[0]
        elif person and is_person(person.group(1)):
            scope_word = person.group(1)  # "A member holds at most one active …": per owner
    if record is None:
        domain.add_rule(RuleSpec("other", word, f"at most one {state} {word}", sentence))
        return
    ent = domain.entities[record]
    status = next((f for f in ent.fields if f.type == "enum" and state in f.enum_values), None)
    scope = _scope_name(domain, ent, scope_word) if scope_word else None
    if status is None or scope is None:
        domain.add_rule(
            RuleSpec(
                "other",
                record,
                f"at most one {state} {record}" + (f" per {scope_word}" if scope_word else ""),
                sentence,
            )
        )
        return
    domain.add_rule(
        RuleSpec(
            "one_active",
            record,
            f"at most one {record} per {scope} has {status.name} {state}",
            sentence,
            fields=[status.name],
            scope=[scope],
            values=[state],
            operations=["create", "update"],
        )
    )


def _scope_name(domain: Domain, ent: EntitySpec, word: str) -> str | None:
    """A scope word as a field or parent of ``ent`` ('email address' -> email)."""
    key = snake(word)
    for f in ent.fields:
        if (
            f.name == key
            or f.name == singular(key)
            or key.startswith(f.name)
            or f.name.startswith(key)
        ):
            return f.name
    target = domain.resolve(word) or domain.resolve(key.split("_")[-1])
    if target and target in domain.parent_of(ent.name):
        return target
    if word in {"user", "person", "member", "customer"} or is_person(word):
        return "owner" if ent.owned_by else None
    return None


def _once(domain: Domain, sentence: str, low: str, named: list[str]) -> None:
    """'a reader can rate a book only once', 'one check-in per habit per day', 'numbers are
    unique per tenant': a unique rule over fields and a scope of the record.

    Every word the rule is 'per' must resolve to a field or parent of the record; a rule
    that would lose one of them (and so forbid more than the request does) is ``other``."""
    m = re.search(r"\bone\s+([a-z-]+)\s+per\b|\bat most one\s+([a-z-]+)\s+per\b", low)
    record = domain.resolve((m.group(1) or m.group(2)).replace("-", "_")) if m else None
    within = re.search(
        r"\bunique\s+(?:per|within|for each|in each)\s+(?:its\s+|the\s+|their\s+|an?\s+)?([a-z]+)",
        low,
    )
    if record is None and within:
        record = _field_owner(domain, low[: within.start()])
    if record is None:
        owned = [n for n in named if domain.entities[n].owned_by]
        record = _verb_record(domain, low) or _record_for(domain, owned)
    if record is None:
        domain.add_rule(RuleSpec("other", named[0] if named else "", sentence, sentence))
        return
    ent = domain.entities[record]
    if within:
        field = _named_field(ent, low[: within.start()])
        scope = _scope_name(domain, ent, within.group(1))
        if field is None or scope is None:
            domain.add_rule(RuleSpec("other", record, sentence, sentence))
            return
        domain.add_rule(
            RuleSpec(
                "unique",
                record,
                f"{field} is unique per {scope}",
                sentence,
                fields=[field],
                scope=[scope],
                operations=["create", "update"],
            )
        )
        return
    per_words = re.findall(r"\bper\s+([a-z]+)", low)
    scoped = [_scope_name(domain, ent, w) for w in per_words]
    if any(s is None for s in scoped):
        domain.add_rule(RuleSpec("other", record, sentence, sentence))
        return
    keys = [s for s in scoped if s]
    keys += [n for n in named if n != record and n in domain.parent_of(record) and n not in keys]
    actor = re.search(
        r"\b(?:a|an|each|every)\s+([a-z]+)\s+(?:can\b|may\b|must\b|[a-z]+s\b)", low
    )  # "a member can book …" / "a member signs up …": one row per member
    if ent.owned_by and (not per_words or (actor and is_person(actor.group(1)))):
        keys.insert(0, "owner")
    keys = list(dict.fromkeys(keys))
    if len(keys) < 2:
        domain.add_rule(RuleSpec("other", record, sentence, sentence))
        return
    domain.add_rule(
        RuleSpec(
            "unique",
            record,
            f"one {record} per " + " and ".join(keys),
            sentence,
            fields=keys[-1:],
            scope=keys[:-1],
            operations=["create", "update"],
        )
    )


def _named_field(ent: EntitySpec, text: str) -> str | None:
    """The field of ``ent`` that ``text`` names last ('a bib number (' -> bib_number)."""
    best: tuple[int, str] | None = None
    for f in ent.fields:
        for m in re.finditer(rf"\b{f.name.replace('_', '[ _-]')}s?\b", text):
            if best is None or m.start() > best[0]:
                best = (m.start(), f.name)
    return best[1] if best else None


def _field_owner(domain: Domain, text: str) -> str | None:
    """The entity whose field ``text`` names last: 'A shirt number is unique …'."""
    best: tuple[int, str] | None = None
    for ent in domain.entities.values():
        field = _named_field(ent, text)
        if field is None:
            continue
        at = max(m.start() for m in re.finditer(rf"\b{field.replace('_', '[ _-]')}", text))
        if best is None or at > best[0]:
            best = (at, ent.name)
    return best[1] if best else None


def _verb_record(domain: Domain, low: str) -> str | None:
    """'can rate a book only once' -> the rating record the verb names."""
    for word in re.findall(r"[a-z]+", low):
        verb = verb_lemma(word)
        if verb and verb in NOMINALISATIONS:
            name = domain.resolve(NOMINALISATIONS[verb])
            if name:
                return name
    return None


def _capacity(domain: Domain, sentence: str, low: str, named: list[str], m: re.Match[str]) -> None:
    child_word = m.group(1)
    cap_words = m.group(2) or m.group(3) or ""
    child = domain.resolve(child_word) if child_word else None
    child = child or _record_for(domain, [n for n in named if domain.parent_of(n)])
    parent = domain.parent_of(child)[0] if child and domain.parent_of(child) else None
    if child is None or parent is None:
        domain.add_rule(RuleSpec("other", named[0] if named else "", sentence, sentence))
        return
    pent, cent = domain.entities[parent], domain.entities[child]
    said = snake(cap_words).replace("maximum", "max")
    cap = next(
        (
            f.name
            for f in pent.fields
            if f.type == "integer" and said and (f.name in said or said.split("_")[-1] in f.name)
        ),
        None,
    )
    if cap is None:  # "than its maximum" when the tour has one 'max_people' or capacity
        limits = [
            f.name
            for f in pent.fields
            if f.type == "integer" and re.match(r"^(?:max|capacity|limit)|_capacity$", f.name)
        ]
        cap = limits[0] if len(limits) == 1 else None
    qty = next(
        (
            f.name
            for f in cent.fields
            if f.type == "integer"
            and f.required
            and (
                f.name in {"seats", "places", "tickets", "spots", "quantity", "party_size"}
                or re.search(r"(?:_size|_count|^quantity|^number_of_[a-z]+)$", f.name)
            )
        ),
        None,
    )
    if cap is None or qty is None:
        domain.add_rule(
            RuleSpec(
                "other",
                child,
                f"the {child} rows of a {parent} never exceed its {cap or cap_words.strip()} "
                "(each row counts one)",
                sentence,
            )
        )
        return
    domain.add_rule(
        RuleSpec(
            "capacity",
            child,
            f"the {qty} of all {child} rows of a {parent} never exceed its {cap}",
            sentence,
            fields=[qty, cap],
            scope=[parent],
            operations=["create", "update"],
        )
    )


def _roles(domain: Domain, sentence: str, low: str, named: list[str]) -> None:
    """'Only maintainers can close a bug', 'admins can add rooms', 'Space managers add desks'."""
    for actor in [a for a in domain.actors if "_" in a]:  # "only panel chairs" -> panel_chair
        low = re.sub(rf"\b{actor.replace('_', ' ')}s?\b", actor, low)
    for m in re.finditer(
        r"\b(only\s+)?(?P<the>the\s+)?([a-z_]+?)(?P<many>s?)\s+(?:alone\s+)?(?:can\s+|may\s+)?"
        r"(?:also\s+)?([a-z]+)(?:\s+(?:and|or)\s+([a-z]+))?\s+(?:an?\s+|the\s+|new\s+)?"
        r"([a-z]+(?:\s[a-z]+)?)",
        low,
    ):
        only, role = m.group(1), singular(m.group(3))
        if role not in domain.actors or not (only or role in PRIVILEGED_ROLES):
            continue
        words = m.group(7).split()
        target = domain.resolve("_".join(words)) or domain.resolve(words[0])
        if m.group("the") and not m.group("many") and role not in PRIVILEGED_ROLES:
            # 'only the author may edit a recipe': the person of that one record (who made
            # it), not a role every such user holds; rows changed only by their owner may
            # already say it, but the builtin does not claim it
            if target is not None:
                domain.add_rule(
                    RuleSpec(
                        "other",
                        target,
                        f"only the {role} of a {target} may {m.group(4)} it",
                        sentence,
                    )
                )
            continue
        verbs = [verb_lemma(v) or v for v in (m.group(4), m.group(5)) if v]
        table = {**ROLE_VERBS, **ONLY_ROLE_VERBS} if only else ROLE_VERBS
        ops = [table[v] for v in verbs if v in table]
        if not ops or target is None:
            continue
        if domain.entities[target].owned_by and set(ops) - {"create"}:
            # rows are their creator's own: another role acting on them needs access
            # across owners, which the builtin does not generate
            domain.add_rule(
                RuleSpec(
                    "other",
                    target,
                    f"{role}s {' or '.join(verbs)} {target} rows other users own",
                    sentence,
                )
            )
            continue
        domain.add_rule(
            RuleSpec(
                "role_required",
                target,
                f"only {role}s may {' or '.join(verbs)} {target} rows ({', '.join(ops)})",
                sentence,
                roles=[role],
                operations=list(dict.fromkeys(ops)),
            )
        )


def _unique_fields(domain: Domain, sentence: str, low: str, named: list[str]) -> None:
    """Fields marked unique in a field list also become unique rules (409 on a repeat)."""
    for name in named:
        ent = domain.entities[name]
        for f in ent.fields:
            stated = f.source and f.source.lower() in low and "unique" in f.source.lower()
            if f.unique and stated:
                domain.add_rule(
                    RuleSpec(
                        "unique",
                        name,
                        f"{f.name} is unique across all {name} rows",
                        sentence,
                        fields=[f.name],
                        operations=["create", "update"],
                        inline=True,
                    )
                )


def _ranges(domain: Domain, sentence: str, low: str, named: list[str]) -> None:
    """A bounded number stated in the sentence ('a priority from 1 to 5') is a range rule."""
    for ent in domain.entities.values():
        for f in ent.fields:
            if f.minimum is None or f.maximum is None or not f.source:
                continue
            if f.source.lower() not in low or f.type not in {"integer", "decimal"}:
                continue
            domain.add_rule(
                RuleSpec(
                    "range",
                    ent.name,
                    f"{f.name} stays within [{f.minimum:g}, {f.maximum:g}]",
                    sentence,
                    fields=[f.name],
                    values=[f"{f.minimum:g}", f"{f.maximum:g}"],
                    operations=["create", "update"],
                    inline=True,
                )
            )


SHARING = re.compile(
    r"\b(public|shared)\s+([a-z]+)\s+of\s+other\b|"
    r"\bother\s+[a-z]+(?:'s|s')\s+(public\s+)?([a-z]+)|"
    r"\b(?:everyone|anyone|all users|every user)\s+(?:can\s+)?(?:see|sees|browse|view|read)\s+"
    r"(?:the\s+|all\s+)?(public\s+)?([a-z]+)(?!\s+(?:counts?|totals?|number|average|sum))"
)


def _sharing(domain: Domain, sentence: str, low: str) -> None:
    """'browse public playlists of other listeners', 'everyone can see the menus': rows are
    visible beyond their owner. Visible to all: a ``shared`` rule; visible only when a
    flag says so ('public'): an ``other`` rule, since the builtin cannot build that."""
    common = re.search(
        r"\b(?:to|on|in|into|onto)\s+(?:a|the|our|one)\s+(?:shared|common)\s+[a-z]+", low
    )
    made = [e.name for e in domain.entities.values() if e.source == sentence]
    if common and made:
        # "members add board games to a shared shelf": what they add is everyone's to see
        domain.add_rule(
            RuleSpec(
                "shared",
                made[0],
                f"{made[0]} rows are visible to every signed-in user ({common.group(0).strip()})",
                sentence,
                operations=["list", "get"],
            )
        )
        return
    m = SHARING.search(low)
    if m is None:
        return
    conditional = bool(m.group(1) == "public" or m.group(3) or m.group(5))
    word = m.group(2) or m.group(4) or m.group(6)
    record = domain.resolve(word) if word else None
    if record is None:
        return
    ent = domain.entities[record]
    flag = next(
        (f.name for f in ent.fields if f.name in {"public", "is_public", "visibility"}), None
    )
    if conditional or flag:
        domain.add_rule(
            RuleSpec(
                "other",
                record,
                f"{record} rows marked {flag or 'public'} are visible to every signed-in user",
                sentence,
            )
        )
        return
    domain.add_rule(
        RuleSpec(
            "shared",
            record,
            f"{record} rows are visible to every signed-in user",
            sentence,
            operations=["list", "get"],
        )
    )


def _sees_all(domain: Domain, sentence: str, low: str) -> None:
    """'operators see all bookings of a sailing' when bookings are their owners' own rows:
    access across owners, which the builtin does not generate (a deferred rule)."""
    for m in re.finditer(
        r"\b([a-z]+?)s?\s+(?:can\s+)?(?:see|sees|list|lists|view|views|read|reads)\s+"
        r"(?:all|every|everyone's|each)\s+(?:the\s+|of the\s+)?([a-z]+)",
        low,
    ):
        role, record = singular(m.group(1)), domain.resolve(m.group(2))
        if role in domain.actors and record and domain.entities[record].owned_by:
            domain.add_rule(
                RuleSpec("other", record, f"{role}s see {record} rows other users own", sentence)
            )


def _stated_range(domain: Domain, sentence: str, low: str, named: list[str]) -> None:
    """'The amount must be between 1 and 5000': bounds on a field already read."""
    m = re.search(
        r"\b(?:the\s+|a\s+|an\s+|each\s+)?([a-z]+(?:\s[a-z]+)?)\s+"
        r"(?:must|should|has to|can only|may only)\s+be\s+(?:between|from)\s+"
        r"(-?\d+(?:\.\d+)?)\s+(?:and|to)\s+(-?\d+(?:\.\d+)?)",
        low,
    )
    if m is None:
        return
    words = m.group(1).split()
    candidates = [snake(m.group(1)), words[-1]]
    for ent in [domain.entities[n] for n in named] + list(domain.entities.values()):
        spec = next((f for f in ent.fields if f.name in candidates), None)
        if spec is None or spec.type not in {"integer", "decimal"}:
            continue
        low_v, high_v = float(m.group(2)), float(m.group(3))
        ent.replace_field(replace(spec, minimum=low_v, maximum=high_v))
        domain.add_rule(
            RuleSpec(
                "range",
                ent.name,
                f"{spec.name} stays within [{low_v:g}, {high_v:g}]",
                sentence,
                fields=[spec.name],
                values=[f"{low_v:g}", f"{high_v:g}"],
                operations=["create", "update"],
            )
        )
        return


def share_referenced_role_records(domain: Domain) -> None:
    """'Organisers publish events … Attendees book seats for an event': rows only a role
    creates, referenced by rows other users own, must be readable by those users, or the
    referencing requirement could never be met. Such rows get a ``shared`` rule (read
    only: list and get), grounded in the sentence that reserved their creation."""
    shared = {r.entity for r in domain.rules if r.kind == "shared"}
    for rule in list(domain.rules):
        if rule.kind != "role_required" or "create" not in rule.operations:
            continue
        target = rule.entity
        if target in shared:
            continue
        referenced_by = sorted(
            {
                rel.source
                for rel in domain.relations
                if rel.target == target and rel.kind == "many_to_one"
            }
            | {
                ent.name
                for ent in domain.entities.values()
                for f in ent.fields
                if f.type == "reference" and f.references == target
            }
        )
        readers = [
            name for name in referenced_by if name != target and domain.entities[name].owned_by
        ]
        if not readers:
            continue
        domain.add_rule(
            RuleSpec(
                "shared",
                target,
                f"{target} rows are created by {', '.join(rule.roles)}s and referenced by "
                f"{', '.join(readers)} rows of other users, so every signed-in user can read them",
                rule.source,
                operations=["list", "get"],
            )
        )
        shared.add(target)
