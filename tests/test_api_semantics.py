"""BL101's CRUD-verb-on-item messages, BL106's inflection, and the status column of `backlint routes`."""
from __future__ import annotations

import json

from click.testing import CliRunner

from backlint.cli import main
from backlint.frameworks import plurals

from conftest import lint_source


def test_crud_verb_after_item_proposes_the_method_on_the_item():
    source = (
        "from fastapi import APIRouter\nrouter = APIRouter(prefix='/api')\n"
        "@router.post('/users/{user_id}/delete')\ndef a(user_id: int): ...\n"
        "@router.post('/orders/{order_id}/update')\ndef b(order_id: int): ...\n"
        "@router.post('/orders/{order_id}/cancel')\ndef c(order_id: int): ...\n"
    )
    messages = [f.message for f in lint_source(source, ["BL101"]).findings]
    assert len(messages) == 2
    assert "`DELETE /api/users/{user_id}`" in messages[0]
    assert "`PUT /api/orders/{order_id}`" in messages[1]


def test_crud_verb_option_off_keeps_actions_on_items_accepted():
    source = ("from fastapi import APIRouter\nrouter = APIRouter()\n"
              "@router.post('/users/{user_id}/delete')\ndef a(user_id: int): ...\n")
    findings = lint_source(source, ["BL101"], rule_options={"BL101": {"crud-verbs-on-item": False}}).findings
    assert findings == []


def test_plurals_know_singletons_uncountables_and_irregulars():
    assert plurals.singular_noun("user") == "user" and plurals.plural("user") == "users"
    assert plurals.plural("category") == "categories" and plurals.plural("box") == "boxes"
    assert plurals.plural("person") == "people"
    for word in ("users", "people", "children", "media", "news", "data", "feedback", "staff", "series",
                 "me", "profile", "cart", "settings", "health", "status", "token", "search", "pending"):
        assert plurals.singular_noun(word) is None, word


def test_routes_show_the_inferred_status(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text(
        "from fastapi import FastAPI\nfrom flask import Flask, jsonify\n"
        "api = FastAPI()\nweb = Flask(__name__)\n"
        "@api.post('/orders', status_code=201)\ndef create(): ...\n"
        "@api.get('/orders')\ndef listing(): ...\n"
        "@web.post('/notes')\ndef note():\n    if bad():\n        return jsonify(error='x'), 400\n"
        "    return jsonify({}), 201\n"
        "@web.get('/computed')\ndef computed():\n    return jsonify({}), pick_status()\n"
    )
    monkeypatch.chdir(tmp_path)
    rows = json.loads(CliRunner().invoke(main, ["routes", "--format", "json", "."]).output)
    status = {(r["method"], r["path"]): r.get("status") for r in rows}
    assert status == {("POST", "/orders"): 201, ("GET", "/orders"): 200, ("POST", "/notes"): 201,
                      ("GET", "/computed"): None}
    text = CliRunner().invoke(main, ["routes", "."]).output
    lines = {line.split()[1]: line.split() for line in text.splitlines() if line.startswith(("GET", "POST"))}
    assert lines["/notes"][3] == "201" and lines["/computed"][3] == "?"


def test_verbs_without_a_resource_form_get_no_proposed_path():
    source = (
        "from fastapi import APIRouter\nrouter = APIRouter(prefix='/api')\n"
        "@router.post('/datasources/save')\ndef a(): ...\n"
        "from rest_framework import viewsets\nfrom rest_framework.decorators import action\n"
        "class T(viewsets.ViewSet):\n"
        "    @action(detail=False, methods=['post'])\n    def render_batch(self, request): ...\n"
    )
    messages = sorted(f.message for f in lint_source(source, ["BL101"]).findings)
    assert len(messages) == 2, messages
    save = next(m for m in messages if "`save`" in m)
    assert "no single resource form" in save and "POST /api/datasources`" not in save
    render = next(m for m in messages if "render_batch" in m)
    assert "the collection itself" not in render and "name the resource it creates or acts on" in render
