"""One root error with two families: the user's mistakes and failures during a run.

Each error carries the fields a caller needs and an exit code, so the CLI turns any of
them into one actionable line without string parsing.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path


class FeaturelineError(Exception):
    """Root of every error featureline raises on purpose."""

    exit_code = 1


class UserInputError(FeaturelineError):
    """The user gave us something we cannot use; fixing the input fixes the problem."""

    exit_code = 2


class InvalidRequestError(UserInputError):
    """A feature request that is empty, binary, unreadable or missing."""


class AgentFileError(UserInputError):
    """A subagent file that cannot be loaded."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"agent file {self.path}: {problem}")


class PipelineFileError(UserInputError):
    """A pipeline definition that cannot be loaded or does not form a valid graph."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"pipeline file {self.path}: {problem}")


class UnknownRunError(UserInputError):
    """A run id that the store does not hold."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(f"no run with id {run_id!r} in this store (see `featureline runs`)")


class StoreError(UserInputError):
    """A store URL that cannot be opened, or a file that is not a featureline store."""


class RunLockedError(UserInputError):
    """Another live process holds the run's lease (it is running, resuming or reviewing it)."""

    def __init__(self, run_id: str, holder: str) -> None:
        self.run_id = run_id
        self.holder = holder
        super().__init__(
            f"run {run_id} is being written by {holder}: wait for it to finish (one writer per run)"
        )


class ReviewError(UserInputError):
    """A review that does not fit the run's state (nothing waiting, ambiguous step...)."""


class UnsafePathError(UserInputError):
    """A generated file path that would escape its target directory."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"refusing file path {path!r}: {reason}")


class RunFailure(FeaturelineError):
    """Something went wrong while a run was executing; the run stays resumable."""

    exit_code = 1


class ProviderError(RunFailure):
    """The specialist could not produce an artifact."""

    def __init__(self, provider: str, step: str, problem: str) -> None:
        self.provider = provider
        self.step = step
        self.problem = problem
        super().__init__(f"{provider} provider failed at step {step!r}: {problem}")


class StepFailedError(RunFailure):
    """A step kept failing its checks after its last allowed attempt."""

    def __init__(self, step: str, attempts: int, summary: str) -> None:
        self.step = step
        self.attempts = attempts
        self.summary = summary
        super().__init__(f"step {step!r} failed its checks after {attempts} attempt(s): {summary}")


class BudgetExceededError(RunFailure):
    """The next model call could take the run past its ``--max-cost`` budget, so it was not
    made; ``resume --max-cost USD`` with a higher budget continues the run."""

    def __init__(
        self, run_id: str, step: str, spent: Decimal, estimate: Decimal, budget: Decimal
    ) -> None:
        self.run_id = run_id
        self.step = step
        self.spent = spent
        self.estimate = estimate
        self.budget = budget
        super().__init__(
            f"budget reached before step {step!r}: spent ${spent:.4f} of ${budget:.4f}, the next "
            f"call may cost up to ${estimate:.4f} — raise it with "
            f"`featureline resume {run_id} --max-cost USD`"
        )
