"""Memoized lookups in a loop, for the N+1 rules: ``if key not in cache: cache[key] = <query>``,
``m = cache.get(k)`` then ``if m is None:``, and a value recomputed only when its key changes."""
from __future__ import annotations

from typing import Optional

from ..._lazy import cst
from ...semantics import dotted_name


def _memo_test(test, caches, gets) -> bool:
    """``k not in cache``, ``cache.get(k) is None``, ``not cache.get(k)``, and the same through a
    name bound to ``cache.get(k)`` (``m = cache.get(k)`` then ``if m is None:``)."""
    if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
        return _cache_get(test.expression, gets) in caches
    if type(test) is cst.Comparison and len(test.comparisons) == 1:
        op, right = test.comparisons[0].operator, test.comparisons[0].comparator
        if type(op) is cst.NotIn:
            return dotted_name(right) in caches
        if type(op) is cst.Is and type(right) is cst.Name and right.value == "None":
            return _cache_get(test.left, gets) in caches
    return False


def _cache_get(node, gets) -> Optional[str]:
    """The cache a ``cache.get(k)`` call (or a name bound to one) reads."""
    if type(node) is cst.Name:
        return gets.get(node.value)
    if type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value == "get":
        return dotted_name(node.func.value)
    return None


def _change_test(test, rebound) -> set:
    """The names of ``rebound`` that ``test`` compares with ``!=`` / ``is None`` (through ``or``)."""
    if not rebound:
        return set()
    if type(test) is cst.BooleanOperation and type(test.operator) is cst.Or:
        left, right = _change_test(test.left, rebound), _change_test(test.right, rebound)
        return left | right
    if type(test) is cst.Comparison and len(test.comparisons) == 1:
        op, right = test.comparisons[0].operator, test.comparisons[0].comparator
        if type(op) is cst.NotEqual:
            return {n.value for n in (test.left, right) if type(n) is cst.Name and n.value in rebound}
        if type(op) is cst.Is and type(right) is cst.Name and right.value == "None":
            return {test.left.value} if type(test.left) is cst.Name and test.left.value in rebound else set()
    return set()
