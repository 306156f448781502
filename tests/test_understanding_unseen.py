"""Sentence shapes the corpus lacked when the builtin was written, each on new wording.

None of these sentences is in ``tests/corpus/``: each case states one general reading
(who acts, passive voice, a range after a unit, a scoped uniqueness, …) and checks that
the builtin either builds exactly that or defers it visibly, never something plausible.
"""

from __future__ import annotations

from featureline.artifacts import RequirementsArtifact
from featureline.providers.builtin.requirements import build_requirements
from featureline.request import parse_request


def understand(text: str) -> RequirementsArtifact:
    return build_requirements(parse_request(text))


def names(req: RequirementsArtifact) -> set[str]:
    return {e.name for e in req.entities}


def field(req: RequirementsArtifact, entity: str, name: str):  # type: ignore[no-untyped-def]
    ent = next(e for e in req.entities if e.name == entity)
    return next(f for f in ent.fields if f.name == name)


def rules(req: RequirementsArtifact, kind: str) -> list[tuple[str, list[str], list[str]]]:
    return [(r.entity, r.fields, r.scope) for r in req.rules if r.kind == kind]


def test_an_organisation_acting_sets_the_scene_and_makes_no_record() -> None:
    req = understand(
        "A city council reviews building permits. "
        "Architects submit permits with a title and a site address."
    )
    assert "review" not in names(req)
    assert "permit" in {n.rsplit("_", 1)[-1] for n in names(req)}


def test_a_persons_act_still_names_its_record() -> None:
    req = understand("Critics review films. A film has a title and a release year.")
    assert "review" in names(req)


def test_record_created_after_a_subordinate_clause_keeps_its_fields() -> None:
    req = understand(
        "Parcels have a parcel code and an area. When a neighbour asks to lease a "
        "parcel, the clerk creates a lease for that parcel with a start date and an end date."
    )
    assert "lease" in names(req)
    assert {"start_date", "end_date"} <= {
        f.name for f in next(e for e in req.entities if e.name == "lease").fields
    }
    parcel = next(e for e in req.entities if e.name == "parcel")
    assert "start_date" not in {f.name for f in parcel.fields}
    assert any(r.source == "lease" and r.target == "parcel" for r in req.relations)


def test_range_in_parentheses_after_a_unit_bounds_the_field() -> None:
    req = understand("A tank has a label and a volume in litres (between 10 and 500).")
    volume = field(req, "tank", "volume_litres")
    assert (volume.minimum, volume.maximum) == (10, 500)
    assert ("tank", ["volume_litres"], []) in rules(req, "range")


def test_relative_clause_marks_a_field_unique() -> None:
    req = understand("Each locker has a code that is unique across the building and a floor.")
    code = field(req, "locker", "code")
    assert code.unique
    assert {f.name for f in next(e for e in req.entities if e.name == "locker").fields} == {
        "code",
        "floor",
    }


def test_unique_within_a_parent_is_a_scoped_rule_not_a_unique_column() -> None:
    req = understand(
        "Swimming meets have a name and a pool. Coaches register swimmers for a meet with "
        "a lane number (unique per meet) and a name."
    )
    lane = field(req, "swimmer", "lane_number")
    assert not lane.unique
    assert ("swimmer", ["lane_number"], ["swimming_meet"]) in rules(req, "unique")


def fields_of(req: RequirementsArtifact, entity: str) -> dict[str, str]:
    return {f.name: f.type for f in next(e for e in req.entities if e.name == entity).fields}


def test_passive_voice_records_fields_and_parents() -> None:
    req = understand(
        "Water samples are collected by inspectors. Each sample is given a reference code, "
        "which must be unique, and a collection date, and is taken at a well. Wells are "
        "registered by the district engineer with a name and a depth in metres."
    )
    assert {"water_sample", "well"} <= names(req)
    assert field(req, "water_sample", "reference_code").unique
    assert fields_of(req, "water_sample")["collection_date"] == "date"
    assert {"name", "depth_metres"} <= set(fields_of(req, "well"))
    assert any(r.source == "water_sample" and r.target == "well" for r in req.relations)


def test_people_receiving_things_name_the_act_as_record() -> None:
    req = understand(
        "Nurses are allocated parking bays for a year; an allocation has a start date and a "
        "status (active, returned). A nurse holds at most one active allocation."
    )
    allocation = next(e for e in req.entities if e.name == "allocation")
    assert allocation.owned_by == "user"
    assert any(r.source == "allocation" and r.target == "parking_bay" for r in req.relations)
    assert ("allocation", ["status"], ["owner"]) in rules(req, "one_active")


