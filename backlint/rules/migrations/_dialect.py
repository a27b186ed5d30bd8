"""Which database a migration's code runs on, as far as the file and its path tell.

Three questions, each answered from the source alone (nothing is imported or executed):

- the dialect a versions directory is dedicated to (``versions/sqlite/...`` next to
  ``versions/postgresql/...``: each tree only ever runs on its own database);
- whether ``atomic = <expression>`` on a Django migration is true on a given database
  (``atomic = IS_SQLITE`` is false on PostgreSQL);
- which branch of ``if <bind>.dialect.name == "mysql":`` runs on a given database.

Every answer may be None ("cannot tell"); callers then keep their previous behaviour.
"""
from __future__ import annotations

import os
from typing import Dict, Optional

from ..._lazy import cst
from ...walker import source_children

_DIALECT_DIRS = {"sqlite": "sqlite", "sqlite3": "sqlite", "mysql": "mysql", "mariadb": "mysql",
                 "postgresql": "postgresql", "postgres": "postgresql"}
_DIALECT_NAMES = {"sqlite": "sqlite", "mysql": "mysql", "mariadb": "mysql", "postgresql": "postgresql",
                  "postgres": "postgresql", "mssql": "mssql", "oracle": "oracle"}


def path_dialect(path: str) -> Optional[str]:
    """The database a migrations tree is dedicated to, from a directory named for it below a
    ``versions`` or ``*migrations*`` directory; None when the path does not say."""
    parts = os.path.normpath(os.path.abspath(path)).split(os.sep)[:-1]
    for index, part in enumerate(parts):
        if part.lower() in _DIALECT_DIRS and index and any(
                p == "versions" or "migrations" in p.lower() for p in parts[:index]):
            return _DIALECT_DIRS[part.lower()]
    return None


def _mentions_sqlite(node: cst.CSTNode) -> bool:
    return "sqlite" in cst.Module([]).code_for_node(node).lower()


def truth_on(node: Optional[cst.BaseExpression], database: str,
             names: Dict[str, cst.BaseExpression]) -> Optional[bool]:
    """The value of an ``atomic``-style flag on ``database``: literals as written; an expression
    that asks whether the database is SQLite (``IS_SQLITE``, ``connection.vendor == "sqlite"``,
    or a module-level name bound to such a test) is true on SQLite only; ``not`` is followed.
    None when the expression says nothing we can read."""
    if node is None:
        return None
    if type(node) is cst.Name:
        if node.value in ("True", "False"):
            return node.value == "True"
        if node.value in names and names[node.value] is not node:
            bound = names[node.value]
            inner = {k: v for k, v in names.items() if k != node.value}
            found = truth_on(bound, database, inner)
            if found is not None:
                return found
    if type(node) is cst.UnaryOperation and type(node.operator) is cst.Not:
        inner_value = truth_on(node.expression, database, names)
        return None if inner_value is None else not inner_value
    if type(node) in (cst.Name, cst.Attribute, cst.Comparison) and _mentions_sqlite(node):
        negated = type(node) is cst.Comparison and any(
            type(t.operator) in (cst.NotEqual, cst.NotIn, cst.IsNot) for t in node.comparisons)
        on_sqlite = database == "sqlite"
        return not on_sqlite if negated else on_sqlite
    return None


def _dialect_subject(node: cst.BaseExpression, dialect_names: Dict[str, bool]) -> bool:
    """True if ``node`` is the dialect's name: ``<x>.dialect.name`` or a name bound to it."""
    if type(node) is cst.Attribute and node.attr.value == "name" and type(node.value) is cst.Attribute:
        return node.value.attr.value == "dialect"
    if type(node) is cst.Name:
        return node.value in dialect_names
    return False


def _literal_names(node: cst.BaseExpression) -> Optional[set]:
    if type(node) is cst.SimpleString:
        value = node.evaluated_value
        return {value.lower()} if isinstance(value, str) else None
    if type(node) in (cst.Tuple, cst.List, cst.Set):
        found = set()
        for element in node.elements:
            inner = _literal_names(element.value)
            if inner is None:
                return None
            found |= inner
        return found
    return None


def branch_runs(test: cst.BaseExpression, database: str, dialect_names: Dict[str, bool]) -> Optional[bool]:
    """Whether the body of ``if <test>:`` runs on ``database``, for tests that compare the
    dialect name with literals (``==``, ``!=``, ``in``, ``not in``); None otherwise."""
    if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
        inner = branch_runs(test.expression, database, dialect_names)
        return None if inner is None else not inner
    if type(test) is cst.Call and type(test.func) is cst.Name and test.func.value == "isinstance":
        return _isinstance_dialect(test, database)
    if type(test) is not cst.Comparison or len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    left, right = test.left, target.comparator
    if not _dialect_subject(left, dialect_names):
        left, right = right, left
        if not _dialect_subject(left, dialect_names):
            return None
    names = _literal_names(right)
    if not names or not all(n in _DIALECT_NAMES for n in names):
        return None
    matches = database in {_DIALECT_NAMES[n] for n in names}
    operator = target.operator
    if type(operator) in (cst.Equal, cst.In):
        return matches
    if type(operator) in (cst.NotEqual, cst.NotIn):
        return not matches
    return None


def _isinstance_dialect(test: cst.Call, database: str) -> Optional[bool]:
    """``isinstance(bind.dialect, MySQLDialect)`` (or a tuple of dialect classes)."""
    if len(test.args) != 2:
        return None
    subject = cst.Module([]).code_for_node(test.args[0].value)
    if not subject.endswith("dialect"):
        return None
    classes = test.args[1].value
    nodes = [e.value for e in classes.elements] if type(classes) is cst.Tuple else [classes]
    found = set()
    for node in nodes:
        name = cst.Module([]).code_for_node(node).rsplit(".", 1)[-1].lower()
        kind = next((d for key, d in (("mysql", "mysql"), ("mariadb", "mysql"), ("postgres", "postgresql"),
                                       ("pg", "postgresql"), ("sqlite", "sqlite"), ("mssql", "mssql"),
                                       ("oracle", "oracle")) if name.startswith(key)), None)
        if kind is None:
            return None
        found.add(kind)
    return database in found


def dialect_name_bindings(body: cst.CSTNode) -> Dict[str, bool]:
    """Local names assigned ``<x>.dialect.name`` in a function body (``dialect = bind.dialect.name``)."""
    found: Dict[str, bool] = {}
    stack = [body]
    while stack:
        node = stack.pop()
        if type(node) is cst.Assign and len(node.targets) == 1 and type(node.targets[0].target) is cst.Name:
            if _dialect_subject(node.value, {}):
                found[node.targets[0].target.value] = True
        else:
            stack.extend(source_children(node))
    return found
