"""Deterministic verification of artifacts (rule 3: artifacts are data, verification is code).

The check functions load on first use (PEP 562): reading a run's findings (``Finding``)
must not import every check, and with them the builtin specialist's lexicon.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from featureline.checks.base import CheckContext, Finding, has_errors

if TYPE_CHECKING:
    from featureline.checks.runner import run_checks, validate_artifact

__all__ = ["CheckContext", "Finding", "has_errors", "run_checks", "validate_artifact"]


def __getattr__(name: str) -> Any:
    if name not in ("run_checks", "validate_artifact"):
        raise AttributeError(f"module 'featureline.checks' has no attribute {name!r}")
    from featureline.checks import runner

    value = getattr(runner, name)
    globals()[name] = value
    return value
