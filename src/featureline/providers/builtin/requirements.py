"""Step 1: domain model -> RequirementsArtifact (FRs per operation, NFRs with targets)."""

from __future__ import annotations

import re

from featureline.artifacts.requirements import (
    Actor,
    Entity,
    EntityField,
    FunctionalRequirement,
    NonFunctionalRequirement,
    Relation,
    RequirementsArtifact,
    Rule,
)
from featureline.checks.ownership import AccessGap, access_gaps
from featureline.providers.builtin.analysis import Domain, EntitySpec, analyse
from featureline.providers.builtin.text import plural, shorten, title_words
from featureline.providers.builtin.understanding.beyond import beyond_scope
from featureline.providers.builtin.understanding.coverage import modelled_words, unmodelled
from featureline.providers.builtin.understanding.emit import (
    NOT_UNDERSTOOD_QUESTION,
    Adder,
    emit_rules,
    link_targets,
)
from featureline.providers.builtin.understanding.targets import is_target, non_functional
from featureline.request import FeatureRequest

GENERATOR_NOTE = (
    "Produced by featureline's deterministic builtin generator (heuristic English parsing), "
    "not by a language model: review entities, fields and rules before building on them."
)
DEFERRED_NOTE = "not implemented by the builtin specialist"
RULE_WORDS = re.compile(
    r"\b(never|at most|at least|up to|no more than|twice|fine|overbook\w*|negative|split|"
    r"balance|report|export|renew|redirect\w*|cancel\w*|only the|must be an?|admins?|"
    r"moderators?|void\w*|audit\w*|threshold|queue|history|per day)\b"
)


def build_requirements(
    request: FeatureRequest, feedback: tuple[str, ...] = ()
) -> RequirementsArtifact:
    """Analyse the request and lay out functional and non-functional requirements."""
    domain = analyse(request)
    if not domain.entities:
        return _not_understood(request, domain, feedback)
    _own_records(request, domain)
    frs: list[FunctionalRequirement] = []
    used: set[str] = set()

    def add(
        title: str,
        description: str,
        criteria: list[str],
        source: str = "",
        priority: str = "must",
        deferred: bool = False,
        note: str = "",
    ) -> None:
        frs.append(
            FunctionalRequirement(
                id=f"FR-{len(frs) + 1}",
                title=title,
                description=description,
                priority=priority if not deferred else "could",  # type: ignore[arg-type]
                acceptance_criteria=criteria,
                source=source,
                status="deferred" if deferred else "planned",
                status_note=(note or DEFERRED_NOTE) if deferred else "",
            )
        )
        if source:
            used.add(source)

    for ent in domain.entities.values():
        _entity_requirements(domain, ent, add)
    rules = emit_rules(domain, add, lambda: len(frs))
    ruled = {r.source for r in domain.rules if not r.inline}
    for sentence in domain.sentences:
        before = len(frs)
        asks = [(title, note) for title, note in beyond_scope(sentence)]
        asks += [(d.title, d.note) for d in domain.deferrals if d.sentence == sentence]
        _sentence_requirements(domain, sentence, used, add, sentence in ruled or bool(asks))
        if any(f.status == "deferred" for f in frs[before:]):
            continue  # the sentence's own deferral already says what is missing
        for title, note in asks:
            add(
                title,
                f"Asked by the request but beyond what the builtin generates: {note}",
                [f"to be designed: {note}"],
                sentence,
                deferred=True,
                note=f"{DEFERRED_NOTE}: {note}",
            )
    modelled = modelled_words(domain.actors, [_entity(e) for e in domain.entities.values()], rules)
    for sentence in domain.sentences:
        cited = [f for f in frs if f.source == sentence]
        if not any(f.status == "planned" for f in cited) or any(
            f.status == "deferred" for f in cited
        ):
            continue
        missing = unmodelled(sentence, modelled)
        if missing:
            names = ", ".join(f"\u201c{m}\u201d" for m in missing)
            note = f"the request names {names} here, which the builtin did not model"
            add(
                shorten(f"Not modelled: {', '.join(missing)}", 70),
                f"Part of \u201c{sentence}\u201d is not generated: {note}.",
                [f"to be designed: model {', '.join(missing)} and what this sentence asks of it"],
                sentence,
                deferred=True,
                note=f"{DEFERRED_NOTE}: {note}",
            )
    for gap in _access_gaps(request, domain, rules):
        sentence = gap.claim.sentence
        frs[:] = [_uncited(f, sentence) for f in frs]
        add(
            shorten(f"Access as asked: {sentence}", 70),
            f"Asked by the request but not generated: {gap.problem}.",
            ["to be designed: who sees and changes which rows, as this sentence says"],
            sentence,
            deferred=True,
            note=f"{DEFERRED_NOTE}: {gap.problem}",
        )
    nfrs = link_targets(non_functional(domain), frs, domain)
    for n in nfrs:
        used.add(n.source)
    open_questions = [
        f"How should this be enforced: \u201c{shorten(f.source or f.title, 140)}\u201d?"
        for f in frs
        if f.status == "deferred"
    ]
    for sentence in domain.sentences:
        if sentence not in used:
            open_questions.append(NOT_UNDERSTOOD_QUESTION.format(sentence=sentence))
    open_questions = list(dict.fromkeys(open_questions))
    assumptions = [
        GENERATOR_NOTE,
        "Every endpoint requires authentication ("
        + ("an API key" if domain.auth_scheme == "api_key" else "a bearer token")
        + ") and resolves the calling user; roles are enforced only where a role_required "
        "rule says so.",
        *domain.assumed,
        "Every table gets created_at/updated_at timestamps; "
        "lists are paginated and newest first by default.",
        "Money and measured quantities are exact decimals, never floating point.",
    ]
    assumptions += [
        f"Reviewer feedback considered (recorded by the generator): {c}" for c in feedback
    ]
    return RequirementsArtifact(
        title=_title(request, domain),
        summary=_summary(domain, frs, nfrs),
        actors=[Actor(name=k, description=v) for k, v in domain.actors.items()],
        entities=[_entity(e) for e in domain.entities.values()],
        relations=[
            Relation(source=r.source, target=r.target, kind=r.kind, description=r.description)
            for r in domain.relations
        ],
        rules=rules,
        functional=frs,
        non_functional=nfrs,
        assumptions=assumptions,
        open_questions=open_questions,
        out_of_scope=[
            "User registration and token issuance (users "
            "and tokens are provisioned outside the service)",
            "A web front end",
        ],
    )


