"""``walker.source_children`` is libcst's ``node.children`` without whitespace, comments and
punctuation, in the same order: rules' subtree searches were moved onto it for speed (libcst's
property runs a visitor per call), so any divergence would change what they find first."""
from __future__ import annotations

import libcst as cst

from backlint.walker import source_children

SOURCE = '''
import os, sys as system
from . import (a, b,)
from ..pkg import *

@decorator(arg, key=value)
@other
async def handler(request, *args, flag: bool = True, **kwargs) -> dict:
    x = a if b else c
    y = items[1:2:3], items[::2], items[lower:]
    call(first, *rest, key=value, **extra)
    if x: return y
    try:
        pass
    except (KeyError, ValueError) as error:
        raise
    finally:
        del x
    try:
        pass
    except* OSError as group:
        pass
    finally:
        del x
    async with lock as held, other:
        async for row in rows:
            await row
    match command:
        case {"k": v, **rest} if v > 1:
            pass
        case Point(x=0, y=yy) | [1, *others] as whole:
            pass
    lam = lambda p, q=1: (p, q)
    comp = {k: v for k, v in pairs if k for j in k}
    text = f"{x!r:>{width}} and {y}" "tail"
    global g
    return {**a, "b": (yield c)}  # a comment

class Model(Base, metaclass=Meta):
    field: int = 1
'''

PUNCTUATION = (
    cst.AssignEqual, cst.Asynchronous, cst.Colon, cst.Comma, cst.Dot, cst.EmptyLine,
    cst.LeftCurlyBrace, cst.LeftParen, cst.LeftSquareBracket, cst.Newline,
    cst.ParenthesizedWhitespace, cst.RightCurlyBrace, cst.RightParen, cst.RightSquareBracket,
    cst.SimpleWhitespace, cst.TrailingWhitespace, cst.Comment, cst.Semicolon,
)


def test_same_nodes_in_the_same_order_as_libcst_minus_punctuation():
    module = cst.parse_module(SOURCE)
    checked = 0
    for node in _walk_ours(module):  # every node a search starting at the module can meet
        ours = source_children(node)
        theirs = [c for c in node.children if not isinstance(c, PUNCTUATION)]
        # a Slice's colons are kept, as the walk keeps them
        if isinstance(node, cst.Slice):
            theirs = [c for c in node.children if not isinstance(c, PUNCTUATION) or isinstance(c, cst.Colon)]
        if isinstance(node, cst.SimpleStatementSuite):
            theirs = [c for c in node.children if not isinstance(c, PUNCTUATION) or c is node.leading_whitespace]
        assert [id(c) for c in ours] == [id(c) for c in theirs], type(node).__name__
        checked += 1
    assert checked > 250


def test_never_yields_comments():
    module = cst.parse_module("x = 1  # secret\n# another\ny = [a,  # inner\n     b]\n")
    seen = {type(n) for root in [module] for n in _walk_ours(root)}
    assert cst.Comment not in seen and cst.Name in seen


def _walk_ours(root):
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(source_children(node))


def test_no_module_reads_libcsts_children_property():
    """``node.children`` runs a libcst visitor per call; searches use ``source_children``."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "backlint"
    offenders = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "children":
                offenders.append(f"{path.relative_to(package)}:{node.lineno}")
    assert offenders == []
