"""The one way the CLI prints: Rich without markup, every string made printable.

``SafeConsole`` never interprets ``[...]`` as markup (so ``[error]`` shows and ``[/x]``
cannot crash) and runs every string it renders — plain prints, table cells, rule titles
— through ``featureline.textsafe.printable``. Colour comes from ``styled()``, which
builds a ``Text`` with a style instead of markup.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from featureline.textsafe import printable


class SafeConsole(Console):
    """A Rich console that prints text literally: no markup, no terminal escapes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["markup"] = False
        kwargs.setdefault("highlight", False)
        super().__init__(**kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs["markup"] = False
        return super().render_str(printable(text), **kwargs)


def styled(text: object, style: str) -> Text:
    """``text`` in ``style`` (e.g. ``"green"``), printed literally."""
    return Text(printable(str(text)), style=style)


def line(*parts: object) -> Text:
    """One line from plain values and ``styled()`` pieces."""
    out = Text()
    for part in parts:
        out.append(part if isinstance(part, Text) else Text(printable(str(part))))
    return out
