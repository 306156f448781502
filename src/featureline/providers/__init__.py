"""Specialists: the builtin offline generator, a scripted replayer, and Claude."""

from __future__ import annotations

import os

from featureline.errors import UserInputError
from featureline.providers.base import Specialist, StepResult, StepTask

PROVIDERS = ("builtin", "anthropic")
API_KEY_ENV = "ANTHROPIC_API_KEY"


def default_provider() -> str:
    """Rule 6: Claude when an API key is set, else the offline builtin specialist."""
    return "anthropic" if os.environ.get(API_KEY_ENV, "").strip() else "builtin"


def make_specialist(
    name: str | None = None,
    *,
    delay_s: float = 0.0,
    model: str | None = None,
    pinned_model: str | None = None,
) -> Specialist:
    """The specialist for a provider name; ``None`` picks the default (:func:`default_provider`).
    ``model`` is the ``--model`` override for Claude (steps' own ``model:`` still win);
    ``pinned_model`` (``resume --model``) is used for every call."""
    chosen = name or default_provider()
    if chosen == "builtin":
        from featureline.providers.builtin import BuiltinSpecialist

        specialist: Specialist = BuiltinSpecialist(delay_s=delay_s)
        return specialist
    if chosen == "anthropic":
        from featureline.providers.anthropic import AnthropicSpecialist

        return AnthropicSpecialist(model=model, pinned_model=pinned_model)
    raise UserInputError(f"unknown provider {chosen!r} (available: {', '.join(PROVIDERS)})")


__all__ = [
    "PROVIDERS",
    "Specialist",
    "StepResult",
    "StepTask",
    "default_provider",
    "make_specialist",
]
