"""Model ids, their output limits, and the order in which a step's model is chosen.

Aliases follow the Claude Code subagent ``model:`` field (``sonnet``, ``opus``, ``haiku``,
``inherit``, ``default``, ``opusplan``, ``sonnet[1m]``); a full id (``claude-...``) passes
through unchanged. In an agent file any other value is not a model anyone knows: it is
treated as ``inherit`` and the loader says so in one line (:func:`agent_model_warning`).
"""

from __future__ import annotations

from typing import Final

from featureline.errors import UserInputError

SONNET: Final = "claude-sonnet-5-5"
OPUS: Final = "claude-opus-5-5"
HAIKU: Final = "claude-haiku-5-5"
DEFAULT_MODEL: Final = SONNET
"""The newest Sonnet the installed SDK knows (``anthropic.types.ModelParam``)."""

MODEL_ALIASES: Final[dict[str, str]] = {
    "sonnet": SONNET,
    "opus": OPUS,
    "haiku": HAIKU,
    "fable": "claude-fable-5-2",
    "mythos": "claude-mythos-5-2",
    "opusplan": OPUS,
    "sonnet[1m]": SONNET,
    "opus[1m]": OPUS,
}
"""Claude Code's aliases and the families the installed SDK lists (``anthropic.types.
ModelParam``), each to the newest id of that family."""
INHERIT: Final = "inherit"
INHERIT_ALIASES: Final = frozenset({INHERIT, "default"})

OUTPUT_LIMITS: Final[dict[str, int]] = {
    "claude-3-haiku": 4_096,
    "claude-3-opus": 4_096,
    "claude-3-sonnet": 4_096,
    "claude-3-5-haiku": 8_192,
    "claude-3-5-sonnet": 8_192,
    "claude-3-7-sonnet": 64_000,
    "claude-opus-4-0": 32_000,
    "claude-opus-4-1": 32_000,
    "claude-opus-4-2": 32_000,
    "claude-sonnet-4-0": 64_000,
    "claude-sonnet-4-2": 64_000,
    "claude-opus-4-5": 64_000,
    "claude-sonnet-4-5": 64_000,
    "claude-haiku-4-5": 64_000,
}
"""Largest ``max_tokens`` per model (id prefix), from Anthropic's models overview; the
provider asks the Models API first (``ModelInfo.max_tokens``) and uses this table only when
the API cannot say. Ids not listed get :data:`DEFAULT_OUTPUT_LIMIT`."""
DEFAULT_OUTPUT_LIMIT: Final = 32_000
"""For a model neither the API nor the table knows: every current model accepts it."""
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
    if lowered in INHERIT_ALIASES:
        return None
    return MODEL_ALIASES.get(lowered, value)


def is_known_model(name: str) -> bool:
    """An alias, ``inherit``/``default``, or something shaped like a Claude id."""
    lowered = name.strip().lower()
    return lowered in MODEL_ALIASES or lowered in INHERIT_ALIASES or lowered.startswith("claude-")


def agent_model_warning(name: str) -> str | None:
    """One line when an agent file's ``model:`` is neither an alias nor a Claude id."""
    if is_known_model(name):
        return None
    return (
        f"model {name!r} is not a known alias ({', '.join(sorted(MODEL_ALIASES))}, inherit) "
        "or a Claude model id; the run's model is used instead"
    )


def output_limit(model: str) -> int:
    """The largest ``max_tokens`` ``model`` accepts, by the longest matching id prefix."""
    base = model.lower()
    matches = [prefix for prefix in OUTPUT_LIMITS if base.startswith(prefix)]
    return OUTPUT_LIMITS[max(matches, key=len)] if matches else DEFAULT_OUTPUT_LIMIT


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
        if origin == "the agent file" and not is_known_model(value):
            continue  # the loader already said so: an unknown alias inherits
        resolved = expand_model(value, origin)
        if resolved is not None:
            return resolved
    return DEFAULT_MODEL


def model_family(model: str) -> str | None:
    """``sonnet``/``opus``/``haiku`` when the id names one of them, else ``None``."""
    lowered = model.lower()
    return next((family for family in ("sonnet", "opus", "haiku") if family in lowered), None)


__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_OUTPUT_LIMIT",
    "HAIKU",
    "INHERIT",
    "MODEL_ALIASES",
    "MODEL_ENV",
    "OPUS",
    "OUTPUT_LIMITS",
    "SONNET",
    "InvalidModelError",
    "agent_model_warning",
    "expand_model",
    "is_known_model",
    "model_family",
    "output_limit",
    "resolve_model",
]
