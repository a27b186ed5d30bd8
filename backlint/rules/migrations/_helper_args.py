"""The arguments an Alembic revision passes to its own helper functions.

``def add_idx(table): op.create_index("ix", table, ["a"])`` then ``add_idx("users")``: while the
helper's body is walked for that call, ``table`` reads as ``"users"``, so the operation is judged
with the table it really touches. Only literal arguments are bound, and only parameters the helper
never rebinds (``table = table.lower()`` would make the caller's value the wrong one).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Dict, Iterator, List

from ..._lazy import cst
from ...frameworks import migrations as fw
from ...semantics import assigned_names

# the parameter values of the helper call being walked, innermost last: a helper sees only its
# own parameters (a module-level helper called from a nested one does not see the caller's)
_BOUND: List[Dict[str, Any]] = []


def bound_value(name: str) -> Any:
    """The literal a parameter of the helper being walked was called with, else ``fw.Expr``."""
    if _BOUND and name in _BOUND[-1]:
        return _BOUND[-1][name]
    return _MISSING


_MISSING = object()


@contextmanager
def binding(values: Dict[str, Any]) -> Iterator[None]:
    _BOUND.append(values)
    try:
        yield
    finally:
        _BOUND.pop()


def call_bindings(call: cst.Call, helper: cst.FunctionDef, literal) -> Dict[str, Any]:
    """``{parameter: value}`` for the literal arguments (and literal defaults) of ``call``."""
    params = helper.params
    if any(a.star for a in call.args):
        return {}  # `helper(*names)`: positions unknown
    positional = list(params.posonly_params) + list(params.params)
    by_name = {p.name.value: p for p in positional + list(params.kwonly_params)}
    values: Dict[str, Any] = {}
    for p in by_name.values():
        if p.default is not None:
            values[p.name.value] = literal(p.default)
    index = 0
    for a in call.args:
        if a.keyword is None:
            if index >= len(positional):
                return {}  # more arguments than parameters (`*args`): do not guess
            values[positional[index].name.value] = literal(a.value)
            index += 1
        elif a.keyword.value in by_name:
            values[a.keyword.value] = literal(a.value)
    rebound = assigned_names(helper.body)
    return {k: v for k, v in values.items() if k not in rebound and not isinstance(v, fw.Expr)}
