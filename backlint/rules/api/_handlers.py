"""Shared plumbing for rules that look inside HTTP handlers (not a rule itself: it has no code)."""
from __future__ import annotations

import os
from typing import List, Optional, Tuple

from ..._lazy import cst

from ...frameworks import persistence, routes
from ...rule import Rule
from ...frameworks import roles


class HandlerScan:
    """What one handler does: database accesses, outbound side effects, branching."""

    def __init__(self, handler: routes.Handler) -> None:
        self.handler = handler
        self.accesses: List[Tuple[cst.Call, Optional[cst.CSTNode], persistence.Access]] = []
        self.effects: List[Tuple[cst.Call, str]] = []
        self.branches = 0

    def writes(self, include_sanctioned: bool = True) -> List[persistence.Access]:
        return [a for _, _, a in self.accesses if a.kind == persistence.WRITE and (include_sanctioned or not a.sanctioned)]


class HandlerRule(Rule):
    """Tracks the handler (if any) that encloses the node being visited."""

    skip_roles = roles.NOT_REQUEST_PATH

    text_markers = routes.TEXT_MARKERS
    collect_effects = False
    collect_branches = False

    def visit_Module(self, node: cst.Module) -> None:
        self._routes = routes.for_context(self.ctx)
        self._stack: List[Optional[HandlerScan]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        handler = self._routes.handler_for(node)
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
        access = persistence.classify(node, self.ctx.qualified_name)
        if access is not None:
            scan.accesses.append((node, self.ctx.enclosing_statement(), access))
        elif self.collect_effects:
            effect = persistence.side_effect(node, self.ctx.qualified_name)
            if effect is not None:
                scan.effects.append((node, effect))

    # branching, for BL104. Error handling (`except`/`finally` blocks) is not counted: translating
    # failures into HTTP responses is exactly the handler's job.
    def _branch(self, node) -> None:
        scan = self.current()
        if scan is None or not self.collect_branches:
            return
        for ancestor in reversed(self.ctx.ancestors):
            if isinstance(ancestor, (cst.ExceptHandler, cst.Finally)):
                return
            if ancestor is scan.handler.node:
                break
        scan.branches += 1

    def visit_If(self, node) -> None:
        self._branch(node)

    def visit_For(self, node) -> None:
        self._branch(node)

    def visit_While(self, node) -> None:
        self._branch(node)

    def visit_IfExp(self, node) -> None:
        self._branch(node)

    def finish_handler(self, scan: HandlerScan) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    # helpers
    def report_at(self, node: cst.CSTNode, statement: Optional[cst.CSTNode], message: str) -> None:
        """Report ``node`` with the statement it was seen in (handlers report after the walk left it)."""
        self.report(node, message, statement=statement)


def describe_handler(handler: routes.Handler) -> str:
    methods = "/".join(handler.methods) if handler.methods else "any method"
    where = f" ({methods} {handler.paths[0]})" if handler.paths else f" ({methods})"
    return f"`{handler.name}`{where}"


def suggested_service(path: str, handler: routes.Handler) -> str:
    directory, filename = os.path.split(path.replace(os.sep, "/"))
    stem = filename[:-3] if filename.endswith(".py") else filename
    func = handler.name.rsplit(".", 1)[-1]
    if stem in ("views", "api", "routes", "routers", "handlers", "endpoints", "main", "app", "example", "__init__"):
        package = os.path.basename(directory) or "app"
        return f"`{package}/services.py` (e.g. `{func}(...)`)"
    return f"`services/{stem}.py` (e.g. `{func}(...)`)"
