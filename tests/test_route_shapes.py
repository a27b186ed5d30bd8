"""Route discovery on the shapes real projects use (issue #14, "Route discovery"): one miniature
per shape, each resolved across files the way ``backlint routes`` does."""
from __future__ import annotations

import libcst as cst

from backlint.frameworks import routes


def _table(files):
    facts = {}
    for name, text in files.items():
        module = name[:-3].replace("/", ".")
        if module.endswith(".__init__"):
            module = module[: -len(".__init__")]
        facts[name] = routes.extract(cst.parse_module(text), name, module_name=module).facts
    return {(r.method, r.path) for r in routes.resolve(facts)}


def _kinds(files):
    facts = {}
    for name, text in files.items():
        facts[name] = routes.extract(cst.parse_module(text), name, module_name=name[:-3].replace("/", ".")).facts
    return {r.path: r.kind for r in routes.resolve(facts)}


DJ = "from django.urls import include, path, re_path\n"


def test_django_include_of_module_level_lists_keeps_every_prefix():
    got = _table({
        "site/settings.py": "ROOT_URLCONF = 'site.urls'\n",
        "site/urls.py": DJ + "from django.conf import settings\nfrom shop import views\n"
                        "from shop.urls import api_urls\n"
                        "_patterns = [\n"
                        "    path('', views.home),\n"
                        "    path('dcim/', include('dcim.urls')),\n"
                        "    path('api/', include((api_urls, 'api'))),\n"
                        "]\n"
                        "_patterns.append(path('debug/', views.debug))\n"
                        "urlpatterns = [path('', include(_patterns))]\n",
        "dcim/urls.py": DJ + "from . import views\nurlpatterns = [path('sites/', views.sites)]\n"
                        "urlpatterns += [path('racks/', views.racks)]\n",
        "shop/urls.py": DJ + "from . import views\napi_urls = [path('orders/', views.orders)]\n"
                        "extra = [path('items/', views.items)]\napi_urls += extra\n",
    })
    assert got == {("ANY", "/"), ("ANY", "/dcim/sites/"), ("ANY", "/dcim/racks/"), ("ANY", "/api/orders/"),
                   ("ANY", "/api/items/"), ("ANY", "/debug/")}


def test_django_lists_joined_across_modules():
    got = _table({
        "proj/settings.py": "ROOT_URLCONF = 'proj.root'\n",
        "proj/urls.py": DJ + "from proj import views\n"
                        "base_patterns = [re_path(r'^healthcheck/$', views.health)]\n"
                        "control_patterns = [re_path(r'^control/', include(('proj.control', 'control')))]\n"
                        "common_patterns = base_patterns + control_patterns\n",
        "proj/control.py": DJ + "from proj import views\nurlpatterns = [re_path(r'^login$', views.login)]\n",
        "proj/root.py": DJ + "from proj.urls import common_patterns\nfrom proj.presale import event_patterns\n"
                        "urlpatterns = common_patterns + [\n"
                        "    re_path(r'', include(([re_path(r'^(?P<event>[^/]+)/', include(event_patterns))],"
                        " 'presale'))),\n"
                        "]\n",
        "proj/presale.py": DJ + "from proj import views\nevent_patterns = [re_path(r'^cart/$', views.cart)]\n",
    })
    assert got == {("ANY", "/healthcheck/"), ("ANY", "/control/login"), ("ANY", "/(?P<event>[^/]+)/cart/")}


def test_django_prefix_from_settings_and_fstrings():
    got = _table({
        "site/settings.py": "ROOT_URLCONF = 'site.urls'\nBASE_PATH = get_base_path()\n",
        "site/urls.py": DJ + "from django.conf import settings\nfrom site import views\n"
                        "prefix = 'admin/'\nAPI = 'api/v2'\n"
                        "_patterns = [path(f'{prefix}login/', views.login), path(API + '/items/', views.items)]\n"
                        "urlpatterns = [path(settings.BASE_PATH, include(_patterns))]\n",
    })
    # a setting that cannot be folded is named, not silently dropped
    assert got == {("ANY", "/{settings.BASE_PATH}/admin/login/"), ("ANY", "/{settings.BASE_PATH}/api/v2/items/")}


