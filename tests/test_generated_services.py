# ruff: noqa: E501  (the conformance client below is a script run in the sandbox, kept readable)
"""The builtin's generated services, run for real in the sandbox, for every sample request.

Per sample: the generated pytest suite runs green (unknown pytest marks are errors, so the
requirement marker must be registered); the app, started with uvicorn, serves every
operation of its OpenAPI document with the documented status codes for a valid request, a
bad body (422), an unknown id (404) and a missing credential (401); client errors are
problem+json (unknown routes, 405 with the full Allow, huge integers, unreadable bodies); a
second demo user (from the service's users script) neither sees, changes, deletes nor links
to the first user's rows; and the seeded load run prints LoadResult lines. The samples run
in parallel, one per core (each sample's work is one pytest run and one server session);
limits guard against hangs, they are not speed targets.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from featureline.artifacts import (
    ApiSpecArtifact,
    ImplementationArtifact,
    PerformanceArtifact,
    RequirementsArtifact,
    TestingArtifact,
)
from featureline.artifacts.performance import LoadResult
from featureline.providers.builtin import build_all
from featureline.request import read_request
from featureline.sandbox import Sandbox
from featureline.sandbox.limits import SandboxLimits

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = sorted((ROOT / "examples" / "requests").glob("*.md"))
NAMES = [p.name for p in REQUESTS]
MIN_TESTS = 15
# Upper bounds against a hang, not speed targets: generous enough for a loaded 2-core
# machine running all samples at once (alone, each run takes a few seconds).
RUN_LIMITS = SandboxLimits(wall_seconds=300)
SERVER_LIMITS = SandboxLimits(wall_seconds=900)
PORT_WAIT_SECONDS = 120

# Runs inside the server's network namespace: python conformance.py BASE_URL
# (env PROBE_A: a demo user's credential from the service's users script).
CONFORMANCE = r"""
import json, os, sys
import httpx

base, token = sys.argv[1], os.environ["PROBE_A"]
spec = json.load(open("openapi.json"))
comps = spec["components"]["schemas"]
scheme = next(iter(spec["components"]["securitySchemes"].values()))
header = lambda t: {scheme["name"]: t} if scheme["type"] == "apiKey" else {"Authorization": "Bearer " + t}
auth = header(token)
# operations reserved to a role are called as a user holding it ("METHOD /path" -> credential)
holders = {op: header(t) for op, t in json.loads(os.environ.get("PROBE_OPS", "{}")).items()}


def who(method, path):
    # the credential for an operation: a holder of its role, else the holder that had to
    # create the collection's rows, else the ordinary user A
    collection = path.replace("/{id}", "")
    return holders.get(f"{method.upper()} {path}") or holders.get(f"POST {collection}") or auth


counter = iter(range(1, 10**6))
created = {}  # entity -> id
results, failures = [], []


def deref(s):
    while "$ref" in s:
        s = comps[s["$ref"].rsplit("/", 1)[1]]
    return s


def value(name, s, n):
    s = deref(s)
    if "anyOf" in s:
        s = next(x for x in s["anyOf"] if x.get("type") != "null")
    t, fmt = s.get("type"), s.get("format")
    if "enum" in s:
        return s["enum"][0]
    if t == "integer":
        if name.endswith("_id"):
            return created.get(name[:-3], 1)
        if name == "capacity":  # a capacity guard answers 409 once the seats are gone
            return 1000
        return s.get("minimum", 1) + (n % 2 if s.get("maximum", 10**9) > s.get("minimum", 1) else 0)
    if t == "boolean":
        return False
    if t == "array":
        return []
    if fmt == "decimal":
        return "12.50"
    if fmt == "date":
        return "2030-01-02"
    if fmt == "date-time":
        return "2030-01-02T10:00:00Z"
    if "@" in s.get("pattern", ""):
        return f"c{n}@example.com"
    if s.get("pattern", "").startswith("^https"):
        return f"https://example.com/{name}/{n}"
    return f"{name} c{n}"


def body_for(op, full):
    schema = deref(op["requestBody"]["content"]["application/json"]["schema"])
    n = next(counter)
    keys = schema["properties"] if full else schema.get("required", [])
    return {k: value(k, schema["properties"][k], n) for k in keys if full or k in schema.get("required", [])}


def documented(op):
    return {int(code) for code in op["responses"] if code.isdigit()}


def check(label, op, response, expected):
    ok = response.status_code == expected and expected in documented(op)
    if expected >= 400 and ok:
        ok = response.headers.get("content-type", "").startswith("application/problem+json")
    results.append((label, response.status_code, expected))
    if not ok:
        failures.append(f"{label}: got {response.status_code}, expected {expected} "
                        f"(documented {sorted(documented(op))}): {response.text[:200]}")


