"""Model ids and the order in which a step's model is chosen.

Aliases follow the Claude Code subagent ``model:`` field (``sonnet``, ``opus``, ``haiku``,
``inherit``); anything else is taken as a full model id and passed through unchanged.
"""

from __future__ import annotations

from typing import Final

from featureline.errors import UserInputError

SONNET: Final = "claude-sonnet-5-5"
OPUS: Final = "claude-opus-5-5"
HAIKU: Final = "claude-haiku-5-5"
DEFAULT_MODEL: Final = SONNET
"""The newest Sonnet the installed SDK knows (``anthropic.types.ModelParam``)."""

MODEL_ALIASES: Final[dict[str, str]] = {"sonnet": SONNET, "opus": OPUS, "haiku": HAIKU}
INHERIT: Final = "inherit"
MODEL_ENV: Final = "FEATURELINE_MODEL"


class InvalidModelError(UserInputError):
    """A model name that cannot be an id (blank, or containing whitespace)."""

    def __init__(self, model: str, origin: str) -> None:
        self.model = model
        self.origin = origin
        super().__init__(
            f"model {model!r} from {origin} is not a model id "
            f"(use one of {', '.join(MODEL_ALIASES)} or a full id like {DEFAULT_MODEL!r})"
        )


def expand_model(name: str, origin: str = "the configuration") -> str | None:
    """An alias becomes its full id, ``inherit`` becomes ``None`` (no opinion), ids pass through."""
    value = name.strip()
    if not value or any(ch.isspace() for ch in value):
        raise InvalidModelError(name, origin)
    lowered = value.lower()
    if lowered == INHERIT:
        return None
    return MODEL_ALIASES.get(lowered, value)


def resolve_model(cli_or_env: str | None, agent_model: str | None, step_model: str | None) -> str:
    """The model for one call: step override > ``--model``/``FEATURELINE_MODEL`` > the agent
    file's ``model:`` (``inherit`` defers) > :data:`DEFAULT_MODEL`. Empty values are unset."""
    for value, origin in (
        (step_model, "the pipeline step"),
        (cli_or_env, f"--model/{MODEL_ENV}"),
        (agent_model, "the agent file"),
    ):
        if value is None or not value.strip():
            continue
        resolved = expand_model(value, origin)
        if resolved is not None:
            return resolved
    return DEFAULT_MODEL


def model_family(model: str) -> str | None:
    """``sonnet``/``opus``/``haiku`` when the id names one of them, else ``None``."""
    lowered = model.lower()
    return next((family for family in MODEL_ALIASES if family in lowered), None)


__all__ = [
    "DEFAULT_MODEL",
    "HAIKU",
    "INHERIT",
    "MODEL_ALIASES",
    "MODEL_ENV",
    "OPUS",
    "SONNET",
    "InvalidModelError",
    "expand_model",
    "model_family",
    "resolve_model",
]
