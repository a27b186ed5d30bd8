"""Routes listed in tables: aiohttp ``add_routes([web.get(...)])``, ``Starlette(routes=[...])``
with ``Route``/``Mount``, ``Litestar(route_handlers=[...])`` and Sanic blueprint groups."""
from __future__ import annotations

from typing import Optional

from ..._lazy import cst
from ...semantics import keyword_arg, positional_args
from .common import HTTP_VERBS, UNKNOWN, norm_methods, string_list, string_value


class TableRoutes:
    """Mixin of the per-file extractor (see ``extract.py``)."""

    def _aiohttp_routes(self, owner_ref, owner, value) -> None:
        if type(value) is cst.Name and value.value in self.objects:
            self._edge(owner_ref, value, None)
            return
        if type(value) is cst.Name and value.value in self.lists:
            value = self.lists[value.value]
        if type(value) not in (cst.List, cst.Tuple):
            ref = self.ref(value)
            if ref:
                self.edges.append({"parent": owner_ref, "child": ref, "prefix": "", "override": False})
                self.edge_nodes.append(value)
            return
        for el in value.elements:
            item = el.value
            if type(item) is not cst.Call:
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

    def _constructor_routes(self, stmt, call: cst.Call, name: Optional[str] = None) -> None:
        if name is None:
            if stmt is None or type(stmt) is cst.AugAssign:
                return
            targets = [t.target for t in stmt.targets] if type(stmt) is cst.Assign else [stmt.target]
            names = [t.value for t in targets if type(t) is cst.Name and t.value in self.objects]
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
            if arg is not None and type(arg.value) in (cst.List, cst.Tuple):
                for el in arg.value.elements:
                    child = self.ref(el.value)
                    if child:
                        self.edges.append({"parent": ref, "child": child, "prefix": "", "override": False})
                        self.edge_nodes.append(el.value)
        elif fw == "sanic" and obj["kind"] == "group":
            for arg in positional_args(call):
                self._edge(ref, arg.value, None)

    def _starlette_routes(self, owner_ref, owner, value) -> None:
        if type(value) is cst.Name and value.value in self.lists:
            value = self.lists[value.value]
        if type(value) not in (cst.List, cst.Tuple):
            return
        for el in value.elements:
            item = el.value
            if type(item) is not cst.Call:
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
