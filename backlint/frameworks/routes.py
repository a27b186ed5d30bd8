"""Static route discovery: which functions are HTTP handlers, for which methods and paths.

Shared knowledge for the API rules (BL1xx) and ``backlint routes``. Nothing here imports user
code. Two halves:

* :func:`extract` reads one parsed file and returns :class:`FileRoutes`: the handlers defined in
  it (with the libcst nodes, for rules) and JSON-able *facts* (objects such as apps, routers,
  blueprints and ``urlpatterns``, the routes declared on them, and how they are mounted).
* :func:`resolve` joins the facts of every file of a project: prefixes from
  ``include_router(prefix=...)``, ``register_blueprint(url_prefix=...)``, ``include("x.urls")``,
  ``Mount``, ``add_subapp``, Litestar routers and DRF routers are applied along the mount chain.
  A piece that cannot be resolved statically is shown as ``{?}``.

Frameworks: Flask, FastAPI, Starlette, Django (+ Django REST framework), aiohttp, Litestar, Sanic.
Paths keep each framework's own parameter syntax (``<int:id>``, ``{id}``, ``{id:int}``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .._lazy import cst
from ..semantics import dotted_name, keyword_arg, positional_args
from . import declared, route_kinds
from .routes_common import (  # noqa: F401  (re-exported: rules import them from here)
    _ALL_ACTIONS, ANY, CONSTRUCTORS, DJANGO_METHOD_DECORATORS, DJANGO_VIEW_DECORATORS, HTTP_VERBS,
    LITESTAR_DECORATORS, METHOD_ORDER, ROOT_KINDS, SAFE_METHODS, UNKNOWN, VIEW_BASES, VIEWSET_ACTIONS,
    VIEWSET_BASES, _line, display_path, is_param_segment, join_path, module_name_for, norm_methods,
    string_list, string_value,
)

# -- data model -------------------------------------------------------------------------------

@dataclass
class Handler:
    """A function that handles HTTP requests, as seen in one file."""

    node: cst.FunctionDef
    name: str  # "func" or "Class.method"
    framework: str
    methods: Optional[Tuple[str, ...]]  # None: any method (e.g. a Django function view)
    paths: List[str] = field(default_factory=list)  # paths as declared in this file (with local prefix)
    path_nodes: List[cst.CSTNode] = field(default_factory=list)
    class_name: Optional[str] = None
    websocket: bool = False

    @property
    def safe_only(self) -> bool:
        return bool(self.methods) and all(m in SAFE_METHODS for m in self.methods)


@dataclass
class PathDecl:
    """A static path string written in this file, for BL101: where, for which methods."""

    node: cst.CSTNode  # the string literal
    path: str  # the literal itself
    full: str  # with the prefix known in this file
    methods: Optional[Tuple[str, ...]]
    handler: str
    framework: str
    kind: str = "route"  # route | drf-register | action
    target: Optional[cst.CSTNode] = None  # the handler function or view class, when defined in this file
    view_name: Optional[str] = None  # dotted name of a view defined elsewhere (Django URLconfs)
    view_is_class: bool = False
    mounted: bool = True  # declared on a router/blueprint/URLconf mounted elsewhere: `full` is relative


@dataclass
class FileRoutes:
    handlers: List[Handler]
    paths: List[PathDecl]
    facts: Dict[str, Any]
    by_node: Dict[int, Handler] = field(default_factory=dict)
    path: str = ""
    qualify: Any = None  # the file's import resolver (route_kinds needs it)
    text: Optional[str] = None
    _calls: Optional[frozenset] = None  # response helpers the file calls (route_kinds.response_calls)
    _kinds: Dict[int, Tuple[Optional[str], str]] = field(default_factory=dict)
    _bodies: Dict[int, Tuple[Optional[str], str]] = field(default_factory=dict)

    def handler_for(self, node: cst.FunctionDef) -> Optional[Handler]:
        return self.by_node.get(id(node))

    def endpoint_kind(self, decl: PathDecl) -> Tuple[Optional[str], str]:
        """("api" | "page" | None, reason) for a path declared in this file (see route_kinds)."""
        key = id(decl)
        if key not in self._kinds:
            self._kinds[key] = self._own_kind(decl)
            if self._kinds[key][0] is None and decl.framework == "django" and decl.view_name \
                    and "." in decl.view_name:
                # a function view from a views module whose other views here are all pages
                module = decl.view_name.rsplit(".", 1)[0]
                siblings = {self._own_kind(d)[0] for d in self.paths
                            if d is not decl and d.view_name and d.view_name.rsplit(".", 1)[0] == module}
                if siblings - {None} == {route_kinds.PAGE}:  # some pages, no API view
                    self._kinds[key] = (route_kinds.PAGE, f"the other views of `{module}` here are pages")
        return self._kinds[key]

    def _own_kind(self, decl: PathDecl) -> Tuple[Optional[str], str]:
        key = ("own", id(decl))
        if key not in self._bodies:
            if self._calls is None and self.text is not None:
                self._calls = route_kinds.response_calls(self.text)
            self._bodies[key] = route_kinds.decl_kind(decl, self.qualify, self.path, self._calls, self._bodies)
        return self._bodies[key]


# -- extraction ----------------------------------------------------------------------------

class _Resolver:
    """Imports anywhere in the file plus names defined in it: enough to qualify decorators."""

    def __init__(self, module_name: str, is_package: bool) -> None:
        self.module_name = module_name
        self.package = module_name if is_package else module_name.rpartition(".")[0]
        self.imports: Dict[str, str] = {}
        self.local: Dict[str, str] = {}

    def add_import(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.imports[alias.asname.name.value] = full
                else:
                    top = full.split(".", 1)[0]
                    self.imports[top] = top
        elif isinstance(node, cst.ImportFrom):
            module = dotted_name(node.module) if node.module is not None else ""
            if node.relative:
                base = self.package
                for _ in range(len(node.relative) - 1):
                    base = base.rpartition(".")[0]
                module = ".".join(p for p in (base, module) if p)
            if isinstance(node.names, cst.ImportStar):
                return
            for alias in node.names:
                if not isinstance(alias.name, cst.Name):
                    continue
                local = alias.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                self.imports[local] = f"{module}.{alias.name.value}" if module else alias.name.value

    def qualify(self, node: Optional[cst.BaseExpression]) -> Optional[str]:
        if isinstance(node, cst.Name):
            if node.value in self.local:
                return self.local[node.value]
            return self.imports.get(node.value)
        if isinstance(node, cst.Attribute):
            base = self.qualify(node.value)
            return f"{base}.{node.attr.value}" if base else None
        if isinstance(node, cst.Call):
            base = self.qualify(node.func)
            return base + "()" if base else None
        return None


def _statements(body: Sequence[cst.CSTNode]) -> Iterable[cst.CSTNode]:
    """Every statement, recursively (function and class bodies included), in source order."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        children: List[cst.CSTNode] = []
        if isinstance(stmt, (cst.FunctionDef, cst.With, cst.For, cst.While, cst.If, cst.Try)):
            inner = getattr(stmt, "body", None)
            if isinstance(inner, cst.BaseSuite):
                children.extend(getattr(inner, "body", ()))
            for handler in getattr(stmt, "handlers", ()) or ():
                children.extend(handler.body.body)
            orelse = getattr(stmt, "orelse", None)
            while orelse is not None:
                if isinstance(orelse, cst.If):
                    children.append(orelse)
                    break
                children.extend(getattr(orelse.body, "body", ()))
                break
            final = getattr(stmt, "finalbody", None)
            if final is not None:
                children.extend(final.body.body)
        stack.extend(reversed(children))


