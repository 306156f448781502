"""structlog set-up: a readable console by default, JSON lines when asked.

Run ids and step names are bound per call site (``logger.bind``) so every line of a run
carries them, also from the worker threads LangGraph uses for parallel steps.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the moment of writing, so logging keeps
    working when a test runner or an embedding app swaps the stream."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(
    *, json_lines: bool = False, level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Configure structlog once per process; logs go to stderr so stdout stays for results."""
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=stream or _CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )


def get_logger(**bound: Any) -> Any:
    """Return a logger with the given fields bound (e.g. ``run_id``, ``step``).

    A library must not chatter on its host's stdout: until the application configures
    logging, only warnings and errors are shown, on stderr.
    """
    if not structlog.is_configured():
        configure_logging(level="warning")
    return structlog.get_logger("featureline").bind(**bound)
