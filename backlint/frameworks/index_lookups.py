"""The columns a query chain filters and orders by, read from one Django or SQLAlchemy chain.

A chain is read whole: ``Order.objects.filter(status=s).order_by("-created")[:10]`` gives the
terms ``("f", Order, "status")`` and ``("o", Order, "created")``. A chain we cannot read
completely (``**kwargs``, ``Q`` objects, ``or_``, a custom manager or queryset method, a
lookup through an expression) yields None: BL204 only speaks about chains whose every term it
knows, since one indexed term is enough for the database to avoid the scan.

Term kinds: ``f`` a filter/where term that an ordinary b-tree index serves (exact, ``in``,
ranges, ``startswith``), ``x`` a filter term no plain index serves (``icontains``, ``__year``,
``ilike``...), ``o`` an ordering term.
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Tuple

from .._lazy import cst
from ..semantics import call_chain, dotted_name, string_value
from . import orm

Term = Tuple[str, Optional[str], str]  # (kind, model ref or None for the chain's model, field path)
Resolve = Callable[[Any], Optional[str]]  # no libcst at import: cached runs never load it

INDEXABLE_LOOKUPS = frozenset({"exact", "in", "gt", "gte", "lt", "lte", "range", "startswith"})
UNINDEXABLE_LOOKUPS = frozenset({
    "iexact", "contains", "icontains", "regex", "iregex", "endswith", "iendswith", "istartswith",
    "isnull", "search", "date", "year", "month", "day", "week_day", "iso_week_day", "hour",
    "minute", "second", "time", "quarter", "week", "iso_year", "trigram_similar", "unaccent",
    "has_key", "has_keys", "has_any_keys", "contained_by", "overlap", "len", "lower", "upper",
    "ne", "not",
})
_FILTERS = frozenset({"filter", "exclude", "get", "aget"})
_ORDER = frozenset({"order_by"})
_DJANGO_OK = (orm.DJANGO_LAZY | orm.DJANGO_EXEC | orm.DJANGO_ROWS | {
    "update", "delete", "aupdate", "adelete", "values", "values_list", "count", "acount", "exists",
    "aexists", "first", "last", "afirst", "alast", "all",
}) - {"get_or_create", "update_or_create", "aget_or_create", "aupdate_or_create", "extra",
      "complex_filter", "union", "intersection", "difference", "in_bulk", "ain_bulk"}
_SQLA_FILTERS = frozenset({"where", "filter"})
_SQLA_OK = orm.SQLA_LAZY | orm.SQLA_QUERY_EXEC | orm.SQLA_RESULT | orm.SQLA_RESULT_SINGLE | {"filter_by"}
_SQLA_UNINDEXABLE = frozenset({"like", "ilike", "contains", "icontains", "startswith", "istartswith",
                               "endswith", "iendswith", "match", "regexp_match", "is_", "isnot",
                               "is_not", "notlike", "not_like", "notilike", "not_ilike", "any", "has"})
_SQLA_INDEXABLE = frozenset({"in_", "between"})


chain = call_chain  # the shared helper (semantics.call_chain)


def _method(call: cst.Call) -> str:
    return call.func.attr.value if type(call.func) is cst.Attribute else ""


def _django_path(key: str) -> Optional[Tuple[str, str]]:
    parts = key.split("__")
    kind = "f"
    if parts[-1] in INDEXABLE_LOOKUPS and len(parts) > 1:
        parts = parts[:-1]
    elif parts[-1] in UNINDEXABLE_LOOKUPS and len(parts) > 1:
        parts, kind = parts[:-1], "x"
    if not all(p.isidentifier() for p in parts):
        return None
    return kind, "__".join(parts)


def django_terms(calls: List[cst.Call]) -> Optional[List[Term]]:
    terms: List[Term] = []
    for call in calls:
        method = _method(call)
        if method not in _DJANGO_OK:
            return None
        if method in _FILTERS:
            for arg in call.args:
                if arg.star or arg.keyword is None:
                    return None  # Q objects, **filters: not every term is known
                parsed = _django_path(arg.keyword.value)
                if parsed is None:
                    return None
                terms.append((parsed[0], None, parsed[1]))
        elif method in _ORDER or method in ("latest", "earliest", "alatest", "aearliest"):
            for arg in call.args:
                if arg.star:
                    return None
                text = string_value(arg.value) if type(arg.value) is cst.SimpleString else None
                if not isinstance(text, str):
                    continue  # F("x").desc(), Lower("name"): not a plain column order
                name = text.lstrip("-")
                if name == "?" or "__" in name or not name.isidentifier():
                    continue
                terms.append(("o", None, name))
    return terms


def _column(node: cst.BaseExpression, resolve: Resolve) -> Optional[Tuple[str, str]]:
    """``Model.col`` -> (model ref, "col") when ``Model`` names a class."""
    if type(node) is cst.Attribute and type(node.value) in (cst.Name, cst.Attribute):
        ref = resolve(node.value)
        if ref:
            return ref, node.attr.value
    return None


def _conditions(node: cst.BaseExpression, resolve: Resolve, terms: List[Term]) -> bool:
    """Add the terms of a where-condition; False when it cannot be read completely."""
    if type(node) is cst.Comparison and len(node.comparisons) == 1:
        target = node.comparisons[0]
        op = target.operator
        left = _column(node.left, resolve)
        right = _column(target.comparator, resolve)
        if left and right:  # a join condition: an index on either side serves it
            terms.append(("f", left[0], left[1]))
            terms.append(("f", right[0], right[1]))
            return True
        col = left or right
        if col is None:
            return False
        if type(op) in (cst.Equal, cst.LessThan, cst.GreaterThan, cst.LessThanEqual, cst.GreaterThanEqual, cst.In):
            terms.append(("f", col[0], col[1]))
        else:
            terms.append(("x", col[0], col[1]))
        return True
    if type(node) is cst.Call:
        func = node.func
        name = dotted_name(func) or ""
        if name.rsplit(".", 1)[-1] == "and_":
            return all(_conditions(a.value, resolve, terms) for a in node.args if not a.star) and not any(a.star for a in node.args)
        if type(func) is cst.Attribute:
            col = _column(func.value, resolve)
            if col is not None and func.attr.value in _SQLA_INDEXABLE:
                terms.append(("f", col[0], col[1]))
                return True
            if col is not None and func.attr.value in _SQLA_UNINDEXABLE:
                terms.append(("x", col[0], col[1]))
                return True
    return False


def sqla_terms(calls: List[cst.Call], resolve: Resolve) -> Optional[List[Term]]:
    terms: List[Term] = []
    for call in calls:
        method = _method(call)
        if method not in _SQLA_OK:
            return None
        if method in _SQLA_FILTERS:
            for arg in call.args:
                if arg.star or arg.keyword is not None or not _conditions(arg.value, resolve, terms):
                    return None
        elif method == "filter_by":
            for arg in call.args:
                if arg.star or arg.keyword is None:
                    return None
                terms.append(("f", None, arg.keyword.value))
        elif method == "order_by":
            for arg in call.args:
                value = arg.value
                if type(value) is cst.Call and type(value.func) is cst.Attribute and value.func.attr.value in ("desc", "asc"):
                    value = value.func.value
                elif type(value) is cst.Call and (dotted_name(value.func) or "").rsplit(".", 1)[-1] in ("desc", "asc") and value.args:
                    value = value.args[0].value
                col = _column(value, resolve)
                if col is not None:
                    terms.append(("o", col[0], col[1]))
    return terms


def sqla_model(receiver: cst.BaseExpression, first: cst.Call, resolve: Resolve) -> Tuple[bool, Optional[str]]:
    """(is an SQLAlchemy chain, the model of ``select(M)`` / ``session.query(M)`` / ``M.query``)."""
    if type(receiver) is cst.Call:
        name = resolve_callee(receiver, resolve)
        if name in orm.SQLA_SELECT or (name or "").rsplit(".", 1)[-1] == "select":
            args = [a for a in receiver.args if a.keyword is None and not a.star]
            return True, resolve(args[0].value) if len(args) == 1 else None
    if type(first.func) is cst.Attribute and first.func.attr.value == "query":
        recv = dotted_name(first.func.value) or ""
        if orm.is_session_name(recv.rsplit(".", 1)[-1]):
            args = [a for a in first.args if a.keyword is None and not a.star]
            return True, resolve(args[0].value) if len(args) == 1 else None
    if type(first.func) is cst.Attribute and type(first.func.value) is cst.Attribute \
            and first.func.value.attr.value == "query":
        return True, resolve(first.func.value.value)
    return False, None


def resolve_callee(call: cst.Call, resolve: Resolve) -> Optional[str]:
    return resolve(call.func) if type(call.func) in (cst.Name, cst.Attribute) else None
