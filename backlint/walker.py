"""One read-only walk over a libcst tree that calls every interested handler.

libcst's own ``CSTVisitor`` dispatch rebuilds each node on the way back up even when nothing
changes (~53 us per line on top of the parse). This walk only reads fields: handlers are looked up
by node type, so node types no rule asked for cost a dict lookup and nothing else. It is iterative,
so deeply nested code cannot overflow the interpreter's stack.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

from ._lazy import cst

Handler = Callable[[Any], None]

# Fields that only hold whitespace, comments or punctuation: never walked.
_SKIP_FIELDS = frozenset(
    {
        "lpar", "rpar", "comma", "equal", "semicolon", "colon", "dot", "relative",
        "leading_lines", "lines_after_decorators", "header", "footer", "trailing_whitespace",
        "newline", "indent", "asynchronous", "lbrace", "rbrace", "lbracket", "rbracket",
        "whitespace", "star_tok", "await_tok", "walrus", "arrow", "as_", "from_",
        "lambda_tok", "first_line", "import_alias_comma",
    }
)
# Fields in source order where the dataclass order differs (decorators come first in the text).
_ORDER_OVERRIDES = {
    "FunctionDef": ("decorators", "name", "type_parameters", "params", "returns", "body"),
    "ClassDef": ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
}

_FIELD_CACHE: Dict[type, Tuple[str, ...]] = {}


def _fields(node_type: type) -> Tuple[str, ...]:
    names = _FIELD_CACHE.get(node_type)
    if names is None:
        declared = [f.name for f in dataclasses.fields(node_type)]
        override = _ORDER_OVERRIDES.get(node_type.__name__)
        if override:
            declared = [n for n in override if n in declared] + [n for n in declared if n not in override]
        names = tuple(
            n for n in declared if n not in _SKIP_FIELDS and not n.startswith("whitespace")
        )
        _FIELD_CACHE[node_type] = names
    return names


_IS_NODE: Dict[type, bool] = {tuple: False, list: False, str: False, type(None): False}


def _is_node(cls: type) -> bool:
    """issubclass(cls, CSTNode), memoized: CSTNode is an ABC, whose isinstance is slow."""
    known = _IS_NODE.get(cls)
    if known is None:
        known = _IS_NODE[cls] = issubclass(cls, cst.CSTNode)
    return known


_LEAF: Dict[type, bool] = {}
_STRING_VALUED = frozenset({"Name", "Integer", "Float", "Imaginary", "SimpleString"})


def _is_leaf(node_type: type) -> bool:
    """The node can have no child node: all its walked fields are strings (``Name.value``) or it
    has none (operators, ``pass``). 40 % of the nodes the walk meets (40 files of the benchmark
    subset); it skips their bookkeeping."""
    known = _LEAF.get(node_type)
    if known is None:
        names = _fields(node_type)
        known = _LEAF[node_type] = not names or (node_type.__name__ in _STRING_VALUED and names == ("value",))
    return known


def _child_nodes(node: cst.CSTNode, cache=_FIELD_CACHE, compute=_fields) -> List[cst.CSTNode]:
    node_type = type(node)
    names = cache.get(node_type)  # the cache read here: a call per node saved (the walk's hottest line)
    if names is None:
        names = compute(node_type)
    out: List[cst.CSTNode] = []
    is_node = _IS_NODE
    for name in names:
        value = getattr(node, name)
        cls = type(value)
        if cls is tuple or cls is list:
            for element in value:
                flag = is_node.get(type(element))
                if flag is None:
                    flag = _is_node(type(element))
                if flag:
                    out.append(element)
        else:
            flag = is_node.get(cls)
            if flag is None:
                flag = _is_node(cls)
            if flag:
                out.append(value)
    return out


# Fields in source order for the nodes whose dataclass order differs from the text's.
# ``children`` keeps the walk's historical order (rules depend on the order the walk visits);
# ``source_children`` is for searches that must meet nodes in the order libcst's own
# ``node.children`` gives, without its cost.
_SOURCE_ORDER = {
    "Arg": ("keyword", "value"),
    "ExceptHandler": ("type", "name", "body"),
    "ExceptStarHandler": ("type", "name", "body"),
    "IfExp": ("body", "test", "orelse"),
    "MatchCase": ("pattern", "guard", "body"),
    "Slice": ("lower", "first_colon", "upper", "second_colon", "step"),
    "SimpleStatementSuite": ("leading_whitespace", "body"),
}
_SOURCE_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _source_fields(node_type: type) -> Tuple[str, ...]:
    names = _SOURCE_FIELDS.get(node_type)
    if names is None:
        names = _fields(node_type)
        order = _SOURCE_ORDER.get(node_type.__name__)
        if order:
            names = tuple(n for n in order if n in names) + tuple(n for n in names if n not in order)
        _SOURCE_FIELDS[node_type] = names
    return names


def source_children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The syntactic child nodes of ``node`` in the order of the source text.

    The same nodes as libcst's ``node.children`` minus whitespace, comments and punctuation, in
    the same order (checked against it on corpus code), at the cost of a few field reads instead of
    a visitor run per call. For searches over a subtree.
    """
    return _child_nodes(node, _SOURCE_FIELDS, _source_fields)


def children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The syntactic child nodes of ``node`` in source order, without whitespace and punctuation.

    Use this instead of libcst's ``node.children``, which runs a full visitor on every call
    (it was the largest cost of a whole run before rules switched to this).
    """
    return _child_nodes(node)


def _reraise(handler: Handler, exc: Exception) -> None:
    raise exc


def walk(
    root: cst.CSTNode,
    visit: Dict[Type[cst.CSTNode], List[Handler]],
    leave: Dict[Type[cst.CSTNode], List[Handler]],
    ancestors: List[cst.CSTNode],
    on_error: Optional[Callable[[Handler, Exception], None]] = None,
) -> None:
    """Walk ``root`` depth-first in source order.

    ``visit[type]`` handlers run when a node is entered, ``leave[type]`` after its children.
    ``ancestors`` is kept up to date so handlers can ask for the enclosing nodes. A handler that
    raises goes to ``on_error(handler, exc)`` (without one, the exception ends the walk); the
    tables are looked up again at every node, so ``on_error`` may replace their lists.
    """
    if on_error is None:
        on_error = _reraise
    # the three handler loops below are written out, not shared through a helper: a call per
    # node or per handler is what this walk exists to avoid (docs/performance.md, "Wave 14")
    LEAVE = object()
    is_leaf = _LEAF
    work: List[object] = [root]
    push = work.append
    while work:
        item = work.pop()
        if item is LEAVE:
            node = ancestors.pop()
            handlers = leave.get(type(node))
            if handlers:
                for handler in handlers:
                    try:
                        handler(node)
                    except Exception as exc:
                        on_error(handler, exc)
            continue
        node = item  # type: ignore[assignment]
        node_type = type(node)
        handlers = visit.get(node_type)
        if handlers:
            for handler in handlers:
                try:
                    handler(node)
                except Exception as exc:
                    on_error(handler, exc)
        leaf = is_leaf.get(node_type)
        if leaf is None:
            leaf = _is_leaf(node_type)
        if leaf:  # no children: its leave handlers now, as the LEAVE marker would run them next
            handlers = leave.get(node_type)
            if handlers:
                for handler in handlers:
                    try:
                        handler(node)
                    except Exception as exc:
                        on_error(handler, exc)
            continue
        ancestors.append(node)
        push(LEAVE)
        kids = _child_nodes(node)
        kids.reverse()
        work.extend(kids)
