"""Positions for the few nodes that are reported, not for every node in the file.

libcst's ``PositionProvider`` records a range for every node (and deep-copies the module first);
most files have no finding at all, so the engine asks for positions only after the walk, only for
the reported nodes, their statements and fix targets. They come from code generation, and only
of the statements that hold those nodes (``statement_lines.py``: started at the line CPython's
parser gives the statement, and verified against the source); the whole module is generated only
when that cannot be done.

Two things keep the pass small for rules that record facts (``FileContext.locate``): callers
name ``scopes`` (the statements or functions their nodes were met in), searched before the rest
of the module when looking for the statements to generate; and nodes wanted for their start only
(a loop named by its line) let a statement's generation stop once its last wanted node is done.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Dict, Iterable, Iterator, List, Optional, Set, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

if TYPE_CHECKING:
    from .statement_lines import StatementLines

from .lines import NEWLINE_RE

# (start_line, start_col, end_line, end_col); lines 1-based, columns 0-based
Range = Tuple[int, int, int, int]


class _Stop(Exception):
    """Every node asked for in the statement being generated is done: the rest is not needed."""


class _State(CodegenState):
    """A codegen state that tracks line/column and records only the nodes it was asked for."""

    def __init__(self, module: cst.Module, wanted: Set[int], starts: Set[int] = frozenset()) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line = 1
        self.column = 0
        self.wanted = wanted  # ids of nodes whose ranges we want
        self.inclusive_wanted: Set[int] = set(wanted)
        self.syntactic: Dict[int, Range] = {}
        self.inclusive: Dict[int, Range] = {}
        self.indents: Dict[int, Tuple[str, ...]] = {}  # block indentation in force at each node (fixtext.py)
        self._stack: List[Tuple[int, int]] = []
        self.starts = starts  # ids of nodes of which only the start is wanted (not suites)
        self.start_of: Dict[int, Tuple[int, int]] = {}
        self._before: Dict[int, Tuple[int, int]] = {}
        # the wanted nodes of the statement being generated that are not done yet; when the
        # last one is, generation stops (``stop_early``: not for a whole-module pass)
        self.pending: Set[int] = set()
        self.stop_early = False

    def _done(self, key: int) -> None:
        pending = self.pending
        if key in pending:
            pending.discard(key)
            if not pending and self.stop_early:
                raise _Stop

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        segments = NEWLINE_RE.split(value)
        if len(segments) == 1:
            self.column += len(value)
        else:
            self.line += len(segments) - 1
            self.column = len(segments[-1])

    def before_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.inclusive_wanted:
            self._stack.append((self.line, self.column))
            self.indents.setdefault(key, tuple(self.indent_tokens))
        elif key in self.starts:
            self._before[key] = (self.line, self.column)

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.inclusive_wanted:
            start = self._stack.pop()
            self.inclusive.setdefault(key, (start[0], start[1], self.line, self.column))
        elif key in self.starts and key not in self.start_of:
            self.start_of[key] = self._before[key]  # no syntactic range: it starts where its text does
        if key in self.pending:
            self._done(key)

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        if id(node) not in self.wanted:
            if id(node) in self.starts and start_node is None:
                self.start_of[id(node)] = (self.line, self.column)
                self._done(id(node))
            yield
            return
        for helper in (start_node, end_node):
            if helper is not None:
                self.inclusive_wanted.add(id(helper))
        start = (self.line, self.column)
        try:
            yield
        finally:
            end = (self.line, self.column)
            if start_node is not None and id(start_node) in self.inclusive:
                r = self.inclusive[id(start_node)]
                start = (r[0], r[1])
            if end_node is not None and id(end_node) in self.inclusive:
                r = self.inclusive[id(end_node)]
                end = (r[2], r[3])
            self.syntactic[id(node)] = (start[0], start[1], end[0], end[1])


class Positions:
    def __init__(self, syntactic: Dict[int, Range], inclusive: Dict[int, Range],
                 indents: Optional[Dict[int, Tuple[str, ...]]] = None,
                 starts: Optional[Dict[int, Tuple[int, int]]] = None) -> None:
        self._syntactic = syntactic
        self._inclusive = inclusive
        self.indents = indents or {}
        self._starts = starts or {}

    def start(self, node: cst.CSTNode) -> Optional[Tuple[int, int]]:
        """Where the node starts (line, column), for nodes asked for as ``starts`` or in full."""
        found = self._starts.get(id(node))
        if found is not None:
            return found
        r = self.range(node)
        return (r[0], r[1]) if r is not None else None

    def range(self, node: cst.CSTNode) -> Optional[Range]:
        """The node's range without surrounding whitespace (what a user calls "the node")."""
        return self._syntactic.get(id(node)) or self._inclusive.get(id(node))

    def inclusive_range(self, node: cst.CSTNode) -> Optional[Range]:
        """The range of exactly the text the node generates (used to replace it in a fix)."""
        return self._inclusive.get(id(node))


