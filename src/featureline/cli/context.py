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
        return Console(highlight=False, soft_wrap=True)
