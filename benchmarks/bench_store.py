"""Store size benchmark: bytes a run leaves in the store, artifacts inline vs stored once.

For each sample request (examples/requests/*.md) it runs the default pipeline with the
builtin specialist twice on the same saver — once with artifacts and sandbox evidence
inline in the graph state (how runs were stored before the content-addressed store, and
how a graph served without featureline's store still runs), once with them stored once
by hash and the checkpoints holding references — and prints, per run and per checkpoint,
the bytes each leaves (checkpoints + pending writes + the blobs it references) beside the
artifacts' own bytes (their canonical JSON, every attempt). Target: <= 2x.

    python benchmarks/bench_store.py [--requests N] [--verify] [--store postgresql://...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from featureline.agents import load_agents
from featureline.artifact_store import canonical_json
from featureline.graph import RunContext, compiled_graph, initial_state
from featureline.paths import default_agents_dir, resolve_pipeline_path
from featureline.pipeline import load_pipeline
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.builtin_critic import BuiltinCritic
from featureline.request import read_request
from featureline.sandbox import Sandbox
from featureline.state import RunState, with_artifacts
from featureline.store import Store, open_store

REQUESTS = sorted((Path(__file__).resolve().parents[1] / "examples" / "requests").glob("*.md"))
TARGET_RATIO = 2.0


@dataclass(frozen=True)
class Size:
    checkpoints: int
    checkpoint_bytes: int
    write_bytes: int
    blob_bytes: int
    artifact_bytes: int

    @property
    def total(self) -> int:
        return self.checkpoint_bytes + self.write_bytes + self.blob_bytes

    @property
    def ratio(self) -> float:
        return self.total / self.artifact_bytes


def run_once(store: Store, request: Path, *, inline: bool, sandbox: Sandbox | None) -> str:
    spec = load_pipeline(resolve_pipeline_path(None))
    feature = read_request(str(request))
    thread = f"bench-{request.stem}-{'inline' if inline else 'cas'}-{uuid.uuid4().hex[:6]}"
    context = RunContext(
        agents=load_agents(default_agents_dir()),
        specialist=BuiltinSpecialist(),
        critic=BuiltinCritic(),
        sandbox=sandbox,
        blobs=None if inline else store.blobs,
    )
    graph = compiled_graph(spec, None, store.checkpointer)
    config: Any = {"configurable": {"thread_id": thread}, "recursion_limit": 1000}
    graph.invoke(initial_state(thread, feature, spec), config, context=context, durability="sync")
    values: RunState = graph.get_state(config).values  # type: ignore[assignment]
    if not all(st["status"] == "approved" for st in values["steps"].values()):
        sys.exit(f"run of {request.name} did not approve every step")
    return thread


def measure(store: Store, thread: str) -> Size:
    """Bytes of one thread's checkpoints and writes, and of the blobs its state names."""
    config: Any = {"configurable": {"thread_id": thread}}
    values: RunState = store.checkpointer.get_tuple(config).checkpoint["channel_values"]  # type: ignore[union-attr,assignment]
    records = with_artifacts(list(values.get("records", [])), store.blobs)
    artifact_bytes = sum(len(canonical_json(r["artifact"])) for r in records)
    refs = {r["content_hash"] for r in values.get("records", []) if "artifact" not in r}
    refs |= {e["ref"] for e in values.get("evidence", []) if "ref" in e}
    postgres = store.url.startswith(("postgresql://", "postgres://"))
    ph = "%s" if postgres else "?"
    conn: Any = store.runs._conn  # the index shares the checkpoints' database
    if postgres:
        queries = {
            "checkpoints": "SELECT count(*), coalesce(sum(octet_length(checkpoint::text) + "
            "octet_length(metadata::text)), 0) FROM checkpoints WHERE thread_id = %s",
            "writes": "SELECT 0, coalesce(sum(octet_length(blob)), 0) FROM checkpoint_writes "
            "WHERE thread_id = %s",
            "blobs": "SELECT 0, coalesce(sum(octet_length(blob)), 0) FROM checkpoint_blobs "
            "WHERE thread_id = %s",
        }
    else:
        queries = {
            "checkpoints": "SELECT count(*), coalesce(sum(length(checkpoint) + "
            "length(metadata)), 0) FROM checkpoints WHERE thread_id = ?",
            "writes": "SELECT 0, coalesce(sum(length(value)), 0) FROM writes WHERE thread_id = ?",
        }
    counts: dict[str, tuple[int, int]] = {}
    for name, query in queries.items():
        row = conn.execute(query, (thread,)).fetchone()
        values_ = tuple(row.values()) if isinstance(row, dict) else tuple(row)
        counts[name] = (int(values_[0]), int(values_[1]))
    blob_bytes = 0
    if refs:
        marks = ", ".join(ph for _ in refs)
        row = conn.execute(
            f"SELECT coalesce(sum(length(data)), 0) FROM featureline_blobs WHERE hash IN ({marks})",
            list(refs),
        ).fetchone()
        blob_bytes = int(next(iter(row.values())) if isinstance(row, dict) else row[0])
    return Size(
        checkpoints=counts["checkpoints"][0],
        checkpoint_bytes=counts["checkpoints"][1] + counts.get("blobs", (0, 0))[1],
        write_bytes=counts["writes"][1],
        blob_bytes=blob_bytes,
        artifact_bytes=artifact_bytes,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=len(REQUESTS))
    parser.add_argument("--verify", action="store_true", help="run the sandbox (evidence blobs)")
    parser.add_argument("--store", help="a PostgreSQL URL; default a temporary SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, Sandbox() as sandbox:
        url = args.store or str(Path(tmp) / "bench.sqlite")
        with open_store(url) as store:
            kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
            print(f"store {kind}, {'verified' if args.verify else 'unverified'} runs; KiB per run")
            print(
                f"{'request':<17}{'artifacts':>10}{'inline':>9}{'ratio':>7}{'stored once':>13}"
                f"{'ratio':>7}{'inline/ckpt':>13}{'once/ckpt':>11}{'ckpts':>7}"
                "   (stored once: checkpoints + writes + blobs)"
            )
            before: list[float] = []
            after: list[float] = []
            for request in REQUESTS[: args.requests]:
                box = sandbox if args.verify else None
                inline = measure(store, run_once(store, request, inline=True, sandbox=box))
                once = measure(store, run_once(store, request, inline=False, sandbox=box))
                before.append(inline.ratio)
                after.append(once.ratio)
                flag = "" if once.ratio <= TARGET_RATIO else "  over target"
                print(
                    f"{request.stem:<17}{inline.artifact_bytes / 1024:>10.1f}"
                    f"{inline.total / 1024:>9.1f}{inline.ratio:>7.1f}"
                    f"{once.total / 1024:>13.1f}{once.ratio:>7.2f}"
                    f"{inline.total / inline.checkpoints / 1024:>13.1f}"
                    f"{once.total / once.checkpoints / 1024:>11.2f}{once.checkpoints:>7}"
                    f"   ({once.checkpoint_bytes // 1024} + {once.write_bytes // 1024} + "
                    f"{once.blob_bytes // 1024}){flag}"
                )
            print(
                f"store bytes per artifact byte: inline median {statistics.median(before):.1f}x, "
                f"stored once median {statistics.median(after):.2f}x, max {max(after):.2f}x "
                f"(target <= {TARGET_RATIO:.0f}x)"
            )


if __name__ == "__main__":
    main()