def test_paths_built_by_constants_fstrings_and_helpers():
    got = _table({
        "app.py": "from flask import Flask\napp = Flask(__name__)\n"
                  "PREFIX = '/api/v1'\nprefix = '/admin'\n"
                  "def prefixed(path):\n    return PREFIX + path\n"
                  "def under(path):\n    return f'{PREFIX}/reports{path}'\n"
                  "@app.route(prefixed('/get-report'))\ndef report(): ...\n"
                  "@app.route(under('/daily'))\ndef daily(): ...\n"
                  "@app.route(f'{prefix}/login/')\ndef login(): ...\n"
                  "@app.route(PREFIX + '/get-x', methods=['POST'])\ndef get_x(): ...\n",
    })
    assert got == {("GET", "/api/v1/get-report"), ("GET", "/api/v1/reports/daily"), ("GET", "/admin/login/"),
                   ("POST", "/api/v1/get-x")}


def test_router_subclasses_local_and_imported():
    got = _table({
        "proj/settings.py": "ROOT_URLCONF = 'proj.urls'\n",
        "proj/routers.py": "from rest_framework.routers import DefaultRouter\n"
                           "class ProjectRouter(DefaultRouter):\n    pass\n",
        "proj/urls.py": DJ + "urlpatterns = [path('api/dcim/', include('proj.dcim_api'))]\n",
        "proj/dcim_api.py": "from proj.routers import ProjectRouter\nfrom proj import views\n"
                            "router = ProjectRouter()\nrouter.register('sites', views.SiteViewSet)\n"
                            "urlpatterns = router.urls\n",
        "proj/views.py": "from rest_framework import viewsets\n"
                         "class SiteViewSet(viewsets.ReadOnlyModelViewSet):\n    pass\n",
        "api/main.py": "from fastapi import FastAPI, APIRouter\n"
                       "class AuditedRouter(APIRouter):\n    pass\n"
                       "app = FastAPI()\nitems = AuditedRouter(prefix='/items')\n"
                       "@items.get('/{item_id}')\ndef read(item_id: int): ...\n"
                       "app.include_router(items, prefix='/v1')\n",
    })
    assert {("GET", "/api/dcim/sites/"), ("GET", "/api/dcim/sites/<pk>/"), ("GET", "/v1/items/{item_id}")} <= got


def test_aiohttp_setup_function_receiving_app():
    got = _table({
        "svc/routes.py": "from aiohttp import web\nfrom svc import handlers\n"
                         "def setup_routes(app):\n"
                         "    app.router.add_post('/orders', handlers.create_order)\n"
                         "    app.router.add_get('/orders/{id}', handlers.get_order)\n"
                         "    app.add_routes([web.put('/orders/{id}', handlers.put_order)])\n",
        "svc/main.py": "from aiohttp import web\nfrom svc.routes import setup_routes\n"
                       "app = web.Application()\nsetup_routes(app)\n",
    })
    assert got == {("POST", "/orders"), ("GET", "/orders/{id}"), ("PUT", "/orders/{id}")}


def test_drf_action_without_url_path_uses_the_method_name():
    got = _table({
        "proj/settings.py": "ROOT_URLCONF = 'proj.urls'\n",
        "proj/urls.py": DJ + "from rest_framework.routers import DefaultRouter\nfrom proj import views\n"
                        "router = DefaultRouter()\nrouter.register('tickets', views.TicketViewSet)\n"
                        "urlpatterns = [path('api/', include(router.urls))]\n",
        "proj/views.py": "from rest_framework import viewsets\nfrom rest_framework.decorators import action\n"
                         "class TicketViewSet(viewsets.GenericViewSet):\n"
                         "    @action(detail=True, methods=['post'])\n    def close(self, request, pk=None): ...\n"
                         "    @action(detail=False)\n    def recent(self, request): ...\n",
    })
    assert got == {("POST", "/api/tickets/<pk>/close/"), ("GET", "/api/tickets/recent/")}