def test_a_value_kept_per_record_is_its_field() -> None:
    req = understand(
        "Boats are registered with a name and a sail number. "
        "Finish times are recorded per boat in seconds."
    )
    assert fields_of(req, "boat")["finish_time_seconds"] == "integer"


def test_a_singular_owner_with_a_collection_each_with_fields() -> None:
    req = understand("The marina has berths, each with a berth number and a length in metres.")
    assert {"berth_number", "length_metres"} <= set(fields_of(req, "berth"))
    assert "marina" not in names(req)


def test_the_agent_of_a_passive_is_a_role() -> None:
    req = understand("Water samples are collected by inspectors with a collection date.")
    assert "inspector" in {a.name for a in req.actors}


def cited(req: RequirementsArtifact, sentence: str) -> list[tuple[str, str]]:
    return [(f.title, f.status) for f in req.functional if f.source == sentence]


def test_a_list_verb_lists_only_the_noun_it_acts_on() -> None:
    req = understand(
        "Climbers buy ten-visit passes with a price. Staff can list the visits of a pass."
    )
    assert not [t for t, s in cited(req, "Staff can list the visits of a pass.") if s == "planned"]


def test_each_list_verb_reads_only_its_own_clause() -> None:
    req = understand(
        "People have a full name and an email. Each person belongs to one team; teams have "
        "a name. Everyone can search people by name and filter them by team."
    )
    titles = [f.title for f in req.functional if f.status == "planned"]
    assert "Search people by full_name" in titles
    assert not [t for t in titles if t.startswith("Search teams")]
    assert "Filter people by team" in titles


def test_time_windows_and_locks_are_deferred_by_name() -> None:
    req = understand(
        "Drivers book charging slots with a start time and an end time. Drivers see their "
        "bookings of the next 7 days. A finished booking is never changed."
    )
    assert [
        s
        for t, s in cited(req, "Drivers see their bookings of the next 7 days.")
        if t.startswith("Time window")
    ] == ["deferred"]
    assert [s for t, s in cited(req, "A finished booking is never changed.")] == ["deferred"]


def test_people_are_records_only_with_fields_to_store() -> None:
    req = understand(
        "Hikers log hikes with a distance in km and a date. Hikers have at most three open hikes."
    )
    assert "hiker" not in names(req)


def test_a_decision_on_an_unmodelled_record_is_not_put_on_another() -> None:
    req = understand(
        "Owners register boats with a name and a length in metres. A harbour master approves "
        "or rejects a pending mooring, which can be cancelled by the owner."
    )
    assert "status" not in fields_of(req, "boat")
    assert not rules(req, "transition")


def test_people_listed_with_fields_are_a_nested_collection() -> None:
    req = understand("Each band has a name and musicians (name, instrument). A tour has bands.")
    assert {"name", "instrument"} <= set(fields_of(req, "musician"))
    assert any(r.source == "musician" and r.target == "band" for r in req.relations)
    req = understand("A league has a name and teams; each team has a name and a colour.")
    assert any(r.source == "team" and r.target == "league" for r in req.relations)


def test_only_a_named_group_may_act() -> None:
    req = understand("Incidents have a title and a severity. Only shift leads can close incidents.")
    assert "shift_lead" in {a.name for a in req.actors}
    assert [(r.entity, r.roles, r.operations) for r in req.rules if r.kind == "role_required"] == [
        ("incident", ["shift_lead"], ["update"])
    ]


def test_scheduling_is_reserved_only_when_the_request_says_only() -> None:
    text = "Exhibitions have a title and an opening date. {} schedule exhibitions."
    only = understand(text.format("Only curators may"))
    assert [(r.entity, r.operations) for r in only.rules if r.kind == "role_required"] == [
        ("exhibition", ["create"])
    ]
    plain = understand(text.format("Curators"))
    assert not [r for r in plain.rules if r.kind == "role_required"]


def test_a_plural_naming_fields_of_a_record_is_not_a_new_record() -> None:
    req = understand(
        "Each routine has a title, a technical mark and an artistic mark. Judges enter marks."
    )
    assert "mark" not in names(req)


