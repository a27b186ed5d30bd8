"""``%`` formatting of SQL text: which pieces of the right-hand side reach the text.

``"... %s ..." % (a, b)`` and ``"... %(name)s ..." % {"name": x}``: a piece formatted with a
numeric conversion (``%d``, ``%f``...) is a number whatever it holds; every other piece is judged
by ``SqlValues.ev``. The skeleton keeps the constant text with the pieces as ``HOLE``.
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from .._lazy import cst

from .sql import HOLE
from .value_kinds import UNKNOWN, Val

_PERCENT = re.compile(r"%(?:\(([^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")
_NUMERIC_CONVERSIONS = frozenset("diouxXeEfFgGc")


def percent(tracker, node: cst.BinaryOperation, left: Val, d: int) -> Val:
    text = left.text
    conversions: List[Tuple[Optional[str], str]] = []
    if text is not None:
        for m in _PERCENT.finditer(text):
            if m.group(2) != "%":
                conversions.append((m.group(1), m.group(2)))
        skeleton = _PERCENT.sub(lambda m: "%" if m.group(2) == "%" else HOLE, text)
    else:
        skeleton = None
    right = node.right
    items: List[Tuple[Val, cst.CSTNode]] = [(left, node.left)]

    numeric = _NUMERIC_CONVERSIONS.__contains__

    if type(right) is cst.Tuple and text is not None and all(k is None for k, _ in conversions):
        for index, item in enumerate(right.elements):
            conv = conversions[index][1] if index < len(conversions) else "s"
            if type(item) is cst.StarredElement or not numeric(conv):
                items.append((tracker.ev(item.value, d), item.value))
    elif type(right) is cst.Dict and text is not None and conversions and all(
        k is not None for k, _ in conversions
    ):
        kinds = {k: c for k, c in conversions}
        for item in right.elements:
            if type(item) is not cst.DictElement:
                items.append((UNKNOWN, item.value))
                continue
            key = item.key.evaluated_value if type(item.key) is cst.SimpleString else None
            if key is None or not numeric(kinds.get(key, "s")):
                items.append((tracker.ev(item.value, d), item.value))
    else:
        if not (text is not None and conversions and all(numeric(c) for _, c in conversions)):
            items.append((tracker.ev(right, d), right))
    return tracker.pieces("`%` formatting", items, skeleton)
