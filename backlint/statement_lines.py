"""Where a statement starts, from CPython's own parser, so positions need not generate a module.

libcst nodes carry no positions: the only way to learn them is to generate code and count lines
(positions.py). Generating a whole module costs about half its parse, and most of it is spent on
statements that hold no reported node. CPython's ``ast`` (C, ~10x cheaper than the libcst parse)
knows the first line of every statement, so code generation can start at the top-level
statement, class or function that holds the wanted nodes, from the line the ``ast`` gives and
the block indentation of its enclosing classes and functions.

Nothing here is trusted blindly: the text generated from such a start must equal the source at
that line, character for character, or the caller generates the whole module as before. Any
code that CPython's parser rejects (syntax newer than the running Python, for example) also
falls back. So positions are the same as a whole-module pass, or the whole-module pass is run.
"""
from __future__ import annotations

import ast
import warnings
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from ._lazy import cst
from .lines import line_starts
from .walker import children

# Statements whose indented body is searched for a smaller starting point.
_DESCEND = ("ClassDef", "FunctionDef")


class Anchor:
    """A statement code generation can start at: its first line and the indentation around it."""

    __slots__ = ("node", "parent", "indents", "ast_node")

    def __init__(self, node, parent: Optional["Anchor"], indents: Tuple[str, ...]) -> None:
        self.node = node
        self.parent = parent
        self.indents = indents
        self.ast_node = None  # filled in by StatementLines.start_line

    def chain(self) -> List["Anchor"]:
        out: List[Anchor] = []
        anchor: Optional[Anchor] = self
        while anchor is not None:
            out.append(anchor)
            anchor = anchor.parent
        out.reverse()
        return out


def find_anchors(module, wanted: Set[int], scopes: Iterable = ()) -> Optional[Dict[int, Anchor]]:
    """The innermost anchor holding each wanted node (by id), or None if a node is not found
    among the syntactic children (a whitespace node, or the module itself).

    ``scopes`` (statements a caller knows to hold most of the wanted nodes, such as the
    functions it interpreted) are searched first, found by a walk over statements only; the
    rest of the module is searched, without those subtrees, only for the nodes not found in
    them. A wrong hint costs time, never a different answer."""
    found: Dict[int, Anchor] = {}
    top: List[Tuple[object, Anchor]] = [(stmt, Anchor(stmt, None, ())) for stmt in module.body]
    top.reverse()
    skip: Set[int] = set()
    scope_ids = {id(s) for s in scopes}
    if scope_ids:
        # innermost first (reverse source order puts a nested scope before the one holding it);
        # each node is searched once: a scope searched already is skipped by the outer ones
        for start in reversed(_statements_anchored(module, list(top), scope_ids)):
            _search([start], wanted, found, module.default_indent, skip)
            if len(found) == len(wanted):
                return found
            skip.add(id(start[0]))
    _search(top, wanted, found, module.default_indent, skip)
    return found if len(found) == len(wanted) else None


def _search(stack: List[Tuple[object, Anchor]], wanted: Set[int], found: Dict[int, Anchor],
            default_indent: str, skip: Set[int]) -> None:
    block = cst.IndentedBlock
    while stack and len(found) < len(wanted):
        node, anchor = stack.pop()
        if skip and id(node) in skip:
            continue  # searched already (a scope)
        if id(node) in wanted:
            found[id(node)] = anchor
        kids = children(node)
        body = getattr(node, "body", None) if node is anchor.node else None
        if body is not None and type(body) is block and type(node).__name__ in _DESCEND:
            if id(body) in wanted:
                found[id(body)] = anchor
            indents = anchor.indents + (default_indent if body.indent is None else body.indent,)
            inner = [(stmt, Anchor(stmt, anchor, indents)) for stmt in body.body]
            kids = [k for k in kids if k is not body]
            for item in reversed(inner):
                stack.append(item)
        for kid in reversed(kids):
            stack.append((kid, anchor))


def _statements_anchored(module, stack: List[Tuple[object, Anchor]], targets: Set[int]) -> List[Tuple[object, Anchor]]:
    """The statements among ``targets`` (by id) with the anchor ``_search`` would reach them
    with, in source order (a target before the targets nested in it), found through statements
    and their suites only (no expressions: no statement is inside one)."""
    out: List[Tuple[object, Anchor]] = []
    default_indent = module.default_indent
    block = cst.IndentedBlock
    while stack and len(out) < len(targets):
        node, anchor = stack.pop()
        if id(node) in targets:
            out.append((node, anchor))
        body = getattr(node, "body", None)
        if node is anchor.node and type(body) is block and type(node).__name__ in _DESCEND:
            indents = anchor.indents + (default_indent if body.indent is None else body.indent,)
            for stmt in reversed(body.body):
                stack.append((stmt, Anchor(stmt, anchor, indents)))
            continue
        for suite in reversed(_suites(node)):
            for stmt in reversed(suite):
                stack.append((stmt, anchor))
    return out


