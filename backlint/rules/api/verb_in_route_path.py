from __future__ import annotations

from typing import List, Optional, Tuple

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import roles, route_kinds, routes
from ...rule import Option, Rule
from . import item_verbs, verb_messages
from ._proxy_paths import mirrors_upstream

from .route_verbs import (  # noqa: F401  (the vocabulary; re-exported for BL106 and plugins)
    _STOPWORDS, _WORD_RE, DEFAULT_ALLOWED, DEFAULT_VERBS, NOUN_TOO, VERBS, _normal, _plural, is_api_marker, words,
)


class VerbInRoutePath(Rule):
    """Route path names an action (`/getUsers`, `/orders/create`) instead of a resource.

    ## What it does
    Reads every route backlint discovers (Flask, FastAPI, Starlette, Django `path()`/`re_path()`,
    DRF routers and `@action(url_path=...)`, aiohttp, Litestar, Sanic; see `backlint routes`)
    and checks each static path segment of the **API endpoints** among them (the route kind,
    shown by `backlint routes`: DRF, FastAPI, Litestar, handlers answering with `JsonResponse`/
    `jsonify`/`web.json_response`, Django routes in API modules). A segment is split into words
    (camelCase, snake_case, kebab-case) and reported when its first word is an action verb such
    as `get`, `fetch`, `list`, `create`, `update`, `delete` or `remove`. The message proposes the
    resource form for that method: `GET /api/getUsers` -> `GET /api/users`, `POST /users/create`
    -> `POST /users`, `POST /files/batch/add` -> `POST /files` with the items in the body. It
    never invents a path parameter (`POST /config/update` -> `PUT /config`), and proposes no path
    where the verb does not match the declared method (`POST /chats/read`).

    Not reported: path parameters (`{id}`, `<int:id>`), nouns that merely look like verbs
    (`/settings`, `/search`, `/query`, `/updates`, `/exports`: only whole words count), authentication
    endpoints (`/login`, `/logout`, `/token`, ... see `allowed-segments`), a custom action on a
    single resource (a verb right after a path parameter: `POST /orders/{id}/cancel`; DRF
    `@action(detail=True)`), HTML edit-form pages (`GET /profile/edit`), Google-style custom
    methods (`/orders/{id}:cancel`), server-rendered pages (Django generic editing views,
    handlers that render a template or redirect after a form post, Django URLconf class views
    outside API modules: their `add/`, `<id>/delete/` confirm and bulk-edit pages are the
    convention there; Django function views routed from another module in a URLconf outside any
    API module and without DRF, of which nothing says they are API endpoints), and protocol
    callbacks whose path the protocol or provider fixes (a path or handler name with `oauth`,
    `oidc`, `sso`, `saml`, `callback`, `return`, `confirm`, `verify`, ...), and proxy routes that
    mirror an upstream API's path (the handler forwards to the same path upstream:
    `@router.post("/api/create")` calling `f"{url}/api/create"`).

    On an API endpoint, a plain CRUD verb as the whole last segment right after a path parameter
    is reported even so (`POST /users/{id}/delete` -> `DELETE /users/{id}`, `POST /orders/<id>/update` ->
    `PUT /orders/<id>`, `GET /items/{id}/get` -> `GET /items/{id}`): the verbs are `get`, `fetch`,
    `retrieve`, `show`, `update`, `edit`, `modify`, `patch`, `put`, `delete`, `remove`, `destroy`,
    `del` and `erase`. Domain actions after an item (`cancel`, `publish`, `approve`, `archive`,
    `refund`, `verify-email`, `reset-password`, `read`, ...) are not, nor is a verb the declared
    method contradicts (`GET /users/{id}/delete`: no proposal is right) or `GET /posts/{id}/edit`
    (an edit form).

    ## Why is this bad?
    In a resource-based API the path names the thing and the HTTP method says what happens to it.
    Verbs in paths duplicate (or contradict) the method, multiply endpoints (`/getUser`,
    `/fetchUser`, `/loadUser`), defeat HTTP caching and tooling that rely on method semantics,
    and make the API harder to learn: `GET /api/users` and `POST /api/users` say everything
    `GET /api/getUsers` and `POST /api/createUser` say, with one resource instead of two.

    ## Example
    ```python
    from fastapi import APIRouter

    router = APIRouter(prefix="/api")

    @router.get("/getUsers")
    def get_users():
        return []
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter

    router = APIRouter(prefix="/api")

    @router.get("/users")
    def list_users():
        return []

    @router.post("/orders/{order_id}/cancel")
    def cancel_order(order_id: int):
        return {}
    ```

    ## Options
    `verbs` (the words that count as actions), `allowed-segments` (whole segments that are
    accepted, compared case- and separator-insensitively), `allow-actions-on-item` (accept a
    verb right after a path parameter, default on), `crud-verbs-on-item` (still report a plain CRUD
    verb as the last segment after a path parameter, default on).

    ## References
    - RFC 9110, section 9 (method semantics): https://www.rfc-editor.org/rfc/rfc9110#section-9
    """

    skip_roles = roles.NOT_REQUEST_PATH
    code = "BL101"
    name = "verb-in-route-path"
    category = "route-verb"
    severity = Severity.WARNING
    precision = "high"
    tags = ("api-design",)
    options = {
        "verbs": Option((list,), DEFAULT_VERBS, "Words that make a path segment an action when they come first."),
        "allowed-segments": Option((list,), DEFAULT_ALLOWED, "Whole path segments that are accepted anyway."),
        "allow-actions-on-item": Option((bool,), True,
                                        "Accept a verb segment right after a path parameter (`/orders/{id}/cancel`)."),
        "crud-verbs-on-item": Option((bool,), True,
                                     "Report a plain CRUD verb as the last segment after a path parameter "
                                     "(`POST /users/{id}/delete`), even where actions on an item are allowed."),
    }
    text_markers = routes.TEXT_MARKERS

    def visit_Module(self, node: cst.Module) -> None:
        found = routes.for_context(self.ctx)
        verbs = {v.lower() for v in self.settings["verbs"]}
        allowed = {_normal(s) for s in self.settings["allowed-segments"]}
        drf = "rest_framework" in self.ctx.text
        merged = {}
        for decl in found.paths:  # one literal may serve several methods (a MethodView, add_url_rule)
            seen = merged.get(id(decl.node))
            if seen is None:
                merged[id(decl.node)] = decl
            elif seen.methods is not None and decl.methods is not None:
                seen.methods = routes.norm_methods(seen.methods + decl.methods)
        for decl in merged.values():
            if self._check(decl, verbs, allowed, False) is None and self._check(decl, verbs, allowed, True) is None:
                continue  # no verb either way: what kind of endpoint it is need not be decided (a body walk)
            kind = found.endpoint_kind(decl)[0]
            if kind == route_kinds.PAGE:
                continue  # a server-rendered page keeps its `add/`, `edit/`, `delete/` form pages
            if kind is None and decl.framework == "django" and decl.target is None and not drf:
                continue  # a function view of another module, in a URLconf without DRF: nothing says it is an API
            if route_kinds.protocol_word(decl.full, decl.handler):
                continue  # an OAuth/payment/e-mail callback: the protocol fixes the path
            if mirrors_upstream(decl.target, decl.path):
                continue  # a proxy route: the upstream API it forwards to fixes the path
            problem = self._check(decl, verbs, allowed, kind == route_kinds.API)
            if problem is not None:
                self.report(decl.node, problem)

    def _check(self, decl: routes.PathDecl, verbs, allowed, api: bool = False) -> Optional[str]:
        path = decl.path
        if decl.framework == "django" and (path.startswith("^") or path.endswith("$")):
            path = path.lstrip("^").rstrip("$")
        segments = [s for s in path.split("/") if s]
        previous_is_param = decl.kind == "action-detail"
        if decl.kind.startswith("action"):
            segments = [path]  # url_path is one segment (it may contain slashes only rarely)
        for index, segment in enumerate(segments):
            if routes.is_param_segment(segment) or any(c in segment for c in "()[]\\?*+$^|"):
                previous_is_param = True
                continue
            if ":" in segment:  # Google-style custom method, /orders/{id}:cancel
                previous_is_param = False
                continue
            if previous_is_param and api and self.settings["crud-verbs-on-item"]:
                problem = item_verbs.check(decl, segments, index, words(segment))
                if problem is not None:
                    return problem
            found = self._verb(segment, verbs, allowed)
            if found is not None and found == ("edit", []) and index == len(segments) - 1 \
                    and decl.methods == ("GET",):
                found = None  # `GET /profile/edit`: the edit form page of a (singular) resource
            if found is not None and found[0] in NOUN_TOO and (
                    decl.methods == ("GET",) or (not found[1] and not _named_before(segments, index))):
                found = None  # `GET /data/upload/<f>` serves uploads; `/api/v1/upload` names the resource
            if found is not None and _noun_in_handler_name(found[0], decl.handler):
                found = None  # `POST /api_key/store` served by `save_store_api_key`: the store's key
            if found is not None and not (previous_is_param and self.settings["allow-actions-on-item"]):
                verb, rest = found
                return verb_messages.message(decl, segments, index, segment, verb, rest, verbs)
            previous_is_param = False
        return None

    @staticmethod
    def _verb(segment: str, verbs, allowed) -> Optional[Tuple[str, List[str]]]:
        ws = words(segment)
        if not ws or "-".join(ws) in allowed:
            return None
        if ws[0] in verbs and (ws[0], ws[1] if len(ws) > 1 else "") not in _NOUN_COMPOUNDS:
            return ws[0], ws[1:]
        return None


# a verb that starts a compound noun: `load-balancers`, `set-points`, `post-codes`
_NOUN_COMPOUNDS = frozenset({
    ("load", "balancer"), ("load", "balancers"), ("load", "balancing"),
    ("set", "point"), ("set", "points"), ("post", "code"), ("post", "codes"),
})


# verbs that are as often nouns (the store, a post, a set, a show, a load): for these the handler's
# name decides when it leads with another verb and uses the word after it
_NOUN_READINGS = frozenset({"store", "post", "set", "show", "load", "upload", "patch", "put"})


def _noun_in_handler_name(verb: str, handler: Optional[str]) -> bool:
    """``save_store_api_key`` serves `/api_key/store`: its own verb is `save`, and `store` is a noun."""
    if verb not in _NOUN_READINGS or not handler:
        return False
    ws = words(handler.rsplit(".", 1)[-1])
    return len(ws) > 1 and ws[0] != verb and ws[0] in VERBS and verb in ws[1:]


def _named_before(segments: List[str], index: int) -> bool:
    """Whether a resource segment (not a parameter, not an `api`/`v1` marker) precedes ``index``."""
    return any(not routes.is_param_segment(seg) and not is_api_marker(seg) for seg in segments[:index])
