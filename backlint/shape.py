"""How big and how deep a file's syntax is, known before libcst parses it.

libcst's native parser recurses once per level of nesting (a 50,000-branch ``elif`` chain or a
50,000-operand ``or`` ends in a segmentation fault), its cost grows faster than linearly with the
length of one expression (a 20,000-term ``a + b + ...`` or a 20,000-part ``x[0][0]...`` chain runs
for minutes) and its memory with nested lambdas and conditional expressions (4 GB for 5,000) and
with the number of tokens in one statement (~600 MB for a 1 MB line of numbers). None of that
shows in the bracket depth.

So a cheap scan of the raw bytes looks at the length of each statement (counting the names and
numbers in the few very long ones) and at the number of ``elif`` branches; only when a statement
is long or the branches many does CPython's own parser (in C, ~10x faster than libcst) build the
tree so its depth can be measured exactly. A file over a bound is skipped with the
reason, before libcst ever sees it, in every ``-j`` mode: it can neither crash the process (and
lose the other files' results) nor take the run past its deadline.

One recursion limit, ``RECURSION_LIMIT``, applies to checking files in-process (``-j 1``) and in
workers alike, so a file gets the same result in every mode.
"""
from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from typing import Iterator, Optional

RECURSION_LIMIT = 10000  # while a file is checked, in every mode

# syntactic depth allowed, counted on CPython's tree: a statement level costs 1, an expression
# level 2 (libcst's cost grows with expression depth much faster than with statement nesting,
# e.g. a 1,000-long subscript chain takes seconds); `a or b or c` counts one level per operand,
# as libcst nests it
MAX_DEPTH = 1000
# names and numbers in one statement (a 1 MB line of `[0, 1, 2, ...]` has ~170,000; libcst needs
# ~4 KB and ~0.1 ms for each); string literals do not count, a 1 MB string is cheap
MAX_STATEMENT_WORDS = 64_000
_COUNT_WORDS_BYTES = 64 * 1024  # statements shorter than this cannot hold that many

UNMEASURABLE = 2**31 - 1  # CPython's parser gave up (recursion or memory)

# below both, no file can come near MAX_DEPTH and nothing is measured
_MEASURE_STATEMENT_BYTES = 1000
_MEASURE_ELIF = 250
# the limit in force while CPython's parser builds the tree to measure (its C code recurses
# about three levels per unit of this limit; kept low so the C stack cannot overflow)
AST_RECURSION_LIMIT = 2000


class TooComplex(Exception):
    """The file is over a bound: it is skipped (not parsed), for ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@contextmanager
def recursion_limit(limit: int = RECURSION_LIMIT) -> Iterator[None]:
    """Run with the interpreter's recursion limit set to ``limit``, then restore it."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def statements(data: bytes):
    """(offset, length) of each logical line, in bytes: physical lines joined while brackets are
    open or a line ends in a backslash.

    Brackets inside strings and comments count too, so a length can only be too high (which
    costs a measurement, never a wrong skip: the exact check decides).
    """
    offset = start = depth = 0
    for line in data.split(b"\n"):
        offset += len(line) + 1
        if depth or (b"(" in line or b"[" in line or b"{" in line or b")" in line):
            depth += (line.count(b"(") + line.count(b"[") + line.count(b"{")
                      - line.count(b")") - line.count(b"]") - line.count(b"}"))
            if depth < 0:
                depth = 0
        if depth == 0 and not line.rstrip(b"\r").endswith(b"\\"):
            yield start, offset - start
            start = offset
    if offset > start:
        yield start, offset - start


