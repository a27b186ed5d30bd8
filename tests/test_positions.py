"""Positions generated from the statements that hold the nodes equal a whole-module pass.

positions.py starts code generation at a top-level statement, class or method, at the line
CPython's parser gives it, and checks the generated text against the source; when the two
parsers disagree it generates the whole module. Either way the ranges must be those of the
whole-module pass.
"""
from __future__ import annotations

import libcst as cst
import pytest

from backlint import positions
from backlint.walker import children

SOURCES = {
    "plain": "import os\n\nX = 1\n\n\ndef f(a, b=2):\n    return a + b\n",
    "decorated": (
        "# header\n\nimport functools\n\n\n# above the decorator\n@functools.cache\n"
        "# between decorators\n@staticmethod\ndef g():\n    '''doc'''\n    x = [\n        1,\n    ]\n"
        "    return x\n"
    ),
    "class_methods": (
        "class Model(Base):\n    name = 'x'\n\n    # a comment\n    @property\n    def label(self):\n"
        "        if self.name:\n            return self.name  # trailing\n        return ''\n\n"
        "    class Meta:\n        ordering = ['name']\n"
    ),
    "semicolons": "a = 1; b = 2\nc = 3;\ndef h(): return a; \nclass K: x = 1; y = 2\n",
    "crlf": "import os\r\n\r\nclass A:\r\n    def m(self):\r\n        return os.sep\r\n",
    "tabs": "class A:\n\tdef m(self):\n\t\treturn 1\n\n\tdef n(self):\n\t\treturn (\n\t\t\t2)\n",
    "no_trailing_newline": "def f():\n    return 1\n\nx = f()",
    "comments_after_block": "def f():\n    return 1\n    # indented footer\n# dedented\n\nx = 2\n",
    "parenthesized_start": "(\n    print('a')\n)\n[a,\n b] = 1, 2\nclass C:\n    (\n        x\n    ) = 3\n",
    "continuation": "x = 1 + \\\n    2\nif x:\n    y = \\\n        3\n",
    "async_and_nested": (
        "async def a():\n    async with b() as c:\n        await c\n\n\n"
        "class Outer:\n    class Inner:\n        def deep(self):\n            return [i for i in range(3)]\n"
    ),
    "form_feed": "x = 1\n\x0c\ndef f():\n    return x\n",
    "empty_lines_only": "\n\n# only a comment\n",
    "unicode": "name = 'ünïcödé'\ndef f():\n    return '日本語' + name\n",
}


def _all_nodes(module):
    out, stack = [], [module]
    while stack:
        node = stack.pop()
        out.append(node)
        kids = children(node)
        body = getattr(node, "body", None)
        if isinstance(body, cst.BaseSuite) and body not in kids:
            out.append(body)
        stack.extend(kids)
    return out[1:]


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_statement_start_equals_whole_module(name):
    text = SOURCES[name]
    module = cst.parse_module(text)
    nodes = _all_nodes(module)
    whole = positions.whole_module(module, {id(n) for n in nodes})
    positions.use(module, text)
    try:
        fast = positions.compute(module, nodes)
        for node in nodes:  # one at a time too: then only the innermost statement is generated
            single = positions.compute(module, [node])
            assert single.range(node) == whole.range(node), (type(node).__name__, name)
            assert single.inclusive_range(node) == whole.inclusive_range(node)
            assert single.indents.get(id(node)) == whole.indents.get(id(node))
    finally:
        positions.use(None)
    for node in nodes:
        assert fast.range(node) == whole.range(node)
        assert fast.inclusive_range(node) == whole.inclusive_range(node)


def _compute_counting_tokens(module, text, *args):
    """``positions.compute(module, *args)`` and every token it generated on the way (only those:
    the counting is undone before the caller compares with other passes)."""
    generated = []
    original = positions._State.add_token

    def counting(self, value):
        generated.append(value)
        original(self, value)

    positions.use(module, text)
    try:
        positions._State.add_token = counting
        return positions.compute(module, *args), generated
    finally:
        positions._State.add_token = original
        positions.use(None)


def test_starts_at_the_statement_not_the_module():
    """A node in the last method is found by generating that method only."""
    text = "".join(f"def f{i}():\n    return {i}\n\n" for i in range(200)) + "class A:\n    def m(self):\n        return 1\n"
    module = cst.parse_module(text)
    method = module.body[-1].body.body[0]
    ret = method.body.body[0]
    pos, generated = _compute_counting_tokens(module, text, [ret])
    assert pos.range(ret) == positions.whole_module(module, {id(ret)}).range(ret)
    assert "".join(generated) == "        return 1\n"  # the statement holding the node, nothing more


def test_disagreement_falls_back_to_the_whole_module():
    """Code the running Python's parser may reject (a 3.12 type alias) still gets the
    positions of the whole-module pass."""
    text = "x = 1\ntype Alias = int\ny = 2\n"
    try:
        module = cst.parse_module(text)
    except Exception:  # pragma: no cover - older libcst
        pytest.skip("libcst cannot parse type aliases")
    node = module.body[2]
    positions.use(module, text)
    try:
        assert positions.compute(module, [node]).range(node) == positions.whole_module(module, {id(node)}).range(node)
    finally:
        positions.use(None)


