"""The builtin's service generator on hand-built requirements with rules and roles (unlike
the samples): rules become enforcement, spec facts and FR-tagged tests; a rule it cannot
build is said so; and the generated tests catch seeded defects (each mutation of the
generated code must make the test of its requirement fail)."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from featureline.artifacts import ImplementationArtifact, RequirementsArtifact, TestingArtifact
from featureline.artifacts.performance import LoadResult
from featureline.artifacts.requirements import (
    Actor,
    Entity,
    EntityField,
    FunctionalRequirement,
    NonFunctionalRequirement,
    Relation,
    Rule,
)
from featureline.providers.builtin.api_spec import build_api_spec
from featureline.providers.builtin.implementation import build_implementation
from featureline.providers.builtin.performance import build_performance
from featureline.providers.builtin.resources import build_resources
from featureline.providers.builtin.rules import BuiltRule, DeferredRule, all_roles, resolve
from featureline.providers.builtin.schema import build_schema
from featureline.providers.builtin.service_routes import privileged
from featureline.providers.builtin.testing import build_testing
from featureline.sandbox import Sandbox
from featureline.sandbox.limits import SandboxLimits


def _fr(i: int, title: str, status: str = "planned") -> FunctionalRequirement:
    return FunctionalRequirement.model_validate(
        {
            "id": f"FR-{i}",
            "title": title,
            "description": title,
            "priority": "must",
            "acceptance_criteria": [title],
            "status": status,
        }
    )


def meeting_rooms() -> RequirementsArtifact:
    """Rooms only admins manage and everyone sees; bookings that never overlap per room."""
    crud = [
        "Create room",
        "List rooms",
        "Get room",
        "Update room",
        "Delete room",
        "Create booking",
        "List bookings",
        "Get booking",
        "Update booking",
        "Delete booking",
        "Filter bookings by room",
        "No double booking",
        "Only admins manage rooms",
        "Everyone sees rooms",
        "Bookings are unique per title and room",
    ]
    frs = [_fr(i + 1, t) for i, t in enumerate(crud)]
    frs.append(_fr(16, "Occupancy report", status="planned"))
    frs.append(_fr(17, "Room is cleaned after each booking", status="deferred"))
    f = EntityField
    return RequirementsArtifact(
        title="Meeting rooms",
        summary="rooms and bookings",
        actors=[Actor(name="employee", description="books"), Actor(name="admin", description="")],
        entities=[
            Entity(
                name="room",
                description="a room",
                fields=[
                    f(name="name", type="string"),
                    f(name="seats", type="integer", minimum=1, maximum=500),
                ],
                owned_by="user",
            ),
            Entity(
                name="booking",
                description="a booking",
                fields=[
                    f(name="title", type="string"),
                    f(name="starts_at", type="datetime"),
                    f(name="ends_at", type="datetime"),
                ],
                owned_by="user",
            ),
        ],
        relations=[
            Relation(source="booking", target="room", kind="many_to_one", description="room")
        ],
        rules=[
            Rule(
                id="R-1",
                kind="role_required",
                entity="room",
                roles=["admin"],
                operations=["create", "update", "delete"],
                description="only admins manage rooms",
                requirement_ids=["FR-13"],
            ),
            Rule(
                id="R-2",
                kind="shared",
                entity="room",
                description="everyone sees rooms",
                requirement_ids=["FR-14"],
            ),
            Rule(
                id="R-3",
                kind="no_overlap",
                entity="booking",
                fields=["starts_at", "ends_at"],
                scope=["room"],
                description="no double booking",
                requirement_ids=["FR-12"],
            ),
            Rule(
                id="R-4",
                kind="unique",
                entity="booking",
                fields=["title"],
                scope=["room"],
                description="titles unique per room",
                requirement_ids=["FR-15"],
            ),
            Rule(
                id="R-5",
                kind="other",
                entity="room",
                description="an occupancy report per week",
                requirement_ids=["FR-16"],
            ),
        ],
        functional=frs,
        non_functional=[
            NonFunctionalRequirement(
                id="NFR-1",
                category="performance",
                description="bookings list fast",
                metric="p95 latency of listing bookings",
                comparator="<",
                target=200,
                unit="ms",
                requirement_ids=["FR-7"],
            ),
            NonFunctionalRequirement(
                id="NFR-2",
                category="performance",
                description="report fast",
                metric="p95 latency of the occupancy report",
                comparator="<",
                target=50,
                unit="ms",
                requirement_ids=["FR-17"],
            ),
            NonFunctionalRequirement(
                id="NFR-3",
                category="performance",
                description="reading a room is fast",
                metric="p95 latency of reading a room",
                comparator="<",
                target=50,
                unit="ms",
                requirement_ids=["FR-3"],
            ),
        ],
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _generate(req: RequirementsArtifact) -> tuple[ImplementationArtifact, TestingArtifact]:
    api = build_api_spec(req)
    return build_implementation(req, build_schema(req), api), build_testing(req, False)


def _tests_for(testing: TestingArtifact, fr: str) -> list[str]:
    return next(c.tests for c in testing.coverage if c.requirement_id == fr)


def test_rules_reach_the_spec_the_code_and_the_tests() -> None:
    req = meeting_rooms()
    api = build_api_spec(req)
    roles = {(e.method, e.path): e.roles for e in api.endpoints}
    assert roles[("POST", "/v1/rooms")] == ["admin"]
    assert roles[("GET", "/v1/rooms")] == []
    doc = api.openapi
    assert "403" in doc["paths"]["/v1/rooms"]["post"]["responses"]
    assert "409" in doc["paths"]["/v1/bookings"]["post"]["responses"]
    impl, testing = _generate(req)
    routes = {f.path: f.content for f in impl.files}
    assert "julianday(starts_at) < julianday(?)" in routes["app/routers/bookings.py"]
    assert "require_role(user" in routes["app/routers/rooms.py"]
    # the rule it cannot build is said so, and its FR gets no test claiming it
    assert any("NOT BUILT" in m and "R-5" in m and "FR-16" in m for m in impl.security_measures)
    assert _tests_for(testing, "FR-16") == []
    for fr, name in (
        ("FR-12", "rule_r_3_no_overlap"),
        ("FR-13", "rule_r_1_role_required"),
        ("FR-14", "rule_r_2_shared"),
        ("FR-15", "rule_r_4_unique"),
        ("FR-11", "filter_bookings_by_room_id"),
    ):
        assert any(name in t for t in _tests_for(testing, fr)), (fr, _tests_for(testing, fr))


def test_least_privileged_default_role_and_users_script_contract() -> None:
    req = meeting_rooms()
    schema = build_schema(req)
    users = next(t for t in schema.tables if t.name == "users")
    role = next(c for c in users.columns if c.name == "role")
    assert role.default == "employee"  # admin is granted something by R-1; employee nothing
    impl, _ = _generate(req)
    assert impl.users_script is not None and impl.users_script.path == "users.py"
    assert "ROLES = ('employee', 'admin')" in impl.users_script.content


def test_performance_targets_name_their_operations_or_say_why_not() -> None:
    perf = build_performance(meeting_rooms(), False)
    verdicts = {v.nfr_id: v for v in perf.verdicts}
    assert verdicts["NFR-1"].operations == ["GET /v1/bookings"]
    assert verdicts["NFR-2"].verdict == "not_measured" and verdicts["NFR-2"].operations == []
    assert "FR-17" in verdicts["NFR-2"].evidence
    assert verdicts["NFR-3"].operations == ["GET /v1/rooms/{id}"]


def test_load_run_measures_the_operations_the_targets_name() -> None:
    req = meeting_rooms()
    impl, _ = _generate(req)
    perf = build_performance(req, False)
    assert perf.seed_script is not None
    files = {f.path: f.content for f in impl.files}
    files |= {perf.seed_script.path: perf.seed_script.content}
    files |= {perf.load_test_script.path: perf.load_test_script.content}
    port = free_port()
    with Sandbox() as sandbox:
        where = sandbox.workspace("load")
        sandbox.write_files(where, files)
        argv = ["python", "-m", "uvicorn", impl.entry_point, "--host", "127.0.0.1", "--port"]
        server = sandbox.start([*argv, str(port)], where, limits=SandboxLimits(wall_seconds=120))
        try:
            server.wait_for_port(port, timeout=30)
            seed = server.run(
                ["python", perf.seed_script.path], limits=SandboxLimits(wall_seconds=60)
            )
            assert seed.ok, seed.output_tail(20)
            env = {k: str(v) for k, v in json.loads(seed.stdout).items()}
            command = perf.load_test_command.replace("{base_url}", f"http://127.0.0.1:{port}")
            load = server.run([*command.split(), "--requests", "20"], env=env)
            assert load.ok, load.output_tail(20)
        finally:
            server.stop()
    results = [LoadResult.model_validate_json(x) for x in load.stdout.splitlines() if x.strip()]
    assert {r.endpoint for r in results} >= {"GET /v1/bookings", "GET /v1/rooms/{id}"}
    assert all(r.error_rate == 0 for r in results), results


# Each mutation breaks one behaviour of the generated code; the test named must fail.
MUTATIONS = {
    "overlap": (
        "app/routers/bookings.py",
        'raise HTTPException(status_code=409, detail="R-3: no double booking")',
        "pass",
        "test_booking_rule_r_3_no_overlap",
    ),
    "role": (
        "app/routers/rooms.py",
        "    require_role(user, ROLES.get('create', ()))",
        "    pass",
        "test_room_rule_r_1_role_required",
    ),
    "owner": (
        "app/routers/bookings.py",
        'SELECT_ONE = "SELECT * FROM bookings WHERE id = ? AND owner_id = ?"',
        'SELECT_ONE = "SELECT * FROM bookings WHERE id = ? OR owner_id = ?"',
        "test_booking_isolated_per_owner",
    ),
    "filter": (
        "app/routers/bookings.py",
        "clauses.append('room_id = ?')",
        "clauses.append('room_id = room_id OR ? IS NULL')",
        "test_filter_bookings_by_room_id",
    ),
}


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, tuple[int, str]]]:
    impl, testing = _generate(meeting_rooms())
    files = {f.path: f.content for f in impl.files} | {
        f.path: f.content for f in testing.test_files
    }
    with Sandbox() as sandbox:

        def run(name: str) -> tuple[int, str]:
            mutated = dict(files)
            if name in MUTATIONS:
                path, old, new, _ = MUTATIONS[name]
                assert old in mutated[path], f"mutation {name} no longer applies"
                mutated[path] = mutated[path].replace(old, new)
            where = sandbox.workspace(f"rooms-{name}")
            sandbox.write_files(where, mutated)
            argv = ["python", "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider"]
            done = sandbox.run(
                [*argv, "-W", "error::pytest.PytestUnknownMarkWarning"],
                where,
                limits=SandboxLimits(wall_seconds=180),
            )
            assert done.returncode is not None, "the sandboxed pytest was not reaped"
            return done.returncode, done.stdout

        names = ["clean", *MUTATIONS]
        with ThreadPoolExecutor(max_workers=3) as pool:
            yield dict(zip(names, pool.map(run, names), strict=True))


def test_generated_tests_pass_on_the_generated_service(runs: dict[str, tuple[int, str]]) -> None:
    code, out = runs["clean"]
    assert code == 0, out[-3000:]
    assert int(re.findall(r"(\d+) passed", out)[-1]) >= 25


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_a_seeded_defect_fails_its_requirement_test(
    mutation: str, runs: dict[str, tuple[int, str]]
) -> None:
    code, out = runs[mutation]
    failed = re.findall(r"^FAILED \S+::(\w+)", out, flags=re.M)
    assert code != 0 and MUTATIONS[mutation][3] in failed, (failed, out[-2000:])


def test_users_script_creates_users_with_tokens() -> None:
    impl, _ = _generate(meeting_rooms())
    assert impl.users_script is not None
    files = {f.path: f.content for f in impl.files}
    with Sandbox() as sandbox:
        where = sandbox.workspace("users")
        sandbox.write_files(where, files)
        made = sandbox.run(["python", "users.py", "admin", "employee", "user"], where)
        assert made.returncode == 0, made.output_tail(20)
        users = json.loads(made.stdout)["users"]
        assert [u["role"] for u in users] == ["admin", "employee", "user"]
        # "user" is the least privileged role, whatever the service calls it
        assert [u["service_role"] for u in users] == ["admin", "employee", "employee"]
        assert all(len(u["token"]) >= 20 and u["id"] >= 1 for u in users)
        bad = sandbox.run(["python", "users.py", "root"], where)
        assert bad.returncode == 2 and "unknown role" in bad.stderr


def test_default_role_is_the_least_privileged_whatever_the_actor_order() -> None:
    req = meeting_rooms()
    req = req.model_copy(update={"actors": list(reversed(req.actors))})  # admin first
    assert all_roles(req) == ["employee", "admin"]
    no_rules = req.model_copy(update={"rules": []})
    assert all_roles(no_rules)[0] == "employee"  # nobody is granted anything: an ordinary name


def test_reserved_operations_act_on_every_row_except_for_their_creators() -> None:
    rooms = next(r for r in build_resources(meeting_rooms()) if r.entity == "room")
    assert privileged(rooms) == {"update": ("admin",), "delete": ("admin",)}
    blog = replace(rooms, roles=(("create", ("author",)), ("update", ("author", "admin"))))
    assert privileged(blog) == {"update": ("admin",)}  # authors edit their own posts only
    shop = replace(rooms, roles=(("delete", ("manager",)),))
    assert privileged(shop) == {"delete": ("manager",)}


def test_rule_words_resolve_to_columns_or_the_rule_is_deferred() -> None:
    columns = {"id": "integer", "owner_id": "reference", "status": "enum", "room_id": "reference"}
    one = Rule(
        id="R-1",
        kind="one_active",
        entity="loan",
        fields=["status"],
        values=["open"],
        scope=["member"],
        description="one open loan per member",
    )
    built = resolve(one, "loan", columns, {}, frozenset({"member"}))
    assert isinstance(built, BuiltRule) and built.scope == ("owner_id",)
    by_room = one.model_copy(update={"scope": ["Rooms"]})
    built = resolve(by_room, "loan", columns, {})
    assert isinstance(built, BuiltRule) and built.scope == ("room_id",)
    unknown = one.model_copy(update={"fields": ["colour"]})
    skipped = resolve(unknown, "loan", columns, {})
    assert isinstance(skipped, DeferredRule) and "colour" in skipped.reason
    other = one.model_copy(update={"kind": "other"})
    assert isinstance(resolve(other, "loan", columns, {}), DeferredRule)


def test_default_role_prefers_an_ordinary_name_when_no_rule_grants_anything() -> None:
    req = meeting_rooms().model_copy(update={"rules": []})
    names = ["admin", "librarian", "moderator", "member"]
    req = req.model_copy(update={"actors": [Actor(name=n, description="") for n in names]})
    assert all_roles(req)[0] == "member"
    req = req.model_copy(update={"actors": [Actor(name=n, description="") for n in names[:3]]})
    assert all_roles(req)[0] == "librarian"  # not a word for elevated rights


def test_a_capacity_rule_is_enforced_and_tested_under_its_requirement() -> None:
    req = meeting_rooms()
    booking = next(e for e in req.entities if e.name == "booking")
    booking.fields.append(EntityField(name="attendees", type="integer", minimum=1))
    req.rules.append(
        Rule(
            id="R-6",
            kind="capacity",
            entity="booking",
            fields=["attendees", "seats"],
            scope=["room"],
            description="never more attendees than seats",
            requirement_ids=["FR-16"],
        )
    )
    req.rules = [r for r in req.rules if r.id != "R-5"]
    impl, testing = _generate(req)
    router = next(f.content for f in impl.files if f.path == "app/routers/bookings.py")
    assert "SELECT TOTAL(attendees) FROM bookings WHERE room_id = ?" in router
    assert _tests_for(testing, "FR-16") == [
        "tests/test_bookings.py::test_booking_never_exceeds_capacity"
    ]


def test_the_service_serves_its_api_specification_not_one_derived_from_its_code() -> None:
    """Schemathesis run on a service's own /openapi.json found 22 failures (problem+json,
    401/404/409 undocumented) in services every gate approved: FastAPI's derived document
    omits what the specification says. The service serves the specification itself."""
    impl, _ = _generate(meeting_rooms())
    files = {f.path: f.content for f in impl.files}
    assert "app/openapi.json" in files
    probe = (
        "import json\n"
        "from app.main import app\n"
        "served = app.openapi()\n"
        "assert served == json.load(open('app/openapi.json')), 'another document is served'\n"
        "post = served['paths']['/v1/bookings']['post']['responses']\n"
        "print(json.dumps(sorted(post)))\n"
    )
    with Sandbox() as sandbox:
        where = sandbox.workspace("spec")
        sandbox.write_files(where, {**files, "probe_spec.py": probe})
        done = sandbox.run(
            ["python", "probe_spec.py"], where, limits=SandboxLimits(wall_seconds=60)
        )
    assert done.ok, done.output_tail(20)
    statuses = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"201", "401", "409", "422"} <= set(statuses), statuses
