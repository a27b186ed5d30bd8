"""What a loop goes through, for the N+1 rules: data, or a fixed set written in the code.

A query per iteration is an N+1 only when N grows with the data. These loops do not:

* a loop over a literal (``for kind in ("a", "b")``, ``for x in [a, b]``), a string, a module-level
  constant bound to a literal, or an ALL_CAPS name (``STATUS_CHOICES``, ``settings.LANGUAGES``),
  also through ``.items()/.keys()/.values()``, ``enumerate()``, ``sorted()``, ``reversed()``, ``zip()``;
* a choices enumeration (``for leg in FeedLegChoices``, ``field.choices``);
* ``range()`` whose bounds are integer literals or such constants (``range(3)``, ``range(MAX_TRIES)``);
* a retry iterator (``for attempt in Retrying(...)``, ``run_with_db_retries(...)``): one statement per
  attempt is the point of the loop;
* a batching iterator (``for ids in batched(pks, 1000)``, ``chunks(objects, 500)``): one query per
  batch is how the loop avoids a query per row;
* a loop over search inputs (``for query in inferred_queries``, ``for qid, vector in
  enumerate(vectors)``, ``embeddings``): one search per query text or vector is the work, and
  searches by different texts or vectors are not one ``IN`` query;
* a ``while`` loop, unless it drains a collection (``while todo: x = todo.pop()``): its iterations
  depend on each other (a traversal that follows the previous row, a retry, polling, paging), so
  there is no collection whose rows one query could fetch.

Nothing here knows the ORM; ``_nplusone`` asks ``fixed_iterable`` / ``retry_iterable`` per loop.
"""
from __future__ import annotations

import re
from typing import Dict

from ..._lazy import cst
from ...semantics import dotted_name
from ...walker import children

_CONSTANT = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
_RETRY = re.compile(r"retr(y|ies|ying)|attempt", re.IGNORECASE)
_BATCHES = re.compile(r"batch|chunk|paginat|grouper", re.IGNORECASE)
_PASS_THROUGH = frozenset({"enumerate", "sorted", "reversed", "zip", "list", "tuple", "set", "frozenset"})
_VIEWS = frozenset({"items", "keys", "values"})


def module_literals(body) -> Dict[str, cst.BaseExpression]:
    """Module-level names bound exactly once to a literal container, string or integer."""
    found: Dict[str, cst.BaseExpression] = {}
    twice = set()
    for stmt in body:
        if type(stmt) is not cst.SimpleStatementLine:
            continue
        for small in stmt.body:
            targets, value = (), None
            if type(small) is cst.Assign:
                targets, value = [t.target for t in small.targets], small.value
            elif type(small) is cst.AnnAssign and small.value is not None:
                targets, value = [small.target], small.value
            elif type(small) is cst.AugAssign:
                targets, value = [small.target], None
            for target in targets:
                if type(target) is not cst.Name:
                    continue
                name = target.value
                if name in found or name in twice or value is None:
                    twice.add(name)
                    found.pop(name, None)
                elif _literal(value, {}, 0):
                    found[name] = value
    return found


_READ_ONLY = frozenset({"items", "keys", "values", "get", "copy", "index", "count"})
_READ_ONLY_CALLS = frozenset({"enumerate", "sorted", "reversed", "zip", "list", "tuple", "len", "set", "frozenset"})


def local_literals(body) -> Dict[str, cst.BaseExpression]:
    """Names a function binds once to a non-empty literal container (or to the segments of a path,
    see ``path_segments``) and then only reads (iterates, indexes, ``.items()``, ``in``):
    ``sources = {"ecb": fetch_ecb, "cnb": fetch_cnb}``.
    A name that is appended to, assigned into, rebound or handed to another function may hold
    data by the time the loop runs, so it is not one of them."""
    if not _binds_candidate(body):
        return {}  # no statement binds a literal container or path segments: nothing to find
    bound: Dict[str, list] = {}
    spoiled = set()
    stack = [(stmt, None, None) for stmt in body]
    while stack:
        node, parent, grand = stack.pop()
        t = type(node)
        if t is cst.Assign:
            for target in node.targets:
                if type(target.target) is cst.Name:
                    bound.setdefault(target.target.value, []).append(node.value)
        elif t is cst.Name and not _name_read(node, parent, grand):
            spoiled.add(node.value)
        for child in children(node):
            stack.append((child, node, parent))
    found = {}
    for name, values in bound.items():
        if name in spoiled or len(values) != 1:
            continue
        value = values[0]
        if type(value) in (cst.List, cst.Tuple, cst.Set, cst.Dict) and value.elements and _literal(value, {}, 0):
            found[name] = value
        elif path_segments(value):
            found[name] = value  # `parts = path.split("/")`
    return found