NESTED = (
    "import os\n\n\nif os.name:\n    def posix():\n        for i in range(3):\n            print(i)\nelse:\n"
    "    def other():\n        return 1\n\n\ntry:\n    import json\nexcept ImportError:\n"
    "    def loads(s):\n        return s\nfinally:\n    pass\n\n\nclass Model:\n    with open('x') as f:\n"
    "        def inside(self):\n            return [y for y in f]\n\n    def m(self):\n"
    "        while True:\n            self.save()\n        else:\n            return 2\n\n\n"
    "def top(a):\n    def helper():\n        return a.b\n    return helper()\n"
)


def _statements(module):
    return [n for n in _all_nodes(module) if isinstance(n, (cst.BaseCompoundStatement, cst.SimpleStatementLine))]


@pytest.mark.parametrize("name", sorted(SOURCES) + ["nested"])
def test_scopes_change_the_cost_never_the_answer(name):
    """``scopes`` is a hint: right, wrong, nested or partial, the ranges stay the whole
    module's (a node outside every scope is still searched for in the rest)."""
    text = NESTED if name == "nested" else SOURCES[name]
    module = cst.parse_module(text)
    nodes = _all_nodes(module)
    if not nodes:
        return
    whole = positions.whole_module(module, {id(n) for n in nodes})
    stmts = _statements(module)
    positions.use(module, text)
    try:
        for scope in stmts:
            inside = [scope] + [n for n in _subtree(scope)]
            for wanted, scopes in ((inside, [scope]), (nodes, [scope]), (inside[-3:], stmts), (nodes[:5], [scope, scope])):
                pos = positions.compute(module, wanted, scopes)
                for node in wanted:
                    assert pos.range(node) == whole.range(node), (name, type(scope).__name__, type(node).__name__)
                    assert pos.inclusive_range(node) == whole.inclusive_range(node)
                    assert pos.indents.get(id(node)) == whole.indents.get(id(node))
    finally:
        positions.use(None)


def _subtree(node):
    out, stack = [], list(children(node))
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(children(n))
    return out


def test_scoped_search_stays_inside_the_scope():
    """Nodes inside the hinted function are found without walking the rest of the module
    (the cost ``ctx.locate`` paid for the N+1 analysis's facts), statements included."""
    from backlint import statement_lines

    text = "".join(f"def f{i}():\n    return [x + {i} for x in range(3)]\n\n" for i in range(200))
    text += "class A:\n    if True:\n        def m(self):\n            return self.a.b\n"
    module = cst.parse_module(text)
    method = module.body[-1].body.body[0].body.body[0]
    ret = method.body.body[0]
    visited = []
    original = statement_lines.children

    def counting(node):
        visited.append(node)
        return original(node)

    statement_lines.children = counting
    try:
        found = statement_lines.find_anchors(module, {id(ret)}, [method])
        assert len(visited) < 20
        visited.clear()
        full = statement_lines.find_anchors(module, {id(ret)})
        assert len(visited) > 1000
    finally:
        statement_lines.children = original
    assert found[id(ret)].node is full[id(ret)].node is module.body[-1].body.body[0]
    assert found[id(ret)].indents == full[id(ret)].indents == ("    ",)


@pytest.mark.parametrize("name", sorted(SOURCES) + ["nested"])
def test_starts_equal_the_whole_module_starts(name):
    """A node asked for its start only starts where the whole-module pass says, alone or
    among nodes asked for in full (which keep their whole ranges)."""
    text = NESTED if name == "nested" else SOURCES[name]
    module = cst.parse_module(text)
    nodes = _all_nodes(module)
    whole = positions.whole_module(module, {id(n) for n in nodes})
    positions.use(module, text)
    try:
        for i, node in enumerate(nodes):
            r = whole.range(node)
            assert positions.compute(module, [], (), [node]).start(node) == (r[0], r[1]), (name, type(node).__name__)
            full = nodes[i + 1 : i + 4]
            pos = positions.compute(module, full, (), [node])
            assert pos.start(node) == (r[0], r[1])
            for other in full:
                assert pos.range(other) == whole.range(other)
                assert pos.inclusive_range(other) == whole.inclusive_range(other)
    finally:
        positions.use(None)


def test_a_loop_asked_for_its_line_is_not_generated_to_its_end():
    text = "def f(rows):\n    x = 1\n    for row in rows:\n" + "".join(f"        row.save({i})\n" for i in range(50))
    module = cst.parse_module(text)
    loop = module.body[0].body.body[1]
    read = loop.body.body[2].body[0].value  # row.save(2)
    pos, generated = _compute_counting_tokens(module, text, [read], (), [loop])
    assert pos.start(loop) == (3, 4)
    assert pos.range(read) == (6, 8, 6, 19)
    assert "".join(generated).endswith("row.save(2)")  # stopped after the last node asked for
    assert "save(3)" not in "".join(generated)
