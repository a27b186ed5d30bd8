"""Checks in code that prove a value safe: allow-list membership, validators, type tests.

Used by ``value_origin.ValueTracker``: ``if col not in ALLOWED: raise``, ``assert x in ALLOWED``,
``if name.isidentifier():``, ``isinstance(x, int)``, ``re.fullmatch(PATTERN, x)``. Also the small
structural questions the tracker asks (does this branch end the function? is this class an enum?
does this function look like a request handler?).
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from .._lazy import cst

from ..semantics import dotted_name

VALIDATING_METHODS = frozenset({"isidentifier", "isdigit", "isalnum", "isdecimal", "isnumeric", "isalpha"})
STRING_METHODS = frozenset({
    "upper", "lower", "strip", "lstrip", "rstrip", "title", "capitalize", "casefold", "swapcase",
})
ENUM_BASES = frozenset({
    "Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "TextChoices", "IntegerChoices", "Choices",
})
# Decorator names (last part) that make a function a request handler.
_ROUTE_DECORATORS = frozenset({
    "route", "get", "post", "put", "patch", "delete", "api_view", "action", "websocket",
    "require_http_methods", "require_GET", "require_POST", "login_required", "expose",
})
_REQUEST_PARAMS = frozenset({"request", "req"})


def constant_collection(tracker, node: cst.BaseExpression) -> bool:
    value = tracker.ev(node)
    return value.allow or (value.safe and type(node) in (cst.SimpleString, cst.Name, cst.Attribute))


def guard(tracker, test: cst.BaseExpression) -> Optional[Tuple[str, bool]]:
    """(name, True) if ``test`` being true proves ``name`` safe; (name, False) if false does."""
    if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
        inner = guard(tracker, test.expression)
        return (inner[0], not inner[1]) if inner else None
    if type(test) is cst.Comparison and len(test.comparisons) == 1:
        left = test.left
        # `x.lower() in ALLOWED` validates `x` too: it differs from an allowed value in case only
        if (
            type(left) is cst.Call and not left.args and type(left.func) is cst.Attribute
            and left.func.attr.value in STRING_METHODS and type(left.func.value) is cst.Name
        ):
            left = left.func.value
        name = _guarded_name(left)
        if name is None:
            return None
        target = test.comparisons[0]
        if type(target.operator) in (cst.In, cst.NotIn) and constant_collection(tracker, target.comparator):
            return name, type(target.operator) is cst.In
        if type(target.operator) in (cst.Equal, cst.NotEqual) and name == getattr(left, "value", None) \
                and type(target.comparator) in (cst.SimpleString, cst.Integer):
            return name, type(target.operator) is cst.Equal  # `if sort == "state":` it is that word
        return None
    if type(test) is cst.Call:
        func = test.func
        args = [a.value for a in test.args]
        if type(func) is cst.Attribute and func.attr.value in VALIDATING_METHODS:
            if type(func.value) is cst.Name and not args:
                return func.value.value, True
        qual = tracker.ctx.qualified_name(func) or ""
        if qual in ("re.match", "re.fullmatch") and len(args) >= 2 and _matched_name(args[1]):
            return _matched_name(args[1]), True
        if (
            type(func) is cst.Attribute and func.attr.value in ("match", "fullmatch")
            and len(args) == 1 and _matched_name(args[0])
        ):
            return _matched_name(args[0]), True
        if type(func) is cst.Name and func.value == "isinstance" and len(args) == 2 and type(args[0]) is cst.Name:
            kinds = args[1]
            names = [dotted_name(e.value) for e in kinds.elements] if type(kinds) is cst.Tuple else [dotted_name(kinds)]
            if names and all(n in ("int", "float", "bool", "Decimal", "UUID") for n in names):
                return args[0].value, True
    if type(test) is cst.BooleanOperation and type(test.operator) is cst.And:
        return guard(tracker, test.left) or guard(tracker, test.right)
    return None


def _matched_name(node: cst.BaseExpression) -> Optional[str]:
    """The name a pattern is matched against: ``x``, or ``str(x)``."""
    if type(node) is cst.Call and type(node.func) is cst.Name and node.func.value == "str" \
            and len(node.args) == 1 and not node.args[0].keyword:
        node = node.args[0].value
    return node.value if type(node) is cst.Name else None


def _guarded_name(node: cst.BaseExpression) -> Optional[str]:
    """``x``, or ``self.x`` (an attribute the class checks once, e.g. in ``__init__``)."""
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute and type(node.value) is cst.Name and node.value.value == "self":
        return "self." + node.attr.value
    return None


def with_guard(tracker, found, when: bool, compute):
    """``compute()`` with the guarded name safe, if ``found`` proves it safe when the test is ``when``."""
    from .value_kinds import SAFE

    if found is None or found[1] != when:
        return compute()
    saved = dict(tracker.overrides)
    tracker.overrides[found[0]] = SAFE
    try:
        return compute()
    finally:
        tracker.overrides = saved


def statements(suite: cst.BaseSuite) -> List[cst.CSTNode]:
    out: List[cst.CSTNode] = []
    if type(suite) is cst.SimpleStatementSuite:
        return list(suite.body)
    for stmt in suite.body:
        if type(stmt) is cst.SimpleStatementLine:
            out.extend(stmt.body)
        else:
            out.append(stmt)
    return out


def terminates(suite: cst.BaseSuite) -> bool:
    found = statements(suite)
    if not found:
        return False
    last = found[-1]
    if type(last) in (cst.Raise, cst.Return, cst.Continue, cst.Break):
        return True
    if type(last) is cst.Expr and type(last.value) is cst.Call:
        name = dotted_name(last.value.func) or ""
        return name.split(".")[-1] in ("abort", "exit", "_exit", "fail")
    return False


def assigns_safe(tracker, suite: cst.BaseSuite, name: str) -> bool:
    for stmt in statements(suite):
        if type(stmt) is cst.Assign and any(
            type(t.target) is cst.Name and t.target.value == name for t in stmt.targets
        ):
            return tracker.ev(stmt.value).safe
    return False


def is_enum(node: cst.ClassDef) -> bool:
    for base in node.bases:
        name = dotted_name(base.value) or ""
        if name.split(".")[-1] in ENUM_BASES:
            return True
    return False


def looks_like_handler(function: cst.FunctionDef) -> bool:
    """A function in a handler module that takes the request or carries a route decorator."""
    params = function.params
    names = [p.name.value for p in list(params.posonly_params) + list(params.params)]
    if any(n in _REQUEST_PARAMS for n in names):
        return True
    for deco in function.decorators:
        target = deco.decorator.func if type(deco.decorator) is cst.Call else deco.decorator
        name = dotted_name(target) or ""
        if name.split(".")[-1] in _ROUTE_DECORATORS:
            return True
    return False
