"""Litestar: route decorators (``@get``, ``@route(http_method=...)``) and controller paths."""
from __future__ import annotations

from typing import List, Optional, Tuple

from ..._lazy import cst
from ...semantics import keyword_arg, positional_args
from .common import LITESTAR_DECORATORS, UNKNOWN, norm_methods, string_list, string_value


class LitestarRoutes:
    """Mixin of the per-file extractor (see ``extract.py``)."""

    def _litestar_route(self, func, cls, call, name) -> None:
        if name in LITESTAR_DECORATORS:
            methods: Optional[Tuple[str, ...]] = LITESTAR_DECORATORS[name]
        elif name == "route" and call is not None:
            arg = keyword_arg(call, "http_method")
            listed = string_list(arg.value) if arg is not None else None
            if listed is None and arg is not None:
                listed = [a.value.attr.value if type(a.value) is cst.Attribute else "?" for a in
                          getattr(arg.value, "elements", [])] or None
                if type(arg.value) is cst.Attribute:
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
                elif type(node) in (cst.List, cst.Tuple):
                    paths = [(p, el.value) for p, el in zip(listed, node.elements)]
                else:
                    paths = [(listed[0], node)]
        owner_ref = self.local_ref(cls.name.value) if cls is not None else self.local_ref(func.name.value)
        for path, node in paths:
            self._route(owner_ref, None, "litestar", func, cls, methods, path, node, methods == ("WEBSOCKET",))
        if cls is None:
            # a decorated function is itself a route holder (mounted by Litestar(route_handlers=[...]))
            self.objects.setdefault(func.name.value, {"framework": "litestar", "kind": "handler", "prefix": ""})

    def _controller_path(self, cls: cst.ClassDef) -> str:
        for stmt in cls.body.body:
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) in (cst.Assign, cst.AnnAssign):
                        targets = [t.target for t in small.targets] if type(small) is cst.Assign else [small.target]
                        if any(type(t) is cst.Name and t.value == "path" for t in targets):
                            return string_value(small.value) or UNKNOWN
        return ""