_STRING = re.compile(rb"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_WORD = re.compile(rb"\w+")


def words(chunk: bytes) -> int:
    """About how many names and numbers ``chunk`` holds, outside string literals: what the
    parser's time and memory for one statement grow with (a 1 MB string costs nothing)."""
    return sum(1 for _ in _WORD.finditer(_STRING.sub(b"''", chunk)))


# a weighted level under an expression needs at least one byte of the expression's text (an
# operand, an operator, a dot or a bracket), and at most two unpositioned nodes (``arguments``,
# ``comprehension``, an operator, ``Load``) weigh 1 each between two expression levels: so the
# subtree of a one-line expression of n bytes adds at most _PER_BYTE * n + _SLACK to its depth
_PER_BYTE = 4
_SLACK = 8


def syntax_depth(tree, limit: Optional[int] = None) -> int:
    """The deepest nesting of ``tree`` (a CPython ``ast``), weighted as ``MAX_DEPTH`` says.

    With ``limit``, a one-line expression whose text is too short to hold a subtree deeper than
    ``limit`` is not descended into: the result is then exact when it is over ``limit``, and at
    most ``limit`` otherwise. Inside an f-string nothing is skipped (CPython 3.11 places the
    expressions of some f-strings at made-up columns).
    """
    import ast

    expr, boolop, joined = ast.expr, ast.BoolOp, ast.JoinedStr
    children = ast.iter_child_nodes
    deepest = 0
    stack = [(tree, 0, limit is None)]
    pop, push = stack.pop, stack.append
    bound = limit if limit is not None else 0
    while stack:
        node, depth, exact = pop()
        if isinstance(node, expr):
            depth += 2
            if type(node) is boolop:
                depth += 2 * (len(node.values) - 2)
            if not exact:
                if node.lineno == node.end_lineno and \
                        depth + _PER_BYTE * (node.end_col_offset - node.col_offset) + _SLACK <= bound:
                    if depth > deepest:
                        deepest = depth
                    continue
                if type(node) is joined:
                    exact = True
        else:
            depth += 1
        if depth > deepest:
            deepest = depth
        for child in children(node):
            push((child, depth, exact))
    return deepest


# the CPython tree of the file last measured, for statement_lines.py (same text, parsed once)
_LAST_TREE: Optional[tuple] = None


def take_tree(text: str):
    """The ``ast`` that ``check`` built for this very ``text`` (None if it built none); forgotten
    either way, so no tree outlives its file."""
    global _LAST_TREE
    last, _LAST_TREE = _LAST_TREE, None
    if last is not None and last[0] is text:
        return last[1]
    return None


def check(data: bytes, text: str) -> None:
    """Raise :class:`TooComplex` when ``text`` (from ``data``) is over a bound."""
    global _LAST_TREE
    _LAST_TREE = None
    elifs = data.count(b"elif")
    if len(data) <= _MEASURE_STATEMENT_BYTES and elifs <= _MEASURE_ELIF:
        return  # most files: too small to hold anything deep
    longest = 0
    for start, length in statements(data):
        if length > longest:
            longest = length
        if length > _COUNT_WORDS_BYTES:
            count = words(data[start:start + length])
            if count > MAX_STATEMENT_WORDS:
                line = data.count(b"\n", 0, start) + 1
                raise TooComplex(
                    f"skipped: the statement at line {line} holds about {count:,} names and numbers "
                    f"(the limit is {MAX_STATEMENT_WORDS:,}: parsing it would take minutes and gigabytes)")
    if longest <= _MEASURE_STATEMENT_BYTES and elifs <= _MEASURE_ELIF:
        return
    depth = _measured_depth(text)
    if depth is not None and depth > MAX_DEPTH:
        how = "deeper than Python's own parser accepts" if depth == UNMEASURABLE else f"depth {depth}"
        raise TooComplex(
            f"skipped: the code is nested too deeply to check ({how}; the limit is {MAX_DEPTH}: long "
            "`elif` chains, operator, attribute or call chains and nested lambdas count)")


def _measured_depth(text: str) -> Optional[int]:
    """The weighted depth by CPython's parser; None when it rejects the syntax (libcst then
    reports the error, or accepts syntax newer than this interpreter knows)."""
    import ast
    import warnings

    try:
        with recursion_limit(AST_RECURSION_LIMIT), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except SyntaxError:
        return None
    except (RecursionError, MemoryError):
        return UNMEASURABLE
    except ValueError:  # e.g. NUL bytes, reported by the decoder before this
        return None
    global _LAST_TREE
    _LAST_TREE = (text, tree)
    return syntax_depth(tree, MAX_DEPTH)