def _own_records(request: FeatureRequest, domain: Domain) -> None:
    """Read "employees see only their own claims" as ownership of claims by their creator,
    unless the claims name the actor in a field of their own (deferred later)."""
    entities = [_entity(e) for e in domain.entities.values()]
    for gap in access_gaps(request.text, entities):
        ent = domain.entities[gap.claim.entity.name]
        if gap.claim.access == "own" and gap.field is None and ent.owned_by is None:
            ent.owned_by, ent.ownership_source = "user", gap.claim.sentence


def _access_gaps(request: FeatureRequest, domain: Domain, rules: list[Rule]) -> list[AccessGap]:
    """What the generated service would get wrong about who sees which rows: deferred,
    and no planned requirement cites it."""
    entities = [_entity(e) for e in domain.entities.values()]
    return list({g.claim.sentence: g for g in access_gaps(request.text, entities, rules)}.values())


def _uncited(fr: FunctionalRequirement, sentence: str) -> FunctionalRequirement:
    """A planned requirement stops citing a sentence it does not build."""
    if fr.status != "planned" or fr.source != sentence:
        return fr
    return fr.model_copy(update={"source": ""})


NOT_UNDERSTOOD = (
    "The builtin specialist could not find what this request is about: no sentence names "
    "a record to keep (like 'Members book rooms' or 'A recipe has a title and steps'). "
    "Say what the service stores, name the entities in front matter (entities: {recipe: "
    "{fields: {title: string}}}), or run with --provider anthropic."
)


def _not_understood(
    request: FeatureRequest, domain: Domain, feedback: tuple[str, ...]
) -> RequirementsArtifact:
    """No entity found: an artifact that builds nothing and says why (the requirements
    gate reports it as an error, so an ``auto`` run stops for a person)."""
    return RequirementsArtifact(
        title=request.title,
        summary=f"{request.title}: not understood by the builtin specialist; nothing planned.",
        actors=[Actor(name=k, description=v) for k, v in domain.actors.items()],
        entities=[],
        functional=[],
        non_functional=[],
        assumptions=[
            GENERATOR_NOTE,
            *[f"Reviewer feedback considered (recorded by the generator): {c}" for c in feedback],
        ],
        open_questions=[
            NOT_UNDERSTOOD,
            *[NOT_UNDERSTOOD_QUESTION.format(sentence=s) for s in domain.sentences],
        ],
        out_of_scope=[],
    )


