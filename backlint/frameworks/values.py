"""Where a value comes from, for rules that judge a keyword or a setting by its value.

The security rules of part 2 ask small questions: is this `verify=` argument `False`, is this
`algorithms=` list a literal, does this dict ever get an `"exp"` key? The answer is often one
name away (`verify=VERIFY`, `payload = {...}; jwt.encode(payload, ...)`). ``resolve`` follows a
name to the one expression assigned to it in the enclosing function, or else at module level;
a name assigned more than once, a parameter or anything it cannot see is left unresolved, so
rules treat it as unknown (precision over recall).

Everything here reads the already-parsed tree on demand, only for candidate nodes, so the cost
is paid by files that have a candidate call and nothing else.
"""
from __future__ import annotations

from typing import Iterator, List, Optional, Sequence

from .._lazy import cst

from ..semantics import string_value
from ..walker import children

_SCOPE_TYPES = ("FunctionDef", "ClassDef", "Lambda")


def iter_nodes(root: cst.CSTNode, into_scopes: bool = False) -> Iterator[cst.CSTNode]:
    """Every node below ``root`` (not ``root``), without entering nested functions or classes
    unless ``into_scopes``."""
    stack: List[cst.CSTNode] = list(reversed(children(root)))
    while stack:
        node = stack.pop()
        yield node
        if not into_scopes and type(node).__name__ in _SCOPE_TYPES:
            continue
        stack.extend(reversed(children(node)))


def _params(func: cst.FunctionDef) -> Sequence[str]:
    p = func.params
    names = [x.name.value for x in list(p.posonly_params) + list(p.params) + list(p.kwonly_params)]
    for star in (p.star_arg, p.star_kwarg):
        if type(star) is cst.Param:
            names.append(star.name.value)
    return names


def assigned_values(scope: cst.CSTNode, name: str) -> Optional[List[cst.BaseExpression]]:
    """The expressions assigned to ``name`` directly in ``scope`` (a function or module).

    None when the name is also bound in a way whose value is unknown (a loop target, tuple
    unpacking, `with ... as`, augmented assignment, an import, a `global` statement).
    """
    values: List[cst.BaseExpression] = []
    for node in iter_nodes(scope):
        t = type(node)
        if t is cst.Assign:
            for target in node.targets:
                tgt = target.target
                if type(tgt) is cst.Name and tgt.value == name:
                    values.append(node.value)
                elif type(tgt) in (cst.Tuple, cst.List) and any(
                    type(e.value) is cst.Name and e.value.value == name for e in tgt.elements
                ):
                    return None
        elif t is cst.AnnAssign:
            if type(node.target) is cst.Name and node.target.value == name and node.value is not None:
                values.append(node.value)
        elif t is cst.AugAssign:
            if type(node.target) is cst.Name and node.target.value == name:
                return None
        elif t in (cst.For, cst.CompFor):
            if any(type(n) is cst.Name and n.value == name for n in [node.target, *iter_nodes(node.target)]):
                return None
        elif t is cst.AsName:
            if type(node.name) is cst.Name and node.name.value == name:
                return None
        elif t is cst.NamedExpr:
            if type(node.target) is cst.Name and node.target.value == name:
                values.append(node.value)
        elif t is cst.Global or t is cst.Nonlocal:
            if any(n.name.value == name for n in node.names):
                return None
        elif t in (cst.FunctionDef, cst.ClassDef):
            if node.name.value == name:
                return None
    return values


def scope_of(ctx) -> cst.CSTNode:
    """The function being walked, or the module."""
    func = ctx.enclosing_function()
    return func if func is not None else ctx.module


def resolve(ctx, node: cst.BaseExpression, depth: int = 4) -> cst.BaseExpression:
    """``node`` with names followed to their single assignment (function first, then module).

    Returns ``node`` itself when it is not a name or cannot be followed.
    """
    current = node
    func = ctx.enclosing_function()
    for _ in range(depth):
        if type(current) is not cst.Name:
            return current
        name = current.value
        found: Optional[cst.BaseExpression] = None
        if func is not None:
            if name in _params(func):
                return current
            local = assigned_values(func, name)
            if local is None:
                return current
            if len(local) == 1:
                found = local[0]
            elif len(local) > 1:
                return current
        if found is None:
            module = ctx.shared("values.module_assignments", lambda: {})
            if name not in module:
                module[name] = assigned_values(ctx.module, name)
            values = module[name]
            if not values or len(values) != 1:
                return current
            found = values[0]
        if found is current:
            return current
        current = found
        func = None  # a module-level value resolves further at module level
    return current


