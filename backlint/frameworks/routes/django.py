"""Django URLconfs (``urlpatterns``, ``path``/``re_path``/``url``, ``include``) and function views
(routed here, decorated, or by the views-module convention)."""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

from ..._lazy import cst
from ...semantics import dotted_name, positional_args
from .. import route_kinds
from . import graphql_views as graphql
from .common import UNKNOWN, string_value
from .model import PathDecl


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

    # URL lists ---------------------------------------------------------------------------
    def _is_url_call(self, node: cst.BaseExpression) -> bool:
        if type(node) is not cst.Call:
            return False
        qual = self.r.qualify(node.func) or ""
        last = qual.rsplit(".", 1)[-1]
        return last in ("path", "re_path", "url") and (qual.startswith("django.") or last == "url")

    def _is_url_list(self, value: cst.BaseExpression, depth: int = 0) -> bool:
        """A list of Django URL patterns, or a sum of lists at least one of which is."""
        if depth > 10:
            return False
        if type(value) in (cst.List, cst.Tuple):
            return any(self._is_url_call(el.value) for el in value.elements)
        if type(value) is cst.BinaryOperation and type(value.operator) is cst.Add:
            return self._is_url_list(value.left, depth + 1) or self._is_url_list(value.right, depth + 1)
        if type(value) is cst.Name and value.value in self.lists:
            return self._is_url_list(self.lists[value.value], depth + 1)
        return False

    def _list_mutations(self) -> Dict[str, List[Tuple[str, cst.BaseExpression]]]:
        """``name += [...]``, ``name.append(item)``, ``name.extend([...])``, ``name.insert(i, item)``."""
        out: Dict[str, List[Tuple[str, cst.BaseExpression]]] = {}
        for stmt in self._stmts:
            if type(stmt) is not cst.SimpleStatementLine:
                continue
            for small in stmt.body:
                if type(small) is cst.AugAssign and type(small.target) is cst.Name \
                        and type(small.operator) is cst.AddAssign:
                    out.setdefault(small.target.value, []).append(("list", small.value))
                elif type(small) is cst.Expr and type(small.value) is cst.Call \
                        and type(small.value.func) is cst.Attribute \
                        and type(small.value.func.value) is cst.Name:
                    attr = small.value.func.attr.value
                    args = positional_args(small.value)
                    if attr in ("append", "extend") and len(args) == 1:
                        out.setdefault(small.value.func.value.value, []).append(
                            ("item" if attr == "append" else "list", args[0].value))
                    elif attr == "insert" and len(args) == 2:
                        out.setdefault(small.value.func.value.value, []).append(("item", args[1].value))
        return out

    def _url_lists(self) -> None:
        """Every URL list of the file is a URLconf of its own (``urlpatterns``, ``api_urls``,
        ``_patterns``): included by name here, or imported and included or summed elsewhere."""
        self._mutations = self._list_mutations()
        for name in list(self.lists) + [n for n in self._mutations if n not in self.lists]:
            changes = self._mutations.get(name, ())
            if (name == "urlpatterns" and (name in self.lists or changes)) \
                    or (name in self.lists and self._is_url_list(self.lists[name])) \
                    or any(self._is_url_call(v) if kind == "item" else self._is_url_list(v) for kind, v in changes):
                self._url_list(name)

    def _url_list(self, name: str) -> str:
        ref = self.local_ref(name)
        if name in self._url_lists_done:
            return ref
        self._url_lists_done.add(name)
        self.objects.setdefault(name, {"framework": "django", "kind": "urlconf", "prefix": ""})
        if name in self.lists:
            self._urlpatterns(ref, self.lists[name])
        for kind, value in self._mutations.get(name, ()):
            self._urlpatterns(ref, cst.List([cst.Element(value)]) if kind == "item" else value)
        return ref

    def _url_edge(self, owner_ref: str, child: Optional[str], node: cst.CSTNode) -> None:
        if child and child != owner_ref:
            self.edges.append({"parent": owner_ref, "child": child, "prefix": "", "override": False})
            self.edge_nodes.append(node)

    def _urlpatterns(self, owner_ref: str, value: cst.BaseExpression) -> None:
        if type(value) is cst.BinaryOperation:
            self._urlpatterns(owner_ref, value.left)
            self._urlpatterns(owner_ref, value.right)
            return
        if type(value) is cst.Name and value.value in self.lists:
            self._url_edge(owner_ref, self._url_list(value.value), value)
            return
        if type(value) is cst.Name and value.value in self.r.imports:  # a list imported from elsewhere
            self._url_edge(owner_ref, self.r.imports[value.value], value)
            return
        if type(value) is cst.Attribute and value.attr.value == "urls":  # router.urls
            child = self.ref(value.value)
            if child:
                self.edges.append({"parent": owner_ref, "child": child, "prefix": "", "override": False})
                self.edge_nodes.append(value)
            return
        if type(value) is cst.Attribute:  # `other_module.urlpatterns`
            self._url_edge(owner_ref, self.ref(value), value)
            return
        if type(value) not in (cst.List, cst.Tuple):
            return
        for el in value.elements:
            item = el.value
            if type(item) is not cst.Call:
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
            parts = None
            if route is None:
                route = UNKNOWN
                parts = self._route_parts(route_node, regex=last != "path")
            elif last != "path":
                route = route.lstrip("^").rstrip("$") if route != "^$" else ""
                if route.startswith("^"):
                    route = route[1:]
            view = args[1].value
            if type(view) is cst.Attribute and view.attr.value == "urls":  # admin.site.urls, router.urls
                child = self.ref(view.value)
                if child:
                    self.edges.append({"parent": owner_ref, "child": child, "prefix": route, "override": False})
                    self.edge_nodes.append(view)
                continue
            if type(view) is cst.Call and (self.r.qualify(view.func) or "").endswith("include"):
                self._django_include(owner_ref, route, view, parts)
                continue
            mapping = None
            kind = "function"
            target = view
            if type(view) is cst.Call and type(view.func) is cst.Attribute and view.func.attr.value == "as_view":
                target = view.func.value
                kind = "class"
                vargs = positional_args(view)
                if vargs and type(vargs[0].value) is cst.Dict:
                    mapping = {}
                    for de in vargs[0].value.elements:
                        if type(de) is cst.DictElement:
                            k, v = string_value(de.key), string_value(de.value)
                            if k and v:
                                mapping[k.upper()] = v
                    kind = "viewset"
            view_ref = self.ref(target)
            handler = dotted_name(target) or "?"
            self.routes.append({"owner": owner_ref, "path": route, "methods": None, "handler": handler,
                                "framework": "django", "view": {"ref": view_ref, "kind": kind, "mapping": mapping},
                                "websocket": False})
            if parts:
                self.routes[-1]["path_parts"] = parts
            if graphql.is_graphql_view(self.r.qualify(target) or dotted_name(target)):
                self.routes[-1]["kind"] = route_kinds.API
            self.route_nodes.append(route_node)
            if type(route_node) in (cst.SimpleString, cst.ConcatenatedString) and route != UNKNOWN:
                methods = tuple(mapping) if mapping else None
                if methods is None and type(target) is cst.Name and target.value in self.views:
                    listed = self.views[target.value].get("methods")
                    methods = tuple(listed) if listed else None
                local = None
                if type(target) is cst.Name:
                    local = self.classes.get(target.value) if kind != "function" else self.functions.get(target.value)
                self.paths.append(PathDecl(route_node, string_value(route_node) or route, "/" + route, methods,
                                           handler, "django", target=local,
                                           view_name=self.r.qualify(target) or dotted_name(target),
                                           view_is_class=kind != "function"))
            # a function defined in this same file and routed here is a view
            if type(target) is cst.Name and target.value in self.functions and kind == "function":
                self._django_function_view(self.functions[target.value], None, weak=True)

    def _route_parts(self, node: cst.BaseExpression, regex: bool) -> Optional[List[Any]]:
        parts = self.string_parts(node)
        if parts and regex:
            if isinstance(parts[0], str):
                parts[0] = parts[0].lstrip("^")
            if isinstance(parts[-1], str):
                parts[-1] = parts[-1].rstrip("$")
        return parts

    def _django_include(self, owner_ref: str, route: str, include: cst.Call, parts=None) -> None:
        args = positional_args(include)
        if not args:
            return
        target = args[0].value
        if type(target) is cst.Tuple and target.elements:
            target = target.elements[0].value
        conf = string_value(target)
        alt = None
        if conf is not None:
            child = conf + ".urlpatterns"
        elif type(target) is cst.Attribute and target.attr.value == "urls":
            child = self.ref(target.value)  # `router.urls`, or a module `pkg.urls` (its urlpatterns)
            module = self.ref(target)
            alt = module + ".urlpatterns" if module else None
        elif type(target) in (cst.List, cst.Tuple, cst.BinaryOperation):
            self._anon += 1
            name = f"<include{self._anon}>"
            self.objects[name] = {"framework": "django", "kind": "urlconf", "prefix": ""}
            child = self.local_ref(name)
            self._urlpatterns(child, target)
        elif type(target) is cst.Name and target.value in self.lists:
            child = self._url_list(target.value)
        else:
            # a module (`include(views_module)`) or a list imported from one (`include(api_urls)`)
            ref = self.ref(target)
            child = ref + ".urlpatterns" if ref else None
            alt = ref
        edge = {"parent": owner_ref, "child": child, "prefix": route, "override": False}
        if alt:
            edge["child_alt"] = alt
        if parts:
            edge["prefix_parts"] = parts
        self.edges.append(edge)
        self.edge_nodes.append(include)

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
            if type(stmt) is not cst.FunctionDef or id(stmt) in self.handlers:
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
