"""Django URLconfs (``urlpatterns``, ``path``/``re_path``/``url``, ``include``) and function views
(routed here, decorated, or by the views-module convention)."""
from __future__ import annotations

import os

from ..._lazy import cst
from ...semantics import dotted_name, positional_args
from .. import route_kinds
from .common import UNKNOWN, string_value
from .model import PathDecl
from .names import _statements


class DjangoRoutes:
    """Mixin of the per-file extractor (see ``extract.py``)."""

    def _django_function_view(self, func: cst.FunctionDef, methods, weak: bool = False) -> None:
        name = func.name.value
        if id(func) in self.handlers and weak:
            return
        framework = "drf" if id(func) in self.handlers and self.handlers[id(func)].framework == "drf" else "django"
        self._add_handler(func, None, framework, methods)
        if methods is not None:
            self.handlers[id(func)].methods = methods
        self.views[name] = {"kind": "function", "methods": list(methods) if methods else None}

    def _urlpatterns(self, owner_ref: str, value: cst.BaseExpression) -> None:
        if isinstance(value, cst.BinaryOperation):
            self._urlpatterns(owner_ref, value.left)
            self._urlpatterns(owner_ref, value.right)
            return
        if isinstance(value, cst.Name) and value.value in self.lists and value.value != "urlpatterns":
            self._urlpatterns(owner_ref, self.lists[value.value])
            return
        if isinstance(value, cst.Attribute) and value.attr.value == "urls":  # router.urls
            child = self.ref(value.value)
            if child:
                self.edges.append({"parent": owner_ref, "child": child, "prefix": "", "override": False})
                self.edge_nodes.append(value)
            return
        if not isinstance(value, (cst.List, cst.Tuple)):
            return
        for el in value.elements:
            item = el.value
            if not isinstance(item, cst.Call):
                continue
            qual = self.r.qualify(item.func) or ""
            last = qual.rsplit(".", 1)[-1]
            if last not in ("path", "re_path", "url") or not (qual.startswith("django.") or last == "url"):
                continue
            args = positional_args(item)
            if len(args) < 2:
                continue
            route_node = args[0].value
            route = string_value(route_node)
            if route is None:
                route = UNKNOWN
            elif last != "path":
                route = route.lstrip("^").rstrip("$") if route != "^$" else ""
                if route.startswith("^"):
                    route = route[1:]
            view = args[1].value
            if isinstance(view, cst.Attribute) and view.attr.value == "urls":  # admin.site.urls, router.urls
                child = self.ref(view.value)
                if child:
                    self.edges.append({"parent": owner_ref, "child": child, "prefix": route, "override": False})
                    self.edge_nodes.append(view)
                continue
            if isinstance(view, cst.Call) and (self.r.qualify(view.func) or "").endswith("include"):
                self._django_include(owner_ref, route, view)
                continue
            mapping = None
            kind = "function"
            target = view
            if isinstance(view, cst.Call) and isinstance(view.func, cst.Attribute) and view.func.attr.value == "as_view":
                target = view.func.value
                kind = "class"
                vargs = positional_args(view)
                if vargs and isinstance(vargs[0].value, cst.Dict):
                    mapping = {}
                    for de in vargs[0].value.elements:
                        if isinstance(de, cst.DictElement):
                            k, v = string_value(de.key), string_value(de.value)
                            if k and v:
                                mapping[k.upper()] = v
                    kind = "viewset"
            view_ref = self.ref(target)
            handler = dotted_name(target) or "?"
            self.routes.append({"owner": owner_ref, "path": route, "methods": None, "handler": handler,
                                "framework": "django", "view": {"ref": view_ref, "kind": kind, "mapping": mapping},
                                "websocket": False})
            self.route_nodes.append(route_node)
            if isinstance(route_node, (cst.SimpleString, cst.ConcatenatedString)) and route != UNKNOWN:
                methods = tuple(mapping) if mapping else None
                if methods is None and isinstance(target, cst.Name) and target.value in self.views:
                    listed = self.views[target.value].get("methods")
                    methods = tuple(listed) if listed else None
                local = None
                if isinstance(target, cst.Name):
                    local = self.classes.get(target.value) if kind != "function" else self.functions.get(target.value)
                self.paths.append(PathDecl(route_node, string_value(route_node) or route, "/" + route, methods,
                                           handler, "django", target=local,
                                           view_name=self.r.qualify(target) or dotted_name(target),
                                           view_is_class=kind != "function"))
            # a function defined in this same file and routed here is a view
            if isinstance(target, cst.Name) and target.value in self.functions and kind == "function":
                self._django_function_view(self.functions[target.value], None, weak=True)

    def _django_include(self, owner_ref: str, route: str, include: cst.Call) -> None:
        args = positional_args(include)
        if not args:
            return
        target = args[0].value
        if isinstance(target, cst.Tuple) and target.elements:
            target = target.elements[0].value
        conf = string_value(target)
        if conf is not None:
            child = conf + ".urlpatterns"
        elif isinstance(target, cst.Attribute) and target.attr.value == "urls":
            child = self.ref(target.value)
        elif isinstance(target, (cst.List, cst.Tuple)):
            self._anon += 1
            name = f"<include{self._anon}>"
            self.objects[name] = {"framework": "django", "kind": "urlconf", "prefix": ""}
            child = self.local_ref(name)
            self._urlpatterns(child, target)
        else:
            ref = self.ref(target)
            child = ref + ".urlpatterns" if ref else None
        self.edges.append({"parent": owner_ref, "child": child, "prefix": route, "override": False})
        self.edge_nodes.append(include)

    def _augmented_urlpatterns(self) -> None:
        for stmt in _statements(self.module.body):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name) \
                            and small.target.value == "urlpatterns":
                        self.objects.setdefault("urlpatterns", {"framework": "django", "kind": "urlconf", "prefix": ""})
                        self._urlpatterns(self.local_ref("urlpatterns"), small.value)

    def django_conventions(self) -> None:
        """Public module-level functions taking ``request`` first, in a views module of a Django project."""
        tops = self._imported_tops()
        if not ({"django", "rest_framework"} & tops):
            return
        base = os.path.basename(self.path)
        posix = "/" + self.path.replace(os.sep, "/")
        if base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py" or "/tests/" in posix:
            return  # pytest's `request` fixture is not an HTTP request
        in_views = base in ("views.py", "api.py") or "/views/" in self.path.replace(os.sep, "/") \
            or base.startswith("views_") or base.endswith("_views.py")
        # a module that builds HTTP responses is a views module whatever its name
        in_views = in_views or any(v.startswith(("django.http.", "django.shortcuts.", "rest_framework.response."))
                                   and v not in _NOT_RESPONSE_BUILDERS for v in self.r.imports.values())
        if not in_views:
            return
        candidates = []
        for stmt in self.module.body:
            if not isinstance(stmt, cst.FunctionDef) or id(stmt) in self.handlers:
                continue
            params = stmt.params.params
            if not params or params[0].name.value != "request" or stmt.name.value.startswith("_"):
                continue
            candidates.append(stmt)
        if self.text is not None:
            self._called = route_kinds.plain_calls(self.text, {c.name.value for c in candidates})
        for stmt in candidates:
            if not self._called_here(stmt.name.value):
                self._django_function_view(stmt, None, weak=True)

    def _called_here(self, name: str) -> bool:
        """A function the module itself calls (``cart_id = get_or_create_cart_id(request)``) is a
        helper of its views, not a view that a URLconf routes to."""
        return name in self._called


# imported from django.http, but they build no response (a type annotation, a parser)
_NOT_RESPONSE_BUILDERS = frozenset({"django.http.HttpRequest", "django.http.QueryDict", "django.http.request",
                                    "django.http.HttpHeaders"})
