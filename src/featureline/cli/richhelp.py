"""Load typer's rich help formatter without the two rich modules it never uses here.

``typer.rich_utils`` imports ``rich.markdown`` (markdown-it, pygments) and
``rich.traceback`` (attrs) at module level, for Markdown help text and pretty tracebacks.
This app uses neither (rich markup mode, ``pretty_exceptions_enable=False``), yet they are
a third of ``featureline --help``'s start-up. While ``typer.rich_utils`` is first imported
they are placeholders that refuse to be used; afterwards the real modules import as usual
(``show`` renders Markdown with the real one).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any, NoReturn

_UNUSED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


def _placeholder(module: str, name: str) -> type:
    def refuse(*_: Any, **__: Any) -> NoReturn:
        raise RuntimeError(f"{module}.{name} was not loaded for typer's help formatter")

    return type(name, (), {"__init__": refuse, "from_exception": staticmethod(refuse)})


def load_rich_help() -> None:
    """Import ``typer.rich_utils`` (once) with the unused modules stubbed out."""
    if "typer.rich_utils" in sys.modules:
        return
    stubbed = [module for module in _UNUSED if module not in sys.modules]
    for module in stubbed:
        stub = types.ModuleType(module)
        setattr(stub, _UNUSED[module], _placeholder(module, _UNUSED[module]))
        sys.modules[module] = stub
    try:
        importlib.import_module("typer.rich_utils")
    finally:
        for module in stubbed:
            sys.modules.pop(module, None)


__all__ = ["load_rich_help"]