def entity_of(op):
    return op["operationId"].split("_", 1)[1]


client = httpx.Client(base_url=base, timeout=10)
ops = [(p, m, op) for p, item in spec["paths"].items() for m, op in item.items()]
collections = [(p, op) for p, m, op in ops if m == "post"]
# 1. create one row per resource, parents first (the spec lists resources in that order)
for path, op in collections:
    r = client.post(path, json=body_for(op, full=True), headers=who("post", path))
    check(f"POST {path} valid", op, r, 201)
    if r.status_code == 201:
        created[entity_of(op)] = r.json()["id"]
        missing = [k for k in deref(op["responses"]["201"]["content"]["application/json"]["schema"])["required"] if k not in r.json()]
        if missing:
            failures.append(f"POST {path}: response lacks {missing}")
    check(f"POST {path} bad body", op, client.post(path, json=[], headers=who("post", path)), 422)
    check(f"POST {path} no token", op, client.post(path, json=body_for(op, full=True)), 401)
# 2. every other operation
for path, method, op in ops:
    if method == "post":
        continue
    if "security" in op and op["security"] == []:
        check(f"{method.upper()} {path} public", op, client.request(method, path), 200)
        continue
    if "{id}" not in path:
        if path == "/v1/health":
            check("GET /v1/health", op, client.get(path), 200)
            continue
        params = {}
        for p in op.get("parameters", []):
            if p["in"] == "query" and p["name"] not in {"limit", "offset", "sort"}:
                params[p["name"]] = value(p["name"], p["schema"], 0)
        check(f"GET {path} valid", op, client.get(path, headers=who("get", path)), 200)
        check(f"GET {path} filtered {sorted(params)}", op, client.get(path, params=params, headers=who("get", path)), 200)
        check(f"GET {path} limit=0", op, client.get(path, params={"limit": 0}, headers=who("get", path)), 422)
        check(f"GET {path} no token", op, client.get(path), 401)
        continue
    ent = entity_of(op)
    item_id = created.get(ent)
    if item_id is None:
        failures.append(f"{method.upper()} {path}: no row of {ent} to call it with")
        continue
    post = next(o for p, o in collections if p + "/{id}" == path)
    if method == "delete":
        fresh = client.post(path.replace("/{id}", ""), json=body_for(post, full=True), headers=who("post", path))
        check(f"POST {path} (row to delete)", post, fresh, 201)
        url = path.replace("{id}", str(fresh.json().get("id", 0)))
        check(f"DELETE {path} no token", op, client.delete(url), 401)
        check(f"DELETE {path} valid", op, client.delete(url, headers=who("delete", path)), 204)
        check(f"DELETE {path} unknown id", op, client.delete(path.replace("{id}", "999999999"), headers=who("delete", path)), 404)
        continue
    url = path.replace("{id}", str(item_id))
    missing_url = path.replace("{id}", "999999999")
    if method == "get":
        check(f"GET {path} valid", op, client.get(url, headers=who("get", path)), 200)
        check(f"GET {path} unknown id", op, client.get(missing_url, headers=who("get", path)), 404)
        check(f"GET {path} no token", op, client.get(url), 401)
    elif method == "patch":
        body = body_for(post, full=False)
        body = {k: v for k, v in body.items() if not k.endswith("_id")}
        check(f"PATCH {path} valid", op, client.patch(url, json=body, headers=who("patch", path)), 200)
        check(f"PATCH {path} bad body", op, client.patch(url, json={"no_such_field": 1}, headers=who("patch", path)), 422)
        check(f"PATCH {path} unknown id", op, client.patch(missing_url, json={}, headers=who("patch", path)), 404)
        check(f"PATCH {path} no token", op, client.patch(url, json={}), 401)
    else:
        failures.append(f"{method.upper()} {path}: no conformance rule for this method")
print(json.dumps({"checked": len(results), "operations": len(ops), "failures": failures}))
"""


# Runs inside the server's network namespace: python probes.py BASE_URL (env PROBE_A and
# PROBE_B: two ordinary demo users). Client errors must be problem+json (unknown routes,
# 405 with the full Allow, huge integers, unreadable and malformed bodies); B must neither
# see, change, delete nor link to A's rows — unless a shared rule makes a resource readable
# by all (env PROBE_SHARED), then B reads it but may not change it (403). Rows only a role
# creates are created by a holder of that role (env PROBE_OPS).
PROBES = r"""
import json, os, sys
import httpx