def _entity(ent: EntitySpec) -> Entity:
    return Entity(
        source=ent.span or ent.source,
        name=ent.name,
        description=f"a {title_words(ent.name)}"
        + (f" (from: \u201c{shorten(ent.source, 100)}\u201d)" if ent.source else ""),
        fields=[
            EntityField(
                name=f.name,
                type=f.type,
                required=f.required,
                unique=f.unique,
                description=f.description,
                enum_values=list(f.enum_values),
                minimum=f.minimum,
                maximum=f.maximum,
                references=f.references,
                source=f.source,
            )
            for f in ent.fields
        ],
        owned_by=ent.owned_by,
    )


def _field_rules(ent: EntitySpec) -> list[str]:
    rules = []
    for f in ent.fields:
        if f.enum_values:
            rules.append(
                f"{f.name} must be one of {', '.join(f.enum_values)}; "
                "anything else is rejected with 422"
            )
        if f.minimum is not None and f.maximum is not None:
            rules.append(
                f"{f.name} must be between {f.minimum:g} and {f.maximum:g}; values outside give 422"
            )
        elif f.minimum is not None:
            rules.append(f"{f.name} must be at least {f.minimum:g}; smaller values give 422")
        if f.type == "decimal":
            rules.append(
                f"{f.name} is stored and returned as an exact decimal string, never a float"
            )
        if f.unique:
            rules.append(f"a duplicate {f.name} is rejected with 409")
    return rules


def _entity_requirements(domain: Domain, ent: EntitySpec, add: Adder) -> None:
    name, many = title_words(ent.name), title_words(plural(ent.name))
    path = "/v1/" + plural(ent.name).replace("_", "-")
    required = [f.name for f in ent.fields if f.required]
    add(
        f"Create {name}",
        f"An authenticated user creates a {name}.",
        [
            f"POST {path} with {', '.join(required) or 'the fields'} "
            f"returns 201 and the stored {name}",
            "a missing or malformed field returns 422 application/problem+json",
            "a request without credentials returns 401",
            *_field_rules(ent),
        ],
        ent.source,
    )
    listing = domain.listings.get(ent.name)
    lsrc = listing.sources[0] if listing else ""
    add(
        f"List {many}",
        f"An authenticated user lists {many}, page by page, newest first.",
        [
            f"GET {path} returns 200 with items, total, limit and offset",
            "limit (1-100, default 20) and offset page through the results",
            "results are ordered newest first (sort=-created_at) unless sort says otherwise",
        ],
        lsrc,
    )
    add(
        f"Get {name}",
        f"Read one {name} by id.",
        [
            f"GET {path}/{{id}} returns 200 with the {name}",
            "an unknown id returns 404 problem+json",
        ],
        priority="should",
    )
    if any(f.type != "reference" for f in ent.fields):
        add(
            f"Update {name}",
            f"Change some fields of a {name}.",
            [
                f"PATCH {path}/{{id}} with any subset of fields returns 200 with the updated "
                f"{name}",
                "invalid values return 422; an unknown id returns 404",
            ],
            priority="must" if "edit" in lsrc.lower() else "should",
        )
    else:  # nothing of its own to change: the request's words about it were not understood
        note = f"the builtin found no field of a {name} to change"
        add(
            f"Update {name}",
            f"Change some fields of a {name}: {note}.",
            [f"to be designed: what of a {name} can change"],
            deferred=True,
            note=f"{DEFERRED_NOTE}: {note}",
        )
    add(
        f"Delete {name}",
        f"Remove a {name}.",
        [f"DELETE {path}/{{id}} returns 204", f"a later GET {path}/{{id}} returns 404"],
        priority="must" if "delete" in lsrc.lower() else "should",
    )
    if listing and listing.filters:
        add(
            f"Filter {many} by {', '.join(listing.filters)}",
            f"Narrow the {many} list by {', '.join(listing.filters)}.",
            [
                f"GET {path}?{_param(domain, ent, f)}=... returns only matching {many}"
                for f in listing.filters
            ],
            listing.asked.get(f"filter:{listing.filters[0]}", listing.sources[0]),
        )
    if listing and listing.search:
        add(
            f"Search {many} by {', '.join(listing.search)}",
            f"Case-insensitive substring search over {', '.join(listing.search)}.",
            [
                f"GET {path}?q=text returns {many} whose "
                f"{' or '.join(listing.search)} contains the text"
            ],
            listing.asked.get("search", listing.sources[0]),
        )
    if listing and listing.overdue:
        due = next(f.name for f in ent.fields if f.name.startswith("due"))
        add(
            f"List overdue {many}",
            f"Find {many} whose {due} has passed.",
            [
                f"GET {path}?overdue=true returns only {many} whose {due} is before today"
                + _open_note(ent),
                f"GET {path}?due_before=<date> returns only {many} with {due} before that date",
            ],
            next((s for s in listing.sources if "overdue" in s.lower()), listing.sources[0]),
        )
    if ent.owned_by:
        add(
            f"Restrict {many} to their owner",
            f"A user sees and changes only their own {many}; the owner is the user who "
            f"created the {name} (owner_id is set by the service, never by the client).",
            [
                f"POST {path} records the calling user as the owner",
                f"another user's {name} is answered with 404 on GET, PATCH and DELETE",
                f"GET {path} never lists another user's {many}",
            ],
            ent.ownership_source,
        )


