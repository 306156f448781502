"""Deterministic verification of artifacts (rule 3: artifacts are data, verification is code)."""

from featureline.checks.base import CheckContext, Finding, has_errors
from featureline.checks.runner import run_checks, validate_artifact

__all__ = ["CheckContext", "Finding", "has_errors", "run_checks", "validate_artifact"]
