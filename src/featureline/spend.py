"""A run's tokens and cost read straight from its latest checkpoint, without compiling its
graph: what ``featureline runs`` shows for every run, at a fraction of a full view's cost.

The rule is :class:`featureline.views.StepView`'s (a test keeps them equal): per step, the
tokens of its ledger entries, or of its records when it has no ledger entries; the cost is
the ledger's.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from featureline.artifacts import Usage
from featureline.ledger import Ledger


def spend_of_state(values: Mapping[str, Any]) -> tuple[int, Decimal]:
    """(total tokens, cost in USD) of a run's state values."""
    ledger = Ledger.from_json(values.get("ledger") or [])
    tokens = 0
    for step in values.get("steps") or {}:
        entries = ledger.for_step(step).entries
        if entries:
            tokens += sum(e.usage.total_tokens for e in entries)
            continue
        for record in values.get("records") or []:
            if record.get("step") == step:
                tokens += Usage.model_validate(record.get("usage") or {}).total_tokens
    return tokens, ledger.total_cost


def run_spend(checkpointer: Any, run_id: str) -> tuple[int, Decimal] | None:
    """Spend from the run's latest checkpoint; ``None`` when it has none yet."""
    found = checkpointer.get_tuple({"configurable": {"thread_id": run_id, "checkpoint_ns": ""}})
    if found is None:
        return None
    return spend_of_state(found.checkpoint.get("channel_values") or {})


__all__ = ["run_spend", "spend_of_state"]
