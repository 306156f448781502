"""structlog set-up: a readable console by default, JSON lines when asked.

Run ids and step names are bound per call site (``logger.bind``) so every line of a run
carries them, also from the worker threads LangGraph uses for parallel steps.

structlog (and the rich tracebacks it loads) is imported on the first log call, not at
start-up: the CLI states its preference with :func:`prefer_logging`, and a reading command
that logs nothing never pays for it.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

_preferred: tuple[bool, str] | None = None


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
    import logging

    import structlog

    global _preferred
    _preferred = None
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


def prefer_logging(*, json_lines: bool = False, level: str = "INFO") -> None:
    """How to log once something logs: :func:`configure_logging` with these arguments, on
    the first :func:`get_logger` call (the last preference wins)."""
    global _preferred
    _preferred = (json_lines, level)


def get_logger(**bound: Any) -> Any:
    """Return a logger with the given fields bound (e.g. ``run_id``, ``step``).

    A library must not chatter on its host's stdout: until the application configures
    logging, only warnings and errors are shown, on stderr.
    """
    import structlog

    if _preferred is not None:
        json_lines, level = _preferred
        configure_logging(json_lines=json_lines, level=level)
    elif not structlog.is_configured():
        configure_logging(level="warning")
    return structlog.get_logger("featureline").bind(**bound)
