"""What route discovery hands to rules: handlers, the static paths declared in a file, and the
file's result (with its JSON-able facts for ``backlint routes``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ..._lazy import cst
from .. import route_kinds
from .common import SAFE_METHODS

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
    default_kind: Optional[Tuple[str, str]] = None  # (kind, reason) when the handler's body says nothing


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
            if self._kinds[key][0] is None and decl.default_kind is not None:
                self._kinds[key] = decl.default_kind
        return self._kinds[key]

    def _own_kind(self, decl: PathDecl) -> Tuple[Optional[str], str]:
        key = ("own", id(decl))
        if key not in self._bodies:
            if self._calls is None and self.text is not None:
                self._calls = route_kinds.response_calls(self.text)
            self._bodies[key] = route_kinds.decl_kind(decl, self.qualify, self.path, self._calls, self._bodies)
        return self._bodies[key]
