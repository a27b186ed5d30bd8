"""Per-item units of work and loops bounded by the code, for BL201 (query-in-loop).

A query per iteration is an N+1 when one query before the loop could fetch what every iteration
reads. These shapes are not that:

* a hand-written upsert (``row = <lookup>; if row is None: <create>``, ``n = <lookup>.count(); ...;
  if n: <update> else: <create>``, ``if not <lookup>.exists(): <create>``, or ``try: <lookup> except
  Model.DoesNotExist: <create>``): the lookup decides whether the item is inserted or updated, the same work
  ``get_or_create()``/``update_or_create()`` do, which the rule leaves to the writes;
* a query inside a transaction the iteration opens itself (``with transaction.atomic():``, ``async
  with session.begin():``, ``session_context(begin_transaction=True)``, ``session_scope()``): each
  item is its own unit of work, and what it reads must be read inside that transaction, not before
  the loop;
* a claim loop: the iteration locks its row first (``.with_for_update()``, ``.select_for_update()``,
  ``await _lock_trigger(session, id)``, ``claim_job(...)``), and what it reads after the lock must be
  read under it;
* a loop over the statements of one parsed SQL script (``script.statements``) or the tables one
  parsed statement names (``statement.tables``): bounded by the SQL text, not by rows;
* a loop over the command-line values of a management command (``options["component"]``, the
  ``**options`` of a Django command method): what the user typed, a handful;
* a loop whose item is a key of a registry written in the code (``check = CHECKS[name]``): it goes
  through at most the registry's entries;
* a fallback chain that stops at the first success (the body ends with ``if found: break`` or
  ``if result: <migrate it>; return result``, or with an ``if found:`` that ends the loop on some
  path below it, an ``else:`` trying the next source): the next item is tried only when this one
  failed, so the iterations are attempts, not rows.

Nothing here knows the abstract values of the pass; ``statements`` asks per statement and loop.
"""
from __future__ import annotations

import re
from typing import Optional

from ..._lazy import cst
from ...frameworks.values import iter_nodes
from ...semantics import dotted_name
from . import _writes
from ._loops import _is_constant_name

# the ORM creates of `_writes`, a session's adds, and (in the branch where the row is missing)
# saving, which there means inserting: `Config(key=k).save()`
_CREATE_METHODS = _writes.CREATES | frozenset({"add", "add_all", "insert", "merge", "insert_one", "save", "asave"})
_CREATE_CALL = re.compile(r"^_*(create|insert|upsert|register|add|new)(_|$)")
# `session_scope()`: the commit-or-roll-back context manager of SQLAlchemy's session recipes
_TRANSACTION = frozenset({"atomic", "begin", "begin_nested", "transaction", "session_scope"})
_LOCK_METHODS = frozenset({"with_for_update", "select_for_update"})
_LOCK_CALL = re.compile(r"^_*(lock|claim)_\w+$")
_SQL_OWNER = re.compile(r"statement|parsed|script|sql", re.IGNORECASE)


def _creates(node) -> bool:
    """The branch inserts a row: ``session.add(...)``, ``Model.objects.create(...)``,
    ``insert(...)``, ``create_block_schema(...)``."""
    for n in iter_nodes(node):
        if type(n) is cst.Call:
            func = n.func
            if type(func) is cst.Attribute and func.attr.value in _CREATE_METHODS:
                return True
            name = dotted_name(func) or ""
            if _CREATE_CALL.match(name.rsplit(".", 1)[-1]) or name.rsplit(".", 1)[-1] == "insert":
                return True
    return False


def _missing_branches(test, name: Optional[str]):
    """Whether ``test`` is true when the looked-up row is missing (``x is None``, ``not x``,
    ``not q.exists()``), false when it is there (``x``, ``x is not None``, ``q.exists()``), or
    None when the test is not about the lookup."""
    if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
        inner = _missing_branches(test.expression, name)
        return None if inner is None else not inner
    if name is None:
        if type(test) is cst.Call and type(test.func) is cst.Attribute and test.func.attr.value == "exists":
            return False
        if type(test) is cst.BooleanOperation and type(test.operator) is cst.Or:
            left, right = _missing_branches(test.left, None), _missing_branches(test.right, None)
            return False if left is False and right is False else None
        return None
    if type(test) is cst.Name:
        return False if test.value == name else None
    if (type(test) is cst.Comparison and len(test.comparisons) == 1 and type(test.left) is cst.Name
            and test.left.value == name):
        comp = test.comparisons[0]
        if type(comp.comparator) is cst.Name and comp.comparator.value == "None":
            if type(comp.operator) is cst.Is:
                return True
            if type(comp.operator) is cst.IsNot:
                return False
    return None


def _upsert_if(stmt, name: Optional[str]) -> bool:
    if type(stmt) is not cst.If:
        return False
    missing = _missing_branches(stmt.test, name)
    if missing is None:
        return False
    if missing:
        return _creates(stmt.body)
    orelse = stmt.orelse
    return orelse is not None and _creates(orelse)


