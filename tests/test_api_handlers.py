"""Handler rules (BL102-BL105) and route kinds: behaviour the fixtures cannot show by markers."""
from __future__ import annotations

from pathlib import Path

import libcst as cst

from backlint.frameworks import route_kinds, routes
from backlint.rules.api._paths import most_on_one_path

FIXTURES = Path(__file__).parent / "fixtures"


def _lint(source: str, codes, path: str = "example.py"):
    from conftest import lint_source

    return lint_source(source, codes, path=path)


def test_one_http_in_service_finding_per_import_statement():
    source = ("from fastapi import HTTPException, Query, status\n"
              "def get(x):\n    if x is None:\n        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND)\n")
    findings = [f for f in _lint(source, ["BL105"], "app/services/things.py").findings if f.start_line == 1]
    assert len(findings) == 1
    assert "`HTTPException` (an HTTP exception) and `status` (HTTP status codes) are imported" in findings[0].message


def test_related_manager_writes_are_listed():
    source = ("from django.views.decorators.http import require_POST\n"
              "@require_POST\ndef clear(request, pk):\n    board = get(pk)\n"
              "    board.pins.all().delete()\n    device.token_set.create(token='x')\n    return None\n")
    (finding,) = _lint(source, ["BL103"]).findings
    assert "`board.pins…delete()`" in finding.message and "`device.token_set.create()`" in finding.message
    assert "(e.g. `clear(...)`)" in finding.message


def test_helpers_called_by_views_are_not_views():
    path = FIXTURES / "BL104" / "noerror_view_helpers.py"
    text = path.read_text()
    module = cst.parse_module(text)
    with_text = [h.name for h in routes.extract(module, path.name, text=text).handlers]
    without = [h.name for h in routes.extract(module, path.name).handlers]
    assert "get_or_create_cart_id" in without  # the convention alone would take it for a view
    assert with_text == ["cart_view"]


def test_writes_in_exclusive_branches_are_not_added_up():
    module = cst.parse_module(
        "def f(request):\n"
        "    if a:\n        x.save()\n        y.save()\n    elif b:\n        z.save()\n"
        "    else:\n        return w.save()\n"
        "    if c:\n        v.save()\n        return None\n"
        "    u.save()\n"
    )
    func = module.body[0]
    saves = []

    class Collect(cst.CSTVisitor):
        def visit_Call(self, node):
            saves.append(node)

    func.visit(Collect())
    # the if-branch (2) then either `v` (leaves) or `u` (falls through): 3 on the longest path
    assert most_on_one_path(func, saves) == 3
    assert most_on_one_path(func, saves[2:3]) == 1


def test_service_suggestion_never_names_the_http_method():
    from backlint.rules.api._handlers import suggested_service

    post = routes.Handler(node=None, name="TaxDefault.post", framework="django", methods=("POST",))
    named = routes.Handler(node=None, name="merge", framework="django", methods=("POST",))
    assert suggested_service("x", post, "pretix/control/views/event.py") == \
        "a function in `pretix/control/services/event.py`"
    assert suggested_service("x", named, "weblate/billing/views.py") == \
        "`weblate/billing/services.py` (e.g. `merge(...)`)"


def test_use_case_name_drops_handler_words_and_http_methods():
    from backlint.rules.api._handlers import use_case_name

    assert use_case_name("register_post") == "register"
    assert use_case_name("stop_tasks_by_chat_id_endpoint") == "stop_tasks_by_chat_id"
    assert use_case_name("handle_refund_view") == "refund"
    assert use_case_name("get_models") == "get_models"  # a verb of the use case, not the HTTP method
    assert use_case_name("do_POST") is None
    assert use_case_name("ajax") is None
    assert use_case_name("success") is None


def test_route_kind_reasons():
    text = (FIXTURES / "BL101" / "noerror_html_form_pages.py").read_text()
    found = routes.extract(cst.parse_module(text), "things/urls.py", with_facts=False)
    kinds = {d.path: found.endpoint_kind(d)[0] for d in found.paths}
    assert set(kinds.values()) == {route_kinds.PAGE}, kinds
    assert route_kinds.protocol_word("/slack/oauth/add-chat-button") == "oauth"
    assert route_kinds.protocol_word("/users/add", "add_user") is None
    assert route_kinds.is_bulk(["files", "batch", "add"]) and not route_kinds.is_bulk(["files", "add"])
