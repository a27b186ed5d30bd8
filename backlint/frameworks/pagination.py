"""Is a list endpoint bounded? Pagination evidence for BL107.

* a whole-table query: a Django queryset chain (`Model.objects.all()/.filter()/.exclude()/.order_by()/
  .values()/...`) or a SQLAlchemy read that ends in `.all()` (`session.scalars(select(X)).all()`,
  `session.query(X).all()`, `X.query.all()`, `session.execute(...).scalars().all()`) with no
  `.limit()`, slice or `.paginate()` in the chain;
* bounded by: a slice (`qs[:50]`), `.limit(...)`, `.paginate(...)`, `Paginator`, DRF
  `paginate_queryset`, fastapi-pagination `paginate(...)`, `paginate_by`, `.first()`/`.get()`/`.count()`,
  a `limit`/`offset`/`page`/`cursor`/`page_size`/`per_page` parameter;
* small fixed tables (choices, enums, types, statuses, countries, currencies, languages, roles,
  permissions, settings): a model named for one is not reported;
* DRF: a project's `DEFAULT_PAGINATION_CLASS` (found in its Django settings module by walking up
  from the view's directory; when no settings module is found, nothing is claimed).
"""
from __future__ import annotations

import os
import re
from typing import Dict, Optional, Tuple

from .._lazy import cst
from ..walker import source_children

QUERYSET_STEPS = frozenset({"all", "filter", "exclude", "order_by", "values", "values_list", "select_related",
                            "prefetch_related", "only", "defer", "annotate", "distinct", "using"})
BOUNDING_CALLS = frozenset({"limit", "paginate", "paginate_queryset", "Paginator", "get_paginated_response",
                            "first", "get", "count", "exists", "one", "one_or_none", "scalar", "scalar_one",
                            "aggregate", "iterator", "paginate_by", "get_page", "page", "slice", "offset",
                            "fetchmany", "head", "top"})
BOUND_PARAMS = frozenset({"limit", "offset", "page", "cursor", "page_size", "per_page", "size", "skip", "take",
                          "first", "after", "before", "max_results", "page_number", "pagination", "params"})
SMALL_TABLE_WORDS = ("choice", "enum", "type", "kind", "status", "state", "category", "country", "currency",
                     "language", "locale", "timezone", "role", "permission", "setting", "config", "option",
                     "flag", "feature", "plan", "tier", "unit", "tag", "label", "color", "colour", "icon")


def small_table(model: Optional[str]) -> bool:
    if not model:
        return False
    last = model.rsplit(".", 1)[-1].lower()
    return any(last.endswith(w) or last.endswith(w + "s") for w in SMALL_TABLE_WORDS)


def _called(node: cst.CSTNode) -> str:
    func = node.func if type(node) is cst.Call else None
    if type(func) is cst.Attribute:
        return func.attr.value
    if type(func) is cst.Name:
        return func.value
    return ""


def unbounded_query(node: cst.CSTNode) -> Optional[str]:
    """The model of a whole-table query expression (``"Order"``), or None.

    ``node`` is the outermost call of a chain: ``Order.objects.filter(...).order_by(...)`` or
    ``session.scalars(select(Order)).all()``.
    """
    if type(node) is not cst.Call or type(node.func) is not cst.Attribute:
        return None
    method = node.func.attr.value
    current: cst.CSTNode = node
    # walk the chain down to its root
    chain = []
    while type(current) is cst.Call and type(current.func) is cst.Attribute:
        chain.append(current.func.attr.value)
        current = current.func.value
    if type(current) is cst.Attribute and current.attr.value == "objects":
        if method in QUERYSET_STEPS and all(step in QUERYSET_STEPS for step in chain):
            base = current.value
            return base.value if type(base) is cst.Name else base.attr.value if isinstance(
                base, cst.Attribute) else "?"
        return None
    if method != "all":
        return None
    if any(step in BOUNDING_CALLS for step in chain):
        return None
    if type(current) is cst.Attribute and current.attr.value == "query" and type(current.value) is cst.Name:
        return current.value.value  # Flask-SQLAlchemy `Order.query.all()`
    # a session read: find `select(X)` / `query(X)` in the chain's calls
    for call in _chain_calls(node):
        name = _called(call)
        if name in ("limit", "offset", "slice", "paginate"):
            return None
        if name in ("select", "query") and call.args:
            target = call.args[0].value
            if type(target) is cst.Name:
                return target.value
            if type(target) is cst.Attribute:
                return target.attr.value
    return None


def _chain_calls(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) is cst.Call:
            yield current
        if type(current) in (cst.FunctionDef, cst.Lambda):
            continue
        stack.extend(source_children(current))


# -- DRF project settings ------------------------------------------------------------------
_SETTINGS_CACHE: Dict[str, Tuple[Optional[bool], Optional[str]]] = {}
_DJANGO_SETTINGS_RE = re.compile(r"^(INSTALLED_APPS|REST_FRAMEWORK|ROOT_URLCONF|MIDDLEWARE)\s*[+]?=", re.M)
_DEFAULT_RE = re.compile(r"DEFAULT_PAGINATION_CLASS\W+\s*[\"'A-Za-z]")


def _settings_files(directory: str):
    for name in ("settings.py", "settings"):
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            yield candidate
        elif os.path.isdir(candidate):
            for child in sorted(os.listdir(candidate)):
                if child.endswith(".py"):
                    yield os.path.join(candidate, child)


def project_paginates(file_path: str, max_up: int = 5) -> Tuple[Optional[bool], Optional[str]]:
    """Does the Django project of ``file_path`` set a DRF ``DEFAULT_PAGINATION_CLASS``?

    (True/False, the directory searched) once a settings module is found walking up (each
    directory and its immediate subdirectories); (None, None) when none is found: nothing is known.
    """
    directory = os.path.dirname(os.path.abspath(file_path))
    for _ in range(max_up):
        if directory in _SETTINGS_CACHE:
            return _SETTINGS_CACHE[directory]
        found = list(_settings_files(directory))
        try:
            subdirs = [os.path.join(directory, d) for d in sorted(os.listdir(directory))
                       if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        except OSError:
            subdirs = []
        for sub in subdirs[:200]:
            found.extend(_settings_files(sub))
        answer: Optional[bool] = None
        for path in found:
            try:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
            except OSError:
                continue
            if not _DJANGO_SETTINGS_RE.search(text):
                continue  # a module that happens to be called settings (a serializer, a form)
            if _DEFAULT_RE.search(text):
                answer = True
                break
            answer = False
        if answer is not None:
            _SETTINGS_CACHE[directory] = (answer, directory)
            return answer, directory
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return None, None