def test_each_owner_defines_its_children() -> None:
    req = understand("Each call for papers defines its tracks; a track has a name and a chair.")
    relations = {(r.source, r.target) for r in req.relations}
    assert ("track", "call") in relations
    assert not [r for r in relations if r[0] == "track" and r[1] != "call"]


def test_a_portion_for_ones_own_thing_is_on_the_resource_after_it() -> None:
    req = understand(
        "Campsites have a name and a region. Campers book a spot for their van at a campsite, "
        "giving its length in metres (between 3 and 12)."
    )
    assert "van" not in names(req)
    assert any(r.source == "booking" and r.target == "campsite" for r in req.relations)
    assert ("booking", ["length_metres"], []) in rules(req, "range")


def test_a_capacity_counted_in_things_is_an_integer() -> None:
    req = understand("A hall has a name and a seating capacity in chairs.")
    assert fields_of(req, "hall")["seating_capacity"] == "integer"


def test_capacity_over_a_group_size_against_a_maximum() -> None:
    req = understand(
        "Boats have a name and a maximum number of passengers. Skippers book trips for a boat "
        "with a date and a group size. The trips of a boat never hold more people than its "
        "maximum."
    )
    assert ("trip", ["group_size", "max_passengers"], ["boat"]) in rules(req, "capacity")


def test_a_role_seeing_all_owned_rows_is_deferred() -> None:
    req = understand(
        "Guests book rooms with a check-in date and a check-out date. Guests see their own "
        "bookings; cleaners see all bookings of a day."
    )
    [rule] = [r for r in req.rules if r.kind == "other"]
    assert rule.entity == "booking" and "other users own" in rule.description


def test_records_added_to_a_shared_place_are_shared() -> None:
    req = understand(
        "Neighbours add tools to a shared shed with a name and a condition (good, worn)."
    )
    assert [r.entity for r in req.rules if r.kind == "shared"] == ["tool"]


def test_a_person_named_as_a_party_of_a_record_is_a_record_and_a_role() -> None:
    req = understand(
        "Clients have a name and an email. A session is for one client with one trainer at a "
        "start time. Trainers list their sessions."
    )
    relations = {(r.source, r.target) for r in req.relations}
    assert {("session", "client"), ("session", "trainer")} <= relations
    assert fields_of(req, "session")["start_time"] == "datetime"
    assert "trainer" in {a.name for a in req.actors}


def test_a_bare_object_the_builtin_did_not_model_is_deferred() -> None:
    req = understand("The studio plans classes and records feedback. Classes have a title.")
    [missing] = [f for f in req.functional if f.title.startswith("Not modelled")]
    assert missing.status == "deferred" and "feedback" in missing.status_note


def test_one_after_a_list_verb_is_the_record_listed_before() -> None:
    req = understand(
        "Chefs publish recipes with a title and a unique code. "
        "Cooks list recipes by title and read one by code."
    )
    [flt] = [f.title for f in req.functional if f.title.startswith("Filter recipes")]
    assert "code" in flt


def test_replying_to_a_record_with_a_plural_makes_its_collection() -> None:
    req = understand(
        "Players post questions with a title. Coaches reply to questions with answers."
    )
    assert any(r.source == "answer" and r.target == "question" for r in req.relations)


def test_attempting_a_record_at_most_once_is_a_unique_attempt() -> None:
    req = understand(
        "Exercises have a title and a level. "
        "Learners may attempt each exercise at most once; each attempt records a score."
    )
    assert any(r.source == "attempt" and r.target == "exercise" for r in req.relations)
    assert ("attempt", ["exercise"], ["owner"]) in rules(req, "unique")


def test_listing_records_by_another_record_relates_them() -> None:
    req = understand(
        "Crews have a name. A patrol report has a date and a summary. "
        "Supervisors list patrol reports by crew."
    )
    assert any(r.source == "patrol_report" and r.target == "crew" for r in req.relations)
    assert any(f.title == "Filter patrol reports by crew" for f in req.functional)


def test_a_filter_on_nothing_modelled_is_deferred_not_dropped() -> None:
    req = understand(
        "Clerks file permits with a zone and a start date. Wardens list permits by zone and "
        "by licence plate."
    )
    sentence = "Wardens list permits by zone and by licence plate."
    assert ("Filter permits by zone", "planned") in cited(req, sentence)
    assert ("Filter permit by licence plate", "deferred") in cited(req, sentence)


def test_a_two_word_field_after_by_is_a_filter() -> None:
    req = understand("Bakers take orders with a pickup date. Bakers list orders by pickup date.")
    assert any(f.title == "Filter orders by pickup_date" for f in req.functional)


