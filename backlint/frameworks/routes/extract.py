"""Per-file route extraction: one pass collecting definitions (imports, objects such as apps,
routers, blueprints and URLconfs, constants, views), one pass finding routes. The framework
shapes live in the mixins this class is built from."""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

from ..._lazy import cst
from ...semantics import keyword_arg, positional_args
from .appbuilder import AppBuilderRoutes
from .calls import CallRoutes
from .classes import ClassViews
from .common import CONSTRUCTORS, ROOT_KINDS, UNKNOWN, join_path, module_name_for, norm_methods, string_value, _line
from .decorators import DecoratorRoutes
from .django import DjangoRoutes
from .litestar import LitestarRoutes
from .model import FileRoutes, Handler, PathDecl
from .names import _Resolver, statements_and_functions
from .path_parts import PathParts
from .setup_calls import SetupCalls
from .tables import TableRoutes
from .. import route_kinds


class _Extractor(PathParts, SetupCalls, AppBuilderRoutes, DecoratorRoutes, LitestarRoutes, ClassViews, CallRoutes, TableRoutes, DjangoRoutes):
    def __init__(self, module: cst.Module, path: str, module_name: Optional[str]) -> None:
        self.module = module
        self.path = path
        self.module_name = module_name or module_name_for(path)
        is_package = os.path.basename(path) == "__init__.py"
        self.r = _Resolver(self.module_name, is_package)
        self.objects: Dict[str, Dict[str, Any]] = {}
        self.object_nodes: Dict[str, cst.CSTNode] = {}
        self.functions: Dict[str, cst.FunctionDef] = {}
        self.classes: Dict[str, cst.ClassDef] = {}
        self.lists: Dict[str, cst.BaseExpression] = {}
        self.routes: List[Dict[str, Any]] = []  # facts
        self.route_nodes: List[cst.CSTNode] = []
        self.edges: List[Dict[str, Any]] = []
        self.edge_nodes: List[cst.CSTNode] = []
        self.handlers: Dict[int, Handler] = {}
        self.paths: List[PathDecl] = []
        self.views: Dict[str, Dict[str, Any]] = {}
        self.root_urlconf: Optional[str] = None
        self.constants: Dict[str, List[Any]] = {}
        self.view_aliases: Dict[str, cst.Call] = {}  # names bound to `SomeView.as_view(...)`
        self.text: Optional[str] = None  # the source, when the caller has it (helpers called here are not views)
        self._called: frozenset = frozenset()  # convention-view candidates the module calls itself
        self._anon = 0
        self._current_stmt: Optional[cst.CSTNode] = None
        self._drf_routers: set = set()  # names that register viewsets
        self._top_level: set = set()  # module-level assignments (their string values are constants)
        self._url_lists_done: set = set()  # Django URL lists already turned into URLconf objects
        self._mutations: Dict[str, List[Any]] = {}
        # every statement of the file in source order (``names._statements``), listed once: the
        # passes below and in the mixins read it instead of walking the statements again
        self._stmts, self._enclosing = statements_and_functions(module.body)

    def local_ref(self, name: str) -> str:
        return f"{self.module_name}.{name}"

    def ref(self, node: Optional[cst.BaseExpression]) -> Optional[str]:
        """An absolute reference for an object/function expression (``mod.name``)."""
        if type(node) is cst.Name:
            if node.value in self.objects or node.value in self.functions or node.value in self.classes \
                    or node.value in self.lists:
                return self.local_ref(node.value)
            return self.r.imports.get(node.value)
        if type(node) is cst.Attribute:
            base = self.ref(node.value)
            return f"{base}.{node.attr.value}" if base else None
        return None

    def object_of(self, node: cst.BaseExpression) -> Optional[Dict[str, Any]]:
        if type(node) is cst.Name and node.value in self.objects:
            return self.objects[node.value]
        return None

    def owner_key(self, node: cst.BaseExpression) -> Tuple[Optional[str], Optional[Dict[str, Any]]]:
        """(reference, local object facts or None) for the receiver of a route decorator/call."""
        if type(node) is cst.Name and node.value in self.objects:
            return self.local_ref(node.value), self.objects[node.value]
        if type(node) is cst.Attribute and node.attr.value == "router" and type(node.value) is cst.Name \
                and node.value.value in self.objects:  # aiohttp: app.router.add_get
            return self.local_ref(node.value.value), self.objects[node.value.value]
        return self.ref(node), None

    def collect(self) -> None:
        for stmt in self._stmts:
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) in (cst.Import, cst.ImportFrom):
                        self.r.add_import(small)
        self._drf_routers = self._registering_names()
        self._top_level = {id(small) for stmt in self.module.body if type(stmt) is cst.SimpleStatementLine
                           for small in stmt.body}
        for stmt in self._stmts:
            if type(stmt) is cst.FunctionDef:
                self.functions.setdefault(stmt.name.value, stmt)
            elif type(stmt) is cst.ClassDef:
                self.classes.setdefault(stmt.name.value, stmt)
            elif type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) in (cst.Assign, cst.AnnAssign):
                        targets = [t.target for t in small.targets] if type(small) is cst.Assign else [small.target]
                        value = small.value
                        for target in targets:
                            if type(target) is cst.Name and value is not None:
                                self._define(target.value, value, small)

    def _define(self, name: str, value: cst.BaseExpression, stmt: cst.CSTNode) -> None:
        if type(value) is cst.Call and type(value.func) is cst.Attribute and value.func.attr.value == "as_view":
            self.view_aliases.setdefault(name, value)
        if name.isupper() or name.startswith("_") and name[1:].isupper() or name.endswith(("_PREFIX", "_prefix")) \
                or (id(stmt) in self._top_level and type(value) in (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.BinaryOperation)):
            parts = self.string_parts(value)
            if parts is not None and (len(parts) > 1 or isinstance(parts[0], str)):
                self.constants.setdefault(name, parts)
        if name == "ROOT_URLCONF":
            conf = string_value(value)
            if conf:
                self.root_urlconf = conf
        if type(value) in (cst.List, cst.Tuple) or (
            type(value) is cst.BinaryOperation and type(value.left) in (cst.List, cst.Tuple, cst.Attribute)
        ) or (type(value) is cst.Attribute and value.attr.value == "urls") or self._sum_of_lists(value):
            self.lists.setdefault(name, value)
            if name == "urlpatterns":
                self.objects.setdefault(name, {"framework": "django", "kind": "urlconf", "prefix": ""})
            return
        if type(value) is not cst.Call:
            return
        qual = self.r.qualify(value.func)
        spec = CONSTRUCTORS.get(qual or "") or self._subclass_spec(name, value.func)
        if spec is None:
            return
        framework, kind, prefix_kw = spec
        prefix = ""
        if prefix_kw and prefix_kw != "root_path_ignored":
            arg = keyword_arg(value, prefix_kw)
            if arg is None and framework == "litestar" and positional_args(value):
                arg = positional_args(value)[0]
            parts = None
            if arg is not None:
                prefix = string_value(arg.value)
                if prefix is None:
                    prefix = UNKNOWN
                    parts = self.string_parts(arg.value)
        self.objects[name] = {"framework": framework, "kind": kind, "prefix": prefix}
        if prefix_kw and prefix_kw != "root_path_ignored" and parts:
            self.objects[name]["prefix_parts"] = parts
        self.object_nodes[name] = stmt
        self.r.local[name] = self.local_ref(name)

    def scan(self) -> None:
        for stmt in self._stmts:
            if type(stmt) is cst.FunctionDef:
                self._decorated_function(stmt, None)
            elif type(stmt) is cst.ClassDef:
                self._class(stmt)
            elif type(stmt) is cst.SimpleStatementLine:
                self._current_stmt = stmt
                for small in stmt.body:
                    value = small.value if type(small) is cst.Expr else None
                    if type(value) is cst.Await:
                        value = value.expression
                    if type(value) is cst.Call:
                        if type(value.func) is cst.Name:
                            self._setup_call(value)
                        self._call(value)
                    elif type(small) in (cst.Assign, cst.AnnAssign, cst.AugAssign):
                        value = small.value
                        if type(value) is cst.Await:
                            value = value.expression
                        if type(value) is cst.Call:
                            self._call(value)
                            self._constructor_routes(small, value)
        self._url_lists()

    def _route(self, owner_ref, owner, framework, func, cls, methods, path, path_node, websocket,
               handler_name: Optional[str] = None) -> None:
        name = handler_name or (f"{cls.name.value}.{func.name.value}" if cls is not None else func.name.value)
        local_prefix = owner["prefix"] if owner else ""
        if cls is not None and framework == "litestar":
            local_prefix = self._controller_path(cls)
        full = join_path(local_prefix or "", path)
        self.routes.append({
            "owner": owner_ref, "path": path, "methods": list(methods) if methods else None, "handler": name,
            "framework": framework, "websocket": websocket,
        })
        self.route_nodes.append(path_node if path_node is not None else func)
        if func is not None:
            self._add_handler(func, cls, framework, methods, full, path_node, websocket)
        if path_node is not None and string_value(path_node) is not None:
            self.paths.append(PathDecl(path_node, path, full, methods, name, framework,
                                       target=cls if cls is not None else func,
                                       mounted=owner is None or owner.get("kind") not in ROOT_KINDS))

    def _add_handler(self, func, cls, framework, methods, full=None, path_node=None, websocket=False) -> None:
        existing = self.handlers.get(id(func))
        name = f"{cls.name.value}.{func.name.value}" if cls is not None else func.name.value
        if existing is None:
            existing = Handler(func, name, framework, methods, class_name=cls.name.value if cls else None,
                               websocket=websocket)
            self.handlers[id(func)] = existing
        elif methods is not None and existing.methods is not None:
            existing.methods = norm_methods(existing.methods + tuple(methods))
        elif methods is None:
            existing.methods = None
        if full is not None:
            existing.paths.append(full)
        if path_node is not None:
            existing.path_nodes.append(path_node)

    def facts(self) -> Dict[str, Any]:
        nodes = list(self.route_nodes) + [n for n in self.edge_nodes if n is not None] + list(self.object_nodes.values())
        from ...positions import compute

        pos = compute(self.module, nodes) if nodes else None
        for route, node in zip(self.routes, self.route_nodes):
            route["line"] = _line(pos, node)
        for edge, node in zip(self.edges, self.edge_nodes):
            edge["line"] = _line(pos, node) if node is not None else 0
        for name, node in self.object_nodes.items():
            if name in self.objects:
                self.objects[name]["line"] = _line(pos, node)
        facts: Dict[str, Any] = {
            "module": self.module_name,
            "objects": self.objects,
            "routes": self.routes,
            "edges": self.edges,
            "views": self.views,
        }
        if self.constants:
            facts["constants"] = self.constants
        if self.root_urlconf:
            facts["root_urlconf"] = self.root_urlconf
        return facts


