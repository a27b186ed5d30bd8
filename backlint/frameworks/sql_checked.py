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
    if type(node) is cst.SimpleString:
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def subscript_key(node: cst.Subscript) -> Optional[Tuple[str, str]]:
    """``f["type"]`` -> ("f", "type")."""
    if type(node.value) is not cst.Name or len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    if type(index) is not cst.Index:
        return None
    key = _string(index.value)
    return (node.value.value, key) if key is not None else None


# -- validators ------------------------------------------------------------------------------------
def _raises(suite: cst.BaseSuite) -> bool:
    body = suite.body if type(suite) is cst.IndentedBlock else []
    last = body[-1] if body else None
    return type(last) is cst.SimpleStatementLine and any(type(s) is cst.Raise for s in last.body)


def _checked_keys(test: cst.BaseExpression, var: str) -> List[str]:
    """Keys ``var[k]`` passed to a ``*valid*`` predicate under ``not`` in ``test``."""
    found: List[str] = []
    stack: List[cst.CSTNode] = [test]
    while stack:
        node = stack.pop()
        if type(node) is cst.UnaryOperation and type(node.operator) is cst.Not \
                and type(node.expression) is cst.Call:
            call = node.expression
            fname = call.func.attr.value if type(call.func) is cst.Attribute else (
                call.func.value if type(call.func) is cst.Name else "")
            if "valid" in fname.lower():
                for arg in call.args:
                    if type(arg.value) is cst.Subscript:
                        pair = subscript_key(arg.value)
                        if pair is not None and pair[0] == var:
                            found.append(pair[1])
            continue
        if type(node) is cst.BooleanOperation:
            stack.extend((node.left, node.right))
    return found


def _validator(function: cst.FunctionDef) -> Optional[Tuple[int, FrozenSet[str]]]:
    """(parameter index, checked keys) for ``def check(ctx, fields): for f in fields: if not
    is_valid(f["type"]): raise ...``: every entry that gets past it has those keys checked."""
    body = function.body
    if type(body) is not cst.IndentedBlock:
        return None
    stmts = [s for s in body.body if not (
        type(s) is cst.SimpleStatementLine and len(s.body) == 1 and type(s.body[0]) is cst.Expr
        and type(s.body[0].value) in (cst.SimpleString, cst.ConcatenatedString))]
    if len(stmts) != 1 or type(stmts[0]) is not cst.For or type(stmts[0].target) is not cst.Name:
        return None
    loop = stmts[0]
    params = [p.name.value for p in function.params.params]
    if type(loop.iter) is not cst.Name or loop.iter.value not in params:
        return None
    var = loop.target.value
    keys: List[str] = []
    inner = loop.body.body if type(loop.body) is cst.IndentedBlock else []
    for stmt in inner:
        branch = stmt
        if type(branch) is not cst.If:
            return None
        while type(branch) is cst.If:
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
        if type(stmt) is cst.FunctionDef:
            checked = _validator(stmt)
            if checked is not None:
                found[stmt.name.value] = checked
    return found


# -- what a list expression has safe ---------------------------------------------------------------
def entry_keys(node: cst.BaseExpression, known: Dict[str, FrozenSet[str]],
               safe: Callable[[cst.BaseExpression], bool]) -> Optional[FrozenSet[str]]:
    """Keys safe in every entry of the list ``node`` (None: unknown)."""
    if type(node) is cst.Dict:
        keys = set()
        for item in node.elements:
            if type(item) is not cst.DictElement:
                return None
            key = _string(item.key)
            if key is not None and safe(item.value):
                keys.add(key)
        return frozenset(keys)
    if type(node) in (cst.List, cst.Tuple):
        result: Optional[FrozenSet[str]] = ALL
        for element in node.elements:
            if type(element.value) is not cst.Dict:
                return None
            result = meet(result, entry_keys(element.value, known, safe))
        return result
    if type(node) is cst.BinaryOperation and type(node.operator) is cst.Add:
        return meet(entry_keys(node.left, known, safe), entry_keys(node.right, known, safe))
    if type(node) is cst.Name:
        return known.get(node.value)
    return None