def test_states_joined_by_then_are_a_lifecycle() -> None:
    req = understand(
        "Tenants raise repair jobs with a description. A repair job is reported, then "
        "scheduled by the caretaker, then fixed or cancelled."
    )
    [rule] = [r for r in req.rules if r.kind == "transition"]
    assert rule.entity.endswith("job")
    assert rule.values == ["reported->scheduled", "scheduled->fixed", "scheduled->cancelled"]


def test_a_lifecycle_step_taken_by_another_role_on_owned_rows_is_deferred() -> None:
    req = understand(
        "Researchers book instruments for a time window (from, until). A booking is "
        "requested, then confirmed by a lab manager, then completed."
    )
    assert [r.entity for r in req.rules if r.kind == "transition"] == ["booking"]
    [other] = [r for r in req.rules if r.kind == "other"]
    assert other.entity == "booking" and "other users own" in other.description


def test_values_in_parentheses_are_not_a_collection_of_records() -> None:
    req = understand(
        "A bakery has a name and shelves (label, position), and each shelf lists loaves with "
        "a name, a price and grains (wheat, rye, spelt)."
    )
    assert {"shelf", "loaf", "grain"} <= names(req)
    assert {"wheat", "rye", "spelt"}.isdisjoint(fields_of(req, "grain"))
    relations = {(r.source, r.target, r.kind) for r in req.relations}
    assert ("loaf", "shelf", "many_to_one") in relations
    assert ("loaf", "grain", "many_to_many") in relations
    assert not [f for f in req.functional if f.title == "List loaves" and f.source]


def test_enrolling_people_in_records_relates_the_act_to_the_record() -> None:
    req = understand(
        "Parents enrol their children in workshops; a workshop has a title and a date. "
        "An enrolment records the child's name and the child's age (between 6 and 12)."
    )
    assert any(r.source == "enrolment" and r.target == "workshop" for r in req.relations)
    assert {"child_name", "child_age"} <= set(fields_of(req, "enrolment"))


def test_collection_each_with_fields_and_a_reference() -> None:
    req = understand(
        "Customers place orders. A product has a name and a price. An order contains items, "
        "each with a product and a quantity (at least 1)."
    )
    assert field(req, "item", "quantity").minimum == 1
    relations = {(r.source, r.target) for r in req.relations}
    assert {("item", "order"), ("item", "product")} <= relations
    item = next(e for e in req.entities if e.name == "item")
    assert item.source != "Customers place orders."
    assert "quantity" not in fields_of(req, "order")


def test_a_filter_cites_the_sentence_that_asks_for_it() -> None:
    req = understand(
        "Agents list flats. A flat has a city, a rent and a description. "
        "Tenants filter flats by city and by a rent range."
    )
    sentence = "Tenants filter flats by city and by a rent range."
    assert ("Filter flats by city", "planned") in cited(req, sentence)
    assert ("Filter flat by rent range", "deferred") in cited(req, sentence)


def test_once_per_parent_without_a_modal_is_one_row_per_owner() -> None:
    req = understand(
        "Coaches run clinics with a title and a capacity. Players sign up for clinics; a "
        "player signs up at most once per clinic. Clinics never take more sign-ups than "
        "their capacity."
    )
    assert ("sign_up", ["clinic"], ["owner"]) in rules(req, "unique")
    others = [r.source for r in req.rules if r.kind == "other"]
    assert "Clinics never take more sign-ups than their capacity." in others


def test_the_person_of_one_record_is_not_a_role() -> None:
    """'Only the author may edit or delete a recipe' means the recipe's own author, not a
    role 'author' every editor must hold (which left no cook able to edit their own recipe);
    'only the admin' stays a role."""
    from featureline.providers.builtin.requirements import build_requirements
    from featureline.request import parse_request

    req = build_requirements(
        parse_request(
            "Home bakers publish cakes with a name and a price. "
            "Only the baker may change or remove a cake."
        )
    )
    assert not [r for r in req.rules if r.kind == "role_required" and "baker" in r.roles]
    assert any(r.kind == "other" and "remove a cake" in r.source for r in req.rules)
    admin = build_requirements(
        parse_request("Members book rooms with a date. Only the admin may delete a room.")
    )
    assert any(r.kind == "role_required" and r.roles == ["admin"] for r in admin.rules)
