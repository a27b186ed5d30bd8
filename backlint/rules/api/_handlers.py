"""Shared plumbing for rules that look inside HTTP handlers (not a rule itself: it has no code)."""
from __future__ import annotations

import os
from typing import List, Optional, Sequence, Tuple

from ..._lazy import cst

from ...frameworks import persistence, routes
from ...semantics import dotted_name
from ...rule import Rule
from ...frameworks import roles
from ._branch_kinds import presentational_ifexp


class HandlerScan:
    """What one handler does: database accesses, outbound side effects, branching."""

    def __init__(self, handler: routes.Handler) -> None:
        self.handler = handler
        self.accesses: List[Tuple[cst.Call, Optional[cst.CSTNode], persistence.Access]] = []
        self.effects: List[Tuple[cst.Call, str]] = []
        self.branches = 0  # every decision point outside except/finally
        self.branch_nodes: List[cst.CSTNode] = []  # the If/For/While ones, classified by BL104
        self.shown_ifexps = 0  # conditional expressions that pick what a response shows

    def writes(self, include_sanctioned: bool = True) -> List[persistence.Access]:
        return [a for _, _, a in self.accesses if a.kind == persistence.WRITE and (include_sanctioned or not a.sanctioned)]


_ROLLED_BACK = object()  # a write in a rolled-back block: not an access at all
_UNKNOWN = object()  # a call's side effect not asked for yet


class HandlerRule(Rule):
    """Tracks the handler (if any) that encloses the node being visited."""

    skip_roles = roles.NOT_REQUEST_PATH

    text_markers = routes.TEXT_MARKERS
    collect_effects = False
    collect_branches = False
    skip_generic_views = False

    def visit_Module(self, node: cst.Module) -> None:
        self._routes = routes.for_context(self.ctx)
        self._stack: List[Optional[HandlerScan]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        handler = self._routes.handler_for(node)
        if handler is not None and self.skip_generic_views and generic_base_view(handler, self.ctx.path):
            handler = None  # the framework layer's own CRUD base view, meant to be subclassed
        if handler is not None and not self.wants(handler):
            handler = None  # nothing this rule could report: its calls need not be classified
        self._stack.append(HandlerScan(handler) if handler is not None else None)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        scan = self._stack.pop() if self._stack else None
        if scan is not None:
            self.finish_handler(scan)

    def current(self) -> Optional[HandlerScan]:
        return self._stack[-1] if self._stack else None

    def visit_Call(self, node: cst.Call) -> None:
        scan = self.current()
        if scan is None:
            return
        # every handler rule of the run classifies the same call at the same point of the shared
        # walk (same handler, same ancestors): the first one to get there does it for all
        seen = self.ctx.shared("api-handler-calls", dict)
        entry = seen.get(id(node))
        if entry is None:
            entry = seen[id(node)] = self._classify(node, scan)
        access, statement, effect = entry
        if access is _ROLLED_BACK:
            return  # `with rolledback_transaction():` a preview that is never committed
        if access is not None:
            scan.accesses.append((node, statement, access))
        elif self.collect_effects:
            if effect is _UNKNOWN:
                effect = persistence.side_effect(node, self.ctx.qualified_name)
                seen[id(node)] = (access, statement, effect)
            if effect is not None:
                scan.effects.append((node, effect))

    def _classify(self, node: cst.Call, scan: HandlerScan):
        access = persistence.classify(node, self.ctx.qualified_name)
        if access is None and scan.handler.framework in DJANGO_FRAMEWORKS:
            access = persistence.related_write(node)
        if access is not None and access.kind != persistence.READ and self._rolled_back(scan):
            return _ROLLED_BACK, None, None
        return access, self.ctx.enclosing_statement() if access is not None else None, _UNKNOWN

    def _rolled_back(self, scan: HandlerScan) -> bool:
        for ancestor in reversed(self.ctx.ancestors):
            if ancestor is scan.handler.node:
                return False
            if type(ancestor) is cst.With:
                for item in ancestor.items:
                    expr = item.item.func if type(item.item) is cst.Call else item.item
                    name = (dotted_name(expr) or "").lower()
                    if "rollback" in name or "rolledback" in name or "rolled_back" in name:
                        return True
        return False

    # branching, for BL104. Error handling (`except`/`finally` blocks) is not counted: translating
    # failures into HTTP responses is exactly the handler's job.
    def _branch(self, node) -> None:
        scan = self.current()
        if scan is None or not self.collect_branches:
            return
        for ancestor in reversed(self.ctx.ancestors):
            if type(ancestor) in (cst.ExceptHandler, cst.Finally):
                return
            if ancestor is scan.handler.node:
                break
        scan.branches += 1
        if type(node) is cst.IfExp:
            if presentational_ifexp(reversed(self.ctx.ancestors)):
                scan.shown_ifexps += 1
        else:
            scan.branch_nodes.append(node)

    def visit_If(self, node) -> None:
        self._branch(node)

    def visit_For(self, node) -> None:
        self._branch(node)

    def visit_While(self, node) -> None:
        self._branch(node)

    def visit_IfExp(self, node) -> None:
        self._branch(node)

    def wants(self, handler: routes.Handler) -> bool:
        """Whether ``finish_handler`` could report this handler (else it is not scanned)."""
        return True

    def finish_handler(self, scan: HandlerScan) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    # helpers
    def report_at(self, node: cst.CSTNode, statement: Optional[cst.CSTNode], message: str,
                  related: Sequence[Tuple[cst.CSTNode, str]] = ()) -> None:
        """Report ``node`` with the statement it was seen in (handlers report after the walk left it)."""
        self.report(node, message, statement=statement, related=related)


def describe_handler(handler: routes.Handler) -> str:
    methods = "/".join(handler.methods) if handler.methods else "any method"
    where = f" ({methods} {handler.paths[0]})" if handler.paths else f" ({methods})"
    return f"`{handler.name}`{where}"


# handler names that say nothing about the use case: HTTP methods and DRF's generic actions
_METHOD_NAMES = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "dispatch", "list",
                           "create", "retrieve", "update", "partial_update", "destroy", "index", "view",
                           "handle", "handler", "endpoint", "__call__"})
