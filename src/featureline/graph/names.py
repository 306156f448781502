"""Node names of a pipeline graph: ``<step>`` (the specialist), ``<step>.check``,
``<step>.review`` (critic gates only), ``<step>.gate``, and the one ``dispatch``."""

from __future__ import annotations

DISPATCH = "dispatch"
CRITIC_PREFIX = "critic:"
"""Reviewer names of critic reviews in the history (``critic:api-reviewer``)."""
STOPPED = ("errored", "over_budget")
"""Step statuses that end a run as ``stopped``; ``resume`` restarts them."""


def check_node_name(step_id: str) -> str:
    return f"{step_id}.check"


def gate_node_name(step_id: str) -> str:
    return f"{step_id}.gate"


def review_node_name(step_id: str) -> str:
    return f"{step_id}.review"


def step_of_node(node: str) -> str:
    """The step a node belongs to (``""`` for dispatch)."""
    return "" if node == DISPATCH else node.partition(".")[0]
