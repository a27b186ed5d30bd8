"""Timeouts set once instead of on every call, as far as one module shows them.

- a patched ``requests.Session.request`` / ``HTTPAdapter.send`` (``HTTPAdapter.send = send_with_timeout``),
  which gives every ``requests`` call of the process a default;
- a ``requests.Session`` that mounts an adapter of the project's own (an ``HTTPAdapter``
  subclass, typically one that fills in ``timeout``), or whose ``request``/``send`` is replaced
  on the instance (``session.request = partial(session.request, timeout=5)``);
- an ``aiohttp.ClientSession()`` whose every request, in the block or function that owns it,
  passes ``timeout=``.

No rule here: small functions the missing-timeout rule calls.
"""
from __future__ import annotations

from typing import Callable, Iterator, List, Optional, Sequence

from ..._lazy import cst

from ...frameworks import http_clients
from ...semantics import dotted_name, has_star_kwargs, is_none, keyword_arg
from ...walker import source_children

# Class attributes whose replacement installs a default for every requests call.
PATCH_TARGETS = frozenset({
    "requests.Session.request", "requests.sessions.Session.request",
    "requests.adapters.HTTPAdapter.send", "requests.HTTPAdapter.send",
    "requests.Session.send", "requests.sessions.Session.send",
})
STOCK_ADAPTERS = frozenset({"requests.adapters.HTTPAdapter", "requests.HTTPAdapter"})
_AIOHTTP_REQUESTS = frozenset(http_clients.HTTP_METHODS + ("ws_connect",))


def patches_requests_default(module: cst.Module, qualify: Callable[[cst.BaseExpression], Optional[str]]) -> bool:
    """The module replaces ``Session.request`` or ``HTTPAdapter.send`` at class level."""
    for node in _walk(module):
        if type(node) is cst.Assign:
            for target in node.targets:
                if type(target.target) is cst.Attribute and qualify(target.target) in PATCH_TARGETS:
                    return True
    return False


def installs_session_default(call: cst.Call, qualify: Callable[[cst.BaseExpression], Optional[str]]) -> bool:
    """``session.mount(prefix, OwnAdapter(...))``: the project's adapter decides the timeout."""
    if len(call.args) < 2:
        return False
    adapter = call.args[1].value
    if type(adapter) is not cst.Call:
        return False
    name = qualify(adapter.func) or dotted_name(adapter.func)  # a class of this module
    return name is not None and name not in STOCK_ADAPTERS


def replaces_request_method(target: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """For ``<session>.request = ...`` / ``<session>.send = ...``: the session expression."""
    if type(target) is cst.Attribute and target.attr.value in ("request", "send"):
        return target.value
    return None


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack: List[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(source_children(current)))


def _owner(ctor: cst.Call, ancestors: Sequence[cst.CSTNode]) -> Optional[tuple]:
    """(the name or attribute the session is bound to, the code that owns it)."""
    if not ancestors:
        return None
    parent = ancestors[-1]
    if type(parent) is cst.WithItem and parent.asname is not None and len(ancestors) >= 2:
        name = dotted_name(parent.asname.name)
        with_node = ancestors[-2]
        return (name, with_node.body) if name and type(with_node) is cst.With else None
    if type(parent) is cst.Assign and len(parent.targets) == 1:
        name = dotted_name(parent.targets[0].target)
        if not name:
            return None
        kind = cst.ClassDef if name.startswith("self.") else cst.FunctionDef
        for node in reversed(ancestors):
            if isinstance(node, kind):
                return name, node.body
        return None
    return None


def aiohttp_requests_all_timed(ctor: cst.Call, ancestors: Sequence[cst.CSTNode]) -> bool:
    """Every request through this session, in the code that owns it, passes a timeout; the
    session is not handed elsewhere, and at least one request is seen."""
    owner = _owner(ctor, ancestors)
    if owner is None:
        return False
    name, body = owner
    seen = 0
    for node in _walk(body):
        if type(node) is cst.Call:
            func = node.func
            if (type(func) is cst.Attribute and dotted_name(func.value) == name
                    and func.attr.value in _AIOHTTP_REQUESTS):
                arg = keyword_arg(node, "timeout")
                if arg is None and not has_star_kwargs(node):
                    return False
                if arg is not None and is_none(arg.value):
                    return False
                seen += 1
            for arg in node.args:  # handed to another function: its requests are not seen
                if dotted_name(arg.value) == name:
                    return False
        elif type(node) is cst.Return and node.value is not None and dotted_name(node.value) == name:
            return False
    return seen > 0
