from __future__ import annotations

from typing import Optional

from ..._lazy import cst
import pathspec

from ...findings import Severity
from ...rule import Option, Rule
from ...semantics import dotted_name
from ...frameworks import roles
from . import service_modules

DEFAULT_GLOBS = ["**/services/**", "**/services.py", "**/service.py", "**/repositories/**", "**/repository.py",
                 "**/repositories.py"]
LAYER_CLASS_SUFFIXES = ("Service", "Repository", "Repo", "DAO")

# qualified name -> what it is (for the message)
HTTP_NAMES = {}
for _mod in ("flask", "quart"):
    HTTP_NAMES.update({
        f"{_mod}.request": "the request object", f"{_mod}.abort": "`abort()`", f"{_mod}.Response": "a response class",
        f"{_mod}.jsonify": "a response helper", f"{_mod}.make_response": "a response helper",
        f"{_mod}.redirect": "a response helper", f"{_mod}.g": "request-scoped globals",
    })
for _mod in ("fastapi", "starlette"):
    HTTP_NAMES.update({
        f"{_mod}.Request": "the request object", f"{_mod}.Response": "a response class",
        f"{_mod}.HTTPException": "an HTTP exception", f"{_mod}.exceptions.HTTPException": "an HTTP exception",
        f"{_mod}.requests.Request": "the request object", f"{_mod}.responses.Response": "a response class",
        f"{_mod}.responses.JSONResponse": "a response class", f"{_mod}.responses.RedirectResponse": "a response class",
        f"{_mod}.responses.HTMLResponse": "a response class", f"{_mod}.status": "HTTP status codes",
    })
HTTP_NAMES.update({
    "fastapi.responses.JSONResponse": "a response class",
    "werkzeug.exceptions.HTTPException": "an HTTP exception", "werkzeug.exceptions.NotFound": "an HTTP exception",
    "werkzeug.exceptions.BadRequest": "an HTTP exception", "werkzeug.exceptions.Forbidden": "an HTTP exception",
    "werkzeug.exceptions.abort": "`abort()`",
    "django.http.Http404": "an HTTP exception", "django.http.HttpRequest": "the request object",
    "django.http.HttpResponse": "a response class", "django.http.JsonResponse": "a response class",
    "django.http.HttpResponseBadRequest": "a response class", "django.http.HttpResponseRedirect": "a response class",
    "django.http.HttpResponseNotFound": "a response class", "django.http.HttpResponseForbidden": "a response class",
    "django.shortcuts.get_object_or_404": "`get_object_or_404` (raises Http404)",
    "django.shortcuts.render": "a response helper", "django.shortcuts.redirect": "a response helper",
    "rest_framework.response.Response": "a response class", "rest_framework.request.Request": "the request object",
    "rest_framework.status": "HTTP status codes",
    "aiohttp.web.Request": "the request object", "aiohttp.web.Response": "a response class",
    "aiohttp.web.json_response": "a response helper", "aiohttp.web.HTTPNotFound": "an HTTP exception",
    "aiohttp.web.HTTPBadRequest": "an HTTP exception", "aiohttp.web.HTTPException": "an HTTP exception",
    "sanic.exceptions.NotFound": "an HTTP exception", "sanic.exceptions.SanicException": "an HTTP exception",
    "sanic.response.json": "a response helper", "sanic.request.Request": "the request object",
    "litestar.exceptions.HTTPException": "an HTTP exception", "litestar.exceptions.NotFoundException": "an HTTP exception",
    "litestar.Request": "the request object", "litestar.Response": "a response class",
})


STATUS_CODES = "HTTP status codes"


def http_name(qual: Optional[str]) -> Optional[str]:
    if not qual:
        return None
    if qual in HTTP_NAMES:
        return HTTP_NAMES[qual]
    if qual.startswith("aiohttp.web.HTTP") or qual.startswith("werkzeug.exceptions."):
        return "an HTTP exception"
    if qual.startswith("django.http.HttpResponse"):
        return "a response class"
    return None


