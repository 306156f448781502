"""Conformance fuzzing with Schemathesis (used as a library) against a running service.

Usage: ``python fuzz_runner.py CONFIG.json``. The config names the base URL, the OpenAPI
document (a file, or empty for the app's own ``/openapi.json``), the auth headers and the
bounds (examples per operation, wall seconds). Prints one JSON line per distinct failure
(operation, check, status) with a reproducible request, then one ``{"summary": ...}`` line.
Phases: examples, coverage (boundary and negative values of every parameter), then one
cycle of fuzzing; the stateful phase is off.
"""

import json
import sys
import time
from typing import Any

STARTED = time.monotonic()

import schemathesis  # noqa: E402 (timed: the import is a good part of a short run)
import schemathesis.specs.openapi.checks  # noqa: E402 (registers the OpenAPI checks)
from schemathesis import engine  # noqa: E402
from schemathesis.checks import CHECKS as REGISTERED  # noqa: E402
from schemathesis.config._error import ConfigError  # noqa: E402 (public path differs by version)
from schemathesis.engine import events  # noqa: E402

# Every check Schemathesis has that applies to a single service and its spec; the stateful
# ones (use_after_free, ensure_resource_availability) need the stateful phase, which is off.
WANTED = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "ignored_auth",
]
# Schemathesis versions differ in the checks they have (allow_header_conformance came in
# 4.2x): run those this one has, and say which it lacks instead of failing or hiding it.
_KNOWN = {check.__name__ for check in REGISTERED.get_all()}
CHECKS = [name for name in WANTED if name in _KNOWN]
MISSING = [name for name in WANTED if name not in _KNOWN]


def _config(settings: dict[str, Any]) -> Any:
    options: dict[str, Any] = {
        "base-url": settings["base_url"],
        "headers": settings["headers"],
        "max-time": max(1, int(settings["max_seconds"])),
        "seed": int(settings.get("seed", 1)),
        "suppress-health-check": ["all"],
        "request-timeout": 5,
        "generation": {
            "mode": "all",
            "max-examples": int(settings["max_examples"]),
            "no-shrink": True,
            "database": "none",
        },
        "checks": {name: {"enabled": True} for name in CHECKS},
        "phases": {"stateful": {"enabled": False}},
    }
    try:
        return schemathesis.Config.from_dict(options)
    except ConfigError:
        # Schemathesis before 4.2x has no max-time; the runner's own cycle limit and the
        # sandbox's wall clock bound the run then
        del options["max-time"]
        return schemathesis.Config.from_dict(options)


def _load(settings: dict[str, Any], config: Any) -> Any:
    if settings.get("spec_path"):
        with open(settings["spec_path"], encoding="utf-8") as handle:
            return schemathesis.openapi.from_dict(json.load(handle), config=config)
    return schemathesis.openapi.from_url(settings["base_url"] + "/openapi.json", config=config)


def _body(case: Any) -> Any:
    body = getattr(case, "body", None)
    if type(body).__name__ == "NotSet":
        return None
    if body is None or isinstance(body, str | int | float | bool | list | dict):
        try:
            json.dumps(body)
            return body
        except (TypeError, ValueError):
            return repr(body)[:500]
    return repr(body)[:500]


def _record(ev: Any, token: str, seen: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    recorder = ev.recorder
    for case_id, nodes in recorder.checks.items():
        for node in nodes:
            info = node.failure_info
            if info is None:
                continue
            case = recorder.cases[case_id].value
            response = recorder.find_response(case_id=case_id)
            status = str(response.status_code) if response is not None else ""
            key = (recorder.label, node.name, status)
            if key in seen:
                seen[key]["count"] += 1
                continue
            curl = case.as_curl_command().replace("[Filtered]", "Bearer $TOKEN")
            seen[key] = {
                "operation": recorder.label,
                "check": node.name,
                "title": info.failure.title,
                "message": " ".join((info.failure.message or "").split())[:300],
                "method": case.method,
                "path": case.formatted_path,
                "query": case.query or {},
                "body": _body(case),
                "status": status,
                "curl": curl.replace(token, "$TOKEN") if token else curl,
                "count": 1,
            }


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        settings = json.load(handle)
    phases: dict[str, float] = {"import": round(time.monotonic() - STARTED, 2)}
    mark = time.monotonic()
    config = _config(settings)
    schema = _load(settings, config)
    phases["load"] = round(time.monotonic() - mark, 2)
    mark = time.monotonic()
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    errors: list[str] = []
    stop = "unknown"
    scenarios = 0
    cycled = False
    stream = engine.from_schema(schema).execute()
    for ev in stream:
        if isinstance(ev, events.PhaseFinished):
            name = str(ev.phase.name.value)
            phases[name] = round(phases.get(name, 0) + time.monotonic() - mark, 2)
            mark = time.monotonic()
        if isinstance(ev, events.PhaseFinished) and ev.phase.name.value == "fuzzing":
            # Schemathesis keeps fuzzing in cycles until max-time; one cycle over every
            # operation is the bound we want (examples per operation), time the backstop.
            stream.stop()
            cycled = True
        if isinstance(ev, events.ScenarioFinished):
            scenarios += 1
            _record(ev, settings.get("token", ""), seen)
        elif isinstance(ev, events.NonFatalError):
            errors.append(f"{ev.label}: {str(ev.value)[:200]}")
        elif isinstance(ev, events.FatalError):
            errors.append(f"fatal: {str(ev.exception)[:300]}")
        elif isinstance(ev, events.EngineFinished):
            stop = "one fuzzing cycle" if cycled else str(ev.stop_reason.value)
    for failure in seen.values():
        print(json.dumps({"failure": failure}), flush=True)
    summary = {
        "scenarios": scenarios,
        "stop": stop,
        "errors": errors[:20],
        "failures": len(seen),
        "seconds": phases,
        "checks": CHECKS,
        "missing_checks": MISSING,
    }
    print(json.dumps({"summary": summary}), flush=True)


if __name__ == "__main__":
    main()
