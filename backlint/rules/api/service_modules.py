"""What a module matched by BL105's service globs really is.

* a controller: it defines views or REST resources (a class based on a web framework's view or
  resource class, or routes found by route discovery), as a ``service.py`` of a Flask-RESTful app
  that holds the login decorator and an authenticated ``Resource`` base does;
* an HTTP client: it imports `httpx`/`requests`/`aiohttp`/`urllib3`, so the status codes it
  names describe the responses it receives, not responses it builds.
"""
from __future__ import annotations

from ..._lazy import cst

from ...frameworks import routes
from ...frameworks.routes.common import VIEW_BASES, VIEWSET_BASES
from ...semantics import dotted_name

RESOURCE_BASES = frozenset({"flask_restful.Resource", "flask_restx.Resource", "flask_restplus.Resource",
                            "flask_smorest.Blueprint", "flask_appbuilder.BaseView", "flask_appbuilder.ModelView",
                            "flask_admin.BaseView"})
HTTP_CLIENTS = ("httpx", "requests", "aiohttp", "urllib3")


def is_controller(module: cst.Module, ctx) -> bool:
    for stmt in module.body:
        if type(stmt) is cst.ClassDef:
            for base in stmt.bases:
                qual = ctx.qualified_name(base.value) or ""
                if qual in RESOURCE_BASES or qual in VIEW_BASES or qual in VIEWSET_BASES:
                    return True
    return bool(routes.for_context(ctx).handlers)


def imports_http_client(module: cst.Module) -> bool:
    for stmt in module.body:
        if type(stmt) is not cst.SimpleStatementLine:
            continue
        for small in stmt.body:
            if type(small) is cst.Import:
                names = [dotted_name(a.name) or "" for a in small.names]
            elif type(small) is cst.ImportFrom and small.module is not None and not small.relative:
                names = [dotted_name(small.module) or ""]
            else:
                continue
            if any(n.split(".", 1)[0] in HTTP_CLIENTS for n in names):
                return True
    return False
