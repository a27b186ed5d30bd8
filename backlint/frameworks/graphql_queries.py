"""Which calls in a resolver (or a DataLoader batch function) run a database query for one value.

A resolver's parent (``root`` / ``self`` / ariadne's ``obj``) or a batch function's loop variable
is the *subject*. A call queries for the subject when it is:

* a Django manager chain (``Post.objects.filter(author=root)``, ``...get(pk=self.post_id)``)
  whose arguments mention the subject;
* a related-manager call that always builds a new query (``root.comments.filter(...)``,
  ``self.tags.order_by(...)``; ``.all()``/``.count()`` are answered from a prefetch and are not
  counted);
* an SQLAlchemy session call (``session.scalars(select(C).where(C.post_id == self.id))``,
  ``session.get(M, root.id)``, ``session.query(M).filter(...)...``) whose statement mentions it;
* a call to a function of the same module that does one of the above with the parameter the
  subject is passed to (one level: the helper's own body is read).

Nothing here imports a framework.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

from .._lazy import cst
from ..semantics import call_chain, dotted_name
from . import orm
from ..walker import source_children

_DJANGO_QUERY = (orm.DJANGO_LAZY | orm.DJANGO_EXEC | orm.DJANGO_ROWS) - {"all", "none", "using", "iterator"}
_RELATED_QUERY = orm.RELATED_QUERY
_SQLA_CALLS = frozenset({"execute", "scalars", "scalar", "get", "get_one", "exec", "query"})


_chain = call_chain  # the shared helper (semantics.call_chain)


def mentions(node: cst.CSTNode, name: str) -> bool:
    """Whether the expression reads the local ``name`` (not inside a nested lambda)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if type(n) is cst.Name and n.value == name:
            return True
        if type(n) is cst.Attribute:
            stack.append(n.value)  # `x.name` reads x, not a local called name
            continue
        if type(n) is cst.Lambda:
            continue
        stack.extend(source_children(n))
    return False


def _args_mention(calls: Iterable[cst.Call], name: str) -> bool:
    return any(mentions(arg.value, name) for c in calls for arg in c.args)


def _method(call: cst.Call) -> str:
    return call.func.attr.value if type(call.func) is cst.Attribute else ""


def query_for(call: cst.Call, subject: str) -> Optional[str]:
    """``'django'`` / ``'related'`` / ``'sqlalchemy'`` when ``call`` (the outermost call of its
    chain) queries for ``subject``, else None."""
    calls, receiver = _chain(call)
    if not calls:
        return None
    first = calls[0]
    base = first.func.value if type(first.func) is cst.Attribute else None
    # Django: Model.objects.<query...>(...subject...)
    if type(base) is cst.Attribute and base.attr.value in orm.DJANGO_MANAGERS:
        if any(_method(c) in _DJANGO_QUERY for c in calls) and _args_mention(calls, subject):
            return "django"
        return None
    # related manager: subject.<relation>.<method that always queries>(...)
    if (type(base) is cst.Attribute and type(base.value) is cst.Name and base.value.value == subject
            and _method(first) in _RELATED_QUERY | {"all"}):
        if _method(first) == "get" and any(a.keyword is None for a in first.args):
            return None  # `root.parameters.get("key")`: a dict (JSON field), not a related manager
        if any(_method(c) in _RELATED_QUERY for c in calls):
            return "related"
        return None
    # SQLAlchemy session
    name = dotted_name(receiver) if type(receiver) in (cst.Name, cst.Attribute) else None
    if name and orm.is_session_name(name.rsplit(".", 1)[-1]) and _method(first) in _SQLA_CALLS:
        if _args_mention(calls, subject) or _statement_mentions(first, subject):
            return "sqlalchemy"
    return None


def _statement_mentions(call: cst.Call, subject: str) -> bool:
    return any(mentions(arg.value, subject) for arg in call.args)


def _outer_calls(body: cst.CSTNode) -> Iterable[cst.Call]:
    """Calls in ``body`` that are not the receiver of a further method call (chain ends),
    skipping nested function and class definitions."""
    stack: List[Tuple[cst.CSTNode, bool]] = [(body, False)]
    while stack:
        node, inner = stack.pop()
        if type(node) in (cst.FunctionDef, cst.ClassDef, cst.Lambda) and node is not body:
            continue
        if type(node) is cst.Call and not inner:
            yield node
        if type(node) is cst.Call and type(node.func) is cst.Attribute:
            stack.append((node.func.value, True))  # the receiver is part of this chain
            for arg in node.args:
                stack.append((arg, False))
            continue
        if type(node) is cst.Subscript and inner:
            stack.append((node.value, True))
            for s in node.slice:
                stack.append((s, False))
            continue
        for child in source_children(node):
            stack.append((child, False))