base = sys.argv[1]
spec = json.load(open("openapi.json"))
comps = spec["components"]["schemas"]
scheme = next(iter(spec["components"]["securitySchemes"].values()))
hdr = lambda t: {scheme["name"]: t} if scheme["type"] == "apiKey" else {"Authorization": "Bearer " + t}
A, B = hdr(os.environ["PROBE_A"]), hdr(os.environ["PROBE_B"])
holders = {op: hdr(t) for op, t in json.loads(os.environ.get("PROBE_OPS", "{}")).items()}
shared = set(json.loads(os.environ.get("PROBE_SHARED", "[]")))
c = httpx.Client(base_url=base, timeout=10)
failures, checks, created = [], 0, {}


def problem(label, r, statuses):
    global checks
    checks += 1
    kind = r.headers.get("content-type", "")
    if r.status_code not in statuses or not kind.startswith("application/problem+json"):
        failures.append(f"{label}: {r.status_code} {kind} {r.text[:120]}")
    return r


def deref(s):
    while "$ref" in s:
        s = comps[s["$ref"].rsplit("/", 1)[1]]
    return s


def value(name, s, n):
    s = deref(s)
    if "anyOf" in s:
        s = next(x for x in s["anyOf"] if x.get("type") != "null")
    t, fmt, pattern = s.get("type"), s.get("format"), s.get("pattern", "")
    if "enum" in s:
        return s["enum"][0]
    if t == "integer":
        if name.endswith("_id"):
            return created.get(name[:-3], {}).get("id", 1)
        return 1000 if name == "capacity" else max(s.get("minimum", 1), min(1, s.get("maximum", 1)))
    if t == "boolean":
        return False
    if t == "array":
        return [created[name[:-4]]["id"]] if name[:-4] in created else []
    if fmt == "decimal":
        return "12.50"
    if fmt == "date":
        return f"2030-01-{n % 27 + 1:02d}"
    if fmt == "date-time":
        return f"2030-01-{n % 27 + 1:02d}T10:00:00Z"
    if "@" in pattern:
        return f"probe{n}@example.com"
    if pattern.startswith("^https"):
        return f"https://example.com/probe/{n}"
    return f"{name} probe {n}"


posts = [(p, item["post"]) for p, item in spec["paths"].items() if "post" in item]
first = posts[0][0]
problem("unknown route", c.get("/v1/no-such-route", headers=A), {404})
r = problem("PUT on a collection", c.put(first, headers=A, json={}), {405})
allow = {m.strip() for m in r.headers.get("allow", "").split(",")}
if not {"GET", "POST"} <= allow:
    failures.append(f"405 Allow lists {sorted(allow)}, not GET and POST")
problem("huge id", c.get(first + "/99999999999999999999", headers=A), {404, 422})
problem("huge offset", c.get(first, params={"offset": "99999999999999999999"}, headers=A), {422})
problem("non-UTF-8 body", c.post(first, content=b"\xff\xfe\xfa", headers={**A, "Content-Type": "application/json"}), {400, 422})
problem("malformed JSON", c.post(first, content=b"{", headers={**A, "Content-Type": "application/json"}), {400, 422})
problem("no token", c.get(first), {401})
problem("bad token", c.get(first, headers=hdr("not-a-token")), {401})
for n, (path, op) in enumerate(posts):
    schema = deref(op["requestBody"]["content"]["application/json"]["schema"])
    owner = holders.get(f"POST {path}", A)
    r = c.post(path, json={k: value(k, v, n) for k, v in schema["properties"].items()}, headers=owner)
    if r.status_code != 201:
        failures.append(f"setup POST {path}: {r.status_code} {r.text[:150]}")
        continue
    created[op["operationId"].split("_", 1)[1]] = dict(r.json(), _path=path, _owner=owner)
for ent, row in created.items():
    path, owner = row.pop("_path"), row.pop("_owner")
    url = f"{path}/{row['id']}"
    listed = c.get(path, params={"limit": 100}, headers=B).json()["items"]
    checks += 1
    if ent in shared:  # readable by every signed-in user, changed only by its owner
        checks += 1
        if c.get(url, headers=B).status_code != 200:
            failures.append(f"B cannot read shared {url}")
        if row["id"] not in [x["id"] for x in listed]:
            failures.append(f"B does not list shared {ent} {row['id']}")
        denied = {403}
    else:
        problem(f"B reads {url}", c.get(url, headers=B), {404})
        if row["id"] in [x["id"] for x in listed]:
            failures.append(f"B lists A's {ent} {row['id']}")
        denied = {404}
    problem(f"B patches {url}", c.patch(url, json={}, headers=B), denied)
    problem(f"B deletes {url}", c.delete(url, headers=B), denied)
    checks += 1
    if c.get(url, headers=owner).json() != row:
        failures.append(f"A's {url} changed after B's attempts")