# the nodes that hold statements, walked by ``_binds_candidate`` (which skips every expression),
# and the literal containers it looks for; built on first use (``cst`` is imported lazily: a
# fully cached run never imports libcst)
_TYPES: list = []


def _types():
    if not _TYPES:
        _TYPES.append(frozenset({
            cst.IndentedBlock, cst.SimpleStatementSuite, cst.If, cst.Else, cst.For, cst.While, cst.Try,
            cst.TryStar, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.With, cst.FunctionDef,
            cst.ClassDef, cst.Match, cst.MatchCase,
        }))
        _TYPES.append(frozenset({cst.List, cst.Tuple, cst.Set, cst.Dict}))
    return _TYPES


def _binds_candidate(body) -> bool:
    """Some assignment in ``body`` (nested blocks and functions included) binds a name to what
    ``local_literals`` keeps; a walk of the statements only, much cheaper than its walk of every
    node (most functions bind no literal container)."""
    holders, containers = _types()
    line_t = cst.SimpleStatementLine
    stack = list(body)
    while stack:
        node = stack.pop()
        t = type(node)
        if t is line_t or t is cst.SimpleStatementSuite:
            for small in node.body:
                if type(small) is cst.Assign:
                    value = small.value
                    if any(type(target.target) is cst.Name for target in small.targets) and (
                            (type(value) in containers and value.elements) or path_segments(value)):
                        return True
            continue
        if t in holders:
            stack.extend(child for child in children(node) if type(child) in holders or type(child) is line_t)
    return False


def _name_read(node, parent, grand) -> bool:
    """This occurrence of a name binds it by plain assignment or only reads it."""
    pt = type(parent)
    if pt is cst.AssignTarget:
        return True  # counted as a binding
    if pt is cst.Attribute:
        if parent.attr is node:
            return True  # `x.name`: not this name
        return type(grand) is cst.Call and grand.func is parent and parent.attr.value in _READ_ONLY
    if pt is cst.Arg:
        if parent.keyword is node:
            return True
        return type(grand) is cst.Call and dotted_name(grand.func) in _READ_ONLY_CALLS
    if pt in (cst.For, cst.CompFor):
        return parent.iter is node
    if pt is cst.Index:
        return True  # `other[x]`
    if pt is cst.Subscript:
        return type(grand) not in (cst.AssignTarget, cst.AugAssign, cst.Del)
    if pt is cst.ComparisonTarget:
        return True  # `k in sources`
    if pt is cst.Comparison:
        return True
    return False


def _is_constant_name(node) -> bool:
    """``MAX_TRIES``, ``settings.LANGUAGES``, ``Order.STATUS_CHOICES``: constants by convention."""
    if type(node) is cst.Name:
        return bool(_CONSTANT.match(node.value)) and len(node.value.strip("_")) > 1
    if type(node) is cst.Attribute:
        return bool(_CONSTANT.match(node.attr.value)) and len(node.attr.value.strip("_")) > 1
    return False


def _choices(name: str) -> bool:
    """``PowerOutletFeedLegChoices``, ``Order.status.field.choices``: a choices enumeration, a set
    of values written in the code."""
    return name == "choices" or (name.endswith("Choices") and name[:1].isupper() and len(name) > 7)


def _literal(node, constants, depth) -> bool:
    if depth > 4:
        return False
    if type(node) in (cst.List, cst.Tuple, cst.Set):
        return all(type(el) is cst.Element for el in node.elements)
    if type(node) is cst.Dict:
        return all(type(el) is cst.DictElement for el in node.elements)
    if type(node) in (cst.SimpleString, cst.ConcatenatedString, cst.Integer):
        return True
    return False


def _bound(node, constants) -> bool:
    """A ``range()`` bound fixed in the code."""
    if type(node) is cst.Integer:
        return True
    if type(node) is cst.UnaryOperation:
        return _bound(node.expression, constants)
    if type(node) is cst.BinaryOperation:
        return _bound(node.left, constants) and _bound(node.right, constants)
    if type(node) is cst.Name and isinstance(constants.get(node.value), cst.Integer):
        return True
    if _is_constant_name(node):
        return True
    if type(node) is cst.Call and dotted_name(node.func) == "len" and len(node.args) == 1:
        return fixed_iterable(node.args[0].value, constants)
    return False