class Hit:
    __slots__ = ("node", "kind", "helper")

    def __init__(self, node: cst.Call, kind: str, helper: Optional[str] = None) -> None:
        self.node, self.kind, self.helper = node, kind, helper


def _params(func: cst.FunctionDef) -> List[str]:
    return [p.name.value for p in list(func.params.posonly_params) + list(func.params.params)]


def _aliases(body: cst.CSTNode, subject: str) -> List[str]:
    """Locals assigned from the subject (``pk = root.parameters.get("warehouse")``): a query
    with them is a query for the parent too. Related-manager calls stay on the subject itself."""
    names = [subject]
    stack: List[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if type(node) in (cst.FunctionDef, cst.ClassDef, cst.Lambda) and node is not body:
            continue
        if type(node) is cst.Assign and len(node.targets) == 1 and type(node.targets[0].target) is cst.Name:
            name = node.targets[0].target.value
            if name not in names and any(mentions(node.value, n) for n in names) and not _is_query_value(node.value):
                names.append(name)
        stack.extend(source_children(node))
    return names


def _is_query_value(value: cst.BaseExpression) -> bool:
    return type(value) is cst.Call and any(query_for(value, s) for s in _names_in(value))


def _names_in(node: cst.CSTNode) -> List[str]:
    out: List[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if type(n) is cst.Name:
            out.append(n.value)
        stack.extend(source_children(n))
    return out


def queries(body: cst.CSTNode, subject: str, helpers: Dict[str, cst.FunctionDef],
            depth: int = 0) -> List[Hit]:
    """The calls in ``body`` that query for ``subject`` (directly, through a local assigned
    from it, or through a helper of ``helpers`` that queries with the parameter the subject is
    passed to)."""
    hits: List[Hit] = []
    aliases = _aliases(body, subject)
    for call in _outer_calls(body):
        kind = query_for(call, subject)
        if kind is None:
            kind = next((k for k in (query_for(call, a) for a in aliases[1:]) if k in ("django", "sqlalchemy")), None)
        if kind is not None:
            hits.append(Hit(call, kind))
            continue
        if depth:
            continue
        helper = _helper_name(call, subject, helpers)
        if helper is None:
            continue
        func = helpers[helper]
        names = _params(func)
        if names and names[0] in ("self", "cls") and type(call.func) is cst.Attribute:
            names = names[1:]
        for index, arg in enumerate(call.args):
            if arg.star or not mentions(arg.value, subject):
                continue
            param = arg.keyword.value if arg.keyword is not None else (names[index] if index < len(names) else None)
            if param and queries(func.body, param, helpers, depth + 1):
                hits.append(Hit(call, "helper", helper))
                break
    return hits


def _helper_name(call: cst.Call, subject: str, helpers: Dict[str, cst.FunctionDef]) -> Optional[str]:
    func = call.func
    if type(func) is cst.Name and func.value in helpers:
        return func.value
    if (type(func) is cst.Attribute and type(func.value) is cst.Name
            and func.value.value in ("self", "cls") and func.attr.value in helpers):
        return func.attr.value
    return None


def per_key_queries(func: cst.FunctionDef) -> List[Tuple[Hit, str]]:
    """Queries inside a loop over a batch function's keys that use the loop variable."""
    params = [p for p in _params(func) if p not in ("self", "cls")]
    if not params:
        return []
    keys = params[0]
    out: List[Tuple[Hit, str]] = []
    stack: List[cst.CSTNode] = [func.body]
    while stack:
        node = stack.pop()
        target = iterable = None
        body: Optional[cst.CSTNode] = None
        if type(node) is cst.For:
            target, iterable, body = node.target, node.iter, node.body
        elif type(node) in (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp):
            target, iterable = node.for_in.target, node.for_in.iter
            body = node.elt if type(node) is not cst.DictComp else node.value
        if target is not None and type(target) is cst.Name and body is not None and mentions(iterable, keys):
            for hit in queries(body, target.value, {}):
                out.append((hit, target.value))
            continue
        stack.extend(source_children(node))
    return out


