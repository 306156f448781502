"""Specialists: the builtin offline generator, a scripted replayer, and (later) Claude."""

from __future__ import annotations

from featureline.errors import UserInputError
from featureline.providers.base import Specialist, StepResult, StepTask

PROVIDERS = ("builtin",)


def make_specialist(name: str | None = None, *, delay_s: float = 0.0) -> Specialist:
    """The specialist for a provider name; ``None`` picks the default (builtin, offline)."""
    chosen = name or "builtin"
    if chosen == "builtin":
        from featureline.providers.builtin import BuiltinSpecialist

        specialist: Specialist = BuiltinSpecialist(delay_s=delay_s)
        return specialist
    raise UserInputError(f"unknown provider {chosen!r} (available: {', '.join(PROVIDERS)})")


__all__ = ["PROVIDERS", "Specialist", "StepResult", "StepTask", "make_specialist"]
