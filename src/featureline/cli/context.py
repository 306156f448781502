"""Per-invocation CLI state shared by the commands."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console


@dataclass
class CliState:
    store: str | None = None
    debug: bool = False

    @property
    def console(self) -> Console:
        """A terminal gets its own width; pipes and files get wide lines, not wrapped tables."""
        console = Console(highlight=False)
        if not console.is_terminal:
            console = Console(highlight=False, width=200)
        return console