def _suites(node) -> List[Sequence]:
    """The statement lists directly inside a compound statement (its body, else, handlers...)."""
    out: List[Sequence] = []
    if not isinstance(node, cst.BaseCompoundStatement):
        return out
    body = getattr(node, "body", None)
    if type(body) is cst.IndentedBlock:
        out.append(body.body)
    for name in ("cases", "handlers"):
        for part in getattr(node, name, ()):
            if type(part.body) is cst.IndentedBlock:
                out.append(part.body.body)
    orelse = getattr(node, "orelse", None)
    if type(orelse) is cst.If:
        out.append((orelse,))
    elif orelse is not None and type(orelse.body) is cst.IndentedBlock:
        out.append(orelse.body.body)
    final = getattr(node, "finalbody", None)
    if final is not None and type(final.body) is cst.IndentedBlock:
        out.append(final.body.body)
    return out


def outermost(anchors: List[Anchor]) -> List[Anchor]:
    """The anchors not inside another one of them: generating those covers every node."""
    chosen = {id(a.node) for a in anchors}
    out: List[Anchor] = []
    seen: Set[int] = set()
    for anchor in anchors:
        if id(anchor.node) in seen:
            continue
        if any(id(up.node) in chosen for up in anchor.chain()[:-1]):
            continue
        seen.add(id(anchor.node))
        out.append(anchor)
    return out


class StatementLines:
    """CPython's ast of one file, parsed on first use, aligned with libcst's statements."""

    def __init__(self, module, text: str) -> None:
        from .shape import take_tree

        self.module = module
        self.text = text
        self._tree = take_tree(text)  # the depth guard's tree of this text, when it built one
        self._failed = False
        self._aligned: Dict[int, Optional[Dict[int, ast.AST]]] = {}
        self._line_starts: Optional[List[int]] = None

    def line_starts(self) -> List[int]:
        if self._line_starts is None:
            self._line_starts = line_starts(self.text)
        return self._line_starts

    def _ast(self):
        if self._tree is None and not self._failed:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # invalid escapes: CPython's business, not ours
                    self._tree = ast.parse(self.text)
            except Exception:  # syntax this Python does not know, too deep, ...
                self._failed = True
        return self._tree

    @staticmethod
    def _align(cst_body, ast_body) -> Optional[Dict[int, ast.AST]]:
        """libcst statement -> the ast statement it starts with (a libcst line `a; b` holds two)."""
        out: Dict[int, ast.AST] = {}
        i = 0
        simple = cst.SimpleStatementLine
        for stmt in cst_body:
            if i >= len(ast_body):
                return None
            out[id(stmt)] = ast_body[i]
            i += len(stmt.body) if type(stmt) is simple else 1
        return out if i == len(ast_body) else None

    def _ast_of(self, anchor: Anchor):
        if anchor.ast_node is not None:
            return anchor.ast_node
        if anchor.parent is None:
            tree = self._ast()
            if tree is None:
                return None
            key, cst_body, ast_body = 0, self.module.body, tree.body
        else:
            outer = self._ast_of(anchor.parent)
            if outer is None:
                return None
            key, cst_body, ast_body = id(anchor.parent.node), anchor.parent.node.body.body, outer.body
        if key not in self._aligned:
            self._aligned[key] = self._align(cst_body, ast_body)
        aligned = self._aligned[key]
        found = aligned.get(id(anchor.node)) if aligned is not None else None
        kind = type(anchor.node).__name__
        if found is not None and kind in _DESCEND and _AST_KINDS[kind] != type(found).__name__.replace("Async", ""):
            found = None  # the two parsers disagree about this statement: do not guess
        anchor.ast_node = found
        return found

    def start_line(self, anchor: Anchor) -> Optional[int]:
        """The line where ``anchor``'s generated text starts (its leading blank and comment lines
        included), as CPython's parser places it; None when it cannot say."""
        node = anchor.node
        found = self._ast_of(anchor)
        if found is None:
            return None
        decorators = getattr(node, "decorators", ())
        if decorators:
            ast_decorators = getattr(found, "decorator_list", None)
            if not ast_decorators or len(ast_decorators) != len(decorators):
                return None
            first = ast_decorators[0].lineno - len(decorators[0].leading_lines)
        else:
            first = getattr(found, "lineno", None)
            if first is None:
                return None
        return first - len(node.leading_lines)


_AST_KINDS = {"ClassDef": "ClassDef", "FunctionDef": "FunctionDef"}