class _Extractor:
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

    # names ------------------------------------------------------------------------------
    def local_ref(self, name: str) -> str:
        return f"{self.module_name}.{name}"

    def ref(self, node: Optional[cst.BaseExpression]) -> Optional[str]:
        """An absolute reference for an object/function expression (``mod.name``)."""
        if isinstance(node, cst.Name):
            if node.value in self.objects or node.value in self.functions or node.value in self.classes \
                    or node.value in self.lists:
                return self.local_ref(node.value)
            return self.r.imports.get(node.value)
        if isinstance(node, cst.Attribute):
            base = self.ref(node.value)
            return f"{base}.{node.attr.value}" if base else None
        return None

    def object_of(self, node: cst.BaseExpression) -> Optional[Dict[str, Any]]:
        if isinstance(node, cst.Name) and node.value in self.objects:
            return self.objects[node.value]
        return None

    def owner_key(self, node: cst.BaseExpression) -> Tuple[Optional[str], Optional[Dict[str, Any]]]:
        """(reference, local object facts or None) for the receiver of a route decorator/call."""
        if isinstance(node, cst.Name) and node.value in self.objects:
            return self.local_ref(node.value), self.objects[node.value]
        if isinstance(node, cst.Attribute) and node.attr.value == "router" and isinstance(node.value, cst.Name) \
                and node.value.value in self.objects:  # aiohttp: app.router.add_get
            return self.local_ref(node.value.value), self.objects[node.value.value]
        return self.ref(node), None

    # pass 1: definitions --------------------------------------------------------------------
    def collect(self) -> None:
        for stmt in _statements(self.module.body):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        self.r.add_import(small)
        for stmt in _statements(self.module.body):
            if isinstance(stmt, cst.FunctionDef):
                self.functions.setdefault(stmt.name.value, stmt)
            elif isinstance(stmt, cst.ClassDef):
                self.classes.setdefault(stmt.name.value, stmt)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                        value = small.value
                        for target in targets:
                            if isinstance(target, cst.Name) and value is not None:
                                self._define(target.value, value, small)

    def string_parts(self, node: Optional[cst.BaseExpression], depth: int = 0) -> Optional[List[Any]]:
        """A string expression as literal pieces and references to constants, for cross-file folding."""
        if node is None or depth > 10:
            return None
        literal = string_value(node)
        if literal is not None:
            return [literal]
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            left = self.string_parts(node.left, depth + 1)
            right = self.string_parts(node.right, depth + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(node, cst.FormattedString):
            out: List[Any] = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    out.append(part.value)
                elif isinstance(part, cst.FormattedStringExpression) and part.format_spec is None \
                        and part.conversion is None:
                    inner = self.string_parts(part.expression, depth + 1)
                    if inner is None:
                        return None
                    out.extend(inner)
                else:
                    return None
            return out
        if isinstance(node, cst.Name):
            if node.value in self.r.imports:
                return [{"ref": self.r.imports[node.value]}]
            return [{"ref": self.local_ref(node.value)}]
        if isinstance(node, cst.Attribute):
            qual = self.r.qualify(node)
            return [{"ref": qual}] if qual else None
        return None

    def _define(self, name: str, value: cst.BaseExpression, stmt: cst.CSTNode) -> None:
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "as_view":
            self.view_aliases.setdefault(name, value)
        if name.isupper() or name.startswith("_") and name[1:].isupper() or name.endswith(("_PREFIX", "_prefix")):
            parts = self.string_parts(value)
            if parts is not None and (len(parts) > 1 or isinstance(parts[0], str)):
                self.constants.setdefault(name, parts)
        if name == "ROOT_URLCONF":
            conf = string_value(value)
            if conf:
                self.root_urlconf = conf
        if isinstance(value, (cst.List, cst.Tuple)) or (
            isinstance(value, cst.BinaryOperation) and isinstance(value.left, (cst.List, cst.Tuple, cst.Attribute))
        ) or (isinstance(value, cst.Attribute) and value.attr.value == "urls"):
            self.lists.setdefault(name, value)
            if name == "urlpatterns":
                self.objects.setdefault(name, {"framework": "django", "kind": "urlconf", "prefix": ""})
            return
        if not isinstance(value, cst.Call):
            return
        qual = self.r.qualify(value.func)
        spec = CONSTRUCTORS.get(qual or "")
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

    # pass 2: routes -------------------------------------------------------------------------
    def scan(self) -> None:
        for stmt in _statements(self.module.body):
            if isinstance(stmt, cst.FunctionDef):
                self._decorated_function(stmt, None)
            elif isinstance(stmt, cst.ClassDef):
                self._class(stmt)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                        self._call(small.value)
                    elif isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                        value = small.value
                        if isinstance(value, cst.Await):
                            value = value.expression
                        if isinstance(value, cst.Call):
                            self._call(value)
                            self._constructor_routes(small, value)
        for name, value in self.lists.items():
            if name == "urlpatterns":
                self._urlpatterns(self.local_ref("urlpatterns"), value)
        self._augmented_urlpatterns()

    # decorators
    def _decorated_function(self, func: cst.FunctionDef, cls: Optional[cst.ClassDef]) -> None:
        for deco in func.decorators:
            expr = deco.decorator
            call = expr if isinstance(expr, cst.Call) else None
            target = call.func if call is not None else expr
            if declared.decorators() and declared.is_route_decorator(self.r.qualify(target)):
                self._declared_route(func, cls, call, (self.r.qualify(target) or "").rsplit(".", 1)[-1])
                continue
            if isinstance(target, cst.Attribute):
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
            if qual.startswith("litestar."):
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

    def _litestar_route(self, func, cls, call, name) -> None:
        if name in LITESTAR_DECORATORS:
            methods: Optional[Tuple[str, ...]] = LITESTAR_DECORATORS[name]
        elif name == "route" and call is not None:
            arg = keyword_arg(call, "http_method")
            listed = string_list(arg.value) if arg is not None else None
            if listed is None and arg is not None:
                listed = [a.value.attr.value if isinstance(a.value, cst.Attribute) else "?" for a in
                          getattr(arg.value, "elements", [])] or None
                if isinstance(arg.value, cst.Attribute):
                    listed = [arg.value.attr.value]
            methods = norm_methods(listed) if listed else None
        elif name in ("websocket", "websocket_listener"):
            methods = ("WEBSOCKET",)
        else:
            return
        paths: List[Tuple[str, Optional[cst.BaseExpression]]] = [("/", None)]
        if call is not None:
            args = positional_args(call)
            node = args[0].value if args else (keyword_arg(call, "path").value if keyword_arg(call, "path") else None)
            if node is not None:
                listed = string_list(node)
                if listed is None:
                    paths = [(UNKNOWN, node)]
                elif isinstance(node, (cst.List, cst.Tuple)):
                    paths = [(p, el.value) for p, el in zip(listed, node.elements)]
                else:
                    paths = [(listed[0], node)]
        owner_ref = self.local_ref(cls.name.value) if cls is not None else self.local_ref(func.name.value)
        for path, node in paths:
            self._route(owner_ref, None, "litestar", func, cls, methods, path, node, methods == ("WEBSOCKET",))
        if cls is None:
            # a decorated function is itself a route holder (mounted by Litestar(route_handlers=[...]))
            self.objects.setdefault(func.name.value, {"framework": "litestar", "kind": "handler", "prefix": ""})

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

    def _controller_path(self, cls: cst.ClassDef) -> str:
        for stmt in cls.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                        if any(isinstance(t, cst.Name) and t.value == "path" for t in targets):
                            return string_value(small.value) or UNKNOWN
        return ""

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

    def _django_function_view(self, func: cst.FunctionDef, methods, weak: bool = False) -> None:
        name = func.name.value
        if id(func) in self.handlers and weak:
            return
        framework = "drf" if id(func) in self.handlers and self.handlers[id(func)].framework == "drf" else "django"
        self._add_handler(func, None, framework, methods)
        if methods is not None:
            self.handlers[id(func)].methods = methods
        self.views[name] = {"kind": "function", "methods": list(methods) if methods else None}

    # classes
    def class_bases(self, cls: cst.ClassDef, seen=None) -> Tuple[Optional[str], set, List[str]]:
        """(framework, methods from known bases, viewset actions) for a class, following local bases."""
        seen = seen or set()
        framework: Optional[str] = None
        methods: set = set()
        actions: List[str] = []
        viewset = False
        for base in cls.bases:
            expr = base.value
            qual = self.r.qualify(expr)
            if isinstance(expr, cst.Name) and expr.value in self.classes and expr.value not in seen:
                seen.add(expr.value)
                fw, ms, acts = self.class_bases(self.classes[expr.value], seen)
                framework = framework or fw
                methods |= ms
                actions += acts
                continue
            if not qual:
                continue
            if qual in VIEW_BASES:
                fw, ms = VIEW_BASES[qual]
                framework = framework or fw
                methods |= set(ms)
            elif qual in VIEWSET_BASES:
                framework = "drf-viewset"
                actions += list(VIEWSET_BASES[qual])
                viewset = True
            else:
                last = qual.rsplit(".", 1)[-1]
                if last.endswith("ViewSet"):
                    framework = framework or "drf-viewset"
                    if "ReadOnly" in last:
                        actions += ["list", "retrieve"]
                    elif "Model" in last:
                        actions += list(_ALL_ACTIONS)
                elif last.endswith("APIView") and qual.split(".", 1)[0] in (self._imported_tops() - {"flask"}):
                    framework = framework or "drf"
                elif last.endswith("View") and "django" in self._imported_tops():
                    framework = framework or "django"
        if viewset:
            framework = "drf-viewset"
        return framework, methods, actions

    def _imported_tops(self) -> set:
        return {v.split(".", 1)[0] for v in self.r.imports.values()} | {"."}

    def _class(self, cls: cst.ClassDef) -> None:
        framework, base_methods, actions = self.class_bases(cls)
        for deco in cls.decorators:  # aiohttp: @routes.view("/path") on a web.View
            call = deco.decorator
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "view":
                owner_ref, owner = self.owner_key(call.func.value)
                if owner is not None and owner["framework"] == "aiohttp" and positional_args(call):
                    path_node = positional_args(call)[0].value
                    for stmt in cls.body.body:
                        if isinstance(stmt, cst.FunctionDef) and stmt.name.value in HTTP_VERBS:
                            self._route(owner_ref, owner, "aiohttp", stmt, cls, (stmt.name.value.upper(),),
                                        string_value(path_node) or UNKNOWN, path_node, False)
        if framework is None:
            # Litestar controllers are found through their decorated methods
            for stmt in cls.body.body:
                if isinstance(stmt, cst.FunctionDef):
                    self._decorated_function(stmt, cls)
            return
        defined: Dict[str, cst.FunctionDef] = {
            s.name.value: s for s in cls.body.body if isinstance(s, cst.FunctionDef)
        }
        if framework == "litestar":
            self.objects[cls.name.value] = {"framework": "litestar", "kind": "controller",
                                            "prefix": self._controller_path(cls)}
            for func in defined.values():
                self._decorated_function(func, cls)
            return
        if framework == "drf-viewset":
            fw = "drf"
            all_actions = set(actions)
            extra = []
            for name, func in defined.items():
                if name in VIEWSET_ACTIONS:
                    all_actions.add(name)
                    method, _ = VIEWSET_ACTIONS[name]
                    self._add_handler(func, cls, fw, (method,))
                action = self._action(func)
                if action is not None:
                    extra.append(action)
                    self._add_handler(func, cls, fw, tuple(action["methods"]))
                    if action.get("url_path_node") is not None:
                        node = action.pop("url_path_node")
                        self.paths.append(PathDecl(node, action["url_path"], action["url_path"],
                                                   tuple(action["methods"]), f"{cls.name.value}.{name}", "drf",
                                                   kind="action-detail" if action["detail"] else "action",
                                                   target=cls))
                    action.pop("url_path_node", None)
            self.views[cls.name.value] = {"kind": "viewset", "actions": sorted(all_actions), "extra": extra}
            return
        methods = set(base_methods)
        for name, func in defined.items():
            if name in HTTP_VERBS:
                methods.add(name.upper())
                self._add_handler(func, cls, framework, (name.upper(),))
        self.views[cls.name.value] = {"kind": "class", "framework": framework, "methods": list(norm_methods(methods))}

    def _action(self, func: cst.FunctionDef) -> Optional[Dict[str, Any]]:
        for deco in func.decorators:
            call = deco.decorator if isinstance(deco.decorator, cst.Call) else None
            target = call.func if call is not None else deco.decorator
            qual = self.r.qualify(target) or ""
            if qual not in ("rest_framework.decorators.action", "rest_framework.decorators.detail_route",
                            "rest_framework.decorators.list_route"):
                continue
            detail = qual.endswith("detail_route")
            methods = ["GET"]
            url_path = func.name.value
            url_node = None
            if call is not None:
                arg = keyword_arg(call, "detail")
                if arg is not None:
                    detail = isinstance(arg.value, cst.Name) and arg.value.value == "True"
                arg = keyword_arg(call, "methods")
                if arg is not None:
                    methods = [m.upper() for m in (string_list(arg.value) or ["?"])]
                arg = keyword_arg(call, "url_path")
                if arg is not None:
                    url_path = string_value(arg.value) or UNKNOWN
                    url_node = arg.value
            return {"name": func.name.value, "detail": detail, "methods": list(norm_methods(methods)),
                    "url_path": url_path, "url_path_node": url_node}
        return None

    # calls
    def _call(self, call: cst.Call) -> None:
        func = call.func
        if not isinstance(func, cst.Attribute):
            return
        attr = func.attr.value
        owner_ref, owner = self.owner_key(func.value)
        framework = owner["framework"] if owner else None
        args = positional_args(call)
        if owner is None:
            # e.g. app.register_blueprint in a factory where `app` is a parameter; try by method name
            framework = self._framework_by_method(attr)
            if framework is None or owner_ref is None:
                if framework is not None and isinstance(func.value, (cst.Name, cst.Attribute)):
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
        child = self.ref(child_expr) if not isinstance(child_expr, cst.Call) else None
        if isinstance(child_expr, cst.Call):  # Blueprint.group(...) inline, or routers built inline
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
                if isinstance(stmt, cst.FunctionDef) and stmt.name.value in HTTP_VERBS:
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
        if isinstance(view, cst.Name) and view.value in self.view_aliases:  # `_edit = EditView.as_view("edit")`
            view = self.view_aliases[view.value]
        if isinstance(view, cst.Call) and isinstance(view.func, cst.Attribute) and view.func.attr.value == "as_view":
            view = view.func.value
        if isinstance(view, cst.Name):
            if view.value in self.classes:
                return None, self.classes[view.value], view.value
            if view.value in self.functions:
                return self.functions[view.value], None, view.value
        return None, None, dotted_name(view) or "?"

    def _aiohttp_routes(self, owner_ref, owner, value) -> None:
        if isinstance(value, cst.Name) and value.value in self.objects:
            self._edge(owner_ref, value, None)
            return
        if isinstance(value, cst.Name) and value.value in self.lists:
            value = self.lists[value.value]
        if not isinstance(value, (cst.List, cst.Tuple)):
            ref = self.ref(value)
            if ref:
                self.edges.append({"parent": owner_ref, "child": ref, "prefix": "", "override": False})
                self.edge_nodes.append(value)
            return
        for el in value.elements:
            item = el.value
            if not isinstance(item, cst.Call):
                continue
            qual = self.r.qualify(item.func) or ""
            if not qual.startswith("aiohttp.web"):
                continue
            verb = qual.rsplit(".", 1)[-1]
            args = positional_args(item)
            if verb == "route" and len(args) >= 3:
                m = string_value(args[0].value)
                self._registered(owner_ref, owner, "aiohttp", args[1].value, args[2].value,
                                 (m.upper(),) if m and m != "*" else None)
            elif verb in HTTP_VERBS + ("view",) and len(args) >= 2:
                self._registered(owner_ref, owner, "aiohttp", args[0].value, args[1].value,
                                 None if verb == "view" else (verb.upper(),))

    # constructors that list routes: Starlette(routes=[...]), Litestar(route_handlers=[...]), ...
    def _constructor_routes(self, stmt, call: cst.Call, name: Optional[str] = None) -> None:
        if name is None:
            if stmt is None or isinstance(stmt, cst.AugAssign):
                return
            targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
            names = [t.value for t in targets if isinstance(t, cst.Name) and t.value in self.objects]
            if not names:
                return
            name = names[0]
        obj = self.objects.get(name)
        if obj is None:
            return
        ref = self.local_ref(name)
        fw = obj["framework"]
        if fw == "starlette" or (fw == "fastapi" and keyword_arg(call, "routes") is not None):
            arg = keyword_arg(call, "routes")
            if arg is not None:
                self._starlette_routes(ref, obj, arg.value)
        elif fw == "litestar":
            arg = keyword_arg(call, "route_handlers")
            if arg is None and len(positional_args(call)) > 1 and obj["kind"] == "router":
                arg = positional_args(call)[1]
            if arg is None and obj["kind"] == "app" and positional_args(call):
                arg = positional_args(call)[0]
            if arg is not None and isinstance(arg.value, (cst.List, cst.Tuple)):
                for el in arg.value.elements:
                    child = self.ref(el.value)
                    if child:
                        self.edges.append({"parent": ref, "child": child, "prefix": "", "override": False})
                        self.edge_nodes.append(el.value)
        elif fw == "sanic" and obj["kind"] == "group":
            for arg in positional_args(call):
                self._edge(ref, arg.value, None)

    def _starlette_routes(self, owner_ref, owner, value) -> None:
        if isinstance(value, cst.Name) and value.value in self.lists:
            value = self.lists[value.value]
        if not isinstance(value, (cst.List, cst.Tuple)):
            return
        for el in value.elements:
            item = el.value
            if not isinstance(item, cst.Call):
                continue
            qual = self.r.qualify(item.func) or ""
            last = qual.rsplit(".", 1)[-1]
            args = positional_args(item)
            if not qual.startswith("starlette.") and not qual.startswith("fastapi."):
                continue
            if last in ("Route", "WebSocketRoute") and len(args) >= 1:
                endpoint = args[1].value if len(args) > 1 else (keyword_arg(item, "endpoint").value
                                                                if keyword_arg(item, "endpoint") else None)
                if endpoint is None:
                    continue
                if last == "WebSocketRoute":
                    func, cls, name = self._view_target(endpoint)
                    path = string_value(args[0].value) or UNKNOWN
                    self._route(owner_ref, owner, "starlette", func, None, ("WEBSOCKET",), path, args[0].value,
                                True, handler_name=name)
                    continue
                methods_arg = keyword_arg(item, "methods")
                methods = norm_methods(string_list(methods_arg.value) or []) if methods_arg else None
                self._registered(owner_ref, owner, "starlette", args[0].value, endpoint, methods, default=("GET",))
            elif last == "Mount" and args:
                prefix = string_value(args[0].value)
                self._anon += 1
                name = f"<mount{self._anon}>"
                mounted = keyword_arg(item, "routes")
                app_arg = keyword_arg(item, "app") or (args[1] if len(args) > 1 else None)
                if mounted is not None:
                    self.objects[name] = {"framework": "starlette", "kind": "router", "prefix": ""}
                    child = self.local_ref(name)
                    self.edges.append({"parent": owner_ref, "child": child,
                                       "prefix": prefix if prefix is not None else UNKNOWN, "override": False})
                    self.edge_nodes.append(item)
                    self._starlette_routes(child, self.objects[name], mounted.value)
                elif app_arg is not None:
                    self._edge(owner_ref, app_arg.value, args[0].value, node=item)

    # Django
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

    # Django function views by convention -----------------------------------------------------
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

    # facts ----------------------------------------------------------------------------------
    def facts(self) -> Dict[str, Any]:
        nodes = list(self.route_nodes) + [n for n in self.edge_nodes if n is not None] + list(self.object_nodes.values())
        from ..positions import compute

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


# imported from django.http, but they build no response (a type annotation, a parser)
_NOT_RESPONSE_BUILDERS = frozenset({"django.http.HttpRequest", "django.http.QueryDict", "django.http.request",
                                    "django.http.HttpHeaders"})


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
            elif id(node) in kinds:
                route["kind"] = kinds[id(node)]
    return result


def for_context(ctx) -> FileRoutes:
    """The routes of the file a rule is checking, computed once per file and shared by rules."""
    return ctx.shared("routes", lambda: extract(ctx.module, ctx.path, with_facts=False, text=ctx.text))


TEXT_MARKERS = ("route", "router", "urlpatterns", "app.", "bp.", "View", "get(", "post(", "api_view", "Controller",
                "add_get", "add_url_rule", "as_view", "request")


# the project-wide half lives in routes_resolve.py
from .routes_resolve import Route, _python_files, collect_facts, resolve  # noqa: E402,F401
