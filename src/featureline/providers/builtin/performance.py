"""Step 7: caching, index notes, a load-test script and honest 'not measured' verdicts."""

from __future__ import annotations

from featureline.artifacts.implementation import SourceFile
from featureline.artifacts.performance import (
    CachingStrategy,
    IndexNote,
    NfrVerdict,
    PerformanceArtifact,
)
from featureline.artifacts.requirements import RequirementsArtifact
from featureline.providers.builtin.resources import build_resources

LOAD_TEST = '''"""Hit a list endpoint N times and print p50/p95/throughput as JSON.

usage: python loadtest.py BASE_URL PATH TOKEN [REQUESTS]
"""

import json
import statistics
import sys
import time

import httpx


def main() -> None:
    base, path, token = sys.argv[1], sys.argv[2], sys.argv[3]
    total = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    headers = {HEADERS}
    timings, errors = [], 0
    started = time.perf_counter()
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        for _ in range(total):
            t0 = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - t0) * 1000)
            errors += response.status_code >= 400
    elapsed = time.perf_counter() - started
    timings.sort()
    print(json.dumps({
        "endpoint": "GET " + path,
        "requests": total,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 2),
        "throughput_rps": round(total / elapsed, 1),
        "error_rate": errors / total,
    }))


if __name__ == "__main__":
    main()
'''


def build_performance(
    req: RequirementsArtifact, api_key: bool, feedback: tuple[str, ...] = ()
) -> PerformanceArtifact:
    resources = build_resources(req)
    indexing = []
    for r in resources:
        owner = "owner_id = ? " if r.owned else ""
        ix = f"ix_{r.table}_owner_id_created_at" if r.owned else f"ix_{r.table}_created_at"
        where = f"WHERE {owner}" if owner else ""
        indexing.append(
            IndexNote(
                table=r.table,
                index=ix,
                serves=f"GET {r.path}",
                query=f"SELECT * FROM {r.table} {where}ORDER BY created_at DESC LIMIT ? OFFSET ?",
            )
        )
        for param, col in r.filters:
            if col.startswith("join:"):
                table = col[5:]
                indexing.append(
                    IndexNote(
                        table=table,
                        index=f"ix_{table}_{param}",
                        serves=f"GET {r.path}?{param}=",
                        query=f"EXISTS (SELECT 1 FROM {table} WHERE "
                        f"{r.entity}_id = ? AND {param} = ?)",
                    )
                )
            else:
                indexing.append(
                    IndexNote(
                        table=r.table,
                        index=f"ix_{r.table}_{col}",
                        serves=f"GET {r.path}?{param}=",
                        query=f"SELECT * FROM {r.table} WHERE {col} = ? ORDER BY created_at DESC",
                    )
                )
        if r.overdue:
            indexing.append(
                IndexNote(
                    table=r.table,
                    index=f"ix_{r.table}_{r.overdue}",
                    serves=f"GET {r.path}?due_before=",
                    query=f"SELECT * FROM {r.table} WHERE {r.overdue} < ?",
                )
            )
    first = resources[0]
    caching = [
        CachingStrategy(
            target=f"GET {r.path}/{{id}}",
            strategy="ETag + Cache-Control: private, max-age=0 "
            "(revalidate); an in-process cache is not used so replicas stay consistent",
            ttl_seconds=None,
            invalidation="ETag changes with updated_at",
        )
        for r in resources[:3]
    ]
    caching.append(
        CachingStrategy(
            target="credential lookup",
            strategy="LRU cache of token hash -> user id",
            ttl_seconds=60,
            invalidation="expire after 60 s; revoke by rotating the token",
        )
    )
    verdicts = [
        NfrVerdict(
            nfr_id=n.id,
            target=f"{n.comparator} {n.target:g} {n.unit}",
            measured="",
            verdict="not_measured",
            evidence="the load test has not been run yet; run load_test_command against a deployed "
            "instance and record the results",
        )
        for n in req.non_functional
        if n.category in {"performance", "scalability"}
    ]
    header = '{"X-API-Key": token}' if api_key else '{"Authorization": "Bearer " + token}'
    recs = [
        "Run the load test with production-like data volumes before release.",
        "Use PostgreSQL (migrations/postgresql.sql) behind "
        "a connection pool for more than one worker.",
        "Search with LIKE '%...%' scans rows; add pg_trgm "
        "GIN indexes in PostgreSQL if search is slow.",
    ]
    recs += [f"Feedback recorded by the builtin generator: {c}" for c in feedback]
    return PerformanceArtifact(
        caching=caching,
        indexing=indexing,
        load_test_script=SourceFile(
            path="loadtest.py",
            content=LOAD_TEST.replace("{HEADERS}", header),
            purpose="latency and throughput of a list endpoint",
        ),
        load_test_command=f"python loadtest.py http://localhost:8000 {first.path} $TOKEN 500",
        results=[],
        verdicts=verdicts,
        recommendations=recs,
    )
