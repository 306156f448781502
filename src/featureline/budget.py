"""Budgets that hold: every model call reserves its worst case before it is sent.

One :class:`BudgetBook` per specialist (one process) keeps, per run, what is spent and what
is reserved by calls in flight, behind one lock. Parallel steps and re-asks of one run all
reserve from the same book, so together they can never pass the run's ``--max-cost``: a
call that cannot be afforded is refused before it is sent. One writer per run is
guaranteed by the run's lease, so an in-process book is the whole truth while the run
executes; the graph state's ledger seeds it (:meth:`BudgetBook.sync`) on every task, so a
resumed run starts from what was paid before (and from what a killed process possibly paid).

Arithmetic behind a lock. The only I/O is the caller's :class:`ReservationJournal`: a
reservation is journaled in the store inside the same lock as the check that allows it,
before the call is sent, so a call in flight when the process dies is not lost.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from featureline.errors import BudgetExceededError
from featureline.reservations import CallPlan


class ReservationJournal(Protocol):
    """Where reservations outlive the process (featureline.reservations in the store)."""

    def open(self, plan: CallPlan, worst_usd: Decimal) -> str: ...
    def settle(self, ident: str, actual_usd: Decimal) -> None: ...


class BudgetReservationError(BudgetExceededError):
    """A call was refused because its worst case does not fit what is left of the budget;
    ``calls`` are the calls this attempt had already made (re-asks), for the ledger."""

    def __init__(
        self,
        run_id: str,
        step: str,
        spent: Decimal,
        estimate: Decimal,
        budget: Decimal,
        calls: tuple[object, ...] = (),
    ) -> None:
        super().__init__(run_id, step, spent, estimate, budget)
        self.calls = calls


@dataclass
class _RunBudget:
    limit: Decimal | None
    spent: Decimal = Decimal(0)
    reserved: Decimal = Decimal(0)


@dataclass(frozen=True)
class Reservation:
    """Money set aside for one call in flight; settle it exactly once. ``journal_id`` names
    its row in the journal (``None`` without one); the call's ledger entry carries it."""

    run_id: str
    amount: Decimal
    journal_id: str | None = None
    journal: ReservationJournal | None = None


class BudgetBook:
    """Spent and reserved amounts per run, safe to share between LangGraph's worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, _RunBudget] = {}

    def sync(self, run_id: str, limit: Decimal | None, spent_in_state: Decimal) -> None:
        """Take the run's current budget, and what its ledger says was spent when it is more
        than this book knows (a resumed run, or calls another specialist made)."""
        with self._lock:
            run = self._runs.setdefault(run_id, _RunBudget(limit))
            run.limit = limit
            run.spent = max(run.spent, spent_in_state)

    def remaining(self, run_id: str) -> Decimal | None:
        """What may still be reserved (``None``: no budget)."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None or run.limit is None:
                return None
            return run.limit - run.spent - run.reserved

    def reserve(
        self,
        run_id: str,
        step: str,
        amount: Decimal,
        journal: ReservationJournal | None = None,
        plan: CallPlan | None = None,
    ) -> Reservation:
        """Set ``amount`` aside, or raise BudgetReservationError when it does not fit. With a
        journal, the reservation is written there before this returns (the call may only be
        sent after), under the same lock as the check."""
        with self._lock:
            run = self._runs.setdefault(run_id, _RunBudget(None))
            if run.limit is not None and run.spent + run.reserved + amount > run.limit:
                raise BudgetReservationError(
                    run_id, step, run.spent + run.reserved, amount, run.limit
                )
            ident = journal.open(plan, amount) if journal is not None and plan else None
            run.reserved += amount
            return Reservation(run_id, amount, ident, journal if ident else None)

    def settle(
        self, reservation: Reservation, actual: Decimal, billed: Decimal | None = None
    ) -> None:
        """The call ended: release its reservation and count what it cost (for a call whose
        outcome is unknown, the caller passes the worst case: it may have been billed).
        ``billed`` is the answer's price for the journal (a run without a budget counts
        nothing here, but the journal keeps the real price); ``None`` when no answer
        arrived, so the journal keeps the worst case."""
        with self._lock:
            run = self._runs.setdefault(reservation.run_id, _RunBudget(None))
            run.reserved = max(Decimal(0), run.reserved - reservation.amount)
            run.spent += actual
        journal, ident = reservation.journal, reservation.journal_id
        if journal is not None and ident is not None and billed is not None:
            journal.settle(ident, billed)

    def spent(self, run_id: str) -> Decimal:
        with self._lock:
            run = self._runs.get(run_id)
            return run.spent if run is not None else Decimal(0)


__all__ = ["BudgetBook", "BudgetReservationError", "Reservation", "ReservationJournal"]
