"""Which keys of a list of dicts the file has shown safe: literal entries, and entries a
validator of this file checked.

CKAN-style code keeps column definitions as a list of dicts and pastes ``f["type"]`` into DDL
after ``check_fields(context, fields)``, a function of the same module that raises unless every
entry's ``type`` passes a validating predicate (``_is_valid_pg_type``). What is known is *per
key*: ``fields = BUILT_IN + supplied + extra`` keeps the keys that every part has safe.

``KeyFacts`` is a flat map (per function) from a variable to the keys whose values are safe in
every entry; ``ALL`` stands for an empty list (no entry, so every key). Only straight-line facts
count: a validator called inside a branch or loop marks nothing.
"""
from __future__ import annotations

from typing import Callable, Dict, FrozenSet, List, Optional, Tuple

from .._lazy import cst

ALL: FrozenSet[str] = frozenset({"\x00all"})  # the keys of an empty list: any key


def meet(a: Optional[FrozenSet[str]], b: Optional[FrozenSet[str]]) -> Optional[FrozenSet[str]]:
    if a is None or b is None:
        return None
    if a is ALL:
        return b
    if b is ALL:
        return a
    return a & b


def _string(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def subscript_key(node: cst.Subscript) -> Optional[Tuple[str, str]]:
    """``f["type"]`` -> ("f", "type")."""
    if not isinstance(node.value, cst.Name) or len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    if not isinstance(index, cst.Index):
        return None
    key = _string(index.value)
    return (node.value.value, key) if key is not None else None


# -- validators ------------------------------------------------------------------------------------
def _raises(suite: cst.BaseSuite) -> bool:
    body = suite.body if isinstance(suite, cst.IndentedBlock) else []
    last = body[-1] if body else None
    return isinstance(last, cst.SimpleStatementLine) and any(isinstance(s, cst.Raise) for s in last.body)


def _checked_keys(test: cst.BaseExpression, var: str) -> List[str]:
    """Keys ``var[k]`` passed to a ``*valid*`` predicate under ``not`` in ``test``."""
    found: List[str] = []
    stack: List[cst.CSTNode] = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not) \
                and isinstance(node.expression, cst.Call):
            call = node.expression
            fname = call.func.attr.value if isinstance(call.func, cst.Attribute) else (
                call.func.value if isinstance(call.func, cst.Name) else "")
            if "valid" in fname.lower():
                for arg in call.args:
                    if isinstance(arg.value, cst.Subscript):
                        pair = subscript_key(arg.value)
                        if pair is not None and pair[0] == var:
                            found.append(pair[1])
            continue
        if isinstance(node, cst.BooleanOperation):
            stack.extend((node.left, node.right))
    return found


def _validator(function: cst.FunctionDef) -> Optional[Tuple[int, FrozenSet[str]]]:
    """(parameter index, checked keys) for ``def check(ctx, fields): for f in fields: if not
    is_valid(f["type"]): raise ...``: every entry that gets past it has those keys checked."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock):
        return None
    stmts = [s for s in body.body if not (
        isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1 and isinstance(s.body[0], cst.Expr)
        and isinstance(s.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))]
    if len(stmts) != 1 or not isinstance(stmts[0], cst.For) or not isinstance(stmts[0].target, cst.Name):
        return None
    loop = stmts[0]
    params = [p.name.value for p in function.params.params]
    if not isinstance(loop.iter, cst.Name) or loop.iter.value not in params:
        return None
    var = loop.target.value
    keys: List[str] = []
    inner = loop.body.body if isinstance(loop.body, cst.IndentedBlock) else []
    for stmt in inner:
        branch = stmt
        if not isinstance(branch, cst.If):
            return None
        while isinstance(branch, cst.If):
            if not _raises(branch.body):
                return None
            keys.extend(_checked_keys(branch.test, var))
            branch = branch.orelse
        if branch is not None:
            return None  # an `else:` that does something else
    if not keys:
        return None
    return params.index(loop.iter.value), frozenset(keys)


def validators(module: cst.Module) -> Dict[str, Tuple[int, FrozenSet[str]]]:
    found: Dict[str, Tuple[int, FrozenSet[str]]] = {}
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef):
            checked = _validator(stmt)
            if checked is not None:
                found[stmt.name.value] = checked
    return found


# -- what a list expression has safe ---------------------------------------------------------------
def entry_keys(node: cst.BaseExpression, known: Dict[str, FrozenSet[str]],
               safe: Callable[[cst.BaseExpression], bool]) -> Optional[FrozenSet[str]]:
    """Keys safe in every entry of the list ``node`` (None: unknown)."""
    if isinstance(node, cst.Dict):
        keys = set()
        for item in node.elements:
            if not isinstance(item, cst.DictElement):
                return None
            key = _string(item.key)
            if key is not None and safe(item.value):
                keys.add(key)
        return frozenset(keys)
    if isinstance(node, (cst.List, cst.Tuple)):
        result: Optional[FrozenSet[str]] = ALL
        for element in node.elements:
            if not isinstance(element.value, cst.Dict):
                return None
            result = meet(result, entry_keys(element.value, known, safe))
        return result
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return meet(entry_keys(node.left, known, safe), entry_keys(node.right, known, safe))
    if isinstance(node, cst.Name):
        return known.get(node.value)
    return None