def upsert_lookup(stmts, i: int) -> bool:
    """``existing = <lookup>`` followed (within five statements) by ``if existing is None:
    <insert>`` (or ``if existing: ... else: <insert>``); ``if`` statements between them that do not
    test ``existing`` are passed over, and either part may be the first statement of a ``try``."""
    stmt = _unwrap_try(stmts[i])
    if not (type(stmt) is cst.SimpleStatementLine and len(stmt.body) == 1):
        return False
    small = stmt.body[0]
    if type(small) is cst.Assign and len(small.targets) == 1:
        target = small.targets[0].target
    elif type(small) is cst.AnnAssign and small.value is not None:
        target = small.target
    else:
        return False
    if type(target) is not cst.Name:
        return False
    for nxt in stmts[i + 1:i + 6]:
        nxt = _unwrap_try(nxt)
        if type(nxt) is cst.If and _missing_branches(nxt.test, target.value) is not None:
            return _upsert_if(nxt, target.value)
    return False


def _unwrap_try(stmt):
    """The first statement of a ``try`` (``try: existing = <lookup> except ...: continue``, ``try:
    if existing: ... else: <insert>``): error handling around the parts of an upsert."""
    if type(stmt) is cst.Try:
        body = getattr(stmt.body, "body", ())
        if body:
            return body[0]
    return stmt


# what a lookup raises when the row is missing: Django's `Model.DoesNotExist` /
# `ObjectDoesNotExist`, SQLAlchemy's `NoResultFound`, Peewee's `Model.DoesNotExist`
_MISSING_ERRORS = frozenset({"DoesNotExist", "ObjectDoesNotExist", "NoResultFound"})


def _creates_always(suite) -> bool:
    """The handler inserts in one of its own simple statements, not under a further condition:
    ``except Group.DoesNotExist: if settings.AUTO_CREATE: <create>`` mostly just looks rows up."""
    return any(type(stmt) is cst.SimpleStatementLine and _creates(stmt) for stmt in getattr(suite, "body", ()))


def upsert_try(stmt) -> bool:
    """``try: <lookup> except Model.DoesNotExist: <insert>``: a get-or-create written out. Only a
    short ``try`` body (at most three statements) counts, so that other queries in a long body
    are still seen, and only a handler that always inserts (see `_creates_always`)."""
    body = getattr(stmt.body, "body", ())
    if not 0 < len(body) <= 3:
        return False
    for handler in stmt.handlers:
        kinds = handler.type
        if type(kinds) is cst.Tuple:
            caught = [el.value for el in kinds.elements]
        else:
            caught = [kinds] if kinds is not None else []
        for value in caught:
            name = dotted_name(value) or ""
            if name.rsplit(".", 1)[-1] in _MISSING_ERRORS and _creates_always(handler.body):
                return True
    return False


def upsert_test(stmt) -> bool:
    """``if not <lookup>.exists(): <insert>`` / ``if a.exists() or b.exists(): ... else: <insert>``."""
    return _upsert_if(stmt, None)


def transaction_item(node) -> bool:
    """``transaction.atomic()``, ``session.begin()``, ``session_context(begin_transaction=True)``."""
    if type(node) is cst.Await:
        node = node.expression
    if type(node) is not cst.Call:
        return False
    name = (dotted_name(node.func) or "").rsplit(".", 1)[-1]
    if name in _TRANSACTION:
        return True
    return any(a.keyword is not None and a.keyword.value == "begin_transaction"
               and type(a.value) is cst.Name and a.value.value == "True" for a in node.args)


def locks_row(stmt) -> bool:
    """The statement locks a row: a ``with_for_update()``/``select_for_update()`` query, or a call of a
    function named for it (``_lock_trigger(...)``, ``claim_job(...)``)."""
    if type(stmt) is not cst.SimpleStatementLine:
        return False
    for n in iter_nodes(stmt):
        if type(n) is cst.Call:
            func = n.func
            if type(func) is cst.Attribute and func.attr.value in _LOCK_METHODS:
                return True
            if _LOCK_CALL.match((dotted_name(func) or "").rsplit(".", 1)[-1]):
                return True
    return False


def parsed_sql(node) -> bool:
    """``script.statements``, ``parsed_statement.tables``: the parts of one parsed SQL text."""
    if type(node) is not cst.Attribute:
        return False
    if node.attr.value == "statements":
        return True
    return node.attr.value == "tables" and bool(_SQL_OWNER.search(dotted_name(node.value) or ""))


def command_options(node, options: Optional[str]) -> bool:
    """``options["component"]`` / ``options.get("x")``, ``options`` being a method's ``**options``."""
    if options != "options":
        return False
    if type(node) is cst.Subscript:
        return type(node.value) is cst.Name and node.value.value == options
    return (type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value == "get"
            and type(node.func.value) is cst.Name and node.func.value.value == options)