class HttpInServiceLayer(Rule):
    """A service or repository module uses HTTP objects: requests, responses or HTTP exceptions.

    ## What it does
    In modules that are services or repositories (paths matching `service-globs`, by default
    `**/services/**`, `**/services.py`, `**/service.py`, `**/repositories/**`,
    `**/repository.py`, `**/repositories.py`) it reports imports and uses of web-framework
    request objects, response classes and helpers, HTTP exceptions and `abort()`: Flask/Quart
    `request`, `abort`, `jsonify`; FastAPI/Starlette `Request`, `Response`, `HTTPException`,
    `status`; Django `HttpRequest`, `HttpResponse*`, `JsonResponse`, `Http404`,
    `get_object_or_404`; DRF `Response`, `status`; aiohttp, Sanic and Litestar equivalents.
    In any other module the same uses are reported inside classes named `*Service`,
    `*Repository`, `*Repo` or `*DAO`. One finding per import statement, naming every HTTP
    object it imports.

    Not reported: a module matched by the globs that is really a controller (it defines views or
    REST resources: a class based on a web framework's view or `flask_restful.Resource`, or
    routes), and HTTP status codes in a module that uses an HTTP client (`httpx`, `requests`,
    `aiohttp`): there they describe the responses it receives.

    ## Why is this bad?
    The service layer holds business rules and must not know it is being called over HTTP: a
    service that raises `HTTPException(404)` or reads `flask.request` cannot be reused from a
    worker, a CLI command or another protocol, and its errors leak transport details. Raise
    domain exceptions (`OrderNotFound`) and let the handler translate them into status codes.

    ## Example
    ```python
    from fastapi import HTTPException

    class OrderService:
        def __init__(self, repo):
            self.repo = repo

        def get(self, order_id):
            order = self.repo.find(order_id)
            if order is None:
                raise HTTPException(status_code=404, detail="order not found")
            return order
    ```

    ## Use instead
    ```python
    class OrderNotFound(Exception):
        pass

    class OrderService:
        def __init__(self, repo):
            self.repo = repo

        def get(self, order_id):
            order = self.repo.find(order_id)
            if order is None:
                raise OrderNotFound(order_id)
            return order
    ```
    """

    skip_roles = roles.NOT_REQUEST_PATH
    code = "BL105"
    name = "http-in-service-layer"
    category = "layering"
    severity = Severity.WARNING
    precision = "high"
    tags = ("architecture",)
    options = {
        "service-globs": Option((list,), DEFAULT_GLOBS,
                                "Path globs (gitignore syntax) of service and repository modules."),
    }
    text_markers = ("flask", "fastapi", "starlette", "django", "rest_framework", "aiohttp", "sanic", "litestar",
                    "werkzeug", "quart")

    def visit_Module(self, node: cst.Module) -> None:
        spec = pathspec.PathSpec.from_lines("gitignore", self.settings["service-globs"])
        path = self.ctx.path.replace("\\", "/")
        self._service_file = spec.match_file(path) or spec.match_file(path.lstrip("./"))
        if self._service_file and service_modules.is_controller(node, self.ctx):
            self._service_file = False  # a `service.py` that defines views/resources is a controller module
        self._module = node
        self._client: Optional[bool] = None  # does the module use an HTTP client? asked only for status codes
        self._classes = []
        self._reported_lines = set()

    def _http_client(self) -> bool:
        if self._client is None:
            self._client = service_modules.imports_http_client(self._module)
        return self._client

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(node.name.value)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.pop()

    def _in_layer(self) -> bool:
        return self._service_file or any(c.endswith(LAYER_CLASS_SUFFIXES) for c in self._classes)

    def _where(self) -> str:
        if self._service_file:
            return "this service/repository module"
        layer = next(c for c in reversed(self._classes) if c.endswith(LAYER_CLASS_SUFFIXES))
        return f"`{layer}`"

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not self._service_file or type(node.names) is cst.ImportStar or node.relative:
            return
        module = dotted_name(node.module) if node.module is not None else None
        if not module:
            return
        found = []
        inputs = outputs = False
        for alias in node.names:
            if type(alias.name) is not cst.Name:
                continue
            what = http_name(f"{module}.{alias.name.value}")
            if what and not (what == STATUS_CODES and self._http_client()):
                found.append(f"`{alias.name.value}` ({what})")
                if what in ("the request object", "request-scoped globals"):
                    inputs = True
                else:
                    outputs = True
        if found:  # one finding per import statement, naming everything it imports
            names = found[0] if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]
            verb = "is" if len(found) == 1 else "are"
            remedy = []
            if inputs:
                remedy.append("take what it needs from the request (the current user, the payload) as arguments")
            if outputs:
                remedy.append("raise domain exceptions and return plain data, and let the handler map them to HTTP")
            self.report(node, f"{names} {verb} imported into {self._where()}: services must not depend on HTTP; "
                              f"{'; '.join(remedy)}.")

    def _use(self, node: cst.CSTNode, expr: cst.BaseExpression) -> None:
        if not self._in_layer():
            return
        what = http_name(self.ctx.qualified_name(expr))
        if not what or (what == STATUS_CODES and self._http_client()):
            return  # an HTTP client reads the status codes of the responses it receives
        # in service files a from-import is reported at the import; report module-qualified uses only
        if self._service_file and type(expr) is cst.Name:
            return
        written = dotted_name(expr) or "?"
        self.report(node, f"{self._where()} uses `{written}` ({what}): services must not depend on HTTP; raise "
                          "a domain exception (e.g. `class NotFound(Exception)`) or return plain data and let the "
                          "handler translate it.")

    def visit_Raise(self, node: cst.Raise) -> None:
        exc = node.exc
        if exc is None:
            return
        self._use(node, exc.func if type(exc) is cst.Call else exc)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(self.ctx.parent(), cst.Raise):
            return
        self._use(node, node.func)

    def visit_Annotation(self, node: cst.Annotation) -> None:
        if type(node.annotation) in (cst.Name, cst.Attribute):
            self._use(node, node.annotation)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        # flask.request.json, request.args inside a service class
        if isinstance(self.ctx.parent(), (cst.Call, cst.Attribute, cst.Raise, cst.Annotation)):
            parent = self.ctx.parent()
            if type(parent) is cst.Call and parent.func is node:
                return
            if type(parent) is cst.Attribute:
                return
            if type(parent) in (cst.Raise, cst.Annotation):
                return
        value = node.value
        qual = self.ctx.qualified_name(value)
        if http_name(qual) == "the request object" and type(value) in (cst.Name, cst.Attribute):
            self._use(node, value)
