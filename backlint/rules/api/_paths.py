"""How many of a handler's writes one request can make: writes in mutually exclusive branches
(`if`/`elif`/`else`, `match` cases, a branch that returns before the next write) are not added up.

A small structural walk over statements, no control-flow graph: for every block it computes the
most writes on a path that falls through to its end and the most on a path that leaves it early
(`return`/`raise`). Loops count their body once (as the rest of BL104 does); `try` bodies and their
handlers are alternatives; nested functions and classes are not the handler's own code.
"""
from __future__ import annotations

from typing import Optional, Sequence, Set, Tuple

from ..._lazy import cst
from ...walker import source_children

Counts = Tuple[Optional[int], Optional[int]]  # (falls through, leaves early); None: no such path


def _calls_in(node: cst.CSTNode, ids: Set[int]) -> int:
    count = 0
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in ids:
            count += 1
        if type(current) in (cst.FunctionDef, cst.ClassDef, cst.Lambda) and current is not node:
            continue
        stack.extend(source_children(current))
    return count


def _max(*values: Optional[int]) -> Optional[int]:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _add(a: Optional[int], b: Optional[int]) -> Optional[int]:
    return None if a is None or b is None else a + b


def _block(stmts: Sequence[cst.CSTNode], ids: Set[int]) -> Counts:
    fall: Optional[int] = 0
    leave: Optional[int] = None
    for stmt in stmts:
        if fall is None:
            break  # unreachable after return/raise
        f, t = _statement(stmt, ids)
        leave = _max(leave, _add(fall, t))
        fall = _add(fall, f)
    return fall, leave


def _suite(suite: Optional[cst.BaseSuite], ids: Set[int]) -> Counts:
    if suite is None:
        return 0, None
    if type(suite) is cst.SimpleStatementSuite:
        return _block(list(suite.body), ids)
    return _block(list(suite.body), ids)


def _before_raise(suite: cst.BaseSuite, ids: Set[int], whole: int) -> int:
    """The most writes a `try` body can have made when one of its handlers runs.

    The statement that raised did not finish, so a body whose last statement is one simple
    statement (``obj.delete()``, ``x = Model.objects.create(...)``) has written at most what the
    statements before it wrote; otherwise every write of the body counts (an upper bound).
    """
    body = list(suite.body) if type(suite) is cst.IndentedBlock else [suite]
    last = body[-1] if body else None
    if type(last) is cst.SimpleStatementLine and len(last.body) == 1 \
            and type(last.body[0]) not in (cst.Return, cst.Raise):
        return _max(_block(body[:-1], ids)[0], 0) or 0
    return whole


def _statement(stmt: cst.CSTNode, ids: Set[int]) -> Counts:
    if type(stmt) in (cst.FunctionDef, cst.ClassDef):
        return 0, None
    if type(stmt) is cst.SimpleStatementLine:
        fall: Optional[int] = 0
        leave: Optional[int] = None
        for small in stmt.body:
            if fall is None:
                break
            n = _calls_in(small, ids)
            if type(small) in (cst.Return, cst.Raise):
                leave = _max(leave, fall + n)
                fall = None
            else:
                fall += n
        return fall, leave
    if type(stmt) in (cst.Return, cst.Raise):  # inside a SimpleStatementSuite
        return None, _calls_in(stmt, ids)
    if isinstance(stmt, cst.BaseSmallStatement):
        return _calls_in(stmt, ids), None
    if type(stmt) is cst.If:
        test = _calls_in(stmt.test, ids)
        bf, bl = _suite(stmt.body, ids)
        if stmt.orelse is None:
            ef, el = 0, None
        elif type(stmt.orelse) is cst.If:
            ef, el = _statement(stmt.orelse, ids)
        else:
            ef, el = _suite(stmt.orelse.body, ids)
        return _add(test, _max(bf, ef)), _add(test, _max(bl, el))
    if type(stmt) in (cst.For, cst.While):
        head = _calls_in(stmt.iter if type(stmt) is cst.For else stmt.test, ids)
        bf, bl = _suite(stmt.body, ids)
        of, ol = _suite(stmt.orelse.body, ids) if stmt.orelse is not None else (0, None)
        body = _max(bf, 0)
        return _add(head + body, of), _max(_add(head, bl), _add(head + body, ol))
    if type(stmt) is cst.With:
        head = sum(_calls_in(item, ids) for item in stmt.items)
        bf, bl = _suite(stmt.body, ids)
        return _add(head, bf), _add(head, bl)
    if isinstance(stmt, (cst.Try, getattr(cst, "TryStar", cst.Try))):
        bf, bl = _suite(stmt.body, ids)
        fall, leave = bf, bl
        if stmt.orelse is not None:
            of, ol = _suite(stmt.orelse.body, ids)
            leave = _max(leave, _add(bf, ol))
            fall = _add(bf, of)
        before = _before_raise(stmt.body, ids, _max(bf, bl, 0))
        for handler in stmt.handlers:
            hf, hl = _suite(handler.body, ids)
            # a handler runs after part of the body: count what the body wrote before it raised
            fall = _max(fall, _add(before, hf))
            leave = _max(leave, _add(before, hl))
        if stmt.finalbody is not None:
            ff, fl = _suite(stmt.finalbody.body, ids)
            fall = _add(fall, ff)
            leave = _max(_add(leave, _max(ff, fl, 0)), fl)
        return fall, leave
    if type(stmt) is cst.Match:
        falls, leaves = [], []
        for case in stmt.cases:
            cf, cl = _suite(case.body, ids)
            falls.append(cf)
            leaves.append(cl)
        subject = _calls_in(stmt.subject, ids)
        return _add(subject, _max(0, *falls)), _add(subject, _max(*leaves))
    return _calls_in(stmt, ids), None


def most_on_one_path(func: cst.FunctionDef, calls: Sequence[cst.CSTNode]) -> int:
    """The most of ``calls`` (nodes inside ``func``) that one run of ``func`` can make."""
    ids = {id(c) for c in calls}
    fall, leave = _suite(func.body, ids)
    return _max(fall, leave, 0) or 0