for n, (path, op) in enumerate(posts):
    schema = deref(op["requestBody"]["content"]["application/json"]["schema"])
    body = {k: value(k, v, 50 + n) for k, v in schema["properties"].items()}
    foreign = [
        k for k, v in body.items()
        if (k.endswith("_id") and k[:-3] in created and k[:-3] not in shared)
        or (k.endswith("_ids") and v and k[:-4] not in shared)
    ]
    if foreign:
        problem(f"B links {path} to A's {foreign}", c.post(path, json=body, headers=B), {409})
print(json.dumps({"checks": checks, "failures": failures}))
"""


@dataclass
class Outcome:
    """What one sample's generated service did in the sandbox."""

    name: str
    generate_s: float = 0.0
    pytest_s: float = 0.0
    pytest_rc: int | None = None
    pytest_out: str = ""
    passed: int = 0
    conformance: dict[str, object] = field(default_factory=dict)
    conformance_out: str = ""
    probes: dict[str, object] = field(default_factory=dict)
    probes_out: str = ""
    seed_env: dict[str, str] = field(default_factory=dict)
    load_out: str = ""
    load_rc: int | None = None
    service_s: float = 0.0
    error: str = ""


def _passed(output: str) -> int:
    for line in reversed(output.splitlines()):
        if " passed" in line:
            words = line.replace(",", " ").split()
            return int(words[words.index("passed") - 1])
    return 0


def exercise(sandbox: Sandbox, path: Path, port: int) -> Outcome:
    """Generate, run the generated tests, then serve: conformance, seed, load run."""
    out = Outcome(path.name)
    t0 = time.monotonic()
    arts = build_all(read_request(str(path)))
    out.generate_s = time.monotonic() - t0
    impl, testing = arts["implementation"], arts["testing"]
    api, perf = arts["api_spec"], arts["performance"]
    assert isinstance(impl, ImplementationArtifact) and isinstance(testing, TestingArtifact)
    assert isinstance(api, ApiSpecArtifact) and isinstance(perf, PerformanceArtifact)
    assert perf.seed_script is not None
    files = {f.path: f.content for f in impl.files}

    tests_dir = sandbox.workspace(f"{path.stem}/tests")
    sandbox.write_files(tests_dir, files | {f.path: f.content for f in testing.test_files})
    run = sandbox.run(
        [
            "python",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error::pytest.PytestUnknownMarkWarning",
        ],
        tests_dir,
        limits=RUN_LIMITS,
    )
    out.pytest_s, out.pytest_rc = run.duration_s, run.returncode
    out.pytest_out = run.output_tail(30)
    out.passed = _passed(run.stdout)

    service = sandbox.workspace(f"{path.stem}/service")
    sandbox.write_files(
        service,
        files
        | {
            perf.load_test_script.path: perf.load_test_script.content,
            perf.seed_script.path: perf.seed_script.content,
            "conformance.py": CONFORMANCE,
            "probes.py": PROBES,
            "openapi.json": json.dumps(api.openapi),
        },
    )
    t1 = time.monotonic()
    argv = ["python", "-m", "uvicorn", impl.entry_point, "--host", "127.0.0.1", "--port"]
    server = sandbox.start([*argv, str(port)], service, limits=SERVER_LIMITS)
    try:
        server.wait_for_port(port, timeout=PORT_WAIT_SECONDS)
        seed = server.run(["python", perf.seed_script.path], limits=RUN_LIMITS)
        if not seed.ok:
            out.error = f"seed failed: {seed.output_tail(20)}"
            return out
        out.seed_env = {k: str(v) for k, v in json.loads(seed.stdout).items()}
        base = f"http://127.0.0.1:{port}"
        assert impl.users_script is not None
        role = impl.users_script.content.split("ROLES = (", 1)[1].split("'")[1]
        reserved = {f"{e.method} {e.path}": e.roles[0] for e in api.endpoints if e.roles}
        holder_roles = sorted(set(reserved.values()))
        made = server.run(
            ["python", impl.users_script.path, role, role, *holder_roles], limits=RUN_LIMITS
        )
        if not made.ok:
            out.error = f"users script failed: {made.output_tail(20)}"
            return out
        users = json.loads(made.stdout)["users"]
        tokens = [u["token"] for u in users]
        by_role = {u["role"]: u["token"] for u in users[2:]}
        requirements = arts["requirements"]
        assert isinstance(requirements, RequirementsArtifact)
        shared = sorted({r.entity for r in requirements.rules if r.kind == "shared"})
        # names without TOKEN/KEY: the sandbox drops variables that look secret
        env = {
            "PROBE_A": tokens[0],
            "PROBE_B": tokens[1],
            "PROBE_OPS": json.dumps({op: by_role[r] for op, r in reserved.items()}),
            "PROBE_SHARED": json.dumps(shared),
        }
        conf = server.run(["python", "conformance.py", base], env=env, limits=RUN_LIMITS)
        out.conformance_out = conf.output_tail(30)
        if conf.ok:
            out.conformance = json.loads(conf.stdout.strip().splitlines()[-1])
        probes = server.run(
            ["python", "probes.py", base], env=env, limits=SandboxLimits(wall_seconds=60)
        )
        out.probes_out = probes.output_tail(30)
        if probes.ok:
            out.probes = json.loads(probes.stdout.strip().splitlines()[-1])
        load = server.run(
            perf.load_test_command.replace("{base_url}", base).split(),
            env=out.seed_env,
            limits=RUN_LIMITS,
        )
        out.load_rc, out.load_out = load.returncode, load.stdout
        if not load.ok or load.dropped_env:
            out.error = f"load test failed (dropped {load.dropped_env}): {load.output_tail(20)}"
    finally:
        final = server.stop()
        if out.error:
            out.error += "\nserver: " + final.output_tail(15)
        out.service_s = time.monotonic() - t1
    return out


