"""Shortcuts of the N+1 analysis that must give what the long way gives."""
from __future__ import annotations

import libcst as cst
import pytest

from backlint.rules.orm import _loops
from backlint.rules.orm.syntax import _LONG, _call_args_text, children_outside_subqueries, shape

CALLS = [
    "f(x)", "f (x)", "f( x , y )", 'a.b.c(pk=pk, name = "a b")', "f(*a, **k)", "(f)(x)", "f(x,)",
    "f(\n    x,\n    y=1,\n)", "f(  # note\n x)", "f(x)(y)", "g(f(x))", "f(lambda: 1)", 'f("a(b")',
    "f(x=[1, 2, 3])", "f(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)", "(f(x))", "f ( x )",
    "Order.objects.filter(customer__name__icontains=term).first()", "q.filter(a=1, b=2).order_by('-x')",
    "M.objects.get(pk=self.kwargs['pk'])", "s.execute(select(T).where(T.id == i))", "f(a)[0](b)",
]


def _old_args_text(call, module):
    """What ``shape`` computed before: the call's code and its callee's code, both generated in full."""
    whole = " ".join(module.code_for_node(call).split())
    return whole[len(" ".join(module.code_for_node(call.func).split())):]


def _shown(args):
    return len(args) <= 32 and "\n" not in args and "(" not in args[1:]


@pytest.mark.parametrize("source", CALLS)
def test_a_calls_argument_text_is_what_generating_the_whole_call_gave(source):
    module = cst.parse_module(source + "\n")
    calls = []
    stack = [module]
    while stack:
        node = stack.pop()
        if type(node) is cst.Call and node.args:
            calls.append(node)
        stack.extend(node.children)
    assert calls
    for call in calls:
        new, old = _call_args_text(call, module), _old_args_text(call, module)
        if new is _LONG:
            assert not _shown(old)  # shown as "(...)" either way
        else:
            assert new == old


def _function_body(source):
    return cst.parse_module(source).body[0].body.body


def test_local_literals_are_found_in_nested_blocks_and_functions():
    body = _function_body(
        "def f(rows):\n"
        "    if rows:\n"
        "        for r in rows:\n"
        "            try:\n"
        "                pass\n"
        "            except ValueError:\n"
        "                with open(r) as fh:\n"
        "                    sources = {'ecb': 1, 'cnb': 2}\n"
        "                    parts = fh.name.split('/')\n"
        "                    for key in sources:\n"
        "                        pass\n"
        "                    for part in parts:\n"
        "                        pass\n")
    assert set(_loops.local_literals(body)) == {"sources", "parts"}


def test_a_body_without_a_literal_binding_has_no_local_literals():
    body = _function_body(
        "def f(rows):\n"
        "    names = [r.name for r in rows]\n"
        "    total: list = [1, 2]\n"
        "    other = build()\n"
        "    return names, total, other\n")
    assert _loops.local_literals(body) == {}
    assert not _loops._binds_candidate(body)


@pytest.mark.parametrize("text,code", [
    ("get_user", "BL201"), ("self._get_current_dag", "BL201"), ("aget_server", "BL201"),
    ("TagDAO.find_by_name", "BL201"), ("models.read_work_queue_by_name", "BL201"), ("Dashboard.get", "BL201"),
    ("count_pending_messages", "BL201"), ("price_of", "BL201"), ("article_count", "BL201"),
    ("db_admin_exists", "BL201"), ("self.execute", "BL201"), ("run_query", "BL201"),
    ("getUser", "BL201"), ("findById", "BL201"), ("priceOf", "BL201"), ("get2", "BL201"),
    ("verify_integrity", "BL205"), ("check_username", "BL205"), ("_handle_file_upload", "BL205"),
    ("run_request", "BL205"), ("destination_folder_owner_id", "BL205"), ("is_offline_token", "BL205"),
    ("getaway", "BL205"), ("listen", "BL205"), ("selected_rows", "BL205"), ("counter", "BL205"),
    ("readme", "BL205"), ("discount", "BL205"), ("Profile", "BL205"),
])
def test_a_call_is_bl201s_when_its_function_is_named_for_a_lookup(text, code):
    from backlint.rules.orm.messages import call_code

    assert call_code(text, {}) == code
    assert call_code(text, {"orm": "peewee"}) == "BL201"  # a Peewee/Tortoise model query is a lookup


def test_shape_elides_long_or_nested_arguments():
    module = cst.parse_module("M.objects.filter(a=1).first()\nM.objects.get(pk=f(x))\n")
    short, nested = (stmt.body[0].value for stmt in module.body)
    assert shape(short, module) == "M.objects.filter(a=1).first()"
    assert shape(nested, module) == "M.objects.get(...)"


def test_a_related_queryset_in_a_lookup_is_not_walked_but_its_arguments_are():
    module = cst.parse_module("Position.objects.filter(item__in=helper(row).tags.values_list(key), n=row.n)\n")
    call = module.body[0].body[0].value
    walked = {cst.Module([]).code_for_node(n) for n in children_outside_subqueries(call)}
    assert "key" in walked and "helper(row)" in walked and "row.n" in walked
    assert not any("values_list" in text for text in walked)
