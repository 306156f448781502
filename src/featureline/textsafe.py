"""Text from requests and models, made safe to print on a terminal (DESIGN rule 8).

Control characters (ESC and the rest of C0 except newline and tab, DEL, C1) and the
bidirectional overrides that can reorder what a reader sees are replaced by visible
escapes (``\\x1b``), so ``\\e[2J`` or ``\\e]0;title`` cannot clear a screen or retitle a
window. Markup is a separate matter: the CLI prints with Rich markup switched off
(``featureline.cli.safe``), so ``[error]`` and ``[/x]`` are printed as written.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every terminal control character shown as a visible escape."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
