"""Per-invocation CLI state shared by the commands."""

from __future__ import annotations

from dataclasses import dataclass

from featureline.cli.safe import SafeConsole


@dataclass
class CliState:
    store: str | None = None
    debug: bool = False

    @property
    def console(self) -> SafeConsole:
        """A terminal gets its own width; pipes and files get wide lines, not wrapped tables.
        Text prints literally: no markup, no terminal escapes (featureline.cli.safe)."""
        console = SafeConsole()
        if not console.is_terminal:
            console = SafeConsole(width=200)
        return console
