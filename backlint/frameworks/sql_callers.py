"""What the callers in this file pass to a function's parameter.

When a function of this module (``_drop(table)``, ``self._drop(table)``, or a public one) is
called in the file, and every such call passes a value the tracker shows safe for a parameter
(a literal, a constant, a catalogue or ORM name, a number...), the value that parameter pastes
into SQL is the code's own. Calls are recorded during the walk only for names defined in this
module (found by a scan of the module's and its classes' top-level statements); the check runs
only for findings, after the walk.

A public function may also be called from other modules with other values; that is the price of
this rule, stated in the rule's docs.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

from .._lazy import cst

from ..semantics import has_star_args, has_star_kwargs

# (safety of each positional argument, of each keyword argument, *args?, **kwargs?); a safety is
# True, False, or the deferred origin of a later method's tuple part (`sql_flow.resolve_deferred`)
CallSite = Tuple[List[Any], Dict[str, Any], bool, bool]


def defined_functions(module: cst.Module) -> Set[str]:
    """Names of the functions and methods defined at the top of the module and its classes
    (methods as ``self.<name>``)."""
    names: Set[str] = set()
    for stmt in module.body:
        if type(stmt) is cst.FunctionDef:
            names.add(stmt.name.value)
        elif type(stmt) is cst.ClassDef and type(stmt.body) is cst.IndentedBlock:
            for inner in stmt.body.body:
                if type(inner) is cst.FunctionDef:
                    names.add("self." + inner.name.value)
    return names


def call_key(node: cst.Call, defined: Set[str]) -> Optional[str]:
    func = node.func
    if type(func) is cst.Name and func.value in defined:
        return func.value
    if (
        type(func) is cst.Attribute and type(func.value) is cst.Name
        and func.value.value in ("self", "cls") and "self." + func.attr.value in defined
    ):
        return "self." + func.attr.value
    return None


def record_call(node: cst.Call, key: str, values, calls: Dict[str, List[CallSite]]) -> None:
    """Record which arguments of this call ``values`` (a ValueTracker) shows safe."""
    positional: List[Any] = []
    keywords: Dict[str, Any] = {}
    for arg in node.args:
        if arg.star:
            continue
        value = values.ev(arg.value)
        safe = value.safe
        if not safe and value.origin is not None and value.origin.kind == "deferred" and value.taint is None:
            safe = value.origin  # decided once the method it comes from has been read
        if arg.keyword is not None:
            keywords[arg.keyword.value] = safe
        else:
            positional.append(safe)
    calls.setdefault(key, []).append((positional, keywords, has_star_args(node), has_star_kwargs(node)))


def record_partial(node: cst.Call, defined: Set[str], values, calls: Dict[str, List[CallSite]], ctx) -> None:
    """``functools.partial(_load, payload)``: a call of ``_load`` with the bound arguments (the
    rest come later, unseen: they count as unknown)."""
    if not node.args or (ctx.qualified_name(node.func) or "") != "functools.partial":
        return
    first = node.args[0]
    if first.keyword is not None or first.star:
        return
    key = call_key(cst.Call(func=first.value), defined)
    if key is not None:
        record_call(node.with_changes(args=node.args[1:]), key, values, calls)


def _default_is_constant(param) -> bool:
    default = getattr(param, "default", None)
    return type(default) in (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)


def safe_from_every_caller(origin, calls: Dict[str, List[CallSite]], resolve=None) -> bool:
    """True when ``origin`` is a parameter of a function of this file that is called here at
    least once, and every call passes a value shown safe (or leaves a constant default)."""
    if origin is None or origin.kind != "parameter" or origin.handler:
        return False
    found = calls.get(("self." if origin.method else "") + origin.function, [])
    if not origin.method:
        # a staticmethod called as `self.f(...)`: its positions need no shift for `self`
        found = found + calls.get("self." + origin.function, [])
    if not found:
        return False
    index = origin.position - 1 if origin.method else origin.position

    def ok(safe) -> bool:
        return safe is True or (safe is not False and resolve is not None and resolve(safe))

    for positional, keywords, star, star_kwargs in found:
        if origin.name in keywords:
            if not ok(keywords[origin.name]):
                return False
            continue
        if 0 <= index < len(positional):
            if not ok(positional[index]):
                return False
            continue
        if star or star_kwargs or not _default_is_constant(origin.node):
            return False
    return True