def fixed_iterable(node, constants: Dict[str, cst.BaseExpression], depth: int = 0) -> bool:
    """True when the number of iterations is written in the code, not read from data."""
    if node is None or depth > 4:
        return False
    if _literal(node, constants, depth) or path_segments(node):
        return True
    if type(node) is cst.Name:
        return node.value in constants or _is_constant_name(node) or _choices(node.value)
    if type(node) is cst.Attribute:
        return _is_constant_name(node) or _choices(node.attr.value)
    if type(node) is cst.Call:
        func = node.func
        args = [a for a in node.args if a.keyword is None]
        if any(a.star for a in node.args):
            return False
        name = dotted_name(func)
        if name == "range":
            return bool(args) and all(_bound(a.value, constants) for a in args)
        if name in _PASS_THROUGH:
            return bool(args) and all(fixed_iterable(a.value, constants, depth + 1) for a in args)
        if type(func) is cst.Attribute and func.attr.value in _VIEWS and not node.args:
            return fixed_iterable(func.value, constants, depth + 1)
    return False


_LISTENER = re.compile(r"(^|_)(listen|subscribe|notifications)(_|$)", re.IGNORECASE)


def listener(node) -> bool:
    """``pg_listen(conn, channel)``, ``pubsub.listen()``, ``conn.notifications()``: a stream of
    notifications that never ends on its own (a ``while True`` over events)."""
    name = dotted_name(node.func) or ""
    return bool(_LISTENER.search(name.rsplit(".", 1)[-1]))


_PATH_SEPARATORS = frozenset({"'/'", '"/"', "os.sep", "os.path.sep"})


def path_segments(node) -> bool:
    """``path.split("/")``, ``PurePath(p).parts``: the segments of one path, a walk down its
    folders (each step depends on the one before), bounded by the path's depth, not by data."""
    if type(node) is cst.Attribute:
        return node.attr.value in ("parts", "parents")
    if not (type(node) is cst.Call and type(node.func) is cst.Attribute
            and node.func.attr.value in ("split", "rsplit") and node.args):
        return False
    sep = node.args[0].value
    text = sep.value if type(sep) is cst.SimpleString else dotted_name(sep)
    return text in _PATH_SEPARATORS


def retry_iterable(node) -> bool:
    """``for attempt in Retrying(...)`` / ``run_with_db_retries(...)``: retries, not data."""
    if type(node) is cst.Call:
        name = dotted_name(node.func) or ""
        return bool(_RETRY.search(name.rsplit(".", 1)[-1]))
    return False


def batch_iterable(node) -> bool:
    """``for ids in batched(pks, 1000)`` / ``chunked(...)`` / ``paginate(...)``: batches, not rows."""
    if type(node) is cst.Call:
        name = dotted_name(node.func) or ""
        if _BATCHES.search(name.rsplit(".", 1)[-1]):
            return True
        # `grouper(objs, batch_size)`, `split(rows, CHUNK)`: sized by a batch argument
        return any(type(a.value) in (cst.Name, cst.Attribute) and _BATCHES.search(dotted_name(a.value) or "")
                   for a in node.args[1:])
    if type(node) in (cst.Name, cst.Attribute):
        name = dotted_name(node) or ""
        return bool(_BATCHES.search(name.rsplit(".", 1)[-1]))
    return False


def drains_collection(stmt) -> bool:
    """``while todo: item = todo.pop()``: the loop goes through the items of ``todo``. A loop
    that also pushes onto ``todo`` (``todo.append(child)``) walks a graph from what each query
    returned, one node at a time like a recursive walk: not a collection one query could fetch."""
    test = stmt.test
    if type(test) is cst.UnaryOperation or type(test) not in (cst.Name, cst.Attribute):
        return False
    name = dotted_name(test)
    stack = [stmt.body]
    drains = False
    while stack:
        node = stack.pop()
        if (type(node) is cst.Call and type(node.func) is cst.Attribute
                and dotted_name(node.func.value) == name):
            method = node.func.attr.value
            if method in ("append", "appendleft", "extend", "extendleft", "add", "update", "put_nowait", "insert"):
                return False
            drains = drains or method in ("pop", "popleft", "popitem", "get_nowait")
        if type(node) not in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
            stack.extend(children(node))
    return drains


_SEARCH_INPUTS = re.compile(r"^(\w+_)?(queries|vectors|embeddings|search_terms|search_queries)$")


def search_inputs(node) -> bool:
    """``inferred_queries``, ``enumerate(vectors)``, ``self.query_embeddings``: what a loop of
    searches goes through (see the module docstring)."""
    if type(node) is cst.Call and dotted_name(node.func) in _PASS_THROUGH and node.args:
        node = node.args[0].value
    if type(node) in (cst.Name, cst.Attribute):
        return bool(_SEARCH_INPUTS.match((dotted_name(node) or "").rsplit(".", 1)[-1].lower()))
    return False


def retry_target(target) -> bool:
    return type(target) is cst.Name and bool(_RETRY.search(target.value))
