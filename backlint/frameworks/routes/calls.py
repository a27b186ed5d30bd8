"""Routes and mounts registered by calls: ``register_blueprint``, ``include_router``, ``mount``,
``add_url_rule``, ``add_api_route``, Sanic ``add_route``, aiohttp ``router.add_get``, DRF
``router.register``."""
from __future__ import annotations

from typing import Optional

from ..._lazy import cst
from ...semantics import dotted_name, keyword_arg, positional_args
from .common import CONSTRUCTORS, HTTP_VERBS, UNKNOWN, norm_methods, string_list, string_value
from .model import PathDecl


class CallRoutes:
    """Mixin of the per-file extractor (see ``extract.py``)."""

    def _call(self, call: cst.Call) -> None:
        func = call.func
        if type(func) is not cst.Attribute:
            return
        attr = func.attr.value
        owner_ref, owner = self.owner_key(func.value)
        framework = owner["framework"] if owner else None
        args = positional_args(call)
        found = self._param_owner(func.value, attr) if owner is None else None
        if found is not None:
            owner_ref, owner = found
            framework = owner["framework"]
        elif owner is None:
            # e.g. app.register_blueprint on an imported or unknown app; try by method name
            framework = self._framework_by_method(attr)
            if framework is None or owner_ref is None:
                if framework is not None and type(func.value) in (cst.Name, cst.Attribute):
                    owner_ref = self.local_ref("<" + (dotted_name(func.value) or "?") + ">")
                else:
                    return
        kw = lambda name: keyword_arg(call, name)  # noqa: E731
        if attr == "register_blueprint" and framework == "flask" and args:
            prefix_arg = kw("url_prefix")
            self._edge(owner_ref, args[0].value, prefix_arg.value if prefix_arg else None,
                       override=prefix_arg is not None, node=call)
        elif attr == "blueprint" and framework == "sanic" and args:
            prefix_arg = kw("url_prefix")
            self._edge(owner_ref, args[0].value, prefix_arg.value if prefix_arg else None,
                       override=prefix_arg is not None, node=call)
        elif attr == "include_router" and framework == "fastapi" and args:
            prefix_arg = kw("prefix")
            self._edge(owner_ref, args[0].value, prefix_arg.value if prefix_arg else None, node=call)
        elif attr == "mount" and framework in ("fastapi", "starlette") and args:
            target = kw("app").value if kw("app") else (args[1].value if len(args) > 1 else None)
            if target is not None:
                self._edge(owner_ref, target, args[0].value, node=call)
        elif attr == "add_subapp" and framework == "aiohttp" and len(args) >= 2:
            self._edge(owner_ref, args[1].value, args[0].value, node=call)
        elif attr == "add_url_rule" and framework == "flask":
            rule = args[0].value if args else (kw("rule").value if kw("rule") else None)
            view = kw("view_func").value if kw("view_func") else (args[2].value if len(args) > 2 else None)
            methods_arg = kw("methods")
            methods = norm_methods(string_list(methods_arg.value) or []) if methods_arg else None
            self._registered(owner_ref, owner, "flask", rule, view, methods, default=("GET",))
        elif attr in ("add_api_route", "add_route") and framework in ("fastapi", "starlette"):
            rule = args[0].value if args else (kw("path").value if kw("path") else None)
            view = args[1].value if len(args) > 1 else (kw("endpoint").value if kw("endpoint") else None)
            methods_arg = kw("methods")
            methods = norm_methods(string_list(methods_arg.value) or []) if methods_arg else None
            self._registered(owner_ref, owner, framework, rule, view, methods, default=("GET",))
        elif attr == "add_route" and framework == "sanic":
            view = args[0].value if args else None
            rule = args[1].value if len(args) > 1 else (kw("uri").value if kw("uri") else None)
            methods_arg = kw("methods")
            methods = norm_methods(string_list(methods_arg.value) or []) if methods_arg else None
            self._registered(owner_ref, owner, "sanic", rule, view, methods, default=("GET",))
        elif framework == "aiohttp" and attr.startswith("add_") and attr[4:] in HTTP_VERBS + ("route", "view"):
            verb = attr[4:]
            if verb == "route":
                if len(args) < 3:
                    return
                method = string_value(args[0].value)
                rule, view = args[1].value, args[2].value
                methods = (method.upper(),) if method and method != "*" else None
            else:
                if len(args) < 2:
                    return
                rule, view = args[0].value, args[1].value
                methods = None if verb == "view" else (verb.upper(),)
            self._registered(owner_ref, owner, "aiohttp", rule, view, methods)
        elif attr == "add_routes" and framework == "aiohttp" and args:
            self._aiohttp_routes(owner_ref, owner, args[0].value)
        elif attr == "register" and framework == "drf" and len(args) >= 2:
            prefix_node = args[0].value
            prefix = string_value(prefix_node)
            viewset = self.ref(args[1].value)
            self.routes.append({"owner": owner_ref, "drf_register": {"prefix": prefix if prefix is not None else UNKNOWN,
                                                                     "viewset": viewset}, "framework": "drf",
                                "handler": dotted_name(args[1].value) or "?"})
            self.route_nodes.append(call)
            if prefix is not None:
                self.paths.append(PathDecl(prefix_node, prefix, prefix, None, dotted_name(args[1].value) or "?", "drf",
                                           kind="drf-register"))

    @staticmethod
    def _framework_by_method(attr: str) -> Optional[str]:
        return {"register_blueprint": "flask", "include_router": "fastapi", "add_url_rule": "flask",
                "add_subapp": "aiohttp", "add_api_route": "fastapi"}.get(attr)

    def _edge(self, parent_ref, child_expr, prefix_expr, override=False, node=None) -> None:
        child = self.ref(child_expr) if type(child_expr) is not cst.Call else None
        if type(child_expr) is cst.Call:  # Blueprint.group(...) inline, or routers built inline
            child = self._inline_object(child_expr)
        prefix = ""
        parts = None
        if prefix_expr is not None:
            value = string_value(prefix_expr)
            prefix = value if value is not None else UNKNOWN
            if value is None:
                parts = self.string_parts(prefix_expr)
        edge = {"parent": parent_ref, "child": child, "prefix": prefix, "override": override}
        if parts:
            edge["prefix_parts"] = parts
        self.edges.append(edge)
        self.edge_nodes.append(node)

    def _inline_object(self, call: cst.Call) -> Optional[str]:
        qual = self.r.qualify(call.func)
        if qual in CONSTRUCTORS:
            self._anon += 1
            name = f"<{self._anon}>"
            self._define(name, call, call)
            self._constructor_routes(None, call, name)
            return self.local_ref(name)
        return None

    def _registered(self, owner_ref, owner, framework, rule_node, view, methods, default=None) -> None:
        if view is None:
            return
        path = string_value(rule_node) if rule_node is not None else None
        if path is None:
            path = UNKNOWN
        func, cls, name = self._view_target(view)
        if cls is not None:
            _, base_methods, _ = self.class_bases(cls)
            for stmt in cls.body.body:
                if type(stmt) is cst.FunctionDef and stmt.name.value in HTTP_VERBS:
                    verb = (stmt.name.value.upper(),)
                    if methods is not None and verb[0] not in methods:
                        continue
                    self._route(owner_ref, owner, framework, stmt, cls, verb, path, rule_node, False)
            return
        if methods is None and framework != "aiohttp":
            methods = default
        self._route(owner_ref, owner, framework, func, None, methods, path, rule_node, False, handler_name=name)

    def _view_target(self, view: cst.BaseExpression):
        """(function node or None, class node or None, display name) of a view expression."""
        if type(view) is cst.Name and view.value in self.view_aliases:  # `_edit = EditView.as_view("edit")`
            view = self.view_aliases[view.value]
        if type(view) is cst.Call and type(view.func) is cst.Attribute and view.func.attr.value == "as_view":
            view = view.func.value
        if type(view) is cst.Name:
            if view.value in self.classes:
                return None, self.classes[view.value], view.value
            if view.value in self.functions:
                return self.functions[view.value], None, view.value
        return None, None, dotted_name(view) or "?"
