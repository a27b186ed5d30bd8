"""Routes declared by decorators: ``@app.get("/x")``, ``@bp.route(...)``, ``@router.websocket``,
DRF ``@api_view``, Django method decorators and the project's declared route decorators."""
from __future__ import annotations

from typing import Optional, Tuple

from ..._lazy import cst
from ...semantics import keyword_arg, positional_args
from .. import declared
from .appbuilder import is_expose
from .common import (
    DJANGO_METHOD_DECORATORS, DJANGO_VIEW_DECORATORS, HTTP_VERBS, UNKNOWN, norm_methods, string_list, string_value,
)


class DecoratorRoutes:
    """Mixin of the per-file extractor (see ``extract.py``)."""

    def _decorated_function(self, func: cst.FunctionDef, cls: Optional[cst.ClassDef]) -> None:
        for deco in func.decorators:
            expr = deco.decorator
            call = expr if type(expr) is cst.Call else None
            target = call.func if call is not None else expr
            if declared.decorators() and declared.is_route_decorator(self.r.qualify(target)):
                self._declared_route(func, cls, call, (self.r.qualify(target) or "").rsplit(".", 1)[-1])
                continue
            if type(target) is cst.Attribute:
                owner_ref, owner = self.owner_key(target.value)
                attr = target.attr.value
                framework = owner["framework"] if owner else self._guess_framework(owner_ref)
                if framework is None or framework in ("django", "drf"):
                    continue
                if owner is not None and owner["kind"] == "urlconf":
                    continue
                self._decorator_route(func, cls, call, attr, owner_ref, owner, framework)
                continue
            qual = self.r.qualify(target) or ""
            if is_expose(qual) and cls is not None:
                self._fab_expose(func, cls, call)
            elif qual.startswith("litestar."):
                self._litestar_route(func, cls, call, qual.rsplit(".", 1)[1])
            elif qual in ("rest_framework.decorators.api_view",):
                methods = ("GET",)
                if call is not None and positional_args(call):
                    methods = tuple(string_list(positional_args(call)[0].value) or ["GET"])
                elif call is not None and keyword_arg(call, "http_method_names") is not None:
                    methods = tuple(string_list(keyword_arg(call, "http_method_names").value) or ["GET"])
                self._add_handler(func, None, "drf", norm_methods(methods))
                self.views[func.name.value] = {"kind": "function", "methods": list(norm_methods(methods))}
            elif qual == "django.views.decorators.http.require_http_methods" and call is not None:
                methods = string_list(positional_args(call)[0].value) if positional_args(call) else None
                self._django_function_view(func, norm_methods(methods) if methods else None)
            elif qual in DJANGO_METHOD_DECORATORS:
                self._django_function_view(func, norm_methods(DJANGO_METHOD_DECORATORS[qual]))
            elif any(qual.startswith(p) for p in DJANGO_VIEW_DECORATORS) and cls is None:
                self._django_function_view(func, None, weak=True)

    def _declared_route(self, func, cls, call, last: str) -> None:
        """A decorator the project declares as registering a route: the path is its first
        argument (or ``path=``/``rule=``), the methods ``methods=[...]``/``method="..."`` or the
        decorator's own name when that is an HTTP verb; otherwise any method."""
        args = positional_args(call) if call is not None else []
        node = args[0].value if args else None
        for kw in ("path", "rule", "url"):
            if node is None and call is not None and keyword_arg(call, kw) is not None:
                node = keyword_arg(call, kw).value
        methods: Optional[Tuple[str, ...]] = None
        if call is not None and keyword_arg(call, "methods") is not None:
            listed = string_list(keyword_arg(call, "methods").value)
            methods = norm_methods(listed) if listed else None
        elif call is not None and keyword_arg(call, "method") is not None:
            one = string_value(keyword_arg(call, "method").value)
            methods = (one.upper(),) if one else None
        elif last in HTTP_VERBS:
            methods = (last.upper(),)
        path = string_value(node) if node is not None else None
        self._route(None, None, "declared", func, cls, methods, path if path is not None else UNKNOWN, node, False)

    def _guess_framework(self, owner_ref: Optional[str]) -> Optional[str]:
        """An imported owner (``from .app import app``): the framework follows from the file's imports."""
        if owner_ref is None:
            return None
        last = owner_ref.rsplit(".", 1)[-1].lower()
        if not (last in ("app", "router", "bp", "blueprint", "api", "routes", "application")
                or last.endswith(("_router", "_bp", "_blueprint", "_app", "_api", "_routes"))
                or last.startswith(("router", "bp_", "blueprint"))):
            return None  # `@mock.patch(...)`, `@cache.get(...)`: not a route owner
        imported = set(v.split(".", 1)[0] for v in self.r.imports.values())
        for fw in ("fastapi", "flask", "sanic", "aiohttp", "starlette"):
            if fw in imported:
                return fw
        return None

    def _decorator_route(self, func, cls, call, attr, owner_ref, owner, framework) -> None:
        methods: Optional[Tuple[str, ...]] = None
        path_node: Optional[cst.BaseExpression] = None
        websocket = False
        args = positional_args(call) if call is not None else []
        path_kw = {"fastapi": "path", "flask": "rule", "sanic": "uri", "aiohttp": "path"}.get(framework, "path")
        if attr in HTTP_VERBS:
            methods = (attr.upper(),)
        elif attr in ("route", "api_route"):
            if framework == "aiohttp":  # routes.route("GET", "/x")
                if len(args) >= 2:
                    m = string_value(args[0].value)
                    methods = (m.upper(),) if m else None
                    path_node = args[1].value
                else:
                    return
            else:
                arg = keyword_arg(call, "methods") if call is not None else None
                if arg is not None:
                    listed = string_list(arg.value)
                    methods = norm_methods(listed) if listed else None
                else:
                    methods = ("GET",)
        elif attr in ("websocket", "websocket_route", "ws"):
            websocket = True
            methods = ("WEBSOCKET",)
        elif attr == "view" and framework == "aiohttp":
            methods = None
        else:
            return
        if call is None:
            if framework == "flask" or framework == "aiohttp":
                return
            path_node = None
        elif path_node is None:
            if args:
                path_node = args[0].value
            else:
                kw = keyword_arg(call, path_kw) or keyword_arg(call, "path")
                path_node = kw.value if kw is not None else None
        path = string_value(path_node) if path_node is not None else ("" if framework in ("fastapi", "sanic") else None)
        if path is None:
            path = UNKNOWN
        self._route(owner_ref, owner, framework, func, cls, methods, path, path_node, websocket)
        if path == UNKNOWN and path_node is not None:
            parts = self.string_parts(path_node)
            if parts:
                self.routes[-1]["path_parts"] = parts
