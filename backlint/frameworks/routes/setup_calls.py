"""Routes registered on an application passed into a function (``def setup_routes(app):
app.router.add_post(...)``), joined to the application the caller passes in
(``setup_routes(app)``); and route owners built from subclasses (``class ProjectRouter(DefaultRouter)``)."""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from ..._lazy import cst
from ...semantics import positional_args
from .common import CONSTRUCTORS, string_value

_AIOHTTP_CALLS = frozenset({"add_get", "add_post", "add_put", "add_patch", "add_delete", "add_head", "add_route",
                            "add_view", "add_routes", "add_subapp"})


class SetupCalls:
    """Mixin of the per-file extractor (see ``extract.py``)."""

    def _param_owner(self, receiver: cst.BaseExpression, attr: str) -> Optional[Tuple[str, Dict[str, Any]]]:
        """``app.router.add_get(...)`` / ``app.include_router(...)`` where ``app`` is a parameter of
        the enclosing function: the routes belong to whatever the callers pass in."""
        base = receiver.value if type(receiver) is cst.Attribute and receiver.attr.value == "router" else receiver
        func = self._enclosing.get(id(self._current_stmt)) if self._current_stmt is not None else None
        if type(base) is not cst.Name or func is None:
            return None
        params = [p.name.value for p in func.params.params]
        if base.value not in params:
            return None
        framework = self._framework_by_method(attr)
        if attr in _AIOHTTP_CALLS and "aiohttp" in self._imported_tops():
            framework = "aiohttp"
        if framework is None:
            return None
        name = f"{func.name.value}#{params.index(base.value)}"
        obj = self.objects.setdefault(name, {"framework": framework, "kind": "setup", "prefix": ""})
        return self.local_ref(name), obj

    def _setup_call(self, call: cst.Call) -> None:
        """``setup_routes(app)``: the function's routes are mounted on ``app``."""
        target = self.ref(call.func)
        if target is None:
            return
        for index, arg in enumerate(positional_args(call)):
            if type(arg.value) is cst.Name and arg.value.value in self.objects:
                self.edges.append({"parent": self.local_ref(arg.value.value), "child": f"{target}#{index}",
                                   "prefix": "", "override": False})
                self.edge_nodes.append(call)

    def _registering_names(self) -> set:
        """Names with ``name.register("prefix", ViewSet)`` calls: DRF routers, whatever their class."""
        out = set()
        for stmt in self._stmts:
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    call = small.value if type(small) is cst.Expr else None
                    if type(call) is cst.Call and type(call.func) is cst.Attribute \
                            and call.func.attr.value == "register" and type(call.func.value) is cst.Name:
                        args = positional_args(call)
                        if len(args) >= 2 and string_value(args[0].value) is not None:
                            out.add(call.func.value.value)
        return out

    def _subclass_spec(self, name: str, func: cst.BaseExpression, depth: int = 0):
        """(framework, kind, prefix keyword) for an instance of a subclass of a known route owner:
        a class of this file deriving from one, or an imported class named like one
        (``NetBoxRouter()`` registering viewsets, ``VersionedAPIRouter(prefix=...)``)."""
        if type(func) is cst.Name and func.value in self.classes:
            if depth > 5:
                return None
            for base in self.classes[func.value].bases:
                spec = CONSTRUCTORS.get(self.r.qualify(base.value) or "") or \
                    self._subclass_spec(name, base.value, depth + 1)
                if spec is not None:
                    return spec
            return None
        qual = self.r.qualify(func) or ""
        last = qual.rsplit(".", 1)[-1]
        if last.endswith("APIRouter") and "fastapi" in self._imported_tops():
            return CONSTRUCTORS["fastapi.APIRouter"]
        if last.endswith("Router") and name in self._drf_routers:
            return CONSTRUCTORS["rest_framework.routers.DefaultRouter"]
        return None
