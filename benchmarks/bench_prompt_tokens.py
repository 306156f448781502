"""Input tokens and cost of a Claude run against a naive prompt baseline, per sample request.

featureline sends each step only the artifacts it declares (rule 4), marks prompt-cache
breakpoints on the stable prefix (the request and the requirements) and on its last inputs
(newest first, so siblings share prefixes), and lets a sibling wait for the call writing a
prefix it can read; later steps read those prefixes at the cache price. The naive baseline
sends every earlier artifact to every step and caches nothing.

"Billed input" weighs each input token by what it is billed at, relative to an uncached
input token (the model's price table: cache writes 1.25x, cache reads 0.1x); the naive
baseline's billed input is its input. Target: featureline <= 0.5x the naive billed input.
Both are counted the way the local FakeMessagesAPI counts (~4 characters a
token over the system prompt, the user blocks and the output schema) and priced with the
same price table; the baseline's output tokens are the run's own (same answers).

    python benchmarks/bench_prompt_tokens.py

No network: the run goes through the anthropic SDK to the fake server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from featureline import Pipeline
from featureline.artifacts import ARTIFACT_TYPES, Artifact, Usage
from featureline.ledger import Ledger
from featureline.pricing import cost_usd, default_prices
from featureline.providers.anthropic import AnthropicSpecialist, output_schema, render_request
from featureline.providers.base import StepTask
from featureline.providers.prompts import Prompt, PromptBlock, build_step_prompt
from featureline.request import read_request
from featureline.testing import FakeMessagesAPI
from featureline.testing.fake_anthropic import estimate_tokens

REPO = Path(__file__).resolve().parents[1]
REQUESTS = sorted((REPO / "examples" / "requests").glob("*.md"))


def count_input_tokens(body: dict[str, Any]) -> int:
    """All input tokens of one request body, as the fake counts them (cached or not)."""
    blocks = list(body["system"])
    for message in body["messages"]:
        blocks += message["content"]
    total = sum(estimate_tokens(str(b.get("text", ""))) for b in blocks)
    return total + estimate_tokens(json.dumps(body["output_config"], sort_keys=True))


def naive_body(prompt: Prompt, kind: str) -> dict[str, Any]:
    """The request the baseline sends: the same prompt builder, no cache breakpoint."""
    plain = Prompt(prompt.system, tuple(PromptBlock(b.role, b.text) for b in prompt.blocks))
    system, messages = render_request(plain)
    schema = output_schema(ARTIFACT_TYPES[kind])
    return {
        "system": system,
        "messages": messages,
        "output_config": {"format": {"type": "json_schema", "schema": schema}},
    }


def bench_one(path: Path, api: FakeMessagesAPI, store: str) -> dict[str, Any]:
    api.reset()
    specialist = AnthropicSpecialist("sk-bench-not-a-key", base_url=api.base_url)
    pipeline = Pipeline.load(provider=specialist, store=store, verify=False)
    started = time.perf_counter()
    view = pipeline.run(str(path))
    elapsed = time.perf_counter() - started
    assert view.status == "done", f"{path.name}: run ended {view.status}"
    ledger: Ledger = view.ledger
    totals = ledger.total()
    sent = totals.input_tokens + totals.cache_write_tokens + totals.cache_read_tokens
    model = ledger.entries[0].model
    price = default_prices().price_for(model)
    billed = (
        totals.input_tokens
        + totals.cache_write_tokens * price.cache_write / price.input
        + totals.cache_read_tokens * price.cache_read / price.input
    )
    # self-check: our counting reproduces what the fake reported for the real requests
    counted = sum(count_input_tokens(r.body or {}) for r in api.requests)
    assert counted == sent, f"counting differs from the fake: {counted} != {sent}"

    # the baseline: each step gets every artifact of the steps before it, uncached
    request = read_request(str(path))
    spec = pipeline.spec
    order = [step_id for stage in spec.stages() for step_id in stage]
    state_artifacts: dict[str, Artifact] = {
        s.id: a for s in view.steps if (a := s.artifact()) is not None
    }
    base_tokens, base_cost = 0, Decimal(0)
    for position, step_id in enumerate(order):
        step = spec.step(step_id)
        entries = ledger.for_step(step_id).entries
        task = StepTask(
            run_id=view.info.run_id,
            step=step.id,
            kind=step.kind,
            instructions=step.instructions,
            agent=pipeline.agents[spec.agent_for(step)],
            request=request,
            inputs={earlier: state_artifacts[earlier] for earlier in order[:position]},
            attempt=1,
        )
        body = naive_body(build_step_prompt(task, ARTIFACT_TYPES[step.kind].__name__), step.kind)
        tokens = count_input_tokens(body)
        output = sum(e.output_tokens for e in entries)
        model = entries[0].model
        base_tokens += tokens
        base_cost += cost_usd(model, Usage(input_tokens=tokens, output_tokens=output))
    return {
        "request": path.stem,
        "sent": sent,
        "billed": billed,
        "cache_read": totals.cache_read_tokens,
        "cost": ledger.total_cost,
        "base_tokens": base_tokens,
        "base_cost": base_cost,
        "seconds": elapsed,
    }


def main() -> None:
    os.environ["FEATURELINE_BLOCK_REAL_API"] = "1"
    rows = []
    with tempfile.TemporaryDirectory() as tmp, FakeMessagesAPI() as api:
        store = str(Path(tmp) / "bench.sqlite")
        for path in REQUESTS:
            rows.append(bench_one(path, api, store))
    header = (
        f"{'request':<18} {'input sent':>11} {'cache read':>11} {'billed input':>13} "
        f"{'naive input':>12} {'billed x':>9}   {'cost':>8} {'naive cost':>11} {'cost x':>7}"
    )
    print("featureline (declared inputs + prompt cache) vs naive (every earlier artifact,")
    print("no cache), Claude via the anthropic SDK against FakeMessagesAPI, default model")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['request']:<18} {row['sent']:>11} {row['cache_read']:>11} "
            f"{row['billed']:>13.0f} {row['base_tokens']:>12} "
            f"{row['billed'] / row['base_tokens']:>8.2f}x   "
            f"${row['cost']:>7.4f} ${row['base_cost']:>10.4f} "
            f"{row['cost'] / row['base_cost']:>6.2f}x"
        )
    sent = sum(r["sent"] for r in rows)
    billed = sum((r["billed"] for r in rows), Decimal(0))
    base = sum(r["base_tokens"] for r in rows)
    cost = sum((r["cost"] for r in rows), Decimal(0))
    base_cost = sum((r["base_cost"] for r in rows), Decimal(0))
    print("-" * len(header))
    print(
        f"{'all':<18} {sent:>11} {sum(r['cache_read'] for r in rows):>11} {billed:>13.0f} "
        f"{base:>12} {billed / base:>8.2f}x   ${cost:>7.4f} ${base_cost:>10.4f} "
        f"{cost / base_cost:>6.2f}x"
    )
    verdict = "meets" if billed / base <= Decimal("0.5") else "MISSES"
    print(
        f"featureline is billed for {billed / base:.2f}x the naive run's input tokens "
        f"({verdict} the <= 0.50x target) and costs {cost / base_cost:.2f}x with output; "
        f"{len(rows)} runs took {sum(r['seconds'] for r in rows):.1f}s"
    )


if __name__ == "__main__":
    main()
