"""Framework knowledge for route discovery: route-owning constructors, class-based view bases,
DRF viewset actions, method decorators, and the small string/path helpers shared by
the per-file extraction (``extract.py`` and its mixins) and ``resolve.py`` (joining files).
"""
from __future__ import annotations

import os
import re
from typing import Dict, Iterable, List, Optional, Tuple

from ..._lazy import cst
from ...semantics import string_value as literal_string

UNKNOWN = "{?}"
HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
METHOD_ORDER = {m.upper(): i for i, m in enumerate(HTTP_VERBS + ("trace", "connect"))}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANY = "ANY"

# -- constructors of route-owning objects: qualified name -> (framework, kind, prefix keyword) -----
CONSTRUCTORS: Dict[str, Tuple[str, str, Optional[str]]] = {
    "flask.Flask": ("flask", "app", None),
    "flask.app.Flask": ("flask", "app", None),
    "flask.Blueprint": ("flask", "blueprint", "url_prefix"),
    "flask.blueprints.Blueprint": ("flask", "blueprint", "url_prefix"),
    "fastapi.FastAPI": ("fastapi", "app", "root_path_ignored"),
    "fastapi.applications.FastAPI": ("fastapi", "app", "root_path_ignored"),
    "fastapi.APIRouter": ("fastapi", "router", "prefix"),
    "fastapi.routing.APIRouter": ("fastapi", "router", "prefix"),
    "starlette.applications.Starlette": ("starlette", "app", None),
    "starlette.routing.Router": ("starlette", "router", None),
    "aiohttp.web.Application": ("aiohttp", "app", None),
    "aiohttp.web_app.Application": ("aiohttp", "app", None),
    "aiohttp.web.RouteTableDef": ("aiohttp", "table", None),
    "aiohttp.web_routedef.RouteTableDef": ("aiohttp", "table", None),
    "sanic.Sanic": ("sanic", "app", None),
    "sanic.app.Sanic": ("sanic", "app", None),
    "sanic.Blueprint": ("sanic", "blueprint", "url_prefix"),
    "sanic.blueprints.Blueprint": ("sanic", "blueprint", "url_prefix"),
    "sanic.Blueprint.group": ("sanic", "group", "url_prefix"),
    "sanic.blueprints.Blueprint.group": ("sanic", "group", "url_prefix"),
    "litestar.Litestar": ("litestar", "app", None),
    "litestar.app.Litestar": ("litestar", "app", None),
    "litestar.Router": ("litestar", "router", "path"),
    "litestar.router.Router": ("litestar", "router", "path"),
    "rest_framework.routers.DefaultRouter": ("drf", "drf-router", None),
    "rest_framework.routers.SimpleRouter": ("drf", "drf-router", None),
}
ROOT_KINDS = frozenset({"app", "fab-view"})  # a Flask-AppBuilder view is served at its own route_base

# -- class-based views: base class -> (framework, HTTP methods the base itself implements) -------
_DJ = "django.views.generic."
VIEW_BASES: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "django.views.View": ("django", ()),
    "django.views.generic.View": ("django", ()),
    "django.views.generic.base.View": ("django", ()),
    "django.views.generic.TemplateView": ("django", ("GET",)),
    "django.views.generic.RedirectView": ("django", ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")),
    "django.views.generic.ListView": ("django", ("GET",)),
    "django.views.generic.DetailView": ("django", ("GET",)),
    "django.views.generic.FormView": ("django", ("GET", "POST", "PUT")),
    "django.views.generic.CreateView": ("django", ("GET", "POST", "PUT")),
    "django.views.generic.UpdateView": ("django", ("GET", "POST", "PUT")),
    "django.views.generic.DeleteView": ("django", ("GET", "POST", "DELETE")),
    "django.views.generic.ArchiveIndexView": ("django", ("GET",)),
    "rest_framework.views.APIView": ("drf", ()),
    "rest_framework.generics.GenericAPIView": ("drf", ()),
    "rest_framework.generics.ListAPIView": ("drf", ("GET",)),
    "rest_framework.generics.RetrieveAPIView": ("drf", ("GET",)),
    "rest_framework.generics.CreateAPIView": ("drf", ("POST",)),
    "rest_framework.generics.DestroyAPIView": ("drf", ("DELETE",)),
    "rest_framework.generics.UpdateAPIView": ("drf", ("PUT", "PATCH")),
    "rest_framework.generics.ListCreateAPIView": ("drf", ("GET", "POST")),
    "rest_framework.generics.RetrieveUpdateAPIView": ("drf", ("GET", "PUT", "PATCH")),
    "rest_framework.generics.RetrieveDestroyAPIView": ("drf", ("GET", "DELETE")),
    "rest_framework.generics.RetrieveUpdateDestroyAPIView": ("drf", ("GET", "PUT", "PATCH", "DELETE")),
    "flask.views.MethodView": ("flask", ()),
    "flask.views.View": ("flask", ()),
    "starlette.endpoints.HTTPEndpoint": ("starlette", ()),
    "aiohttp.web.View": ("aiohttp", ()),
    "aiohttp.web_urldispatcher.View": ("aiohttp", ()),
    "sanic.views.HTTPMethodView": ("sanic", ()),
    "litestar.Controller": ("litestar", ()),
    "litestar.controller.Controller": ("litestar", ()),
}
for _name in ("TemplateView", "RedirectView", "ListView", "DetailView", "FormView", "CreateView",
              "UpdateView", "DeleteView", "ArchiveIndexView"):
    for _mod in ("django.views.generic.list.", "django.views.generic.detail.", "django.views.generic.edit.",
                 "django.views.generic.base.", "django.views.generic.dates."):
        VIEW_BASES.setdefault(_mod + _name, VIEW_BASES[_DJ + _name])

