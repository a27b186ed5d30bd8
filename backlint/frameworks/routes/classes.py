"""Class-based views: Django views, DRF API views and viewsets (with ``@action``), aiohttp
``web.View`` classes; which HTTP methods each class answers."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ..._lazy import cst
from ...semantics import keyword_arg, positional_args
from .common import (
    _ALL_ACTIONS, HTTP_VERBS, UNKNOWN, VIEW_BASES, VIEWSET_ACTIONS, VIEWSET_BASES, norm_methods, string_list,
    string_value,
)
from .model import PathDecl


class ClassViews:
    """Mixin of the per-file extractor (see ``extract.py``)."""

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
            if type(expr) is cst.Name and expr.value in self.classes and expr.value not in seen:
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
            if type(call) is cst.Call and type(call.func) is cst.Attribute and call.func.attr.value == "view":
                owner_ref, owner = self.owner_key(call.func.value)
                if owner is not None and owner["framework"] == "aiohttp" and positional_args(call):
                    path_node = positional_args(call)[0].value
                    for stmt in cls.body.body:
                        if type(stmt) is cst.FunctionDef and stmt.name.value in HTTP_VERBS:
                            self._route(owner_ref, owner, "aiohttp", stmt, cls, (stmt.name.value.upper(),),
                                        string_value(path_node) or UNKNOWN, path_node, False)
        if framework is None:
            # Litestar controllers are found through their decorated methods
            for stmt in cls.body.body:
                if type(stmt) is cst.FunctionDef:
                    self._decorated_function(stmt, cls)
            return
        defined: Dict[str, cst.FunctionDef] = {
            s.name.value: s for s in cls.body.body if type(s) is cst.FunctionDef
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
                    node = action.pop("url_path_node", None)
                    if node is None and action["url_path"] == name:
                        node = func.name  # no url_path: DRF serves the action at the method's name
                    if node is not None:
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
            call = deco.decorator if type(deco.decorator) is cst.Call else None
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
                    detail = type(arg.value) is cst.Name and arg.value.value == "True"
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