def free_port() -> int:
    """A port the OS says is free: fixed ports collide with other suites on a shared host."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, Outcome]]:
    # one sample per core at a time: more only makes each wait on the others
    workers = max(2, os.cpu_count() or 2)
    with Sandbox() as sandbox, ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {p.name: pool.submit(exercise, sandbox, p, free_port()) for p in REQUESTS}
        yield {name: f.result() for name, f in futures.items()}


@pytest.mark.parametrize("name", NAMES)
def test_generated_tests_pass(name: str, outcomes: dict[str, Outcome]) -> None:
    out = outcomes[name]
    assert out.pytest_rc == 0, out.pytest_out
    assert out.passed >= MIN_TESTS, out.pytest_out


@pytest.mark.parametrize("name", NAMES)
def test_every_operation_answers_as_documented(name: str, outcomes: dict[str, Outcome]) -> None:
    out = outcomes[name]
    assert not out.error.startswith("seed"), out.error
    assert out.conformance, out.conformance_out
    assert out.conformance["failures"] == [], out.conformance["failures"]
    assert isinstance(out.conformance["checked"], int) and out.conformance["checked"] >= 20


@pytest.mark.parametrize("name", NAMES)
def test_load_run_prints_load_results(name: str, outcomes: dict[str, Outcome]) -> None:
    out = outcomes[name]
    assert out.load_rc == 0, out.error
    lines = [line for line in out.load_out.splitlines() if line.strip()]
    assert lines, out.error
    results = [LoadResult.model_validate_json(line) for line in lines]
    assert {r.scenario for r in results} >= {"list"}
    for r in results:
        assert r.p95_ms > 0 and r.p50_ms > 0 and r.throughput_rps > 0
        assert r.error_rate == 0, r
        assert r.requests == 200


@pytest.mark.parametrize("name", NAMES)
def test_client_errors_are_problems_and_users_cannot_reach_each_other(
    name: str, outcomes: dict[str, Outcome]
) -> None:
    out = outcomes[name]
    assert out.probes, out.probes_out or out.error
    assert out.probes["failures"] == [], out.probes["failures"]
    assert isinstance(out.probes["checks"], int) and out.probes["checks"] >= 15


@pytest.mark.parametrize("name", NAMES)
def test_every_planned_requirement_has_its_own_tagged_test(name: str) -> None:
    arts = build_all(read_request(str(ROOT / "examples" / "requests" / name)))
    testing = arts["testing"]
    assert isinstance(testing, TestingArtifact)
    source = "\n".join(f.content for f in testing.test_files)
    for entry in testing.coverage:
        assert entry.tests, f"{entry.requirement_id} has no behavioural test"
        for test_id in entry.tests:
            function = test_id.split("::", 1)[1]
            before = source.split(f"def {function}(", 1)[0].rstrip().splitlines()[-1]
            assert before.startswith("@pytest.mark.requirement(") and (
                repr(entry.requirement_id) in before
            ), f"{test_id} is listed for {entry.requirement_id} but not tagged with it"
