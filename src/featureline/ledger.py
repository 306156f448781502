"""Token and cost accounting: one entry per model call, totals, and budget checks.

Pure data and arithmetic (no I/O, no clock): callers pass timestamps in, and the graph
state keeps entries as JSON (``entry.model_dump(mode="json")``; Decimals become strings).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from featureline.artifacts import Usage
from featureline.pricing import PriceTable, cost_usd

CallOutcome = Literal["ok", "retried_validation", "refused", "max_tokens", "error", "unknown"]
"""What became of one call: its answer was used (``ok``), re-asked because it failed
validation, was refused, was cut off at max_tokens, could not be used at all, or its outcome
is ``unknown`` (timed out, cut off, interrupted mid-flight): it may have been billed, so its
worst case is counted."""


class CallRecord(BaseModel):
    """One model call as a provider reports it, before it is priced into the ledger."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    usage: Usage = Field(default_factory=Usage)
    outcome: CallOutcome
    detail: str = Field(default="", description="why the call was not ok, in one line")
    purpose: str = Field(default="produce", description="'produce' or 'review:<reviewer>'")
    request_id: str | None = None
    cost_usd: Decimal | None = Field(
        default=None,
        description="a fixed cost instead of pricing the usage: the worst case of a call "
        "whose outcome is unknown",
    )
    reservation: str | None = Field(
        default=None, description="the call's row in the store's reservation journal"
    )


class LedgerEntry(BaseModel):
    """One priced call of one attempt of one step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    step: str
    attempt: int
    call: int = Field(ge=1, description="1-based index of the call within the attempt")
    purpose: str = "produce"
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    outcome: CallOutcome
    detail: str = ""
    request_id: str | None = None
    at: datetime
    reservation: str | None = Field(default=None, exclude_if=lambda value: value is None)
    """The call's row in the reservation journal (featureline.reservations): a journaled
    call whose id is in the ledger is recorded; absent from entries written without one."""

    @property
    def usage(self) -> Usage:
        return Usage(
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cache_creation_input_tokens=self.cache_write_tokens,
            cache_read_input_tokens=self.cache_read_tokens,
        )


class Totals(BaseModel):
    """Sums over a group of entries."""

    model_config = ConfigDict(frozen=True)

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: Decimal = Decimal(0)

    def plus(self, entry: LedgerEntry) -> Totals:
        return Totals(
            calls=self.calls + 1,
            input_tokens=self.input_tokens + entry.input_tokens,
            output_tokens=self.output_tokens + entry.output_tokens,
            cache_write_tokens=self.cache_write_tokens + entry.cache_write_tokens,
            cache_read_tokens=self.cache_read_tokens + entry.cache_read_tokens,
            cost_usd=self.cost_usd + entry.cost_usd,
        )


def price_calls(
    calls: Sequence[CallRecord],
    *,
    run_id: str,
    step: str,
    attempt: int,
    at: datetime,
    prices: PriceTable | None = None,
    first_index: int = 1,
) -> list[LedgerEntry]:
    """Ledger entries for the calls of one attempt, each priced at its model's rates."""
    return [
        LedgerEntry(
            run_id=run_id,
            step=step,
            attempt=attempt,
            call=first_index + offset,
            purpose=call.purpose,
            model=call.model,
            input_tokens=call.usage.input_tokens,
            output_tokens=call.usage.output_tokens,
            cache_write_tokens=call.usage.cache_creation_input_tokens,
            cache_read_tokens=call.usage.cache_read_input_tokens,
            cost_usd=(
                call.cost_usd
                if call.cost_usd is not None
                else cost_usd(call.model, call.usage, prices)
            ),
            outcome=call.outcome,
            detail=call.detail,
            request_id=call.request_id,
            at=at,
            reservation=call.reservation,
        )
        for offset, call in enumerate(calls)
    ]


class Ledger(BaseModel):
    """An immutable list of entries with the sums a report or a budget needs."""

    model_config = ConfigDict(frozen=True)

    entries: tuple[LedgerEntry, ...] = ()

    @classmethod
    def from_json(cls, entries: Iterable[Mapping[str, Any]]) -> Ledger:
        """Rebuild from entries as stored in the graph state."""
        return cls(entries=tuple(LedgerEntry.model_validate(e) for e in entries))

    def add(self, *entries: LedgerEntry) -> Ledger:
        return Ledger(entries=(*self.entries, *entries))

    def total(self) -> Totals:
        totals = Totals()
        for entry in self.entries:
            totals = totals.plus(entry)
        return totals

    @property
    def total_cost(self) -> Decimal:
        return sum((e.cost_usd for e in self.entries), Decimal(0))

    @property
    def reservations(self) -> set[str]:
        """The journal ids of the calls this ledger records."""
        return {e.reservation for e in self.entries if e.reservation is not None}

    def by_step(self) -> dict[str, Totals]:
        return self._group(lambda e: e.step)

    def by_model(self) -> dict[str, Totals]:
        return self._group(lambda e: e.model)

    def by_outcome(self) -> dict[str, Totals]:
        return self._group(lambda e: e.outcome)

    def for_step(self, step: str, attempt: int | None = None) -> Ledger:
        return Ledger(
            entries=tuple(
                e
                for e in self.entries
                if e.step == step and (attempt is None or e.attempt == attempt)
            )
        )

    def would_exceed(self, budget: Decimal | None, estimate: Decimal = Decimal(0)) -> bool:
        """True when spending ``estimate`` more would take the total past ``budget``
        (``None`` means no budget)."""
        if budget is None:
            return False
        return self.total_cost + estimate > budget

    def remaining(self, budget: Decimal) -> Decimal:
        return budget - self.total_cost

    def _group(self, key: Callable[[LedgerEntry], str]) -> dict[str, Totals]:
        groups: dict[str, Totals] = {}
        for entry in self.entries:
            name = key(entry)
            groups[name] = groups.get(name, Totals()).plus(entry)
        return groups


__all__ = ["CallOutcome", "CallRecord", "Ledger", "LedgerEntry", "Totals", "price_calls"]