def _open_note(ent: EntitySpec) -> str:
    """How finished rows are left out of the overdue list (mirrors resources._open_state)."""
    done = ("done", "completed", "complete", "closed", "resolved", "returned", "cancelled")
    for f in ent.fields:
        values = [v for v in f.enum_values if v in done]
        if f.type == "enum" and values:
            return f" and whose {f.name} is not {' or '.join(values)}"
    for f in ent.fields:
        if f.name in {"returned_at", "completed_at", "closed_at", "done_at"} and not f.required:
            return f" and whose {f.name} is empty"
    return ""


def _param(domain: Domain, ent: EntitySpec, name: str) -> str:
    spec = ent.field_named(name)
    if spec is not None:
        return f"{name}_id" if spec.type == "reference" else name
    return f"{name}_id"


def _sentence_requirements(
    domain: Domain, sentence: str, used: set[str], add: Adder, covered: bool = False
) -> None:
    """Rules stated in prose: planned when the generated service enforces them, else deferred.

    ``covered``: the sentence's rules are already requirements of their own (see
    ``understanding.emit``), so it needs no generic 'Rule:' deferral."""
    low = sentence.lower()
    mentioned = [e for e in domain.entities if re.search(rf"\b{title_words(e)}", low)]
    subject = title_words(mentioned[0]) if mentioned else "the service"
    adder = add
    if "floating point" in low or re.search(r"\bmoney\b", low):
        adder(
            "Store amounts as exact decimals",
            "Money is stored and exchanged as decimals.",
            [
                "amounts are NUMERIC in PostgreSQL and decimal strings in JSON",
                "an amount with more than 2 decimal places is rejected with 422",
            ],
            sentence,
        )
        return
    if re.search(r"\buntrusted\b|\bscripts?\b", low):
        adder(
            f"Treat {subject} text as untrusted input",
            f"Stored {subject} text is returned as JSON data only, never as HTML.",
            [
                "every response is application/json or application/problem+json",
                "responses carry X-Content-Type-Options: nosniff "
                "and Content-Security-Policy: default-src 'none'",
            ],
            sentence,
        )
        return
    if re.search(r"\bapprove\b.*\breject\b", low):
        target = next(
            (e for e in domain.entities if domain.entities[e].field_named("status")), None
        )
        if target:
            adder(
                f"Moderate {title_words(plural(target))}",
                "Moderators approve or reject pending items with a reason.",
                [
                    f"new {title_words(plural(target))} start with status pending",
                    "PATCH with status approved or rejected and a moderation_reason returns 200",
                ],
                sentence,
            )
    if re.search(r"\bdisable\b", low):
        target = next(
            (e for e in domain.entities if domain.entities[e].field_named("disabled")), None
        )
        if target:
            adder(
                f"Disable {title_words(target)}",
                f"An owner disables a {title_words(target)}.",
                [
                    "PATCH with disabled=true returns 200 and "
                    f"the {title_words(target)} shows disabled"
                ],
                sentence,
            )
    listing_extra = [e for e, spec in domain.listings.items() if sentence in spec.sources[1:]]
    unserved = UNSERVED_QUALIFIERS.findall(low)
    for e in listing_extra if unserved else []:
        adder(
            shorten(sentence, 70),
            f"Only partly served: GET /v1/{plural(e).replace('_', '-')} lists the "
            f"{title_words(plural(e))}, but \u201c{unserved[0]}\u201d is not generated.",
            [f"to be designed: restrict the list to {unserved[0]} {title_words(plural(e))}"],
            sentence,
            deferred=True,
        )
    for e in listing_extra if not unserved else []:
        adder(
            shorten(sentence, 70),
            f"Served by the {title_words(plural(e))} list endpoint.",
            [
                f"GET /v1/{plural(e).replace('_', '-')} returns "
                f"the {title_words(plural(e))} described"
            ],
            sentence,
            "should",
        )
    guard = _capacity_guard(domain) if re.search(r"\boverbook", low) and not covered else None
    if guard is not None:
        parent, child, qty = guard
        path = "/v1/" + plural(child).replace("_", "-")
        adder(
            f"Never overbook {title_words(plural(parent))}",
            f"The {qty} of all {title_words(plural(child))} of a {title_words(parent)} never "
            f"exceed its capacity, even when the last {qty} are booked at the same moment.",
            [
                f"POST {path} that would take the {qty} booked for the {title_words(parent)} "
                "above its capacity returns 409 problem+json and stores nothing",
                f"PATCH {path}/{{id}} changing {qty} or {parent}_id is checked the same way",
                "the check and the write run in one write transaction (BEGIN IMMEDIATE), "
                "so two concurrent requests cannot both take the last seats",
            ],
            sentence,
        )
        return
    if covered and sentence in used:
        return
    if RULE_WORDS.search(low) and not is_target(sentence):
        defines = any(sentence in (e.source, e.ownership_source) for e in domain.entities.values())
        clauses = _rule_clauses(sentence) if defines else []
        roles = [c for c in clauses if ROLE_RULE.search(c.lower())]
        adder(
            shorten("Rule: " + "; ".join(clauses), 70) if clauses else shorten(sentence, 70),
            f"Business rule stated in the request: {sentence}"
            + (
                " (the rest of the sentence is served by the endpoints above; "
                f"this rule is not: {'; '.join(clauses)})"
                if clauses
                else ""
            )
            + (
                "; a role-based permission: roles are recorded but not enforced by the "
                "generated service"
                if roles
                else ""
            )
            + _owner_note(domain, low),
            ["enforced by the service and covered by a test (to be designed)"],
            sentence,
            deferred=True,
        )
    elif sentence not in used and mentioned and _is_context(low, mentioned):
        many = [title_words(plural(e)) for e in mentioned]
        adder(
            shorten(sentence, 70),
            f"Context served by the CRUD endpoints of {', '.join(many)}. "
            "Nouns of the sentence that are not entities are not modelled separately.",
            [
                f"/v1/{plural(e).replace('_', '-')} creates, lists, reads, updates "
                f"and deletes {title_words(plural(e))}"
                for e in mentioned
            ],
            sentence,
            "should",
        )
    elif sentence not in used and (ent := _adds_fields(domain, sentence)):
        adder(
            shorten(sentence, 70),
            f"Served by the create endpoint of {title_words(ent)}: {sentence}",
            [
                f"POST /v1/{plural(ent).replace('_', '-')} stores the "
                f"{title_words(ent)}'s fields this sentence names"
            ],
            sentence,
            "should",
        )
    elif (
        sentence not in used
        and mentioned
        and re.search(
            r"\b(save|saves|create|creates|add|adds|record|records|publish|publishes|write|writes)\b",
            low,
        )
    ):
        adder(
            shorten(sentence, 70),
            f"Served by the create endpoint of {subject}: {sentence}",
            [f"POST /v1/{plural(mentioned[0]).replace('_', '-')} stores a new {subject}"],
            sentence,
            "should",
        )
    elif sentence not in used and not is_target(sentence) and mentioned and not covered:
        adder(
            shorten(sentence, 70),
            f"Stated in the request: {sentence}",
            ["to be designed: the generator could not map this to an endpoint"],
            sentence,
            deferred=True,
        )