def as_bool(node: cst.BaseExpression) -> Optional[bool]:
    if type(node) is cst.Name and node.value in ("True", "False"):
        return node.value == "True"
    if type(node) is cst.Integer:
        try:
            return int(node.value, 0) != 0
        except ValueError:
            return None
    return None


def as_str(node: cst.BaseExpression) -> Optional[str]:
    if type(node) in (cst.SimpleString, cst.ConcatenatedString):
        value = string_value(node)
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value
    return None


def as_int(node: cst.BaseExpression) -> Optional[int]:
    if type(node) is cst.Integer:
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            return None
    if type(node) is cst.BinaryOperation and type(node.operator) is cst.Multiply:
        left, right = as_int(node.left), as_int(node.right)
        if left is not None and right is not None:
            return left * right
    return None


def elements(node: cst.BaseExpression) -> Optional[List[cst.BaseExpression]]:
    """The elements of a list/tuple/set literal (None for anything else or a starred element)."""
    if type(node) in (cst.List, cst.Tuple, cst.Set):
        out = []
        for element in node.elements:
            if type(element) is cst.StarredElement:
                return None
            out.append(element.value)
        return out
    return None


def str_elements(ctx, node: cst.BaseExpression) -> Optional[List[str]]:
    """A literal list of strings (through names), else None. A bare string is a one-item list."""
    node = resolve(ctx, node)
    single = as_str(node)
    if single is not None:
        return [single]
    items = elements(node)
    if items is None:
        return None
    out = []
    for item in items:
        text = as_str(resolve(ctx, item))
        if text is None:
            return None
        out.append(text)
    return out


def dict_keys(node: cst.BaseExpression) -> Optional[List[str]]:
    """Literal keys of a dict display or `dict(k=...)` call; None if any key is not literal or
    the dict is extended with ``**other``."""
    if type(node) is cst.Dict:
        keys = []
        for element in node.elements:
            if type(element) is not cst.DictElement:
                return None
            key = as_str(element.key)
            if key is None:
                return None
            keys.append(key)
        return keys
    if type(node) is cst.Call and type(node.func) is cst.Name and node.func.value == "dict":
        keys = []
        for arg in node.args:
            if arg.star or arg.keyword is None:
                return None
            keys.append(arg.keyword.value)
        return keys
    return None


def dict_value(node: cst.BaseExpression, key: str) -> Optional[cst.BaseExpression]:
    """The value under the literal ``key`` of a dict display or `dict(...)` call."""
    if type(node) is cst.Dict:
        for element in node.elements:
            if type(element) is cst.DictElement and as_str(element.key) == key:
                return element.value
    elif type(node) is cst.Call and type(node.func) is cst.Name and node.func.value == "dict":
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == key:
                return arg.value
    return None


def keyword(call: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def argument(call: cst.Call, position: int, name: str) -> Optional[cst.BaseExpression]:
    """The argument passed as keyword ``name`` or at ``position`` (positionals only)."""
    value = keyword(call, name)
    if value is not None:
        return value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if len(positional) > position and not any(a.star == "*" for a in call.args[:position + 1]):
        return positional[position].value
    return None


def has_star_kwargs(call: cst.Call) -> bool:
    return any(a.star == "**" for a in call.args)


def last_name(node: cst.BaseExpression) -> Optional[str]:
    """``password`` for ``password``, ``self.password``, ``form["password"]``, ``data.get("password")``."""
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        return node.attr.value
    if type(node) is cst.Subscript and len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
        return as_str(node.slice[0].slice.value)
    if type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value in ("get", "pop"):
        args = [a for a in node.args if a.keyword is None]
        if args:
            return as_str(args[0].value)
    return None


def is_none(node: cst.BaseExpression) -> bool:
    return type(node) is cst.Name and node.value == "None"


def in_if_branch(ctx) -> bool:
    """The node being walked is inside an `if` (a setting chosen by a condition is a switch)."""
    return any(type(a) is cst.If or type(a) is cst.IfExp for a in ctx.ancestors)


def may_call(call: cst.Call, names) -> bool:
    """A cheap first filter before resolving the qualified name: the method called is one of
    ``names`` (`jwt.decode(...)`), or the callee is a bare name, which may be an import alias
    (`from jwt import decode as jwt_decode`) and is resolved by a dictionary lookup anyway."""
    func = call.func
    t = type(func)
    if t is cst.Attribute:
        return func.attr.value in names
    return t is cst.Name


def keyword_names(call: cst.Call):
    return [a.keyword.value for a in call.args if a.keyword is not None]