def registry_keys(loop: cst.For) -> bool:
    """``for name in names: check = CHECKS[name]``: the items are keys of a constant registry."""
    target = loop.target
    if type(target) is not cst.Name or type(loop.body) is not cst.IndentedBlock:
        return False
    stmts = list(loop.body.body)
    for stmt in stmts[:3]:
        if type(stmt) is cst.Try and type(stmt.body) is cst.IndentedBlock:
            stmts.extend(stmt.body.body[:2])
    for stmt in stmts:
        if not (type(stmt) is cst.SimpleStatementLine and len(stmt.body) == 1
                and type(stmt.body[0]) is cst.Assign):
            continue
        value = stmt.body[0].value
        if (type(value) is cst.Subscript and _is_constant_name(value.value) and len(value.slice) == 1
                and type(value.slice[0].slice) is cst.Index
                and type(value.slice[0].slice.value) is cst.Name
                and value.slice[0].slice.value.value == target.value):
            return True
    return False


def _exits(suite) -> bool:
    """The branch ends the loop: its last statement is ``break`` or ``return``."""
    body = suite.body if type(suite) in (cst.IndentedBlock, cst.SimpleStatementSuite) else ()
    if body and type(body[-1]) is cst.SimpleStatementLine:
        body = body[-1].body
    return bool(body) and type(body[-1]) in (cst.Break, cst.Return)


def _may_exit(suite) -> bool:
    """Some path through the branch ends the loop: a ``break`` or ``return`` in it, or in an
    ``if``/``elif``/``else``/``try``/``with`` block nested in it (not in a nested loop or function)."""
    body = suite.body if type(suite) in (cst.IndentedBlock, cst.SimpleStatementSuite) else ()
    return any(_stmt_may_exit(stmt) for stmt in body)


def _stmt_may_exit(stmt) -> bool:
    kind = type(stmt)
    if kind is cst.Break or kind is cst.Return:  # in a one-line suite
        return True
    if kind is cst.SimpleStatementLine:
        return any(type(small) in (cst.Break, cst.Return) for small in stmt.body)
    if kind is cst.If:
        orelse = stmt.orelse
        return _may_exit(stmt.body) or (orelse is not None and (
            _stmt_may_exit(orelse) if type(orelse) is cst.If else _may_exit(orelse.body)))
    if kind is cst.Try or kind is cst.With:
        return _may_exit(stmt.body)
    return False


def fallback_chain(loop: cst.For) -> bool:
    """``for scraper in scrapers: ...; if found: break``: the loop stops at the first success.

    The last statement tests a success and ends the loop there (``if found: break``), or ends it
    on some path below that test (``if obj: if obj.deleted: obj = None else: break``; ``if result:
    <use it>; return`` followed by an ``else:`` that tries the next source)."""
    if type(loop.body) is not cst.IndentedBlock or not loop.body.body:
        return False
    last = loop.body.body[-1]
    if type(last) is cst.Try and type(last.body) is cst.IndentedBlock and last.body.body:
        last = last.body.body[-1]
    if type(last) is not cst.If or not _success_test(last.test):
        return False
    if last.orelse is None and _exits(last.body):
        return True
    # a deeper exit counts only under a test of what this iteration found (`if obj:`, `if result
    # is not None:`, a name the body assigns): an exit under any other test (`if "group" in item:`
    # ... `return error`) rejects an item, and `if t.kind == "x": ... break` searches the items
    name = _tested_name(last.test)
    return name is not None and name in _assigned(loop.body.body) and _may_exit(last.body)


def _tested_name(test) -> Optional[str]:
    if type(test) is cst.Name:
        return test.value
    if type(test) is cst.Comparison and len(test.comparisons) == 1 and type(test.left) is cst.Name:
        comp = test.comparisons[0]
        if type(comp.operator) is cst.IsNot and type(comp.comparator) is cst.Name and comp.comparator.value == "None":
            return test.left.value
    return None


def _assigned(body) -> set:
    """Names the loop body assigns in its own statements (`obj = ...`, `obj: T = ...`)."""
    out = set()
    for stmt in body:
        if type(stmt) is not cst.SimpleStatementLine:
            continue
        for small in stmt.body:
            if type(small) is cst.Assign:
                out.update(t.target.value for t in small.targets if type(t.target) is cst.Name)
            elif type(small) is cst.AnnAssign and type(small.target) is cst.Name:
                out.add(small.target.value)
    return out


def _success_test(test) -> bool:
    """``if found:``, ``if value is not None:``, ``if not is_empty(info):`` test a success; ``if not
    container or a != b:`` and ``if row is None:`` test a failure (the loop goes on while items
    succeed: a check of every item, not a fallback chain)."""
    if type(test) is cst.BooleanOperation:
        return type(test.operator) is cst.And and _success_test(test.left) and _success_test(test.right)
    if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
        return type(test.expression) is cst.Call
    if type(test) is cst.Comparison and len(test.comparisons) == 1:
        comp = test.comparisons[0]
        if type(comp.comparator) is cst.Name and comp.comparator.value == "None":
            return type(comp.operator) is cst.IsNot
    return True


def fixed_by_code(loop: cst.For, options: Optional[str]) -> bool:
    """The loop's iterations are bounded by the code or by what a user typed, not by rows."""
    it = loop.iter
    return parsed_sql(it) or command_options(it, options) or registry_keys(loop) or fallback_chain(loop)