def extract(module: cst.Module, path: str, module_name: Optional[str] = None, with_facts: bool = True,
            text: Optional[str] = None) -> FileRoutes:
    ex = _Extractor(module, path, module_name)
    ex.text = text
    ex.collect()
    ex.scan()
    ex.django_conventions()
    handlers = list(ex.handlers.values())
    facts = ex.facts() if with_facts else {}
    result = FileRoutes(handlers, ex.paths, facts, path=path, qualify=ex.r.qualify, text=text)
    result.by_node = dict(ex.handlers)
    if with_facts:  # `backlint routes` shows each route's kind
        kinds = {id(d.node): result.endpoint_kind(d)[0] for d in ex.paths}
        for route, node in zip(ex.routes, ex.route_nodes):
            if "drf_register" in route:
                route["kind"] = route_kinds.API
            elif id(node) in kinds and not route.get("kind"):  # a GraphQL endpoint is known already
                route["kind"] = kinds[id(node)]
    return result


def for_context(ctx) -> FileRoutes:
    """The routes of the file a rule is checking, computed once per file and shared by rules."""
    return ctx.shared("routes", lambda: extract(ctx.module, ctx.path, with_facts=False, text=ctx.text))


TEXT_MARKERS = ("route", "router", "urlpatterns", "app.", "bp.", "View", "get(", "post(", "api_view", "Controller",
                "add_get", "add_url_rule", "as_view", "request")