# DRF viewset actions: action -> (HTTP method, detail route?)
VIEWSET_ACTIONS: Dict[str, Tuple[str, bool]] = {
    "list": ("GET", False),
    "create": ("POST", False),
    "retrieve": ("GET", True),
    "update": ("PUT", True),
    "partial_update": ("PATCH", True),
    "destroy": ("DELETE", True),
}
_ALL_ACTIONS = tuple(VIEWSET_ACTIONS)
VIEWSET_BASES: Dict[str, Tuple[str, ...]] = {
    "rest_framework.viewsets.ViewSet": (),
    "rest_framework.viewsets.GenericViewSet": (),
    "rest_framework.viewsets.ViewSetMixin": (),
    "rest_framework.viewsets.ModelViewSet": _ALL_ACTIONS,
    "rest_framework.viewsets.ReadOnlyModelViewSet": ("list", "retrieve"),
    "rest_framework.mixins.ListModelMixin": ("list",),
    "rest_framework.mixins.CreateModelMixin": ("create",),
    "rest_framework.mixins.RetrieveModelMixin": ("retrieve",),
    "rest_framework.mixins.UpdateModelMixin": ("update", "partial_update"),
    "rest_framework.mixins.DestroyModelMixin": ("destroy",),
}

# decorators that mark a Django/DRF function view and what they say about its methods
DJANGO_METHOD_DECORATORS = {
    "django.views.decorators.http.require_GET": ("GET", "HEAD"),
    "django.views.decorators.http.require_POST": ("POST",),
    "django.views.decorators.http.require_safe": ("GET", "HEAD"),
}
DJANGO_VIEW_DECORATORS = (
    "django.contrib.auth.decorators.", "django.views.decorators.", "django.contrib.admin.views.decorators.",
)
LITESTAR_DECORATORS = {
    "get": ("GET",), "post": ("POST",), "put": ("PUT",), "patch": ("PATCH",), "delete": ("DELETE",),
    "head": ("HEAD",),
}


# -- small helpers ---------------------------------------------------------------------------

def string_value(node: Optional[cst.BaseExpression]) -> Optional[str]:
    """The value of a plain (possibly concatenated, not f-) string literal, else None.

    ``semantics.string_value`` reads a literal without an escape from its text; libcst's
    ``evaluated_value`` compiles every literal (``ast.literal_eval``)."""
    if node is None:
        return None
    value = literal_string(node)
    return value if type(value) is str else None


def string_list(node: Optional[cst.BaseExpression]) -> Optional[List[str]]:
    if type(node) in (cst.List, cst.Tuple, cst.Set):
        out = []
        for el in node.elements:
            value = string_value(el.value)
            if value is None:
                return None
            out.append(value)
        return out
    value = string_value(node)
    return [value] if value is not None else None


def norm_methods(methods: Iterable[str]) -> Tuple[str, ...]:
    seen = {m.upper() for m in methods}
    return tuple(sorted(seen, key=lambda m: (METHOD_ORDER.get(m, 99), m)))


def join_path(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path:
        return prefix
    return prefix.rstrip("/") + "/" + path.lstrip("/")


def display_path(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def module_name_for(path: str) -> str:
    """Dotted module name for a file: its package chain (directories with ``__init__.py``)."""
    absolute = os.path.abspath(path)
    directory, filename = os.path.split(absolute)
    stem = filename[:-3] if filename.endswith(".py") else filename
    parts = [] if stem == "__init__" else [stem]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, pkg = os.path.split(directory)
        parts.insert(0, pkg)
        if not pkg:
            break
    return ".".join(p for p in parts if p) or stem


def _line(positions, node) -> int:
    r = positions.range(node) if positions is not None else None
    return r[0] if r else 0


_PARAM_RE = re.compile(r"^(<.*>|\{.*\}|\(.*\)|:.*|\*.*)$")


def is_param_segment(segment: str) -> bool:
    return bool(_PARAM_RE.match(segment)) or "<" in segment or "{" in segment or "(?P" in segment
