"""What every part of the migration analysis shares: rule codes, the hazard record, the
operation record and the small readers of call arguments and literals."""
from __future__ import annotations

import ast
import dataclasses
import re
from dataclasses import dataclass
from typing import Any, FrozenSet, Iterator, List, Optional, Sequence

from ..._lazy import cst
from ...walker import children

from ...findings import Severity
from ...frameworks import migrations as fw
from ...frameworks import sql_ddl
from ...semantics import dotted_name, keyword_arg, positional_args
from ._helper_args import _MISSING, bound_value

BL501, BL502, BL503, BL504, BL505, BL506, BL507, BL508 = (f"BL50{i}" for i in range(1, 9))
_BOILERPLATE_DOC = re.compile(r"(unapply|revert|downgrade|undo|rollback|roll back)\b", re.IGNORECASE)
_ROW_HAZARDS = (BL503, BL504, BL505)  # hazards that need rows in the table (none after DELETE without WHERE)
# a comment saying the column was removed from the models (ORM) earlier, or since a commit
_REMOVED_EARLIER = re.compile(
    r"(removed|dropped|deleted)\s+from\s+(the\s+)?(orm|sqlalchemy|models?)\b|no\s+longer\s+(used|mapped|in\s+the\s+models?)"
    r"|(removed|dropped)\s+(in|since)\s+(commit\s+)?[0-9a-f]{7,40}\b", re.IGNORECASE)


@dataclass
class Hazard:
    code: str
    node: cst.CSTNode
    message: str
    databases: FrozenSet[str]
    severity: Optional[Severity] = None


# -- small helpers -------------------------------------------------------------------------------


def arg(call: cst.Call, index: Optional[int], name: str) -> Optional[cst.BaseExpression]:
    found = keyword_arg(call, name)
    if found is not None:
        return found.value
    if index is None:
        return None
    positional = positional_args(call)
    return positional[index].value if len(positional) > index else None


def literal(node: Optional[cst.BaseExpression]) -> Any:
    """The Python value of a literal expression, else a :class:`fw.Expr`."""
    if node is None:
        return None
    if type(node) is cst.Name and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if type(node) is cst.Name:
        bound = bound_value(node.value)  # a parameter of the Alembic helper being walked
        if bound is not _MISSING:
            return bound
    if type(node) is cst.Integer:
        return node.evaluated_value
    if type(node) is cst.SimpleString:
        return node.evaluated_value
    try:
        code = cst.Module([]).code_for_node(node)
        return ast.literal_eval(code.strip())
    except Exception:
        callee = dotted_name(node.func) if type(node) is cst.Call else None
        return fw.Expr(cst.Module([]).code_for_node(node), callee)


def text_of(node: Optional[cst.BaseExpression]) -> Optional[str]:
    value = literal(node)
    return value if isinstance(value, str) else None


def lower(node: Optional[cst.BaseExpression]) -> Optional[str]:
    value = text_of(node)
    return value.lower().rsplit(".", 1)[-1] if value else None


def calls_in(node: cst.CSTNode) -> Iterator[cst.Call]:
    """Calls inside ``node`` in source order, not entering nested functions, lambdas or classes."""
    stack: List[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if type(current) in (cst.FunctionDef, cst.Lambda, cst.ClassDef) and current is not node:
            continue
        if type(current) is cst.Call:
            yield current
        stack.extend(reversed(children(current)))


def _shown(e: sql_ddl.SqlEvent) -> sql_ddl.SqlEvent:
    """The event with interpolated names written as `…` (for messages); the table key is kept."""
    return dataclasses.replace(e, column="…" if e.column == sql_ddl.EXPR else e.column)


def _join(parts: Sequence[Optional[str]]) -> Optional[str]:
    return "".join(p if p is not None else sql_ddl.EXPR for p in parts)


@dataclass
class _Op:
    """An operation as found in the file, with what rules need to judge it."""

    node: cst.CSTNode
    what: str  # how it reads in a message
    table: Optional[str] = None
    transactional: bool = True
    segment: int = 0
    deliberate: bool = False
