# ruff: noqa: E501  (this module holds generated source code; template lines are kept whole to stay readable)
"""The load run's generated scripts: the load test (one LoadResult JSON line per scenario)
and the seed that creates a load-test user, its rows and the ids the scenarios read."""

from __future__ import annotations

LOAD_TEST = '''"""Short load run against a running service; one LoadResult JSON object per line.

usage: python loadtest.py BASE_URL [--requests N] [--warmup N]
environment (printed by loadtest_seed.py): LOADTEST_BEARER, the seeded load-test user's
credential (when absent, read from the .loadtest_bearer file the seed wrote), and
LOADTEST_FILTER, an optional query string for the filtered scenario (e.g. "status=todo").
"""

import argparse
import json
import os
import time

import httpx

PATH = "{PATH}"
#: (scenario, endpoint template, environment variable holding a seeded row id)
ITEMS = {ITEMS}


def measure(client: httpx.Client, scenario: str, url: str, total: int, warmup: int,
            endpoint: str = "") -> dict:
    for _ in range(warmup):
        client.get(url)
    timings = []
    errors = 0
    started = time.perf_counter()
    for _ in range(total):
        t0 = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - t0) * 1000)
        errors += response.status_code >= 400
    elapsed = time.perf_counter() - started
    timings.sort()
    return {
        "scenario": scenario,
        "endpoint": "GET " + (endpoint or PATH),
        "requests": total,
        "p50_ms": round(timings[len(timings) // 2], 3),
        "p95_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.95))], 3),
        "throughput_rps": round(total / elapsed, 1),
        "error_rate": round(errors / total, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    token = os.environ.get("LOADTEST_BEARER", "")
    if not token and os.path.exists(".loadtest_bearer"):
        with open(".loadtest_bearer", encoding="utf-8") as f:
            token = f.read().strip()
    headers = {HEADERS}
    scenarios = [("list", PATH + "?limit=20")]
    if os.environ.get("LOADTEST_FILTER"):
        scenarios.append(("filter", PATH + "?" + os.environ["LOADTEST_FILTER"] + "&limit=20"))
    with httpx.Client(base_url=args.base_url, headers=headers, timeout=10) as client:
        for scenario, url in scenarios:
            print(json.dumps(measure(client, scenario, url, args.requests, args.warmup)), flush=True)
        for scenario, template, variable in ITEMS:
            url = template.replace("{id}", os.environ[variable]) if variable else template + "?limit=20"
            result = measure(client, scenario, url, args.requests, args.warmup, endpoint=template)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
'''

SEED = '''"""Seed the load run (run from the service root, after the server created the schema).

Creates a load-test user with a fresh random token, {ROWS} rows of {TABLE} and the rows
they depend on, then prints a JSON object of environment variables for loadtest.py. The
credential's variable is named LOADTEST_BEARER (names with TOKEN or KEY are stripped by
sandboxes as secrets); it is also written to .loadtest_bearer.
"""

import hashlib
import json
import secrets

from app.db import connect, init_db

ROWS = {ROWS}


def main() -> None:
    init_db()
    conn = connect()
    token = secrets.token_urlsafe(24)
    user = conn.execute(
        "INSERT INTO users (email, display_name, token_hash) VALUES (?, ?, ?)",
        ("loadtest-" + secrets.token_hex(6) + "@example.com", "load test",
         hashlib.sha256(token.encode("utf-8")).hexdigest()),
    ).lastrowid
    i = 0
{BODY}
    conn.commit()
    conn.close()
    with open(".loadtest_bearer", "w", encoding="utf-8") as f:
        f.write(token)
    print(json.dumps({ENV}))


if __name__ == "__main__":
    main()
'''
