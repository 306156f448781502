"""The fidelity checks against requirements a model could plausibly write: fresh requests
(none of the samples or the corpus), each artifact Claude-like (CamelCase names,
paraphrased citations) and either faithful — no fidelity error, since a false error stops
every ``auto`` run — or wrong in one way a reader could miss, which one check must name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from featureline.artifacts import ApiSpecArtifact, RequirementsArtifact
from featureline.checks.base import CheckContext, Finding
from featureline.checks.runner import run_checks
from featureline.request import parse_request

Data = dict[str, Any]


def fr(n: int, title: str, source: str, status: str = "planned") -> Data:
    return {
        "id": f"FR-{n}",
        "title": title,
        "description": title,
        "priority": "must",
        "acceptance_criteria": [f"{title} works as the request says"],
        "source": source,
        "status": status,
    }


def fld(name: str, type_: str = "string", source: str = "", **more: Any) -> Data:
    return {"name": name, "type": type_, "source": source, **more}


def ent(name: str, source: str, *fields: Data, owned_by: str | None = None) -> Data:
    return {
        "name": name,
        "description": name,
        "fields": list(fields),
        "source": source,
        "owned_by": owned_by,
    }


def rule(n: int, kind: str, entity: str, source: str, **more: Any) -> Data:
    return {"id": f"R-{n}", "kind": kind, "entity": entity, "description": source, **more}


def requirements(
    entities: list[Data],
    functional: list[Data],
    *,
    actors: tuple[str, ...] = ("user",),
    rules: list[Data] | None = None,
    relations: list[Data] | None = None,
    open_questions: list[str] | None = None,
) -> Data:
    data = {
        "title": "t",
        "summary": "s",
        "actors": [{"name": a, "description": a} for a in actors],
        "entities": entities,
        "relations": relations or [],
        "rules": [{**r, "source": r["description"]} for r in rules or []],
        "functional": functional,
        "non_functional": [],
        "open_questions": open_questions or [],
    }
    RequirementsArtifact.model_validate(data)  # a well-formed artifact, wrong only in meaning
    return data


def api(requirements_of: dict[str, list[str]], params: dict[str, list[str]]) -> Data:
    """An API spec: 'METHOD /path' -> the FRs it serves; params: 'METHOD /path' -> query
    parameter names."""
    paths: dict[str, Any] = {}
    endpoints = []
    for n, (op, frs) in enumerate(requirements_of.items()):
        method, path = op.split()
        parameters: list[Data] = [
            {"name": p, "in": "query", "schema": {"type": "string"}} for p in params.get(op, [])
        ]
        parameters += [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in re.findall(r"\{([^}]+)\}", path)
        ]
        paths.setdefault(path, {})[method.lower()] = {
            "operationId": f"op{n}",
            "parameters": parameters,
            "responses": {"200": {"description": "ok"}},
        }
        endpoints.append(
            {
                "method": method,
                "path": path,
                "operation_id": f"op{n}",
                "summary": op,
                "requirement_ids": frs,
                "success_status": 201 if method == "POST" else 200,
            }
        )
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths}
    return {
        "openapi_json": json.dumps(document),
        "endpoints": endpoints,
        "error_model": {},
        "auth": {"scheme": "bearer", "description": "token"},
        "versioning": "/v1",
        "rate_limit": {"requests": 100, "per_seconds": 60, "scope": "user"},
    }


@dataclass(frozen=True)
class Case:
    name: str
    request: str
    requirements: Data
    api: Data | None = None
    #: (check, words of the message) the case must raise; empty for a faithful case
    expect: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)


def fidelity_errors(case: Case) -> list[Finding]:
    request = parse_request(case.request)
    found = run_checks("requirements", case.requirements, CheckContext(request=request))
    if case.api is not None:
        req = RequirementsArtifact.model_validate(case.requirements)
        context = CheckContext(request=request, upstream={"requirements": req})
        ApiSpecArtifact.model_validate(case.api)
        found += run_checks("api_spec", case.api, context)
    return [f for f in found if f.check.startswith("fidelity") and f.severity == "error"]


# --- wrong, each in one way ------------------------------------------------------------

VOLUNTEERS = (
    "Volunteers log hours against community projects. Coordinators approve logged hours. "
    "Each project shows the total hours volunteered this year."
)
REPAIRS = (
    "Customers drop off devices for repair. Each repair ticket has a status: received, "
    "diagnosing, waiting for parts, fixed."
)
LAUNDRY = "Tenants reserve the laundry room for a time slot; one reservation per flat per day."
KAYAKS = "Paddlers rent kayaks by the hour. A kayak cannot be rented twice for overlapping hours."
GYM = "Staff can list today's visits. Members buy passes for the climbing wall."
PLANTS = (
    "Gardeners add plants with a name, a height in cm and a watering interval in days "
    "(between 1 and 60)."
)
HEATS = "Coaches schedule training sessions, and athletes register for races."
DELIVERIES = (
    "Dispatchers create deliveries with an address. Dispatchers filter deliveries by driver."
)
CABINS = (
    "Hosts list cabins with a nightly price. Guests write reviews of cabins. "
    "Hosts see the average rating of each cabin."
)
FISHING = "Anglers record catches with a species, a weight in grams and the lake."

DENTIST = (
    "Receptionists book appointments for patients with a dentist. Receptionists list "
    "appointments per dentist per day."
)

WRONG = [
    Case(
        "missed sentence",
        VOLUNTEERS,
        requirements(
            [
                ent("HourLog", "log hours", fld("hours", "decimal"), owned_by="user"),
                ent("Project", "community projects", fld("name")),
            ],
            [
                fr(1, "Log hours", "Volunteers log hours against community projects"),
                fr(2, "Approve hours", "Coordinators approve logged hours"),
            ],
            actors=("volunteer", "coordinator"),
        ),
        expect=("fidelity.sentences", "total hours volunteered"),
    ),
    Case(
        "invented entity",
        FISHING,
        requirements(
            [
                ent("Catch", "record catches", fld("species"), fld("weight_grams", "integer")),
                ent("Lake", "the lake", fld("name")),
                ent("FishingLicence", "fishing licence", fld("number")),
            ],
            [fr(1, "Record catch", FISHING)],
            actors=("angler",),
        ),
        expect=("fidelity.grounding", "FishingLicence"),
    ),
    Case(
        "invented enum",
        FISHING,
        requirements(
            [
                ent(
                    "Catch",
                    "record catches",
                    fld("species"),
                    fld("weight_grams", "integer"),
                    fld("status", "enum", enum_values=["pending", "verified", "rejected"]),
                ),
                ent("Lake", "the lake", fld("name")),
            ],
            [fr(1, "Record catch", FISHING)],
            actors=("angler",),
        ),
        expect=("fidelity.grounding", "pending, verified, rejected"),
    ),
    Case(
        "listed values left as free text",
        REPAIRS,
        requirements(
            [
                ent("Device", "devices", fld("model")),
                ent("RepairTicket", "repair ticket", fld("status", "string", "a status")),
            ],
            [
                fr(1, "Drop off device for repair", "Customers drop off devices for repair."),
                fr(2, "Create repair ticket", "Each repair ticket has a status"),
            ],
            actors=("customer",),
        ),
        expect=("fidelity.enums", "received, diagnosing, waiting_for_parts, fixed"),
    ),
    Case(
        "'one per' without a rule",
        LAUNDRY,
        requirements(
            [
                ent(
                    "Reservation",
                    "reserve the laundry room",
                    fld("flat"),
                    fld("day", "date"),
                    fld("slot", "string"),
                )
            ],
            [fr(1, "Reserve laundry room", LAUNDRY)],
            actors=("tenant",),
        ),
        expect=("fidelity.rules", "uniqueness rule"),
    ),
    Case(
        "overlap without a rule",
        KAYAKS,
        requirements(
            [
                ent("Kayak", "kayaks", fld("name")),
                ent("Rental", "rent kayaks", fld("starts_at", "datetime"), fld("hours", "integer")),
            ],
            [
                fr(1, "Rent kayak", "Paddlers rent kayaks by the hour."),
                fr(2, "Prevent double rentals", "A kayak cannot be rented twice"),
            ],
            actors=("paddler",),
            rules=[rule(1, "other", "Rental", "paddlers rent by the hour")],
        ),
        expect=("fidelity.rules", "no_overlap"),
    ),
    Case(
        "citation that does not say it",
        GYM,
        requirements(
            [
                ent("Visit", "today's visits", fld("visited_on", "date")),
                ent("Pass", "passes", fld("kind")),
            ],
            [
                fr(1, "List passes", "Staff can list today's visits."),
                fr(2, "Buy pass", "Members buy passes for the climbing wall."),
            ],
            actors=("staff", "member"),
        ),
        expect=("fidelity.support", "\u201cpass\u201d"),
    ),
    Case(
        "a listing's 'per' dropped",
        DENTIST,
        requirements(
            [
                ent("Appointment", "appointments", fld("starts_at", "datetime"), fld("patient")),
                ent("Dentist", "a dentist", fld("name")),
            ],
            [
                fr(1, "Book appointment", "Receptionists book appointments for patients"),
                fr(2, "List appointments", "receptionists list appointments per dentist per day"),
            ],
            actors=("receptionist",),
        ),
        expect=("fidelity.support", "by dentist, day"),
    ),
    Case(
        "range after a unit bounds nothing",
        PLANTS,
        requirements(
            [
                ent(
                    "Plant",
                    "plants",
                    fld("name"),
                    fld("height_cm", "integer"),
                    fld("watering_interval_days", "integer"),
                )
            ],
            [fr(1, "Add plant", PLANTS)],
            actors=("gardener",),
        ),
        expect=("fidelity.ranges", "between 1 and 60"),
    ),
    Case(
        "range on the wrong field",
        PLANTS,
        requirements(
            [
                ent(
                    "Plant",
                    "plants",
                    fld("name"),
                    fld("height_cm", "integer", minimum=1, maximum=60),
                    fld("watering_interval", "integer"),
                )
            ],
            [fr(1, "Add plant", PLANTS)],
            actors=("gardener",),
        ),
        expect=("fidelity.ranges", "watering_interval"),
    ),
    Case(
        "acted-on noun not modelled",
        HEATS,
        requirements(
            [ent("TrainingSession", "training sessions", fld("starts_at", "datetime"))],
            [fr(1, "Schedule session", HEATS), fr(2, "Register athlete", HEATS)],
            actors=("coach", "athlete"),
        ),
        expect=("fidelity.nouns", "races"),
    ),
    Case(
        "filter served by a plain list",
        DELIVERIES,
        requirements(
            [ent("Delivery", "deliveries", fld("address"), fld("driver"))],
            [
                fr(1, "Create delivery", "Dispatchers create deliveries with an address."),
                fr(2, "Filter deliveries by driver", "Dispatchers filter deliveries by driver."),
            ],
            actors=("dispatcher",),
        ),
        api(
            {"POST /v1/deliveries": ["FR-1"], "GET /v1/deliveries": ["FR-2"]},
            {"GET /v1/deliveries": ["limit", "offset"]},
        ),
        expect=("fidelity.operations", "filter by driver"),
    ),
    Case(
        "aggregate served by a plain list",
        CABINS,
        requirements(
            [
                ent("Cabin", "cabins", fld("nightly_price", "decimal")),
                ent("Review", "reviews of cabins", fld("rating", "integer"), fld("text", "text")),
            ],
            [
                fr(1, "List cabins", "Hosts list cabins with a nightly price."),
                fr(2, "Write review", "Guests write reviews of cabins."),
                fr(3, "Average rating per cabin", "Hosts see the average rating of each cabin."),
            ],
            actors=("host", "guest"),
        ),
        api(
            {
                "GET /v1/cabins": ["FR-1"],
                "POST /v1/cabins/{cabin_id}/reviews": ["FR-2"],
                "GET /v1/cabins/{cabin_id}/reviews": ["FR-3"],
            },
            {},
        ),
        expect=("fidelity.operations", "aggregate"),
    ),
]


@pytest.mark.parametrize("case", WRONG, ids=lambda c: c.name)
def test_plausible_but_wrong_requirements_are_flagged(case: Case) -> None:
    assert case.expect is not None
    check, words = case.expect
    errors = fidelity_errors(case)
    named = [f for f in errors if f.check == check and words in f.message]
    assert named, errors
    assert all(len(f.message.splitlines()) == 1 for f in errors)


# --- faithful: no fidelity error --------------------------------------------------------

WALKS = (
    "Dog walkers publish walk slots with a start time and a price. Owners book a slot for "
    "their dog; a slot cannot be double-booked. Owners list their bookings newest first."
)
QUOTES = (
    "Freelancers send quotes to clients. A quote has an amount and a status: draft, sent, "
    "accepted or declined. Clients accept or decline a quote."
)
MEMBERS = (
    "Librarians register members with a surname, an email and a membership level (basic or "
    "premium). Librarians search members by surname or email."
)

ROOMS = (
    "Team members can book meeting rooms for a time slot; a room cannot be double-booked; "
    "admins can add rooms; list bookings per room per day."
)

FAITHFUL = [
    Case(
        "one sentence of clauses, titles in several styles",
        ROOMS,
        requirements(
            [
                ent("MeetingRoom", "meeting rooms", fld("name")),
                ent(
                    "Booking",
                    "book meeting rooms",
                    fld("starts_at", "datetime"),
                    fld("ends_at", "datetime"),
                    owned_by="member",
                ),
            ],
            [
                fr(1, "Team member books a room for a time slot", "members book meeting rooms"),
                fr(2, "Admins add rooms", "admins can add rooms"),
                fr(3, "View bookings per room per day", "list bookings per room per day"),
                fr(4, "Bookings by room and day", "list bookings per room per day"),
                fr(5, "Prevent double-booking of a room", "a room cannot be double-booked"),
            ],
            actors=("member", "admin"),
            rules=[
                rule(
                    1,
                    "no_overlap",
                    "Booking",
                    "a room cannot be double-booked",
                    fields=["starts_at", "ends_at"],
                    scope=["meeting_room_id"],
                ),
            ],
        ),
        api(
            {
                "POST /v1/bookings": ["FR-1"],
                "POST /v1/rooms": ["FR-2"],
                "GET /v1/bookings": ["FR-3", "FR-4"],
            },
            {"GET /v1/bookings": ["room_id", "day"]},
        ),
    ),
    Case(
        "booking with a no-overlap rule, paraphrased",
        WALKS,
        requirements(
            [
                ent(
                    "WalkSlot", "walk slots", fld("starts_at", "datetime"), fld("price", "decimal")
                ),
                ent("Booking", "book a slot", fld("dog_name"), owned_by="owner"),
            ],
            [
                fr(1, "Publish walk slot", "dog walkers publish slots with a start time and price"),
                fr(2, "Book a slot", "owners book a slot for their dog"),
                fr(3, "List my bookings newest first", "owners list their bookings, newest first"),
            ],
            actors=("walker", "owner"),
            rules=[
                rule(
                    1,
                    "no_overlap",
                    "Booking",
                    "a slot can't be double-booked",
                    fields=["starts_at", "ends_at"],
                    scope=["walk_slot_id"],
                ),
            ],
            relations=[
                {
                    "source": "Booking",
                    "target": "WalkSlot",
                    "kind": "many_to_one",
                    "description": "a booking is for one slot",
                },
            ],
        ),
        api(
            {
                "POST /v1/walk-slots": ["FR-1"],
                "POST /v1/bookings": ["FR-2"],
                "GET /v1/bookings": ["FR-3"],
            },
            {"GET /v1/bookings": ["sort", "limit"]},
        ),
    ),
    Case(
        "status enum and its transitions",
        QUOTES,
        requirements(
            [
                ent(
                    "Quote",
                    "quotes",
                    fld("amount", "decimal"),
                    fld(
                        "status",
                        "enum",
                        "a status",
                        enum_values=["draft", "sent", "accepted", "declined"],
                    ),
                    fld("client", "string"),
                )
            ],
            [
                fr(1, "Send quote", "Freelancers send quotes to clients."),
                fr(2, "Accept or decline quote", "clients accept or decline a quote"),
                fr(3, "Create quote", "A quote has an amount and a status"),
            ],
            actors=("freelancer", "client"),
        ),
        api(
            {
                "POST /v1/quotes": ["FR-1", "FR-3"],
                "POST /v1/quotes/{quote_id}/decision": ["FR-2"],
            },
            {},
        ),
    ),
    Case(
        "range in a parenthetical, bounded",
        PLANTS,
        requirements(
            [
                ent(
                    "Plant",
                    "plants",
                    fld("name"),
                    fld("height_cm", "integer"),
                    fld("watering_interval_days", "integer", minimum=1, maximum=60),
                )
            ],
            [fr(1, "Add plant", "gardeners add plants with a name, height and watering interval")],
            actors=("gardener",),
        ),
    ),
    Case(
        "listing per dentist per day",
        DENTIST,
        requirements(
            [
                ent("Appointment", "appointments", fld("starts_at", "datetime"), fld("patient")),
                ent("Dentist", "a dentist", fld("name")),
            ],
            [
                fr(1, "Book appointment", "Receptionists book appointments for patients"),
                fr(
                    2,
                    "List appointments per dentist per day",
                    "list appointments per dentist per day",
                ),
            ],
            actors=("receptionist",),
        ),
        api(
            {"POST /v1/appointments": ["FR-1"], "GET /v1/appointments": ["FR-2"]},
            {"GET /v1/appointments": ["dentist_id", "date", "limit"]},
        ),
    ),
    Case(
        "search by field, enum in parentheses",
        MEMBERS,
        requirements(
            [
                ent(
                    "Member",
                    "members",
                    fld("surname"),
                    fld("email", "email"),
                    fld("membership_level", "enum", enum_values=["basic", "premium"]),
                )
            ],
            [
                fr(1, "Register member", "Librarians register members"),
                fr(2, "Search members by surname or email", "search members by surname or email"),
            ],
            actors=("librarian",),
        ),
        api(
            {"POST /v1/members": ["FR-1"], "GET /v1/members": ["FR-2"]},
            {"GET /v1/members": ["q", "limit", "offset"]},
        ),
    ),
]


@pytest.mark.parametrize("case", FAITHFUL, ids=lambda c: c.name)
def test_faithful_requirements_raise_no_fidelity_error(case: Case) -> None:
    assert fidelity_errors(case) == []


def test_each_wrong_case_is_faithful_but_for_its_defect() -> None:
    """A wrong case raises only its own check's errors: each defect is caught by the check
    meant for it, not by an unrelated one (which would hide a gap in the right one)."""
    for case in WRONG:
        assert case.expect is not None
        assert {f.check for f in fidelity_errors(case)} == {case.expect[0]}, case.name


def test_a_narrowing_named_only_in_the_criteria_is_kept() -> None:
    """One requirement may promise the 'per dentist per day' in its acceptance criteria
    rather than its title: nothing the sentence asked is lost."""
    listing = fr(2, "List appointments", "receptionists list appointments per dentist per day")
    listing["acceptance_criteria"] = [
        "GET /v1/appointments?dentist_id=1&date=2026-01-05 returns that dentist's appointments "
        "of that day only"
    ]
    data = requirements(
        [
            ent("Appointment", "appointments", fld("starts_at", "datetime"), fld("patient")),
            ent("Dentist", "a dentist", fld("name")),
        ],
        [fr(1, "Book appointment", "Receptionists book appointments for patients"), listing],
        actors=("receptionist",),
    )
    assert fidelity_errors(Case("criteria", DENTIST, data)) == []
    listing["acceptance_criteria"] = ["GET /v1/appointments returns 200"]
    [error] = fidelity_errors(Case("criteria", DENTIST, data))
    assert error.check == "fidelity.support" and "by dentist, day" in error.message