def test_flask_appbuilder_expose_on_views():
    module = cst.parse_module(
        "from flask_appbuilder import BaseView, ModelView, expose\n"
        "from flask_appbuilder.api import BaseApi, expose as api_expose\n"
        "class ReportView(BaseView):\n    route_base = '/reports'\n"
        "    @expose('/generate/<int:pk>', methods=['POST'])\n    def generate(self, pk): ...\n"
        "    @expose('/list/')\n    def listing(self): ...\n"
        "    def helper(self): ...\n"
        "class ChartApi(BaseApi):\n    resource_name = 'chart'\n"
        "    @api_expose('/<pk>/data', methods=['GET'])\n    def data(self, pk): ...\n"
    )
    found = routes.extract(module, "views.py")
    got = {(h.name, h.methods, tuple(h.paths)) for h in found.handlers}
    assert got == {("ReportView.generate", ("POST",), ("/reports/generate/<int:pk>",)),
                   ("ReportView.listing", ("GET",), ("/reports/list/",)),
                   ("ChartApi.data", ("GET",), ("/api/v1/chart/<pk>/data",))}


def test_graphql_view_mounted_as_a_route_is_an_api_endpoint():
    kinds = _kinds({
        "proj/settings.py": "ROOT_URLCONF = 'proj.urls'\n",
        "proj/urls.py": DJ + "from strawberry.django.views import GraphQLView\nfrom proj.schema import schema\n"
                        "from proj.gql import ProjectGraphQLView\n"
                        "urlpatterns = [path('graphql/', GraphQLView.as_view(schema=schema)),\n"
                        "               path('graphql2/', ProjectGraphQLView.as_view(schema=schema))]\n",
    })
    assert kinds == {"/graphql/": "api", "/graphql2/": "api"}


def test_include_of_a_urls_module_attribute_is_that_modules_urlconf():
    got = _table({
        "proj/settings.py": "ROOT_URLCONF = 'proj.urls'\n",
        "proj/urls.py": DJ + "import proj.control.urls\nfrom rest_framework.routers import DefaultRouter\n"
                        "from proj import views\nrouter = DefaultRouter()\nrouter.register('items', views.ItemViewSet)\n"
                        "urlpatterns = [path('control/', include((proj.control.urls, 'control'))),\n"
                        "               path('api/', include(router.urls))]\n",
        "proj/control/urls.py": DJ + "from proj import views\nurlpatterns = [path('login/', views.login)]\n",
        "proj/views.py": "from rest_framework import viewsets\n"
                         "class ItemViewSet(viewsets.ReadOnlyModelViewSet):\n    pass\n",
    })
    assert got == {("ANY", "/control/login/"), ("GET", "/api/items/"), ("GET", "/api/items/<pk>/")}


def test_flask_appbuilder_views_are_pages_and_apis_are_apis():
    module = cst.parse_module(
        "from flask import jsonify\nfrom flask_appbuilder import ModelView, expose\n"
        "from flask_appbuilder.api import BaseApi\n"
        "class ChartView(ModelView):\n    route_base = '/chart'\n"
        "    @expose('/list/')\n    def list(self):\n        return self.render_app_template()\n"
        "    @expose('/data/')\n    def data(self):\n        return jsonify({})\n"
        "class TagApi(BaseApi):\n    resource_name = 'tag'\n"
        "    @expose('/get_objects/')\n    def objects(self):\n        return self.response(200)\n"
    )
    found = routes.extract(module, "views.py", text=module.code)
    assert {d.full: found.endpoint_kind(d)[0] for d in found.paths} == {
        "/chart/list/": "page", "/chart/data/": "api", "/api/v1/tag/get_objects/": None}
