"""Route discovery (backlint/frameworks/routes.py) and ``backlint routes``.

The static tables are compared with each framework's own runtime route table for small apps
that are ours (tests/fixtures/routes_apps/*, examples/shop). Each app is imported in a fresh
subprocess so frameworks with global registries (Django settings, Sanic app names) stay isolated.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from backlint.cli import main
from backlint.frameworks import routes

HERE = Path(__file__).parent
APPS = HERE / "fixtures" / "routes_apps"
EXAMPLES = HERE.parent / "examples"

# Runs inside the subprocess: import one of OUR example apps and print its runtime routes.
DUMP = r'''
import json, os, sys, types
kind, root = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
out = []
IGN = {"HEAD", "OPTIONS"}
if kind == "flask":
    from flasksite.app import create_app
    for rule in create_app().url_map.iter_rules():
        if rule.endpoint != "static":
            out += [(m, rule.rule) for m in rule.methods - IGN]
elif kind == "fastapi":
    os.environ.setdefault("API_KEY", "test")
    stub = types.ModuleType("requests")  # the example's HTTP client is not a test dependency
    stub.post = stub.get = stub.request = lambda *a, **k: None
    stub.Response = stub.Session = object
    sys.modules.setdefault("requests", stub)
    import sqlalchemy  # no database driver in the test environment: any URL becomes in-memory SQLite
    real_create_engine = sqlalchemy.create_engine
    sqlalchemy.create_engine = lambda url, **kw: real_create_engine("sqlite://")
    from app.main import app
    # the OpenAPI document is FastAPI's public view of its routes (included routers are lazy objects)
    out += [(m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops]
elif kind == "starlette":
    from starsite import app
    from starlette.routing import Mount, Route, WebSocketRoute
    def walk(rs, prefix):
        for r in rs:
            if isinstance(r, Mount):
                walk(r.routes, prefix + r.path)
            elif isinstance(r, WebSocketRoute):
                out.append(("WEBSOCKET", prefix + r.path))
            elif isinstance(r, Route):
                out.extend((m, prefix + r.path) for m in (r.methods or {"*"}) - IGN)
    walk(app.routes, "")
elif kind == "aiohttp":
    from aiosite import build
    def walk(a):
        for res in a.router.resources():
            sub = getattr(res, "_app", None)
            if sub is not None:
                walk(sub)
                continue
            out.extend((r.method, res.canonical) for r in res if r.method not in IGN)
    walk(build())
elif kind == "litestar":
    from litesite import app
    out += [(m, r.path) for r in app.routes for m in getattr(r, "methods", set()) - IGN
            if not r.path.startswith("/schema")]
elif kind == "sanic":
    from sanicsite import app
    app.router.finalize()
    out += [(m, "/" + r.path.lstrip("/")) for r in app.router.routes for m in set(r.methods) - IGN]
elif kind == "django":
    import django
    os.environ["DJANGO_SETTINGS_MODULE"] = "djsite.settings"
    django.setup()
    from django.urls import URLResolver, get_resolver
    def walk(patterns, prefix):
        for p in patterns:
            s = str(p.pattern).lstrip("^")
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + s)
                continue
            s = s[:-1] if s.endswith("$") else s
            actions = getattr(p.callback, "actions", None)
            out.extend((m.upper(), "/" + prefix + s) for m in (actions or ["*"]))
    walk(get_resolver().url_patterns, "")
print(json.dumps(sorted(set(map(tuple, out)))))
'''


def runtime_routes(kind: str, root: Path):
    proc = subprocess.run([sys.executable, "-c", DUMP, kind, str(root)], capture_output=True, text=True,
                          timeout=120, cwd=str(root))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {tuple(x) for x in json.loads(proc.stdout.strip().splitlines()[-1])}


def static_routes(root: Path):
    return routes.resolve(routes.collect_facts([str(root)]))


def _norm_drf(path: str) -> str:
    return re.sub(r"\(\?P<(\w+)>\[\^/\.\]\+\)", r"<\1>", path)


def compare(kind: str, root: Path):
    runtime = {(m, _norm_drf(p)) for m, p in runtime_routes(kind, root)}
    static = {(r.method, r.path) for r in static_routes(root)}
    assert not any("{?}" in p for _, p in static), static
    # "*" at runtime (a Django view, an aiohttp class view) matches whatever methods we found
    star_paths = {p for m, p in runtime if m == "*"}
    runtime_exact = {(m, p) for m, p in runtime if m != "*"}
    static_exact = {(m, p) for m, p in static if p not in star_paths}
    assert static_exact == runtime_exact
    assert {p for _, p in static if p in star_paths} == star_paths
    return static


@pytest.mark.parametrize("kind,folder", [
    ("flask", "flask_app"), ("starlette", "starlette_app"), ("aiohttp", "aiohttp_app"),
    ("litestar", "litestar_app"), ("sanic", "sanic_app"), ("django", "django_app"),
])
def test_static_table_matches_runtime(kind, folder):
    compare(kind, APPS / folder)


def test_fastapi_example_shop_matches_runtime():
    static = compare("fastapi", EXAMPLES / "shop")
    assert ("POST", "/api/v1/orders/create") in static


def test_django_methods_from_views():
    table = {(r.method, r.path, r.handler) for r in static_routes(APPS / "django_app")}
    assert ("GET", "/", "views.home") in table  # @require_GET
    assert ("POST", "/contact/", "views.ContactView") in table
    assert ("GET", "/about/", "views.AboutView") in table  # TemplateView
    assert ("POST", "/api/v2/comments/", "comments") in table  # @api_view
    assert ("POST", "/api/v2/tickets/<pk>/close/", "TicketViewSet.close_ticket") in table


def _facts(files):
    out = {}
    for name, text in files.items():
        out[name] = routes.extract(cst.parse_module(text), name, module_name=name[:-3].replace("/", ".")).facts
    return out


def test_unresolvable_prefix_is_marked():
    facts = _facts({"api.py": (
        "from fastapi import APIRouter\nimport os\n"
        "router = APIRouter(prefix=os.environ['P'])\n"
        "@router.get('/items')\ndef items(): ...\n"
    )})
    assert [(r.method, r.path) for r in routes.resolve(facts)] == [("GET", "/{?}/{?}/items")]


def test_router_included_across_files_with_prefix():
    facts = _facts({
        "main.py": "from fastapi import FastAPI\nfrom pkg import items\napp = FastAPI()\n"
                   "app.include_router(items.router, prefix='/api')\n",
        "pkg/items.py": "from fastapi import APIRouter\nrouter = APIRouter(prefix='/items')\n"
                        "@router.get('/{item_id}')\ndef read(item_id: int): ...\n"
                        "@router.websocket('/live')\nasync def live(ws): ...\n",
    })
    got = {(r.method, r.path) for r in routes.resolve(facts)}
    assert got == {("GET", "/api/items/{item_id}"), ("WEBSOCKET", "/api/items/live")}


def test_handlers_for_rules():
    module = cst.parse_module(
        "from flask import Flask\napp = Flask(__name__)\n"
        "@app.route('/a', methods=['GET', 'POST'])\ndef a(): ...\n"
        "def helper(): ...\n"
    )
    found = routes.extract(module, "x.py")
    assert [(h.name, h.methods, h.paths) for h in found.handlers] == [("a", ("GET", "POST"), ["/a"])]


def test_cli_routes_text_and_json(monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    result = CliRunner().invoke(main, ["routes", "shop"])
    assert result.exit_code == 0, result.output
    assert "POST  /api/v1/orders/create" in result.output
    assert "shop/app/routers/orders.py:34" in result.output
    result = CliRunner().invoke(main, ["routes", "--format", "json", "blog"])
    rows = json.loads(result.output)
    assert {"method": "ANY", "path": "/api/getPosts/", "handler": "views.post_list",
            "file": "blog/blog/urls.py", "line": 6, "framework": "django", "kind": "api"} in rows


def test_verb_messages_propose_the_resource_form():
    from conftest import lint_source

    source = (
        "from fastapi import APIRouter\nrouter = APIRouter(prefix='/api')\n"
        "@router.get('/getUsers')\ndef a(): ...\n"
        "@router.post('/users/create')\ndef b(): ...\n"
        "@router.post('/{item_id}/file/update')\ndef c(): ...\n"
        "@router.post('/delete')\ndef d(): ...\n"
    )
    messages = [f.message for f in lint_source(source, ["BL101"]).findings]
    assert "`GET /api/users`" in messages[0]
    assert "`POST /api/users`" in messages[1]
    assert "`PUT /api/{item_id}/file`" in messages[2]
    # no path parameter is invented: the path names no item, so no path is proposed
    assert "`DELETE` on the path of the resource it changes" in messages[3] and "{id}" not in messages[3]


def test_an_edit_with_no_item_in_the_path_is_not_told_to_patch():
    # `POST /images/edit` may change a stored image or make new ones from the body (open-webui's image
    # edit does the latter): the message names both as conditions; with an item it proposes PATCH
    from conftest import lint_source

    source = (
        "from fastapi import APIRouter\nrouter = APIRouter(prefix='/images')\n"
        "@router.post('/edit')\ndef a(): ...\n"
        "@router.post('/{image_id}/edit')\ndef b(): ...\n"
        "@router.patch('/edit')\ndef c(): ...\n"
    )
    messages = [f.message for f in lint_source(source, ["BL101"]).findings]
    assert len(messages) == 3
    assert "if it changes a stored one, `PATCH` that resource's path" in messages[0]
    assert "if it makes something new from the request body, `POST` to a collection" in messages[0]
    assert "`PATCH /images/{image_id}`" in messages[1] and "if it makes" not in messages[1]
    # a declared PATCH says what it does: no second reading
    assert "`PATCH` on the path of the resource it changes" in messages[2]


def test_a_verb_that_was_the_only_name_before_the_item_asks_for_the_collection():
    # calibre-web's `GET /show/<int:book_id>/<fmt>`: dropping `show` leaves a bare parameter unless the
    # blueprint's mount names the books, so the message says where the collection's name goes
    from conftest import lint_source

    source = (
        "from flask import Flask\napp = Flask(__name__)\n"
        "@app.route('/show/<int:book_id>/<fmt>')\ndef a(book_id, fmt): ...\n"
        "@app.route('/books/show/<int:book_id>')\ndef b(book_id): ...\n"
        "@app.route('/get_series_json')\ndef c(): ...\n"
    )
    messages = [f.message for f in lint_source(source, ["BL101"]).findings]
    assert len(messages) == 3
    assert "`GET /series`" in messages[2]  # the format word is the response's, not the resource's
    assert "`GET /<int:book_id>/<fmt>` (with the collection's name in place of `show`)" in messages[0]
    assert "`GET /books/<int:book_id>`." in messages[1] and "collection's name" not in messages[1]


def test_an_action_verb_under_a_non_post_method_is_not_told_to_start_a_job():
    # label-studio's `@action(detail=False, methods=["delete"]) def reset`: DELETE already carries it
    from conftest import lint_source

    source = (
        "from rest_framework import viewsets\nfrom rest_framework.decorators import action\n"
        "class V(viewsets.ModelViewSet):\n"
        "    @action(detail=False, methods=['delete'])\n    def reset(self, request): ...\n"
        "    @action(detail=False, methods=['post'])\n    def sync(self, request): ...\n"
    )
    messages = [f.message for f in lint_source(source, ["BL101"]).findings]
    assert len(messages) == 2
    assert "`DELETE` already says what happens" in messages[0] and "the collection itself" in messages[0]
    assert "job it starts" not in messages[0] and "job it starts" in messages[1]


def test_verb_messages_never_invent_or_contradict():
    from conftest import lint_source

    source = (
        "from fastapi import APIRouter\nrouter = APIRouter()\n"
        "@router.post('/config/update')\ndef a(): ...\n"
        "@router.post('/read')\ndef b(): ...\n"
        "@router.post('/{id}/update/members/add')\ndef c(): ...\n"
        "@router.post('/{id}/files/batch/add')\ndef d(): ...\n"
        "@router.post('/create')\ndef e(): ...\n"
        "@router.delete('/delete/all')\ndef f(): ...\n"
    )
    messages = [f.message for f in lint_source(source, ["BL101"]).findings]
    assert len(messages) == 6
    assert "`PUT /config`" in messages[0] and "{id}" not in messages[0]
    assert "no path is proposed" in messages[1]  # marking chats read is not `GET /`
    assert "`POST /{id}/members`" in messages[2]
    assert "`POST /{id}/files` (below the path this router is mounted at) with the items in the request body" \
        in messages[3]
    assert "`PUT /config` (below the path this router is mounted at)" in messages[0]
    assert "on the collection path this router is mounted at" in messages[4]
    assert "`/`" not in messages[4]
    assert "`DELETE` on the collection path this router is mounted at" in messages[5]


def test_constants_fold_across_files():
    facts = _facts({
        "pkg/constants.py": "API = '/api'\nVERSION_1 = '/v1'\nITEMS = '/items'\n",
        "pkg/items.py": "from fastapi import APIRouter\nfrom pkg.constants import API, VERSION_1, ITEMS\n"
                        "router = APIRouter(prefix=API + VERSION_1 + ITEMS)\n"
                        "@router.get(f'{ITEMS}/recent')\ndef recent(): ...\n",
        "pkg/main.py": "from fastapi import FastAPI\nfrom pkg import items\napp = FastAPI()\n"
                       "app.include_router(items.router)\n",
    })
    assert [(r.method, r.path) for r in routes.resolve(facts)] == [("GET", "/api/v1/items/items/recent")]


def test_one_finding_per_literal_shared_by_methods():
    from conftest import lint_source

    source = (
        "from flask import Blueprint\nfrom flask.views import MethodView\nbp = Blueprint('b', __name__)\n"
        "class Form(MethodView):\n    def get(self): ...\n    def post(self): ...\n"
        "bp.add_url_rule('/edit/<int:id>', view_func=Form.as_view('f'))\n"
    )
    findings = lint_source(source, ["BL101"]).findings
    assert len(findings) == 1 and "`GET/POST /edit/<int:id>`" in findings[0].message


def test_decorators_that_are_not_routes():
    module = cst.parse_module(
        "from unittest import mock\nfrom fastapi.testclient import TestClient\nfrom app.cache import cache\n"
        "@mock.patch('app.services.get_user')\ndef test_x(get_user): ...\n"
        "@cache.get('key')\ndef cached(): ...\n"
        "from app.api import router\n@router.get('/imported')\ndef imported(): ...\n"
    )
    assert [h.name for h in routes.extract(module, "test_x.py").handlers] == ["imported"]
