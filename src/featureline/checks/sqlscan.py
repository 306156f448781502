"""Find SQL built by string formatting in Python source (the classic injection shapes):
f-strings, ``str.format`` and ``%`` applied to SQL text. Concatenating constant fragments
chosen from a whitelist is not flagged; values must still travel as parameters."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_SQL = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|DROP|ALTER|REPLACE)\b|\b(FROM|WHERE|VALUES|SET)\b",
    re.I,
)


@dataclass(frozen=True)
class FormattedSql:
    line: int
    how: str


def _is_sql(text: str) -> bool:
    return bool(_SQL.search(text))


def _literal_text(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return ""


def formatted_sql(source: str) -> list[FormattedSql]:
    """Every place SQL text is formatted with values. Raises SyntaxError on bad source."""
    tree = ast.parse(source)
    hits: list[FormattedSql] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and any(
            isinstance(v, ast.FormattedValue) for v in node.values
        ):
            if _is_sql(_literal_text(node)):
                hits.append(FormattedSql(node.lineno, "f-string"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and _is_sql(_literal_text(node.func.value))
        ):
            hits.append(FormattedSql(node.lineno, "str.format()"))
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and _is_sql(_literal_text(node.left))
        ):
            hits.append(FormattedSql(node.lineno, "%-formatting"))
    return sorted(hits, key=lambda h: h.line)
