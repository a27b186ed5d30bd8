"""The depth guard's pruned measure (shape.syntax_depth with a limit) decides exactly as the full
walk does: equal whenever the depth is over the limit, never over it when the full walk is not."""
from __future__ import annotations

import ast

import pytest

from backlint import shape

LIMIT = shape.MAX_DEPTH

CASES = [
    "x = " + "-" * 600 + "1\n",
    "x = " + "a." * 300 + "b\n",
    "x = " + "f(" * 190 + ")" * 190 + "\n",
    "x = " + " or ".join(["a"] * 520) + "\n",
    "x = " + "lambda: " * 300 + "0\n",
    "x = " + "[" * 190 + "]" * 190 + "\n",
    "x = a" + "[0]" * 300 + "\n",
    "x = " + "(y for y in " * 120 + "z" + ")" * 120 + "\n",
    "x = f'{a}' + f'''{\n" + "-" * 600 + "b}'''\n",  # an f-string's expressions: never pruned
    "x = f\"{f'{" + "-" * 520 + "a}'}\"\n",
    "x = f'{a}' + f'''{\n" + "-" * 300 + "b}'''\n",
    "x = {" + ", ".join(f"'k{i}': [{i}, ({i}, {i})]" for i in range(400)) + "}\n",
    "if a:\n    pass\n" + "".join(f"elif a == {i}:\n    pass\n" for i in range(700)),
    "def f(" + ", ".join(f"a{i}: int = -{i}" for i in range(300)) + "):\n    return " + " + ".join("-a" for _ in range(400)) + "\n",
]


def _both(source: str):
    tree = ast.parse(source)
    return shape.syntax_depth(tree), shape.syntax_depth(tree, LIMIT)


@pytest.mark.parametrize("source", CASES)
def test_pruned_depth_decides_as_the_full_walk(source):
    exact, pruned = _both(source)
    assert pruned <= exact
    assert (pruned > LIMIT) == (exact > LIMIT)
    if exact > LIMIT:
        assert pruned == exact


def test_some_cases_are_over_and_some_under():
    verdicts = {_both(c)[0] > LIMIT for c in CASES}
    assert verdicts == {True, False}


def test_check_keeps_its_tree_for_the_same_text_only():
    text = "x = 1\n" + "y = [" + ", ".join(str(i) for i in range(400)) + "]\n"  # long: measured
    shape.check(text.encode(), text)
    tree = shape.take_tree(text)
    assert isinstance(tree, ast.Module) and len(tree.body) == 2
    assert shape.take_tree(text) is None  # forgotten once taken
    shape.check(text.encode(), text)
    assert shape.take_tree(text[:-1] + "\n") is None  # an equal text that is another object
    assert shape.take_tree(text) is None
    small = "x = 1\n"
    shape.check(small.encode(), small)  # too small to measure: no tree
    assert shape.take_tree(small) is None