def _adds_fields(domain: Domain, sentence: str) -> str | None:
    """The entity whose fields a sentence names ('A subscription has a status (…)')."""
    low = sentence.lower()
    for ent in domain.entities.values():
        if any(f.source and f.source.lower() in low and len(f.source) > 3 for f in ent.fields):
            return ent.name
    return None


UNSERVED_QUALIFIERS = re.compile(
    r"\b(upcoming|past|recent|today'?s|this week'?s|counts?|totals?|sums?|per day|per month)\b"
)
ROLE_RULE = re.compile(r"\b(only the|admins?|moderators?|librarians?|organisers?|managers?)\b")
CONTEXT_VERBS = re.compile(
    r"\b(organi[sz]es?|manages?|tracks?|keeps?|shares?|lends?|runs?|holds?|stores?|offers?)\b"
)


CAPACITY_QUANTITIES = ("seats", "places", "tickets", "spots", "quantity")


def _capacity_guard(domain: Domain) -> tuple[str, str, str] | None:
    """(parent, child, quantity field) when 'never overbooked' can be enforced: a parent
    with an integer capacity and a child that belongs to it with an integer quantity."""
    for r in domain.relations:
        if r.kind != "many_to_one":
            continue
        parent, child = domain.entities.get(r.target), domain.entities.get(r.source)
        if parent is None or child is None:
            continue
        cap = parent.field_named("capacity")
        qty = next(
            (
                f
                for f in child.fields
                if f.name in CAPACITY_QUANTITIES and f.type == "integer" and f.required
            ),
            None,
        )
        if cap is not None and cap.type == "integer" and cap.required and qty is not None:
            return parent.name, child.name, qty.name
    return None