_HANDLER_STEMS = ("views", "view", "api", "apis", "routes", "routers", "router", "handlers", "endpoints",
                  "controllers", "resources", "viewsets")


def suggested_service(path: str, handler: routes.Handler, root_relative: Optional[str] = None) -> str:
    """Where the use case could go: ``a function in `pkg/services.py` (e.g. `place_order(...)`)``.

    The module is the handler module's sibling (``pkg/views.py`` -> ``pkg/services.py``,
    ``pkg/views/orders.py`` -> ``pkg/services/orders.py``); a function name is proposed only when the
    handler's own name says what the use case is (not `post`, `get`, `update`, ...).
    """
    rel = (root_relative or path).replace(os.sep, "/").lstrip("./")
    directory, filename = os.path.split(rel)
    stem = filename[:-3] if filename.endswith(".py") else filename
    parent, package = os.path.split(directory)
    if stem in _HANDLER_STEMS or stem in ("main", "app", "__init__"):
        target = f"{directory}/services.py" if directory else "services.py"
    elif package in _HANDLER_STEMS:
        target = f"{parent}/services/{stem}.py" if parent else f"services/{stem}.py"
    else:
        target = f"{directory}/services.py" if directory else "services.py"
    func = use_case_name(handler.name.rsplit(".", 1)[-1])
    if func is None:
        return f"a function in `{target}`"
    return f"`{target}` (e.g. `{func}(...)`)"


_HTTP_WORDS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
_HANDLER_PREFIXES = ("api_", "handle_", "do_", "ajax_", "view_")
_HANDLER_SUFFIXES = ("_view", "_endpoint", "_api", "_handler", "_route")


def use_case_name(func: str) -> Optional[str]:
    """The handler's name as a service function name, without what only says it is a handler:
    ``register_post`` -> ``register``, ``stop_tasks_endpoint`` -> ``stop_tasks``, ``do_POST`` ->
    None; None when nothing names a use case (``post``, ``ajax``, ``_helper``)."""
    if func.startswith("_"):
        return None
    name = func
    changed = True
    while changed:
        changed = False
        lower = name.lower()
        for prefix in _HANDLER_PREFIXES:
            if lower.startswith(prefix) and len(name) > len(prefix):
                name, changed = name[len(prefix):], True
                break
        lower = name.lower()
        for suffix in _HANDLER_SUFFIXES + tuple(f"_{w}" for w in _HTTP_WORDS):
            if lower.endswith(suffix) and len(name) > len(suffix):
                name, changed = name[:-len(suffix)], True
                break
    if name.lower() in _METHOD_NAMES or name.lower() in _HTTP_WORDS or name.lower() in _VAGUE_NAMES:
        return None
    return name


_VAGUE_NAMES = frozenset({"ajax", "success", "callback", "api", "main", "default"})


_GENERIC_MODULES = frozenset({"generic", "generics", "generic_views", "base_views", "crud", "mixins"})


def generic_base_view(handler: routes.Handler, path: str) -> bool:
    """A CRUD base view the project's framework layer provides for subclassing (netbox's
    ``views/generic``, a ``BaseDeleteView``): its writes are the feature, not handler logic."""
    cls = handler.class_name
    if cls is None:
        return False
    if cls.startswith(("Base", "Generic", "Abstract")) or cls.endswith("Mixin"):
        return True
    parts = path.replace(os.sep, "/").split("/")
    stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    return stem in _GENERIC_MODULES or any(p in _GENERIC_MODULES for p in parts[:-1])


DJANGO_FRAMEWORKS = ("django", "drf")
