"""What the callers in this file pass to a private helper's parameter.

A private function (``_drop(table)``, ``self._drop(table)``) is called from its own module. When
every call in the file passes a constant for a parameter (a literal or an ``UPPER_CASE`` name),
the value that parameter pastes into SQL is the code's own, not input. Calls are recorded by
name during the walk (a dict append); the check runs only for findings, after the walk.
"""
from __future__ import annotations

import re
from typing import Dict, List

from .._lazy import cst

from ..semantics import has_star_args, has_star_kwargs, keyword_arg, positional_args

_UNKNOWN = object()

_UPPER = re.compile(r"^_*[A-Z][A-Z0-9_]*$")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def record_private_call(node: cst.Call, calls: Dict[str, List[cst.Call]]) -> None:
    func = node.func
    if isinstance(func, cst.Name) and _private(func.value):
        calls.setdefault(func.value, []).append(node)
    elif (
        isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
        and func.value.value in ("self", "cls") and _private(func.attr.value)
    ):
        calls.setdefault("self." + func.attr.value, []).append(node)


def is_constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return is_constant(node.left) and is_constant(node.right)
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None") or bool(_UPPER.match(node.value))
    if isinstance(node, cst.Attribute):
        return bool(_UPPER.match(node.attr.value))
    return False


def _argument(call: cst.Call, name: str, index: int):
    """The argument node for the parameter, None when it is not passed, ``_UNKNOWN`` when
    ``*args``/``**kwargs`` hide it."""
    found = keyword_arg(call, name)
    if found is not None:
        return found.value
    if has_star_args(call):
        return _UNKNOWN
    positional = positional_args(call)
    if 0 <= index < len(positional):
        return positional[index].value
    return _UNKNOWN if has_star_kwargs(call) else None


def constant_from_every_caller(origin, calls: Dict[str, List[cst.Call]]) -> bool:
    """True when ``origin`` is a parameter of a private function that every call in this file
    gives a constant (and there is at least one call)."""
    if origin is None or origin.kind != "parameter" or not _private(origin.function):
        return False
    found = calls.get(origin.function, []) if not origin.method else []
    if origin.method:
        found = calls.get("self." + origin.function, [])
    if not found:
        return False
    index = origin.position - 1 if origin.method else origin.position
    for call in found:
        arg = _argument(call, origin.name, index)
        if arg is _UNKNOWN:
            return False
        if arg is None:
            # not passed: the default applies only if it was not passed at all
            if origin.node is None or origin.node.default is None or not is_constant(origin.node.default):
                return False
            continue
        if not is_constant(arg):
            return False
    return True
