"""Flask-AppBuilder: ``@expose("/path", methods=[...])`` on ``BaseView``/``ModelView``/``BaseApi``
classes. The class is served at its ``route_base``: given in the class, else FAB's default
(``/<classname>`` for views, ``/api/<version>/<resource_name>`` for APIs)."""
from __future__ import annotations

from typing import Dict

from ..._lazy import cst
from ...semantics import dotted_name, keyword_arg, positional_args
from .. import route_kinds
from .common import UNKNOWN, norm_methods, string_list, string_value


def is_expose(qualified: str) -> bool:
    return qualified.startswith("flask_appbuilder") and qualified.rsplit(".", 1)[-1] == "expose"


class AppBuilderRoutes:
    """Mixin of the per-file extractor (see ``extract.py``)."""

    def _fab_expose(self, func: cst.FunctionDef, cls: cst.ClassDef, call) -> None:
        args = positional_args(call) if call is not None else []
        node = args[0].value if args else None
        if node is None and call is not None and keyword_arg(call, "url") is not None:
            node = keyword_arg(call, "url").value
        path = string_value(node) if node is not None else "/"
        methods = ("GET",)
        arg = keyword_arg(call, "methods") if call is not None else None
        if arg is None and len(args) > 1:
            arg = args[1]
        if arg is not None:
            listed = string_list(arg.value)
            methods = norm_methods(listed) if listed else None
        name = cls.name.value
        owner = self.objects.setdefault(name, {"framework": "flask", "kind": "fab-view",
                                               "prefix": self._fab_route_base(cls)})
        self._route(self.local_ref(name), owner, "flask", func, cls, methods, path if path is not None else UNKNOWN,
                    node, False)
        if self.paths and self.paths[-1].node is node:
            self.paths[-1].target = func  # each exposed method answers on its own (pages and JSON mix)
        if self.paths and self.paths[-1].node is node and not owner["prefix"].startswith("/api/"):
            # a BaseView/ModelView (not a BaseApi): its pages are server-rendered unless the body answers JSON
            self.paths[-1].default_kind = (route_kinds.PAGE, "a Flask-AppBuilder view class (not an API class)")

    def _fab_route_base(self, cls: cst.ClassDef) -> str:
        attrs: Dict[str, str] = {}
        for stmt in cls.body.body:
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) is cst.Assign and len(small.targets) == 1 \
                            and type(small.targets[0].target) is cst.Name:
                        value = string_value(small.value)
                        attrs[small.targets[0].target.value] = value if value is not None else UNKNOWN
        if "route_base" in attrs:
            return attrs["route_base"]
        bases = [dotted_name(b.value) or "" for b in cls.bases]
        if "resource_name" in attrs or "version" in attrs or any(b.endswith("Api") for b in bases):
            return f"/api/{attrs.get('version', 'v1')}/{attrs.get('resource_name', name_lower(cls))}"
        return "/" + name_lower(cls)


def name_lower(cls: cst.ClassDef) -> str:
    return cls.name.value.lower()