# The file being checked (set by the engine): lets ``compute`` start at statements (below).
_CURRENT: Optional["StatementLines"] = None


def use(module: Optional[cst.Module], text: str = "") -> None:
    """Tell ``compute`` the source text of the module being checked (None: no module)."""
    global _CURRENT
    if module is None:
        _CURRENT = None
    else:
        from .statement_lines import StatementLines

        _CURRENT = StatementLines(module, text)


def compute(module: cst.Module, nodes: Iterable[cst.CSTNode], scopes: Iterable[cst.CSTNode] = (),
            starts: Iterable[cst.CSTNode] = ()) -> Positions:
    """Ranges of ``nodes``: generated from the statements that hold them when the engine has
    told the module's text (``use``) and every start is verified, else from the whole module.
    ``scopes``: statements that probably hold the nodes, searched first (a hint, never trusted).
    ``starts``: nodes of which only the start is wanted (``Positions.start``): generation of a
    statement stops once its last wanted node is done, so a loop asked for its line is not
    generated to its end."""
    wanted = {id(n) for n in nodes}
    only_start = {id(n) for n in starts if not isinstance(n, cst.BaseSuite)} - wanted
    wanted |= {id(n) for n in starts if isinstance(n, cst.BaseSuite)}  # a block starts at its first statement
    lines = _CURRENT
    if lines is not None and lines.module is module and (wanted or only_start):
        found = _from_statements(module, wanted, lines, scopes, only_start)
        if found is not None:
            return found
    return whole_module(module, wanted, only_start)


def whole_module(module: cst.Module, wanted: Set[int], starts: Set[int] = frozenset()) -> Positions:
    state = _State(module, wanted, starts)
    module._codegen(state)
    return Positions(state.syntactic, state.inclusive, state.indents, state.start_of)


def _from_statements(module: cst.Module, wanted: Set[int], lines, scopes: Iterable[cst.CSTNode] = (),
                     starts: Set[int] = frozenset()) -> Optional[Positions]:
    from .statement_lines import find_anchors, outermost

    found = find_anchors(module, wanted | starts, scopes)
    if found is None:
        return None
    text = lines.text
    state = _State(module, wanted, starts)
    roots = outermost(list(found.values()))
    pending: Dict[int, Set[int]] = {id(a.node): set() for a in roots}
    for key, anchor in found.items():
        for up in anchor.chain():
            if id(up.node) in pending:
                pending[id(up.node)].add(key)
                break
    state.stop_early = True
    for anchor in roots:
        line = lines.start_line(anchor)
        starts_at = lines.line_starts()
        if line is None or not 1 <= line <= len(starts_at):
            return None
        state.line, state.column = line, 0
        state.indent_tokens = list(anchor.indents)
        state.tokens = []
        state._stack = []
        state.pending = pending[id(anchor.node)]
        try:
            anchor.node._codegen(state)
        except _Stop:
            pass
        if not text.startswith("".join(state.tokens), starts_at[line - 1]):
            return None  # CPython's line and libcst's text disagree: generate the whole module
    return Positions(state.syntactic, state.inclusive, state.indents, state.start_of)
