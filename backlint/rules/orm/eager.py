"""Eager loading: relation paths an ``options()`` argument or ``select_related``/
``prefetch_related`` prepares, and what a default manager's ``get_queryset()`` prepares."""
from __future__ import annotations

from typing import Iterable, List, Optional

from ..._lazy import cst
from ...frameworks import orm
from ...semantics import dotted_name
from .syntax import _positional, _string
from .values import Unknown


def _paths(names: Iterable[str]) -> frozenset:
    out = set()
    for name in names:
        parts = name.split("__")
        for i in range(1, len(parts) + 1):
            out.add("__".join(parts[:i]))
    return frozenset(out)


def _loader_paths(node) -> Optional[set]:
    """Relation paths an ``options()`` argument loads eagerly; None when it cannot be read."""
    chain = []
    while type(node) is cst.Call and type(node.func) is cst.Attribute:
        chain.append(node)
        node = node.func.value
    if type(node) is cst.Call and type(node.func) is cst.Name:
        chain.append(node)
    elif type(node) is cst.Call and type(node.func) is cst.Attribute:
        chain.append(node)
    else:
        return None
    chain.reverse()
    paths = set()
    prefix: List[str] = []
    for call in chain:
        fn = (dotted_name(call.func) or "").rsplit(".", 1)[-1]
        if fn not in orm.SQLA_LOADERS and fn not in ("Load", "load_only", "defer", "undefer", "with_expression"):
            return None
        if fn in ("load_only", "defer", "undefer", "with_expression", "Load"):
            continue
        eager = orm.SQLA_LOADERS[fn] in orm.SQLA_EAGER_LAZY or orm.SQLA_LOADERS[fn] in ("noload", "raise")
        for arg in _positional(call):
            s = _string(arg)
            if s == "*":
                if eager:
                    paths.add("*")
                continue
            name = s.rsplit(".", 1)[-1] if s else (arg.attr.value if type(arg) is cst.Attribute else None)
            if name is None:
                return None
            prefix = prefix + [name]
            if eager:
                paths.add("__".join(prefix))
    return paths



class EagerManagers:
    """Mixed into ``Index``: the default managers' eager loading."""

    def manager_prep(self, model: str, seen=None) -> List[str]:
        """Relation paths the default manager (``objects``) of ``model`` eager-loads in its
        ``get_queryset()`` (own or inherited); ``["*"]`` when it loads what we cannot read."""
        fact = self.models.get(model)
        if fact is None:
            return []
        seen = seen if seen is not None else set()
        if model in seen:
            return []
        seen.add(model)
        ref = fact.get("om")
        if ref:
            return self._manager_paths(ref, set())
        for base in fact.get("bases", []):
            b = self.model(base) if not base.startswith("?") else None
            if b is not None:
                found = self.manager_prep(b, seen)
                if found:
                    return found
        return []

    def _manager_paths(self, ref: str, seen: set) -> List[str]:
        name = self._match(ref, self.managers)
        if name is None:
            if self.local and not ref.startswith(("django.", "rest_framework.")):
                raise Unknown()  # a manager of another module: the project pass decides
            return []
        if name in seen:
            return []
        seen.add(name)
        fact = self.managers[name]
        if fact.get("prep"):
            return list(fact["prep"])
        for base in fact.get("bases", []):
            found = self._manager_paths(base, seen)
            if found:
                return found
        return []
