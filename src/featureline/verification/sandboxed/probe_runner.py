"""Security probes against a running service, driven by a plan featureline wrote.

Usage: ``python probe_runner.py PLAN.json``. The plan (see ``verification/probes.py``)
lists the operations with their kind, resource and required roles, the demo users and
the auth header. This script creates one row of every resource as its owner, then:
no token / a bad token → 401 on every non-public operation; a second user reads, lists,
updates and deletes the owner's row (must fail unless the plan marks that shared); users
without a required role → 403; injection payloads in every string query parameter → no 5xx
and no foreign rows, and in every free-text body field of a create or update → no 5xx;
huge integers, a body that is not UTF-8 JSON, an undeclared method and an unknown route →
a documented 4xx (405 with the full Allow, 404), never a 5xx.
Prints one JSON line per violation and a final ``{"summary": ...}``.
"""

import json
import re
import sys
from typing import Any

import httpx

INJECTIONS = [
    "' OR '1'='1",
    "1' OR 1=1 --",
    '") OR ("1"="1',
    "%' OR name LIKE '%",
    "1; DROP TABLE users; --",
    "*)(|(id=*))",
]
BAD_TOKEN = "featureline-probe-not-a-valid-token"


def singular(word: str) -> str:
    word = re.sub(r"[^a-z0-9]+", "_", word.lower()).strip("_")
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class Probe:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.spec: dict[str, Any] = plan["openapi"]
        self.users: list[dict[str, Any]] = plan["users"]
        self.client = httpx.Client(base_url=plan["base_url"], timeout=5.0)
        self.violations: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.count = 0
        self.serial = 0
        # resource collection path -> {"id", "owner", "body", "row", "key"}
        self.rows: dict[str, dict[str, Any]] = {}
        # the user a body is being built for (owner_id-like fields get their id)
        self.owner: dict[str, Any] | None = None

    # -- helpers -------------------------------------------------------------------

    def headers(self, user: dict[str, Any] | None, token: str | None = None) -> dict[str, str]:
        value = token if token is not None else (user["token"] if user else None)
        if value is None:
            return {}
        return {k: v.replace("{token}", value) for k, v in self.plan["header"].items()}

    def call(
        self,
        op: dict[str, Any],
        user: dict[str, Any] | None,
        *,
        token: str | None = None,
        path: str | None = None,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> httpx.Response | None:
        self.count += 1
        url = path or self.fill(op["path"], op.get("collection", ""))
        send_body = body if body is not None else self.body_for(op)
        for attempt in (1, 2):  # a server may drop a kept-alive connection after a 500
            try:
                return self.client.request(
                    op["method"],
                    url,
                    headers=self.headers(user, token),
                    params=params,
                    json=send_body if op["method"] in ("POST", "PUT", "PATCH") else None,
                )
            except httpx.HTTPError as exc:
                if attempt == 2:
                    self.notes.append(f"{op['method']} {url}: {type(exc).__name__}: {exc}")
        return None

    def violate(
        self, probe: str, op: dict[str, Any], user: Any, status: Any, expected: str, detail: str
    ) -> None:
        self.violations.append(
            {
                "probe": probe,
                "operation": f"{op['method']} {op['path']}",
                "user": user["role"] if isinstance(user, dict) else str(user),
                "status": status,
                "expected": expected,
                "detail": detail[:400],
            }
        )

    def resolve(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        if not isinstance(schema, dict) or depth > 20:
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            node: Any = self.spec
            for part in ref[2:].split("/"):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            return self.resolve(node, depth + 1)
        for key in ("allOf",):
            if isinstance(schema.get(key), list):
                merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
                for part in schema[key]:
                    sub = self.resolve(part, depth + 1)
                    merged["properties"].update(sub.get("properties", {}))
                    merged["required"] += sub.get("required", [])
                return merged
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                options = [self.resolve(s, depth + 1) for s in schema[key]]
                usable = [o for o in options if o.get("type") != "null"]
                return usable[0] if usable else {}
        return schema

    def operation_spec(self, op: dict[str, Any]) -> dict[str, Any]:
        item = self.spec.get("paths", {}).get(op["path"], {})
        found = item.get(op["method"].lower(), {}) if isinstance(item, dict) else {}
        return found if isinstance(found, dict) else {}

    def params_of(self, op: dict[str, Any], where: str) -> list[dict[str, Any]]:
        item = self.spec.get("paths", {}).get(op["path"], {})
        params = list(item.get("parameters", [])) + list(
            self.operation_spec(op).get("parameters", [])
        )
        resolved = [self.resolve(p) for p in params]
        return [p for p in resolved if p.get("in") == where]

    # -- data ----------------------------------------------------------------------

    def linked_id(self, field: str) -> Any:
        stem = re.sub(r"_?ids?$", "", field.lower())
        if stem in ("owner", "user", "author", "creator", "member", "account"):
            return self.current_owner_id()
        for collection, row in self.rows.items():
            segments = [s for s in collection.split("/") if s and not s.startswith("{")]
            if segments and singular(segments[-1]) == singular(stem):
                return row["id"]
        return None

    def current_owner_id(self) -> Any:
        owner = self.owner
        if owner and str(owner.get("id", "")).isdigit():
            return int(owner["id"])
        return owner.get("id") if owner else None

    def value(self, name: str, schema: Any, depth: int = 0) -> Any:
        schema = self.resolve(schema)
        self.serial += 1
        n = self.serial
        if schema.get("enum"):
            return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
        if "const" in schema:
            return schema["const"]
        if "example" in schema and not name.endswith(("_id", "_ids")):
            return schema["example"]
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if name.endswith("_ids") and kind == "array":
            linked = self.linked_id(name)
            return [linked] if linked is not None else []
        if name.endswith("_id") and kind in ("integer", "string", None):
            linked = self.linked_id(name)
            if linked is not None:
                return linked
        if kind == "object" or "properties" in schema:
            return self.obj(schema, depth + 1)
        if kind == "array":
            count = int(schema.get("minItems", 0) or 0)
            return [self.value(name, schema.get("items", {}), depth + 1) for _ in range(count)]
        if kind == "integer" or kind == "number":
            low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
            high = schema.get("maximum", schema.get("exclusiveMaximum"))
            number = max(1, int(low) + 1 if "exclusiveMinimum" in schema else int(low))
            if high is not None:
                number = min(number, int(high))
            return number if kind == "integer" else float(number)
        if kind == "boolean":
            return False
        return self.text(name, schema, n)

    def text(self, name: str, schema: dict[str, Any], n: int) -> str:
        fmt = schema.get("format", "")
        if fmt == "email":
            return f"probe{n}@example.com"
        if fmt in ("uri", "url") or name in ("url", "link", "href"):
            return f"https://example.com/probe/{n}"
        if fmt == "date":
            return f"2031-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}"
        if fmt == "date-time":
            return f"2031-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}T{n % 24:02d}:00:00Z"
        if fmt == "time":
            return f"{n % 24:02d}:00:00"
        if fmt == "uuid":
            return f"00000000-0000-4000-8000-{n:012d}"
        if "pattern" in schema:
            try:
                from hypothesis import HealthCheck, given, settings
                from hypothesis import strategies as st

                found: list[str] = []

                @settings(max_examples=1, database=None, suppress_health_check=list(HealthCheck))
                @given(st.from_regex(schema["pattern"], fullmatch=True))
                def pick(value: str) -> None:
                    found.append(value)

                pick()
                if found:
                    return found[0]
            except Exception:
                pass
        low = int(schema.get("minLength", 1) or 1)
        high = int(schema.get("maxLength", 64) or 64)
        text = f"probe {name} {n}"
        if len(text) < low:
            text = text + "x" * (low - len(text))
        return text[:high]

    def obj(self, schema: dict[str, Any], depth: int = 0) -> dict[str, Any]:
        schema = self.resolve(schema)
        required = set(schema.get("required", []))
        result: dict[str, Any] = {}
        for name, sub in schema.get("properties", {}).items():
            sub_resolved = self.resolve(sub)
            if sub_resolved.get("readOnly"):
                continue
            if name in required or name.endswith(("_id", "_ids")):
                value = self.value(name, sub_resolved, depth)
                if name.endswith(("_id", "_ids")) and name not in required and value in (None, []):
                    continue
                result[name] = value
        return result

    def body_for(self, op: dict[str, Any]) -> Any:
        if op["method"] not in ("POST", "PUT", "PATCH"):
            return None
        content = self.operation_spec(op).get("requestBody", {})
        content = self.resolve(content).get("content", {})
        media = content.get("application/json") or next(iter(content.values()), None)
        if not isinstance(media, dict):
            return None
        return self.value("body", media.get("schema", {}))

    def fill(self, path: str, collection: str) -> str:
        """A concrete URL: ids of rows created earlier, else 1."""

        def one(match: re.Match[str]) -> str:
            prefix = path[: match.start()].rstrip("/")
            row = self.rows.get(prefix)
            if row is None:
                return "1"
            return str(row.get("key", {}).get(match.group(1), row["id"]))

        return re.sub(r"\{([^}/]+)\}", one, path)

    # -- probes --------------------------------------------------------------------

    def user_for(self, roles: list[str]) -> dict[str, Any] | None:
        if not roles:
            return self.users[0]
        return next((u for u in self.users if u["role"] in roles), None)

    def setup(self) -> None:
        creates = [op for op in self.plan["operations"] if op["kind"] == "create"]
        pending = list(creates)
        for _ in range(len(creates) + 1):
            progressed = False
            for op in list(pending):
                owner = self.user_for(op["roles"])
                if owner is None:
                    pending.remove(op)
                    self.notes.append(
                        f"no demo user has a role {op['roles']} to create via {op['path']}"
                    )
                    continue
                if re.search(r"\{[^}]+\}", op["path"]) and not all(
                    self.rows.get(op["path"][: m.start()].rstrip("/"))
                    for m in re.finditer(r"\{[^}]+\}", op["path"])
                ):
                    continue
                self.owner = owner
                body = self.body_for(op)
                response = self.call(op, owner, body=body)
                if response is not None and 200 <= response.status_code < 300:
                    try:
                        row = response.json()
                    except ValueError:
                        row = {}
                    ident = row.get("id") if isinstance(row, dict) else None
                    if ident is None:
                        location = response.headers.get("location", "")
                        ident = location.rstrip("/").rsplit("/", 1)[-1] if location else None
                    if ident is None:
                        self.notes.append(
                            f"POST {op['path']} answered {response.status_code} without an id"
                        )
                        pending.remove(op)
                        continue
                    key = (
                        {k: v for k, v in row.items() if isinstance(v, str | int)}
                        if isinstance(row, dict)
                        else {}
                    )
                    self.rows[op["collection"]] = {
                        "id": ident,
                        "owner": owner,
                        "body": body,
                        "row": row,
                        "key": key,
                    }
                    pending.remove(op)
                    progressed = True
                elif response is not None:
                    op["_last"] = f"{response.status_code} {response.text[:200]}"
            if not pending or not progressed:
                break
        for op in pending:
            self.notes.append(
                f"could not create a row via POST {op['path']} ({op.get('_last', 'not tried')}): "
                "its cross-user probes did not run"
            )

    def auth(self) -> None:
        for op in self.plan["operations"]:
            if not op["auth_required"]:
                continue
            for label, token in (("no token", None), ("a bad token", BAD_TOKEN)):
                user = None if token is None else {"role": "bad token", "token": token}
                response = self.call(op, user, token=token)
                if response is not None and response.status_code != 401:
                    self.violate(
                        "auth",
                        op,
                        label,
                        response.status_code,
                        "401",
                        f"with {label} it answered {response.status_code}: {response.text[:200]}",
                    )

    def cross_user(self) -> None:
        by_collection: dict[str, list[dict[str, Any]]] = {}
        for op in self.plan["operations"]:
            by_collection.setdefault(op["collection"], []).append(op)
        for collection, row in self.rows.items():
            owner = row["owner"]
            other = next(
                (u for u in self.users if u["token"] != owner["token"] and u["role"] == "user"),
                None,
            )
            other = other or next((u for u in self.users if u["token"] != owner["token"]), None)
            if other is None:
                continue
            ops = by_collection.get(collection, [])
            shared = set(ops[0]["shared"]) if ops else set()
            ident = str(row["id"])
            who = f"{other['role']} #{other['id']}"
            whose = f"{owner['role']} #{owner['id']}'s row {ident}"
            for op in sorted(
                ops,
                key=lambda o: (
                    ["list", "get", "update", "delete"].index(o["kind"])
                    if o["kind"] in ("list", "get", "update", "delete")
                    else 9
                ),
            ):
                if op["kind"] not in ("list", "get", "update", "delete") or op["kind"] in shared:
                    continue
                if not op["auth_required"]:
                    continue
                response = self.call(op, other)
                if response is None:
                    continue
                ok = 200 <= response.status_code < 300
                if op["kind"] == "list" and ok and self.mentions(response, ident, row):
                    self.violate(
                        "cross_user",
                        op,
                        other,
                        response.status_code,
                        "no foreign rows",
                        f"{who} listed {whose}: {self.excerpt(response, ident)}",
                    )
                elif op["kind"] == "get" and ok:
                    self.violate(
                        "cross_user",
                        op,
                        other,
                        response.status_code,
                        "404 or 403",
                        f"{who} read {whose}: {response.text[:200]}",
                    )
                elif op["kind"] == "update" and ok:
                    self.violate(
                        "cross_user",
                        op,
                        other,
                        response.status_code,
                        "404 or 403",
                        f"{who} changed {whose}: {response.text[:200]}",
                    )
                elif op["kind"] == "delete" and ok:
                    self.violate(
                        "cross_user",
                        op,
                        other,
                        response.status_code,
                        "404 or 403",
                        f"{who} deleted {whose}",
                    )

    def mentions(self, response: httpx.Response, ident: str, row: dict[str, Any]) -> bool:
        try:
            data = response.json()
        except ValueError:
            return False
        items = (
            data.get("items", data.get("data", data.get("results")))
            if isinstance(data, dict)
            else data
        )
        if not isinstance(items, list):
            return False
        return any(isinstance(i, dict) and str(i.get("id")) == ident for i in items)

    def excerpt(self, response: httpx.Response, ident: str) -> str:
        try:
            data = response.json()
            items = data.get("items", data) if isinstance(data, dict) else data
            leaked = [i for i in items if isinstance(i, dict) and str(i.get("id")) == ident]
            return json.dumps(leaked[:1])[:200]
        except (ValueError, TypeError, AttributeError):
            return response.text[:200]

    def roles(self) -> None:
        for op in self.plan["operations"]:
            if not op["roles"]:
                continue
            for user in self.users:
                if user["role"] in op["roles"]:
                    response = self.call(op, user)
                    if response is not None and response.status_code in (401, 403):
                        self.violate(
                            "role",
                            op,
                            user,
                            response.status_code,
                            "not 401/403",
                            f"a {user['role']} (a role it is reserved to) was refused: "
                            f"{response.text[:150]}",
                        )
                    continue
                response = self.call(op, user)
                if response is not None and response.status_code != 403:
                    self.violate(
                        "role",
                        op,
                        user,
                        response.status_code,
                        "403",
                        f"reserved to {', '.join(op['roles'])}; {user['role']} #{user['id']} got "
                        f"{response.status_code}: {response.text[:200]}",
                    )

    def injection(self) -> None:
        other = next((u for u in self.users[1:] if u["role"] == "user"), self.users[-1])
        foreign = {
            str(r["id"]) for r in self.rows.values() if r["owner"]["token"] != other["token"]
        }
        for op in self.plan["operations"]:
            if op["method"] != "GET":
                continue
            strings = [
                p
                for p in self.params_of(op, "query")
                if self.resolve(p.get("schema", {})).get("type") in ("string", None)
            ]
            for param in strings:
                for payload in INJECTIONS:
                    response = self.call(op, other, params={param["name"]: payload})
                    sent = f"{param['name']}={payload!r}"
                    if response is None:
                        continue
                    if response.status_code >= 500:
                        self.violate(
                            "injection",
                            op,
                            other,
                            response.status_code,
                            "no 5xx",
                            f"{sent}: {response.status_code} {response.text[:150]}",
                        )
                        break
                    if (
                        op["kind"] == "list"
                        and "list" not in op["shared"]
                        and 200 <= response.status_code < 300
                    ):
                        leaked = [i for i in foreign if self.mentions(response, i, {})]
                        if leaked:
                            self.violate(
                                "injection",
                                op,
                                other,
                                response.status_code,
                                "no foreign rows",
                                f"{sent} listed others' rows {', '.join(sorted(leaked))}",
                            )
                            break

    def body_strings(self, op: dict[str, Any]) -> list[str]:
        """The free-text properties of an operation's JSON body (no format, enum or
        pattern: those are validated before any SQL sees them)."""
        content = self.resolve(self.operation_spec(op).get("requestBody", {})).get("content", {})
        media = content.get("application/json") if isinstance(content, dict) else None
        schema = self.resolve(media.get("schema", {})) if isinstance(media, dict) else {}
        names = []
        for name, sub in schema.get("properties", {}).items():
            prop = self.resolve(sub)
            if prop.get("readOnly") or {"format", "enum", "pattern"} & set(prop):
                continue
            kinds = prop.get("type")
            if kinds == "string" or (isinstance(kinds, list) and "string" in kinds):
                names.append(name)
        return names

    def body_injection(self) -> None:
        """Injection payloads in every free-text body field of every create and update: a
        service that builds SQL from them answers 5xx (or loses its table)."""
        for op in self.plan["operations"]:
            if op["method"] not in ("POST", "PUT", "PATCH") or op["kind"] not in (
                "create",
                "update",
            ):
                continue
            row = self.rows.get(op["collection"]) if op["kind"] == "update" else None
            user = row["owner"] if row is not None else self.user_for(op["roles"])
            if user is None or (op["kind"] == "update" and row is None):
                continue
            base = self.body_for(op) if row is None else dict(row.get("body") or {})
            if not isinstance(base, dict):
                continue
            for name in self.body_strings(op):
                for payload in INJECTIONS:
                    response = self.call(op, user, body={**base, name: payload})
                    if response is not None and response.status_code >= 500:
                        self.violate(
                            "injection",
                            op,
                            user,
                            response.status_code,
                            "no 5xx",
                            f"body {name}={payload!r}: {response.status_code} "
                            f"{response.text[:150]}",
                        )
                        break
            if row is not None and row.get("body"):
                self.call(op, user, body=row["body"])  # put the probed row back as it was

    # -- robustness: the inputs fuzzing may not reach in one bounded cycle -------------

    def documented(self, op: dict[str, Any], status: int) -> tuple[bool, list[str]]:
        """Whether ``status`` is documented for the operation, and its media types."""
        responses = self.operation_spec(op).get("responses", {})
        if not isinstance(responses, dict) or not responses:
            return True, []
        entry = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        if entry is None:
            entry = responses.get("default")
        if entry is None:
            return False, []
        content = self.resolve(entry).get("content", {})
        return True, list(content) if isinstance(content, dict) else []

    def expect_documented(
        self, probe: str, op: dict[str, Any], response: httpx.Response | None, sent: str
    ) -> bool:
        """Record a violation unless the answer is a documented non-5xx; True if recorded."""
        if response is None:
            return False
        before = len(self.violations)
        status = response.status_code
        known, media = self.documented(op, status)
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if status >= 500:
            self.violate(
                probe, op, "user", status, "a documented 4xx", f"{sent}: {response.text[:150]}"
            )
        elif not known:
            self.violate(
                probe, op, "user", status, "a documented status", f"{sent}: undocumented {status}"
            )
        elif media and kind and kind not in media:
            self.violate(
                probe, op, "user", status, f"content type {', '.join(media)}", f"{sent}: {kind}"
            )
        return len(self.violations) > before

    def robustness(self) -> None:
        user = self.users[0] if self.users else None
        huge = [2**63, -(2**63) - 1, 10**30]
        for op in self.plan["operations"]:
            for param in self.params_of(op, "path") + self.params_of(op, "query"):
                schema = self.resolve(param.get("schema", {}))
                if schema.get("type") != "integer":
                    continue
                for number in huge:
                    if param.get("in") == "path":
                        raw = op["path"].replace("{" + param["name"] + "}", str(number))
                        response = self.call(op, user, path=self.fill(raw, op["collection"]))
                    else:
                        response = self.call(op, user, params={param["name"]: number})
                    sent = f"{param['name']}={number}"
                    if self.expect_documented("robustness", op, response, sent):
                        break  # one finding per parameter is enough to act on
            if op["method"] in ("POST", "PUT", "PATCH") and self.operation_spec(op).get(
                "requestBody"
            ):
                self.count += 1
                url = self.fill(op["path"], op["collection"])
                try:
                    response = self.client.request(
                        op["method"],
                        url,
                        headers={**self.headers(user), "content-type": "application/json"},
                        content=b"\xff\xfe{not json",
                    )
                except httpx.HTTPError:
                    response = None
                self.expect_documented("robustness", op, response, "a body that is not UTF-8 JSON")
        self.method_not_allowed(user)

    def method_not_allowed(self, user: dict[str, Any] | None) -> None:
        paths: dict[str, list[dict[str, Any]]] = {}
        for op in self.plan["operations"]:
            paths.setdefault(op["path"], []).append(op)
        for path, ops in paths.items():
            declared = {op["method"] for op in ops}
            spare = (
                next(m for m in ("PUT", "PATCH", "DELETE", "POST", "GET") if m not in declared)
                if len(declared) < 5
                else None
            )
            if spare is None:
                continue
            probe_op = {**ops[0], "method": spare}
            response = self.call(probe_op, user, body={})
            if response is None:
                continue
            allow = {
                m.strip().upper() for m in response.headers.get("allow", "").split(",") if m.strip()
            }
            if response.status_code != 405:
                self.violate(
                    "robustness",
                    probe_op,
                    "user",
                    response.status_code,
                    "405",
                    f"undeclared method {spare} on {path}",
                )
            elif not declared <= allow:
                self.violate(
                    "robustness",
                    probe_op,
                    "user",
                    405,
                    f"Allow: {', '.join(sorted(declared))}",
                    f"Allow lists {', '.join(sorted(allow)) or 'nothing'}",
                )
        unknown = {"method": "GET", "path": "/featureline-no-such-route", "collection": ""}
        response = self.call(unknown, user)
        if response is not None and response.status_code != 404:
            self.violate(
                "robustness", unknown, "user", response.status_code, "404", "an unknown route"
            )

    def run(self) -> None:
        self.setup()
        self.robustness()
        self.auth()
        self.injection()
        self.body_injection()
        self.cross_user()
        self.roles()  # last: a role holder's DELETE may remove the rows the others look for


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        plan = json.load(handle)
    probe = Probe(plan)
    probe.run()
    for violation in probe.violations:
        print(json.dumps({"violation": violation}), flush=True)
    created = {c: str(r["id"]) for c, r in probe.rows.items()}
    print(
        json.dumps(
            {"summary": {"requests": probe.count, "created": created, "notes": probe.notes[:30]}}
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