def _owner_note(domain: Domain, low: str) -> str:
    """'Only the project owner can ...' is partly covered when projects are owned rows."""
    m = re.search(r"\bonly the ([a-z]+) owner\b", low)
    target = domain.resolve(m.group(1)) if m else None
    if target is None or domain.entities[target].owned_by is None:
        return ""
    many = title_words(plural(target))
    return (
        f" (partly enforced: {many} are owned rows, so only the owner can change or delete "
        f"a {title_words(target)} and others get 404; sharing with members and managing "
        "members are not generated)"
    )


def _is_context(low: str, mentioned: list[str]) -> bool:
    """A short scene-setting sentence ('Teams organise work in projects') about entities."""
    return len(low.split()) <= 8 and bool(CONTEXT_VERBS.search(low)) and bool(mentioned)


def _rule_clauses(sentence: str) -> list[str]:
    """The clauses of a sentence that state a rule, e.g. 'assignee must be a project member'.

    Used when the rest of the sentence is already served (it defines an entity or its
    ownership), so the deferred requirement names only what is really missing."""
    text = sentence.rstrip(".")
    text = re.sub(r"\ban?\s+(?:optional\s+)?([a-z]+),\s+(?:who|which)\s+", r"\1 ", text)
    subject = text.split()[0] if text.split() else ""
    out: list[str] = []
    for clause in re.split(r";\s*|,\s+(?=(?:and|but|even)\b)", text):
        pieces = [p for p in clause.split(", ") if RULE_WORDS.search(p.lower())]
        if not pieces:
            continue
        first = pieces[0]
        match = RULE_WORDS.search(first.lower())
        cut = first.lower().rfind(" and ", 0, match.start() if match else 0)
        if cut > 0 and len(pieces) == 1 and clause.count(", ") > 1:
            first = first[cut + 5 :]
        rule = re.sub(r"^(?:and|but)\s+", "", ", ".join([first, *pieces[1:]]).strip())
        if re.match(r"^(?:can|must|may)\b", rule):
            rule = f"{subject} {rule}"
        out.append(rule[0].upper() + rule[1:] if not out else rule)
    return out


def _summary(
    domain: Domain, frs: list[FunctionalRequirement], nfrs: list[NonFunctionalRequirement]
) -> str:
    deferred = sum(1 for f in frs if f.status == "deferred")
    return (
        f"{domain.title}: {len(domain.entities)} entities ({', '.join(domain.entities)}), "
        f"{len(frs)} functional requirements ({deferred} deferred) and {len(nfrs)} non-functional "
        f"requirements, for {', '.join(domain.actors)}."
    )


def _title(request: FeatureRequest, domain: Domain) -> str:
    """Keep a real title; replace one that is just the first words of the body."""
    norm = " ".join(re.findall(r"[a-z0-9]+", request.title.lower()))
    body = " ".join(re.findall(r"[a-z0-9]+", request.text.lower()))
    if norm and not body.startswith(norm):
        return request.title
    names = [title_words(plural(e)) for e in list(domain.entities)[:2]]
    return (" and ".join(names)).capitalize() + " service"
