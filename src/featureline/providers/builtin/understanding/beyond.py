"""Asks the builtin understands but does not build: aggregates, notifications, tenancy,
time windows on lists, payments, locking, manual ordering, sign-in.

Each match becomes a deferred requirement that says what is missing, so the sentence is
never quietly served by a plain list or create endpoint (rule 10: never pretend).
"""

from __future__ import annotations

import re

LIST_ASK = (
    r"\b(?:see|sees|view|views|list|lists|show|shows|get|gets|need|needs|know|browse|track|look)\b"
)

BEYOND: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "Aggregate",
        re.compile(
            LIST_ASK + r"[^.;]*\b(totals?|average|averages|sums?|counts?|balances?|streaks?|"
            r"revenue|reports?|statistics|stats|how many|leaderboard)\b"
        ),
        "aggregates (totals, averages, counts, balances, reports) are not generated; only "
        "rows are listed",
    ),
    (
        "Notify",
        re.compile(
            r"\b(?:is|are|gets?|be)\s+(?:sent|emailed|notified|reminded)\b|\bsends?\s+(?:an?\s+)?"
            r"(?:e-?mails?|sms|texts?|notifications?|reminders?)\b|\bnotif(?:y|ies|ication)\b|"
            r"\bremind(?:s|ers?)?\b"
        ),
        "sending e-mails, messages or notifications is not generated",
    ),
    (
        "Tenant isolation",
        re.compile(r"\btenants?\b|\bits own data\b|\bof their own (?:tenant|space|company)\b"),
        "per-tenant isolation is not generated: rows are scoped to the user who owns them, "
        "not to a tenant",
    ),
    (
        "Time window",
        re.compile(
            LIST_ASK + r"[^.;]*\b(per day|per week|per month|per year|for a (?:given )?(?:day|date|"
            r"week|month)|for the (?:week|day|month)|between two (?:times|dates)|this week|today|"
            r"upcoming|(?:in|for|within) the (?:last|past|next|coming) (?:\d+|few|two|three|seven)|"
            r"(?:of|over) the (?:last|past|next|coming) (?:\d+|few|two|three|seven))\b"
        ),
        "listing within a time window is not generated; list filters match exact values",
    ),
    (
        "Expiry",
        re.compile(r"\bexpires?\s+after\b|\bautomatically\b|\bon (?:their|its) own\b"),
        "rows that change state on their own as time passes are not generated",
    ),
    (
        "Assigned to the caller",
        re.compile(LIST_ASK + r"[^.;]*\bassigned to (?:them|me|him|her|the caller)\b"),
        "listing only the rows assigned to the caller is not generated",
    ),
    (
        "Lock after a state",
        re.compile(
            r"\bcan no longer be (?:edited|changed|modified)\b|\bcannot be (?:edited|changed) "
            r"(?:once|after)\b|\bread-only\b|\b(?:is|are|can|may) never (?:be )?"
            r"(?:edited|changed|modified|updated)\b"
        ),
        "locking a row once it reaches a state is not generated",
    ),
    (
        "History",
        re.compile(
            r"\bevery (?:change|edit|update)\b[^.;]*\b(?:is|are) (?:saved|kept|recorded|stored)\b"
        ),
        "keeping a copy on every change (a history) is not generated",
    ),
    (
        "Manual order",
        re.compile(r"\bin a (?:chosen|custom|given) order\b|\breorder\b|\bdrag\b"),
        "a user-chosen order of rows is not generated",
    ),
    (
        "Payments",
        re.compile(
            r"\bpay(?:s|ing)? (?:online|by card)\b|\bpayments? (?:is|are) (?:taken|processed)\b|"
            r"\brefunds?\b"
        ),
        "taking payments is not generated",
    ),
    (
        "Sign-in",
        re.compile(r"\b(?:log in|logs in|sign in|signs in|password|forgot)\b"),
        "accounts and sign-in are provisioned outside the generated service",
    ),
    (
        "Confirmation flow",
        re.compile(r"\bdouble opt-in\b|\buntil (?:it is|they are) confirmed\b|\bwith one click\b"),
        "a confirmation flow (a token sent, then confirmed) is not generated",
    ),
)


def beyond_scope(sentence: str) -> list[tuple[str, str]]:
    """(title, what is not generated) for each ask of the sentence beyond the builtin."""
    low = sentence.lower()
    out: list[tuple[str, str]] = []
    for label, pattern, note in BEYOND:
        m = pattern.search(low)
        if m:
            words = " ".join(sentence.rstrip(".").split())
            out.append((f"{label}: {words[:60]}" + ("…" if len(words) > 60 else ""), note))
    return out
