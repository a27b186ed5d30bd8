"""What kind of endpoint a route serves: a JSON/API endpoint or a server-rendered HTML page.

REST naming (BL101) is a convention of APIs. Server-rendered applications keep their own
conventions: an `add/` form page, an `<id>/delete/` confirmation page, a bulk-edit page. So
route discovery records, for every route it can, whether the endpoint is

* ``api``: DRF views, viewsets and routers, FastAPI, Litestar, Starlette endpoints, and any
  handler that answers with `JsonResponse`/`jsonify`/`web.json_response`/a DRF `Response`;
* ``page``: Django generic display and editing views (`TemplateView`, `CreateView`,
  `UpdateView`, `DeleteView`, `FormView`, ...), classes with `template_name`/`form_class`,
  handlers that render a template (`render`, `render_template`, `TemplateResponse`) or redirect
  after a form post, and Django URLconf class views with no sign of an API;
* ``None`` when the file does not say.

Each answer comes with a short reason (``backlint routes`` prints the kind; the reason is for
tests and debugging). Also here: protocol callbacks (OAuth/OIDC/SAML/SSO returns, payment-provider
returns, e-mail confirmation and unsubscribe links), whose paths and methods are fixed by the
protocol, and bulk routes.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, List, Optional, Tuple

from .._lazy import cst
from ..walker import source_children

API, PAGE = "api", "page"
Kind = Tuple[Optional[str], str]
Qualify = Callable[[Any], Optional[str]]  # no libcst at import: cached runs never load it

# frameworks whose routes are API endpoints unless the handler renders a template
API_FRAMEWORKS = frozenset({"drf", "drf-viewset", "fastapi", "litestar"})

# last component of a called name -> evidence
_PAGE_CALLS = frozenset({"render", "render_template", "render_template_string", "render_to_response",
                         "TemplateResponse", "SimpleTemplateResponse", "HTMLResponse", "redirect",
                         "HttpResponseRedirect", "RedirectResponse", "redirect_to_referrer", "redirect_to_url"})
_API_CALLS = frozenset({"jsonify", "JsonResponse", "json_response", "JSONResponse", "ORJSONResponse",
                        "UJSONResponse", "StreamingHttpResponse"})
# Django generic display/editing views (framework-provided page views)
_DJANGO_PAGE_BASES = ("TemplateView", "FormView", "CreateView", "UpdateView", "DeleteView", "ListView",
                      "DetailView", "RedirectView", "ArchiveIndexView", "WizardView", "FormMixin",
                      "TemplateResponseMixin")
_PAGE_ATTRS = frozenset({"template_name", "form_class", "success_url"})
_API_ATTRS = frozenset({"serializer_class", "renderer_classes", "parser_classes"})
# a class view named like this is an API view
# GraphQLView / AsyncGraphQLView (graphene-django, strawberry, ariadne): the GraphQL endpoint is an API
_API_CLASS_RE = re.compile(r"(APIView|ApiView|ViewSet|Viewset|API|Api|Endpoint|Resource|GraphQLView)$")
# a module or path component naming an API
_API_PARTS = frozenset({"api", "apis", "rest", "restapi", "rest_api", "api_views", "views_api", "apiviews",
                        "api_urls", "urls_api", "graphql", "rpc", "jsonrpc"})
_VERSION_RE = re.compile(r"^v\d+$")


def _last(name: Optional[str]) -> str:
    return (name or "").replace("()", "").rsplit(".", 1)[-1]


def _walk_calls(node: cst.CSTNode) -> Iterable[cst.Call]:
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) is cst.Call:
            yield current
        if type(current) in (cst.SimpleString, cst.Name, cst.Integer):
            continue
        stack.extend(source_children(current))


def body_kind(node: cst.CSTNode, qualify: Qualify) -> Kind:
    """Evidence from what a handler (function or class) calls and declares."""
    page = api = None
    if type(node) is cst.ClassDef:
        for stmt in node.body.body:
            if type(stmt) is cst.SimpleStatementLine:
                for small in stmt.body:
                    if type(small) in (cst.Assign, cst.AnnAssign):
                        targets = [t.target for t in small.targets] if type(small) is cst.Assign else [small.target]
                        for target in targets:
                            if type(target) is cst.Name and target.value in _PAGE_ATTRS:
                                page = page or f"declares `{target.value}`"
                            elif type(target) is cst.Name and target.value in _API_ATTRS:
                                api = api or f"declares `{target.value}`"
    for call in _walk_calls(node):
        func = call.func
        name = qualify(func) or (func.value if type(func) is cst.Name else
                                 func.attr.value if type(func) is cst.Attribute else None)
        last = _last(name)
        if last in _API_CALLS or (last == "Response" and (name or "").startswith("rest_framework")):
            api = api or f"answers with `{last}`"
        elif last in _PAGE_CALLS:
            page = page or f"calls `{last}`"
    if api and not page:
        return API, api
    if page and not api:
        return PAGE, page
    return None, "no response evidence" if not (api or page) else "both JSON and page responses"


def class_bases_kind(cls: cst.ClassDef, qualify: Qualify) -> Kind:
    for base in cls.bases:
        qual = qualify(base.value) or ""
        last = _last(qual) or _last(getattr(base.value, "value", None) if type(base.value) is cst.Name else None)
        if qual.startswith("rest_framework."):
            return API, f"DRF base `{last}`"
        if qual.startswith("django.views.generic") or qual.startswith("django.contrib.") and last.endswith("View"):
            return PAGE, f"Django generic view `{last}`"
        if last in _DJANGO_PAGE_BASES:
            return PAGE, f"generic page view `{last}`"
    return None, "bases say nothing"


def api_named(dotted: Optional[str]) -> bool:
    """A dotted module/view name or a '/'-path with an API component (``api.views.x``, ``/api/v1/``)."""
    if not dotted:
        return False
    parts = [p.lower() for p in re.split(r"[./]", dotted) if p]
    return any(p in _API_PARTS or p.startswith("api_") or p.endswith("_api") or _VERSION_RE.match(p)
               for p in parts)


def django_view_kind(view_name: Optional[str], is_class: bool, file_path: str, route: str) -> Kind:
    """A Django URLconf entry whose view is defined in another module."""
    if api_named(route) or api_named(file_path.replace("\\", "/").rsplit("/", 1)[0]) \
            or file_path.replace("\\", "/").rsplit("/", 1)[-1] in ("api.py", "api_urls.py", "urls_api.py"):
        return API, "an API path or module"
    if view_name and (api_named(view_name.rsplit(".", 1)[0]) or _API_CLASS_RE.search(_last(view_name))):
        return API, f"view `{_last(view_name)}` is named as an API view"
    if is_class:
        return PAGE, "a Django class view outside any API module"
    return None, "a Django function view defined elsewhere"


# -- protocol callbacks ------------------------------------------------------------------------
# words (in a path segment, a handler or class name) that mark an endpoint whose method and path a
# protocol fixes: identity-provider and payment-provider returns, links sent by e-mail. Not
# `webhook`: managing webhooks (`POST /{id}/webhooks/create`) is ordinary CRUD, and an incoming
# webhook is a POST whose path the project chose.
PROTOCOL_WORDS = frozenset({"callback", "callbacks", "oauth", "oauth2", "oidc", "openid", "saml", "sso", "acs",
                            "return", "returns", "confirm", "confirmation", "activate",
                            "activation", "verify", "verification", "unsubscribe", "authorize", "authorized",
                            "redirect", "ipn", "notify", "complete"})
_WORD_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_|-)|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(text: str) -> List[str]:
    out: List[str] = []
    for part in re.split(r"[^A-Za-z0-9]+", text):
        out.extend(w.lower() for w in _WORD_RE.findall(part))
    return out


def protocol_word(*texts: Optional[str]) -> Optional[str]:
    """The first protocol-callback word found in any of ``texts`` (paths, handler and class names)."""
    for text in texts:
        if not text:
            continue
        for word in words(text):
            if word in PROTOCOL_WORDS:
                return word
    return None


def confirms_token(node: cst.CSTNode) -> Optional[str]:
    """A handler that checks a confirmation secret/signature (an e-mail link): the called name."""
    for call in _walk_calls(node):
        func = call.func
        name = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
        ws = set(words(name))
        if ("confirm" in ws or "verify" in ws or "unsign" in ws or "signed" in ws) and \
                ws & {"secret", "token", "signature", "signed", "hash", "unsign", "confirm"}:
            return name
    return None


# -- bulk routes -------------------------------------------------------------------------------
BULK_WORDS = frozenset({"bulk", "batch", "many", "multiple", "all", "mass"})


def is_bulk(segments: Iterable[str]) -> bool:
    return any(set(words(s)) & BULK_WORDS for s in segments)


_TEMPLATE_CALLS = frozenset({"render", "render_template", "render_template_string", "render_to_response",
                             "TemplateResponse", "SimpleTemplateResponse", "HTMLResponse"})
_RESPONSE_CALL_RE = re.compile(r"\b(" + "|".join(sorted(_PAGE_CALLS | _API_CALLS | {"Response"})) + r")\s*\(")


def response_calls(text: str) -> frozenset:
    """The response helpers (`render`, `jsonify`, `TemplateResponse`, ...) the source text calls
    anywhere, in one regex pass: cheap evidence that saves walking handler bodies that call none."""
    return frozenset(_RESPONSE_CALL_RE.findall(text))


def plain_calls(text: str, names) -> frozenset:
    """Which of ``names`` the text calls as plain functions (``name(``, not ``.name(`` or ``def name(``)."""
    if not names:
        return frozenset()
    pattern = re.compile(r"(?<![\w.])(?<!def )(" + "|".join(re.escape(n) for n in sorted(names)) + r")\(")
    return frozenset(pattern.findall(text))


def _called_in(calls: Optional[frozenset], names) -> bool:
    """Could the file call any of ``names``? (None: unknown, so yes.)"""
    return calls is None or not calls.isdisjoint(names)


def decl_kind(decl, qualify: Qualify, file_path: str, calls: Optional[frozenset] = None,
              cache: Optional[dict] = None) -> Kind:
    """The kind of the endpoint behind one declared path (a ``routes.PathDecl``)."""
    if decl.kind == "drf-register" or decl.kind.startswith("action"):
        return API, "a DRF router or viewset action"
    target = decl.target
    cache = {} if cache is None else cache

    def body(node):
        if id(node) not in cache:
            cache[id(node)] = body_kind(node, qualify)
        return cache[id(node)]

    if decl.framework in API_FRAMEWORKS:
        if target is not None and _called_in(calls, _TEMPLATE_CALLS):
            kind, why = body(target)
            if kind == PAGE and why.split("`")[1:2] and why.split("`")[1] in _TEMPLATE_CALLS:
                return PAGE, why
        return API, f"a {decl.framework} route"
    if target is not None:
        if type(target) is cst.ClassDef:
            kind, why = class_bases_kind(target, qualify)
            if kind is not None:
                return kind, why
        if type(target) is cst.ClassDef or _called_in(calls, _PAGE_CALLS | _API_CALLS | {"Response"}):
            kind, why = body(target)
            if kind is not None:
                return kind, why
        else:
            why = "no response evidence"
        if decl.framework == "django" and type(target) is cst.ClassDef:
            return django_view_kind(decl.view_name, True, file_path, decl.full)
        return None, why
    if decl.framework == "django":
        return django_view_kind(decl.view_name, decl.view_is_class, file_path, decl.full)
    return None, "the handler is not defined in this file"
